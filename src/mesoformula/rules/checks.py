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
* the **course**: sessions closer than an ingredient's ``min_interval``
  (``interval.short``) and a batch serving several sessions beyond its BUD
  (``bud.schedule``);

then applies **accepted risks**: a matching error is downgraded to a warning carrying
the written justification; it is never dropped. Whatever cannot be evaluated (no
weight, no conversion factor, no administration) is ``dose.unchecked``, never fine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from mesoformula import _time
from mesoformula.areas import resolve
from mesoformula.catalog import Catalog
from mesoformula.composition import compose
from mesoformula.findings import Finding
from mesoformula.formulation import AcceptedRisk, Formulation
from mesoformula.patient import Patient
from mesoformula.worksheet import Content, Worksheet

if TYPE_CHECKING:  # imported only where a recorded course is counted
    from mesoformula.course import Administration
    from mesoformula.events import PriorReaction

from .areas import area_reference_findings, limit_area_findings
from .bud import bud_findings, schedule_findings
from .compat import compatibility_findings, status_findings
from .course import (
    interval_findings,
    note_given,
    planned_sessions,
    recent_findings,
    with_recorded_course,
)
from .doses import additive_findings, dose_findings
from .labels import route_findings, storage_findings
from .patient import (
    allergen_findings,
    contraindication_findings,
    lactation_findings,
    pregnancy_findings,
)
from .reactions import prior_reaction_findings
from .sitting import sitting_findings


def check(
    formulation: Formulation,
    catalog: Catalog,
    patient: Patient | None = None,
    *,
    course: Sequence[Administration] | None = None,
    at: dt.datetime | None = None,
    reactions: Sequence[PriorReaction] = (),
    **options: Any,
) -> tuple[Worksheet, list[Finding]]:
    """
    Compose *formulation* and run every check; return the worksheet and all findings
    (composition findings first). *options* go to :func:`~mesoformula.composition.compose`
    (``batches``, ``final_volume``, ``resolution``, ``dead_volume``).

    With *course* (the patient's recorded administrations) and *at* (when the planned
    session is), the recorded course counts (SPEC §9.1): the session, per-kg and
    additive limits judge the planned session together with the doses of its sitting,
    ``dose.course`` counts what was given plus the sessions of the course still to come
    (its ``sessions`` less the sittings recorded with it), and ``interval.short`` fires
    when an ingredient with a ``min_interval`` was given in another sitting too recently.

    With *reactions* (the patient's recorded allergic reactions, SPEC §9.4), a
    preparation sharing an ingredient with a batch they reacted to is
    ``patient.prior-reaction``.

    An accepted risk whose justification is blank accepts nothing and is itself a
    ``file.schema`` error (SPEC §8.1).
    """
    worksheet = compose(formulation, catalog, **options)
    present = [c for c in worksheet.contents if c.present]
    findings = list(worksheet.findings)
    areas = formulation.administration.areas if formulation.administration else ()
    findings += area_reference_findings(areas, catalog)
    if course is None:
        findings += check_preparation(worksheet, catalog, patient)
    else:
        findings += _with_course(worksheet, formulation, catalog, patient, course=course, at=at)
    known = [a for a in (resolve(a, catalog.policy.areas) for a in areas) if a is not None]
    findings += limit_area_findings(present, catalog, known)
    findings += interval_findings(present, formulation, catalog)
    findings += route_findings(formulation, worksheet, catalog)
    findings += storage_findings(formulation, worksheet, catalog)
    findings += bud_findings(formulation, worksheet, catalog)
    findings += schedule_findings(worksheet, formulation, catalog)
    findings += prior_reaction_findings(present, reactions, catalog)
    return worksheet, _accepted(findings, formulation.accepted_risks, catalog, formulation.id)


def _with_course(
    worksheet: Worksheet,
    formulation: Formulation,
    catalog: Catalog,
    patient: Patient | None,
    *,
    course: Sequence[Administration],
    at: dt.datetime | None,
) -> list[Finding]:
    """The checks of a planned session against the recorded course (SPEC §9.1)."""
    from mesoformula.sitting import windows_at  # noqa: PLC0415 - with a course only

    moment = at or _time.now()
    window = catalog.sitting_window
    sessions, findings = planned_sessions(formulation, course, moment, window)
    contents, course_findings, given_before = with_recorded_course(
        worksheet.contents, course, catalog, sessions=sessions
    )
    findings += course_findings
    present = [c for c in worksheet.contents if c.present]
    findings += recent_findings(present, course, catalog, moment, window=window)
    checked = attrs.evolve(worksheet, contents=tuple(contents))
    groups = windows_at(course, moment, window)
    findings += check_preparation(checked, catalog, patient, groups=groups, window=window)
    return note_given(findings, given_before, sessions=sessions)


def _accepted(
    findings: list[Finding], own: Sequence[AcceptedRisk], catalog: Catalog, formulation: str
) -> list[Finding]:
    """
    Apply the usable accepted risks (the formulation's own, and the catalog's that name
    this formulation); a risk that accepts nothing (no justification, no ingredient for
    a scoped code) is itself a ``file.schema`` error of the formulation.
    """
    findings = findings + [
        Finding(
            code="file.schema",
            severity="error",
            message=problem[1],
            location=f"accepted_risks[{n}].{problem[0]}",
        )
        for n, risk in enumerate(own)
        if (problem := risk.problem(clinic=False)) is not None
    ]
    return accept_risks(findings, usable_risks(own, catalog, formulation))


def usable_risks(
    own: Sequence[AcceptedRisk], catalog: Catalog, formulation: str
) -> list[AcceptedRisk]:
    """The risks that accept: the formulation's, and the clinic's naming *formulation*."""
    return [r for r in own if r.problem(clinic=False) is None] + [
        r
        for r in catalog.accepted_risks
        if r.problem(clinic=True) is None and r.covers(formulation)
    ]


def check_administration(
    contents: Sequence[Content],
    catalog: Catalog,
    patient: Patient,
    *,
    volume_ml: float,
    course: Sequence[Administration],
    at: dt.datetime,
    risks: Sequence[AcceptedRisk] = (),
    area: str | None = None,
    formulation: str = "",
    reactions: Sequence[PriorReaction] = (),
) -> list[Finding]:
    """
    The checks of one administration (SPEC §8.3, §9.1): *volume_ml* of a batch with
    *contents* (as it was made) given to *patient* at *at* (in *area*, when given),
    after the recorded *course*.

    The doses of the sitting (this one and every dose recorded within the sitting window
    of *at*) against the session, per-kg and additive limits, naming what they counted;
    this volume against the per-point limits; the course so far plus this dose against
    every ``course`` limit; ``interval.short`` against the other sittings; allergies,
    pregnancy and withdrawn ingredients as the catalog and the patient file say today;
    ``limit.area`` where a limit's source covers other areas. *risks* (the recorded
    formulation's, whose id is *formulation*) and the catalog's that name it apply as
    they do to :func:`check`.
    """
    from mesoformula.sitting import windows_at  # noqa: PLC0415 - with a course only

    present = [c for c in contents if c.present]
    adjusted, findings, given_before = with_recorded_course(
        present, course, catalog, volume_ml=volume_ml
    )
    window = catalog.sitting_window
    groups = windows_at(course, at, window)
    findings += sitting_findings(adjusted, groups, catalog, patient, window=window)
    findings += status_findings(adjusted, catalog)
    findings += patient_findings(adjusted, catalog, patient)
    findings += recent_findings(present, course, catalog, at, window=window)
    findings += limit_area_findings(adjusted, catalog, [area] if area else [])
    findings += prior_reaction_findings(present, reactions, catalog)
    findings = note_given(findings, given_before)
    return accept_risks(findings, usable_risks(risks, catalog, formulation))


def check_preparation(
    worksheet: Worksheet,
    catalog: Catalog,
    patient: Patient | None = None,
    *,
    groups: Sequence[Sequence[Administration]] | None = None,
    window: dt.timedelta | None = None,
) -> list[Finding]:
    """
    Return the safety findings of a composed preparation; with a *patient*, the
    patient-specific ones too (per-kg limits, allergies, pregnancy). With *groups* (the
    recorded administrations sharing a sitting with it, SPEC §9.1), the session, per-kg
    and additive limits judge the sitting.
    """
    present = [c for c in worksheet.contents if c.present]
    findings: list[Finding] = []
    if groups is None:
        findings += dose_findings(present, catalog, patient)
        findings += additive_findings(present, catalog, patient)
    else:
        findings += sitting_findings(
            present, groups, catalog, patient, window=window or catalog.sitting_window
        )
    findings += compatibility_findings(present, worksheet, catalog)
    findings += status_findings(present, catalog)
    if patient is not None:
        findings += patient_findings(present, catalog, patient)
    return findings


def patient_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """Allergies, pregnancy, breastfeeding and the catalog's contraindication rules."""
    return [
        *allergen_findings(contents, catalog, patient),
        *pregnancy_findings(contents, catalog, patient),
        *lactation_findings(contents, catalog, patient),
        *contraindication_findings(contents, catalog, patient),
    ]


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


__all__ = [
    "accept_risks",
    "check",
    "check_administration",
    "check_preparation",
    "patient_findings",
    "usable_risks",
]
