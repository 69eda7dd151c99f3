"""
The course on paper (SPEC §8.3): intervals between sessions and batches that serve
several sessions.

* ``interval.short`` (error): an ingredient of the preparation has a sourced
  ``min_interval`` and the formulation's ``administration.interval`` is shorter; when a
  course of several sessions gives no interval, the minimum cannot be checked and a
  warning says so (never a silent pass).
* ``bud.schedule``: see :mod:`mesoformula.rules.bud`.

And the course as given (the administrations the store recorded):

* :func:`with_recorded_course` counts what was given into every ingredient's course
  dose, so that ``course`` limits see the whole course;
* :func:`recent_findings`: ``interval.short`` when a session would come closer to a
  recorded one than an ingredient's ``min_interval``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from mesoformula import _time
from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation
from mesoformula.units import days, fmt

if TYPE_CHECKING:  # the course as given is imported only where a course is counted
    from mesoformula.course import Administration
from mesoformula.worksheet import Content


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


def with_recorded_course(
    contents: Sequence[Content],
    administrations: Sequence[Administration],
    catalog: Catalog,
    *,
    volume_ml: float | None = None,
    sessions: int | None = None,
) -> tuple[list[Content], list[Finding], dict[str, tuple[float, str]]]:
    """
    The *contents* with the recorded course counted in: each ingredient's course dose is
    what the live *administrations* gave plus what is planned; returned with the findings
    and what was given before of each ingredient (amount, unit), for :func:`note_given`.
    With *volume_ml* (one administration of that volume), the session dose is that
    volume's and the plan is that one session; with *sessions* (the sessions of the
    course still to come, SPEC §9.1), the plan is that many sessions; without either,
    the planned course is the formulation's whole course. A dose given in
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
        if volume_ml is None and sessions is not None:
            planned = None if session is None else session * sessions
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
    findings: Sequence[Finding],
    given_before: Mapping[str, tuple[float, str]],
    *,
    sessions: int | None = None,
) -> list[Finding]:
    """
    Say in each ``dose.course`` finding how much of it the recorded course gave (and,
    with *sessions*, how many sessions of the course were counted as still to come).
    """
    planned = "" if sessions is None else f", plus {sessions} session(s) still to come"
    noted = []
    for finding in findings:
        before, unit = given_before.get(finding.ingredient or "", (0.0, ""))
        noted.append(
            attrs.evolve(
                finding,
                message=f"{finding.message} ({fmt(before)} {unit} of it in the course the "
                f"store records{planned})",
            )
            if finding.code == "dose.course" and before > 0
            else finding
        )
    return noted


def planned_sessions(
    formulation: Formulation,
    administrations: Sequence[Administration],
    at: dt.datetime,
    window: dt.timedelta,
) -> tuple[int, list[Finding]]:
    """
    The sessions of *formulation*'s course still to come with the one at *at* (SPEC
    §9.1): its ``sessions`` less the other sittings recorded with it (before or after the
    sitting of *at*: a late entry counts the course as it is), and never fewer than the
    one being planned; ``course.complete`` (warning) when every session of the course is
    recorded already.
    """
    from mesoformula.sitting import sittings_apart  # noqa: PLC0415 - with a course only

    total = formulation.administration.sessions if formulation.administration else 1
    mine = [a for a in administrations if a.formulation == formulation.id]
    before = sittings_apart(mine, at, window)
    findings = []
    if len(before) >= total:
        last = before[-1][-1]
        findings.append(
            Finding(
                code="course.complete",
                severity="warning",
                message=f"the course of {formulation.id} has {total} session(s) and "
                f"{len(before)} are recorded for patient {last.patient} (the last on "
                f"{_time.shown(last.at)}): this would be session {len(before) + 1}; a new "
                "course needs a new prescription",
                location="administration.sessions",
            )
        )
    return max(total - len(before), 1), findings


def recent_findings(
    present: Sequence[Content],
    administrations: Sequence[Administration],
    catalog: Catalog,
    at: dt.datetime,
    *,
    window: dt.timedelta,
) -> list[Finding]:
    """
    ``interval.short`` (error) for every ingredient with a ``min_interval`` that a live
    administration of another sitting gave less than that interval before (or after)
    *at*: the interval is measured between sittings, never within one (SPEC §9.1; a
    session given as 5 mL + 5 mL an hour apart is one session).
    """
    from mesoformula.course import last_given  # noqa: PLC0415 - only with a recorded course
    from mesoformula.sitting import same_sitting  # noqa: PLC0415

    findings = []
    moment = _time.utc(at)
    everything = administrations
    administrations = [a for a in administrations if not same_sitting(a.at, moment, window)]
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
        last = last_given(everything, content.ingredient)
        earliest = _time.utc(last.at if last is not None else closest.at) + minimum
        gap = abs(moment - _time.utc(closest.at))
        findings.append(
            Finding(
                code="interval.short",
                severity="error",
                message=f"{ingredient.name} was given {_time.shown(closest.at)} (batch "
                f"{closest.batch_id}), {gap.total_seconds() / 86400:.1f} d from "
                f"{_time.shown(moment)}: at least {ingredient.min_interval} between sessions; "
                f"the next session is due on or after {_time.shown(earliest)}",
                ingredient=ingredient.id,
                source=ingredient.source_of("min_interval") or None,
            )
        )
    return findings


__all__ = [
    "interval_findings",
    "note_given",
    "planned_sessions",
    "recent_findings",
    "with_recorded_course",
]
