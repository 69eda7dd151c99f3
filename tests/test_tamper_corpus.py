"""
The tamper corpus (SPEC §9.5): every table of the store, changed, deleted from and added
to behind the library's back (the append-only triggers dropped for the deed and put back
after, so that verify cannot just notice a missing trigger), on both engines. Each case
is detected by ``stock verify`` or refused by the schema itself. The table of cases and
what caught them is generated into ``docs/reference/ledger.md`` by this test
(``MESOFORMULA_WRITE_DOCS=1`` rewrites it).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLES, ROOT
from .test_tamper import run

PATIENT = str(EXAMPLES / "patient-P-0042.toml")
HAIR = str(EXAMPLES / "hair-revitalizing.toml")
GTIN = ("--catalog", str(DATA / "catalog-gtin"))
LEDGER_PAGE = ROOT / "docs" / "reference" / "ledger.md"
BEGIN, END = "<!-- tamper table: begin -->", "<!-- tamper table: end -->"

#: Each case: (table, what is done, SQL statements in SQLite's dialect).
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("journal", "update", (("UPDATE journal SET containers_delta = containers_delta + 1"
                           " WHERE entry_id = 2"),)),
    ("journal", "delete", ("DELETE FROM journal WHERE entry_id = 3",)),
    ("journal", "insert", (("INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id,"
                           " containers_delta, volume_delta, live_delta, reason, prev_hash, hash)"
                           " SELECT entry_id + 1, at, recorded, actor, 'adjust', lot_id, 5, 0, 0,"
                           " 'forged', hash, hash FROM journal ORDER BY entry_id DESC LIMIT 1"),)),
    ("lots", "update", ("UPDATE lots SET expiry = '2031-01-01' WHERE lot_id = 1",)),
    ("lots", "delete", ("DELETE FROM lots WHERE lot_id = 1",)),
    ("lots", "insert", (("INSERT INTO lots (product, lot, expiry, nominal_ul, single_dose)"
                        " VALUES ('biotin-0.5mg-ml-2ml', 'FAKE', '2030-01-01', 2000, 0)"),)),
    ("containers", "update", (("UPDATE containers SET opened_at = '2026-12-01T00:00:00+00:00'"
                              " WHERE container_id = 1"),)),
    ("containers", "delete", ("DELETE FROM containers WHERE container_id = 1",)),
    ("containers", "insert", (("INSERT INTO containers (lot_id, opened_at)"
                              " VALUES (1, '2026-12-01T00:00:00+00:00')"),)),
    ("lot_balance", "update", ("UPDATE lot_balance SET unopened = unopened + 5 WHERE lot_id = 1",)),
    ("lot_balance", "delete", ("DELETE FROM lot_balance WHERE lot_id = 1",)),
    ("lot_balance", "insert", (("INSERT INTO lot_balance (lot_id, unopened, status)"
                               " VALUES (999, 5, 'released')"),)),
    ("container_balance", "update", (("UPDATE container_balance SET remaining_ul = remaining_ul"
                                     " + 1000 WHERE container_id = 1"),)),
    ("container_balance", "delete", ("DELETE FROM container_balance WHERE container_id = 1",)),
    ("container_balance", "insert", (("INSERT INTO container_balance (container_id,"
                                     " remaining_ul, live) VALUES (999, 1000, 1)"),)),
    ("batches", "update", ("UPDATE batches SET actor = 'mallory' WHERE batch_id = 'B'",)),
    ("batches", "delete", ("DELETE FROM administrations", "DELETE FROM verifications",
                           "DELETE FROM batches WHERE batch_id = 'B'")),
    ("batches", "insert", (("INSERT INTO batches (batch_id, formulation, version, checksum,"
                           " batches, at, actor, plan, record) SELECT 'FORGED', formulation,"
                           " version, checksum, batches, at, actor, plan, record FROM batches"
                           " WHERE batch_id = 'B'"),)),
    ("imports", "update", ("UPDATE imports SET name = 'other.toml'",)),
    ("imports", "update the checksum", ("UPDATE imports SET sha256 = 'ab'",)),
    ("imports", "delete", ("DELETE FROM imports",)),
    ("imports", "insert", (("INSERT INTO imports (sha256, name, at, actor, lots)"
                           " VALUES ('ab', 'forged.toml', '2026-11-26T09:00:00+00:00', 'x', 1)"),)),
    ("voids", "update", ("UPDATE voids SET reason = 'forged' WHERE batch_id = 'C'",)),
    ("voids", "delete", ("DELETE FROM voids WHERE batch_id = 'C'",)),
    ("voids", "insert", (("INSERT INTO voids (batch_id, at, actor, reason)"
                         " VALUES ('B', '2026-12-01T12:00:00+00:00', 'mallory', 'forged')"),)),
    ("verifications", "update", ("UPDATE verifications SET verifier = 'mallory'",)),
    ("verifications", "delete", ("DELETE FROM verifications",)),
    ("verifications", "insert", (("INSERT INTO verifications (batch_id, at, verifier)"
                                 " VALUES ('C', '2026-12-01T12:00:00+00:00', 'mallory')"),)),
    ("administrations", "update", ("UPDATE administrations SET volume_ul = 100",)),
    ("administrations", "delete", ("DELETE FROM administrations",)),
    ("administrations", "insert", (("INSERT INTO administrations (kind, batch_id, patient, at,"
                                   " volume_ul, actor, doses) SELECT kind, batch_id, patient,"
                                   " at, volume_ul, actor, doses FROM administrations"),)),
    ("events", "update", ("UPDATE events SET severity = 'severe'",)),
    ("events", "delete", ("DELETE FROM events",)),
    ("events", "insert", (("INSERT INTO events (patient, kind, severity, onset, at, actor,"
                          " batch_id) SELECT 'P-0001', kind, severity, onset, at, actor,"
                          " batch_id FROM events"),)),
    ("scans", "update", ("UPDATE scans SET serial = 'OTHER'",)),
    ("scans", "delete", ("DELETE FROM scans",)),
    ("scans", "insert", (("INSERT INTO scans (gtin, serial, product, lot, at, entry) SELECT gtin,"
                         " 'NEW', product, lot, at, entry FROM scans"),)),
]  # fmt: skip


def scenario(path: str) -> str:
    """A store with every table in use: an import, a scanned serial, a batch released and
    given, a batch voided, a complication recorded."""
    at = ("--at", "2026-12-01T10:00")
    steps = [
        ("stock", "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00"),
        ("stock", "receive", "--scan", "(01)05012345678900(17)280131(10)SC-1(21)S1", *GTIN,
         "--at", "2026-11-28T09:00"),
        ("stock", "consume", HAIR, "--batch-id", "B", *at),
        ("record", "verify", "--batch-id", "B", "--verifier", "bob", "--at", "2026-12-01T10:30"),
        ("administer", "--batch-id", "B", "--patient", PATIENT, "--volume", "1 mL",
         "--at", "2026-12-01T11:00"),
        ("stock", "consume", HAIR, "--batch-id", "C", "--at", "2026-12-01T10:05"),
        ("stock", "void", "--batch-id", "C", "--reason", "never made", "--not-prepared",
         "--at", "2026-12-01T10:10"),
        ("event", "record", "--patient", "P-0042", "--kind", "nodule", "--severity", "mild",
         "--onset", "2026-12-01T12:00", "--administration", "1", "--at", "2026-12-01T12:10"),
    ]  # fmt: skip
    for step in steps:
        code, text = run(*step, "--db", path)
        assert 0 == code, (step, text)
    assert [] == problems(path)
    return path


def problems(path: str) -> list[str]:
    code, text = run("stock", "verify", "--db", path, "--format", "json")
    found: list[str] = json.loads(text)["problems"]
    assert (code == 0) == (not found)
    return found


def attack(path: str, table: str, statements: tuple[str, ...]) -> str | None:
    """
    Run *statements* with *table*'s append-only triggers dropped, then put them back as
    they were. Returns the schema's refusal, if the database refused the deed.
    """
    if path.startswith("postgresql://"):
        return _attack_postgres(path, table, statements)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
        try:
            for statement in statements:
                db.execute(statement)
        except sqlite3.DatabaseError as error:
            return str(error)
        finally:
            for _, sql in triggers:
                db.execute(sql)
    finally:
        db.close()
    return None


def _attack_postgres(path: str, table: str, statements: tuple[str, ...]) -> str | None:
    import psycopg

    with psycopg.connect(path, autocommit=True) as conn:
        triggers = conn.execute(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = %s AND NOT t.tgisinternal",
            (table,),
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name} ON {table}".encode())
        try:
            for statement in statements:
                conn.execute(statement.encode())
        except psycopg.Error as error:
            return str(error).splitlines()[0]
        finally:
            for _, definition in triggers:
                conn.execute(definition.encode())
    return None


def caught_by(refused: str | None, found: list[str]) -> str:
    """What caught a case, in a few words (for the generated table)."""
    if refused is not None:
        return "refused by the schema"
    if not found:
        return "NOT DETECTED"
    first = found[0]
    for words, said in (
        ("scan of box", "scans vs receipts"),
        ("hash mismatch", "hash chain (entry changed)"),
        ("hash chain broken", "hash chain (entry removed or added)"),
        ("missing from", "hash chain (entries missing)"),
        ("has no seal", "seal missing"),
        ("changed after it was", "seal (row changed)"),
        ("was changed after it was written", "seal (row changed)"),
        ("not what the journal recorded", "facts hashed in the journal"),
        ("import", "imports vs receipts"),
        ("cached balance", "balance cache vs journal"),
        ("cached ", "balance cache vs journal"),
        ("no entry in the journal", "row no entry speaks of"),
        ("never opened nor received", "row no entry speaks of"),
    ):
        if words in first:
            return said
    return re.sub(r"\d+", "N", first)[:60]


def test_the_corpus(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Every case is detected by verify or refused by the schema, on this engine."""
    from .conftest import fresh_database

    results = []
    for table, op, statements in CASES:
        if engine == "sqlite":
            path = str(tmp_path / f"{table}-{op}.db")
        else:
            path = fresh_database(request.getfixturevalue("postgres_server"))
        scenario(path)
        refused = attack(path, table, statements)
        found = [] if refused else problems(path)
        results.append((table, op, caught_by(refused, found)))
    missed = [(t, o) for t, o, by in results if by == "NOT DETECTED"]
    assert [] == missed
    generated = _table(results)
    store = tmp_path.parent / f"tamper-{engine}.md"
    store.write_text(generated, encoding="utf-8")
    if engine == "sqlite":
        _check_page(generated)


def _table(results: list[tuple[str, str, str]]) -> str:
    lines = ["| table | done behind the library's back | caught by |", "|---|---|---|"]
    lines += [f"| `{t}` | {o} | {by} |" for t, o, by in results]
    return "\n".join(lines) + "\n"


def _check_page(generated: str) -> None:
    page = LEDGER_PAGE.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{generated}{END}"
    if os.environ.get("MESOFORMULA_WRITE_DOCS"):
        start, end = page.index(BEGIN), page.index(END) + len(END)
        LEDGER_PAGE.write_text(page[:start] + block + page[end:], encoding="utf-8")
        return
    assert block in page, "run MESOFORMULA_WRITE_DOCS=1 pytest tests/test_tamper_corpus.py"
