"""
One pass over the journal in entry order (SPEC §5, §8.5): the hash chain, the facts each
entry recorded against its lot and container as they are now, and the rows its seals
attest. From the genesis (a full ``stock verify``) or from a kept head (``--since``).

The lot and the container of every entry come with the entry, in the one streamed query
(a join), so the cost of an entry does not depend on the order lots interleave in
(issue 28: a cache of 4,096 lots looked the facts up 741,000 times in 1,000,000 entries
of 20,000 interleaved lots, and on PostgreSQL each look-up was a round trip). The rows
seals attest are read a window of seals at a time, one query a kind of row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .seals import (
    CHANGED,
    GENESIS,
    SEALED,
    entry_columns,
    entry_hash,
    facts_text,
    for_schema,
    lot_fact_columns,
    sealed_subject,
    sealed_values,
)

if TYPE_CHECKING:
    from ._engine import Engine

#: Entries verified between two calls of a progress callback.
PROGRESS_EVERY = 10_000

#: Seals whose rows are read together, one query a kind of row.
SEAL_WINDOW = 500

# Where the joined columns are in a row of the walk's query (after the entry's columns,
# 0 to 16, and its facts, 17): the container's id, lot and opening, then the lot's id
# and the columns of its facts.
_CONTAINER, _LOT = 18, 21


def walk_query(db: Engine) -> str:
    """The entries from a number on, each with its facts, its container and its lot."""
    facts = "j.facts" if "facts" in db.columns("journal") else "NULL"
    return (
        f"SELECT {entry_columns('j')}, {facts}, c.container_id, c.lot_id, c.opened_at,"
        f" {lot_fact_columns(db, 'l')} FROM journal j"
        " LEFT JOIN containers c ON c.container_id = j.container_id"
        " LEFT JOIN lots l ON l.lot_id = j.lot_id"
        " WHERE j.entry_id >= ? ORDER BY j.entry_id"
    )


@attrs.define
class Walk:
    """One pass over the journal: the chain, the facts, the seals seen."""

    db: Engine
    #: A head kept elsewhere (``--expect-head``, ``--since``): its entry must have its hash.
    kept: tuple[int, str] | None = None
    #: The first entry read: 1, or a kept head's (``--since``; its link back is not read).
    first: int = 1
    problems: list[str] = attrs.field(factory=list)
    #: The first entry of each lot whose facts are not what the journal recorded.
    changed: dict[int, str] = attrs.field(factory=dict)
    #: The keys sealed, by seal reason.
    sealed: dict[str, set[str]] = attrs.field(factory=lambda: {r: set() for r in SEALED})
    #: The lots the entries read belong to, when asked for (``--since``: their balances).
    lots: set[int] | None = None
    next_id: int = 1
    prev: str | None = GENESIS
    _seals: list[tuple[Sequence[Any], tuple[str, str] | None]] = attrs.field(factory=list)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every entry from :attr:`first`; *progress* as :func:`~.audit.verify` says."""
        self.next_id = max(self.first, 1)
        self.prev = GENESIS if self.first <= 1 else None
        total = 0
        if progress is not None:
            last = self.db.execute("SELECT MAX(entry_id) FROM journal").fetchone()[0]
            total = max(int(last or 0) - self.next_id + 1, 0)
        for row in self.db.stream(walk_query(self.db), (self.next_id,)):
            self._link(row)
            if row[17] is not None:
                self._facts(row)
            if self.lots is not None:
                self.lots.add(int(row[5]))
            self.prev, self.next_id = row[16], int(row[0]) + 1
            if progress is not None and int(row[0]) % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY, total)
        self._check_seals()

    def _link(self, row: Sequence[Any]) -> None:
        """The entry's number, its link to the one before, its hash, the kept head."""
        entry_id = int(row[0])
        if entry_id != self.next_id:
            self.problems.append(
                f"entries {self.next_id}..{entry_id - 1} are missing from the journal"
            )
        if self.prev is not None and row[15] != self.prev:
            self.problems.append(
                f"entry {entry_id} does not follow the entry before it (hash chain broken)"
            )
        if entry_hash(row[15], tuple(row[:15]), row[17]) != row[16]:
            self.problems.append(
                f"entry {entry_id} was changed after it was written (hash mismatch)"
            )
        kept = self.kept
        if kept is not None and entry_id == kept[0] and row[16] != kept[1]:
            self.problems.append(
                f"the history up to entry {entry_id} was rewritten: its hash is not the head "
                "kept elsewhere (or that head is another store's)"
            )

    def _facts(self, row: Sequence[Any]) -> None:
        """The facts the entry hashed against its rows as they are now (a seal's, later)."""
        if row[4] == "seal":
            self._seals.append((row, sealed_subject(str(row[12]), str(row[13]))))
            if len(self._seals) >= SEAL_WINDOW:
                self._check_seals()
            return
        if _facts_now(row) != row[17]:
            self.changed.setdefault(int(row[5]), f"entry {int(row[0])}")

    def _check_seals(self) -> None:
        """The seals of the window against the rows they seal, read a kind at a time."""
        pending, self._seals = self._seals, []
        rows = _sealed_rows(self.db, [subject for _, subject in pending if subject])
        for row, subject in pending:
            sealed = None
            if subject is not None:
                sealed = (SEALED[subject[0]][0], rows.get(subject))
            if _facts_now(row, sealed) != row[17]:
                what = SEALED[subject[0]][0] if subject else "record"
                self.problems.append(
                    f"the {what} '{subject[1] if subject else row[13]}' sealed by entry "
                    f"{int(row[0])} was changed after it was written ("
                    + CHANGED.get(what, "it is not what was recorded")
                    + ")"
                )
            if subject is not None:
                self.sealed[subject[0]].add(subject[1])


def _facts_now(row: Sequence[Any], sealed: tuple[str, list[Any] | None] | None = None) -> str:
    """The facts of a row of :func:`walk_query` as its lot and container now give them."""
    return facts_text(
        None if row[_LOT] is None else list(row[_LOT + 1 :]),
        row[6] is not None,
        None if row[_CONTAINER] is None else [row[_CONTAINER + 1], row[_CONTAINER + 2]],
        sealed,
    )


def _sealed_rows(
    db: Engine, subjects: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[Any] | None]:
    """The rows of *subjects* (seal reason, key), as their seals' facts hold them."""
    keys: dict[str, set[str]] = {}
    for reason, key in subjects:
        keys.setdefault(reason, set()).add(key)
    found: dict[tuple[str, str], list[Any] | None] = {}
    for reason, wanted in keys.items():
        subject, query = SEALED[reason]
        head, _, condition = for_schema(db, query).rpartition(" WHERE ")
        column = condition.partition(" = ")[0]
        marks = ", ".join("?" * len(wanted))
        for row in db.execute(f"{head} WHERE {column} IN ({marks})", sorted(wanted)):
            found[(reason, str(row[0]))] = sealed_values(subject, row)
    return found


__all__ = ["PROGRESS_EVERY", "SEAL_WINDOW", "Walk", "walk_query"]
