"""
Progress on long work (issue 16): on a terminal's standard error only, never with
--format json or when standard error is not a terminal, and cleared at the end.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from mesoformula.cli import _progress, main
from mesoformula.cli._progress import Progress
from mesoformula.stock import receiving, walk

from .conftest import EXAMPLES


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def always_redraw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "INTERVAL", 0.0)


def test_a_terminal_sees_progress_and_a_clean_line() -> None:
    screen = Terminal()
    progress = Progress("validating files", 3, stream=screen)
    for _ in range(3):
        progress.advance()
    progress.finish()
    text = screen.getvalue()
    assert "\rvalidating files: 1/3 (33%)" in text
    assert "validating files: 3/3 (100%)" in text
    assert text.endswith("\r")


@pytest.mark.parametrize(("stream", "fmt"), [(io.StringIO(), "text"), (Terminal(), "json")])
def test_silent_off_a_terminal_and_for_json(stream: io.StringIO, fmt: str) -> None:
    progress = Progress("x", 2, fmt=fmt, stream=stream)
    progress.advance(2)
    progress.finish()
    assert "" == stream.getvalue()


def run_with_screen(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str, str]:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue(), screen.getvalue()


def test_validate_import_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receiving, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(walk, "PROGRESS_EVERY", 5)  # the journal walk of verify
    code, out, screen = run_with_screen(monkeypatch, "validate", str(EXAMPLES))
    assert (1, True) == (code, "validating files: " in screen)  # the unsafe example fails
    assert "validating" not in out
    db = str(tmp_path / "s.db")
    code, out, screen = run_with_screen(
        monkeypatch, "stock", "import", str(EXAMPLES / "stock.toml"), "--db", db
    )
    assert (0, True) == (code, "receiving lots: " in screen)
    assert out.startswith("received 12 lot(s)")
    code, out, screen = run_with_screen(monkeypatch, "stock", "verify", "--db", db)
    assert (0, True) == (code, "verifying entries: 10/15" in screen)
    code, out, screen = run_with_screen(
        monkeypatch, "stock", "verify", "--db", db, "--format", "json"
    )
    assert (0, "") == (code, screen)
