"""
The rows the journal speaks of (SPEC §9.5): lots and containers no entry received or
opened, scanned serials against the receipts that name them, and imported sheets
against the receipts of their import. A row deleted or added behind the journal's back
would let a box or a delivery in twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesoformula import _time

from .seals import CHANGED, ENTRY_COLUMNS, chain_problems_of, facts_of

if TYPE_CHECKING:
    from ._engine import Engine


def rows_without_entries(db: Engine, tables: set[str]) -> list[str]:
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
            # The containers the journal opened or received, read once and joined: the
            # journal has no index of containers, and SQLite ran a correlated NOT EXISTS
            # as a scan of the journal for each container (97 s for 1,000 containers and
            # 1,100,000 entries, issue 28).
            for r in db.execute(
                "SELECT c.container_id FROM containers c LEFT JOIN (SELECT DISTINCT"
                " container_id FROM journal WHERE kind IN ('open', 'receive')"
                " AND container_id IS NOT NULL) o ON o.container_id = c.container_id"
                " WHERE o.container_id IS NULL ORDER BY c.container_id"
            )
        ]
    return problems


#: The reason a receipt by a scanned serial carries in its (hashed) entry.
SCANNED = "received by scan, serial "


def scan_problems(db: Engine) -> list[str]:
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
        f"SELECT {ENTRY_COLUMNS}, facts FROM journal"
        " WHERE kind = 'seal' AND reason LIKE ? ORDER BY entry_id",
        ("sealed: import %",),
    ).fetchall()
    problems = chain_problems_of(db, rows)
    for row in rows:
        if facts_of(db, int(row[5]), row[6], (str(row[12]), str(row[13]))) != row[17]:
            problems.append(
                f"the import {str(row[12]).rpartition(' ')[2]} was changed after it was "
                f"sealed by entry {int(row[0])} ({CHANGED['import']})"
            )
    return problems


def _hashed_with_facts(db: Engine, at: str) -> bool:
    """Whether the journal hashed facts by the time *at* (schema version 4 on)."""
    row = db.execute(
        "SELECT at FROM journal WHERE facts IS NOT NULL ORDER BY entry_id LIMIT 1", ()
    ).fetchone()
    return row is not None and _time.read(str(row[0])) <= _time.read(at)


__all__ = [
    "SCANNED",
    "import_problems",
    "rows_without_entries",
    "scan_problems",
    "sealed_import_problems",
]
