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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs

from mesoformula._json import JSONObject
from mesoformula.catalog import Catalog, Product

if TYPE_CHECKING:
    from mesoformula.gs1 import Scan

from mesoformula.allocation import Need
from mesoformula.sheets import CountSheet, Lot, StockSheet

from . import _consume, administrations, audit, batches, lots, receiving
from ._consume import ConsumeResult
from ._engine import is_postgres
from ._postgres import open_database
from ._schema import check_version, migrate
from ._sqlite import connect
from .count import CountLine, record_count
from .ledger import MAIN_SITE, Ledger, Status
from .queries import Queries
from .reads import StockReads

#: The file ``Stock.open`` uses when given none.
DEFAULT_DB = "mesoformula.db"


@attrs.define
class Stock(StockReads):
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
        opener = open_database if is_postgres(name) else connect
        engine, version = opener(name, create=create, readonly=readonly)
        try:
            if readonly:
                check_version(engine, version, readonly=True)
            else:
                migrate(engine)
        except BaseException:
            engine.close()
            raise
        return cls(engine.location, Ledger(engine), Queries(engine))

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

    @property
    def engine(self) -> str:
        """The database engine: ``sqlite`` or ``postgresql``."""
        return self.ledger.db.kind

    @property
    def schema_version(self) -> int:
        """The store's schema version (the same history on both engines)."""
        return self.ledger.db.schema_version()

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
        and its status, at the lot's site (else *site*). A lot received again adds
        to its balance.
        See :func:`.receiving.receive`.
        """
        return receiving.receive(
            self.ledger,
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
        See :func:`.receiving.import_sheet`.
        """
        return receiving.import_sheet(
            self.ledger,
            sheet,
            catalog,
            at=at,
            actor=actor,
            correlation=correlation,
            content=content,
            name=name,
            again=again,
            progress=progress,
            site=site,
        )

    def receive_scans(
        self,
        boxes: Sequence[tuple[Scan, Product, int]],
        *,
        at: dt.datetime,
        actor: str,
        site: str = MAIN_SITE,
    ) -> list[int]:
        """
        Receive scanned boxes (a scan, its product, the unopened containers it
        stands for) in one transaction: all or none. A box with a serial is one
        container and is received once per GTIN.
        See :func:`.receiving.receive_scans`.
        """
        return receiving.receive_scans(self.ledger, boxes, at=at, actor=actor, site=site)

    def open_container(self, lot_id: int, *, at: dt.datetime, actor: str, reason: str = "") -> int:
        """
        Open one unopened container of a lot; return the container id.
        See :func:`.lots.open_container`.
        """
        return lots.open_container(self.ledger, lot_id, at=at, actor=actor, reason=reason)

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
        """
        Draw a volume from an opened container (exact to the microlitre).
        See :func:`.lots.draw`.
        """
        return lots.draw(
            self.ledger,
            container_id,
            volume_ml,
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
        Discard unopened containers of a lot, or an opened container (what is left
        in it). A reason is required.
        See :func:`.lots.discard`.
        """
        return lots.discard(
            self.ledger,
            lot_id,
            reason=reason,
            at=at,
            actor=actor,
            containers=containers,
            container_id=container_id,
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
        volume_delta_ml: float = 0.0,
        correlation: str | None = None,
    ) -> int:
        """
        Correct a balance with a reason (a count variance, a breakage found late).
        See :func:`.lots.adjust`.
        """
        return lots.adjust(
            self.ledger,
            lot_id,
            reason=reason,
            at=at,
            actor=actor,
            containers_delta=containers_delta,
            container_id=container_id,
            volume_delta_ml=volume_delta_ml,
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
        Move *containers* unopened containers of a lot to another site of the store,
        in one transaction: an ``adjust`` out of the lot at its site and a
        ``receive`` into the same lot number at *to_site* (created there with the
        same product, expiry, reception date, GTIN and container), both naming the
        other site and sharing one correlation (``transfer N``). Opened containers
        do not travel.
        See :func:`.lots.transfer`.
        """
        return lots.transfer(
            self.ledger,
            lot_id,
            to_site=to_site,
            containers=containers,
            reason=reason,
            at=at,
            actor=actor,
        )

    def set_status(
        self, lot_id: int, status: Status, *, reason: str, at: dt.datetime, actor: str
    ) -> int:
        """
        Quarantine, release or recall a lot.
        See :func:`.lots.set_status`.
        """
        return lots.set_status(self.ledger, lot_id, status, reason=reason, at=at, actor=actor)

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
        Void a consumed batch (SPEC §9.5) and record the void with its reason and
        *kind*; the record shows it void. ``not-prepared`` (a recording mistake)
        undoes every stock movement the batch made (its openings, draws and
        discards, latest first), so the stock is exactly as before it; ``destroyed``
        (made and discarded) leaves the stock used: the containers stay opened and
        drawn, the record says so.
        See :func:`.batches.void`.
        """
        return batches.void(
            self.ledger, self.queries, batch_id, reason=reason, at=at, actor=actor, kind=kind
        )

    def verify_batch(self, batch_id: str, *, verifier: str, at: dt.datetime) -> int:
        """
        Record the pharmacist's check that releases consumed batch *batch_id*
        (append-only, sealed in the journal); returns the seal's entry.
        See :func:`.batches.verify_batch`.
        """
        return batches.verify_batch(self.ledger, self.queries, batch_id, verifier=verifier, at=at)

    def give(
        self,
        batch_id: str,
        *,
        patient: str,
        volume_ul: int,
        doses: str,
        at: dt.datetime,
        actor: str,
        area: str | None = None,
    ) -> tuple[int, int]:
        """
        Record a dose of *batch_id* given and seal it, inside the caller's
        :meth:`transaction` once every check passed (:func:`mesoformula.administer`).
        See :func:`.administrations.give`.
        """
        return administrations.give(self.ledger, batch_id, patient=patient,
                                    volume_ul=volume_ul, doses=doses, at=at, actor=actor,
                                    area=area)  # fmt: skip

    def undo_administration(
        self, number: int, *, reason: str, at: dt.datetime, actor: str
    ) -> tuple[int, int]:
        """
        Take back administration *number* (recorded in error) with a compensating
        row and its reason; the administration itself stays. Returns the undo's
        number and its seal's journal entry.
        See :func:`.administrations.undo_administration`.
        """
        return administrations.undo_administration(
            self.ledger, number, reason=reason, at=at, actor=actor
        )

    def undo(self, entry_id: int, *, reason: str, at: dt.datetime, actor: str) -> int:
        """
        Undo an entry with a compensating entry (the entry itself stays).
        See :func:`.batches.undo`.
        """
        return batches.undo(self.ledger, entry_id, reason=reason, at=at, actor=actor)

    # ------------------------------------------------------------------ plan and consume

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

    def rebuild(self) -> None:
        """Rebuild the balance cache from the journal."""
        with self.transaction():
            audit.rebuild(self.ledger.db)


__all__ = [
    "DEFAULT_DB",
    "Stock",
]
