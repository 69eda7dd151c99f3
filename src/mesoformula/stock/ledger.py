"""
The ledger: the append-only, hash-chained journal and the balance cache it keeps, and
the write primitives the store's commands are made of (SPEC §5).

Every primitive expects the caller to hold the write transaction (:meth:`Ledger.transaction`,
``BEGIN IMMEDIATE``); each appends journal entries and folds them into the cache in that
same transaction, so the cache never disagrees with the journal after a commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import attrs

from mesoformula import _time
from mesoformula.allocation import to_ml
from mesoformula.exceptions import EntryOrderError, InsufficientStock, StockError, UnknownEntry

from . import seals
from ._engine import Cursor, Engine

Status = Literal["released", "quarantine", "recalled"]

#: The site of a lot received without one (every lot of a store made before sites).
MAIN_SITE = "main"
STATUS_KIND = {"quarantine": "quarantine", "released": "release", "recalled": "recall"}

#: How far after the clock a write may be dated (SPEC §9.5): a clock a little behind
#: is tolerated, a typed year (2999) is not. Reads may look ahead as far as they like.
FUTURE_WRITES = dt.timedelta(hours=24)


def _first(cursor: Cursor) -> str | None:
    row = cursor.fetchone()
    return None if row is None or row[0] is None else str(row[0])


def iso(moment: dt.datetime) -> str:
    """An instant as stored: ISO 8601 in UTC to the second, with its offset (SPEC §8.4)."""
    return _time.stored(moment)


@attrs.define
class Ledger:
    """The journal and balance cache of one store's connection."""

    db: Engine
    #: What a write transaction has read or written already, kept only while it holds
    #: the write lock (nobody else can append then): the chain's head, each lot's
    #: receipt times, and the facts of lots and containers (rows the library never
    #: changes). Each saves a query an entry, a round trip on a server.
    _head: tuple[int, str] | None = attrs.field(default=None, init=False)
    _receipts: dict[int, list[str]] = attrs.field(factory=dict, init=False)
    _facts: dict[tuple[int, int | None], str] = attrs.field(factory=dict, init=False)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction holding the store's write lock (see :mod:`._engine`)."""
        self._forget()
        self.db.begin_write()
        try:
            yield
        except BaseException:
            self._forget()
            self.db.rollback()
            raise
        self._forget()
        self.db.commit()

    def _forget(self) -> None:
        self._head = None
        self._receipts.clear()
        self._facts.clear()

    def append(
        self,
        kind: str,
        lot_id: int,
        *,
        at: dt.datetime,
        actor: str,
        container_id: int | None = None,
        containers_delta: int = 0,
        volume_delta: int = 0,
        live_delta: int = 0,
        status: str | None = None,
        status_before: str | None = None,
        reason: str = "",
        correlation: str | None = None,
        undoes: int | None = None,
    ) -> int:
        """
        Append one entry and fold it into the cache; the caller holds the write lock.

        Raises:
            EntryOrderError: the entry would be dated before an entry it depends on, or
                more than :data:`FUTURE_WRITES` after the clock.
        """
        if _time.utc(at) > _time.now() + FUTURE_WRITES:
            raise EntryOrderError(
                f"an entry dated {_time.shown(at)} is more than 24 hours after the clock "
                f"({_time.shown(_time.now())}): a write cannot be dated in the future"
            )
        self.check_order(kind, lot_id, at=at, container_id=container_id, undoes=undoes)
        entry_id = self.db.next_entry_id()
        if self._head is not None and self._head[0] == entry_id - 1:
            prev = self._head[1]
        else:
            last = self.db.execute(
                "SELECT hash FROM journal ORDER BY entry_id DESC LIMIT 1"
            ).fetchone()
            prev = last[0] if last else seals.GENESIS
        recorded = iso(_time.now())
        fields = (
            entry_id,
            iso(at),
            recorded,
            actor,
            kind,
            lot_id,
            container_id,
            containers_delta,
            volume_delta,
            live_delta,
            status,
            status_before,
            reason,
            correlation,
            undoes,
        )
        seal = (reason, correlation or "") if kind == "seal" else None
        if seal is None and (lot_id, container_id) in self._facts:
            facts = self._facts[(lot_id, container_id)]
        else:
            facts = seals.facts_of(self.db, lot_id, container_id, seal)
            if seal is None:
                self._facts[(lot_id, container_id)] = facts
        digest = seals.entry_hash(prev, fields, facts)
        self.db.execute(
            "INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id, container_id,"
            " containers_delta, volume_delta, live_delta, status, status_before, reason,"
            " correlation, undoes, prev_hash, hash, facts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev, digest, facts),
        )
        self._head = (entry_id, digest)
        if kind == "receive" and lot_id in self._receipts:
            self._receipts[lot_id].append(fields[1])
        self.fold_into_cache(
            lot_id,
            container_id=container_id,
            containers_delta=containers_delta,
            volume_delta=volume_delta,
            live_delta=live_delta,
            status=status,
        )
        return entry_id

    def check_order(
        self,
        kind: str,
        lot_id: int,
        *,
        at: dt.datetime,
        container_id: int | None = None,
        undoes: int | None = None,
    ) -> None:
        """
        Refuse an entry dated before one it depends on (SPEC §8.4): anything but a
        receipt before the lot's first receipt, a movement of an opened container
        before its opening, an undo before what it undoes. Instants are compared as
        instants (a stored text without an offset is local time).

        Raises:
            EntryOrderError: naming the entry it would precede and both instants.
        """
        moment = _time.utc(at)

        def before(text: str | None, what: str) -> None:
            if text is not None and moment < _time.read(text):
                raise EntryOrderError(
                    f"an entry ({kind}) dated {_time.shown(moment)} would come before {what} "
                    f"({_time.shown(_time.read(text))}); entries cannot be backdated "
                    "before what they depend on"
                )

        if undoes is not None:
            row = self.db.execute("SELECT at FROM journal WHERE entry_id = ?", (undoes,))
            before(_first(row), f"entry {undoes}, which it undoes")
        if kind == "receive":
            return
        receipts = self._receipts.get(lot_id)
        if receipts is None:
            receipts = self._receipts[lot_id] = [
                str(r[0])
                for r in self.db.execute(
                    "SELECT at FROM journal WHERE lot_id = ? AND kind = 'receive'", (lot_id,)
                )
            ]
        if receipts:
            earliest = min(receipts, key=_time.read)  # instants, not texts
            before(earliest, f"the lot's receipt (lot id {lot_id})")
        if container_id is not None and kind != "open":
            row = self.db.execute(
                "SELECT opened_at FROM containers WHERE container_id = ?", (container_id,)
            )
            before(_first(row), f"the opening of container {container_id}")

    def fold_into_cache(
        self,
        lot_id: int,
        *,
        container_id: int | None,
        containers_delta: int,
        volume_delta: int,
        live_delta: int,
        status: str | None,
    ) -> None:
        if containers_delta or status is not None:
            self.db.execute(
                "UPDATE lot_balance SET unopened = unopened + ?,"
                " status = COALESCE(CAST(? AS TEXT), status) WHERE lot_id = ?",
                (containers_delta, status, lot_id),
            )
        if container_id is not None and (volume_delta or live_delta):
            updated = self.db.execute(
                "UPDATE container_balance SET remaining_ul = remaining_ul + ?, live = live + ?"
                " WHERE container_id = ?",
                (volume_delta, live_delta, container_id),
            ).rowcount
            if not updated:
                self.db.execute(
                    "INSERT INTO container_balance (container_id, remaining_ul, live)"
                    " VALUES (?, ?, ?)",
                    (container_id, volume_delta, live_delta),
                )

    def lot_row(self, lot_id: int) -> tuple[Any, ...]:
        row = self.db.execute(
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, l.location, b.status,"
            " b.unopened, l.nominal_ul, l.single_dose, l.in_use_days"
            " FROM lots l JOIN lot_balance b USING (lot_id) WHERE l.lot_id = ?",
            (lot_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no lot with id {lot_id}")
        return row  # type: ignore[no-any-return]

    def new_container(self, lot_id: int, opened_at: dt.datetime) -> int:
        cursor = self.db.execute(
            "INSERT INTO containers (lot_id, opened_at) VALUES (?, ?) RETURNING container_id",
            (lot_id, iso(opened_at)),
        )
        return int(cursor.fetchone()[0])

    def open_container(
        self, lot_id: int, *, at: dt.datetime, actor: str, reason: str, correlation: str | None
    ) -> tuple[int, int]:
        row = self.lot_row(lot_id)
        if row[7] < 1:
            raise InsufficientStock(f"lot '{row[2]}' has no unopened container to open")
        container_id = self.new_container(lot_id, at)
        entry = self.append(
            "open",
            lot_id,
            at=at,
            actor=actor,
            container_id=container_id,
            containers_delta=-1,
            volume_delta=int(row[8]),
            live_delta=1,
            reason=reason,
            correlation=correlation,
        )
        return entry, container_id

    def container(self, container_id: int) -> tuple[int, int, int]:
        row = self.db.execute(
            "SELECT c.lot_id, b.remaining_ul, b.live FROM containers c"
            " JOIN container_balance b USING (container_id) WHERE c.container_id = ?",
            (container_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no opened container with id {container_id}")
        return int(row[0]), int(row[1]), int(row[2])

    def draw(
        self,
        container_id: int,
        volume: int,
        *,
        at: dt.datetime,
        actor: str,
        reason: str,
        correlation: str | None,
    ) -> int:
        lot_id, remaining, live = self.container(container_id)
        if not live or volume > remaining or volume <= 0:
            raise InsufficientStock(
                f"container {container_id} holds {to_ml(remaining):g} mL"
                + ("" if live else " and is closed")
                + f"; cannot draw {to_ml(volume):g} mL"
            )
        emptied = volume == remaining
        return self.append(
            "draw",
            lot_id,
            at=at,
            actor=actor,
            container_id=container_id,
            volume_delta=-volume,
            live_delta=-1 if emptied else 0,
            reason=reason or ("emptied" if emptied else ""),
            correlation=correlation,
        )

    def adjust(
        self,
        lot_id: int,
        *,
        reason: str,
        at: dt.datetime,
        actor: str,
        containers_delta: int = 0,
        container_id: int | None = None,
        volume_delta: int = 0,
        correlation: str | None = None,
    ) -> int:
        row = self.lot_row(lot_id)
        if row[7] + containers_delta < 0:
            raise InsufficientStock(
                f"lot '{row[2]}' has {row[7]} unopened container(s); an adjustment of "
                f"{containers_delta} would make it negative"
            )
        live_delta = 0
        if container_id is not None:
            _, remaining, live = self.container(container_id)
            if remaining + volume_delta < 0:
                raise InsufficientStock(
                    f"container {container_id} holds {to_ml(remaining):g} mL; an adjustment of "
                    f"{to_ml(volume_delta):g} mL would make it negative"
                )
            if live and remaining + volume_delta == 0:
                live_delta = -1
        return self.append(
            "adjust",
            lot_id,
            at=at,
            actor=actor,
            containers_delta=containers_delta,
            container_id=container_id,
            volume_delta=volume_delta,
            live_delta=live_delta,
            reason=reason,
            correlation=correlation,
        )

    def seal(
        self,
        subject: str,
        batch_id: str,
        *,
        at: dt.datetime,
        actor: str,
        key: int | None = None,
    ) -> int | None:
        """
        Append a seal: an entry without movement whose facts are the row of *subject*
        (``batch``, ``void``, ``verification`` of *batch_id*, or ``administration`` number
        *key*), so the hash chain covers it. The seal sits on the lot of the batch's first
        entry; a batch without journal entries has nothing to seal it to (None).
        """
        # The batch's entries by their correlation's index, the first taken here: with
        # ORDER BY entry_id a planner may walk the whole journal in entry order instead.
        rows = self.db.execute(
            "SELECT entry_id, lot_id FROM journal WHERE correlation = ?", (batch_id,)
        ).fetchall()
        if not rows:
            return None
        row = min(rows, key=lambda r: int(r[0]))[1:]
        return self.append(
            "seal",
            int(row[0]),
            at=at,
            actor=actor,
            reason=f"sealed: {subject}" + ("" if key is None else f" {key}"),
            correlation=batch_id,
        )

    def compensate(
        self,
        entry_id: int,
        *,
        reason: str,
        at: dt.datetime,
        actor: str,
        voiding: str | None = None,
    ) -> int:
        """
        Append the compensating entry of *entry_id* (an undo); the caller holds the lock.
        An entry of a consumed batch is undone only as part of voiding that batch
        (*voiding* names it): undoing one draw alone would leave its record lying.

        Raises:
            UnknownEntry: no such entry.
            StockError: the entry is an undo, was undone already, belongs to a consumed
                batch, or undoing it would make a balance negative.
        """
        row = self.db.execute(
            "SELECT kind, lot_id, container_id, containers_delta, volume_delta, live_delta,"
            " status, status_before, undoes, correlation FROM journal WHERE entry_id = ?",
            (entry_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no journal entry {entry_id}")
        kind, lot_id, container_id, cd, vd, ld, status, before, _, correlation = row
        if (
            correlation is not None
            and correlation != voiding
            and self.db.execute(
                "SELECT 1 FROM batches WHERE batch_id = ?", (correlation,)
            ).fetchone()
        ):
            raise StockError(
                f"entry {entry_id} belongs to consumed batch '{correlation}': undoing it "
                "alone would leave the batch's record wrong; void the whole batch "
                f"(mesoformula stock void --batch-id {correlation} --reason ...)"
            )
        if kind == "undo":
            raise StockError(
                f"entry {entry_id} is an undo; undo is not undone (record the movement again)"
            )
        if self.db.execute("SELECT 1 FROM journal WHERE undoes = ?", (entry_id,)).fetchone():
            raise StockError(f"entry {entry_id} was undone already")
        lot = self.lot_row(lot_id)
        if lot[7] - cd < 0:
            raise InsufficientStock(
                f"undoing entry {entry_id} would leave lot '{lot[2]}' with a negative "
                "number of unopened containers (they were used since)"
            )
        if container_id is not None:
            _, remaining, live = self.container(container_id)
            if remaining - vd < 0 or live - ld not in (0, 1):
                raise InsufficientStock(
                    f"undoing entry {entry_id} would leave container {container_id} "
                    "negative (it was drawn from since)"
                )
        if status is not None and lot[6] != status:
            raise StockError(
                f"lot '{lot[2]}' changed status since entry {entry_id}; set it directly"
            )
        return self.append(
            "undo",
            lot_id,
            at=at,
            actor=actor,
            container_id=container_id,
            containers_delta=-cd,
            volume_delta=-vd,
            live_delta=-ld,
            status=before if status is not None else None,
            status_before=status,
            reason=reason or f"undo of entry {entry_id}",
            correlation=correlation,
            undoes=entry_id,
        )


__all__ = ["STATUS_KIND", "Ledger", "Status", "iso"]
