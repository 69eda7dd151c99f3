"""
The stock store: lots, an append-only hash-chained journal and a balance cache on
SQLite (SPEC §5).

The journal is the single source of truth; balances are a fold over it, cached in
``lot_balance`` / ``container_balance`` inside the same transaction as every append,
and rebuildable (:meth:`Stock.rebuild`). :meth:`Stock.verify` recomputes the fold and the
hash chain and reports every disagreement, a tampered entry or a deleted one. The
library offers no way to change or delete an entry and the database refuses it
(triggers); a mistake is undone by a compensating entry (:meth:`Stock.undo`).

Writes run in ``BEGIN IMMEDIATE`` transactions: several processes can compound at
once, each consumption is all-or-nothing and idempotent per batch id.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import attrs

from mesoformula.catalog import Catalog, Product
from mesoformula.exceptions import (
    InsufficientStock,
    LedgerIntegrityError,
    StockError,
    StoreVersionError,
    UnknownEntry,
)
from mesoformula.units import Quantity

from . import audit
from .allocation import ContainerState, LotState, Need, Plan, allocate, to_ml, to_ul
from .count import CountLine, record_count
from .sheet import CountSheet, Lot, OpenedContainer, StockSheet

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_DB = "mesoformula.db"

Status = Literal["released", "quarantine", "recalled"]
_STATUS_KIND = {"quarantine": "quarantine", "released": "release", "recalled": "recall"}


def migrations() -> list[tuple[int, str]]:
    """The packaged migrations, as (version, SQL), in order."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        version = int(path.name.split("_", 1)[0])
        found.append((version, path.read_text(encoding="utf-8")))
    return found


SCHEMA_VERSION = max(v for v, _ in migrations())


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


@attrs.frozen(kw_only=True)
class ConsumeResult:
    """What :meth:`Stock.consume` did: the plan, and whether it was already consumed."""

    batch_id: str
    plan: Plan
    consumed: bool
    already: bool
    entries: tuple[int, ...]


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@attrs.define
class Stock:
    """
    A stock store on SQLite. Use as a context manager::

        with Stock.open("mesoformula.db") as stock:
            stock.receive(lot, product)
    """

    path: str
    _db: sqlite3.Connection

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: str | Path = DEFAULT_DB, *, create: bool = True) -> Stock:
        """
        Open (and create, and migrate forward) the store at *path*.

        Raises:
            StockError: when the file does not exist and *create* is false, or is not
                a database.
            StoreVersionError: when the database is newer than this library.
        """
        name = str(path)
        if not create and not Path(name).exists():
            raise StockError(f"{name}: no stock store here (run 'mesoformula stock init')")
        try:
            db = sqlite3.connect(name, timeout=60.0, isolation_level=None)
            db.execute("PRAGMA busy_timeout = 60000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            raise StockError(f"{name}: not a mesoformula stock store ({error})") from None
        stock = cls(name, db)
        stock._migrate()
        return stock

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Stock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self._write():
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"{self.path}: schema version {version} is newer than this mesoformula "
                    f"understands ({SCHEMA_VERSION}); upgrade mesoformula"
                )
            for target, sql in migrations():
                if target > version:
                    for statement in _statements(sql):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {int(target)}")

    @property
    def schema_version(self) -> int:
        """The store's schema version (``PRAGMA user_version``)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ journal

    def _append(
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
        """Append one entry and fold it into the cache; the caller holds the write lock."""
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
        entry_id = (int(row[0]) if row else 0) + 1
        last = self._db.execute(
            "SELECT hash FROM journal ORDER BY entry_id DESC LIMIT 1"
        ).fetchone()
        prev = last[0] if last else audit.GENESIS
        recorded = _iso(dt.datetime.now())
        fields = (
            entry_id,
            _iso(at),
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
        self._db.execute(
            "INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id, container_id,"
            " containers_delta, volume_delta, live_delta, status, status_before, reason,"
            " correlation, undoes, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev, audit.entry_hash(prev, fields)),
        )
        self._fold_into_cache(
            lot_id,
            container_id=container_id,
            containers_delta=containers_delta,
            volume_delta=volume_delta,
            live_delta=live_delta,
            status=status,
        )
        return entry_id

    def _fold_into_cache(
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
            self._db.execute(
                "UPDATE lot_balance SET unopened = unopened + ?, status = COALESCE(?, status)"
                " WHERE lot_id = ?",
                (containers_delta, status, lot_id),
            )
        if container_id is not None and (volume_delta or live_delta):
            updated = self._db.execute(
                "UPDATE container_balance SET remaining_ul = remaining_ul + ?, live = live + ?"
                " WHERE container_id = ?",
                (volume_delta, live_delta, container_id),
            ).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO container_balance (container_id, remaining_ul, live)"
                    " VALUES (?, ?, ?)",
                    (container_id, volume_delta, live_delta),
                )

    # ------------------------------------------------------------------ lots

    def _lot_row(self, lot_id: int) -> sqlite3.Row | tuple[Any, ...]:
        row = self._db.execute(
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, l.location, b.status,"
            " b.unopened, l.nominal_ul, l.single_dose, l.in_use_days"
            " FROM lots l JOIN lot_balance b USING (lot_id) WHERE l.lot_id = ?",
            (lot_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no lot with id {lot_id}")
        return row  # type: ignore[no-any-return]

    def find_lot(self, lot: str, product: str | None = None) -> int:
        """
        Return the id of lot number *lot* (of *product*, when lot numbers repeat).

        Raises:
            UnknownEntry: no such lot, or several products have that lot number.
        """
        rows = self._db.execute(
            "SELECT lot_id, product FROM lots WHERE lot = ? AND (? IS NULL OR product = ?)",
            (lot, product, product),
        ).fetchall()
        if not rows:
            what = f" of product '{product}'" if product else ""
            raise UnknownEntry(f"no lot '{lot}'{what} in the store")
        if len(rows) > 1:
            products = ", ".join(sorted(r[1] for r in rows))
            raise UnknownEntry(
                f"lot '{lot}' exists for several products ({products}): name the product"
            )
        return int(rows[0][0])

    def receive(
        self,
        lot: Lot,
        product: Product,
        *,
        at: dt.datetime,
        actor: str,
        reason: str = "received",
        correlation: str | None = None,
    ) -> list[int]:
        """
        Receive a lot (from a stock sheet): its unopened containers, its opened ones
        and its status. A lot received again adds to its balance.

        Raises:
            StockError: when the lot exists with another expiry date.
        """
        with self._write():
            return self._receive(
                lot, product, at=at, actor=actor, reason=reason, correlation=correlation
            )

    def _receive(
        self,
        lot: Lot,
        product: Product,
        *,
        at: dt.datetime,
        actor: str,
        reason: str,
        correlation: str | None,
    ) -> list[int]:
        row = self._db.execute(
            "SELECT lot_id, expiry FROM lots WHERE product = ? AND lot = ?", (lot.product, lot.lot)
        ).fetchone()
        expiry = lot.expiry.isoformat() if lot.expiry else None
        if row is None:
            cursor = self._db.execute(
                "INSERT INTO lots (product, lot, expiry, received, gtin, location, nominal_ul,"
                " single_dose, in_use_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    lot.product,
                    lot.lot,
                    expiry,
                    (lot.received or at.date()).isoformat(),
                    lot.gtin,
                    lot.location,
                    to_ul(product.volume.value),
                    int(product.use == "single-dose"),
                    product.in_use_days,
                ),
            )
            lot_id = int(cursor.lastrowid or 0)
            self._db.execute(
                "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, 0, 'released')",
                (lot_id,),
            )
        else:
            lot_id = int(row[0])
            if row[1] != expiry:
                raise StockError(
                    f"lot '{lot.lot}' of '{lot.product}' is in the store with expiry "
                    f"{row[1] or 'none'}, not {expiry or 'none'}: check the label"
                )
        entries = []
        if lot.containers:
            entries.append(
                self._append(
                    "receive",
                    lot_id,
                    at=at,
                    actor=actor,
                    containers_delta=lot.containers,
                    reason=reason,
                    correlation=correlation,
                )
            )
        for opened in lot.opened:
            container_id = self._new_container(lot_id, opened.at)
            entries.append(
                self._append(
                    "receive",
                    lot_id,
                    at=at,
                    actor=actor,
                    container_id=container_id,
                    volume_delta=to_ul(opened.remaining.value),
                    live_delta=1,
                    reason=f"{reason} (opened container)",
                    correlation=correlation,
                )
            )
        status = self._db.execute(
            "SELECT status FROM lot_balance WHERE lot_id = ?", (lot_id,)
        ).fetchone()[0]
        if lot.status != status:
            entries.append(
                self._append(
                    _STATUS_KIND[lot.status],
                    lot_id,
                    at=at,
                    actor=actor,
                    status=lot.status,
                    status_before=status,
                    reason=reason,
                    correlation=correlation,
                )
            )
        return entries

    def import_sheet(
        self,
        sheet: StockSheet,
        catalog: Catalog,
        *,
        at: dt.datetime,
        actor: str,
        correlation: str | None = None,
    ) -> list[int]:
        """
        Receive every lot of a stock sheet in one transaction: all or nothing.

        Raises:
            StockError: a product not in the catalog, or a lot whose expiry differs.
        """
        entries: list[int] = []
        with self._write():
            for lot in sheet.lots:
                product = catalog.products.get(lot.product)
                if product is None:
                    raise StockError(
                        f"lot '{lot.lot}': product '{lot.product}' is not in the catalog"
                    )
                entries += self._receive(
                    lot, product, at=at, actor=actor, reason="received", correlation=correlation
                )
        return entries

    def _new_container(self, lot_id: int, opened_at: dt.datetime) -> int:
        cursor = self._db.execute(
            "INSERT INTO containers (lot_id, opened_at) VALUES (?, ?)", (lot_id, _iso(opened_at))
        )
        return int(cursor.lastrowid or 0)

    def open_container(self, lot_id: int, *, at: dt.datetime, actor: str, reason: str = "") -> int:
        """Open one unopened container of a lot; return the container id."""
        with self._write():
            return self._open(lot_id, at=at, actor=actor, reason=reason, correlation=None)[1]

    def _open(
        self, lot_id: int, *, at: dt.datetime, actor: str, reason: str, correlation: str | None
    ) -> tuple[int, int]:
        row = self._lot_row(lot_id)
        if row[7] < 1:
            raise InsufficientStock(f"lot '{row[2]}' has no unopened container to open")
        container_id = self._new_container(lot_id, at)
        entry = self._append(
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

    def _container(self, container_id: int) -> tuple[int, int, int]:
        row = self._db.execute(
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
        volume_ml: float,
        *,
        at: dt.datetime,
        actor: str,
        reason: str = "",
        correlation: str | None = None,
    ) -> int:
        """Draw a volume from an opened container (exact to the microlitre)."""
        with self._write():
            return self._draw(
                container_id,
                to_ul(volume_ml),
                at=at,
                actor=actor,
                reason=reason,
                correlation=correlation,
            )

    def _draw(
        self,
        container_id: int,
        volume: int,
        *,
        at: dt.datetime,
        actor: str,
        reason: str,
        correlation: str | None,
    ) -> int:
        lot_id, remaining, live = self._container(container_id)
        if not live or volume > remaining or volume <= 0:
            raise InsufficientStock(
                f"container {container_id} holds {to_ml(remaining):g} mL"
                + ("" if live else " and is closed")
                + f"; cannot draw {to_ml(volume):g} mL"
            )
        emptied = volume == remaining
        return self._append(
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

    def discard(
        self,
        lot_id: int,
        *,
        reason: str,
        at: dt.datetime,
        actor: str,
        containers: int = 0,
        container_id: int | None = None,
    ) -> list[int]:
        """
        Discard unopened containers of a lot, or an opened container (what is left in
        it). A reason is required.
        """
        if not reason.strip():
            raise StockError("a discard needs a reason")
        with self._write():
            entries = []
            if containers:
                row = self._lot_row(lot_id)
                if containers > row[7] or containers < 0:
                    raise InsufficientStock(
                        f"lot '{row[2]}' has {row[7]} unopened container(s); "
                        f"cannot discard {containers}"
                    )
                entries.append(
                    self._append(
                        "discard",
                        lot_id,
                        at=at,
                        actor=actor,
                        containers_delta=-containers,
                        reason=reason,
                    )
                )
            if container_id is not None:
                owner, remaining, live = self._container(container_id)
                if owner != lot_id or not live:
                    raise InsufficientStock(
                        f"container {container_id} is not an open container of lot {lot_id}"
                    )
                entries.append(
                    self._append(
                        "discard",
                        lot_id,
                        at=at,
                        actor=actor,
                        container_id=container_id,
                        volume_delta=-remaining,
                        live_delta=-1,
                        reason=reason,
                    )
                )
            if not entries:
                raise StockError("say what to discard: containers or an opened container")
            return entries

    def adjust(
        self,
        lot_id: int,
        *,
        reason: str,
        at: dt.datetime,
        actor: str,
        containers_delta: int = 0,
        container_id: int | None = None,
        volume_delta_ml: float = 0.0,
        correlation: str | None = None,
    ) -> int:
        """Correct a balance with a reason (a count variance, a breakage found late)."""
        if not reason.strip():
            raise StockError("an adjustment needs a reason")
        with self._write():
            return self._adjust(
                lot_id,
                reason=reason,
                at=at,
                actor=actor,
                containers_delta=containers_delta,
                container_id=container_id,
                volume_delta=to_ul(volume_delta_ml),
                correlation=correlation,
            )

    def _adjust(
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
        row = self._lot_row(lot_id)
        if row[7] + containers_delta < 0:
            raise InsufficientStock(
                f"lot '{row[2]}' has {row[7]} unopened container(s); an adjustment of "
                f"{containers_delta} would make it negative"
            )
        live_delta = 0
        if container_id is not None:
            _, remaining, live = self._container(container_id)
            if remaining + volume_delta < 0:
                raise InsufficientStock(
                    f"container {container_id} holds {to_ml(remaining):g} mL; an adjustment of "
                    f"{to_ml(volume_delta):g} mL would make it negative"
                )
            if live and remaining + volume_delta == 0:
                live_delta = -1
        return self._append(
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

    def set_status(
        self, lot_id: int, status: Status, *, reason: str, at: dt.datetime, actor: str
    ) -> int:
        """Quarantine, release or recall a lot."""
        with self._write():
            row = self._lot_row(lot_id)
            if row[6] == status:
                raise StockError(f"lot '{row[2]}' is already {status}")
            return self._append(
                _STATUS_KIND[status],
                lot_id,
                at=at,
                actor=actor,
                status=status,
                status_before=row[6],
                reason=reason,
            )

    def undo(self, entry_id: int, *, reason: str, at: dt.datetime, actor: str) -> int:
        """
        Undo an entry with a compensating entry (the entry itself stays).

        Raises:
            UnknownEntry: no such entry.
            StockError: the entry is an undo, was undone already, or undoing it would
                make a balance negative.
        """
        with self._write():
            row = self._db.execute(
                "SELECT kind, lot_id, container_id, containers_delta, volume_delta, live_delta,"
                " status, status_before, undoes, correlation FROM journal WHERE entry_id = ?",
                (entry_id,),
            ).fetchone()
            if row is None:
                raise UnknownEntry(f"no journal entry {entry_id}")
            kind, lot_id, container_id, cd, vd, ld, status, before, _, correlation = row
            if kind == "undo":
                raise StockError(
                    f"entry {entry_id} is an undo; undo is not undone (record the movement again)"
                )
            if self._db.execute("SELECT 1 FROM journal WHERE undoes = ?", (entry_id,)).fetchone():
                raise StockError(f"entry {entry_id} was undone already")
            lot = self._lot_row(lot_id)
            if lot[7] - cd < 0:
                raise InsufficientStock(
                    f"undoing entry {entry_id} would leave lot '{lot[2]}' with a negative "
                    "number of unopened containers (they were used since)"
                )
            if container_id is not None:
                _, remaining, live = self._container(container_id)
                if remaining - vd < 0 or live - ld not in (0, 1):
                    raise InsufficientStock(
                        f"undoing entry {entry_id} would leave container {container_id} "
                        "negative (it was drawn from since)"
                    )
            if status is not None and lot[6] != status:
                raise StockError(
                    f"lot '{lot[2]}' changed status since entry {entry_id}; set it directly"
                )
            return self._append(
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

    # ------------------------------------------------------------------ reading

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
        rows = self._db.execute(query, params).fetchall()
        containers = self._live_containers([int(r[0]) for r in rows])
        views = [
            LotView(
                lot_id=int(r[0]),
                product=r[1],
                lot=r[2],
                expiry=_date(r[3]),
                received=_date(r[4]),
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

    def _live_containers(self, lot_ids: Sequence[int]) -> dict[int, list[ContainerState]]:
        found: dict[int, list[ContainerState]] = {}
        if not lot_ids:
            return found
        rows = self._db.execute(
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
        rows = self._db.execute(
            "SELECT l.lot_id, l.product, l.lot, l.expiry, l.received, b.status, b.unopened,"
            " l.nominal_ul, l.single_dose, l.in_use_days"
            " FROM lots l JOIN lot_balance b USING (lot_id)"
            f" WHERE l.product IN ({','.join('?' * len(products))})",
            list(products),
        ).fetchall()
        containers = self._live_containers([int(r[0]) for r in rows])
        return [
            LotState(
                lot_id=int(r[0]),
                product=r[1],
                lot=r[2],
                expiry=_date(r[3]),
                received=_date(r[4]),
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
        rows = self._db.execute(
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
        rows = self._db.execute(
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

    # ------------------------------------------------------------------ plan and consume

    def plan(self, needs: Sequence[Need], *, at: dt.datetime) -> Plan:
        """Allocate *needs* against the current stock; changes nothing."""
        products = sorted({n.product for n in needs})
        return allocate(needs, self.states(products) if products else [], at=at)

    def consume(
        self,
        needs: Sequence[Need],
        *,
        batch_id: str,
        formulation: str,
        version: int,
        checksum: str,
        batches: int,
        at: dt.datetime,
        actor: str,
        record: dict[str, Any] | None = None,
    ) -> ConsumeResult:
        """
        Consume a batch: allocate and record every draw, opening and single-dose waste
        in one transaction, or nothing when stock is short.

        Idempotent per *batch_id*: consuming the same batch again changes nothing and
        returns the recorded plan.

        Raises:
            StockError: the batch id was used for another formulation.
        """
        with self._write():
            existing = self._db.execute(
                "SELECT formulation, checksum, plan FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if existing is not None:
                if (existing[0], existing[1]) != (formulation, checksum):
                    raise StockError(
                        f"batch '{batch_id}' was already consumed for formulation '{existing[0]}' "
                        "with different content: use a new batch id"
                    )
                return ConsumeResult(
                    batch_id=batch_id,
                    plan=_plan_from_json(existing[2]),
                    consumed=True,
                    already=True,
                    entries=tuple(e.entry_id for e in self.history(correlation=batch_id)),
                )
            products = sorted({n.product for n in needs})
            plan = allocate(needs, self.states(products) if products else [], at=at)
            if not plan.ok:
                return ConsumeResult(
                    batch_id=batch_id, plan=plan, consumed=False, already=False, entries=()
                )
            entries: list[int] = []
            resolved = []
            for allocation in plan.allocations:
                takes = []
                for take in allocation.takes:
                    container_id = take.container_id
                    if take.opens:
                        entry, container_id = self._open(
                            allocation.lot_id, at=at, actor=actor, reason="", correlation=batch_id
                        )
                        entries.append(entry)
                    assert container_id is not None
                    entries.append(
                        self._draw(
                            container_id,
                            take.volume_ul,
                            at=at,
                            actor=actor,
                            reason="",
                            correlation=batch_id,
                        )
                    )
                    if take.waste_ul:
                        entries.append(
                            self._append(
                                "discard",
                                allocation.lot_id,
                                at=at,
                                actor=actor,
                                container_id=container_id,
                                volume_delta=-take.waste_ul,
                                live_delta=-1,
                                reason="single-dose remainder",
                                correlation=batch_id,
                            )
                        )
                    takes.append(attrs.evolve(take, container_id=container_id))
                resolved.append(attrs.evolve(allocation, takes=tuple(takes)))
            plan = attrs.evolve(plan, allocations=tuple(resolved))
            self._db.execute(
                "INSERT INTO batches (batch_id, formulation, version, checksum, batches, at,"
                " actor, plan, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    formulation,
                    version,
                    checksum,
                    batches,
                    _iso(at),
                    actor,
                    json.dumps(_plan_to_json(plan)),
                    json.dumps(record or {}),
                ),
            )
            return ConsumeResult(
                batch_id=batch_id, plan=plan, consumed=True, already=False, entries=tuple(entries)
            )

    def batch(self, batch_id: str) -> dict[str, Any]:
        """
        The stored record of a consumed batch: formulation, version, checksum, time,
        actor, plan (allocations with container ids) and the record saved with it.

        Raises:
            UnknownEntry: no batch with that id.
        """
        row = self._db.execute(
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

    # ------------------------------------------------------------------ count

    def count(
        self, sheet: CountSheet, catalog: Catalog, *, actor: str | None = None
    ) -> list[CountLine]:
        """
        Record a stocktake (see :mod:`mesoformula.stock.count`): variances against what
        was expected at ``counted_at``, movements since kept, uncounted lots untouched.

        Raises:
            InsufficientStock: a variance would make a balance negative; nothing is recorded.
            StockError: a found lot whose product is not in the catalog.
        """
        return record_count(self, sheet, catalog, actor=actor)

    # ------------------------------------------------------------------ verify

    def fold(self) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
        """Recompute every balance from the journal: lots (unopened, status), containers."""
        return audit.fold(self._db)

    def verify(self) -> list[str]:
        """
        Prove the store sound: the hash chain is unbroken (no entry changed, none
        deleted) and the cached balances equal the fold of the journal. Returns every
        problem found; an empty list means sound.
        """
        return audit.verify(self._db)

    def rebuild(self) -> None:
        """Rebuild the balance cache from the journal."""
        with self._write():
            audit.rebuild(self._db)

    def require_sound(self) -> None:
        """Raise :class:`LedgerIntegrityError` when :meth:`verify` finds a problem."""
        problems = self.verify()
        if problems:
            raise LedgerIntegrityError("; ".join(problems))


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (triggers keep their inner semicolons)."""
    statements, current = [], []
    depth = 0
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        upper = stripped.upper()
        if upper.startswith("BEGIN"):
            depth += 1
        if upper.startswith("END;"):
            depth -= 1
        if stripped.endswith(";") and depth == 0:
            statements.append("\n".join(current))
            current = []
    return statements


def _plan_to_json(plan: Plan) -> dict[str, Any]:
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


def _plan_from_json(text: str) -> Plan:
    from .allocation import Allocation, Exclusion, Shortfall, Take  # noqa: PLC0415

    data = json.loads(text)
    return Plan(
        allocations=tuple(
            Allocation(
                product=a["product"],
                lot_id=a["lot_id"],
                lot=a["lot"],
                expiry=_date(a["expiry"]),
                takes=tuple(Take(**t) for t in a["takes"]),
            )
            for a in data["allocations"]
        ),
        excluded=tuple(Exclusion(**e) for e in data["excluded"]),
        shortfalls=tuple(Shortfall(**s) for s in data["shortfalls"]),
    )
