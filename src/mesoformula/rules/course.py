"""
The course on paper (SPEC §8.3): intervals between sessions and batches that serve
several sessions.

* ``interval.short`` (error): an ingredient of the preparation has a sourced
  ``min_interval`` and the formulation's ``administration.interval`` is shorter; when a
  course of several sessions gives no interval, the minimum cannot be checked and a
  warning says so (never a silent pass).
* ``bud.schedule`` (warning): one batch serves several sessions and the time between
  sessions is longer than the batch's beyond-use date, so the remainder expires before
  the next session (info, "not checked", when the course gives no interval).

And the course as given (the administrations the store recorded):

* :func:`with_recorded_course` counts what was given into every ingredient's course
  dose, so that ``course`` limits see the whole course;
* :func:`recent_findings`: ``interval.short`` when a session would come closer to a
  recorded one than an ingredient's ``min_interval``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from mesoformula import _time
from mesoformula.bud import Bud, assign_bud, span
from mesoformula.catalog import Catalog
from mesoformula.findings import Finding, Severity
from mesoformula.formulation import Formulation, Preparation
from mesoformula.units import days, fmt

if TYPE_CHECKING:  # the course as given is imported only where a course is counted
    from mesoformula.course import Administration
from mesoformula.worksheet import Content, Worksheet

#: The instant BUD spans are measured from: only the span matters here.
_ORIGIN = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


def interval_findings(
    present: Sequence[Content], formulation: Formulation, catalog: Catalog
) -> list[Finding]:
    """``interval.short`` for every ingredient whose ``min_interval`` the course breaks."""
    administration = formulation.administration
    findings: list[Finding] = []
    for content in present:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or ingredient.min_interval is None:
            continue
        minimum = ingredient.min_interval
        source = ingredient.source_of("min_interval") or None
        if administration is None or administration.sessions < 2:
            continue  # one session: no interval to keep
        if administration.interval is None:
            findings.append(
                Finding(
                    code="interval.short",
                    severity="warning",
                    message=f"{ingredient.name} needs at least {minimum} between sessions, but "
                    f"the course of {administration.sessions} sessions gives no interval: the "
                    "minimum interval is not checked; give administration.interval",
                    location="administration.interval",
                    ingredient=ingredient.id,
                    source=source,
                )
            )
        elif days(administration.interval) < days(minimum) - 1e-9:
            findings.append(
                Finding(
                    code="interval.short",
                    severity="error",
                    message=f"sessions {administration.interval} apart are too close for "
                    f"{ingredient.name}: at least {minimum} between sessions",
                    location="administration.interval",
                    ingredient=ingredient.id,
                    source=source,
                )
            )
    return findings


@functools.lru_cache(maxsize=256)
def _bud_span(preparation: Preparation | None, only_sterile: bool, products: int) -> Bud:
    """The BUD of a batch compounded at _ORIGIN (the same for every file alike)."""
    return assign_bud(
        preparation, compounded_at=_ORIGIN, only_sterile=only_sterile, products=products
    )


def schedule_findings(
    worksheet: Worksheet, formulation: Formulation, catalog: Catalog
) -> list[Finding]:
    """``bud.schedule`` when a batch serving several sessions outlives its BUD."""
    dosing = worksheet.dosing
    administration = formulation.administration
    if (
        dosing is None
        or administration is None
        or dosing.sessions_per_batch is None
        or dosing.sessions_per_batch < 2
        or administration.sessions < 2
    ):
        return []
    serves = min(dosing.sessions_per_batch, administration.sessions)
    used = [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    products = [catalog.products[d.product] for d in used if d.product in catalog.products]
    bud = _bud_span(
        formulation.preparation,
        all(p.sterile for p in products),
        len({p.id for p in products}),
    )
    lead = f"one batch serves {serves} sessions"
    severity: Severity = "warning"
    if administration.interval is None:
        severity = "info"  # reported as not checked, never as fine
        message = (
            f"{lead} but the course gives no interval: whether the remainder is still within "
            "its beyond-use date at the next session is not checked; give "
            "administration.interval or prepare per session"
        )
    elif bud.at is None:
        message = (
            f"{lead} {administration.interval} apart, but the batch's beyond-use date cannot "
            f"be assigned ({bud.reason}): prepare per session"
        )
    else:
        limit = bud.at - _ORIGIN
        if dt.timedelta(days=days(administration.interval)) <= limit:
            return []
        message = (
            f"{lead} {administration.interval} apart, but its beyond-use date is "
            f"{span(limit)} ({bud.reason}): the remainder is beyond its BUD before the next "
            "session: prepare per session"
        )
    return [
        Finding(
            code="bud.schedule",
            severity=severity,
            message=message,
            location="administration.interval",
        )
    ]


def with_recorded_course(
    contents: Sequence[Content],
    administrations: Sequence[Administration],
    catalog: Catalog,
    *,
    volume_ml: float | None = None,
) -> tuple[list[Content], list[Finding], dict[str, tuple[float, str]]]:
    """
    The *contents* with the recorded course counted in: each ingredient's course dose is
    what the live *administrations* gave plus what is planned; returned with the findings
    and what was given before of each ingredient (amount, unit), for :func:`note_given`.
    With *volume_ml* (one administration of that volume), the session dose is that
    volume's and the plan is that one session; without, the planned course is the
    formulation's. A dose given in
    a unit that cannot be converted is left out of the sum and ``dose.unchecked`` says
    the course limit is not fully checked.
    """
    from mesoformula.course import given  # noqa: PLC0415 - only with a recorded course

    adjusted: list[Content] = []
    findings: list[Finding] = []
    given_before: dict[str, tuple[float, str]] = {}
    for content in contents:
        session = (
            content.per_session_value
            if volume_ml is None
            else content.concentration_value * volume_ml
        )
        planned = content.per_course_value if volume_ml is None else session
        before, unconverted = given(administrations, content.ingredient, content.unit, catalog)
        given_before[content.ingredient] = (before, content.unit)
        if unconverted and any(
            limit.basis == "course" for limit in catalog.limits_of(content.ingredient)
        ):
            doses = ", ".join(str(d.amount) for d in unconverted)
            findings.append(
                Finding(
                    code="dose.unchecked",
                    severity="warning",
                    message=f"{content.ingredient}: earlier doses ({doses}) cannot be added to "
                    f"{content.unit} (no declared factor): the course limit is checked "
                    "without them",
                    ingredient=content.ingredient,
                )
            )
        adjusted.append(
            attrs.evolve(
                content,
                per_session_value=session,
                per_course_value=None if planned is None else before + planned,
            )
        )
    return adjusted, findings, given_before


def note_given(
    findings: Sequence[Finding], given_before: Mapping[str, tuple[float, str]]
) -> list[Finding]:
    """Say in each ``dose.course`` finding how much of it the recorded course gave."""
    noted = []
    for finding in findings:
        before, unit = given_before.get(finding.ingredient or "", (0.0, ""))
        noted.append(
            attrs.evolve(
                finding,
                message=f"{finding.message} ({fmt(before)} {unit} of it was given already, "
                "as the store records)",
            )
            if finding.code == "dose.course" and before > 0
            else finding
        )
    return noted


def recent_findings(
    present: Sequence[Content],
    administrations: Sequence[Administration],
    catalog: Catalog,
    at: dt.datetime,
) -> list[Finding]:
    """
    ``interval.short`` (error) for every ingredient with a ``min_interval`` that a live
    administration gave less than that interval before (or after) *at*.
    """
    from mesoformula.course import last_given  # noqa: PLC0415 - only with a recorded course

    findings = []
    moment = _time.utc(at)
    for content in present:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or ingredient.min_interval is None:
            continue
        minimum = dt.timedelta(days=days(ingredient.min_interval))
        near = [
            a
            for a in administrations
            if a.live
            and a.dose_of(content.ingredient) is not None
            and abs(moment - _time.utc(a.at)) < minimum
        ]
        if not near:
            continue
        closest = min(near, key=lambda a: abs(moment - _time.utc(a.at)))
        last = last_given(administrations, content.ingredient)
        earliest = _time.utc(last.at if last is not None else closest.at) + minimum
        gap = abs(moment - _time.utc(closest.at))
        findings.append(
            Finding(
                code="interval.short",
                severity="error",
                message=f"{ingredient.name} was given {_time.stored(closest.at)} (batch "
                f"{closest.batch_id}), {gap.total_seconds() / 86400:.1f} d from "
                f"{_time.stored(moment)}: at least {ingredient.min_interval} between sessions; "
                f"the next session is due on or after {_time.stored(earliest)}",
                ingredient=ingredient.id,
                source=ingredient.source_of("min_interval") or None,
            )
        )
    return findings


__all__ = [
    "interval_findings",
    "note_given",
    "recent_findings",
    "schedule_findings",
    "with_recorded_course",
]
