"""
The hash chain and its seals (SPEC §5, §9.5): how an entry is hashed with the facts it
depends on, what a seal attests (a batch, its release and void, an administration, an
imported sheet), and whether a sealed row or a stretch of the chain still holds.

Functions of an :class:`~mesoformula.stock._engine.Engine`, shared by the ledger that
writes entries, the audit that proves the whole store and the commands that prove what
they are about to print or act on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._engine import Engine


#: ``json.dumps`` of an entry's fields and facts, and of the facts (keys sorted), with
#: one encoder each: a trace checks thousands of seals, and ``json.dumps`` with options
#: builds a new encoder every call.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_CANONICAL = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode

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
    payload = _COMPACT([*fields, facts])
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
    # "sealed: event N": the complication N a patient reported (SPEC §9.4).
    "sealed: event": (
        "event",
        (
            "SELECT event_id, patient, kind, severity, onset, at, actor, batch_id,"
            " administration_id, organism, description FROM events WHERE event_id = ?"
        ),
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
CHANGED = {
    "batch": "its compounding record or plan is not what was recorded",
    "void": "the void is not what was recorded",
    "verification": "the release is not what was recorded",
    "administration": "the dose given is not what was recorded",
    "import": "the sheet's checksum, name, time or lots are not what was recorded",
    "event": "the complication is not what was recorded",
}


#: The subjects whose seal names its row by a number after the reason.
NUMBERED = ("administration", "import", "event")


#: The number of columns of a sealed row whose last column came with a later schema (an
#: administration's area, a void's kind): a row without it is sealed as it was before.
_TRAILING = {"administration": 11, "void": 5}


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
    return facts_text(
        None if lot is None else list(lot)[1:],
        container_id is not None,
        None if container is None else list(container),
        None if seal is None else sealed_row(db, *seal),
    )


def sealed_row(db: Engine, reason: str, correlation: str) -> tuple[str, list[Any] | None] | None:
    """
    The row a seal with *reason* and *correlation* attests, as its facts hold it: the
    subject and the row's values (None: no such row), or None when the seal names no
    subject.
    """
    sealed = sealed_subject(reason, correlation)
    if sealed is None:
        return None
    subject, query = SEALED[sealed[0]]
    row = db.execute(for_schema(db, query), (sealed[1],)).fetchone()
    return subject, sealed_values(subject, row)


def sealed_values(subject: str, row: Sequence[Any] | None) -> list[Any] | None:
    """The values of a sealed *row* of *subject* as its seal's facts hold them."""
    values = None if row is None else list(row)
    if values is not None and len(values) == _TRAILING.get(subject) and values[-1] is None:
        values = values[:-1]  # a row from before the column: sealed as it was
    return values


def for_schema(db: Engine, query: str) -> str:
    """*query* without the area column on a store from before schema version 10."""
    if AREA in query and not db.has_areas():
        return query.replace(AREA, "")
    if KIND in query and "kind" not in db.columns("voids"):
        return query.replace(KIND, "")
    return query


def lot_facts_query(db: Engine) -> str:
    """The query of the lot columns an entry's facts hold (its id first)."""
    return f"SELECT {lot_fact_columns(db)} FROM lots"


def lot_fact_columns(db: Engine, alias: str = "") -> str:
    """The lot columns an entry's facts hold, its id first (of table *alias*, if given)."""
    names = ["lot_id", "product", "lot", "expiry", "received", "gtin", "nominal_ul"]
    names += ["single_dose", "in_use_days", *(["site"] if db.has_sites() else [])]
    return ", ".join(f"{alias}.{name}" if alias else name for name in names)


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
    return _CANONICAL(facts)


def legacy_voids(db: Engine) -> set[str]:
    """The voids recorded before seals existed (of batches consumed before the seal era)."""
    return set(unsealed_legacy(db))


def seal_era(db: Engine) -> int | None:
    """The first entry written under seals (schema 5), or None on an older store."""
    if "seal_era" not in db.tables():
        return None
    row = db.execute("SELECT MIN(from_entry) FROM seal_era").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def unsealed_legacy(db: Engine, batch_id: str | None = None) -> list[str]:
    """
    The batches (or only *batch_id*, when given) consumed before seals existed (every
    entry of theirs precedes schema version 5): the chain proves their movements, but
    not their compounding record. A batch is one only when its entries are what a
    consumption writes (openings, draws, discards, their undos): a row forged under the
    id of an old receipt's correlation ("scan", an import) is not a legacy batch but a
    forged one.
    """
    era = seal_era(db)
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
            " AND (CAST(? AS TEXT) IS NULL OR b.batch_id = ?)"
            " ORDER BY b.batch_id",
            (era, batch_id, batch_id),
        )
    ]


#: The columns an entry's hash covers, in order, then its links and facts.
ENTRY_COLUMNS = (
    "entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
    " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
    " prev_hash, hash"
)


def entry_columns(alias: str) -> str:
    """:data:`ENTRY_COLUMNS` of the journal under the table alias *alias*."""
    return ", ".join(f"{alias}.{c.strip()}" for c in ENTRY_COLUMNS.split(","))


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
        f"SELECT {ENTRY_COLUMNS}{facts_column} FROM journal"
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
        f"SELECT {ENTRY_COLUMNS}{facts_column} FROM journal"
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
            + CHANGED.get(what, "it is not what was recorded")
            + ")"
        )
    return problems


def numbered_seal_problems(
    db: Engine, subject: str, numbers: Sequence[int], correlation: str
) -> dict[int, list[str]]:
    """
    :func:`seal_problems` of the rows *numbers* of a numbered *subject* (administrations,
    events) sealed under *correlation* (their batch), in a fixed number of queries
    whatever their count: a trace or a course checks thousands of doses (SPEC §9.4).
    Returns the problems of each number (empty lists: sound).
    """
    if not numbers:
        return {}
    facts_column = ", j.facts" if "facts" in db.columns("journal") else ", NULL"
    # Each seal with the previous hash of the entry after it (the chain's link), in one
    # query: a trace checks every seal of every batch it prints.
    columns = entry_columns("j")
    latest = {
        str(row[12]): row
        for row in db.execute(
            f"SELECT {columns}{facts_column}, n.prev_hash FROM journal j"
            " LEFT JOIN journal n ON n.entry_id = j.entry_id + 1"
            " WHERE j.correlation = ? AND j.kind = 'seal' ORDER BY j.entry_id",
            (correlation,),
        )
    }
    what, query = SEALED["sealed: " + subject]
    head, _, condition = for_schema(db, query).rpartition(" WHERE ")
    column = condition.partition(" = ")[0]
    current = {
        int(r[0]): list(r)
        for r in db.execute(f"{head} WHERE {db.in_ids(column)}", (db.ids(numbers),))
    }
    seals = {n: latest.get(f"sealed: {subject} {n}") for n in numbers}
    lots: dict[int, list[Any] | None] = {}
    found: dict[int, list[str]] = {}
    for number, row in seals.items():
        if row is None:
            found[number] = [
                f"the {what} {number} has no seal in the journal: it was added behind its back"
            ]
            continue
        problems = _entry_problems(row, row[18])
        lot_id = int(row[5])
        if lot_id not in lots:
            lot = db.execute(lot_facts_query(db) + " WHERE lot_id = ?", (lot_id,)).fetchone()
            lots[lot_id] = None if lot is None else list(lot)[1:]
        values = sealed_values(subject, current.get(number))
        now = facts_text(lots[lot_id], False, None, (subject, values))
        if now != row[17]:
            problems.append(
                f"the {what} {number} was changed after it was sealed by entry {int(row[0])} ("
                + CHANGED.get(what, "it is not what was recorded")
                + ")"
            )
        found[number] = problems
    return found


def chain_problems_of(db: Engine, rows: Sequence[Sequence[Any]]) -> list[str]:
    """The hash and link problems of the journal *rows* (as :data:`ENTRY_COLUMNS`)."""
    problems = []
    for row in rows:
        following = db.execute(
            "SELECT prev_hash FROM journal WHERE entry_id = ?", (int(row[0]) + 1,)
        ).fetchone()
        problems += _entry_problems(row, None if following is None else following[0])
    return problems


__all__ = [
    "AREA",
    "CHANGED",
    "ENTRY_COLUMNS",
    "GENESIS",
    "KIND",
    "NUMBERED",
    "SEALED",
    "chain_problems",
    "chain_problems_of",
    "entry_columns",
    "entry_hash",
    "facts_of",
    "facts_text",
    "for_schema",
    "legacy_voids",
    "lot_fact_columns",
    "lot_facts_query",
    "numbered_seal_problems",
    "seal_era",
    "seal_problems",
    "sealed_row",
    "sealed_subject",
    "sealed_values",
    "unsealed_legacy",
]
