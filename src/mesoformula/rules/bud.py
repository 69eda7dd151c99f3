"""
The beyond-use date of a formulation as planned (SPEC §9.3): one computation
(:func:`planned_bud`, over :func:`mesoformula.bud.assign_bud`, products' admixture
stability included) for validate, compose, ``bud.schedule``, consume and the label.

* ``bud.unassigned``: an error where the file's ``[preparation]`` makes a BUD
  impossible (immediate use with more than 3 sterile products or a non-sterile one, no
  category or storage, a category 3 without its requirements, a storage the table does
  not cover); a warning where the formulation has no ``[preparation]`` at all (a design:
  it cannot be compounded as it stands; ``stock consume`` refuses it).
* ``bud.schedule`` (warning): one batch serves several sessions and the time between
  sessions is longer than the batch's beyond-use date, so the remainder expires before
  the next session (info, "not checked", when the course gives no interval).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from mesoformula.bud import EDITION, AdmixtureUse, Bud, assign_bud, span
from mesoformula.catalog import Catalog, Product
from mesoformula.findings import Finding, Severity
from mesoformula.formulation import Formulation, Preparation
from mesoformula.units import days
from mesoformula.worksheet import Worksheet

from .labels import storage_conflicts

#: The instant BUD spans are measured from: only the span matters here.
_ORIGIN = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


def used_products(worksheet: Worksheet, catalog: Catalog) -> list[Product]:
    """The catalog products a worksheet draws from (the diluent included), once each."""
    ids = dict.fromkeys(
        d.product for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    )
    return [catalog.products[p] for p in ids if p in catalog.products]


def admixtures_of(products: Sequence[Product]) -> tuple[AdmixtureUse, ...]:
    """The admixture stability of every product that declares one (SPEC §8.9)."""
    return tuple(
        AdmixtureUse(
            product=p.id,
            within=dt.timedelta(days=days(p.admixture_stability.within)),
            storage=p.admixture_stability.storage,
        )
        for p in products
        if p.admixture_stability is not None
    )


@functools.lru_cache(maxsize=256)
def _bud_span(
    preparation: Preparation | None,
    only_sterile: bool,
    products: int,
    admixtures: tuple[AdmixtureUse, ...],
) -> Bud:
    """The BUD of a batch compounded at _ORIGIN (the same for every file alike)."""
    return assign_bud(
        preparation,
        compounded_at=_ORIGIN,
        only_sterile=only_sterile,
        products=products,
        admixtures=admixtures,
    )


def planned_bud(
    formulation: Formulation,
    worksheet: Worksheet,
    catalog: Catalog,
    *,
    at: dt.datetime | None = None,
    started_at: dt.datetime | None = None,
) -> Bud:
    """
    The BUD a batch of *formulation* gets when compounded at *at* (without lots: their
    expiry and in-use dates only shorten it, never make it impossible); without *at*,
    the span from an arbitrary instant (what :func:`bud_span` reads).
    """
    products = used_products(worksheet, catalog)
    conflicts = storage_conflicts(formulation, products)
    if conflicts:
        return _conflicting(formulation, conflicts)
    only_sterile = all(p.sterile for p in products)
    admixtures = admixtures_of(products)
    if at is None:
        return _bud_span(formulation.preparation, only_sterile, len(products), admixtures)
    return assign_bud(
        formulation.preparation,
        compounded_at=at,
        started_at=started_at,
        only_sterile=only_sterile,
        products=len(products),
        admixtures=admixtures,
    )


def _conflicting(formulation: Formulation, conflicts: Sequence[Product]) -> Bud:
    """No BUD for a preparation stored against a product's label (SPEC §9.3)."""
    storage = formulation.preparation.storage if formulation.preparation else None
    names = ", ".join(p.name for p in conflicts)
    finding = Finding(
        code="bud.unassigned",
        severity="error",
        message=f"the beyond-use date cannot be assigned: the preparation is stored in the "
        f"{storage} against the label of {names}",
        location="preparation.storage",
        source=EDITION,
    )
    return Bud(at=None, governed_by=None, reason=finding.message, rule=None, findings=(finding,))


def bud_span(
    formulation: Formulation, worksheet: Worksheet, catalog: Catalog
) -> dt.timedelta | None:
    """How long a batch keeps from compounding to its BUD (None: none can be assigned)."""
    bud = planned_bud(formulation, worksheet, catalog)
    return None if bud.at is None else bud.at - _ORIGIN


def sessions_within(
    span_: dt.timedelta | None, sessions: int, interval: dt.timedelta | None
) -> int:
    """
    How many of the *sessions* a batch serves fall within its BUD at *interval* apart
    (the first at compounding): a batch past its BUD serves no further session; with no
    BUD or no interval, only the first is known to be within it.
    """
    if span_ is None or sessions <= 1:
        return min(sessions, 1)
    if interval is None or interval <= dt.timedelta(0):
        return 1
    return min(sessions, 1 + int(span_ / interval))


def bud_findings(formulation: Formulation, worksheet: Worksheet, catalog: Catalog) -> list[Finding]:
    """``bud.unassigned``: an error when the preparation makes a BUD impossible, a warning
    when the formulation has no ``[preparation]``."""
    if formulation.preparation is None:
        return [
            Finding(
                code="bud.unassigned",
                severity="warning",
                message="the formulation has no [preparation] (category, method, storage): no "
                "beyond-use date can be assigned, so it cannot be compounded as it stands "
                "(stock consume refuses it); add [preparation]",
                location="preparation",
            )
        ]
    bud = planned_bud(formulation, worksheet, catalog)
    return [] if bud.at is not None else list(bud.findings)


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
    bud = planned_bud(formulation, worksheet, catalog)
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


__all__ = [
    "admixtures_of",
    "bud_findings",
    "bud_span",
    "planned_bud",
    "schedule_findings",
    "sessions_within",
    "used_products",
]
