"""
Hostile input (issue 12, SPEC §8.2): markup in text fields, and what the command line
must refuse or survive. Every case asserts no internal error (exit 3).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from mesoformula.cli import main
from mesoformula.cli.views.records import CSP

from .conftest import DATA

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
