"""
The read side of :class:`~mesoformula.stock.store.Stock`: lots, entries, batches and
administrations as they stand, a plan against the stock (which changes nothing), and
the proofs (verify, the chain head, what of a batch no longer holds against its seals).
Every method delegates to the queries, the audit or the seals: no SQL here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from mesoformula.allocation import LotState, Need, Plan
from mesoformula.exceptions import LedgerIntegrityError
from mesoformula.sheets import StockSheet

from . import audit, batches, lots, seals
from .ledger import Ledger
from .queries import ContainerInfo, Entry, LotView, Queries, StoredBatch

if TYPE_CHECKING:
    from mesoformula.course import Administration


class StockReads:
    """What a store holds and whether it is sound (mixed into ``Stock``)."""

    ledger: Ledger
    queries: Queries

    def sites(self) -> list[str]:
        """
        The sites that hold lots (any lot, used up or not), sorted.
        See :func:`.lots.sites`.
        """
        return lots.sites(self.ledger)

    def recalled(self, lot_ids: Sequence[int]) -> list[str]:
        """
        The lots of *lot_ids* recalled now, as "product lot L".
        See :func:`.lots.recalled`.
        """
        return lots.recalled(self.ledger, lot_ids)

    def find_lot(self, lot: str, product: str | None = None, site: str | None = None) -> int:
        """
        Return the id of lot number *lot* (of *product*, when lot numbers repeat; at
        *site*, when a lot is held at several sites).
        See :func:`.lots.find_lot`.
        """
        return lots.find_lot(self.ledger, lot, product, site)

    def administrations(
        self, *, patient: str | None = None, batch_id: str | None = None
    ) -> list[Administration]:
        """The doses given, of one patient or from one batch, oldest first (with undos)."""
        return self.queries.administrations(patient=patient, batch_id=batch_id)

    def entry(self, entry_id: int) -> Entry | None:
        """One journal entry, or None."""
        return self.queries.entry(entry_id)

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
        See :func:`.batches.plan`.
        """
        return batches.plan(self.ledger, self.queries, needs, at=at, pins=pins, site=site)

    def fold(self) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
        """Recompute every balance from the journal: lots (unopened, status), containers."""
        return audit.fold(self.ledger.db)

    def verify(
        self,
        *,
        expect_head: tuple[int, str] | None = None,
        since: tuple[int, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """
        Prove the store sound (see :func:`mesoformula.stock.audit.verify`): SQLite's
        integrity check, the append-only triggers, the hash chain, the lots and
        containers each entry recorded, the balances, and with *expect_head* the history
        up to a head kept elsewhere. With *since* (a head kept elsewhere), the head and
        only what came after it (:data:`mesoformula.stock.audit.SINCE_LEAVES` says what
        that leaves to a full verify). Returns every problem found; empty means sound.
        """
        return audit.verify(self.ledger.db, expect_head=expect_head, since=since, progress=progress)

    def tampered(
        self,
        batch_id: str | None = None,
        administrations: Sequence[int] = (),
        *,
        of_batch: bool = False,
    ) -> list[str]:
        """
        What of the stored facts a command is about to print or act on does not
        verify (SPEC §9.5): the batch (its record and plan), its release and its
        void, each against its seal; each administration against its seal. A batch
        consumed before seals existed is not covered (``unsealed_batches``). Empty:
        what it holds is what the journal sealed.
        See :func:`.batches.tampered`.
        """
        return batches.tampered(self.ledger, batch_id, administrations, of_batch=of_batch)

    def unsealed_batches(self) -> list[str]:
        """
        Batches consumed before schema version 5 introduced seals: their movements are
        proven, their compounding records are not (see :func:`seals.unsealed_legacy`).
        """
        return seals.unsealed_legacy(self.ledger.db)

    def head(self) -> tuple[int, str]:
        """The chain head: the last entry's number and hash (keep it elsewhere)."""
        return audit.head(self.ledger.db)

    def require_sound(self) -> None:
        """Raise :class:`LedgerIntegrityError` when :meth:`verify` finds a problem."""
        problems = self.verify()
        if problems:
            raise LedgerIntegrityError("; ".join(problems))


__all__ = ["StockReads"]
