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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mesoformula.bud import assign_bud, span
from mesoformula.catalog import Catalog
from mesoformula.findings import Finding, Severity
from mesoformula.formulation import Formulation
from mesoformula.units import Quantity
from mesoformula.worksheet import Content, Worksheet

#: The instant BUD spans are measured from: only the span matters here.
_ORIGIN = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


def days(duration: Quantity) -> float:
    """A duration in days (files may write days, hours, minutes or weeks)."""
    if duration.unit == "d":
        return float(duration.value)
    return float(duration.to_pint().to("day").magnitude)


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
    bud = assign_bud(
        formulation.preparation,
        compounded_at=_ORIGIN,
        only_sterile=all(p.sterile for p in products),
        products=len({p.id for p in products}),
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


__all__ = ["days", "interval_findings", "schedule_findings"]
