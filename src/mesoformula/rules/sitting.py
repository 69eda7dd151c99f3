"""
Doses over the sitting (SPEC §9.1): the session, per-kg, epinephrine and additive limits
judge what reaches the patient in one visit, not one file.

:func:`sitting_findings` takes the doses of this administration (or of the planned
session of ``check --db``) and the patient's recorded administrations, and checks every
group of administrations that shares a sitting window with it
(:func:`mesoformula.sitting.windows_at`): each ingredient's session dose is the sum over
the group, additive groups see every member given in it, and a limit's conditions
(``unless_present`` epinephrine) must hold in *every* preparation that carried the
ingredient, so that a dose without epinephrine is never covered by one with it. Each
finding names the earlier administrations it counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from mesoformula import _time
from mesoformula.catalog import Catalog
from mesoformula.conversion import convert
from mesoformula.findings import Finding
from mesoformula.patient import Patient
from mesoformula.units import fmt
from mesoformula.worksheet import Content

from .doses import VEHICLE_CLASSES, additive_findings, dose_findings

if TYPE_CHECKING:  # the course as given is imported only where a course is counted
    from mesoformula.course import Administration

#: The codes a sitting can raise (the rest are judged on the preparation alone).
SITTING_CODES = frozenset({"dose.session", "dose.per-kg", "dose.additive"})


def administration_contents(administration: Administration, catalog: Catalog) -> dict[str, Content]:
    """
    What one recorded administration gave, as contents: each dose as the session dose,
    its concentration the dose over the volume given (for the conditions of limits).
    """
    contents = {}
    for dose in administration.doses:
        substance = catalog.ingredients.get(dose.ingredient)
        vehicle = substance is not None and substance.class_ in VEHICLE_CLASSES
        contents[dose.ingredient] = Content(
            ingredient=dose.ingredient,
            role="excipient" if vehicle else "active",
            unit=dose.unit,
            concentration_value=dose.value / administration.volume_ml,
            per_batch_value=dose.value,
            total_value=dose.value,
            per_session_value=dose.value,
            per_point_value=None,
            per_course_value=None,
            products=(),
        )
    return contents


@attrs.frozen(kw_only=True)
class Sitting:
    """
    This dose with the earlier doses of its sitting added in.

    Attributes:
        contents: This preparation's contents, each session dose the sitting's total;
            ingredients given earlier in the sitting only follow (for additive groups).
        contexts: For each ingredient, the contents of every preparation that carried
            it in the sitting (a limit's conditions must hold in each).
        counted: The earlier administrations that gave each ingredient.
        unconverted: Earlier doses that could not be added (no conversion factor).
    """

    contents: tuple[Content, ...]
    contexts: Mapping[str, tuple[Mapping[str, Content], ...]]
    counted: Mapping[str, tuple[Administration, ...]]
    unconverted: tuple[str, ...]


def gather(
    current: Sequence[Content], group: Sequence[Administration], catalog: Catalog
) -> Sitting:
    """The sitting of a dose with *current* contents and the earlier doses of *group*."""
    this = {c.ingredient: c for c in current}
    totals = {c.ingredient: c.per_session_value or 0.0 for c in current}
    contexts: dict[str, list[Mapping[str, Content]]] = {i: [this] for i in this}
    counted: dict[str, list[Administration]] = {}
    extra: dict[str, Content] = {}
    unconverted: list[str] = []
    for administration in group:
        given = administration_contents(administration, catalog)
        for ingredient, content in given.items():
            counted.setdefault(ingredient, []).append(administration)
            contexts.setdefault(ingredient, []).append(given)
            if ingredient not in this:
                before = extra.get(ingredient)
                extra[ingredient] = (
                    content
                    if before is None
                    else attrs.evolve(
                        before,
                        per_session_value=_plus(before, content, catalog, unconverted),
                    )
                )
                continue
            amount = convert(
                content.per_session_value or 0.0,
                content.unit,
                this[ingredient].unit,
                catalog.ingredients.get(ingredient),
            )
            if amount is None:
                unconverted.append(
                    f"{ingredient} {fmt(content.per_session_value or 0.0)} "
                    f"{content.unit} (administration {administration.number})"
                )
            else:
                totals[ingredient] += amount
    contents = [
        attrs.evolve(c, per_session_value=totals[c.ingredient])
        if c.per_session_value is not None
        else c
        for c in current
    ]
    return Sitting(
        contents=(*contents, *extra.values()),
        contexts={k: tuple(v) for k, v in contexts.items()},
        counted={k: tuple(v) for k, v in counted.items()},
        unconverted=tuple(unconverted),
    )


def _plus(before: Content, content: Content, catalog: Catalog, unconverted: list[str]) -> float:
    amount = convert(
        content.per_session_value or 0.0,
        content.unit,
        before.unit,
        catalog.ingredients.get(content.ingredient),
    )
    if amount is None:
        unconverted.append(
            f"{content.ingredient} {fmt(content.per_session_value or 0.0)} {content.unit}"
        )
        return before.per_session_value or 0.0
    return (before.per_session_value or 0.0) + amount


def sitting_findings(
    current: Sequence[Content],
    groups: Sequence[Sequence[Administration]],
    catalog: Catalog,
    patient: Patient | None,
    *,
    window: dt.timedelta,
) -> list[Finding]:
    """
    Every dose and additive limit over each sitting group of this dose: the findings of
    this preparation (point, concentration, course, ...) once, those of the session,
    per-kg and additive limits for each group, naming what they counted.
    """
    findings: list[Finding] = []
    seen: set[tuple[str, str | None, str]] = set()
    mine = {c.ingredient for c in current}
    for group in groups or [()]:
        sitting = gather(current, group, catalog)
        found = dose_findings(
            [c for c in sitting.contents if c.ingredient in mine],
            catalog,
            patient,
            contexts=sitting.contexts,
        )
        found += [
            f
            for f in additive_findings(
                list(sitting.contents), catalog, patient, contexts=sitting.contexts
            )
            if _touches(f, mine, catalog)
        ]
        if sitting.unconverted:
            found.append(
                Finding(
                    code="dose.unchecked",
                    severity="warning",
                    message="earlier doses of this sitting cannot be added to this one (no "
                    f"declared factor): {', '.join(sitting.unconverted)}; the session limits "
                    "are checked without them",
                )
            )
        for finding in found:
            noted = _noted(finding, sitting, group, window, catalog)
            key = (noted.code, noted.ingredient, noted.message)
            if key not in seen:
                seen.add(key)
                findings.append(noted)
    return findings


def _touches(finding: Finding, mine: set[str], catalog: Catalog) -> bool:
    """Whether an additive finding's group has a member in this preparation."""
    group_id = finding.message.partition(":")[0]
    for group in catalog.additive_limits:
        if group.id == group_id:
            return any(
                i in catalog.ingredients and group.includes(catalog.ingredients[i]) for i in mine
            )
    return True


def _noted(
    finding: Finding,
    sitting: Sitting,
    group: Sequence[Administration],
    window: dt.timedelta,
    catalog: Catalog,
) -> Finding:
    """A session, per-kg or additive finding with the earlier doses it counted."""
    if finding.code not in SITTING_CODES or not group:
        return finding
    if finding.code == "dose.additive":
        group_id = finding.message.partition(":")[0]
        rule = next((g for g in catalog.additive_limits if g.id == group_id), None)
        members = {
            i
            for i in sitting.counted
            if rule is not None
            and i in catalog.ingredients
            and rule.includes(catalog.ingredients[i])
        }
    else:
        members = {finding.ingredient or ""}
    earlier = [(a, d) for a in group for d in a.doses if d.ingredient in members]
    if not earlier:
        return finding
    listed = "; ".join(
        f"administration {a.number} at {_time.shown(a.at)} (batch {a.batch_id}): "
        f"{d.ingredient} {d.amount}"
        for a, d in earlier
    )
    return attrs.evolve(
        finding,
        message=f"{finding.message}. The sitting ({_hours(window)}) counts, besides this "
        f"dose: {listed}",
    )


def _hours(window: dt.timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g} h window"


__all__ = ["SITTING_CODES", "Sitting", "administration_contents", "gather", "sitting_findings"]
