"""
Tampering with the store behind the library's back (issue 12, SPEC §8.5): what verify
proves, what plan and consume refuse, what a head kept elsewhere proves.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from mesoformula.cli import main

from .conftest import EXAMPLES

AT = ("--at", "2026-12-01T10:00")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert code != 3, out.getvalue()
    return code, out.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "s.db")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", path)[0]
    formulation = str(EXAMPLES / "hair-revitalizing.toml")
    assert 0 == run("stock", "consume", formulation, "--db", path, "--batch-id", "B", *AT)[0]
    assert (0, "store is sound") == (
        run("stock", "verify", "--db", path)[0],
        run("stock", "verify", "--db", path)[1].strip().split("; ")[-1],
    )
    return path


def sql(path: str, *statements: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.close()


def problems(path: str, *extra: str) -> list[str]:
    code, text = run("stock", "verify", "--db", path, "--format", "json", *extra)
    data = json.loads(text)
    assert (code == 1) == (not data["sound"])
    found: list[str] = data["problems"]
    return found


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

    def test_dropped_triggers(self, db: str) -> None:
        sql(db, "DROP TRIGGER journal_no_delete")
        assert any("journal_no_delete is missing" in p for p in problems(db))

    def test_a_rehashed_history_against_a_head_kept_elsewhere(self, db: str) -> None:
        head = run("stock", "head", "--db", db)[1].strip()
        assert [] == problems(db, "--expect-head", head)
        seq = int(head.split(":")[0])
        # Rewrite the last entry's reason and recompute its hash: the chain alone is sound.
        from mesoformula.stock import audit

        con = sqlite3.connect(db, isolation_level=None)
        con.execute("DROP TRIGGER journal_no_update")
        row = con.execute(
            "SELECT entry_id, at, recorded, actor, kind, lot_id, container_id, containers_delta,"
            " volume_delta, live_delta, status, status_before, reason, correlation, undoes,"
            " prev_hash, facts FROM journal WHERE entry_id = ?",
            (seq,),
        ).fetchone()
        fields = list(row[:15])
        fields[12] = "rewritten"
        digest = audit.entry_hash(row[15], fields, row[16])
        con.execute(
            "UPDATE journal SET reason = 'rewritten', hash = ? WHERE entry_id = ?", (digest, seq)
        )
        con.execute(
            "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN"
            " SELECT RAISE(ABORT, 'x'); END"
        )
        con.close()
        assert [] == problems(db)  # an unkeyed chain re-hashed whole looks sound ...
        found = problems(db, "--expect-head", head)  # ... but not against the kept head
        assert any("was rewritten" in p for p in found)

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
