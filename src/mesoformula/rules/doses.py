"""
Dose rules: limits per session, per kg, per point, per course, per batch and on the final
concentration, with conditions; additive groups; actives without a limit (SPEC §3, §8.1).

Pure functions: contents in, findings out. A dose at the limit passes; what cannot be
evaluated is ``dose.unchecked``; an active without an applicable limit is ``dose.nolimit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mesoformula.catalog import Catalog, Condition, DoseLimit, Ingredient
from mesoformula.conversion import convert
from mesoformula.findings import Finding, Severity
from mesoformula.patient import Patient
from mesoformula.units import Quantity, fmt
from mesoformula.worksheet import Content

#: Relative tolerance of limit comparisons: a dose at the limit passes, float noise
#: (4.5 mg/kg x 40 kg = 180.00000000000003 mg) never raises a false alarm.
TOLERANCE = 1e-9


CODES_BY_BASIS = {
    "session": "dose.session",
    "per-kg-session": "dose.per-kg",
    "point": "dose.point",
    "course": "dose.course",
    "concentration": "dose.concentration",
    "preparation": "dose.preparation",
}


_WHAT = {
    "session": "per session",
    "per-kg-session": "per session",
    "point": "per injection point",
    "course": "over the course",
    "concentration": "final concentration",
    "preparation": "in one batch",
}


#: Classes whose members are vehicles, not actives: they need no dose limit.
VEHICLE_CLASSES = frozenset({"excipient", "diluent"})


def holds(condition: Condition, contents: Mapping[str, Content], catalog: Catalog) -> bool:
    """
    Whether *condition* holds in a preparation with *contents* (ingredient -> content):
    the ingredient is present and, for a threshold, its final concentration reaches it.
    A concentration that cannot be compared with the threshold does not reach it.
    """
    content = contents.get(condition.ingredient)
    if content is None:
        return False
    if condition.at_least is None:
        return True
    have = convert(
        content.concentration_value,
        f"{content.unit}/mL",
        condition.at_least.unit,
        catalog.ingredients.get(content.ingredient),
    )
    return have is not None and have >= condition.at_least.value * (1 - TOLERANCE)


def applies(limit: DoseLimit, contents: Mapping[str, Content], catalog: Catalog) -> bool:
    """Whether *limit* applies to a preparation with *contents* (its conditions)."""
    if any(holds(c, contents, catalog) for c in limit.unless_present):
        return False
    return not limit.when_present or any(holds(c, contents, catalog) for c in limit.when_present)


#: For each ingredient, the contents of every preparation that carried it (a sitting,
#: SPEC §9.1): a limit applies when it applies in any of them.
Contexts = Mapping[str, Sequence[Mapping[str, Content]]]


def applies_in(
    limit: DoseLimit,
    ingredient: str,
    contents: Mapping[str, Content],
    catalog: Catalog,
    contexts: Contexts | None = None,
) -> bool:
    """
    Whether *limit* of *ingredient* applies: in the preparation with *contents*, or,
    with *contexts*, in any preparation that carried the ingredient (a dose given
    without epinephrine keeps the stricter limit for the whole sitting).
    """
    found = None if contexts is None else contexts.get(ingredient)
    return any(applies(limit, c, catalog) for c in (found or (contents,)))


def _dose(content: Content, basis: str) -> float | None:
    return {
        "session": content.per_session_value,
        "per-kg-session": content.per_session_value,
        "point": content.per_point_value,
        "course": content.per_course_value,
        "concentration": content.concentration_value,
        "preparation": content.per_batch_value,
    }[basis]


def is_active(content: Content, catalog: Catalog) -> bool:
    """Whether *content* is an active ingredient that needs a dose limit (not a vehicle)."""
    if content.role != "active":
        return False
    ingredient = catalog.ingredients.get(content.ingredient)
    return ingredient is None or ingredient.class_ not in VEHICLE_CLASSES


def dose_findings(
    contents: Sequence[Content],
    catalog: Catalog,
    patient: Patient | None,
    *,
    contexts: Contexts | None = None,
) -> list[Finding]:
    """
    Compare every ingredient's doses with its limits (the catalog's and the clinic's).

    For each ingredient and basis the strictest exceeded limit is reported, errors
    before warnings; limits that cannot be evaluated are ``dose.unchecked``; an active
    ingredient without any applicable limit is ``dose.nolimit`` (info): its dose is not
    checked, and the report says so.
    """
    by_id = {c.ingredient: c for c in contents}
    findings: list[Finding] = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if not content.known:
            if is_active(content, catalog):
                findings.append(_unknown_amount(content, ingredient))
            continue
        exceeded: dict[str, list[tuple[DoseLimit, float, float]]] = {}
        limits = catalog.limits_of(content.ingredient)
        applicable = [
            limit
            for limit in limits
            if applies_in(limit, content.ingredient, by_id, catalog, contexts)
        ]
        if not applicable and is_active(content, catalog):
            findings.append(_nolimit(content, ingredient, limits))
        for limit in applicable:
            evaluated = _evaluate(content, limit, ingredient, patient)
            if isinstance(evaluated, Finding):
                findings.append(evaluated)
                continue
            value, bound = evaluated
            if value > bound * (1 + TOLERANCE):
                exceeded.setdefault(limit.basis, []).append((limit, value, bound))
        for basis, hits in exceeded.items():
            limit, value, bound = min(hits, key=lambda h: (h[0].severity != "error", h[2]))
            findings.append(
                _dose_finding(
                    content, basis, limit=limit, value=value, bound=bound, patient=patient
                )
            )
    return findings


def _unknown_amount(content: Content, ingredient: Ingredient | None) -> Finding:
    name = ingredient.name if ingredient is not None else content.ingredient
    return Finding(
        code="dose.unknown-amount",
        severity="info",
        message=f"{name} is in {', '.join(content.products)} in an amount the maker does not "
        "publish: its dose is not checked (allergies, incompatibilities and pregnancy are)",
        ingredient=content.ingredient,
    )


def _nolimit(
    content: Content, ingredient: Ingredient | None, limits: Sequence[DoseLimit]
) -> Finding:
    name = ingredient.name if ingredient is not None else content.ingredient
    if limits:
        needs = sorted({str(c) for limit in limits for c in limit.when_present})
        why = (
            f"no dose limit of {name} applies to this preparation (its limits need "
            f"{' or '.join(needs) or 'other conditions'})"
        )
    else:
        why = f"no dose limit is known for {name}"
    return Finding(
        code="dose.nolimit",
        severity="info",
        message=f"{why}: its dose is not checked; add a house limit if the clinic has one",
        ingredient=content.ingredient,
    )


def _evaluate(
    content: Content,
    limit: DoseLimit,
    substance: Ingredient | None,
    patient: Patient | None,
) -> tuple[float, float] | Finding:
    """Return (dose, limit) in the content's unit, or the ``dose.unchecked`` finding."""
    dose = _dose(content, limit.basis)
    if dose is None:
        return _unchecked(
            content,
            limit,
            f"the administration does not say how much is given {_WHAT[limit.basis]} "
            "(give volume_per_session and points or volume_per_point)",
            "warning",
        )
    max_value, max_unit = limit.max.value, limit.max.unit
    if limit.basis == "per-kg-session":
        weight = patient.weight.value if patient is not None and patient.weight else None
        per_kg_unit = max_unit.partition("/")[0]
        per_kg = convert(max_value, per_kg_unit, content.unit, substance)
        if per_kg is None:
            return _no_factor(content, limit)
        if weight is None:
            minimum = dose / per_kg
            who = "the patient has no weight" if patient is not None else "no patient is given"
            return _unchecked(
                content,
                limit,
                f"{who}: {fmt(dose)} {content.unit} per session is within "
                f"{limit.max} for a patient of at least {fmt(minimum)} kg",
                "warning" if patient is not None else "info",
            )
        return dose, per_kg * weight
    unit = content.unit if limit.basis != "concentration" else f"{content.unit}/mL"
    bound = convert(max_value, max_unit, unit, substance)
    if bound is None:
        return _no_factor(content, limit)
    return dose, bound


def _no_factor(content: Content, limit: DoseLimit) -> Finding:
    return _unchecked(
        content,
        limit,
        f"the dose is in {content.unit} and the limit in {limit.max.unit}, and the catalog "
        f"declares no factor between them for {content.ingredient} (activity_mass, or molar "
        "mass and valence)",
        "warning",
    )


def _unchecked(content: Content, limit: DoseLimit, why: str, severity: Severity) -> Finding:
    return Finding(
        code="dose.unchecked",
        severity=severity,
        message=f"{content.ingredient}: the {limit.basis} limit {limit.max} was not checked: {why}",
        ingredient=content.ingredient,
        limit=limit.max,
        source=limit.source,
    )


def _dose_finding(
    content: Content,
    basis: str,
    *,
    limit: DoseLimit,
    value: float,
    bound: float,
    patient: Patient | None,
) -> Finding:
    unit = content.unit if basis != "concentration" else f"{content.unit}/mL"
    shown_limit = f"{limit.max}"
    if basis == "per-kg-session" and patient is not None and patient.weight is not None:
        shown_limit = f"{limit.max} x {patient.weight} = {fmt(bound)} {unit}"
    if limit.route:
        shown_limit = (
            f"{shown_limit}, a licensed {limit.route} label dose (not a mesotherapy limit)"
        )
    kind = "absolute maximum" if limit.severity == "error" else "advisory norm"
    if limit.protocol:
        kind = f"{limit.protocol} protocol's {kind} (a protocol figure, not a label limit)"
    return Finding(
        code=CODES_BY_BASIS[basis],
        severity=limit.severity,
        message=f"{content.ingredient} {fmt(value)} {unit} {_WHAT[basis]} exceeds the "
        f"{kind} of {shown_limit} by {(value / bound - 1) * 100:.1f}%: reduce the dose "
        "or the volume given",
        ingredient=content.ingredient,
        value=Quantity(value, unit),
        limit=Quantity(bound, unit),
        source=limit.source,
    )


def additive_findings(
    contents: Sequence[Content],
    catalog: Catalog,
    patient: Patient | None,
    *,
    contexts: Contexts | None = None,
) -> list[Finding]:
    """
    Check every additive group (SPEC §8.1): with two members or more present, the sum of
    dose / strictest applicable limit over the members must not exceed 1
    (``dose.additive``). A group whose fractions cannot all be worked out is
    ``dose.unchecked`` unless the fractions known already exceed 1.

    For an ``error`` group each member's absolute maxima (error limits) count; for a
    ``warning`` group its advisory norms count as well.
    """
    by_id = {c.ingredient: c for c in contents}
    findings: list[Finding] = []
    for group in catalog.additive_limits:
        members = [
            c
            for c in contents
            if c.role == "active"
            and c.known
            and c.ingredient in catalog.ingredients
            and group.includes(catalog.ingredients[c.ingredient])
        ]
        if len(members) < 2:
            continue
        fractions: list[tuple[Content, float, DoseLimit, float]] = []
        missing: list[str] = []
        for member in members:
            best: tuple[float, DoseLimit, float] | None = None
            why = f"no {group.basis} limit"
            for limit in catalog.limits_of(member.ingredient):
                if limit.basis != group.basis or not applies_in(
                    limit, member.ingredient, by_id, catalog, contexts
                ):
                    continue
                if group.severity == "error" and limit.severity != "error":
                    continue
                evaluated = _evaluate(
                    member, limit, catalog.ingredients.get(member.ingredient), patient
                )
                if isinstance(evaluated, Finding):
                    why = evaluated.message.partition(" was not checked: ")[2] or why
                    continue
                fraction = evaluated[0] / evaluated[1]
                if best is None or fraction > best[0]:
                    best = (fraction, limit, evaluated[0])
            if best is None:
                missing.append(f"{member.ingredient} ({why})")
            else:
                fractions.append((member, *best))
        total = sum(f for _, f, _, _ in fractions)
        weight = f" for {fmt(patient.weight.value)} kg" if patient and patient.weight else ""
        parts = " + ".join(
            f"{m.ingredient} {fmt(dose)} {m.unit} ({f * 100:.0f}% of {lim.max}"
            + (weight if lim.basis == "per-kg-session" else "")
            + ")"
            for m, f, lim, dose in fractions
        )
        what = _WHAT[group.basis]
        # One member alone is its own dose finding; the group speaks when two add up.
        if len(fractions) >= 2 and total > 1 + TOLERANCE:
            findings.append(
                Finding(
                    code="dose.additive",
                    severity=group.severity,
                    message=f"{group.id}: {parts} = {total * 100:.0f}% of the combined "
                    f"maximum {what} (their toxicities add up; at most 100%)"
                    + (f", not counting {', '.join(missing)}" if missing else "")
                    + ": reduce the doses",
                    ingredient=fractions[0][0].ingredient,
                    source=group.source,
                )
            )
        elif missing:
            findings.append(
                Finding(
                    code="dose.unchecked",
                    severity="info"
                    if patient is None and group.basis == "per-kg-session"
                    else "warning",
                    message=f"{group.id}: the additive {group.basis} limit was not fully "
                    f"checked: {'; '.join(missing)}"
                    + (f"; the members known come to {total * 100:.0f}%" if fractions else ""),
                    ingredient=members[0].ingredient,
                    source=group.source,
                )
            )
    return findings


__all__ = [
    "CODES_BY_BASIS",
    "TOLERANCE",
    "VEHICLE_CLASSES",
    "Contexts",
    "additive_findings",
    "applies",
    "applies_in",
    "dose_findings",
    "holds",
    "is_active",
]
