"""
Read models of the store: lots with their balances, the allocation view, containers,
the journal, the stock sheet export and stored batches. Reads only; rows by name.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import attrs

from mesoformula.exceptions import UnknownEntry
from mesoformula.units import Quantity

from .allocation import (
    Allocation,
    ContainerState,
    Exclusion,
    LotState,
    Plan,
    Shortfall,
    Take,
    to_ml,
)
from .sheet import Lot, OpenedContainer, StockSheet


@attrs.frozen(kw_only=True)
class Entry:
    """One journal entry."""

    entry_id: int
    at: str
    recorded: str
    actor: str
    kind: str
    lot_id: int
    product: str
    lot: str
    container_id: int | None
    containers_delta: int
    volume_delta_ul: int
    live_delta: int
    status: str | None
    status_before: str | None
    reason: str
    correlation: str | None
    undoes: int | None


@attrs.frozen(kw_only=True)
class LotView:
    """A lot with its balance, for listings."""

    lot_id: int
    product: str
    lot: str
    expiry: dt.date | None
    received: dt.date | None
    location: str | None
    status: str
    unopened: int
    opened: tuple[ContainerState, ...]
    nominal_ul: int

    @property
    def volume_ul(self) -> int:
        """Everything usable in the lot: unopened containers and what opened ones hold."""
        return self.unopened * self.nominal_ul + sum(c.remaining_ul for c in self.opened)


def date_of(text: str | None) -> dt.date | None:
    """A stored date, or None."""
    return dt.date.fromisoformat(text) if text else None


@attrs.define
class Queries:
    """The read side of one SQLite connection."""

    db: sqlite3.Connection

    def lots(self, products: Sequence[str] | None = None) -> list[LotView]:
        """Every lot with its balance (of *products*, when given), by product and expiry."""
        query = (
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, l.location, b.status,"
            " b.unopened, l.nominal_ul FROM lots l JOIN lot_balance b USING (lot_id)"
        )
        params: list[Any] = []
        if products is not None:
            query += f" WHERE l.product IN ({','.join('?' * len(products))})"
            params = list(products)
        rows = self.db.execute(query, params).fetchall()
        containers = self.live_containers([int(r[0]) for r in rows])
        views = [
            LotView(
                lot_id=int(r[0]),
                product=r[1],
                lot=r[2],
                expiry=date_of(r[3]),
                received=date_of(r[4]),
                location=r[5],
                status=r[6],
                unopened=int(r[7]),
                opened=tuple(containers.get(int(r[0]), [])),
                nominal_ul=int(r[8]),
            )
            for r in rows
        ]
        views.sort(key=lambda v: (v.product, v.expiry is None, v.expiry or dt.date.max, v.lot))
        return views

    def live_containers(self, lot_ids: Sequence[int]) -> dict[int, list[ContainerState]]:
        found: dict[int, list[ContainerState]] = {}
        if not lot_ids:
            return found
        rows = self.db.execute(
            "SELECT c.lot_id, c.container_id, c.opened_at, b.remaining_ul FROM containers c"
            " JOIN container_balance b USING (container_id)"
            " WHERE b.live = 1 AND c.lot_id IN (SELECT value FROM json_each(?))"
            " ORDER BY c.opened_at, c.container_id",
            (json.dumps(list(lot_ids)),),
        ).fetchall()
        for lot_id, container_id, opened_at, remaining in rows:
            found.setdefault(int(lot_id), []).append(
                ContainerState(
                    container_id=int(container_id),
                    opened_at=dt.datetime.fromisoformat(opened_at),
                    remaining_ul=int(remaining),
                )
            )
        return found

    def states(self, products: Sequence[str]) -> list[LotState]:
        """The allocation view of every lot of *products*."""
        rows = self.db.execute(
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, b.status, b.unopened,"
            " l.nominal_ul, l.single_dose, l.in_use_days"
            " FROM lots l JOIN lot_balance b USING (lot_id)"
            f" WHERE l.product IN ({','.join('?' * len(products))})",
            list(products),
        ).fetchall()
        containers = self.live_containers([int(r[0]) for r in rows])
        return [
            LotState(
                lot_id=int(r[0]),
                product=r[1],
                lot=r[2],
                expiry=date_of(r[3]),
                received=date_of(r[4]),
                status=r[5],
                unopened=int(r[6]),
                containers=tuple(containers.get(int(r[0]), [])),
                nominal_ul=int(r[7]),
                single_dose=bool(r[8]),
                in_use_days=r[9],
            )
            for r in rows
        ]

    def containers(self, container_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Opening time, in-use days and single-dose flag of the given containers."""
        rows = self.db.execute(
            "SELECT c.container_id, c.opened_at, l.in_use_days, l.single_dose FROM containers c"
            " JOIN lots l USING (lot_id) WHERE c.container_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(container_ids)),),
        ).fetchall()
        return {
            int(r[0]): {
                "opened_at": dt.datetime.fromisoformat(r[1]),
                "in_use_days": r[2],
                "single_dose": bool(r[3]),
            }
            for r in rows
        }

    def history(self, lot_id: int | None = None, *, correlation: str | None = None) -> list[Entry]:
        """Journal entries, oldest first (of one lot, or of one batch / count)."""
        rows = self.db.execute(
            "SELECT j.entry_id, j.at, j.recorded, j.actor, j.kind, j.lot_id, l.product, l.lot,"
            " j.container_id, j.containers_delta, j.volume_delta, j.live_delta, j.status,"
            " j.status_before, j.reason, j.correlation, j.undoes"
            " FROM journal j JOIN lots l USING (lot_id)"
            " WHERE (? IS NULL OR j.lot_id = ?) AND (? IS NULL OR j.correlation = ?)"
            " ORDER BY j.entry_id",
            (lot_id, lot_id, correlation, correlation),
        ).fetchall()
        return [
            Entry(
                entry_id=r[0],
                at=r[1],
                recorded=r[2],
                actor=r[3],
                kind=r[4],
                lot_id=r[5],
                product=r[6],
                lot=r[7],
                container_id=r[8],
                containers_delta=r[9],
                volume_delta_ul=r[10],
                live_delta=r[11],
                status=r[12],
                status_before=r[13],
                reason=r[14],
                correlation=r[15],
                undoes=r[16],
            )
            for r in rows
        ]

    def export(self) -> StockSheet:
        """The store's lots as a stock sheet (unopened and opened containers, status)."""
        lots = []
        for view in self.lots():
            if view.unopened == 0 and not view.opened and view.status == "released":
                continue

            lots.append(
                Lot(
                    product=view.product,
                    lot=view.lot,
                    expiry=view.expiry,
                    containers=view.unopened,
                    opened=tuple(
                        OpenedContainer(
                            at=c.opened_at, remaining=Quantity(to_ml(c.remaining_ul), "mL")
                        )
                        for c in view.opened
                    ),
                    location=view.location,
                    status=view.status,  # type: ignore[arg-type]
                    received=view.received,
                )
            )
        return StockSheet(lots=tuple(lots))

    def batch(self, batch_id: str) -> dict[str, Any]:
        """
        The stored record of a consumed batch: formulation, version, checksum, time,
        actor, plan (allocations with container ids) and the record saved with it.

        Raises:
            UnknownEntry: no batch with that id.
        """
        row = self.db.execute(
            "SELECT batch_id, formulation, version, checksum, batches, at, actor, plan, record"
            " FROM batches WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no consumed batch '{batch_id}' in the store")
        return {
            "batch_id": row[0],
            "formulation": row[1],
            "version": row[2],
            "checksum": row[3],
            "batches": row[4],
            "at": row[5],
            "actor": row[6],
            "plan": json.loads(row[7]),
            "record": json.loads(row[8]),
        }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """A plan as stored with its batch (container ids included)."""
    return {
        "allocations": [
            {
                "product": a.product,
                "lot_id": a.lot_id,
                "lot": a.lot,
                "expiry": a.expiry.isoformat() if a.expiry else None,
                "takes": [attrs.asdict(t) for t in a.takes],
            }
            for a in plan.allocations
        ],
        "excluded": [attrs.asdict(e) for e in plan.excluded],
        "shortfalls": [attrs.asdict(s) for s in plan.shortfalls],
    }


def plan_from_json(text: str) -> Plan:
    """A plan stored with its batch, read back."""
    data = json.loads(text)
    return Plan(
        allocations=tuple(
            Allocation(
                product=a["product"],
                lot_id=a["lot_id"],
                lot=a["lot"],
                expiry=date_of(a["expiry"]),
                takes=tuple(Take(**t) for t in a["takes"]),
            )
            for a in data["allocations"]
        ),
        excluded=tuple(Exclusion(**e) for e in data["excluded"]),
        shortfalls=tuple(Shortfall(**s) for s in data["shortfalls"]),
    )


__all__ = ["Entry", "LotView", "Queries", "date_of", "plan_from_json", "plan_to_json"]
