"""
Auditing the ledger: the fold of the journal, the hash chain, and the proof that the
balance cache agrees with both (SPEC §5).

Functions of a SQLite connection, so that the store and the tools around it (the
benchmark, a repair script) share one definition of "sound".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mesoformula import _time

if TYPE_CHECKING:
    from ._engine import Engine

#: Entries verified between two calls of a progress callback.
PROGRESS_EVERY = 10_000

#: The previous hash of the first journal entry.
GENESIS = "0" * 64


def entry_hash(prev: str, fields: Sequence[object], facts: str | None = None) -> str:
    """
    The hash of a journal entry: SHA-256 of the previous hash and the entry's fields.

    Entries with *facts* (schema version 4 on) hash a canonical JSON array of the fields
    and the facts, so that no field can spill into its neighbour; entries written before
    keep the first scheme (fields joined by ``|``).
    """
    from hashlib import sha256  # noqa: PLC0415 - a read-only command never hashes

    if facts is None:
        text = "|".join("" if f is None else str(f) for f in fields)
        return sha256(f"{prev}|{text}".encode()).hexdigest()
    payload = json.dumps([*fields, facts], separators=(",", ":"), ensure_ascii=False)
    return sha256(f"{prev}\n{payload}".encode()).hexdigest()


#: The area of an administration (schema version 10), selected last: a row without one
#: is sealed as rows were before (its facts end with ``undoes``).
AREA = ", area"

#: How a batch was voided (schema version 11), selected last, the same way.
KIND = ", kind"

#: What a seal attests: its reason names the subject, its correlation the key.
SEALED = {
    "sealed: batch": (
        "batch",
        (
            "SELECT batch_id, formulation, version, checksum, batches, at, actor, plan, record"
            " FROM batches WHERE batch_id = ?"
        ),
    ),
    "sealed: void": (
        "void",
        "SELECT batch_id, at, actor, reason" + KIND + " FROM voids WHERE batch_id = ?",
    ),
    "sealed: verification": (
        "verification",
        "SELECT batch_id, at, verifier FROM verifications WHERE batch_id = ?",
    ),
    # "sealed: import N": the row N of the imported sheets (what --if-new trusts).
    "sealed: import": (
        "import",
        "SELECT import_id, sha256, name, at, actor, lots FROM imports WHERE import_id = ?",
    ),
    # "sealed: administration N": the row N of the course (a dose given, or its undo).
    "sealed: administration": (
        "administration",
        (
            "SELECT administration_id, kind, batch_id, patient, at, volume_ul, actor, doses,"
            " reason, undoes" + AREA + " FROM administrations WHERE administration_id = ?"
        ),
    ),
}


#: What a changed sealed row means, by subject.
_CHANGED = {
    "batch": "its compounding record or plan is not what was recorded",
    "void": "the void is not what was recorded",
    "verification": "the release is not what was recorded",
    "administration": "the dose given is not what was recorded",
    "import": "the sheet's checksum, name, time or lots are not what was recorded",
}

#: The subjects whose seal names its row by a number after the reason.
NUMBERED = ("administration", "import")


def sealed_subject(reason: str, correlation: str) -> tuple[str, str] | None:
    """
    What a seal with *reason* and *correlation* attests: the SEALED key and the row's
    key (the batch id, or for an administration the number after its reason).
    """
    if reason in SEALED:
        return reason, correlation
    head, _, key = reason.rpartition(" ")
    if head in SEALED and key.isdigit():
        return head, key
    return None


def facts_of(
    db: Engine,
    lot_id: int,
    container_id: int | None,
    seal: tuple[str, str] | None = None,
) -> str:
    """
    What an entry depends on, as canonical JSON: its lot (product, lot number, expiry,
    received, GTIN, nominal volume, single-dose, in-use days; its site when not
    ``main``), its container (lot, opening time) and, for a seal (*seal* is its reason
    and correlation), the row it seals (a consumed batch with its plan and record, or a
    void).
    """
    lot = db.execute(lot_facts_query(db) + " WHERE lot_id = ?", (lot_id,)).fetchone()
    container = None
    if container_id is not None:
        container = db.execute(
            "SELECT lot_id, opened_at FROM containers WHERE container_id = ?", (container_id,)
        ).fetchone()
    sealed_row: tuple[str, list[Any] | None] | None = None
    sealed = None if seal is None else sealed_subject(*seal)
    if sealed is not None:
        subject, query = SEALED[sealed[0]]
        row = db.execute(_for_schema(db, query), (sealed[1],)).fetchone()
        values = None if row is None else list(row)
        trailing = {"administration": 11, "void": 5}.get(subject)
        if values is not None and len(values) == trailing and values[-1] is None:
            values = values[:-1]  # a row from before the column: sealed as it was
        sealed_row = (subject, values)
    return facts_text(
        None if lot is None else list(lot)[1:],
        container_id is not None,
        None if container is None else list(container),
        sealed_row,
    )


def _for_schema(db: Engine, query: str) -> str:
    """*query* without the area column on a store from before schema version 10."""
    if AREA in query and not db.has_areas():
        return query.replace(AREA, "")
    if KIND in query and "kind" not in db.columns("voids"):
        return query.replace(KIND, "")
    return query


def lot_facts_query(db: Engine) -> str:
    """The query of the lot columns an entry's facts hold (its id first)."""
    return (
        "SELECT lot_id, product, lot, expiry, received, gtin, nominal_ul, single_dose,"
        " in_use_days" + (", site" if db.has_sites() else "") + " FROM lots"
    )


def facts_text(
    lot: list[Any] | None,
    with_container: bool,
    container: list[Any] | None,
    sealed: tuple[str, list[Any] | None] | None = None,
) -> str:
    """The canonical JSON of :func:`facts_of` from rows already read."""
    facts: dict[str, object] = {"lot": None if lot is None else lot[:8]}
    # A lot at a site other than 'main' has its site among its facts (a lot of a store
    # made before sites, at 'main', keeps the facts it was hashed with).
    if lot is not None and len(lot) > 8 and lot[8] != "main":
        facts["site"] = lot[8]
    if with_container:
        facts["container"] = container
    if sealed is not None:
        facts[sealed[0]] = sealed[1]
    return json.dumps(facts, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


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
)


#: The triggers only a PostgreSQL store has: TRUNCATE is refused, and the journal's
#: counter (its gapless numbers) cannot be deleted.
POSTGRES_TRIGGERS = (
    *(f"{table}_no_truncate" for table in (
        "journal", "batches", "imports", "voids", "verifications", "administrations", "scans"
    )),
    "journal_counter_no_delete",
)  # fmt: skip


def head(db: Engine) -> tuple[int, str]:
    """The chain head: the last entry's number and hash (0 and the genesis when empty)."""
    row = db.execute("SELECT entry_id, hash FROM journal ORDER BY entry_id DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def fold(db: Engine) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, int]]]:
    """Recompute every balance from the journal: lots (unopened, status), containers."""
    lots: dict[int, list[Any]] = {
        int(r[0]): [0, "released"] for r in db.execute("SELECT lot_id FROM lots")
    }
    containers: dict[int, list[int]] = {}
    for lot_id, container_id, cd, vd, ld, status in db.stream(
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


def verify(
    db: Engine,
    *,
    expect_head: tuple[int, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """
    Prove the store sound: SQLite's own integrity check passes; the append-only
    triggers are in place; the hash chain is unbroken (no entry changed, none deleted);
    every entry's lot and container are what the entry recorded (entries with facts);
    the cached balances equal the fold of the journal; and, with *expect_head* (a head
    kept elsewhere), the history up to that head was not rewritten. Returns every
    problem found; an empty list means sound. *progress* is called with (entries just
    read, entries in all) every 10,000 entries.
    """
    problems = db.integrity_problems()
    present = db.triggers()
    tables = db.tables()
    expected = (*TRIGGERS, *(POSTGRES_TRIGGERS if db.kind == "postgresql" else ()))
    for trigger in expected:
        if trigger not in present and trigger.rsplit("_no_", 1)[0] in tables:
            problems.append(f"the append-only trigger {trigger} is missing (it was dropped)")
    prev = GENESIS
    expected_id = 1
    changed: dict[int, str] = {}
    sealed: dict[str, set[str]] = {reason: set() for reason in SEALED}  # keys sealed
    # The facts of a lot or container as they are now, for consecutive entries of the
    # same lot: a bounded cache, so memory does not grow with the journal.
    current = functools.lru_cache(maxsize=4096)(
        lambda lot_id, container_id: facts_of(db, int(lot_id), container_id)
    )
    facts_column = ", facts" if "facts" in db.columns("journal") else ", NULL"
    total = head(db)[0] if progress is not None else 0
    for row in db.stream(
        "SELECT entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
        " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
        " prev_hash, hash" + facts_column + " FROM journal ORDER BY entry_id"
    ):
        entry_id = int(row[0])
        if entry_id != expected_id:
            problems.append(f"entries {expected_id}..{entry_id - 1} are missing from the journal")
        if row[15] != prev:
            problems.append(
                f"entry {entry_id} does not follow the entry before it (hash chain broken)"
            )
        fields, facts = tuple(row[:15]), row[17]
        if entry_hash(row[15], fields, facts) != row[16]:
            problems.append(f"entry {entry_id} was changed after it was written (hash mismatch)")
        if facts is not None:
            seal = (str(row[12]), str(row[13])) if row[4] == "seal" else None
            now = facts_of(db, int(row[5]), row[6], seal) if seal else current(row[5], row[6])
            subject = None if seal is None else sealed_subject(*seal)
            if seal is not None and now != facts:
                what = SEALED[subject[0]][0] if subject else "record"
                problems.append(
                    f"the {what} '{subject[1] if subject else seal[1]}' sealed by entry "
                    f"{entry_id} was changed after it was written ("
                    + _CHANGED.get(what, "it is not what was recorded")
                    + ")"
                )
            elif now != facts:
                changed.setdefault(int(row[5]), f"entry {entry_id}")
            if subject is not None:
                sealed[subject[0]].add(subject[1])
        if expect_head is not None and entry_id == expect_head[0] and row[16] != expect_head[1]:
            problems.append(
                f"the history up to entry {entry_id} was rewritten: its hash is not the head "
                "kept elsewhere"
            )
        prev = row[16]
        expected_id = entry_id + 1
        if progress is not None and entry_id % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY, total)
    if "batches" in tables:
        legacy = set(unsealed_legacy(db))
        era = _seal_era(db)
        first_seal = db.execute("SELECT MIN(entry_id) FROM journal WHERE kind = 'seal'")
        first = first_seal.fetchone()[0]
        if era is not None and (era > expected_id or (first is not None and first < era)):
            problems.append(
                f"the start of sealing (entry {era}) was changed: it does not fit the journal"
            )
        for (batch_id,) in db.execute("SELECT batch_id FROM batches ORDER BY batch_id"):
            if batch_id not in sealed["sealed: batch"] and batch_id not in legacy:
                problems.append(
                    f"batch '{batch_id}' has no seal in the journal: it was added behind the "
                    "journal's back"
                )
    if "verifications" in tables:
        for (batch_id,) in db.execute("SELECT batch_id FROM verifications ORDER BY batch_id"):
            if batch_id not in sealed["sealed: verification"]:
                problems.append(
                    f"the release of batch '{batch_id}' has no seal in the journal: it was "
                    "added behind the journal's back"
                )
    if "voids" in tables:
        old_voids = legacy_voids(db)
        for (batch_id,) in db.execute("SELECT batch_id FROM voids ORDER BY batch_id"):
            if batch_id not in sealed["sealed: void"] and batch_id not in old_voids:
                problems.append(
                    f"the void of batch '{batch_id}' has no seal in the journal: it was added "
                    "behind the journal's back"
                )
    problems += _rows_without_entries(db, tables)
    if "scans" in tables:
        problems += _scan_problems(db)
    if "imports" in tables:
        problems += import_problems(db)
    if "administrations" in tables:
        for (number,) in db.execute(
            "SELECT administration_id FROM administrations ORDER BY administration_id"
        ):
            if str(number) not in sealed["sealed: administration"]:
                problems.append(
                    f"administration {number} has no seal in the journal: it was added "
                    "behind the journal's back"
                )
    for lot_id, where in sorted(changed.items()):
        problems.append(
            f"lot {lot_id} (or a container of it) is not what the journal recorded ({where} "
            "and later): its product, number, expiry, volume or opening was changed"
        )
    if expect_head is not None and expect_head[0] >= expected_id:
        problems.append(
            f"the head kept elsewhere names entry {expect_head[0]}, and the journal ends at "
            f"{expected_id - 1}: entries were removed"
        )
    sequence = db.reserved_entry_id()
    if sequence is not None and sequence >= expected_id:
        problems.append(
            f"entries {expected_id}..{sequence} are missing from the end of the journal"
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


def legacy_voids(db: Engine) -> set[str]:
    """The voids recorded before seals existed (of batches consumed before the seal era)."""
    return set(unsealed_legacy(db))


def _rows_without_entries(db: Engine, tables: set[str]) -> list[str]:
    """Lots and containers no journal entry speaks of: added behind the journal's back."""
    problems = [
        f"lot {r[0]} has no entry in the journal: it was added behind the journal's back"
        for r in db.execute(
            "SELECT lot_id FROM lots l WHERE NOT EXISTS"
            " (SELECT 1 FROM journal j WHERE j.lot_id = l.lot_id) ORDER BY lot_id"
        )
    ]
    if "containers" in tables:
        problems += [
            f"container {r[0]} was never opened nor received in the journal: it was added "
            "behind the journal's back"
            for r in db.execute(
                "SELECT container_id FROM containers c WHERE NOT EXISTS (SELECT 1 FROM journal"
                " j WHERE j.container_id = c.container_id AND j.kind IN ('open', 'receive'))"
                " ORDER BY container_id"
            )
        ]
    return problems


#: The reason a receipt by a scanned serial carries in its (hashed) entry.
SCANNED = "received by scan, serial "


def _scan_problems(db: Engine) -> list[str]:
    """
    The scans table is what the journal recorded (SPEC §9.5): every receipt of a serial
    has its scan row (a row deleted would let the same box be received again), and every
    scan row names a receipt of that serial and lot (a row added would refuse a box).
    """
    receipts = {
        (str(r[2]), str(r[1])[len(SCANNED) :]): (int(r[0]), str(r[3]))
        for r in db.execute(
            "SELECT j.entry_id, j.reason, l.gtin, l.lot FROM journal j JOIN lots l"
            " USING (lot_id) WHERE j.kind = 'receive' AND j.correlation = 'scan'"
            " AND j.reason LIKE ?",
            (SCANNED + "%",),
        )
    }
    rows = {
        (str(r[0]), str(r[1])): (int(r[2]), str(r[3]))
        for r in db.execute("SELECT gtin, serial, entry, lot FROM scans")
    }
    problems = [
        f"the scan of box {gtin} serial {serial} is missing (its receipt is entry "
        f"{receipts[(gtin, serial)][0]}): it was deleted, so the box could be received again"
        for gtin, serial in sorted(set(receipts) - set(rows))
    ]
    problems += [
        f"the scan of box {gtin} serial {serial} is not what the journal recorded: it was "
        "added or changed behind the journal's back"
        for (gtin, serial), value in sorted(rows.items())
        if receipts.get((gtin, serial)) != value
    ]
    return problems


def import_problems(db: Engine) -> list[str]:
    """
    The imports table is what the journal recorded (SPEC §9.5): every import row is a
    sheet the journal received (its name, time, actor and number of lots), and every
    sheet the journal received under an import has its row: a row deleted would let the
    same sheet be imported twice with ``--if-new``. Receipts hashed without facts (schema
    before 4) are from before this proof and are not judged.
    """
    if "facts" not in db.columns("journal"):
        return []  # a store from before schema version 4, not migrated yet
    groups: dict[tuple[str, str, str], set[int]] = {}
    for correlation, at, actor, lot_id in db.execute(
        "SELECT correlation, at, actor, lot_id FROM journal"
        " WHERE kind = 'receive' AND correlation LIKE ? AND facts IS NOT NULL",
        ("import %",),
    ):
        name = str(correlation)[len("import ") :].replace("\\", "/").rsplit("/", 1)[-1]
        groups.setdefault((name, str(at), str(actor)), set()).add(int(lot_id))
    rows: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for import_id, name, at, actor, lots in db.execute(
        "SELECT import_id, name, at, actor, lots FROM imports ORDER BY import_id"
    ):
        rows.setdefault((str(name), str(at), str(actor)), []).append((int(import_id), int(lots)))
    problems = []
    for key, found in sorted(rows.items()):
        if key in groups and len(groups[key]) <= sum(lots for _, lots in found):
            continue
        legacy = key not in groups and not _hashed_with_facts(db, key[1])
        if not legacy:
            numbers = ", ".join(str(n) for n, _ in found)
            problems.append(
                f"import {numbers} ({key[0]}) is not a sheet the journal received: it was "
                "added or changed behind the journal's back"
            )
    problems += [
        f"the import of {name} at {at} has no import row: it was deleted (the same sheet "
        "could be imported again)"
        for (name, at, actor) in sorted(set(groups) - set(rows))
    ]
    return problems


def sealed_import_problems(db: Engine) -> list[str]:
    """
    Whether every sealed import row is what its seal recorded (its checksum above all:
    ``--if-new`` looks a sheet up by it), read before a sheet is imported. ``verify``
    proves the same seals in its walk of the journal.
    """
    if "facts" not in db.columns("journal"):
        return []
    rows = db.execute(
        f"SELECT {_ENTRY_COLUMNS}, facts FROM journal"
        " WHERE kind = 'seal' AND reason LIKE ? ORDER BY entry_id",
        ("sealed: import %",),
    ).fetchall()
    problems = chain_problems_of(db, rows)
    for row in rows:
        if facts_of(db, int(row[5]), row[6], (str(row[12]), str(row[13]))) != row[17]:
            problems.append(
                f"the import {str(row[12]).rpartition(' ')[2]} was changed after it was "
                f"sealed by entry {int(row[0])} ({_CHANGED['import']})"
            )
    return problems


def _hashed_with_facts(db: Engine, at: str) -> bool:
    """Whether the journal hashed facts by the time *at* (schema version 4 on)."""
    row = db.execute(
        "SELECT at FROM journal WHERE facts IS NOT NULL ORDER BY entry_id LIMIT 1", ()
    ).fetchone()
    return row is not None and _time.read(str(row[0])) <= _time.read(at)


def _seal_era(db: Engine) -> int | None:
    """The first entry written under seals (schema 5), or None on an older store."""
    if "seal_era" not in db.tables():
        return None
    row = db.execute("SELECT MIN(from_entry) FROM seal_era").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def unsealed_legacy(db: Engine) -> list[str]:
    """
    The batches consumed before seals existed (every entry of theirs precedes schema
    version 5): the chain proves their movements, but not their compounding record. A
    batch is one only when its entries are what a consumption writes (openings, draws,
    discards, their undos): a row forged under the id of an old receipt's correlation
    ("scan", an import) is not a legacy batch but a forged one.
    """
    era = _seal_era(db)
    if era is None:
        return []
    return [
        str(r[0])
        for r in db.execute(
            "SELECT b.batch_id FROM batches b WHERE NOT EXISTS (SELECT 1 FROM journal s"
            " WHERE s.kind = 'seal' AND s.correlation = b.batch_id"
            " AND s.reason = 'sealed: batch')"
            " AND (SELECT MAX(entry_id) FROM journal j WHERE j.correlation = b.batch_id) < ?"
            " AND NOT EXISTS (SELECT 1 FROM journal k WHERE k.correlation = b.batch_id"
            " AND k.kind NOT IN ('open', 'draw', 'discard', 'undo'))"
            " ORDER BY b.batch_id",
            (era,),
        )
    ]


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
        unopened, status = 0, "released"
        containers: dict[int, list[int]] = {}
        facts: dict[int | None, str] = {}
        for row in journal.get(int(lot_id), []):
            unopened += int(row[2])
            if row[5] is not None:
                status = row[5]
            if row[1] is not None:
                state = containers.setdefault(int(row[1]), [0, 0])
                state[0] += int(row[3])
                state[1] += int(row[4])
            if row[6] is not None:
                facts[None if row[1] is None else int(row[1])] = row[6]
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


#: The columns an entry's hash covers, in order, then its links and facts.
_ENTRY_COLUMNS = (
    "entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
    " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
    " prev_hash, hash"
)


def chain_problems(db: Engine, lot_ids: Sequence[int]) -> list[str]:
    """
    Every journal entry of the lots *lot_ids* is what was written (SPEC §9.5): its hash
    matches its fields and facts, and the next entry of the chain follows it. A command
    that moves stock never acts on an entry edited behind the journal's back (a receipt
    made larger would otherwise be drawn from as phantom stock).
    """
    if not lot_ids:
        return []
    facts_column = ", facts" if "facts" in db.columns("journal") else ", NULL"
    rows = db.execute(
        f"SELECT {_ENTRY_COLUMNS}{facts_column} FROM journal"
        f" WHERE {db.in_ids('lot_id')} ORDER BY entry_id",
        (db.ids(lot_ids),),
    ).fetchall()
    successors = {
        int(r[0]) - 1: r[1]
        for r in db.execute(
            f"SELECT entry_id, prev_hash FROM journal WHERE {db.in_ids('entry_id')}",
            (db.ids([int(r[0]) + 1 for r in rows]),),
        )
    }
    return [p for row in rows for p in _entry_problems(row, successors.get(int(row[0])))]


def _entry_problems(row: Sequence[Any], next_prev: str | None) -> list[str]:
    """Whether one journal row is intact and, when an entry follows it, followed."""
    entry_id = int(row[0])
    if entry_hash(row[15], tuple(row[:15]), row[17]) != row[16]:
        return [f"entry {entry_id} was changed after it was written (hash mismatch)"]
    if next_prev is not None and next_prev != row[16]:
        return [f"entry {entry_id} is not the one the next entry follows (hash chain broken)"]
    return []


def seal_problems(db: Engine, subject: str, key: str, correlation: str) -> list[str]:
    """
    Whether the row of *subject* (``batch``, ``void``, ``verification`` of a batch, or
    ``administration`` number *key*) is what its seal recorded (SPEC §9.5): its seal
    exists, its seal entry is intact and followed by the chain, and the row's facts now
    are the sealed ones. A command that prints or acts on stored facts checks them
    first. Returns the problems (empty: sound).
    """
    reason = "sealed: " + subject + (f" {key}" if subject in NUMBERED else "")
    facts_column = ", facts" if "facts" in db.columns("journal") else ", NULL"
    rows = db.execute(
        f"SELECT {_ENTRY_COLUMNS}{facts_column} FROM journal"
        " WHERE correlation = ? AND kind = 'seal' AND reason = ?",
        (correlation, reason),
    ).fetchall()
    what = SEALED["sealed: " + subject][0]
    if not rows:
        return [f"the {what} {key} has no seal in the journal: it was added behind its back"]
    row = rows[-1]
    problems = chain_problems_of(db, [row])
    now = facts_of(db, int(row[5]), row[6], (str(row[12]), str(row[13])))
    if now != row[17]:
        problems.append(
            f"the {what} {key} was changed after it was sealed by entry {int(row[0])} ("
            + _CHANGED.get(what, "it is not what was recorded")
            + ")"
        )
    return problems


def chain_problems_of(db: Engine, rows: Sequence[Sequence[Any]]) -> list[str]:
    """The hash and link problems of the journal *rows* (as :data:`_ENTRY_COLUMNS`)."""
    problems = []
    for row in rows:
        following = db.execute(
            "SELECT prev_hash FROM journal WHERE entry_id = ?", (int(row[0]) + 1,)
        ).fetchone()
        problems += _entry_problems(row, None if following is None else following[0])
    return problems


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
    "GENESIS",
    "SEALED",
    "TRIGGERS",
    "chain_problems",
    "entry_hash",
    "facts_of",
    "facts_text",
    "fold",
    "head",
    "import_problems",
    "rebuild",
    "seal_problems",
    "sealed_import_problems",
    "sealed_subject",
    "unsealed_legacy",
    "unsound_lots",
    "verify",
]
