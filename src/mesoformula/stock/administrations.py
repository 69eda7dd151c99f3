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

from .ledger import Ledger

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
        return ledger.give(
            row["batch_id"],
            patient=row["patient"],
            volume_ul=-int(row["volume_ul"]),
            doses=row["doses"],
            at=at,
            actor=actor,
            undoes=number,
            reason=reason,
        )


__all__ = [
    "undo_administration",
]
