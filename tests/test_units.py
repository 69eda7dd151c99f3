"""Tests for mesoformula.units: the registry, the strict parser, canonical values."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoformula.exceptions import UnitError
from mesoformula.units import (
    _ATOMS,
    AMOUNT,
    CONCENTRATION,
    FRACTION,
    KINDS,
    MAX_LENGTH,
    PER_KG,
    Accepts,
    Quantity,
    dump_quantity,
    parse_quantity,
    parse_unit,
    registry,
)

ANY = Accepts(AMOUNT | CONCENTRATION | PER_KG | FRACTION | {"mL", "kg", "d", "g/mol"}, "anything")
CONC = Accepts(CONCENTRATION, "a concentration")
VOLUME = Accepts(frozenset({"mL"}), "a volume")


def value_of(text: object, accepts: Accepts = ANY) -> Quantity:
    return parse_quantity(text, accepts)


class TestRegistry:
    """The curated pint registry and the parser's table agree."""

    def test_every_atom_matches_the_registry(self) -> None:
        """Each accepted spelling has the factor and dimensions pint computes."""
        reg = registry()
        for spelling, (name, factor, dims) in _ATOMS.items():
            unit = reg.Unit(name)
            base = reg.get_base_units(unit)
            expected_dims = tuple(
                sorted((d.strip("[]"), int(e)) for d, e in dict(unit.dimensionality).items())  # type: ignore[arg-type]
            )
            assert expected_dims == dims, spelling
            assert math.isclose(float(factor), float(base[0]), rel_tol=1e-12), spelling  # type: ignore[arg-type]

    def test_misleading_spellings_are_undefined(self) -> None:
        """MG, ML, U and 'units' are not in the registry at all."""
        import pint

        reg = registry()
        for spelling in ["MG", "ML", "U", "units", "gr", "cc", "percent"]:
            with pytest.raises(pint.errors.UndefinedUnitError):
                reg.Unit(spelling)

    def test_canonical_units_round_trip_through_pint(self) -> None:
        """Every canonical unit converts to pint and keeps its magnitude."""
        for kind in KINDS:
            if kind.unit in FRACTION:
                continue
            q = Quantity(2.5, kind.unit).to_pint()
            assert 2.5 == q.magnitude

    def test_iu_and_usp_units_do_not_mix(self) -> None:
        """IU and USP units are different dimensions in the registry."""
        import pint

        with pytest.raises(pint.errors.DimensionalityError):
            Quantity(1.0, "IU").to_pint().to(registry().Unit("usp_unit"))

    def test_mg_per_kg_is_not_dimensionless(self) -> None:
        """mg/kg is a per-body-weight dose, never a plain ratio."""
        assert not Quantity(4.5, "mg/kg").to_pint().dimensionless


class TestAcceptedForms:
    """Every form SPEC §1 lists parses to the canonical value."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2.5 mg/mL", Quantity(2.5, "mg/mL")),
            ("2 % w/v", Quantity(20.0, "mg/mL")),
            ("0.9 % w/v", Quantity(9.0, "mg/mL")),
            ("2%w/v", Quantity(20.0, "mg/mL")),
            ("5 % v/v", Quantity(5.0, "% v/v")),
            ("1 % w/w", Quantity(1.0, "% w/w")),
            ("1:100000", Quantity(0.01, "mg/mL")),
            ("1:100,000", Quantity(0.01, "mg/mL")),
            ("1:200000", Quantity(0.005, "mg/mL")),
            ("1:1000", Quantity(1.0, "mg/mL")),
            ("150 USP_U/mL", Quantity(150.0, "USP_U/mL")),
            ("150 [USP'U]/mL", Quantity(150.0, "USP_U/mL")),
            ("200 IU/mL", Quantity(200.0, "IU/mL")),
            ("200 [iU]/mL", Quantity(200.0, "IU/mL")),
            ("1000 ug", Quantity(1.0, "mg")),
            ("1000 mcg", Quantity(1.0, "mg")),
            ("1000 µg", Quantity(1.0, "mg")),
            ("1000 μg", Quantity(1.0, "mg")),
            ("8.4 mEq", Quantity(8.4, "mEq")),
            ("8.4 meq", Quantity(8.4, "mEq")),
            ("1 L", Quantity(1000.0, "mL")),
            ("250 uL", Quantity(0.25, "mL")),
            ("4.5 mg/kg", Quantity(4.5, "mg/kg")),
            ("0.3 g", Quantity(300.0, "mg")),
            ("12 h", Quantity(0.5, "d")),
            ("2 wk", Quantity(14.0, "d")),
            ("270.80 g/mol", Quantity(270.8, "g/mol")),
            ("  10 mL  ", Quantity(10.0, "mL")),
            ("1e-3 mg", Quantity(0.001, "mg")),
            ({"value": 2.5, "unit": "mg/mL"}, Quantity(2.5, "mg/mL")),
            ({"value": 3, "unit": "mL"}, Quantity(3.0, "mL")),
            ({"value": 2, "unit": "% w/v"}, Quantity(20.0, "mg/mL")),
        ],
    )
    def test_parses(self, text: object, expected: Quantity) -> None:
        """The form parses to its canonical magnitude."""
        assert expected == value_of(text)

    @pytest.mark.parametrize("value", [0.004423529707280974, 1e-300, 5e-324, 123456789.12345678])
    def test_long_reprs_read_back(self, value: float) -> None:
        """Floats whose repr has many digits after the point read back exactly."""
        assert Quantity(value, "IU/mL") == value_of(dump_quantity(Quantity(value, "IU/mL")))

    def test_ratio_and_percent_agree(self) -> None:
        """1:100 is the same concentration as 1 % w/v."""
        assert value_of("1:100") == value_of("1 % w/v")

    @given(st.floats(min_value=0, max_value=1e12, allow_nan=False, exclude_min=True))
    def test_dump_reads_back_exactly(self, value: float) -> None:
        """dump_quantity writes a string that parses to the same float."""
        for unit in ("mg", "mL", "mg/mL", "IU", "USP_U/mL", "mg/kg", "% v/v"):
            q = Quantity(value, unit)
            assert q == value_of(dump_quantity(q))


HOSTILE = [
    ("10**10**10 mg", "unit.invalid"),
    ("x" * 100_000, "unit.invalid"),
    ("1" * 100_000 + " mg", "unit.invalid"),
    ("nan mL", "unit.invalid"),
    ("NaN mL", "unit.invalid"),
    ("inf mg", "unit.invalid"),
    ("1e999 mg", "unit.invalid"),
    ("-1 mL", "unit.invalid"),
    ("1,5 mg", "unit.invalid"),
    ("2.5 mg / 2 mL", "unit.invalid"),
    ("5 mg + 3 mg", "unit.invalid"),
    ("10 MG", "unit.unknown"),
    ("10 ML", "unit.unknown"),
    ("150 U", "unit.unknown"),
    ("150 units", "unit.unknown"),
    ("2 %", "unit.invalid"),
    ("2 percent", "unit.invalid"),
    ("10", "unit.invalid"),
    ("mg", "unit.invalid"),
    ("", "unit.invalid"),
    ("10 mg**1000000000/mL", "unit.invalid"),
    ("10 " + "(" * 5000 + "mg", "unit.invalid"),
    ("10 mg/mL/h", "unit.invalid"),
    ("10 furlongs", "unit.unknown"),
    ("5 mg/d", "unit.dimension"),
    ("1:0", "unit.invalid"),
    ({"value": float("nan"), "unit": "mg"}, "unit.invalid"),
    ({"value": float("inf"), "unit": "mg"}, "unit.invalid"),
    ({"value": True, "unit": "mg"}, "unit.invalid"),
    ({"value": -2, "unit": "mg"}, "unit.invalid"),
    ({"value": 2, "unit": "MG"}, "unit.unknown"),
    ({"value": 2}, "unit.invalid"),
    ({"value": 2, "unit": "mg", "extra": 1}, "unit.invalid"),
    (True, "unit.invalid"),
    (5, "unit.invalid"),
    (None, "unit.invalid"),
]


class TestHostileInput:
    """Hostile strings are rejected quickly with a unit.* code and a message."""

    @pytest.mark.parametrize(("text", "code"), HOSTILE, ids=lambda v: repr(v)[:30])
    def test_rejected_with_code(self, text: object, code: str) -> None:
        """Each hostile input raises UnitError with the expected code."""
        started = time.perf_counter()
        with pytest.raises(UnitError) as caught:
            value_of(text)
        elapsed = time.perf_counter() - started
        assert code == caught.value.code
        assert caught.value.message
        # Not a timing assertion of performance: a hang guard. pint takes > 10 s
        # (or forever) on several of these; the strict parser must not.
        assert elapsed < 1.0

    def test_bare_percent_names_every_basis(self) -> None:
        """The message for bare % names w/v, w/w and v/v."""
        with pytest.raises(UnitError) as caught:
            value_of("2 %")
        for basis in ("w/v", "w/w", "v/v"):
            assert basis in caught.value.message

    def test_case_mistake_suggests_the_unit(self) -> None:
        """'MG' is refused with a suggestion of 'mg'."""
        with pytest.raises(UnitError, match="did you mean 'mg'"):
            value_of("10 MG")

    def test_length_cap(self) -> None:
        """The length cap is MAX_LENGTH characters."""
        assert 64 == MAX_LENGTH
        with pytest.raises(UnitError, match="at most 64"):
            value_of("1" * 70 + " mg")

    def test_wrong_kind_names_both(self) -> None:
        """A volume where a concentration belongs names what came and what was expected."""
        with pytest.raises(UnitError) as caught:
            parse_quantity("5 mL", CONC)
        assert "unit.dimension" == caught.value.code
        assert "must be a concentration (got '5 mL', a volume)" == caught.value.message

    def test_zero_only_where_meaningful(self) -> None:
        """Zero is refused unless the field allows it."""
        with pytest.raises(UnitError, match="greater than zero"):
            parse_quantity("0 mL", VOLUME)
        assert Quantity(0.0, "mL") == parse_quantity(
            "0 mL", Accepts(frozenset({"mL"}), "v", zero=True)
        )

    @given(st.text(max_size=80))
    def test_never_anything_but_unit_error(self, text: str) -> None:
        """Any text either parses to a finite non-negative value or raises UnitError."""
        try:
            q = value_of(text)
        except UnitError as error:
            assert error.code.startswith("unit.")
        else:
            assert math.isfinite(q.value)
            assert q.value >= 0

    def test_parse_unit_is_cached(self) -> None:
        """Unit expressions are parsed once and memoised."""
        parse_unit.cache_clear()
        parse_unit("mg/mL")
        parse_unit("mg/mL")
        assert 1 == parse_unit.cache_info().hits


def test_signed_corrections_use_the_strict_grammar() -> None:
    """A correction carries one sign and then an ordinary, strictly parsed quantity."""
    from mesoformula.units import Accepts, parse_signed_quantity

    volume = Accepts(frozenset({"mL"}), "a volume")
    assert (-1, Quantity(0.5, "mL")) == parse_signed_quantity(" -0.5 mL", volume)
    assert (1, Quantity(1.0, "mL")) == parse_signed_quantity("+1 mL", volume)
    with pytest.raises(UnitError):
        parse_signed_quantity("--1 mL", volume)
    with pytest.raises(UnitError):
        parse_signed_quantity("-1,5 mL", volume)
