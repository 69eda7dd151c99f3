"""
Read models of the store: lots with their balances, the allocation view, containers,
the journal, the stock sheet export and stored batches. Reads only; rows by name.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from mesoformula import _time
from mesoformula._json import JSONObject
from mesoformula.exceptions import UnknownEntry
from mesoformula.units import Quantity

if TYPE_CHECKING:
    from mesoformula.course import Administration
    from mesoformula.snapshot import BatchSnapshot

    from ._engine import Engine

from mesoformula.allocation import (
    Allocation,
    ContainerState,
    Exclusion,
    LotState,
    Plan,
    Shortfall,
    Take,
    to_ml,
)
from mesoformula.journal import Entry
from mesoformula.sheets import Lot, OpenedContainer, StockSheet


def date_of(text: str | None) -> dt.date | None:
    """A stored date, or None."""
    return dt.date.fromisoformat(text) if text else None


#: A lot with its balance, for listings: the allocation view, which carries the location.
LotView = LotState


@attrs.frozen(kw_only=True)
class ContainerInfo:
    """What the beyond-use date needs of an opened container."""

    opened_at: dt.datetime
    in_use_days: int | None
    single_dose: bool


@attrs.frozen(kw_only=True)
class BatchVoid:
    """
    A voided batch: when, by whom, why, and how (SPEC §9.5): ``not-prepared`` (a
    recording mistake, the stock came back), ``destroyed`` (made and discarded, the
    stock stays used), or None for a void from before schema version 11 (reversed).
    """

    at: dt.datetime
    actor: str
    reason: str
    kind: str | None = None


@attrs.frozen(kw_only=True)
class BatchVerification:
    """The pharmacist's check that releases a batch: who and when."""

    at: dt.datetime
    verifier: str


@attrs.frozen(kw_only=True)
class StoredBatch:
    """
    A consumed batch as stored: who, when, which formulation version, the plan with
    container ids, and the snapshot saved for its record (JSON data).
    """

    batch_id: str
    formulation: str
    version: int
    checksum: str
    batches: int
    at: dt.datetime
    actor: str
    plan: Plan
    snapshot: BatchSnapshot
    void: BatchVoid | None = None
    verification: BatchVerification | None = None


#: A lot that holds something: unopened containers or a live opened one (the cache;
#: plan and consume re-derive every lot they read from the journal).
HOLDING = (
    "(b.unopened > 0 OR EXISTS (SELECT 1 FROM containers c JOIN container_balance cb"
    " USING (container_id) WHERE c.lot_id = l.lot_id AND cb.live = 1))"
)


@attrs.define
class Queries:
    """The read side of one store's connection (rows read by column name)."""

    db: Engine

    def _lot_states(self, where: str = "", params: Sequence[Any] = ()) -> list[LotState]:
        rows = self.db.execute(
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, l.location, b.status,"
            " b.unopened, l.nominal_ul, l.single_dose, l.in_use_days, "
            + self.db.site_of("l")
            + " AS site"
            " FROM lots l JOIN lot_balance b USING (lot_id)" + where,
            list(params),
        ).fetchall()
        containers = self.live_containers([int(r["lot_id"]) for r in rows])
        return [
            LotState(
                lot_id=int(r["lot_id"]),
                product=r["product"],
                lot=r["lot"],
                expiry=date_of(r["expiry"]),
                received=date_of(r["received"]),
                location=r["location"],
                status=r["status"],
                unopened=int(r["unopened"]),
                containers=tuple(containers.get(int(r["lot_id"]), [])),
                nominal_ul=int(r["nominal_ul"]),
                single_dose=bool(r["single_dose"]),
                in_use_days=r["in_use_days"],
                site=r["site"],
            )
            for r in rows
        ]

    def lots(
        self,
        products: Sequence[str] | None = None,
        *,
        used_up: bool = False,
        site: str | None = None,
    ) -> list[LotView]:
        """
        The lots that hold something (every lot with *used_up*) with their balances, of
        *products* and at *site* when given, by product, expiry and site.
        """
        where = [] if used_up else [HOLDING]
        params: list[Any] = []
        if products is not None:
            where.append(f"l.product IN ({','.join('?' * len(products))})")
            params.extend(products)
        if site is not None:
            where.append(self.db.site_of("l") + " = ?")
            params.append(site)
        views = self._lot_states(" WHERE " + " AND ".join(where) if where else "", params)
        views.sort(
            key=lambda v: (v.product, v.expiry is None, v.expiry or dt.date.max, v.lot, v.site)
        )
        return views

    def states(self, products: Sequence[str], site: str | None = None) -> list[LotState]:
        """
        The allocation view of the lots of *products* (at *site* when given) that hold
        something: a used-up lot has nothing to give, and a history of thousands of them
        costs a plan nothing.
        """
        at_site = "" if site is None else f" AND {self.db.site_of('l')} = ?"
        return self._lot_states(
            f" WHERE l.product IN ({','.join('?' * len(products))}) AND {HOLDING}{at_site}",
            [*products, *([] if site is None else [site])],
        )

    def live_containers(self, lot_ids: Sequence[int]) -> dict[int, list[ContainerState]]:
        """The live (opened, not used up) containers of *lot_ids*, oldest first."""
        found: dict[int, list[ContainerState]] = {}
        if not lot_ids:
            return found
        rows = self.db.execute(
            "SELECT c.lot_id, c.container_id, c.opened_at, b.remaining_ul FROM containers c"
            " JOIN container_balance b USING (container_id)"
            " WHERE b.live = 1 AND "
            + self.db.in_ids("c.lot_id")
            + " ORDER BY c.opened_at, c.container_id",
            (self.db.ids(lot_ids),),
        ).fetchall()
        for row in rows:
            found.setdefault(int(row["lot_id"]), []).append(
                ContainerState(
                    container_id=int(row["container_id"]),
                    opened_at=_time.read(row["opened_at"]),
                    remaining_ul=int(row["remaining_ul"]),
                )
            )
        return found

    def containers(self, container_ids: Sequence[int]) -> dict[int, ContainerInfo]:
        """Opening time, in-use days and single-dose flag of the given containers."""
        rows = self.db.execute(
            "SELECT c.container_id, c.opened_at, l.in_use_days, l.single_dose FROM containers c"
            " JOIN lots l USING (lot_id) WHERE " + self.db.in_ids("c.container_id"),
            (self.db.ids(container_ids),),
        ).fetchall()
        return {
            int(r["container_id"]): ContainerInfo(
                opened_at=_time.read(r["opened_at"]),
                in_use_days=r["in_use_days"],
                single_dose=bool(r["single_dose"]),
            )
            for r in rows
        }

    def entry(self, entry_id: int) -> Entry | None:
        """One journal entry, or None."""
        row = self.db.execute(
            "SELECT j.entry_id, j.at, j.recorded, j.actor, j.kind, j.lot_id, l.product, l.lot,"
            " j.container_id, j.containers_delta, j.volume_delta AS volume_delta_ul,"
            " j.live_delta, j.status, j.status_before, j.reason, j.correlation, j.undoes"
            " FROM journal j JOIN lots l USING (lot_id) WHERE j.entry_id = ?",
            (entry_id,),
        ).fetchone()
        return None if row is None else Entry(**dict(zip(row.keys(), row, strict=True)))

    def history(self, lot_id: int | None = None, *, correlation: str | None = None) -> list[Entry]:
        """Journal entries, oldest first (of one lot, or of one batch / count)."""
        rows = self.db.execute(
            "SELECT j.entry_id, j.at, j.recorded, j.actor, j.kind, j.lot_id, l.product, l.lot,"
            " j.container_id, j.containers_delta, j.volume_delta AS volume_delta_ul,"
            " j.live_delta, j.status, j.status_before, j.reason, j.correlation, j.undoes"
            " FROM journal j JOIN lots l USING (lot_id)"
            " WHERE (CAST(? AS BIGINT) IS NULL OR j.lot_id = ?)"
            " AND (CAST(? AS TEXT) IS NULL OR j.correlation = ?)"
            " ORDER BY j.entry_id",
            (lot_id, lot_id, correlation, correlation),
        ).fetchall()
        return [Entry(**dict(zip(row.keys(), row, strict=True))) for row in rows]

    def administrations(
        self, *, patient: str | None = None, batch_id: str | None = None
    ) -> list[Administration]:
        """
        The doses given (of one patient, or from one batch), oldest first, each with the
        undo that took it back, if any. The compensating rows themselves are not listed.
        """
        from mesoformula.course import Administration, Dose, Undone  # noqa: PLC0415

        # Only the filters given, so that the engine searches their index (a filter
        # written "? IS NULL OR column = ?" makes it scan every administration).
        filters = (("patient", patient), ("batch_id", batch_id))
        wanted = [(c, v) for c, v in filters if v is not None]
        where = " WHERE a.kind = 'give'" + "".join(f" AND a.{c} = ?" for c, _ in wanted)
        values = tuple(value for _, value in wanted)
        rows = self.db.execute(
            "SELECT a.administration_id, a.batch_id, a.patient, a.at, a.volume_ul, a.actor,"
            " a.doses, " + ("a.area" if self.db.has_areas() else "NULL AS area") + ","
            " u.administration_id AS undo_id, u.at AS undo_at, u.actor AS undo_actor,"
            " u.reason AS undo_reason"
            " FROM administrations a"
            " LEFT JOIN administrations u ON u.undoes = a.administration_id"
            + where
            + " ORDER BY a.at, a.administration_id",
            values,
        ).fetchall()
        # The formulation of each batch given from, read once per batch (not once per
        # dose: its name is inside the batch's record).
        formulations = {
            str(r[0]): (str(r[1]), r[2])
            for r in self.db.execute(
                "SELECT batch_id, formulation, "
                + self.db.json_field("record", "formulation_name")
                + " FROM batches WHERE batch_id IN (SELECT a.batch_id FROM administrations a"
                + where
                + ")",
                values,
            )
        }

        @functools.cache
        def doses(text: str) -> tuple[Dose, ...]:
            # The doses of one volume from one batch are the same text: read it once.
            return tuple(
                Dose(ingredient=k, value=float(v[0]), unit=str(v[1]))
                for k, v in json.loads(text).items()
            )

        return [
            Administration(
                number=int(r["administration_id"]),
                batch_id=r["batch_id"],
                patient=r["patient"],
                at=_time.read(r["at"]),
                volume_ml=to_ml(int(r["volume_ul"])),
                actor=r["actor"],
                formulation=formulations[r["batch_id"]][0],
                formulation_name=formulations[r["batch_id"]][1],
                area=r["area"],
                doses=doses(r["doses"]),
                undone=None
                if r["undo_id"] is None
                else Undone(
                    number=int(r["undo_id"]),
                    at=_time.read(r["undo_at"]),
                    actor=r["undo_actor"],
                    reason=r["undo_reason"],
                ),
            )
            for r in rows
        ]

    def batch(self, batch_id: str) -> StoredBatch:
        """
        The stored record of a consumed batch: formulation, version, checksum, time,
        actor, plan (allocations with container ids) and the snapshot saved with it.

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
        from mesoformula.files import read_snapshot  # noqa: PLC0415 - only a record reads it

        return StoredBatch(
            batch_id=row["batch_id"],
            formulation=row["formulation"],
            version=row["version"],
            checksum=row["checksum"],
            batches=row["batches"],
            at=_time.read(row["at"]),
            actor=row["actor"],
            plan=plan_from_json(row["plan"]),
            snapshot=read_snapshot(json.loads(row["record"])),
            void=self._void(batch_id),
            verification=self._verification(batch_id),
        )

    def _verification(self, batch_id: str) -> BatchVerification | None:
        row = self.db.execute(
            "SELECT at, verifier FROM verifications WHERE batch_id = ?", (batch_id,)
        ).fetchone()
        if row is None:
            return None
        return BatchVerification(at=_time.read(row["at"]), verifier=row["verifier"])

    def _void(self, batch_id: str) -> BatchVoid | None:
        kind = "kind" if "kind" in self.db.columns("voids") else "NULL AS kind"
        row = self.db.execute(
            f"SELECT at, actor, reason, {kind} FROM voids WHERE batch_id = ?", (batch_id,)
        ).fetchone()
        if row is None:
            return None
        return BatchVoid(
            at=_time.read(row["at"]), actor=row["actor"], reason=row["reason"], kind=row["kind"]
        )

    def export(self) -> StockSheet:
        """The store's lots as a stock sheet (unopened and opened containers, status)."""
        lots = []
        for view in self.lots(used_up=True):
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
                    site=None if view.site == "main" else view.site,
                )
            )
        return StockSheet(lots=tuple(lots))


def plan_to_json(plan: Plan) -> JSONObject:
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


__all__ = [
    "HOLDING",
    "BatchVerification",
    "BatchVoid",
    "ContainerInfo",
    "Entry",
    "LotView",
    "Queries",
    "StoredBatch",
    "date_of",
    "plan_from_json",
    "plan_to_json",
]
