"""
The ledger says what happened (SPEC §9.5): a void says whether the batch was made, batch
ids never take the form of the ledger's own correlations, and refusals are one JSON
document. Both engines.
"""

from __future__ import annotations

import io
import json

import pytest

from mesoformula.cli import main

from .conftest import EXAMPLES

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
AT = ("--at", "2026-12-01T10:00")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def stocked(db: str) -> None:
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db,
                    "--at", "2026-11-25T09:00")[0]  # fmt: skip


def usable(db: str) -> dict[str, tuple[int, float]]:
    """Unopened containers and opened volume per lot, from stock list's JSON."""
    data = json.loads(run("stock", "list", "--db", db, "--format", "json", *AT)[1])["lots"]
    return {
        f"{lot['product']} {lot['lot']}": (
            lot["unopened"],
            sum(c["remaining"]["value"] for c in lot["opened"]),
        )
        for lot in data
    }


class TestVoid:
    """stock void --not-prepared | --destroyed (SPEC §9.5)."""

    def test_neither_is_a_usage_error(self, location: str) -> None:
        stocked(location)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", location, *AT)[0]
        assert 2 == run("stock", "void", "--batch-id", "B", "--reason", "r", "--db", location)[0]

    def test_not_prepared_returns_the_stock_as_it_was(self, location: str) -> None:
        stocked(location)
        before = usable(location)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", location, *AT)[0]
        assert before != usable(location)
        code, text = run("stock", "void", "--batch-id", "B", "--reason", "never made",
                         "--not-prepared", "--db", location, *AT)  # fmt: skip
        assert 0 == code, text
        assert before == usable(location)
        assert (
            []
            == json.loads(run("stock", "verify", "--db", location, "--format", "json")[1])[
                "problems"
            ]
        )

    def test_destroyed_keeps_the_stock_used(self, location: str) -> None:
        stocked(location)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", location, *AT)[0]
        used = usable(location)
        code, _ = run("stock", "void", "--batch-id", "B", "--reason", "dropped on the floor",
                      "--destroyed", "--db", location, *AT)  # fmt: skip
        assert 0 == code
        assert used == usable(location)  # a punctured vial never comes back as new
        record = json.loads(run("record", "batch", "--batch-id", "B", "--db", location,
                                "--format", "json")[1])  # fmt: skip
        assert "destroyed" == record["void"]["kind"]
        text = run("record", "batch", "--batch-id", "B", "--db", location)[1]
        assert "VOID - DO NOT USE" in text
        assert "destroyed: made and discarded" in text


class TestBatchIdNamespace:
    """A batch id is never one of the ledger's own correlations."""

    @pytest.mark.parametrize(
        "batch_id", ["scan", "SCAN", " scan ", "import /tmp/stock.toml", "count 2026", "transfer 7"]
    )
    def test_reserved_forms_are_refused(self, location: str, batch_id: str) -> None:
        stocked(location)
        head = run("stock", "head", "--db", location)[1]
        code, text = run("stock", "consume", HAIR, "--batch-id", batch_id, "--db", location, *AT,
                         "--format", "json")  # fmt: skip
        assert 1 == code
        data = json.loads(text)
        assert (False, "stock.refused") == (data["ok"], data["error"]["code"])
        assert "ledger's own correlations" in data["error"]["message"]
        assert head == run("stock", "head", "--db", location)[1]


class TestOneJsonDocument:
    """Refusals print one JSON document, never text (SPEC §9.5)."""

    def test_a_refused_consume(self, location: str, tmp_path: object) -> None:
        stocked(location)
        unsafe = str(EXAMPLES / "unsafe-cocktail.toml")
        code, text = run("stock", "consume", unsafe, "--batch-id", "U", "--db", location, *AT,
                         "--format", "json")  # fmt: skip
        assert 1 == code
        data = json.loads(text)
        assert (False, "consume.refused") == (data["ok"], data["error"]["code"])
        assert any(f["severity"] == "error" for f in data["findings"])

    def test_a_refused_void(self, location: str) -> None:
        stocked(location)
        assert 0 == run("stock", "consume", HAIR, "--batch-id", "B", "--db", location, *AT)[0]
        argv = ("stock", "void", "--batch-id", "B", "--reason", " ", "--not-prepared",
                "--db", location, "--format", "json")  # fmt: skip
        code, text = run(*argv)
        assert (1, False) == (code, json.loads(text)["ok"])
