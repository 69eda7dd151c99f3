"""
Tampering with the store behind the library's back (issue 12, SPEC §8.5): what verify
proves, what plan and consume refuse, what a head kept elsewhere proves.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from mesoformula.cli import main
from mesoformula.stock._schema import migrations

from .conftest import EXAMPLES

#: When the example stock arrived: before every dated operation of the tests.
RECEIVED = ("--at", "2026-11-25T09:00")

AT = ("--at", "2026-12-01T10:00")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert code != 3, out.getvalue()
    return code, out.getvalue()


@pytest.fixture
def db(location: str) -> str:
    """A store with a consumed batch, on the engine under test (both: see conftest)."""
    return store_with_a_batch(location)


def store_with_a_batch(path: str) -> str:
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", path, *RECEIVED)[0]
    formulation = str(EXAMPLES / "hair-revitalizing.toml")
    assert 0 == run("stock", "consume", formulation, "--db", path, "--batch-id", "B", *AT)[0]
    assert (0, "store is sound") == (
        run("stock", "verify", "--db", path)[0],
        run("stock", "verify", "--db", path)[1].strip().split("; ")[-1],
    )
    return path


def sql(path: str, *statements: str) -> None:
    """Run *statements* behind the library's back (the attacker), on either engine:
    PostgreSQL names a trigger's table, and numbers entries with its journal counter."""
    if not path.startswith("postgresql://"):
        db = sqlite3.connect(path, isolation_level=None)
        for statement in statements:
            db.execute(statement)
        db.close()
        return
    import psycopg

    with psycopg.connect(path, autocommit=True) as conn:
        for statement in statements:
            dropped = re.fullmatch(r"DROP TRIGGER (\w+)_no_(\w+)", statement)
            translated = f"{statement} ON {dropped.group(1)}" if dropped else statement
            translated = translated.replace(
                "UPDATE sqlite_sequence SET seq =", "UPDATE journal_counter SET last_entry ="
            ).replace(" WHERE name = 'journal'", "")
            conn.execute(translated.encode())


def postgresql(path: str) -> bool:
    return path.startswith("postgresql://")


def rows_of(path: str, query: str) -> list[tuple[object, ...]]:
    if not postgresql(path):
        con = sqlite3.connect(path)
        try:
            return [tuple(r) for r in con.execute(query)]
        finally:
            con.close()
    import psycopg

    with psycopg.connect(path) as conn:
        return [tuple(r) for r in conn.execute(query.encode())]


def problems(path: str, *extra: str) -> list[str]:
    code, text = run("stock", "verify", "--db", path, "--format", "json", *extra)
    data = json.loads(text)
    assert (code == 1) == (not data["sound"])
    found: list[str] = data["problems"]
    return found


def rehash_from_the_first_entry(db: str) -> None:
    """
    The attacker rewrites the first entry's reason and recomputes every hash after it,
    the journal's update trigger dropped for the deed and put back: the chain alone is
    then sound again, as an unkeyed chain always can be made.
    """
    from mesoformula.stock import seals

    rows = rows_of(
        db,
        "SELECT entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
        " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
        " facts FROM journal ORDER BY entry_id",
    )
    prev = seals.GENESIS
    rewrites = []
    for number, row in enumerate(rows):
        fields = list(row[:15])
        if number == 0:
            fields[12] = "rewritten"
        digest = seals.entry_hash(prev, fields, None if row[15] is None else str(row[15]))
        reason = str(fields[12]).replace("'", "''")
        rewrites.append(
            f"UPDATE journal SET reason = '{reason}', prev_hash = '{prev}', hash = '{digest}'"
            f" WHERE entry_id = {row[0]}"
        )
        prev = digest
    # The attacker drops the trigger, rewrites, and puts a trigger back.
    sql(db, "DROP TRIGGER journal_no_update", *rewrites)
    if postgresql(db):
        sql(
            db,
            "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal FOR EACH ROW"
            " EXECUTE FUNCTION mesoformula_refuse('x')",
        )
    else:
        sql(
            db,
            "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN"
            " SELECT RAISE(ABORT, 'x'); END",
        )


class TestVerifyProves:
    """Each tamper case is found."""

    def test_a_lots_expiry(self, db: str) -> None:
        sql(db, "UPDATE lots SET expiry = '2099-12-31' WHERE lot = 'DX-2604'")
        assert any("not what the journal recorded" in p for p in problems(db))

    def test_a_lots_container_volume_and_product(self, db: str) -> None:
        sql(db, "UPDATE lots SET nominal_ul = nominal_ul * 10 WHERE lot = 'LB-2609'")
        assert problems(db)
        sql(db, "UPDATE lots SET nominal_ul = nominal_ul / 10, product = 'x' WHERE lot = 'LB-2609'")
        assert problems(db)

    def test_a_containers_opening(self, db: str) -> None:
        sql(db, "UPDATE containers SET opened_at = '2030-01-01T00:00:00'")
        assert any("not what the journal recorded" in p for p in problems(db))

    def test_an_entry_moved_to_another_batch(self, db: str) -> None:
        """Fields are hashed as canonical JSON: no text can move across a delimiter."""
        sql(
            db,
            "DROP TRIGGER journal_no_update",
            "UPDATE journal SET reason = reason || '|B', correlation = 'OTHER'"
            " WHERE entry_id = (SELECT MIN(entry_id) FROM journal WHERE correlation = 'B')",
        )
        found = problems(db)
        assert any("changed after it was written" in p for p in found)

    def test_an_entry_appended_behind_the_librarys_back(self, db: str) -> None:
        """An appended entry with a made-up hash, or one the balances do not show."""
        sql(
            db,
            "INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id, containers_delta,"
            " prev_hash, hash) SELECT entry_id + 1, at, recorded, 'mallory', 'receive', lot_id,"
            " 100, hash, 'f00d' FROM journal"
            " WHERE entry_id = (SELECT MAX(entry_id) FROM journal)",
        )
        found = problems(db)
        assert any("hash mismatch" in p for p in found)
        assert any("cache" in p or "balance" in p for p in found)

    def test_dropped_triggers(self, db: str) -> None:
        sql(db, "DROP TRIGGER journal_no_delete")
        assert any("journal_no_delete is missing" in p for p in problems(db))

    def test_a_rehashed_history_against_a_head_kept_elsewhere(self, db: str) -> None:
        head = run("stock", "head", "--db", db)[1].strip()
        assert [] == problems(db, "--expect-head", head)
        rehash_from_the_first_entry(db)
        assert [] == problems(db)  # an unkeyed chain re-hashed whole looks sound ...
        found = problems(db, "--expect-head", head)  # ... but not against the kept head
        assert any("was rewritten" in p for p in found)

    def test_a_falsified_compounding_record(self, db: str) -> None:
        sql(
            db,
            "DROP TRIGGER batches_no_update",
            "UPDATE batches SET record = replace(record, 'lidocaine', 'procaine')",
        )
        found = problems(db)
        assert any("batch 'B' sealed by entry" in p for p in found)
        assert any("batches_no_update is missing" in p for p in found)

    def test_a_batch_added_behind_the_journals_back(self, db: str) -> None:
        sql(
            db,
            "INSERT INTO batches SELECT 'FORGED', formulation, version, checksum, batches, at,"
            " actor, plan, record FROM batches WHERE batch_id = 'B'",
        )
        assert any("'FORGED' has no seal" in p for p in problems(db))

    def test_a_truncated_history_against_a_head_kept_elsewhere(self, db: str) -> None:
        head = run("stock", "head", "--db", db)[1].strip()
        seq = int(head.split(":")[0])
        sql(
            db,
            "DROP TRIGGER journal_no_delete",
            f"DELETE FROM journal WHERE entry_id = {seq}",
            f"UPDATE sqlite_sequence SET seq = {seq - 1} WHERE name = 'journal'",
        )
        assert any("removed" in p or "missing" in p for p in problems(db, "--expect-head", head))

    def test_a_malformed_head_is_a_usage_error(self, db: str) -> None:
        assert 2 == run("stock", "verify", "--db", db, "--expect-head", "12:abc")[0]


def test_a_corrupted_index_page_of_a_sqlite_file(tmp_path: Path) -> None:
    """SQLite's own integrity check is part of verify (a file's pages; PostgreSQL's are the
    server's to check)."""
    db = store_with_a_batch(str(tmp_path / "s.db"))
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    (root,) = con.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'journal_correlation'"
    ).fetchone()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with open(db, "r+b") as handle:  # noqa: PTH123 - bytes at an offset
        # cells fill a b-tree page from its end: change the last key bytes
        handle.seek(root * page_size - 40)
        handle.write(b"Z" * 30)
    found = problems(db)
    assert any(p.startswith("SQLite integrity check") for p in found), found


class TestPlanAndConsumeRefuse:
    """A lot released only in the cache, or with a changed expiry, is never allocated."""

    def test_a_cache_only_release(self, db: str) -> None:
        sql(
            db,
            "UPDATE lot_balance SET status = 'released'",
            "UPDATE lot_balance SET unopened = unopened + 5",
        )
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        code, text = run("stock", "plan", formulation, "--db", db, *AT)
        assert 1 == code
        assert "stock.unsound" in text
        code, text = run("stock", "consume", formulation, "--db", db, "--batch-id", "B2", *AT)
        assert 1 == code
        assert "stock.unsound" in text
        assert "B2" not in run("stock", "history", "--db", db, "--format", "json")[1]

    def test_a_changed_expiry(self, db: str) -> None:
        sql(db, "UPDATE lots SET expiry = '2099-12-31'")
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        code, text = run("stock", "plan", formulation, "--db", db, *AT)
        assert 1 == code
        assert "stock.unsound" in text


class TestStoresFromBeforeSeals:
    """A store written by the v4 library (no seals) migrates and says what is not covered."""

    def test_a_legacy_batch_is_named_not_covered_and_new_batches_are_sealed(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from mesoformula.stock import _schema, ledger

        path = str(tmp_path / "old.db")
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        with monkeypatch.context() as old:  # the library as it was at schema version 4
            old.setattr(_schema, "SCHEMA_VERSION", 4)
            old.setattr(
                _schema,
                "migrations",
                lambda kind="sqlite": [m for m in migrations(kind) if m[0] <= 4],
            )
            old.setattr(ledger.Ledger, "seal", lambda *a, **k: 0)
            assert (
                0
                == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", path, *RECEIVED)[0]
            )
            assert (
                0 == run("stock", "consume", formulation, "--db", path, "--batch-id", "OLD", *AT)[0]
            )
        con = sqlite3.connect(path)
        assert 4 == con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
        assert 0 == run("stock", "consume", formulation, "--db", path, "--batch-id", "NEW", *AT)[0]
        code, text = run("stock", "verify", "--db", path)
        assert 0 == code, text
        assert "NOT COVERED: 1 batch(es)" in text
        assert "OLD" in text
        assert "NEW" not in text
        data = json.loads(run("stock", "verify", "--db", path, "--format", "json")[1])
        assert (True, ["OLD"]) == (data["sound"], data["unsealed_batches"])

    def test_a_batch_forged_under_an_old_receipts_correlation_is_found(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A row named like the correlation of receipts from before seals is no legacy
        batch: verify says it was added behind the journal's back (SPEC §9.5)."""
        from mesoformula.stock import _schema, ledger

        path = str(tmp_path / "old.db")
        sheet = str(EXAMPLES / "stock.toml")
        with monkeypatch.context() as old:
            old.setattr(_schema, "SCHEMA_VERSION", 4)
            old.setattr(
                _schema,
                "migrations",
                lambda kind="sqlite": [m for m in migrations(kind) if m[0] <= 4],
            )
            old.setattr(ledger.Ledger, "seal", lambda *a, **k: 0)
            assert 0 == run("stock", "import", sheet, "--db", path, *RECEIVED)[0]
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        assert 0 == run("stock", "consume", formulation, "--db", path, "--batch-id", "NEW", *AT)[0]
        (correlation,) = rows_of(
            path, "SELECT DISTINCT correlation FROM journal WHERE entry_id = 1"
        )[0]
        forged = (
            "INSERT INTO batches (batch_id, formulation, version, checksum, batches, at, actor,"
            f" plan, record) SELECT '{correlation}', formulation, version, checksum, batches,"
            " at, actor, plan, record FROM batches WHERE batch_id = 'NEW'"
        )
        sql(path, forged)
        assert any("has no seal in the journal" in p for p in problems(path))

    def test_moving_the_start_of_sealing_is_found(self, db: str) -> None:
        sql(db, "UPDATE seal_era SET from_entry = 100000")
        assert any("start of sealing" in p for p in problems(db))
