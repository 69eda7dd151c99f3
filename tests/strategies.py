"""Hypothesis strategies: one for every model, producing valid instances."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from hypothesis import strategies as st

from mesoformula.catalog import (
    AllergenGroup,
    Basis,
    CatalogFile,
    CrossReactivity,
    DoseLimit,
    Incompatibility,
    Ingredient,
    PolicyLimit,
    Product,
)
from mesoformula.findings import CODES, Finding
from mesoformula.formulation import (
    AcceptedRisk,
    Administration,
    Component,
    Formulation,
    Preparation,
)
from mesoformula.patient import Patient
from mesoformula.sheets import CountedLot, CountSheet, Lot, OpenedContainer, StockSheet
from mesoformula.units import AMOUNT, CONCENTRATION, FRACTION, PER_KG, Quantity

ids = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
# One-line text (SPEC §8.2): no control characters, line separators or bidi overrides.
texts = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Zl", "Zp"),
        exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff",
    ),
    max_size=30,
)
magnitudes = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


def quantities(
    units: frozenset[str] | set[str], *, zero: bool = False
) -> st.SearchStrategy[Quantity]:
    """Quantities in one of *units* (canonical), positive (or zero if allowed)."""
    values = magnitudes | st.just(0.0) if zero else magnitudes
    return st.builds(Quantity, values, st.sampled_from(sorted(units)))


# Volumes and durations within what the fields accept (10 L, 100 years).
volumes = st.builds(Quantity, st.floats(min_value=1e-6, max_value=10_000.0), st.just("mL"))
volumes_or_empty = volumes | st.just(Quantity(0.0, "mL"))
container_volumes = st.builds(
    Quantity, st.floats(min_value=0.01, max_value=10_000.0), st.just("mL")
)
body_weights = st.builds(Quantity, st.floats(min_value=2.0, max_value=350.0), st.just("kg"))
durations = st.builds(Quantity, st.floats(min_value=1e-6, max_value=36_500.0), st.just("d"))


def _tuple(
    strategy: st.SearchStrategy[Any], max_size: int = 3
) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=max_size).map(tuple)


severities: st.SearchStrategy[Literal["error", "warning"]] = st.sampled_from(["error", "warning"])
bases: st.SearchStrategy[Basis] = st.sampled_from(
    ["session", "per-kg-session", "point", "course", "concentration", "preparation"]
)
_BASIS_UNITS = {
    "session": AMOUNT,
    "point": AMOUNT,
    "course": AMOUNT,
    "per-kg-session": PER_KG,
    "concentration": CONCENTRATION,
    "preparation": AMOUNT,
}


@st.composite
def dose_limits(draw: st.DrawFn) -> DoseLimit:
    basis = draw(bases)
    return DoseLimit(
        basis=basis,
        max=draw(quantities(_BASIS_UNITS[basis])),
        severity=draw(severities),
        unless_present=draw(_tuple(ids)),
        when_present=draw(_tuple(ids)),
        source=draw(texts.filter(str.strip)),
        note=draw(texts),
    )


ingredients = st.builds(
    Ingredient,
    id=ids,
    name=texts,
    class_=ids,
    synonyms=_tuple(texts),
    identifiers=st.dictionaries(ids, texts, max_size=2),
    molar_mass=st.none() | quantities({"g/mol"}),
    valence=st.none() | st.integers(0, 3),
    allergen_groups=_tuple(ids),
    tags=_tuple(ids),
    status=st.sampled_from(["active", "withdrawn"]),
    status_reason=st.none() | texts,
    pregnancy=st.none() | st.sampled_from(["ok", "caution", "contraindicated"]),
    activity_mass=st.dictionaries(st.sampled_from(["IU", "USP_U"]), quantities({"mg"}), max_size=2),
    limits=_tuple(dose_limits()),
    notes=texts,
    sources=_tuple(texts),
)

products = st.builds(
    Product,
    id=ids,
    name=texts,
    container=st.sampled_from(
        ["ampoule", "vial", "bottle", "prefilled-syringe", "bag", "cartridge"]
    ),
    use=st.sampled_from(["single-dose", "multi-dose"]),
    volume=container_volumes,
    sterile=st.booleans(),
    storage=st.sampled_from(["room", "refrigerator", "freezer"]),
    in_use_days=st.none() | st.integers(0, 60),
    no_admixture=st.booleans(),
    strengths=st.dictionaries(ids, quantities(CONCENTRATION), max_size=3),
    excipients=st.dictionaries(ids, quantities(CONCENTRATION), max_size=3),
    source=texts,
    notes=texts,
)

allergen_groups = st.builds(AllergenGroup, id=ids, name=texts, source=texts, note=texts)
cross_reactivity = st.builds(
    CrossReactivity, groups=st.tuples(ids, ids), severity=severities, note=texts, source=texts
)
incompatibilities = st.builds(
    Incompatibility,
    a=ids,
    b=ids,
    severity=severities,
    reason=texts,
    source=texts,
    inferred=st.booleans(),
)


@st.composite
def policy_limits(draw: st.DrawFn) -> PolicyLimit:
    limit = draw(dose_limits())
    return PolicyLimit(
        ingredient=draw(ids),
        basis=limit.basis,
        max=limit.max,
        severity=limit.severity,
        unless_present=limit.unless_present,
        when_present=limit.when_present,
        source=limit.source,
        note=limit.note,
    )


accepted_risks = st.builds(AcceptedRisk, code=ids, ingredient=st.none() | ids, justification=texts)


catalog_files = st.builds(
    CatalogFile,
    ingredients=_tuple(ingredients),
    products=_tuple(products),
    allergen_groups=_tuple(allergen_groups),
    cross_reactivity=_tuple(cross_reactivity),
    incompatibilities=_tuple(incompatibilities),
    limits=_tuple(policy_limits()),
    accepted_risks=_tuple(accepted_risks),
)


@st.composite
def components(draw: st.DrawFn) -> Component:
    which = draw(st.sampled_from(["volume", "amount", "concentration"]))
    value = {
        "volume": volumes,
        "amount": quantities(AMOUNT),
        "concentration": quantities(CONCENTRATION | FRACTION),
    }[which]
    return Component(product=draw(ids), ingredient=draw(st.none() | ids), **{which: draw(value)})


administrations = st.builds(
    Administration,
    volume_per_session=st.none() | volumes,
    points_per_session=st.none() | st.integers(1, 500),
    volume_per_point=st.none() | volumes,
    sessions=st.integers(1, 20),
    interval=st.none() | durations,
).filter(  # the file shape allows at most two of the three session measures
    lambda a: None in (a.volume_per_session, a.points_per_session, a.volume_per_point)
)
preparations = st.builds(
    Preparation,
    category=st.none() | st.sampled_from([1, 2, 3]),
    method=st.sampled_from(["aseptic", "terminal-sterilization"]),
    sterility_tested=st.booleans(),
    storage=st.none() | st.sampled_from(["room", "refrigerator", "freezer"]),
    immediate_use=st.booleans(),
    category_3_requirements=st.booleans(),
    stability=st.none() | durations,
    container=st.none() | texts,
)

formulations = st.builds(
    Formulation,
    id=ids,
    name=texts,
    version=st.integers(1, 99),
    route=st.sampled_from(["intradermal", "subcutaneous"]),
    final_volume=volumes,
    diluent=st.none() | ids,
    components=st.lists(components(), min_size=1, max_size=4).map(tuple),
    administration=st.none() | administrations,
    preparation=st.none() | preparations,
    accepted_risks=_tuple(accepted_risks),
    notes=texts,
)

patients = st.builds(
    Patient,
    id=ids,
    weight=st.none() | body_weights,
    allergies=_tuple(texts),
    pregnant=st.booleans(),
)

_datetimes = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
lots = st.builds(
    Lot,
    product=ids,
    lot=ids,
    expiry=st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    containers=st.integers(0, 1000),
    opened=_tuple(st.builds(OpenedContainer, at=_datetimes, remaining=volumes_or_empty)),
    location=st.none() | texts,
    status=st.sampled_from(["released", "quarantine", "recalled"]),
    gtin=st.none() | st.from_regex(r"[0-9]{14}", fullmatch=True),
    received=st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
)
stock_sheets = st.builds(StockSheet, lots=_tuple(lots))
counted_lots = st.builds(
    CountedLot,
    product=ids,
    lot=ids,
    containers=st.integers(0, 1000),
    opened=_tuple(volumes_or_empty),
    expiry=st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    reason=texts,
)
count_sheets = st.builds(
    CountSheet, counted_at=_datetimes, counted_by=texts, lots=_tuple(counted_lots)
)

#: Every file model, for round trips.
models = st.one_of(formulations, patients, catalog_files, stock_sheets, count_sheets)

#: Any character UTF-8 can carry (every one but the lone surrogates).
any_characters = st.characters(codec="utf-8", exclude_categories=["Cs"])
#: Text as hostile as a file name or a message can be: the workflow commands' escape and
#: separator characters, their escapes themselves, newlines and other control characters
#: among any others.
hostile_texts = st.lists(
    st.sampled_from(["%", "%25", "%0A", "%3A", "\r", "\n", ":", "::", ",", "=", " ", "\x1b"])
    | any_characters,
    max_size=20,
).map("".join)

#: Findings of every code and severity, their texts hostile; a line or none.
findings = st.builds(
    Finding,
    code=st.sampled_from(sorted(CODES)),
    severity=st.sampled_from(["error", "warning", "info"]),
    message=hostile_texts,
    location=st.just("") | hostile_texts,
    line=st.none() | st.integers(min_value=1, max_value=10**6),
    ingredient=st.none() | ids,
    source=st.none() | hostile_texts,
    justification=st.none() | hostile_texts,
)
