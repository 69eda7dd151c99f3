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
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs

from mesoformula import _time
from mesoformula._json import JSONObject
from mesoformula._text import identity
from mesoformula.catalog import Catalog, Product
from mesoformula.exceptions import (
    AlreadyImported,
    EntryOrderError,
    InsufficientStock,
    LedgerIntegrityError,
    StockError,
    StoreVersionError,
    UnknownEntry,
)

if TYPE_CHECKING:
    from mesoformula.course import Administration
    from mesoformula.gs1 import Scan

from . import _consume, audit
from ._consume import BATCH_KINDS, ConsumeResult
from ._engine import PostgresEngine, SQLiteEngine, is_postgres
from ._schema import FOREIGN_KEYS_OFF, SCHEMA_VERSION, migrations
from .allocation import LotState, Need, Plan, allocate, to_ul
from .count import CountLine, record_count
from .ledger import MAIN_SITE, STATUS_KIND, Ledger, Status, iso
from .queries import ContainerInfo, Entry, LotView, Queries, StoredBatch
from .sheet import CountSheet, Lot, StockSheet

#: Lots received between two calls of an import's progress callback.
PROGRESS_EVERY = 1000

#: The file ``Stock.open`` uses when given none.
DEFAULT_DB = "mesoformula.db"


def _private(name: str) -> None:
    """Create a new store file readable by its owner only (it holds patients' data)."""
    try:
        os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # an existing store keeps its permissions (and another process made it)
    except OSError:
        pass  # sqlite3 reports what is wrong with the path, in its words


def _read_only(name: str) -> sqlite3.Connection:
    """
    A read-only connection. A store in a folder this user cannot write (another user's
    store, SPEC §9.5) has no shared-memory file this user may create: it is then read as
    a snapshot of the file as it stands (SQLite's ``immutable``): a write its owner makes
    meanwhile is seen by the next command, not this one.
    """
    uri = Path(name).resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60.0, isolation_level=None)
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        if os.access(Path(name).resolve().parent, os.W_OK):
            raise
        db.close()
        db = sqlite3.connect(
            f"{uri}?mode=ro&immutable=1", uri=True, timeout=60.0, isolation_level=None
        )
    return db


@attrs.define
class Stock:
    """
    A stock store on SQLite or PostgreSQL. Use as a context manager::

        with Stock.open("mesoformula.db") as stock:
            stock.receive(lot, product)
    """

    path: str
    ledger: Ledger
    queries: Queries

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(
        cls, path: str | Path = DEFAULT_DB, *, create: bool = True, readonly: bool = False
    ) -> Stock:
        """
        Open (and create, and migrate forward) the store at *path*: a SQLite file, or a
        PostgreSQL database named by a ``postgresql://USER@HOST:PORT/DBNAME`` URL (the
        database must exist; its tables are created in it).

        With *readonly* nothing is created, migrated or written (SQLite opens the file
        ``mode=ro``; PostgreSQL runs the session read-only), so a read command never
        changes the store, and a store the user may only read can still be listed and
        verified.

        Raises:
            StockError: the path is empty or ``:memory:`` (nothing would be kept), the
                file does not exist and *create* is false (or *readonly*), it is not a
                database, it holds another application's tables, or (read-only) it needs a
                migration first; psycopg is missing for a PostgreSQL URL.
            StoreUnavailable: the PostgreSQL server cannot be reached or refuses the login.
            StoreVersionError: when the database is newer than this library.
        """
        name = str(path)
        if is_postgres(name):
            return cls._open_postgres(name, create=create, readonly=readonly)
        if not name.strip() or name.strip() == ":memory:":
            raise StockError(
                f"--db {name!r}: a stock store is a file; an empty path or ':memory:' "
                "would keep nothing"
            )
        if (not create or readonly) and not Path(name).exists():
            raise StockError(f"{name}: no stock store here (run 'mesoformula stock init')")
        try:
            if readonly:
                db = _read_only(name)
            else:
                _private(name)
                db = sqlite3.connect(name, timeout=60.0, isolation_level=None)
            db.row_factory = sqlite3.Row  # rows by column name (and still by position)
            db.execute("PRAGMA busy_timeout = 60000")
            # One statement, one snapshot: another process may be creating the store
            # right now, and its tables and version arrive in the same commit.
            row = db.execute(
                "SELECT (SELECT user_version FROM pragma_user_version),"
                " EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table')"
            ).fetchone()
            version = int(row[0])
            foreign = version == 0 and bool(row[1])
            if not foreign and not readonly:
                _write_ahead_log(db)
                db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            if "readonly" in str(error):
                raise StockError(
                    f"{name}: the store is read-only to you (the file or its folder cannot "
                    "be written): it can be listed and verified, and nothing was written"
                ) from None
            raise StockError(f"{name}: not a mesoformula stock store ({error})") from None
        if foreign:
            db.close()
            raise StockError(
                f"{name}: not a mesoformula stock store (it holds another application's "
                "tables); nothing was changed"
            )
        engine = SQLiteEngine(db, name)
        stock = cls(name, Ledger(engine), Queries(engine))
        if readonly:
            stock._check_version(version, readonly=True)
        else:
            stock._migrate()
        return stock

    @classmethod
    def _open_postgres(cls, url: str, *, create: bool, readonly: bool) -> Stock:
        engine = PostgresEngine.connect(url)
        stock = cls(engine.location, Ledger(engine), Queries(engine))
        try:
            tables = engine.tables()
            version = engine.schema_version()
            if version == 0 and tables:
                raise StockError(
                    f"{engine.location}: not a mesoformula stock store (the database holds "
                    "another application's tables); nothing was changed"
                )
            if version == 0 and (not create or readonly):
                raise StockError(
                    f"{engine.location}: no stock store in this database "
                    "(run 'mesoformula stock init')"
                )
            if readonly:
                stock._check_version(version, readonly=True)
                engine.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            else:
                stock._migrate()
        except BaseException:
            engine.close()
            raise
        return stock

    def close(self) -> None:
        """Close the connection."""
        self.ledger.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """
        The unit of work: a ``BEGIN IMMEDIATE`` transaction that commits when the block
        ends and rolls back on any exception. Every write of the store runs in one.
        """
        with self.ledger.transaction():
            yield

    def __enter__(self) -> Stock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_version(self, version: int, *, readonly: bool = False) -> None:
        if version > SCHEMA_VERSION:
            self.close()
            raise StoreVersionError(
                f"{self.path}: schema version {version} is newer than this mesoformula "
                f"understands ({SCHEMA_VERSION}); upgrade mesoformula"
            )
        if readonly and version < SCHEMA_VERSION:
            self.close()
            raise StockError(
                f"{self.path}: the store has schema version {version} and needs migrating "
                f"to {SCHEMA_VERSION}; run a writing command first ('mesoformula stock init')"
            )

    def _migrate(self) -> None:
        db = self.ledger.db
        version = db.schema_version()
        self._check_version(version)
        pending = [(target, sql) for target, sql in migrations(db.kind) if target > version]
        if not pending:
            return
        # A migration that rebuilds a table others refer to runs with SQLite's foreign
        # keys off (for this connection only), and is checked before it commits.
        rebuilds = any(FOREIGN_KEYS_OFF in sql for _, sql in pending)
        with db.foreign_keys_off(rebuilds), self.transaction():
            # Read again under the write lock: another process may have migrated since.
            version = db.schema_version()
            for target, sql in pending:
                if target > version:
                    db.run_migration(sql)
                    db.set_schema_version(target)
            db.check_foreign_keys()

    @property
    def engine(self) -> str:
        """The database engine: ``sqlite`` or ``postgresql``."""
        return self.ledger.db.kind

    @property
    def schema_version(self) -> int:
        """The store's schema version (the same history on both engines)."""
        return self.ledger.db.schema_version()

    # ------------------------------------------------------------------ journal

    # ------------------------------------------------------------------ lots

    def sites(self) -> list[str]:
        """The sites that hold lots (any lot, used up or not), sorted."""
        rows = self.ledger.db.execute(
            f"SELECT DISTINCT {self.ledger.db.site_of()} FROM lots"
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def find_lot(self, lot: str, product: str | None = None, site: str | None = None) -> int:
        """
        Return the id of lot number *lot* (of *product*, when lot numbers repeat; at
        *site*, when a lot is held at several sites).

        Raises:
            UnknownEntry: no such lot, or several products or sites have that lot number.
        """
        rows = self.ledger.db.execute(
            f"SELECT lot_id, product, {self.ledger.db.site_of()} FROM lots"
            " WHERE lot = ? AND (CAST(? AS TEXT) IS NULL OR product = ?)"
            f" AND (CAST(? AS TEXT) IS NULL OR {self.ledger.db.site_of()} = ?)",
            (lot, product, product, site, site),
        ).fetchall()
        if not rows:
            what = f" of product '{product}'" if product else ""
            where = f" at site '{site}'" if site else ""
            raise UnknownEntry(f"no lot '{lot}'{what}{where} in the store")
        if len({r[1] for r in rows}) > 1:
            products = ", ".join(sorted({r[1] for r in rows}))
            raise UnknownEntry(
                f"lot '{lot}' exists for several products ({products}): name the product"
            )
        if len(rows) > 1:
            sites = ", ".join(sorted(r[2] for r in rows))
            raise UnknownEntry(f"lot '{lot}' is held at several sites ({sites}): name the site")
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
        site: str = MAIN_SITE,
    ) -> list[int]:
        """
        Receive a lot (from a stock sheet): its unopened containers, its opened ones
        and its status, at the lot's site (else *site*). A lot received again adds to
        its balance.

        Raises:
            StockError: when the lot exists with another expiry date.
        """
        with self.transaction():
            return self.ledger.receive(
                lot,
                product,
                at=at,
                actor=actor,
                reason=reason,
                correlation=correlation,
                site=site,
            )

    def import_sheet(
        self,
        sheet: StockSheet,
        catalog: Catalog,
        *,
        at: dt.datetime,
        actor: str,
        correlation: str | None = None,
        content: str | None = None,
        name: str = "",
        again: bool = False,
        progress: Callable[[int, int], None] | None = None,
        site: str = MAIN_SITE,
    ) -> list[int]:
        """
        Receive every lot of a stock sheet in one transaction: all or nothing.

        *content* is the SHA-256 of the sheet's bytes: a sheet imported already is
        refused unless *again* (the same delivery must not be received twice). Its lots
        go to the site each names, else *site*. A lot
        keeps its status unless the sheet states one. *progress* is called with (lots
        just received, all lots) every 1,000 lots.

        Raises:
            AlreadyImported: the same content was imported before (without *again*).
            StockError: a product not in the catalog, or a lot whose expiry differs.
        """
        entries: list[int] = []
        with self.transaction():
            if content is not None:
                earlier = self.ledger.db.execute(
                    "SELECT at, name FROM imports WHERE sha256 = ? ORDER BY import_id LIMIT 1",
                    (content,),
                ).fetchone()
                if earlier is not None and not again:
                    raise AlreadyImported(
                        f"this stock sheet was imported already on {earlier['at']} "
                        f"({earlier['name']}, sha256 {content[:12]}...): importing it again "
                        "would receive its lots twice; use --again if that is meant"
                    )
                problems = audit.import_problems(self.ledger.db)
                problems += audit.sealed_import_problems(self.ledger.db)
                if problems:
                    raise LedgerIntegrityError(
                        "the record of imported sheets does not verify, so whether this "
                        f"sheet was imported before cannot be told: {problems[0]}"
                    )
                import_id = self.ledger.db.execute(
                    "INSERT INTO imports (sha256, name, at, actor, lots) VALUES (?, ?, ?, ?, ?)"
                    " RETURNING import_id",
                    (content, name, iso(at), actor, len(sheet.lots)),
                ).fetchone()[0]
            for number, lot in enumerate(sheet.lots, 1):
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(PROGRESS_EVERY, len(sheet.lots))
                product = catalog.products.get(lot.product)
                if product is None:
                    raise StockError(
                        f"lot '{lot.lot}': product '{lot.product}' is not in the catalog"
                    )
                entries += self.ledger.receive(
                    lot,
                    product,
                    at=at,
                    actor=actor,
                    reason="received",
                    correlation=correlation,
                    site=site,
                )
            if content is not None and correlation is not None and entries:
                # The row that --if-new trusts, sealed: a changed checksum is found.
                sealed = self.ledger.seal(
                    "import", correlation, at=at, actor=actor, key=int(import_id)
                )
                entries += [] if sealed is None else [sealed]
        return entries

    def receive_scans(
        self,
        boxes: Sequence[tuple[Scan, Product, int]],
        *,
        at: dt.datetime,
        actor: str,
        site: str = MAIN_SITE,
    ) -> list[int]:
        """
        Receive scanned boxes (a scan, its product, the unopened containers it stands
        for) in one transaction: all or none. A box with a serial is one container and
        is received once per GTIN.

        Raises:
            ScanError: a serial received before (or twice in *boxes*), or a lot number
                already in the store with another expiry; nothing is received.
        """
        from mesoformula.gs1 import ScanError  # noqa: PLC0415 - only scans need it

        entries: list[int] = []
        with self.transaction():
            seen: set[tuple[str, str]] = set()
            for scan, product, containers in boxes:
                if scan.serial is not None:
                    key = (scan.gtin, scan.serial)
                    if key in seen:
                        raise ScanError(
                            f"the box {scan.gtin} serial {scan.serial} is scanned twice in "
                            "this scan: a serial is one box"
                        )
                    earlier = self.ledger.db.execute(
                        "SELECT at, lot FROM scans WHERE gtin = ? AND serial = ?", key
                    ).fetchone()
                    if earlier is not None:
                        raise ScanError(
                            f"the box {scan.gtin} serial {scan.serial} was received already "
                            f"on {earlier[0]} (lot {earlier[1]}): a serial is one box"
                        )
                    seen.add(key)
                lot = Lot(
                    product=product.id,
                    lot=scan.lot,
                    expiry=scan.expiry,
                    containers=containers,
                    gtin=scan.gtin,
                )
                reason = "received by scan" + (f", serial {scan.serial}" if scan.serial else "")
                try:
                    received = self.ledger.receive(
                        lot,
                        product,
                        at=at,
                        actor=actor,
                        reason=reason,
                        correlation="scan",
                        site=site,
                    )
                except StockError as error:
                    raise ScanError(f"the scan of lot {scan.lot}: {error}") from None
                entries += received
                if scan.serial is not None:
                    self.ledger.db.execute(
                        "INSERT INTO scans (gtin, serial, product, lot, at, entry)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (scan.gtin, scan.serial, product.id, scan.lot, iso(at), received[0]),
                    )
        return entries

    def open_container(self, lot_id: int, *, at: dt.datetime, actor: str, reason: str = "") -> int:
        """Open one unopened container of a lot; return the container id."""
        with self.transaction():
            return self.ledger.open_container(
                lot_id, at=at, actor=actor, reason=reason, correlation=None
            )[1]

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
        with self.transaction():
            return self.ledger.draw(
                container_id,
                to_ul(volume_ml),
                at=at,
                actor=actor,
                reason=reason,
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
        with self.transaction():
            entries = []
            if containers:
                row = self.ledger.lot_row(lot_id)
                if containers > row[7] or containers < 0:
                    raise InsufficientStock(
                        f"lot '{row[2]}' has {row[7]} unopened container(s); "
                        f"cannot discard {containers}"
                    )
                entries.append(
                    self.ledger.append(
                        "discard",
                        lot_id,
                        at=at,
                        actor=actor,
                        containers_delta=-containers,
                        reason=reason,
                    )
                )
            if container_id is not None:
                owner, remaining, live = self.ledger.container(container_id)
                if owner != lot_id or not live:
                    raise InsufficientStock(
                        f"container {container_id} is not an open container of lot {lot_id}"
                    )
                entries.append(
                    self.ledger.append(
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
        with self.transaction():
            return self.ledger.adjust(
                lot_id,
                reason=reason,
                at=at,
                actor=actor,
                containers_delta=containers_delta,
                container_id=container_id,
                volume_delta=to_ul(volume_delta_ml),
                correlation=correlation,
            )

    def transfer(
        self,
        lot_id: int,
        *,
        to_site: str,
        containers: int,
        reason: str,
        at: dt.datetime,
        actor: str,
    ) -> list[int]:
        """
        Move *containers* unopened containers of a lot to another site of the store, in
        one transaction: an ``adjust`` out of the lot at its site and a ``receive`` into
        the same lot number at *to_site* (created there with the same product, expiry,
        reception date, GTIN and container), both naming the other site and sharing one
        correlation (``transfer N``). Opened containers do not travel.

        Raises:
            StockError: the destination is the lot's own site or empty, the lot is not
                released (quarantined and recalled stock stays where it is), the reason
                is empty, or the lot at the destination has another expiry.
            InsufficientStock: the lot holds fewer unopened containers.
        """
        if not to_site.strip() or to_site != to_site.strip():
            raise StockError(f"--to {to_site!r}: a site is a name without surrounding spaces")
        destination = to_site
        if not reason.strip():
            raise StockError("a transfer needs a reason (kept in the journal)")
        if containers < 1:
            raise StockError(f"--containers {containers}: transfer at least one container")
        with self.transaction():
            row = self.ledger.db.execute(
                "SELECT l.lot, l.site, b.status, b.unopened"
                " FROM lots l JOIN lot_balance b USING (lot_id) WHERE l.lot_id = ?",
                (lot_id,),
            ).fetchone()
            if row is None:
                raise UnknownEntry(f"no lot {lot_id} in the store")
            number, site = row["lot"], row["site"]
            if destination == site:
                raise StockError(f"lot '{number}' is at site '{site}' already")
            if row["status"] != "released":
                raise StockError(
                    f"lot '{number}' at '{site}' is {row['status']}: quarantined or recalled "
                    "stock is not transferred"
                )
            if int(row["unopened"]) < containers:
                raise InsufficientStock(
                    f"lot '{number}' at '{site}' has {row['unopened']} unopened container(s), "
                    f"not {containers}"
                )
            correlation = f"transfer {self.ledger.db.peek_entry_id()}"
            entries = [
                self.ledger.append(
                    "adjust",
                    lot_id,
                    at=at,
                    actor=actor,
                    containers_delta=-containers,
                    reason=f"transfer to {destination}: {reason}",
                    correlation=correlation,
                )
            ]
            target = self.ledger.lot_at_site(lot_id, destination)
            entries.append(
                self.ledger.append(
                    "receive",
                    target,
                    at=at,
                    actor=actor,
                    containers_delta=containers,
                    reason=f"transfer from {site}: {reason}",
                    correlation=correlation,
                )
            )
        return entries

    def set_status(
        self, lot_id: int, status: Status, *, reason: str, at: dt.datetime, actor: str
    ) -> int:
        """Quarantine, release or recall a lot."""
        with self.transaction():
            row = self.ledger.lot_row(lot_id)
            if row[6] == status:
                raise StockError(f"lot '{row[2]}' is already {status}")
            return self.ledger.append(
                STATUS_KIND[status],
                lot_id,
                at=at,
                actor=actor,
                status=status,
                status_before=row[6],
                reason=reason,
            )

    def void(
        self,
        batch_id: str,
        *,
        reason: str,
        at: dt.datetime,
        actor: str,
        kind: Literal["not-prepared", "destroyed"],
    ) -> list[int]:
        """
        Void a consumed batch (SPEC §9.5) and record the void with its reason and *kind*;
        the record shows it void. ``not-prepared`` (a recording mistake) undoes every
        stock movement the batch made (its openings, draws and discards, latest first),
        so the stock is exactly as before it; ``destroyed`` (made and discarded) leaves
        the stock used: the containers stay opened and drawn, the record says so.

        Raises:
            UnknownEntry: no such batch.
            StockError: no reason, voided already, administered, or (``not-prepared``) an
                entry cannot be undone (its container was drawn from since).
        """
        if not reason.strip():
            raise StockError("voiding a batch needs a reason")
        if kind not in ("not-prepared", "destroyed"):
            raise StockError("say how the batch is voided: not-prepared or destroyed")
        with self.transaction():
            if (
                self.ledger.db.execute(
                    "SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)
                ).fetchone()
                is None
            ):
                raise UnknownEntry(f"no consumed batch '{batch_id}' in the store")
            if self.ledger.db.execute(
                "SELECT 1 FROM voids WHERE batch_id = ?", (batch_id,)
            ).fetchone():
                raise StockError(f"batch '{batch_id}' was voided already")
            given = [a for a in self.queries.administrations(batch_id=batch_id) if a.live]
            if given:
                raise StockError(
                    f"batch '{batch_id}' was administered ({len(given)} dose(s), the first "
                    f"to {given[0].patient} at {_time.shown(given[0].at)}): voiding it would put "
                    "back stock that was given; undo the administrations first if they were "
                    "recorded in error (mesoformula administer --undo N --reason ...)"
                )
            # Only what a consumption writes is undone, and only for a batch that was
            # never made: receipts, counts and transfers are never a batch's (SPEC §9.5).
            entries = [
                e.entry_id
                for e in reversed(self.queries.history(correlation=batch_id))
                if e.kind in BATCH_KINDS
            ]
            if kind == "destroyed":
                entries = []
            undone = [
                self.ledger.compensate(
                    entry,
                    reason=f"void of batch {batch_id}: {reason}",
                    at=at,
                    actor=actor,
                    voiding=batch_id,
                )
                for entry in entries
            ]
            self.ledger.db.execute(
                "INSERT INTO voids (batch_id, at, actor, reason, kind) VALUES (?, ?, ?, ?, ?)",
                (batch_id, iso(at), actor, reason, kind),
            )
            seal = self.ledger.seal("void", batch_id, at=at, actor=actor)
            if seal is not None:
                undone.append(seal)
            return undone

    def verify_batch(self, batch_id: str, *, verifier: str, at: dt.datetime) -> int:
        """
        Record the pharmacist's check that releases consumed batch *batch_id*
        (append-only, sealed in the journal); returns the seal's entry.

        Raises:
            UnknownEntry: no such batch.
            StockError: the verifier is the preparer, the name is blank, the batch is
                void or was verified already; nothing is recorded.
        """
        if not verifier.strip():
            raise StockError("a verification needs the verifier's name")
        with self.transaction():
            batch = self.queries.batch(batch_id)
            if batch.void is not None:
                raise StockError(f"batch '{batch_id}' is void: it cannot be released")
            if batch.verification is not None:
                raise StockError(
                    f"batch '{batch_id}' was verified already by {batch.verification.verifier}"
                )
            if _time.utc(at) < batch.at:
                raise EntryOrderError(
                    f"a verification dated {_time.shown(at)} would come before batch '{batch_id}' "
                    f"({_time.shown(batch.at)})"
                )
            if identity(verifier) == identity(batch.actor):
                raise StockError(
                    f"'{verifier}' prepared batch '{batch_id}': the preparer cannot verify "
                    "their own batch; another pharmacist must"
                )
            self.ledger.db.execute(
                "INSERT INTO verifications (batch_id, at, verifier) VALUES (?, ?, ?)",
                (batch_id, iso(at), verifier),
            )
            seal = self.ledger.seal("verification", batch_id, at=at, actor=verifier)
            if seal is None:
                raise StockError(f"batch '{batch_id}' has no journal entries to seal")
            return seal

    def administrations(
        self, *, patient: str | None = None, batch_id: str | None = None
    ) -> list[Administration]:
        """The doses given, of one patient or from one batch, oldest first (with undos)."""
        return self.queries.administrations(patient=patient, batch_id=batch_id)

    def undo_administration(
        self, number: int, *, reason: str, at: dt.datetime, actor: str
    ) -> tuple[int, int]:
        """
        Take back administration *number* (recorded in error) with a compensating row
        and its reason; the administration itself stays. Returns the undo's number and
        its seal's journal entry.

        Raises:
            UnknownEntry: no such administration.
            StockError: no reason, the row is an undo, or it was undone already.
            EntryOrderError: *at* is before the administration.
        """
        if not reason.strip():
            raise StockError("undoing an administration needs a reason")
        with self.transaction():
            row = self.ledger.db.execute(
                "SELECT kind, batch_id, patient, at, volume_ul, doses FROM administrations"
                " WHERE administration_id = ?",
                (number,),
            ).fetchone()
            if row is None:
                raise UnknownEntry(f"no administration {number} in the store")
            if row["kind"] != "give":
                raise StockError(f"administration {number} is an undo; it is not undone")
            if self.ledger.db.execute(
                "SELECT 1 FROM administrations WHERE undoes = ?", (number,)
            ).fetchone():
                raise StockError(f"administration {number} was undone already")
            if _time.utc(at) < _time.read(row["at"]):
                raise EntryOrderError(
                    f"an undo dated {_time.shown(at)} would come before administration {number} "
                    f"({_time.shown(_time.read(row['at']))})"
                )
            return self.ledger.give(
                row["batch_id"],
                patient=row["patient"],
                volume_ul=-int(row["volume_ul"]),
                doses=row["doses"],
                at=at,
                actor=actor,
                undoes=number,
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
        if not reason.strip():
            raise StockError("an undo needs a reason")
        with self.transaction():
            return self.ledger.compensate(entry_id, reason=reason, at=at, actor=actor)

    # ------------------------------------------------------------------ reading

    def entry(self, entry_id: int) -> Entry | None:
        """One journal entry, or None."""
        return self.queries.entry(entry_id)

    # ------------------------------------------------------------------ plan and consume

    def lots(
        self,
        products: Sequence[str] | None = None,
        *,
        used_up: bool = False,
        site: str | None = None,
    ) -> list[LotView]:
        """
        The lots that hold something, with their balances (of *products* when given), by
        product and expiry; with *used_up*, the used-up lots as well.
        """
        return self.queries.lots(products, used_up=used_up, site=site)

    def states(self, products: Sequence[str], site: str | None = None) -> list[LotState]:
        """The allocation view of the lots of *products* that hold something."""
        return self.queries.states(products, site)

    def containers(self, container_ids: Sequence[int]) -> dict[int, ContainerInfo]:
        """Opening time, in-use days and single-dose flag of the given containers."""
        return self.queries.containers(container_ids)

    def history(self, lot_id: int | None = None, *, correlation: str | None = None) -> list[Entry]:
        """Journal entries, oldest first (of one lot, or of one batch / count)."""
        return self.queries.history(lot_id, correlation=correlation)

    def export(self) -> StockSheet:
        """The store's lots as a stock sheet (unopened and opened containers, status)."""
        return self.queries.export()

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
        record: JSONObject | None = None,
        pins: Mapping[str, str] | None = None,
        site: str | None = None,
    ) -> ConsumeResult:
        """
        Consume a batch: allocate and record every draw, opening and single-dose waste
        in one transaction, or nothing when stock is short.

        Idempotent per *batch_id*: consuming the same batch again changes nothing and
        returns the recorded plan. *pins* (product -> lot number, from scanned boxes)
        allocate a product from that lot only; *site* allocates from that site's lots
        only (every site when None).

        Raises:
            StockError: the batch id was used for another formulation, other content or
                another number of batches.
            LedgerIntegrityError: a lot it would touch disagrees with the journal.
        """
        return _consume.consume(
            self.ledger,
            self.queries,
            needs,
            batch_id=batch_id,
            formulation=formulation,
            version=version,
            checksum=checksum,
            batches=batches,
            at=at,
            actor=actor,
            record=record,
            pins=pins,
            site=site,
        )

    def batch(self, batch_id: str) -> StoredBatch:
        """The stored record of a consumed batch (see :meth:`Queries.batch`)."""
        return self.queries.batch(batch_id)

    def plan(
        self,
        needs: Sequence[Need],
        *,
        at: dt.datetime,
        pins: Mapping[str, str] | None = None,
        site: str | None = None,
    ) -> Plan:
        """
        Allocate *needs* against the current stock (of *site* when given); changes
        nothing.

        Raises:
            LedgerIntegrityError: a lot it would touch is unsound (its cached balance or
                its facts disagree with the journal); nothing is planned from it.
        """
        products = sorted({n.product for n in needs})
        states = self.states(products, site) if products else []
        problems = audit.unsound_lots(self.ledger.db, [s.lot_id for s in states], chain=False)
        if problems:
            raise LedgerIntegrityError("; ".join(problems))
        return allocate(needs, _consume.pinned(states, pins), at=at)

    # ------------------------------------------------------------------ count

    def count(
        self,
        sheet: CountSheet,
        catalog: Catalog,
        *,
        actor: str | None = None,
        site: str | None = None,
    ) -> list[CountLine]:
        """
        Record a stocktake of one site (see :mod:`mesoformula.stock.count`): variances
        against what was expected at ``counted_at``, movements since kept, uncounted lots
        and other sites untouched.

        Raises:
            InsufficientStock: a variance would make a balance negative; nothing is recorded.
            StockError: a found lot whose product is not in the catalog.
        """
        return record_count(self, sheet, catalog, actor=actor, site=site)

    # ------------------------------------------------------------------ verify

    def fold(self) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
        """Recompute every balance from the journal: lots (unopened, status), containers."""
        return audit.fold(self.ledger.db)

    def verify(
        self,
        *,
        expect_head: tuple[int, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """
        Prove the store sound (see :func:`mesoformula.stock.audit.verify`): SQLite's
        integrity check, the append-only triggers, the hash chain, the lots and
        containers each entry recorded, the balances, and with *expect_head* the history
        up to a head kept elsewhere. Returns every problem found; empty means sound.
        """
        return audit.verify(self.ledger.db, expect_head=expect_head, progress=progress)

    def tampered(
        self, batch_id: str | None = None, administrations: Sequence[int] = ()
    ) -> list[str]:
        """
        What of the stored facts a command is about to print or act on does not verify
        (SPEC §9.5): the batch (its record and plan), its release and its void, each
        against its seal; each administration against its seal. A batch consumed before
        seals existed is not covered (``unsealed_batches``). Empty: what it holds is
        what the journal sealed.
        """
        db = self.ledger.db
        problems: list[str] = []
        if batch_id is not None and batch_id not in set(audit.unsealed_legacy(db)):
            problems += audit.seal_problems(db, "batch", batch_id, batch_id)
            for subject, table in (("verification", "verifications"), ("void", "voids")):
                row = db.execute(
                    f"SELECT 1 FROM {table} WHERE batch_id = ?",
                    (batch_id,),
                ).fetchone()
                if row is not None:
                    problems += audit.seal_problems(db, subject, batch_id, batch_id)
        for number in administrations:
            row = db.execute(
                "SELECT batch_id FROM administrations WHERE administration_id = ?", (number,)
            ).fetchone()
            if row is not None:
                problems += audit.seal_problems(db, "administration", str(number), row[0])
        return problems

    def unsealed_batches(self) -> list[str]:
        """
        Batches consumed before schema version 5 introduced seals: their movements are
        proven, their compounding records are not (see :func:`audit.unsealed_legacy`).
        """
        return audit.unsealed_legacy(self.ledger.db)

    def head(self) -> tuple[int, str]:
        """The chain head: the last entry's number and hash (keep it elsewhere)."""
        return audit.head(self.ledger.db)

    def rebuild(self) -> None:
        """Rebuild the balance cache from the journal."""
        with self.transaction():
            audit.rebuild(self.ledger.db)

    def require_sound(self) -> None:
        """Raise :class:`LedgerIntegrityError` when :meth:`verify` finds a problem."""
        problems = self.verify()
        if problems:
            raise LedgerIntegrityError("; ".join(problems))


def _write_ahead_log(db: sqlite3.Connection, wait: float = 60.0) -> None:
    """
    Put the store in WAL mode. Changing the journal mode needs the file to itself, and
    SQLite does not wait for that (no busy handler): while another process creates the
    same store, retry until it is done, as long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


__all__ = [
    "DEFAULT_DB",
    "Stock",
]
