"""
Batches after they were consumed (SPEC §5, §9.5): planning against the stock, voiding
(not prepared, or destroyed), the pharmacist's release, undoing an entry, and whether
the stored facts of a batch still hold against their seals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from mesoformula import _time
from mesoformula._text import identity
from mesoformula.allocation import Need, Plan
from mesoformula.exceptions import (
    EntryOrderError,
    StockError,
    UnknownEntry,
)

from . import _consume, seals
from ._consume import BATCH_KINDS
from .ledger import Ledger, iso
from .queries import Queries

if TYPE_CHECKING:
    pass


def void(
    ledger: Ledger,
    queries: Queries,
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
    with ledger.transaction():
        if (
            ledger.db.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
            is None
        ):
            raise UnknownEntry(f"no consumed batch '{batch_id}' in the store")
        if ledger.db.execute("SELECT 1 FROM voids WHERE batch_id = ?", (batch_id,)).fetchone():
            raise StockError(f"batch '{batch_id}' was voided already")
        given = [a for a in queries.administrations(batch_id=batch_id) if a.live]
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
            for e in reversed(queries.history(correlation=batch_id))
            if e.kind in BATCH_KINDS
        ]
        if kind == "destroyed":
            entries = []
        undone = [
            ledger.compensate(
                entry,
                reason=f"void of batch {batch_id}: {reason}",
                at=at,
                actor=actor,
                voiding=batch_id,
            )
            for entry in entries
        ]
        ledger.db.execute(
            "INSERT INTO voids (batch_id, at, actor, reason, kind) VALUES (?, ?, ?, ?, ?)",
            (batch_id, iso(at), actor, reason, kind),
        )
        seal = ledger.seal("void", batch_id, at=at, actor=actor)
        if seal is not None:
            undone.append(seal)
        return undone


def verify_batch(
    ledger: Ledger, queries: Queries, batch_id: str, *, verifier: str, at: dt.datetime
) -> int:
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
    with ledger.transaction():
        batch = queries.batch(batch_id)
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
        ledger.db.execute(
            "INSERT INTO verifications (batch_id, at, verifier) VALUES (?, ?, ?)",
            (batch_id, iso(at), verifier),
        )
        seal = ledger.seal("verification", batch_id, at=at, actor=verifier)
        if seal is None:
            raise StockError(f"batch '{batch_id}' has no journal entries to seal")
        return seal


def undo(ledger: Ledger, entry_id: int, *, reason: str, at: dt.datetime, actor: str) -> int:
    """
    Undo an entry with a compensating entry (the entry itself stays).

    Raises:
        UnknownEntry: no such entry.
        StockError: the entry is an undo, was undone already, or undoing it would
            make a balance negative.
    """
    if not reason.strip():
        raise StockError("an undo needs a reason")
    with ledger.transaction():
        return ledger.compensate(entry_id, reason=reason, at=at, actor=actor)


def plan(
    ledger: Ledger,
    queries: Queries,
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
    return _consume.sound_plan(ledger, queries, needs, at=at, pins=pins, site=site, chain=False)


def tampered(
    ledger: Ledger,
    batch_id: str | None = None,
    administrations: Sequence[int] = (),
    *,
    of_batch: bool = False,
) -> list[str]:
    """
    What of the stored facts a command is about to print or act on does not verify
    (SPEC §9.5): the batch (its record and plan), its release and its void, each
    against its seal; each administration against its seal. A batch consumed before
    seals existed is not covered (``unsealed_batches``). Empty: what it holds is
    what the journal sealed. *of_batch*: the administrations were read as those of
    *batch_id* (a trace), so their seals are looked for under it without asking each
    row's batch again (a row moved to another batch has no seal there: tampered).
    """
    db = ledger.db
    problems: list[str] = []
    if batch_id is not None and not seals.unsealed_legacy(db, batch_id):
        problems += seals.seal_problems(db, "batch", batch_id, batch_id)
        for subject, table in (("verification", "verifications"), ("void", "voids")):
            row = db.execute(
                f"SELECT 1 FROM {table} WHERE batch_id = ?",
                (batch_id,),
            ).fetchone()
            if row is not None:
                problems += seals.seal_problems(db, subject, batch_id, batch_id)
    if not administrations:
        return problems
    if of_batch and batch_id is not None:
        of_one = seals.numbered_seal_problems(db, "administration", administrations, batch_id)
        return problems + [p for number in administrations for p in of_one.get(number, [])]
    batch_of = {
        int(r[0]): str(r[1])
        for r in db.execute(
            "SELECT administration_id, batch_id FROM administrations WHERE "
            + db.in_ids("administration_id"),
            (db.ids(administrations),),
        )
    }
    by_batch: dict[str, list[int]] = {}
    for number in administrations:
        if number in batch_of:
            by_batch.setdefault(batch_of[number], []).append(number)
    found: dict[int, list[str]] = {}
    for batch, numbers in by_batch.items():
        found.update(seals.numbered_seal_problems(db, "administration", numbers, batch))
    for number in administrations:
        problems += found.get(number, [])
    return problems


__all__ = [
    "plan",
    "tampered",
    "undo",
    "verify_batch",
    "void",
]
