"""
Beyond-use dates (SPEC §6; USP <797>, 2023-11-01).

The table is data (:data:`BUD_TABLE`, edition :data:`EDITION`). :func:`assign_bud` takes
the earliest of the table's limit for the preparation, an optional stability limit, the
expiry of every lot used (usable through the end of its expiry day) and the in-use date
of every opened multi-dose container used, and says which governed (``usp797``,
``stability``, ``lot-expiry``, ``in-use``) and why. Missing preparation data gives a
``bud.unassigned`` finding and no date: a BUD is never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import attrs

from . import _time
from .findings import Finding
from .formulation import Preparation

EDITION = "USP <797>, 2023-11-01"

GovernedBy = Literal["usp797", "lot-expiry", "in-use", "stability"]
Storage = Literal["room", "refrigerator", "freezer"]

#: A limit on the BUD: (the instant it ends, what governs it, why, for people).
_Candidate = tuple[dt.datetime, GovernedBy, str]

#: Storage ranges, for labels and records.
STORAGE_RANGES = {
    "room": "controlled room temperature 20-25 °C",
    "refrigerator": "refrigerator 2-8 °C",
    "freezer": "freezer -25 to -10 °C",
}

#: Immediate use: administration must begin within this time of the start of preparation.
IMMEDIATE_USE = dt.timedelta(hours=4)


@attrs.frozen(kw_only=True)
class BudRow:
    """One row of the USP <797> BUD table; None where the table gives no BUD."""

    category: int
    description: str
    room: dt.timedelta | None
    refrigerator: dt.timedelta | None
    freezer: dt.timedelta | None

    def limit(self, storage: Storage) -> dt.timedelta | None:
        """The BUD for *storage* (None: not allowed by the table)."""
        value: dt.timedelta | None = getattr(self, storage)
        return value


def _d(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


#: Keyed by (category, method, sterility tested, only sterile components); method is
#: None where the table does not distinguish it. Values from SPEC §6.
BUD_TABLE: dict[tuple[int, str | None, bool | None, bool | None], BudRow] = {
    (1, None, None, None): BudRow(
        category=1,
        description="category 1",
        room=dt.timedelta(hours=12),
        refrigerator=dt.timedelta(hours=24),
        freezer=None,
    ),
    (2, "aseptic", False, True): BudRow(
        category=2,
        description="category 2, aseptically processed, not sterility tested, "
        "only sterile components",
        room=_d(4),
        refrigerator=_d(10),
        freezer=_d(45),
    ),
    (2, "aseptic", False, False): BudRow(
        category=2,
        description="category 2, aseptically processed, not sterility tested, "
        "one or more non-sterile components",
        room=_d(1),
        refrigerator=_d(4),
        freezer=_d(45),
    ),
    (2, "aseptic", True, None): BudRow(
        category=2,
        description="category 2, aseptically processed, sterility test passed",
        room=_d(30),
        refrigerator=_d(45),
        freezer=_d(60),
    ),
    (2, "terminal-sterilization", False, None): BudRow(
        category=2,
        description="category 2, terminally sterilized, not sterility tested",
        room=_d(14),
        refrigerator=_d(28),
        freezer=_d(45),
    ),
    (2, "terminal-sterilization", True, None): BudRow(
        category=2,
        description="category 2, terminally sterilized, sterility test passed",
        room=_d(45),
        refrigerator=_d(60),
        freezer=_d(90),
    ),
    (3, "aseptic", True, None): BudRow(
        category=3,
        description="category 3, aseptically processed, sterility tested, all category 3 "
        "requirements met",
        room=_d(60),
        refrigerator=_d(90),
        freezer=_d(120),
    ),
    (3, "terminal-sterilization", True, None): BudRow(
        category=3,
        description="category 3, terminally sterilized, sterility tested, all category 3 "
        "requirements met",
        room=_d(90),
        refrigerator=_d(120),
        freezer=_d(180),
    ),
}


@attrs.frozen(kw_only=True)
class LotUse:
    """A lot used in a batch, for its expiry."""

    product: str
    lot: str
    expiry: dt.date | None


@attrs.frozen(kw_only=True)
class ContainerUse:
    """An opened multi-dose container used in a batch, for its in-use date."""

    product: str
    lot: str
    container_id: int | None
    opened_at: dt.datetime
    in_use_days: int | None


@attrs.frozen(kw_only=True)
class Bud:
    """
    An assigned beyond-use date.

    Attributes:
        at: The date and time after which the preparation must not be used; None when
            it cannot be assigned (see the findings).
        governed_by: ``usp797``, ``lot-expiry``, ``in-use`` or ``stability``.
        reason: What governed it, for people.
        rule: The USP <797> table row that applied, if any.
        findings: ``bud.limited`` (info) or ``bud.unassigned`` (error).
    """

    at: dt.datetime | None
    governed_by: GovernedBy | None
    reason: str
    rule: str | None
    findings: tuple[Finding, ...]


def table_row(preparation: Preparation, *, only_sterile: bool) -> BudRow | Finding:
    """The table row for *preparation*, or a ``bud.unassigned`` finding saying why not."""
    if preparation.category is None:
        return _unassigned("the preparation gives no category (1, 2 or 3)", "preparation.category")
    if preparation.category == 1:
        return BUD_TABLE[(1, None, None, None)]
    tested = preparation.sterility_tested
    if preparation.category == 3:
        if not (tested and preparation.category_3_requirements):
            return _unassigned(
                "a category 3 BUD needs a passed sterility test and every additional category 3 "
                "requirement (sterility_tested = true, category_3_requirements = true); "
                "otherwise use category 2",
                "preparation.category",
            )
        return BUD_TABLE[(3, preparation.method, True, None)]
    if preparation.method == "aseptic" and not tested:
        return BUD_TABLE[(2, "aseptic", False, only_sterile)]
    return BUD_TABLE[(2, preparation.method, tested, None)]


def assign_bud(
    preparation: Preparation | None,
    *,
    compounded_at: dt.datetime,
    only_sterile: bool,
    lots: Sequence[LotUse] = (),
    containers: Sequence[ContainerUse] = (),
    products: int | None = None,
    admixtures: Sequence[AdmixtureUse] = (),
    started_at: dt.datetime | None = None,
) -> Bud:
    """
    Assign the BUD of a preparation compounded at *compounded_at*: the earliest of the
    USP <797> table, the stability limit, every lot's expiry (end of day) and every
    opened container's in-use date and every product's admixture stability (*admixtures*).
    Immediate use gives 4 hours, and only when every
    component is sterile and at most 3 different sterile products (*products*, the
    number of different products used; None when not known) go in (SPEC §8.9), counted
    from *started_at*, the start of preparation (default: *compounded_at*).
    """
    compounded_at = _time.local(compounded_at)  # dates are the pharmacy's dates
    if preparation is None:
        return _no_bud(
            _unassigned(
                "the formulation has no [preparation] (category, method, storage)", "preparation"
            )
        )
    usp797 = _usp797_candidate(
        preparation,
        compounded_at=compounded_at,
        only_sterile=only_sterile,
        products=products,
        started_at=started_at,
    )
    if isinstance(usp797, Finding):
        return _no_bud(usp797)
    rule = usp797[2]
    candidates = [
        usp797,
        *_stability_candidates(preparation, compounded_at),
        *_lot_candidates(lots),
        *_admixture_candidates(admixtures, compounded_at),
        *_container_candidates(containers),
    ]
    at, governed_by, reason = min(candidates, key=lambda c: c[0])
    finding = Finding(
        code="bud.limited",
        severity="info",
        message=f"beyond-use date {_time.shown(at)}, governed by {governed_by}: {reason}",
        location="preparation",
        source=EDITION if governed_by == "usp797" else None,
    )
    return Bud(at=at, governed_by=governed_by, reason=reason, rule=rule, findings=(finding,))


def _no_bud(finding: Finding) -> Bud:
    """No beyond-use date: *finding* (``bud.unassigned``) says why."""
    return Bud(at=None, governed_by=None, reason=finding.message, rule=None, findings=(finding,))


def _usp797_candidate(
    preparation: Preparation,
    *,
    compounded_at: dt.datetime,
    only_sterile: bool,
    products: int | None,
    started_at: dt.datetime | None,
) -> _Candidate | Finding:
    """
    The USP <797> limit of *preparation* (its reason is the BUD's ``rule``): immediate
    use or the table's, or a ``bud.unassigned`` finding saying why there is none.
    """
    if preparation.immediate_use:
        why_not = immediate_use_problem(only_sterile=only_sterile, products=products)
        if why_not is not None:
            return _unassigned(why_not, "preparation.immediate_use")
        start = compounded_at if started_at is None else _time.local(started_at)
        rule = (
            f"immediate use ({EDITION}): administration begins within 4 hours of the start "
            f"of preparation ({_time.shown(start)})"
        )
        return (_after(start, IMMEDIATE_USE), "usp797", rule)
    return _table_candidate(preparation, compounded_at=compounded_at, only_sterile=only_sterile)


def _table_candidate(
    preparation: Preparation, *, compounded_at: dt.datetime, only_sterile: bool
) -> _Candidate | Finding:
    """
    The limit the USP <797> table gives *preparation* in its storage, or a
    ``bud.unassigned`` finding: no row, no storage, or none allowed in that storage.
    """
    row = table_row(preparation, only_sterile=only_sterile)
    if isinstance(row, Finding):
        return row
    if preparation.storage is None:
        return _unassigned(
            "the preparation gives no storage (room, refrigerator or freezer)",
            "preparation.storage",
        )
    limit = row.limit(preparation.storage)
    if limit is None:
        return _unassigned(
            f"{EDITION} gives no BUD for {row.description} stored in the {preparation.storage}",
            "preparation.storage",
        )
    rule = f"{EDITION}: {row.description}, {STORAGE_RANGES[preparation.storage]}: {span(limit)}"
    return (_after(compounded_at, limit), "usp797", rule)


def _stability_candidates(preparation: Preparation, compounded_at: dt.datetime) -> list[_Candidate]:
    """The formulation's stability limit, when it gives one."""
    if preparation.stability is None:
        return []
    days = preparation.stability.value
    return [
        (
            _after(compounded_at, dt.timedelta(days=days)),
            "stability",
            f"stability limit of the formulation: {span(dt.timedelta(days=days))}",
        )
    ]


def _lot_candidates(lots: Sequence[LotUse]) -> list[_Candidate]:
    """The expiry of every lot that has one, usable through the end of that day."""
    return [
        (
            dt.datetime.combine(lot.expiry, dt.time(23, 59, 59)).astimezone(),
            "lot-expiry",
            (
                f"{lot.product} lot {lot.lot} expires {lot.expiry.isoformat()} "
                "(usable through that day)"
            ),
        )
        for lot in lots
        if lot.expiry is not None
    ]


def _admixture_candidates(
    admixtures: Sequence[AdmixtureUse], compounded_at: dt.datetime
) -> list[_Candidate]:
    """The admixture stability of every product that gives one, from compounding."""
    return [
        (
            _after(compounded_at, admixture.within),
            "stability",
            (
                f"{admixture.product} is stable for {span(admixture.within)} once mixed "
                f"({admixture.storage})"
            ),
        )
        for admixture in admixtures
    ]


def _container_candidates(containers: Sequence[ContainerUse]) -> list[_Candidate]:
    """The in-use date of every opened container whose product gives in-use days."""
    candidates: list[_Candidate] = []
    for container in containers:
        if container.in_use_days is not None:
            opened = _time.local(container.opened_at)
            ends = _after(opened, dt.timedelta(days=container.in_use_days))
            which = (
                f"container {container.container_id} of "
                if container.container_id is not None
                else ""
            )
            candidates.append(
                (
                    ends,
                    "in-use",
                    (
                        f"{which}{container.product} lot {container.lot}, opened "
                        f"{_time.shown(opened)}, is usable "
                        f"{container.in_use_days} days after opening"
                    ),
                )
            )
    return candidates


@attrs.frozen(kw_only=True)
class AdmixtureUse:
    """A product with an admixture stability, used in a batch."""

    product: str
    within: dt.timedelta
    storage: str


#: Immediate use allows at most this many different sterile products (USP <797> 1.3).
IMMEDIATE_USE_PRODUCTS = 3


def immediate_use_problem(*, only_sterile: bool, products: int | None) -> str | None:
    """Why immediate use is not allowed (None when it is): SPEC §8.9, USP <797> 1.3."""
    if not only_sterile:
        return (
            "immediate use needs every component to be sterile, and a non-sterile component "
            "is used: give the preparation a category instead"
        )
    if products is None:
        return "immediate use allows at most 3 sterile products, and the number used is not known"
    if products > IMMEDIATE_USE_PRODUCTS:
        return (
            f"immediate use allows at most {IMMEDIATE_USE_PRODUCTS} different sterile products, "
            f"and {products} are used: give the preparation a category instead"
        )
    return None


def _after(start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """
    *delta* after *start* (an aware local instant), in local time: the earlier of the
    same wall-clock time and the exact elapsed time, so that a daylight-saving change
    never lengthens a beyond-use date.
    """
    elapsed = (start + delta).astimezone()
    wall = (start.replace(tzinfo=None) + delta).astimezone()
    return min(elapsed, wall)


def span(delta: dt.timedelta) -> str:
    """A BUD span for people: hours up to 48 hours, then days."""
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours <= 48 else f"{hours / 24:g} days"


def _unassigned(why: str, location: str) -> Finding:
    return Finding(
        code="bud.unassigned",
        severity="error",
        message=f"the beyond-use date cannot be assigned: {why}",
        location=location,
        source=EDITION,
    )


__all__ = [
    "BUD_TABLE",
    "EDITION",
    "IMMEDIATE_USE",
    "IMMEDIATE_USE_PRODUCTS",
    "STORAGE_RANGES",
    "AdmixtureUse",
    "Bud",
    "BudRow",
    "ContainerUse",
    "GovernedBy",
    "LotUse",
    "Storage",
    "assign_bud",
    "immediate_use_problem",
    "span",
    "table_row",
]
