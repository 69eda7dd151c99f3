"""
Auditing the ledger: the fold of the journal, the hash chain, and the proof that the
balance cache agrees with both (SPEC §5).

Functions of a SQLite connection, so that the store and the tools around it (the
benchmark, a repair script) share one definition of "sound".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .row_checks import import_problems, rows_without_entries, scan_problems
from .seals import (
    GENESIS,
    chain_problems,
    facts_text,
    legacy_voids,
    lot_facts_query,
    seal_era,
    sealed_subject,
    unsealed_legacy,
)
from .walk import Walk

if TYPE_CHECKING:
    from ._engine import Engine


#: What ``verify --since`` does not prove again, left to a full verify (its output and
#: docs/reference/ledger.md say so): what only the history up to the head could show.
SINCE_LEAVES = (
    "the entries before the kept head (one changed there is found by a full verify)",
    (
        "the lots and containers no entry after the head records (product, number, expiry, "
        "volume, opening)"
    ),
    (
        "the rows sealed up to the head (batches, releases, voids, administrations, events, "
        "imports) against their seals"
    ),
    "the cached balances of lots no entry after the head moves",
    "the database file's own integrity check (SQLite)",
)


#: The triggers that make the journal, batches, imports and voids append-only.
TRIGGERS = (
    "journal_no_update",
    "journal_no_delete",
    "batches_no_update",
    "batches_no_delete",
    "imports_no_update",
    "imports_no_delete",
    "voids_no_update",
    "voids_no_delete",
    "verifications_no_update",
    "verifications_no_delete",
    "administrations_no_update",
    "administrations_no_delete",
    "scans_no_update",
    "scans_no_delete",
    "events_no_update",
    "events_no_delete",
)


#: The triggers only a PostgreSQL store has: TRUNCATE is refused, and the journal's
#: counter (its gapless numbers) cannot be deleted.
POSTGRES_TRIGGERS = (
    *(f"{table}_no_truncate" for table in (
        "journal", "batches", "imports", "voids", "verifications", "administrations", "scans",
        "events",
    )),
    "journal_counter_no_delete",
)  # fmt: skip


def head(db: Engine) -> tuple[int, str]:
    """The chain head: the last entry's number and hash (0 and the genesis when empty)."""
    row = db.execute("SELECT entry_id, hash FROM journal ORDER BY entry_id DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def fold(
    db: Engine, lots: Sequence[int] | None = None
) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
    """
    Recompute every balance from the journal: lots (unopened, status), containers. With
    *lots*, only theirs, from their entries alone (read by the journal's lot index).
    """
    where: str = ""
    params: tuple[Any, ...] = ()
    if lots is not None:
        where, params = f" WHERE {db.in_ids('lot_id')}", (db.ids(lots),)
    balances: dict[int, list[Any]] = {
        int(r[0]): [0, "released"] for r in db.execute("SELECT lot_id FROM lots" + where, params)
    }
    containers: dict[int, list[int]] = {}
    for lot_id, container_id, cd, vd, ld, status in db.stream(
        "SELECT lot_id, container_id, containers_delta, volume_delta, live_delta, status"
        f" FROM journal{where} ORDER BY " + ("entry_id" if lots is None else "lot_id, entry_id"),
        params,
    ):
        lot = balances.setdefault(int(lot_id), [0, "released"])
        lot[0] += cd
        if status is not None:
            lot[1] = status
        if container_id is not None:
            state = containers.setdefault(int(container_id), [0, 0])
            state[0] += vd
            state[1] += ld
    return (
        {k: (v[0], v[1]) for k, v in balances.items()},
        {k: (v[0], v[1]) for k, v in containers.items()},
    )


def verify(
    db: Engine,
    *,
    expect_head: tuple[int, str] | None = None,
    since: tuple[int, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """
    Prove the store sound: SQLite's own integrity check passes; the append-only
    triggers are in place; the hash chain is unbroken (no entry changed, none deleted);
    every entry's lot and container are what the entry recorded (entries with facts);
    every sealed row is what its seal recorded and every row that needs a seal has one;
    the rows of lots, containers, scans and imports are what the journal speaks of;
    the cached balances equal the fold of the journal; and, with *expect_head* (a head
    kept elsewhere), the history up to that head was not rewritten. Returns every
    problem found; an empty list means sound. *progress* is called with (entries just
    read, entries in all) every 10,000 entries.

    With *since* (a head kept elsewhere, instead of *expect_head*), only what came after
    it is proven again: the head's entry exists with that hash and was not changed, and
    every entry after it as above, the rows sealed after it, and the balances of the
    lots those entries move (from all their entries); the checks of whole tables stay.
    What it leaves to a full verify is :data:`SINCE_LEAVES`.
    """
    db.whole_walk()
    if since is not None and expect_head is not None:
        raise ValueError("verify takes a kept head as expect_head or as since, not both")
    kept = since or expect_head
    tables = db.tables()
    problems = (db.integrity_problems() if since is None else []) + _trigger_problems(db, tables)
    walk = Walk(db, kept, first=1 if since is None else since[0])
    if since is not None:
        walk.lots = set()
    walk.run(progress)
    problems += walk.problems
    sealed = walk.sealed if since is None else _seals_before(db, since[0], walk.sealed)
    problems += _unsealed_rows(db, tables, sealed, walk.next_id)
    problems += rows_without_entries(db, tables)
    if "scans" in tables:
        problems += scan_problems(db)
    if "imports" in tables:
        problems += import_problems(db)
    problems += [
        f"lot {lot_id} (or a container of it) is not what the journal recorded ({where} "
        "and later): its product, number, expiry, volume or opening was changed"
        for lot_id, where in sorted(walk.changed.items())
    ]
    balances = _balance_problems(db, None if walk.lots is None else sorted(walk.lots))
    return problems + _end_problems(db, kept, walk.next_id) + balances


def _seals_before(db: Engine, first: int, seen: dict[str, set[str]]) -> dict[str, set[str]]:
    """The keys sealed by the entries before *first* and those *seen* after it."""
    sealed = {reason: set(keys) for reason, keys in seen.items()}
    for reason, correlation in db.execute(
        "SELECT reason, correlation FROM journal WHERE kind = 'seal' AND entry_id < ?", (first,)
    ):
        subject = sealed_subject(str(reason), str(correlation))
        if subject is not None:
            sealed[subject[0]].add(subject[1])
    return sealed


def _trigger_problems(db: Engine, tables: set[str]) -> list[str]:
    """The append-only triggers of the tables present that are missing (dropped)."""
    present = db.triggers()
    expected = (*TRIGGERS, *(POSTGRES_TRIGGERS if db.kind == "postgresql" else ()))
    return [
        f"the append-only trigger {trigger} is missing (it was dropped)"
        for trigger in expected
        if trigger not in present and trigger.rsplit("_no_", 1)[0] in tables
    ]


#: The rows that need a seal: (table, key column, seal reason, what a missing one means).
_NEEDS_SEAL = (
    ("verifications", "batch_id", "sealed: verification", "the release of batch '{}'"),
    ("voids", "batch_id", "sealed: void", "the void of batch '{}'"),
    ("administrations", "administration_id", "sealed: administration", "administration {}"),
    ("events", "event_id", "sealed: event", "event {}"),
)


def _unsealed_rows(
    db: Engine, tables: set[str], sealed: dict[str, set[str]], next_id: int
) -> list[str]:
    """Batches, releases, voids and administrations without their seal in the journal."""
    problems = _unsealed_batches(db, sealed, next_id) if "batches" in tables else []
    old_voids = legacy_voids(db) if "voids" in tables else set()
    for table, key, reason, what in _NEEDS_SEAL:
        if table not in tables:
            continue
        for (value,) in db.execute(f"SELECT {key} FROM {table} ORDER BY {key}"):
            if str(value) in sealed[reason] or (table == "voids" and value in old_voids):
                continue
            problems.append(
                f"{what.format(value)} has no seal in the journal: it was added behind the "
                "journal's back"
            )
    return problems


def _unsealed_batches(db: Engine, sealed: dict[str, set[str]], next_id: int) -> list[str]:
    """Batches without a seal that are not from before seals; the start of sealing."""
    problems = []
    legacy = set(unsealed_legacy(db))
    era = seal_era(db)
    first = db.execute("SELECT MIN(entry_id) FROM journal WHERE kind = 'seal'").fetchone()[0]
    if era is not None and (era > next_id or (first is not None and first < era)):
        problems.append(
            f"the start of sealing (entry {era}) was changed: it does not fit the journal"
        )
    for (batch_id,) in db.execute("SELECT batch_id FROM batches ORDER BY batch_id"):
        if batch_id not in sealed["sealed: batch"] and batch_id not in legacy:
            problems.append(
                f"batch '{batch_id}' has no seal in the journal: it was added behind the "
                "journal's back"
            )
    return problems


def _end_problems(db: Engine, expect_head: tuple[int, str] | None, next_id: int) -> list[str]:
    """Entries removed from the end: past the kept head, or short of the id counter."""
    problems = []
    if expect_head is not None and expect_head[0] >= next_id:
        problems.append(
            f"the head kept elsewhere names entry {expect_head[0]}, and the journal ends at "
            f"{next_id - 1}: entries were removed (or that head is another store's)"
        )
    sequence = db.reserved_entry_id()
    if sequence is not None and sequence >= next_id:
        problems.append(f"entries {next_id}..{sequence} are missing from the end of the journal")
    return problems


def _balance_problems(db: Engine, lot_ids: Sequence[int] | None = None) -> list[str]:
    """The balance cache against the fold of the journal (of *lot_ids* only, when given);
    no negative balance."""
    problems = []
    lots, containers = fold(db, lot_ids)
    lot_rows = "SELECT lot_id, unopened, status FROM lot_balance"
    container_rows = "SELECT container_id, remaining_ul, live FROM container_balance"
    lot_params: tuple[Any, ...] = ()
    container_params: tuple[Any, ...] = ()
    if lot_ids is not None:
        lot_rows, lot_params = lot_rows + f" WHERE {db.in_ids('lot_id')}", (db.ids(lot_ids),)
        of_lots = db.execute(
            f"SELECT container_id FROM containers WHERE {db.in_ids('lot_id')}", lot_params
        )
        container_ids = sorted(set(containers) | {int(r[0]) for r in of_lots})
        container_rows += f" WHERE {db.in_ids('container_id')}"
        container_params = (db.ids(container_ids),)
    cached_lots = {int(r[0]): (int(r[1]), r[2]) for r in db.execute(lot_rows, lot_params)}
    cached_containers = {
        int(r[0]): (int(r[1]), int(r[2])) for r in db.execute(container_rows, container_params)
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
                f"!= journal {containers.get(container_id)}"
            )
    problems += [
        f"lot {lot_id}: negative balance {unopened}"
        for lot_id, (unopened, _) in lots.items()
        if unopened < 0
    ]
    return problems


def unsound_lots(db: Engine, lot_ids: Sequence[int], *, chain: bool = True) -> list[str]:
    """
    Re-derive the lots *lot_ids* from the journal: their balance and status (and their
    containers') must equal the cache, and their lot and container rows must be what
    their latest entries recorded. Returns the problems (empty: sound). Cheap enough to
    run on every plan and consume: only the entries of those lots are read, in a few
    queries for all of them (a server is a round trip away). With *chain* (every write),
    each of their entries is also proven against the hash chain (:func:`chain_problems`);
    a plan, which changes nothing, re-derives without hashing.
    """
    if not lot_ids:
        return []
    ids = db.ids(lot_ids)
    journal: dict[int, list[Any]] = {}
    for row in db.execute(
        "SELECT lot_id, container_id, containers_delta, volume_delta, live_delta, status,"
        f" facts FROM journal WHERE {db.in_ids('lot_id')} AND kind != 'seal'"
        " ORDER BY lot_id, entry_id",
        (ids,),
    ):
        journal.setdefault(int(row[0]), []).append(row)
    cache = {
        int(r[0]): (int(r[1]), r[2])
        for r in db.execute(
            f"SELECT lot_id, unopened, status FROM lot_balance WHERE {db.in_ids('lot_id')}",
            (ids,),
        )
    }
    lots = {
        int(r[0]): list(r)[1:]
        for r in db.execute(lot_facts_query(db) + f" WHERE {db.in_ids('lot_id')}", (ids,))
    }
    seen = db.ids(
        sorted({int(r[1]) for rows in journal.values() for r in rows if r[1] is not None})
    )
    container_cache = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in db.execute(
            "SELECT container_id, remaining_ul, live FROM container_balance"
            f" WHERE {db.in_ids('container_id')}",
            (seen,),
        )
    }
    container_rows = {
        int(r[0]): [r[1], r[2]]
        for r in db.execute(
            "SELECT container_id, lot_id, opened_at FROM containers"
            f" WHERE {db.in_ids('container_id')}",
            (seen,),
        )
    }
    problems: list[str] = []
    for lot_id in lot_ids:
        unopened, status, containers, facts = _fold_lot(journal.get(int(lot_id), []))
        cached = cache.get(int(lot_id))
        if cached is None or cached != (unopened, status):
            problems.append(
                f"lot {lot_id}: the cached balance {cached} is not what the journal gives "
                f"({unopened}, {status})"
            )
        for container_id, (remaining, live) in containers.items():
            if container_cache.get(container_id) != (remaining, live):
                problems.append(f"container {container_id}: the cached balance disagrees")
        for subject, recorded in facts.items():
            current = facts_text(
                lots.get(int(lot_id)),
                subject is not None,
                None if subject is None else container_rows.get(subject),
            )
            if current != recorded:
                problems.append(
                    f"lot {lot_id}: its product, number, expiry, volume or a container's "
                    "opening is not what the journal recorded"
                )
                break
    return problems + (chain_problems(db, lot_ids) if chain else [])


def _fold_lot(
    rows: Sequence[Sequence[Any]],
) -> tuple[int, str, dict[int, list[int]], dict[int | None, str]]:
    """
    The fold of one lot's entries (lot, container, deltas, status, facts): its unopened
    containers, its status, each container's (remaining, live) and the latest facts
    recorded of the lot (key None) and of each container.
    """
    unopened, status = 0, "released"
    containers: dict[int, list[int]] = {}
    facts: dict[int | None, str] = {}
    for row in rows:
        unopened += int(row[2])
        if row[5] is not None:
            status = row[5]
        if row[1] is not None:
            state = containers.setdefault(int(row[1]), [0, 0])
            state[0] += int(row[3])
            state[1] += int(row[4])
        if row[6] is not None:
            facts[None if row[1] is None else int(row[1])] = row[6]
    return unopened, status, containers, facts


def rebuild(db: Engine) -> None:
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
    "POSTGRES_TRIGGERS",
    "TRIGGERS",
    "fold",
    "head",
    "rebuild",
    "unsound_lots",
    "verify",
]
