"""
Hostile input (issue 12, SPEC §8.2): markup in text fields, and what the command line
must refuse or survive. Every case asserts no internal error (exit 3).
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.cli import main
from mesoformula.cli.views.records import CSP

from .conftest import DATA, EXAMPLES

#: When the example stock arrived: before every dated operation of the tests.
RECEIVED = ("--at", "2026-11-25T09:00")

HOSTILE = DATA / "hostile"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert code != 3, out.getvalue()
    return code, out.getvalue()


class TestMarkupIsText:
    """A name full of markup renders as text in Markdown and HTML."""

    def test_markdown_worksheet_and_master_record(self) -> None:
        path = str(HOSTILE / "markup-name.toml")
        for argv in (
            ("compose", path, "--format", "markdown"),
            ("record", "master", path, "--format", "markdown"),
        ):
            _, text = run(*argv)
            assert "<script>" not in text
            assert "<img" not in text
            assert "&lt;script&gt;" in text
            assert "\\[x\\]" in text  # no link
            assert "\\|" in text  # no table cell break
            assert "\\`\\`\\`" in text  # no code fence

    def test_html_escapes_and_forbids_scripts(self) -> None:
        _, page = run("record", "master", str(HOSTILE / "markup-name.toml"), "--format", "html")
        assert "<script>" not in page
        assert "<img src=x" not in page
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
        assert "script-src" not in CSP
        assert "default-src 'none'" in CSP

    def test_a_label_fence_cannot_be_closed_early(self, tmp_path: Path) -> None:
        from mesoformula._text import fence

        text = "name ``` still the label\nBUD: 2026-12-01T22:00"
        marker = fence(text)
        assert len(marker) > 3
        assert not re.search(rf"^{marker}", text, re.M)


def _content(path: Path) -> bool:
    return not path.name.endswith("-shm") and (path.name == "s.db" or path.stat().st_size > 0)


AT = ("--at", "2026-12-01T10:00")
HAIR = str(EXAMPLES / "hair-revitalizing.toml")
READS = [
    ("stock", "list", *AT),
    ("stock", "list", "--all", "--format", "json", *AT),
    ("stock", "plan", HAIR, *AT),
    ("stock", "history"),
    ("stock", "history", "--batch", "B", "--format", "json"),
    ("stock", "verify"),
    ("stock", "head"),
    ("stock", "export"),
    ("record", "batch", "--batch-id", "B", "--format", "json"),
    ("record", "batch", "--batch-id", "B", "--format", "html"),
    ("record", "label", "--batch-id", "B"),
    ("record", "label", "--batch-id", "B", "--format", "html"),
]


@pytest.fixture(scope="module")
def consumed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the example stock and one consumed batch 'B' (read, never written)."""
    folder = tmp_path_factory.mktemp("reads")
    db = str(folder / "s.db")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *RECEIVED)[0]
    assert 0 == run("stock", "consume", HAIR, "--db", db, "--batch-id", "B", *AT)[0]
    return folder


class TestStorePaths:
    """--db that would keep nothing, another application's file, read commands."""

    def test_empty_and_memory_are_usage_errors(self) -> None:
        for db in ("", ":memory:", "  "):
            code, _ = run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *RECEIVED)
            assert 2 == code

    def test_another_applications_file_is_not_touched(self, tmp_path: Path) -> None:
        path = tmp_path / "other.sqlite"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE invoices (id INTEGER)")
        db.commit()
        db.close()
        before = path.read_bytes()
        for argv in (("stock", "list"), ("stock", "verify"), ("stock", "init")):
            code, _ = run(*argv, "--db", str(path))
            assert 2 == code
        assert before == path.read_bytes()

    @settings(max_examples=25, deadline=None)
    @given(reads=st.lists(st.sampled_from(READS), min_size=1, max_size=5))
    def test_read_commands_never_change_the_store(
        self, consumed_store: Path, reads: list[tuple[str, ...]]
    ) -> None:
        """Property: any sequence of read commands leaves the store's bytes as they were."""
        db = str(consumed_store / "s.db")
        # The database and its write-ahead log; SQLite's shared-memory index (-shm) and an
        # empty log a reader may leave are not the store's content.
        before = {
            p.name: p.read_bytes() for p in sorted(consumed_store.glob("s.db*")) if _content(p)
        }
        for argv in reads:
            code, _ = run(*argv, "--db", db)
            assert 0 == code, argv
        after = {
            p.name: p.read_bytes() for p in sorted(consumed_store.glob("s.db*")) if _content(p)
        }
        assert before == after

    def test_a_missing_store_is_not_created_by_a_read(self, tmp_path: Path) -> None:
        path = tmp_path / "none.db"
        assert 2 == run("stock", "list", "--db", str(path))[0]
        assert not path.exists()


class TestImports:
    """A delivery is received once; statuses are kept unless a sheet states one."""

    def test_the_same_sheet_twice_is_refused(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        sheet = str(EXAMPLES / "stock.toml")
        assert 0 == run("stock", "import", sheet, "--db", db, *RECEIVED)[0]
        _, listed = run("stock", "list", "--db", db, "--format", "json")
        code, text = run("stock", "import", sheet, "--db", db, *RECEIVED)
        assert 1 == code
        assert "imported already" in text
        assert "--again" in text
        assert listed == run("stock", "list", "--db", db, "--format", "json")[1]
        assert 0 == run("stock", "import", sheet, "--db", db, "--again")[0]
        assert listed != run("stock", "list", "--db", db, "--format", "json")[1]

    def test_a_quarantined_lot_stays_quarantined(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        first = tmp_path / "first.toml"
        first.write_text(
            'format = "mesoformula.stock/1"\n[[lots]]\nproduct = "lidocaine-hcl-2pct-5ml"\n'
            'lot = "Q-1"\nexpiry = 2029-01-31\ncontainers = 2\nstatus = "quarantine"\n',
            encoding="utf-8",
        )
        again = tmp_path / "again.toml"
        again.write_text(
            'format = "mesoformula.stock/1"\n[[lots]]\nproduct = "lidocaine-hcl-2pct-5ml"\n'
            'lot = "Q-1"\nexpiry = 2029-01-31\ncontainers = 1\n',
            encoding="utf-8",
        )
        assert 0 == run("stock", "import", str(first), "--db", db, *RECEIVED)[0]
        assert 0 == run("stock", "import", str(again), "--db", db, *RECEIVED)[0]
        _, text = run("stock", "list", "--db", db, "--format", "json")
        (lot,) = json.loads(text)["lots"]
        assert ("quarantine", 3) == (lot["status"], lot["unopened"])

    def test_a_lot_found_in_a_stocktake_is_quarantined(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        count = tmp_path / "count.toml"
        count.write_text(
            'format = "mesoformula.count/1"\ncounted_at = 2026-12-01T09:00:00\n'
            'counted_by = "ann"\n[[lots]]\nproduct = "lidocaine-hcl-2pct-5ml"\nlot = "F-1"\n'
            "expiry = 2029-01-31\ncontainers = 2\n",
            encoding="utf-8",
        )
        assert 0 == run("stock", "init", "--db", db)[0]
        assert 0 == run("stock", "count", str(count), "--db", db)[0]
        _, text = run("stock", "list", "--db", db, "--format", "json")
        (lot,) = json.loads(text)["lots"]
        assert "quarantine" == lot["status"]


def test_a_version_1_store_migrates_and_verifies(tmp_path: Path) -> None:
    """A store written by schema version 1 opens, migrates and stays sound."""
    from mesoformula.stock import Stock
    from mesoformula.stock._schema import SCHEMA_VERSION, migrations, statements

    path = tmp_path / "v1.db"
    db = sqlite3.connect(path, isolation_level=None)
    (version, sql), *_ = migrations()
    assert 1 == version
    for statement in statements(sql):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.close()
    with Stock.open(path) as stock:
        assert SCHEMA_VERSION == stock.schema_version
        assert [] == stock.verify()


class TestUndoAndVoid:
    """A draw of a consumed batch is not undone alone; a batch is voided whole."""

    def consumed(self, tmp_path: Path) -> tuple[str, str]:
        db = str(tmp_path / "s.db")
        assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *RECEIVED)[0]
        _, before = run("stock", "list", "--db", db, "--format", "json", "--at", "2026-12-01")
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        at = ("--at", "2026-12-01T10:00")
        assert 0 == run("stock", "consume", formulation, "--db", db, "--batch-id", "B", *at)[0]
        return db, before

    def test_a_draw_of_a_batch_cannot_be_undone_alone(self, tmp_path: Path) -> None:
        db, _ = self.consumed(tmp_path)
        _, text = run("stock", "history", "--db", db, "--batch", "B", "--format", "json")
        draw = next(e for e in json.loads(text)["entries"] if e["kind"] == "draw")
        _, listed = run("stock", "list", "--db", db, "--format", "json", "--at", "2026-12-01")
        code, message = run("stock", "undo", str(draw["entry_id"]), "--db", db, "--reason", "x")
        assert 1 == code
        assert "void the whole batch" in message
        assert (
            listed == run("stock", "list", "--db", db, "--format", "json", "--at", "2026-12-01")[1]
        )

    def test_void_reverses_the_batch_and_marks_its_record(self, tmp_path: Path) -> None:
        db, before = self.consumed(tmp_path)
        void = (
            "stock",
            "void",
            "--batch-id",
            "B",
            "--db",
            db,
            "--reason",
            "wrong patient",
            "--not-prepared",
        )
        code, text = run(*void, "--at", "2026-12-01T09:00")  # before the batch it voids
        assert 1 == code
        assert "would come before entry" in text
        assert 0 == run(*void, "--at", "2026-12-01T11:00")[0]
        assert (
            before == run("stock", "list", "--db", db, "--format", "json", "--at", "2026-12-01")[1]
        )
        assert (0, "sound") == (run("stock", "verify", "--db", db)[0], "sound")
        _, text = run("record", "batch", "--batch-id", "B", "--db", db, "--format", "json")
        record = json.loads(text)
        assert "wrong patient" == record["void"]["reason"]
        assert record["label"]["text"].startswith("VOID - DO NOT USE")
        _, page = run("record", "batch", "--batch-id", "B", "--db", db, "--format", "markdown")
        assert page.startswith("**VOID - DO NOT USE**")
        again = (
            "stock",
            "void",
            "--batch-id",
            "B",
            "--db",
            db,
            "--reason",
            "again",
            "--not-prepared",
        )
        assert 1 == run(*again, "--at", "2026-12-01T12:00")[0]

    def test_reasons_are_required(self, tmp_path: Path) -> None:
        db, _ = self.consumed(tmp_path)
        assert 2 == run("stock", "void", "--batch-id", "B", "--db", db)[0]
        assert (
            1
            == run(
                "stock", "void", "--batch-id", "B", "--db", db, "--reason", "  ", "--not-prepared"
            )[0]
        )
        assert 2 == run("stock", "undo", "1", "--db", db)[0]
        assert (
            2
            == run(
                "stock", "void", "--batch-id", "NONE", "--db", db, "--reason", "r", "--not-prepared"
            )[0]
        )


@pytest.mark.parametrize(
    ("name", "code", "finding"),
    [
        ("format-list.toml", 1, "file.schema"),
        ("key-int.yaml", 1, "file.schema"),
        ("key-null.yaml", 1, "file.schema"),
        ("surrogate.json", 1, "file.schema"),
        ("duplicate.json", 1, "file.syntax"),
        ("duplicate.yaml", 1, "file.syntax"),
        ("bom.toml", 0, None),
        ("bom.json", 0, None),
        ("huge-volume.toml", 1, "value.range"),
        ("huge-amount.toml", 1, "value.range"),
        ("opened-huge.toml", 1, "value.range"),
        ("stability-huge.toml", 1, "value.range"),
        ("full-width.toml", 1, "unit.invalid"),
        ("tiny-product.toml", 1, "value.range"),
        ("empty-lot.toml", 1, "file.schema"),
        ("opened-year-9999.toml", 1, "value.range"),
        ("expiry-year-9999.toml", 1, "value.range"),
        ("count-offset.toml", 0, None),
    ],
)
def test_hostile_files(name: str, code: int, finding: str | None) -> None:
    """Every hostile file is a finding (or accepted), never an internal error."""
    exit_code, text = run("validate", str(HOSTILE / name))
    assert code == exit_code, text
    if finding is not None:
        assert f"error {finding}" in text


def test_non_regular_files_are_refused_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        code, text = run("validate", str(path))
        assert 1 == code
        assert "error file.io" in text
    assert 1 == run("catalog", "list", "--catalog", str(zero))[0]


@pytest.mark.parametrize(
    "argv",
    [
        ("compose", "examples/hair-revitalizing.toml", "--resolution", "1e-320 mL"),
        ("compose", "examples/hair-revitalizing.toml", "--batches", "١٠"),
        ("compose", "examples/hair-revitalizing.toml", "--batches", "99999999999"),
        ("stock", "list", "--at", "0001-01-01T00:00+14:00"),
        ("stock", "list", "--at", "9999-12-30T10:00"),
        ("stock", "list", "--expiring-within", "99999999999"),
        ("stock", "adjust", "--lot", "x", "--containers", "9223372036854775807", "--reason", "r"),
        ("stock", "consume", "examples/hair-revitalizing.toml", "--batch-id", "a\nb"),
    ],
)
def test_hostile_arguments_are_usage_errors(
    argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    db = str(tmp_path / "s.db")
    run("stock", "init", "--db", db)
    before = {p.name: p.read_bytes() for p in sorted(tmp_path.glob("s.db*")) if _content(p)}
    extra = ("--db", db) if argv[0] == "stock" else ()
    assert 2 == run(*argv, *extra)[0]
    after = {p.name: p.read_bytes() for p in sorted(tmp_path.glob("s.db*")) if _content(p)}
    assert before == after  # a refusal writes nothing to the store


def test_an_opened_container_above_its_nominal_volume_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    code, text = run(
        "stock", "import", str(HOSTILE / "opened-over-nominal.toml"), "--db", db, *RECEIVED
    )
    assert 1 == code
    assert "more than a whole container" in text


def test_validate_of_nothing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty path, or a folder with nothing to validate, is never a pass."""
    assert 2 == run("validate", "")[0]
    assert "an empty path" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("not a formulation", encoding="utf-8")
    assert 2 == run("validate", str(tmp_path))[0]
    assert "nothing was validated" in capsys.readouterr().err
    assert 2 == run("validate", str(EXAMPLES / "stock.toml"), str(tmp_path))[0]


def test_a_batch_id_reused_with_other_batches_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *RECEIVED)[0]
    formulation = str(EXAMPLES / "hair-revitalizing.toml")
    consume = ("stock", "consume", formulation, "--db", db, "--batch-id", "B")
    at = ("--at", "2026-12-01T10:00")
    assert 0 == run(*consume, *at)[0]
    head = run("stock", "head", "--db", db)[1]
    code, text = run(*consume, "--batches", "3", *at)
    assert 1 == code
    assert "already consumed as 1 batch(es), not 3" in text
    assert head == run("stock", "head", "--db", db)[1]
    assert 0 == run(*consume, *at)[0]  # the same batch again: idempotent
