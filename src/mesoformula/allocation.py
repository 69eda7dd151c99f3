"""
Allocation: which lots and containers a preparation draws from (SPEC §5).

A pure, deterministic function of the stock state, the needs and the time. The order:

1. opened containers still inside their in-use period (earliest effective expiry,
   then earliest opened, then container id);
2. unopened containers by earliest lot expiry (no expiry last), then earliest
   received, then lot id.

Expired, quarantined and recalled lots are never allocated; opened containers past their
in-use period and empty lots are passed over; every lot passed over is reported with
its reason (``expired``, ``quarantine``, ``recalled``, ``in-use-expired``, ``empty``).
Single-dose containers are used whole: what is not drawn is waste. Volumes are exact
integers in microlitres.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import attrs

from mesoformula._time import aware
from mesoformula.units import Quantity

Reason = Literal["expired", "quarantine", "recalled", "in-use-expired", "empty"]

#: The ledger's unit: 1 mL = 1000 µL, kept as integers so sums are exact.
UL_PER_ML = 1000


def to_ul(ml: float) -> int:
    """Millilitres to whole microlitres (the ledger's resolution)."""
    return round(ml * UL_PER_ML)


def to_ml(ul: int) -> float:
    """Whole microlitres to millilitres."""
    return ul / UL_PER_ML


def ml_quantity(microlitres: int) -> Quantity:
    """A ledger volume as a quantity in mL (its JSON: ``{"value": mL, "unit": "mL"}``)."""
    return Quantity(to_ml(microlitres), "mL")


@attrs.frozen(kw_only=True)
class ContainerState:
    """An opened container: when it was opened and what is left, in µL."""

    container_id: int
    #: When it was opened (an aware instant; naive means local time).
    opened_at: dt.datetime = attrs.field(converter=aware)
    remaining_ul: int


@attrs.frozen(kw_only=True)
class LotState:
    """
    What allocation needs to know of a lot.

    Attributes:
        lot_id: The store's id (the last tie-breaker).
        product: Product id.
        lot: Lot number.
        expiry: Expiry date (usable through its end); None never expires.
        received: Date received.
        status: ``released``, ``quarantine`` or ``recalled``.
        unopened: Unopened containers.
        containers: Opened containers, live ones only.
        nominal_ul: Volume of one container.
        single_dose: Containers are used whole (the rest is waste).
        in_use_days: Days an opened multi-dose container may be used.
        location: Where the lot is kept (for listings).
        site: The site that holds the lot.

    The store's listings use the same class (``LotView`` is this class).
    """

    lot_id: int
    product: str
    lot: str
    expiry: dt.date | None
    received: dt.date | None
    status: str
    unopened: int
    containers: tuple[ContainerState, ...]
    nominal_ul: int
    single_dose: bool = False
    in_use_days: int | None = None
    location: str | None = None
    site: str = "main"

    @property
    def opened(self) -> tuple[ContainerState, ...]:
        """The opened containers (live ones)."""
        return self.containers

    @property
    def volume_ul(self) -> int:
        """Everything usable in the lot: unopened containers and what opened ones hold."""
        return self.unopened * self.nominal_ul + sum(c.remaining_ul for c in self.containers)


@attrs.frozen(kw_only=True)
class Need:
    """Volume of a product that a preparation needs, in µL."""

    product: str
    volume_ul: int


@attrs.frozen(kw_only=True)
class Take:
    """A draw from one container: an opened one, or one opened for this batch."""

    container_id: int | None  # None: a container opened by this allocation
    volume_ul: int
    opens: bool
    waste_ul: int


@attrs.frozen(kw_only=True)
class Allocation:
    """What is drawn from one lot."""

    product: str
    lot_id: int
    lot: str
    expiry: dt.date | None
    takes: tuple[Take, ...]

    @property
    def volume_ul(self) -> int:
        """Volume drawn from this lot."""
        return sum(t.volume_ul for t in self.takes)

    @property
    def containers_opened(self) -> int:
        """Containers this allocation opens."""
        return sum(1 for t in self.takes if t.opens)

    @property
    def waste_ul(self) -> int:
        """Single-dose remainder discarded."""
        return sum(t.waste_ul for t in self.takes)


@attrs.frozen(kw_only=True)
class Exclusion:
    """A lot (or opened container) passed over, and why."""

    product: str
    lot_id: int
    lot: str
    reason: Reason
    container_id: int | None = None


@attrs.frozen(kw_only=True)
class Shortfall:
    """A product short of what is needed."""

    product: str
    needed_ul: int
    available_ul: int


@attrs.frozen(kw_only=True)
class Plan:
    """The result of :func:`allocate`: allocations, or shortfalls; and exclusions."""

    allocations: tuple[Allocation, ...]
    excluded: tuple[Exclusion, ...]
    shortfalls: tuple[Shortfall, ...]

    @property
    def ok(self) -> bool:
        """Whether every need is met."""
        return not self.shortfalls


def usable_until(lot: LotState) -> dt.datetime | None:
    """The end of the lot's expiry day, or None when it does not expire."""
    if lot.expiry is None:
        return None
    return dt.datetime.combine(lot.expiry, dt.time.max).astimezone()


def expired(lot: LotState, at: dt.datetime) -> bool:
    """Whether *lot* is past its expiry at *at* (it is usable through its expiry day)."""
    until = usable_until(lot)
    return until is not None and aware(at) > until


def container_until(lot: LotState, container: ContainerState) -> dt.datetime | None:
    """
    When an opened container stops being usable: the earlier of the lot's expiry
    (end of day) and opening + the in-use period. Single-dose containers are never
    usable once opened (no storage after opening).
    """
    limit = usable_until(lot)
    if lot.single_dose:
        return container.opened_at
    if lot.in_use_days is not None:
        in_use = container.opened_at + dt.timedelta(days=lot.in_use_days)
        limit = in_use if limit is None else min(limit, in_use)
    return limit


def usable_ul(lot: LotState, at: dt.datetime) -> tuple[int, str | None]:
    """
    What a plan at *at* could draw from *lot* (SPEC §9.5), and why the rest is not
    usable: nothing from an expired, quarantined or recalled lot; from an opened
    container only while it is inside its in-use period (never a single-dose one).
    """
    reason = _lot_reason(lot, aware(at))
    if reason is not None:
        return 0, reason
    usable = lot.unopened * lot.nominal_ul
    stale = 0
    for container in lot.opened:
        until = container_until(lot, container)
        if until is None or aware(at) <= until:
            usable += container.remaining_ul
        else:
            stale += container.remaining_ul
    return usable, ("in-use-expired" if stale else None)


def _lot_reason(lot: LotState, at: dt.datetime) -> Reason | None:
    if lot.status == "recalled":
        return "recalled"
    if lot.status == "quarantine":
        return "quarantine"
    until = usable_until(lot)
    if until is not None and at > until:
        return "expired"
    return None


def allocate(needs: Sequence[Need], lots: Sequence[LotState], *, at: dt.datetime) -> Plan:
    """
    Allocate *needs* from *lots* at time *at*; pure and deterministic.

    Needs of the same product are met together, in the order given. The plan holds
    the allocations when every need is met, otherwise the shortfalls (and no
    allocations for the short products).
    """
    at = aware(at)
    by_product: dict[str, list[LotState]] = {}
    for lot in lots:
        by_product.setdefault(lot.product, []).append(lot)
    totals: dict[str, int] = {}
    for need in needs:
        totals[need.product] = totals.get(need.product, 0) + need.volume_ul

    allocations: list[Allocation] = []
    excluded: list[Exclusion] = []
    shortfalls: list[Shortfall] = []
    for product, needed in totals.items():
        candidates = by_product.get(product, [])
        opened: list[tuple[tuple[object, ...], LotState, ContainerState]] = []
        unopened: list[tuple[tuple[object, ...], LotState]] = []
        for lot in candidates:
            reason = _lot_reason(lot, at)
            if reason is not None:
                excluded.append(_exclusion(lot, reason))
                continue
            live = [c for c in lot.containers if c.remaining_ul > 0]
            if lot.unopened == 0 and not live:
                excluded.append(_exclusion(lot, "empty"))
                continue
            for container in live:
                until = container_until(lot, container)
                if until is not None and at > until:
                    excluded.append(_exclusion(lot, "in-use-expired", container.container_id))
                    continue
                key = (
                    until is None,
                    until or dt.datetime.max,
                    container.opened_at,
                    container.container_id,
                )
                opened.append((key, lot, container))
            if lot.unopened > 0:
                expiry_key = (lot.expiry is None, lot.expiry or dt.date.max)
                received_key = (lot.received is None, lot.received or dt.date.max)
                unopened.append(((*expiry_key, *received_key, lot.lot_id), lot))
        opened.sort(key=lambda item: item[0])
        unopened.sort(key=lambda item: item[0])

        available = sum(c.remaining_ul for _, _, c in opened) + sum(
            lot.unopened * lot.nominal_ul for _, lot in unopened
        )
        if available < needed:
            shortfalls.append(Shortfall(product=product, needed_ul=needed, available_ul=available))
            continue
        allocations.extend(_take(needed, opened, unopened))
    return Plan(
        allocations=tuple(allocations), excluded=tuple(excluded), shortfalls=tuple(shortfalls)
    )


def _take(
    needed: int,
    opened: list[tuple[tuple[object, ...], LotState, ContainerState]],
    unopened: list[tuple[tuple[object, ...], LotState]],
) -> list[Allocation]:
    takes: dict[int, list[Take]] = {}
    lots: dict[int, LotState] = {}
    left = needed
    for _, lot, container in opened:
        if left == 0:
            break
        volume = min(left, container.remaining_ul)
        takes.setdefault(lot.lot_id, []).append(
            Take(container_id=container.container_id, volume_ul=volume, opens=False, waste_ul=0)
        )
        lots[lot.lot_id] = lot
        left -= volume
    for _, lot in unopened:
        for _ in range(lot.unopened):
            if left == 0:
                break
            volume = min(left, lot.nominal_ul)
            waste = lot.nominal_ul - volume if lot.single_dose else 0
            takes.setdefault(lot.lot_id, []).append(
                Take(container_id=None, volume_ul=volume, opens=True, waste_ul=waste)
            )
            lots[lot.lot_id] = lot
            left -= volume
    assert left == 0  # guaranteed by the availability check
    return [
        Allocation(
            product=lots[lot_id].product,
            lot_id=lot_id,
            lot=lots[lot_id].lot,
            expiry=lots[lot_id].expiry,
            takes=tuple(lot_takes),
        )
        for lot_id, lot_takes in takes.items()
    ]


def _exclusion(lot: LotState, reason: Reason, container_id: int | None = None) -> Exclusion:
    return Exclusion(
        product=lot.product,
        lot_id=lot.lot_id,
        lot=lot.lot,
        reason=reason,
        container_id=container_id,
    )


__all__ = [
    "UL_PER_ML",
    "Allocation",
    "ContainerState",
    "Exclusion",
    "LotState",
    "Need",
    "Plan",
    "Reason",
    "Shortfall",
    "Take",
    "allocate",
    "container_until",
    "expired",
    "ml_quantity",
    "to_ml",
    "to_ul",
    "usable_until",
]
