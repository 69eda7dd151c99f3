"""
Auditing the ledger: the fold of the journal, the hash chain, and the proof that the
balance cache agrees with both (SPEC §5).

Functions of a SQLite connection, so that the store and the tools around it (the
benchmark, a repair script) share one definition of "sound".
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

#: The previous hash of the first journal entry.
GENESIS = "0" * 64


def entry_hash(prev: str, fields: Sequence[object]) -> str:
    """The hash of a journal entry: SHA-256 of the previous hash and the entry's fields."""
    text = "|".join("" if f is None else str(f) for f in fields)
    return hashlib.sha256(f"{prev}|{text}".encode()).hexdigest()


def fold(db: sqlite3.Connection) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
    """Recompute every balance from the journal: lots (unopened, status), containers."""
    lots: dict[int, list[Any]] = {
        int(r[0]): [0, "released"] for r in db.execute("SELECT lot_id FROM lots")
    }
    containers: dict[int, list[int]] = {}
    for lot_id, container_id, cd, vd, ld, status in db.execute(
        "SELECT lot_id, container_id, containers_delta, volume_delta, live_delta, status"
        " FROM journal ORDER BY entry_id"
    ):
        lot = lots.setdefault(int(lot_id), [0, "released"])
        lot[0] += cd
        if status is not None:
            lot[1] = status
        if container_id is not None:
            state = containers.setdefault(int(container_id), [0, 0])
            state[0] += vd
            state[1] += ld
    return (
        {k: (v[0], v[1]) for k, v in lots.items()},
        {k: (v[0], v[1]) for k, v in containers.items()},
    )


def verify(db: sqlite3.Connection) -> list[str]:
    """
    Prove the store sound: the hash chain is unbroken (no entry changed, none
    deleted), and the cached balances equal the fold of the journal. Returns every
    problem found; an empty list means sound.
    """
    problems = []
    prev = GENESIS
    expected_id = 1
    for row in db.execute(
        "SELECT entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
        " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
        " prev_hash, hash FROM journal ORDER BY entry_id"
    ):
        entry_id = int(row[0])
        if entry_id != expected_id:
            problems.append(f"entries {expected_id}..{entry_id - 1} are missing from the journal")
        if row[15] != prev:
            problems.append(
                f"entry {entry_id} does not follow the entry before it (hash chain broken)"
            )
        if entry_hash(row[15], row[:15]) != row[16]:
            problems.append(f"entry {entry_id} was changed after it was written (hash mismatch)")
        prev = row[16]
        expected_id = entry_id + 1
    sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
    if sequence is not None and int(sequence[0]) >= expected_id:
        problems.append(
            f"entries {expected_id}..{int(sequence[0])} are missing from the end of the journal"
        )
    lots, containers = fold(db)
    cached_lots = {
        int(r[0]): (int(r[1]), r[2])
        for r in db.execute("SELECT lot_id, unopened, status FROM lot_balance")
    }
    cached_containers = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in db.execute("SELECT container_id, remaining_ul, live FROM container_balance")
    }
    for lot_id in sorted(set(lots) | set(cached_lots)):
        if lots.get(lot_id) != cached_lots.get(lot_id):
            problems.append(
                f"lot {lot_id}: cached balance {cached_lots.get(lot_id)} "
                f"!= journal {lots.get(lot_id)}"
            )
    for container_id in sorted(set(containers) | set(cached_containers)):
        if containers.get(container_id, (0, 0)) != cached_containers.get(container_id, (0, 0)):
            problems.append(
                f"container {container_id}: cached {cached_containers.get(container_id)} "
                "!= journal "
                f"{containers.get(container_id)}"
            )
    for lot_id, (unopened, _) in lots.items():
        if unopened < 0:
            problems.append(f"lot {lot_id}: negative balance {unopened}")
    return problems


def rebuild(db: sqlite3.Connection) -> None:
    """Rebuild the balance cache from the journal; the caller holds the write lock."""
    lots, containers = fold(db)
    db.execute("DELETE FROM lot_balance")
    db.execute("DELETE FROM container_balance")
    db.executemany(
        "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, ?, ?)",
        [(k, v[0], v[1]) for k, v in lots.items()],
    )
    db.executemany(
        "INSERT INTO container_balance (container_id, remaining_ul, live) VALUES (?, ?, ?)",
        [(k, v[0], v[1]) for k, v in containers.items()],
    )


__all__ = [
    "GENESIS",
    "entry_hash",
    "fold",
    "rebuild",
    "verify",
]
