"""
The documentation site (issue 16): the CLI reference is the parser's own help, the
site builds with ``mkdocs build --strict`` and its pages render in headless Chromium
(without network). CI installs MkDocs (the docs extra) and Chromium: there these tests
never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
IN_CI = os.environ.get("CI") == "true"


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if IN_CI:
            pytest.fail(f"CI must provide {tool}")
        pytest.skip(f"{tool} is not installed")
    return found


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="argparse words help per version")
def test_the_cli_options_page_is_the_parsers_help() -> None:
    from cli_page import markdown

    page = (ROOT / "docs" / "reference" / "cli-options.md").read_text(encoding="utf-8")
    assert markdown() == page, "run: python tools/cli_page.py > docs/reference/cli-options.md"
    for command in ("validate", "administer", "course show", "stock consume", "record label"):
        assert f"## `mesoformula {command}`" in page


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    assert [] == [page for page in pages if page not in nav]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mkdocs = need("mkdocs")
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-3000:]
    return target


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("index.html", "mesoformula documentation"),
        ("how-to/a-patients-course/index.html", "How to follow a patient"),
        ("reference/api/index.html", "parse_quantity"),
        ("reference/cli-options/index.html", "mesoformula administer"),
        ("reference/json/index.html", "administered"),
        ("reference/bud/index.html", "terminally sterilized"),
        ("reference/catalog/index.html", "Lidocaine"),
    ],
)
def test_pages_render_in_chromium(site: Path, tmp_path: Path, page: str, expected: str) -> None:
    browser = need("chromium")
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
            (site / page).as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert 0 == done.returncode, done.stderr[-2000:]
    assert expected in done.stdout
    assert ":func:" not in done.stdout  # Sphinx roles are dropped from docstrings
    assert "fonts.googleapis.com" not in done.stdout  # nothing fetched from the network
