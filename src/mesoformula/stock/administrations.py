"""
Administrations (SPEC §8.3): a dose given is recorded by :func:`mesoformula.administer`;
one recorded in error is taken back here, by a compensating row with its reason.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mesoformula import _time
from mesoformula.exceptions import (
    EntryOrderError,
    StockError,
    UnknownEntry,
)

from .ledger import Ledger, iso

if TYPE_CHECKING:
    pass


def undo_administration(
    ledger: Ledger, number: int, *, reason: str, at: dt.datetime, actor: str
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
    with ledger.transaction():
        row = ledger.db.execute(
            "SELECT kind, batch_id, patient, at, volume_ul, doses FROM administrations"
            " WHERE administration_id = ?",
            (number,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no administration {number} in the store")
        if row["kind"] != "give":
            raise StockError(f"administration {number} is an undo; it is not undone")
        if ledger.db.execute(
            "SELECT 1 FROM administrations WHERE undoes = ?", (number,)
        ).fetchone():
            raise StockError(f"administration {number} was undone already")
        if _time.utc(at) < _time.read(row["at"]):
            raise EntryOrderError(
                f"an undo dated {_time.shown(at)} would come before administration {number} "
                f"({_time.shown(_time.read(row['at']))})"
            )
        return give(
            ledger,
            row["batch_id"],
            patient=row["patient"],
            volume_ul=-int(row["volume_ul"]),
            doses=row["doses"],
            at=at,
            actor=actor,
            undoes=number,
            reason=reason,
        )


def give(
    ledger: Ledger,
    batch_id: str,
    *,
    patient: str,
    volume_ul: int,
    doses: str,
    at: dt.datetime,
    actor: str,
    undoes: int | None = None,
    reason: str = "",
    area: str | None = None,
) -> tuple[int, int]:
    """
    Record an administration of *batch_id* (or, with *undoes*, the compensating row
    of one: *volume_ul* negative) and seal it; return its number and the seal's entry.
    The caller holds the write lock and has checked everything.

    Raises:
        StockError: the batch has no journal entries to seal the row to.
    """
    # The area column (schema version 10) is written only when there is an area.
    columns = ", area" if area is not None else ""
    cursor = ledger.db.execute(
        "INSERT INTO administrations (kind, batch_id, patient, at, volume_ul, actor, doses,"
        f" reason, undoes{columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?"
        + (", ?" if area is not None else "")
        + ") RETURNING administration_id",
        (
            "give" if undoes is None else "undo",
            batch_id,
            patient,
            iso(at),
            volume_ul,
            actor,
            doses,
            reason,
            undoes,
            *((area,) if area is not None else ()),
        ),
    )
    number = int(cursor.fetchone()[0])
    seal = ledger.seal("administration", batch_id, at=at, actor=actor, key=number)
    if seal is None:
        raise StockError(f"batch '{batch_id}' has no journal entries to seal the dose to")
    return number, seal


__all__ = [
    "undo_administration",
]
