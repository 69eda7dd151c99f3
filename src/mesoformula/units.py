"""
Units: the one registry, the strict quantity parser, canonical magnitudes (SPEC §1).

Quantities enter mesoformula only through :func:`parse_quantity`, which accepts

* strings ``"<number> <unit>"`` (``"2.5 mg/mL"``, ``"1000 mcg"``, ``"150 USP_U/mL"``);
* tables ``{value = 2.5, unit = "mg/mL"}``;
* percentages with their basis: ``"2 % w/v"`` (= 20 mg/mL), ``"5 % v/v"``, ``"1 % w/w"``;
* ratio strengths ``"1:100000"`` or ``"1:100,000"`` (g per mL: = 0.01 mg/mL).

It never hands user text to pint's expression evaluator (which hangs on
``10**10**10``, reads ``1,5`` as 15 and ``2.5 mg / 2 mL`` as 1.25 mg·mL). The grammar
is ``<finite number> <atom>[/<atom>]``, at most :data:`MAX_LENGTH` characters, and every
atom comes from an allow-list.

The parsed value is stored as a :class:`Quantity`: a float in the *canonical unit* of
its kind (mg, mL, mg/mL, mg/kg, IU, USP_U, mEq, ...). Models hold these; no pint object
is built when a file is loaded.

The registry itself is pint, built from the curated definitions file ``units.txt``
shipped beside this module (no default definitions, no prefixes, no contexts). pint
takes a quarter of a second to import, more than a whole ``validate`` run, so the
parser works from :data:`_ATOMS`, a table of factors and dimensions that the test
suite proves equal to what the registry computes (``tests/test_units.py``).
:func:`registry` builds the registry on first use for callers that want pint objects
(:meth:`Quantity.to_pint`).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .exceptions import UnitError

if TYPE_CHECKING:
    import pint

#: Longest quantity string accepted; longer input is rejected before any parsing.
MAX_LENGTH = 64

DEFINITIONS = Path(__file__).with_name("units.txt")

Dims = tuple[tuple[str, int], ...]
F = Fraction

# Accepted spelling -> (registry unit name, factor to the dimension's base unit, dims).
# The registry unit name is the name in units.txt; the test suite checks factor and
# dims of every row against pint.
_ATOMS: dict[str, tuple[str, Fraction, Dims]] = {
    "g": ("gram", F(1), (("mass", 1),)),
    "mg": ("milligram", F(1, 1000), (("mass", 1),)),
    "ug": ("microgram", F(1, 10**6), (("mass", 1),)),
    "mcg": ("microgram", F(1, 10**6), (("mass", 1),)),
    "\u00b5g": ("microgram", F(1, 10**6), (("mass", 1),)),  # micro sign
    "\u03bcg": ("microgram", F(1, 10**6), (("mass", 1),)),  # Greek mu
    "ng": ("nanogram", F(1, 10**9), (("mass", 1),)),
    "L": ("liter", F(1), (("volume", 1),)),
    "mL": ("milliliter", F(1, 1000), (("volume", 1),)),
    "uL": ("microliter", F(1, 10**6), (("volume", 1),)),
    "\u00b5L": ("microliter", F(1, 10**6), (("volume", 1),)),
    "\u03bcL": ("microliter", F(1, 10**6), (("volume", 1),)),
    "kg": ("body_kilogram", F(1), (("body_mass", 1),)),
    "IU": ("international_unit", F(1), (("iu_activity", 1),)),
    "[iU]": ("international_unit", F(1), (("iu_activity", 1),)),  # UCUM
    "[IU]": ("international_unit", F(1), (("iu_activity", 1),)),  # UCUM
    "USP_U": ("usp_unit", F(1), (("usp_activity", 1),)),
    "[USP'U]": ("usp_unit", F(1), (("usp_activity", 1),)),  # UCUM
    "mol": ("mole", F(1), (("substance", 1),)),
    "mmol": ("millimole", F(1, 1000), (("substance", 1),)),
    "mEq": ("milliequivalent", F(1, 1000), (("charge_equivalent", 1),)),
    "meq": ("milliequivalent", F(1, 1000), (("charge_equivalent", 1),)),  # UCUM
    "d": ("day", F(1), (("time", 1),)),
    "h": ("hour", F(1, 24), (("time", 1),)),
    "min": ("minute", F(1, 1440), (("time", 1),)),
    "wk": ("week", F(7), (("time", 1),)),
}

# Spellings that a pharmacist might type and that mean something else, or nothing.
_MISLEADING: dict[str, str] = {
    "U": "bare 'U' is ambiguous (USP units, international units or enzyme units): "
    "write 'USP_U' or 'IU'",
    "units": "'units' is ambiguous: write 'USP_U' or 'IU'",
    "cc": "write 'mL' instead of 'cc'",
    "%": "bare '%' is ambiguous: write '% w/v' (g per 100 mL), '% w/w' or '% v/v'",
    "percent": "bare 'percent' is ambiguous: write '% w/v', '% w/w' or '% v/v'",
    "gr": "'gr' (grain) is not accepted: write the mass in mg",
}


@attrs.frozen
class Kind:
    """A kind of quantity: its name for people, its canonical unit and dimensions."""

    name: str
    unit: str
    dims: Dims
    factor: Fraction  # the canonical unit expressed in the base units of dims


def _dims(**exps: int) -> Dims:
    return tuple(sorted((k, v) for k, v in exps.items() if v))


KINDS: tuple[Kind, ...] = (
    Kind("mass", "mg", _dims(mass=1), F(1, 1000)),
    Kind("volume", "mL", _dims(volume=1), F(1, 1000)),
    Kind("mass concentration", "mg/mL", _dims(mass=1, volume=-1), F(1)),
    Kind("body weight", "kg", _dims(body_mass=1), F(1)),
    Kind("mass per body weight", "mg/kg", _dims(mass=1, body_mass=-1), F(1, 1000)),
    Kind("IU activity", "IU", _dims(iu_activity=1), F(1)),
    Kind("IU concentration", "IU/mL", _dims(iu_activity=1, volume=-1), F(1000)),
    Kind("IU per body weight", "IU/kg", _dims(iu_activity=1, body_mass=-1), F(1)),
    Kind("USP activity", "USP_U", _dims(usp_activity=1), F(1)),
    Kind("USP concentration", "USP_U/mL", _dims(usp_activity=1, volume=-1), F(1000)),
    Kind("USP per body weight", "USP_U/kg", _dims(usp_activity=1, body_mass=-1), F(1)),
    Kind("milliequivalents", "mEq", _dims(charge_equivalent=1), F(1, 1000)),
    Kind("mEq concentration", "mEq/mL", _dims(charge_equivalent=1, volume=-1), F(1)),
    Kind("amount of substance", "mmol", _dims(substance=1), F(1, 1000)),
    Kind("molar concentration", "mmol/mL", _dims(substance=1, volume=-1), F(1)),
    Kind("molar mass", "g/mol", _dims(mass=1, substance=-1), F(1)),
    Kind("duration", "d", _dims(time=1), F(1)),
    Kind("volume fraction", "% v/v", (), F(1, 100)),
    Kind("mass fraction", "% w/w", (), F(1, 100)),
)
KIND_BY_UNIT: dict[str, Kind] = {k.unit: k for k in KINDS}
_KIND_BY_DIMS: dict[Dims, Kind] = {k.dims: k for k in KINDS if k.dims}

# Groups of canonical units that fields accept.
AMOUNT = frozenset({"mg", "IU", "USP_U", "mEq", "mmol"})
CONCENTRATION = frozenset({"mg/mL", "IU/mL", "USP_U/mL", "mEq/mL", "mmol/mL"})
PER_KG = frozenset({"mg/kg", "IU/kg", "USP_U/kg"})
FRACTION = frozenset({"% v/v", "% w/w"})
ACTIVITY = frozenset({"IU", "USP_U"})


@attrs.frozen
class Accepts:
    """
    What a quantity field accepts: used as ``Annotated[Quantity, Accepts(...)]``.

    Attributes:
        units: Canonical units of the kinds accepted.
        what: The kind described for people, used in error messages.
        zero: Whether zero is meaningful for this field.
        low: Smallest plausible value in the canonical unit (``value.range`` below it).
        high: Largest plausible value in the canonical unit (``value.range`` above it).
    """

    units: frozenset[str]
    what: str
    zero: bool = False
    low: float | None = None
    high: float | None = None

    def check(self, quantity: Quantity, shown: str | None = None) -> Quantity:
        """
        Return *quantity* if this field accepts it; raise :class:`UnitError` otherwise
        (``unit.dimension`` for the wrong kind, ``unit.invalid`` for a negative or zero
        value, ``value.range`` outside ``low``..``high``). Never clamps.
        """
        shown = shown or str(quantity)
        if quantity.unit not in self.units:
            raise UnitError(
                "unit.dimension",
                f"must be {self.what} (got '{shown}', {_article(quantity.kind.name)})",
            )
        value = quantity.value
        if value < 0 or (value == 0 and not self.zero):
            bound = "zero or more" if self.zero else "greater than zero"
            raise UnitError("unit.invalid", f"must be {bound} (got '{shown}')")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            unit = quantity.unit
            raise UnitError(
                "value.range",
                f"'{shown}' is outside the plausible range of {fmt(self.low or 0)} to "
                f"{fmt(self.high or math.inf)} {unit} for {self.what}: check the value "
                "and its unit",
            )
        return quantity


@attrs.frozen(order=True)
class Quantity:
    """
    A finite, non-negative magnitude in a canonical unit.

    ``unit`` is always one of the canonical units in :data:`KINDS` (``mg``, ``mL``,
    ``mg/mL``, ``IU``, ...), so two quantities of the same kind compare by ``value``.
    """

    value: float
    unit: str

    def __attrs_post_init__(self) -> None:
        # Built in code, a quantity is held to the same rules as one read from a file:
        # a canonical unit and a finite number (``Quantity(88, "lb")`` raises).
        if self.unit not in KIND_BY_UNIT:
            raise UnitError(
                "unit.unknown",
                f"'{str(self.unit)[:20]}' is not a canonical unit of mesoformula "
                f"({', '.join(KIND_BY_UNIT)}): parse text with parse_quantity()",
            )
        value = self.value
        if type(value) not in (float, int) or not math.isfinite(value):
            raise UnitError(
                "unit.invalid", f"a quantity's value must be a finite number (got {value!r})"
            )

    @property
    def kind(self) -> Kind:
        """The kind of this quantity (mass, volume, mass concentration, ...)."""
        return KIND_BY_UNIT[self.unit]

    def __str__(self) -> str:
        return f"{fmt(self.value)} {self.unit}"

    def to_pint(self) -> pint.Quantity[float]:
        """Return this quantity as a pint Quantity of the shared registry."""
        if self.unit in FRACTION:
            return registry().Quantity(self.value / 100.0, "dimensionless")
        num, _, den = self.unit.partition("/")
        reg = registry()
        unit = reg.Unit(_ATOMS[num][0] if num != "g" else "gram")
        if den:
            unit = unit / reg.Unit(_ATOMS[den][0])
        return reg.Quantity(self.value, unit)


def days(duration: Quantity) -> float:
    """A duration in days (files may write days, hours, minutes or weeks)."""
    if duration.unit == "d":
        return float(duration.value)
    return float(duration.to_pint().to("day").magnitude)


def fmt(value: float) -> str:
    """Format a magnitude for people: up to 6 significant digits, no float noise."""
    if value == 0:
        return "0"
    return f"{value:.6g}"


@functools.cache
def registry() -> pint.UnitRegistry[float]:
    """
    Return the one pint registry, built from ``units.txt`` on first use.

    It has no default definitions, no prefixes and no contexts; redefinition raises.
    """
    import pint  # noqa: PLC0415 - 0.25 s import, only for callers that want pint

    return pint.UnitRegistry(str(DEFINITIONS), on_redefinition="raise")


# ASCII digits only: ``\d`` would also match full-width and Arabic-Indic digits, which
# float() reads ("１０ mL" would pass as 10 mL).
_NUMBER = r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,3})?"
_QUANTITY = re.compile(rf"\s*(?P<num>{_NUMBER})(?P<rest>.*)\Z", re.DOTALL)
_RATIO = re.compile(r"\s*1\s*:\s*(?P<den>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})\s*\Z")
_PERCENT = re.compile(r"%\s*(?P<basis>w/v|w/w|v/v)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def parse_unit(text: str) -> tuple[Kind, float]:
    """
    Parse a unit expression; return its kind and the factor to the canonical unit.

    Raises:
        UnitError: ``unit.unknown`` for an atom not in the allow-list,
            ``unit.invalid`` for a malformed expression, ``unit.dimension`` for a
            combination that is no quantity mesoformula knows.
    """
    unit = text.strip()
    if not unit:
        raise UnitError("unit.invalid", "a unit is missing (write e.g. '10 mg' or '2 mg/mL')")
    percent = _PERCENT.fullmatch(unit)
    if percent:
        basis = percent["basis"].lower()
        if basis == "w/v":
            return KIND_BY_UNIT["mg/mL"], 10.0
        return KIND_BY_UNIT[f"% {basis}"], 1.0  # canonical: the value is in percent
    if unit in _MISLEADING:
        code = "unit.invalid" if unit in {"%", "percent"} else "unit.unknown"
        raise UnitError(code, _MISLEADING[unit])
    if re.search(r"\d", unit.replace("[USP'U]", "")) or "*" in unit or "^" in unit:
        raise UnitError(
            "unit.invalid",
            f"'{unit}' is not a unit: write one number and one unit, "
            "such as '1.25 mg/mL' (no arithmetic, no second number)",
        )
    parts = [p.strip() for p in unit.split("/")]
    if len(parts) > 2 or not all(parts):
        raise UnitError(
            "unit.invalid", f"'{unit}' is not a unit: use at most one '/' (e.g. 'mg/mL')"
        )
    factor = Fraction(1)
    dims: dict[str, int] = {}
    for position, atom in enumerate(parts):
        if atom in _MISLEADING:
            raise UnitError("unit.unknown", _MISLEADING[atom])
        entry = _ATOMS.get(atom)
        if entry is None:
            raise UnitError("unit.unknown", _unknown_message(atom))
        sign = 1 if position == 0 else -1
        factor = factor * entry[1] if sign == 1 else factor / entry[1]
        for dim, exp in entry[2]:
            dims[dim] = dims.get(dim, 0) + sign * exp
    key = tuple(sorted((k, v) for k, v in dims.items() if v))
    kind = _KIND_BY_DIMS.get(key)
    if kind is None:
        raise UnitError(
            "unit.dimension",
            f"'{unit}' is not a kind of quantity mesoformula knows "
            "(masses, volumes, concentrations, activities, mEq, per-kg doses, durations)",
        )
    return kind, float(factor / kind.factor)


def _unknown_message(atom: str) -> str:
    folded = {a.casefold(): a for a in _ATOMS}
    guess = folded.get(atom.casefold())
    if guess is not None:
        return f"unknown unit '{atom}': units are case-sensitive, did you mean '{guess}'?"
    return f"unknown unit '{atom[:20]}' (accepted: {', '.join(sorted(_ATOMS))})"


def parse_quantity(raw: object, accepts: Accepts) -> Quantity:
    """
    Parse *raw* (a string or a ``{value, unit}`` table) into a canonical Quantity.

    Raises:
        UnitError: with the finding code (``unit.invalid``, ``unit.unknown``,
            ``unit.dimension``) and a message that names what came and what was expected.
    """
    if isinstance(raw, str):
        if len(raw) > MAX_LENGTH:
            raise UnitError(
                "unit.invalid",
                f"a quantity is at most {MAX_LENGTH} characters (got {len(raw):,} characters)",
            )
        return _parse_text(raw, accepts)
    if isinstance(raw, Mapping):
        return _checked(*_parse_table(raw), accepts)
    raise UnitError(
        "unit.invalid",
        f"expected {accepts.what} as a string like '10 mg' or a table "
        f"{{value, unit}} (got {_describe(raw)})",
    )


@functools.lru_cache(maxsize=4096)
def _parse_text(raw: str, accepts: Accepts) -> Quantity:
    # Files repeat the same strings ("10 mL", "14 d"): results are immutable, and an
    # error raised here is raised again on every call, so memoising is exact.
    return _checked(*_parse_string(raw), accepts)


def _checked(value: float, kind: Kind, factor: float, shown: str, accepts: Accepts) -> Quantity:
    if kind.unit not in accepts.units:
        raise UnitError(
            "unit.dimension", f"must be {accepts.what} (got '{shown}', {_article(kind.name)})"
        )
    converted = value * factor
    if not math.isfinite(converted):
        raise UnitError("unit.invalid", f"'{shown}' is too large to be a real quantity")
    return accepts.check(Quantity(converted + 0.0, kind.unit), shown)


def _parse_string(raw: str) -> tuple[float, Kind, float, str]:
    shown = raw.strip()
    ratio = _RATIO.match(raw)
    if ratio:
        denominator = float(ratio["den"].replace(",", ""))
        if denominator == 0:
            raise UnitError("unit.invalid", f"ratio strength '{shown}' divides by zero")
        # 1:N means 1 g in N mL, i.e. 1000/N mg/mL.
        return 1000.0 / denominator, KIND_BY_UNIT["mg/mL"], 1.0, shown
    match = _QUANTITY.match(raw)
    if match is None:
        raise UnitError(
            "unit.invalid",
            f"'{shown}' does not start with a finite number (write e.g. '10 mg')",
        )
    rest = match["rest"]
    if re.match(r",[0-9]", rest):
        fixed = shown.replace(",", ".", 1)
        raise UnitError(
            "unit.invalid", f"'{shown}' has a decimal comma: write a decimal point ('{fixed}')"
        )
    value = float(match["num"])
    if not math.isfinite(value):
        raise UnitError("unit.invalid", f"'{shown}' is not a finite number")
    if value < 0:
        raise UnitError("unit.invalid", f"must not be negative (got '{shown}')")
    try:
        kind, factor = parse_unit(rest)
    except UnitError as error:
        if error.code == "unit.invalid" and "is not a unit" in error.message:
            raise UnitError(
                "unit.invalid",
                f"'{shown}' is not a quantity: write one number and one unit, such as "
                "'1.25 mg/mL' (no arithmetic, no second number)",
            ) from None
        raise
    return value, kind, factor, shown


def _parse_table(raw: Mapping[Any, Any]) -> tuple[float, Kind, float, str]:
    extra = set(raw) - {"value", "unit"}
    if extra or "value" not in raw or "unit" not in raw:
        raise UnitError(
            "unit.invalid",
            "a quantity table has exactly the keys 'value' and 'unit' "
            f"(got {sorted(map(str, raw))})",
        )
    value, unit = raw["value"], raw["unit"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnitError("unit.invalid", f"'value' must be a number (got {_describe(value)})")
    if not isinstance(unit, str) or len(unit) > MAX_LENGTH:
        raise UnitError("unit.invalid", f"'unit' must be a short string (got {_describe(unit)})")
    if not math.isfinite(value):
        raise UnitError("unit.invalid", f"'value' must be finite (got {value!r})")
    if value < 0:
        raise UnitError("unit.invalid", f"must not be negative (got {value!r} {unit})")
    kind, factor = parse_unit(unit)
    return float(value), kind, factor, f"{value} {unit}"


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"'{value[:40]}'"
    return f"{type(value).__name__} {str(value)[:40]}"


def _article(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" or name.startswith("IU") else f"a {name}"


def parse_signed_quantity(raw: str, accepts: Accepts) -> tuple[int, Quantity]:
    """
    Parse a correction such as ``-0.5 mL`` or ``+1 mL``: the sign (-1 or 1) and the
    quantity, read by the same strict grammar as every other quantity (one sign at most).
    """
    stripped = raw.strip()
    sign = -1 if stripped.startswith("-") else 1
    magnitude = stripped[1:] if stripped[:1] in {"-", "+"} else stripped
    return sign, parse_quantity(magnitude.strip(), accepts)


def dump_quantity(q: Quantity) -> str:
    """Write *q* as a string that :func:`parse_quantity` reads back exactly."""
    return f"{q.value!r} {q.unit}"


def to_json(q: Quantity) -> dict[str, float | str]:
    """Return *q* in the JSON shape of SPEC §4.1: ``{"value": float, "unit": str}``."""
    return {"value": q.value, "unit": q.unit}


__all__ = [
    "ACTIVITY",
    "AMOUNT",
    "CONCENTRATION",
    "DEFINITIONS",
    "FRACTION",
    "KINDS",
    "KIND_BY_UNIT",
    "MAX_LENGTH",
    "PER_KG",
    "Accepts",
    "Dims",
    "F",
    "Kind",
    "Quantity",
    "days",
    "dump_quantity",
    "fmt",
    "parse_quantity",
    "parse_signed_quantity",
    "parse_unit",
    "registry",
    "to_json",
]
