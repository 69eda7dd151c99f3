"""
Hostile input (issue 12, SPEC §8.2): markup in text fields, and what the command line
must refuse or survive. Every case asserts no internal error (exit 3).
"""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

from mesoformula.cli import main
from mesoformula.cli.views.records import CSP

from .conftest import DATA, EXAMPLES

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


class TestStorePaths:
    """--db that would keep nothing, another application's file, read commands."""

    def test_empty_and_memory_are_usage_errors(self) -> None:
        for db in ("", ":memory:", "  "):
            code, _ = run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db)
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

    def test_read_commands_never_change_the_store(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        at = ("--at", "2026-12-01T10:00")
        assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db)[0]
        formulation = str(EXAMPLES / "hair-revitalizing.toml")
        assert 0 == run("stock", "consume", formulation, "--db", db, "--batch-id", "B", *at)[0]
        files = sorted(tmp_path.glob("s.db*"))
        # The database and its write-ahead log; SQLite's shared-memory index (-shm) and an
        # empty log a reader may leave are not the store's content.
        before = {p.name: p.read_bytes() for p in files if _content(p)}
        for argv in (
            ("stock", "list", *at),
            ("stock", "list", "--format", "json", *at),
            ("stock", "plan", formulation, *at),
            ("stock", "history"),
            ("stock", "verify"),
            ("stock", "export"),
            ("record", "batch", "--batch-id", "B", "--format", "json"),
        ):
            code, _ = run(*argv, "--db", db)
            assert 0 == code, argv
        after = {p.name: p.read_bytes() for p in sorted(tmp_path.glob("s.db*")) if _content(p)}
        assert before == after

    def test_a_missing_store_is_not_created_by_a_read(self, tmp_path: Path) -> None:
        path = tmp_path / "none.db"
        assert 2 == run("stock", "list", "--db", str(path))[0]
        assert not path.exists()
