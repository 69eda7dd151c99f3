"""
Stocktakes (SPEC §5): counted against expected per lot, at the moment of the count.

Each counted lot is compared with the fold of its journal entries up to ``counted_at``;
each variance becomes an adjustment (or a discard of a container not found, or a
receipt of one found) with the count's reason, recorded on top of whatever moved since:
movements made during the count are kept, not overwritten. Lots not counted are left
untouched; a lot the store does not know is received as found.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from mesoformula import _time
from mesoformula.allocation import to_ul
from mesoformula.catalog import Catalog
from mesoformula.exceptions import StockError
from mesoformula.sheets import CountSheet, Lot, OpenedContainer

from .ledger import MAIN_SITE
from .lots import discard_rest
from .receiving import receive_lot

if TYPE_CHECKING:
    from .store import Stock


@attrs.frozen(kw_only=True)
class CountLine:
    """One counted lot compared with what the store expected at the count."""

    product: str
    lot: str
    expected_unopened: int
    counted_unopened: int
    expected_opened_ul: tuple[int, ...]
    counted_opened_ul: tuple[int, ...]
    found: bool
    entries: tuple[int, ...]


def _iso(moment: dt.datetime) -> str:
    return _time.stored(moment)


def record_count(
    stock: Stock,
    sheet: CountSheet,
    catalog: Catalog,
    *,
    actor: str | None = None,
    site: str | None = None,
) -> list[CountLine]:
    """
    Record a stocktake of one site (the sheet's ``site``, else *site*, else ``main``):
    each counted lot at that site is compared with what the store expected at
    ``counted_at``; each variance is an adjustment with its reason, applied on top of
    movements recorded since (they are kept). Lots not counted, and every lot of other
    sites, are left untouched; a lot the site does not hold is received there as found.

    Raises:
        InsufficientStock: a variance would make a balance negative (stock moved
            since the count by more than was counted); nothing is recorded.
        StockError: a found lot whose product is not in the catalog.
    """
    who = actor or sheet.counted_by
    at = sheet.counted_at
    where = sheet.site or site or MAIN_SITE
    correlation = f"count {_iso(at)}" + ("" if where == MAIN_SITE else f" at {where}")
    lines = []
    with stock.transaction():
        for counted in sheet.lots:
            row = stock.ledger.db.execute(
                "SELECT lot_id FROM lots WHERE product = ? AND lot = ? AND "
                + stock.ledger.db.site_of()
                + " = ?",
                (counted.product, counted.lot, where),
            ).fetchone()
            if row is None:
                product = catalog.products.get(counted.product)
                if product is None:
                    raise StockError(
                        f"counted lot '{counted.lot}': product '{counted.product}' "
                        "is not in the catalog"
                    )
                found = Lot(
                    product=counted.product,
                    lot=counted.lot,
                    expiry=counted.expiry,
                    containers=counted.containers,
                    opened=tuple(OpenedContainer(at=at, remaining=r) for r in counted.opened),
                    # A lot nobody received is quarantined until someone checks it.
                    status="quarantine",
                )
                entries = receive_lot(
                    stock.ledger,
                    found,
                    product,
                    at=at,
                    actor=who,
                    reason="found in stocktake",
                    correlation=correlation,
                    site=where,
                )
                lines.append(
                    CountLine(
                        product=counted.product,
                        lot=counted.lot,
                        expected_unopened=0,
                        counted_unopened=counted.containers,
                        expected_opened_ul=(),
                        counted_opened_ul=tuple(to_ul(r.value) for r in counted.opened),
                        found=True,
                        entries=tuple(entries),
                    )
                )
                continue
            lines.append(
                _count_lot(stock, int(row[0]), counted, at=at, actor=who, correlation=correlation)
            )
    return lines


def _count_lot(
    stock: Stock, lot_id: int, counted: Any, *, at: dt.datetime, actor: str, correlation: str
) -> CountLine:
    expected_unopened, expected_containers = _fold_lot(stock, lot_id, until=at)
    entries = []
    variance = counted.containers - expected_unopened
    if variance:
        entries.append(
            stock.ledger.adjust(
                lot_id,
                reason=counted.reason,
                at=at,
                actor=actor,
                containers_delta=variance,
                correlation=correlation,
            )
        )
    counted_ul = [to_ul(r.value) for r in counted.opened]
    for index, (container_id, expected) in enumerate(expected_containers):
        if index < len(counted_ul):
            delta = counted_ul[index] - expected
            if delta:
                entries.append(
                    stock.ledger.adjust(
                        lot_id,
                        reason=counted.reason,
                        at=at,
                        actor=actor,
                        container_id=container_id,
                        volume_delta=delta,
                        correlation=correlation,
                    )
                )
        elif stock.ledger.container(container_id)[2]:  # live: what is left was not found
            entries.append(
                discard_rest(
                    stock.ledger,
                    lot_id,
                    container_id,
                    at=at,
                    actor=actor,
                    reason="not found in stocktake",
                    correlation=correlation,
                )
            )
    for extra in counted_ul[len(expected_containers) :]:
        container_id = stock.ledger.new_container(lot_id, at)
        entries.append(
            stock.ledger.append(
                "receive",
                lot_id,
                at=at,
                actor=actor,
                container_id=container_id,
                volume_delta=extra,
                live_delta=1,
                reason="opened container found in stocktake",
                correlation=correlation,
            )
        )
    row = stock.ledger.db.execute(
        "SELECT product, lot FROM lots WHERE lot_id = ?", (lot_id,)
    ).fetchone()
    return CountLine(
        product=row[0],
        lot=row[1],
        expected_unopened=expected_unopened,
        counted_unopened=counted.containers,
        expected_opened_ul=tuple(v for _, v in expected_containers),
        counted_opened_ul=tuple(counted_ul),
        found=False,
        entries=tuple(entries),
    )


def _fold_lot(
    stock: Stock, lot_id: int, *, until: dt.datetime
) -> tuple[int, list[tuple[int, int]]]:
    """Unopened containers and live containers' volumes of a lot as of *until*."""
    rows = stock.ledger.db.execute(
        "SELECT at, container_id, containers_delta, volume_delta, live_delta FROM journal"
        " WHERE lot_id = ? ORDER BY entry_id",
        (lot_id,),
    ).fetchall()
    until = _time.aware(until)
    unopened = 0
    volume: dict[int, int] = {}
    live: dict[int, int] = {}
    for at, container_id, cd, vd, ld in rows:
        if _time.read(at) > until:  # instants, never strings (an offset is not an order)
            continue
        unopened += cd
        if container_id is not None:
            volume[container_id] = volume.get(container_id, 0) + vd
            live[container_id] = live.get(container_id, 0) + ld
    containers = sorted(c for c, state in live.items() if state == 1)
    return unopened, [(c, volume[c]) for c in containers]


__all__ = [
    "CountLine",
    "record_count",
]
