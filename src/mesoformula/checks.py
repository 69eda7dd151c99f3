"""
Safety checks on a composed preparation: rules in, findings out (SPEC §3).

Pure functions, no I/O, no printing. :func:`check_preparation` runs

* **dose limits** per session, per kg, per point, per course, per preparation and on
  the final concentration, cumulative over every product carrying the ingredient, with
  conditions (``unless_present`` / ``when_present``), the strictest applicable limit
  deciding and a dose exactly at the limit passing;
* **allergens**, direct (ingredient, synonym or allergen group, excipients included)
  and through cross-reactivity rules;
* **incompatibilities** between ingredients from different products, and products whose
  label forbids admixture;
* **withdrawn** ingredients and **pregnancy** contraindications;

then applies **accepted risks**: a matching error is downgraded to a warning carrying
the written justification; it is never dropped. Whatever cannot be evaluated (no
weight, no conversion factor, no administration) is ``dose.unchecked``, never fine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .catalog import Catalog, Condition, DoseLimit, Ingredient
from .compose import Content, Worksheet, compose, convert
from .findings import Finding, Severity
from .formulation import AcceptedRisk, Formulation
from .patient import Patient
from .units import Quantity, fmt

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


def check(
    formulation: Formulation,
    catalog: Catalog,
    patient: Patient | None = None,
    **options: Any,
) -> tuple[Worksheet, list[Finding]]:
    """
    Compose *formulation* and run every check; return the worksheet and all findings
    (composition findings first). *options* go to :func:`~mesoformula.compose.compose`
    (``batches``, ``final_volume``, ``resolution``, ``dead_volume``).

    An accepted risk whose justification is blank accepts nothing and is itself a
    ``file.schema`` error (SPEC §8.1).
    """
    worksheet = compose(formulation, catalog, **options)
    findings = [*worksheet.findings, *check_preparation(worksheet, catalog, patient)]
    risks = [r for r in (*formulation.accepted_risks, *catalog.accepted_risks) if _justified(r)]
    findings += [
        Finding(
            code="file.schema",
            severity="error",
            message=f"the accepted risk for {risk.code} has no justification, so it accepts "
            "nothing: write why the prescriber accepts it",
            location=f"accepted_risks[{n}].justification",
        )
        for n, risk in enumerate(formulation.accepted_risks)
        if not _justified(risk)
    ]
    return worksheet, accept_risks(findings, risks)


def _justified(risk: AcceptedRisk) -> bool:
    return bool(risk.justification.strip())


def check_preparation(
    worksheet: Worksheet, catalog: Catalog, patient: Patient | None = None
) -> list[Finding]:
    """
    Return the safety findings of a composed preparation; with a *patient*, the
    patient-specific ones too (per-kg limits, allergies, pregnancy).
    """
    present = [c for c in worksheet.contents if c.total_value > 0]
    findings: list[Finding] = []
    findings += dose_findings(present, catalog, patient)
    findings += additive_findings(present, catalog, patient)
    findings += compatibility_findings(present, worksheet, catalog)
    findings += status_findings(present, catalog)
    if patient is not None:
        findings += allergen_findings(present, catalog, patient)
        findings += pregnancy_findings(present, catalog, patient)
    return findings


# --------------------------------------------------------------------------- doses

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
    contents: Sequence[Content], catalog: Catalog, patient: Patient | None
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
        exceeded: dict[str, list[tuple[DoseLimit, float, float]]] = {}
        limits = catalog.limits_of(content.ingredient)
        applicable = [limit for limit in limits if applies(limit, by_id, catalog)]
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
    contents: Sequence[Content], catalog: Catalog, patient: Patient | None
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
            and c.ingredient in catalog.ingredients
            and group.includes(catalog.ingredients[c.ingredient])
        ]
        if len(members) < 2:
            continue
        fractions: list[tuple[Content, float, DoseLimit]] = []
        missing: list[str] = []
        for member in members:
            best: tuple[float, DoseLimit] | None = None
            why = f"no {group.basis} limit"
            for limit in catalog.limits_of(member.ingredient):
                if limit.basis != group.basis or not applies(limit, by_id, catalog):
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
                    best = (fraction, limit)
            if best is None:
                missing.append(f"{member.ingredient} ({why})")
            else:
                fractions.append((member, best[0], best[1]))
        total = sum(f for _, f, _ in fractions)
        parts = " + ".join(f"{m.ingredient} {f * 100:.0f}% of {lim.max}" for m, f, lim in fractions)
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


# --------------------------------------------------------------------------- compatibility


def compatibility_findings(
    contents: Sequence[Content], worksheet: Worksheet, catalog: Catalog
) -> list[Finding]:
    """
    Return ``compat.pair`` for incompatible ingredients brought together from different
    products, and ``compat.no-admixture`` for products whose label forbids mixing.
    """
    findings: list[Finding] = []
    carriers = {c.ingredient: set(c.products) for c in contents}
    component_of = {d.product: d.component for d in worksheet.draws if d.component is not None}
    rules = catalog.incompatibilities
    sides = {c.ingredient: catalog.rules_naming(c.ingredient) for c in contents}
    for i, first in enumerate(contents):
        for second in contents[i + 1 :]:
            x, y = first.ingredient, second.ingredient
            # Two ingredients of one product were formulated together by its maker.
            if carriers[x] == carriers[y] and len(carriers[x]) == 1:
                continue
            matched = (sides[x][0] & sides[y][1]) | (sides[y][0] & sides[x][1])
            for n in sorted(matched):
                rule = rules[n]
                inferred = (
                    " (inferred, unverified)"
                    if rule.inferred and "infer" not in rule.reason
                    else ""
                )
                # Point at the component that brings the second ingredient in.
                indexes = sorted(
                    component_of[p] for p in carriers[y] - carriers[x] if p in component_of
                )
                findings.append(
                    Finding(
                        code="compat.pair",
                        severity=rule.severity,
                        message=f"{x} and {y} should not be mixed: {rule.reason}{inferred}",
                        location=f"components[{indexes[0]}]" if indexes else "",
                        ingredient=x,
                        source=rule.source,
                    )
                )
    used = [d for d in worksheet.draws if d.volume.value > 0]
    if worksheet.diluent is not None and worksheet.diluent.volume.value > 0:
        used.append(worksheet.diluent)
    products = {d.product for d in used}
    for draw in used:
        product = catalog.products[draw.product]
        if product.no_admixture and len(products) > 1:
            others = ", ".join(sorted(products - {product.id}))
            location = f"components[{draw.component}]" if draw.component is not None else "diluent"
            findings.append(
                Finding(
                    code="compat.no-admixture",
                    severity="error",
                    message=f"the label of '{product.id}' forbids dilution or admixture, and "
                    f"it is mixed with {others}: give it on its own",
                    location=location,
                    ingredient=next(iter(product.strengths), None),
                    source=product.source,
                )
            )
    return findings


def status_findings(contents: Sequence[Content], catalog: Catalog) -> list[Finding]:
    """Return ``status.withdrawn`` for every withdrawn ingredient present."""
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is not None and ingredient.status == "withdrawn":
            findings.append(
                Finding(
                    code="status.withdrawn",
                    severity="error",
                    message=f"{ingredient.name} is withdrawn from the market: "
                    f"{ingredient.status_reason}. Remove it from the formulation",
                    ingredient=ingredient.id,
                    source="; ".join(ingredient.sources) or None,
                )
            )
    return findings


# --------------------------------------------------------------------------- patient


def allergy_terms(patient: Patient, catalog: Catalog) -> tuple[set[str], set[str], set[str]]:
    """
    Resolve a patient's allergy terms (:meth:`Catalog.allergy`: ids, names, synonyms,
    groups, classes and tags, as people spell them): the ingredient ids named, the
    allergen groups named, and the groups of the ingredients named.
    """
    named_ingredients: set[str] = set()
    named_groups: set[str] = set()
    for term in patient.allergies:
        ingredients, groups = catalog.allergy(term)
        named_ingredients |= ingredients
        named_groups |= groups
    groups_of_named = {g for i in named_ingredients for g in catalog.ingredients[i].allergen_groups}
    return named_ingredients, named_groups, groups_of_named


def allergen_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    Return ``allergen.direct`` and ``allergen.cross`` findings for the patient, actives
    and excipients alike.
    """
    named, groups, groups_of_named = allergy_terms(patient, catalog)
    allergic_groups = groups | groups_of_named
    findings: list[Finding] = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None:
            continue
        role = "an excipient" if content.role == "excipient" else "an active"
        carried = ", ".join(content.products)
        shared = set(ingredient.allergen_groups) & allergic_groups
        if ingredient.id in named or shared:
            why = (
                "the patient is allergic to it"
                if ingredient.id in named
                else f"it belongs to allergen group {', '.join(sorted(shared))}, to which the "
                "patient is allergic"
            )
            findings.append(
                Finding(
                    code="allergen.direct",
                    severity="error",
                    message=f"{ingredient.name} ({role}, from {carried}): {why}. Choose a "
                    "product without it",
                    ingredient=ingredient.id,
                    source="; ".join(
                        catalog.allergen_groups[g].source
                        for g in sorted(shared)
                        if g in catalog.allergen_groups
                    )
                    or None,
                )
            )
            continue
        for rule in catalog.cross_reactivity:
            first, second = rule.groups
            for mine, theirs in ((first, second), (second, first)):
                if mine in allergic_groups and theirs in ingredient.allergen_groups:
                    findings.append(
                        Finding(
                            code="allergen.cross",
                            severity=rule.severity,
                            message=f"{ingredient.name} ({role}, from {carried}) is in group "
                            f"{theirs}, which may cross-react with the patient's allergy to "
                            f"{mine}: {rule.note}",
                            ingredient=ingredient.id,
                            source=rule.source,
                        )
                    )
                    break
            else:
                continue
            break
    return findings


def pregnancy_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    Return pregnancy findings for a pregnant patient: ``contra.pregnancy`` (error when
    contraindicated, warning for caution) and ``contra.unknown`` (warning) for every
    active ingredient whose pregnancy safety the catalog does not give: unknown is not
    safe.
    """
    if not patient.pregnant:
        return []
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or not is_active(content, catalog):
            continue
        if ingredient.pregnancy is None:
            findings.append(
                Finding(
                    code="contra.unknown",
                    severity="warning",
                    message=f"the catalog does not say whether {ingredient.name} is safe in "
                    "pregnancy and the patient is pregnant: unknown is not safe; check the "
                    "literature before giving it",
                    ingredient=ingredient.id,
                )
            )
            continue
        if ingredient.pregnancy not in {"contraindicated", "caution"}:
            continue
        contraindicated = ingredient.pregnancy == "contraindicated"
        findings.append(
            Finding(
                code="contra.pregnancy",
                severity="error" if contraindicated else "warning",
                message=f"{ingredient.name} is "
                + ("contraindicated" if contraindicated else "to be used with caution")
                + " in pregnancy and the patient is pregnant"
                + (": remove it" if contraindicated else ": weigh the need"),
                ingredient=ingredient.id,
                source="; ".join(ingredient.sources) or None,
            )
        )
    return findings


# --------------------------------------------------------------------------- risks


def accept_risks(findings: Iterable[Finding], risks: Sequence[AcceptedRisk]) -> list[Finding]:
    """
    Apply accepted risks: a finding whose code (and ingredient, when the risk names
    one) matches keeps being reported, as a warning at most, with the justification.
    """
    result = []
    for finding in findings:
        risk = next(
            (
                r
                for r in risks
                if r.code == finding.code
                and (r.ingredient is None or r.ingredient == finding.ingredient)
            ),
            None,
        )
        if risk is not None and finding.severity != "info":
            result.append(
                attrs.evolve(finding, severity="warning", justification=risk.justification.strip())
            )
        else:
            result.append(finding)
    return result
