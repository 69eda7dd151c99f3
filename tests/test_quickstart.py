"""
The README's Quickstart as a newcomer runs it (issue 16): exactly two commands; the
first, run twice, succeeds both times, reads as success and never doubles the stock;
its store is outside the working tree, at the per-user path the README names, in a
folder the command creates.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.search(r"## Quickstart\n\n```console\n(.*?)```", README, re.DOTALL)


def commands() -> list[str]:
    assert BLOCK is not None
    return [line for line in BLOCK.group(1).splitlines() if line.strip()]


def test_exactly_two_commands() -> None:
    first, second = commands()
    assert first.startswith("python3 -m pip install")
    assert "python3 -m pytest -q" == second


def test_the_first_command_twice(tmp_path: Path) -> None:
    first = commands()[0]
    install, _, job = first.partition(" && ")
    assert "pip install" in install
    assert "~/mesoformula-quickstart/stock.db" in job  # the path the README names: per user
    db = str(tmp_path / "mesoformula-quickstart" / "stock.db")  # a folder the command creates
    job = job.replace("~/mesoformula-quickstart/stock.db", db)
    job = job.replace("mesoformula ", f"{sys.executable} -m mesoformula ")
    runs = [
        subprocess.run(["bash", "-c", job], cwd=ROOT, capture_output=True, text=True, check=False)
        for _ in range(2)
    ]
    for done in runs:
        assert 0 == done.returncode, done.stdout + done.stderr
        assert " 0 error(s), 0 warning(s)" in done.stdout
        assert "STOCK PLAN  hair-revitalizing" in done.stdout
        assert " error " not in done.stdout
    assert "received 12 lot(s)" in runs[0].stdout
    assert "already imported, nothing done" in runs[1].stdout
    assert runs[0].stdout.split("STOCK PLAN")[1] == runs[1].stdout.split("STOCK PLAN")[1]
    assert not (ROOT / "mesoformula.db").exists()
    assert 0o700 == (tmp_path / "mesoformula-quickstart").stat().st_mode & 0o777


def test_the_version_comes_from_one_place() -> None:
    from mesoformula._version import __version__

    for argv in (["mesoformula"], [sys.executable, "-m", "mesoformula"]):
        done = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, check=True, cwd=ROOT
        )
        assert f"mesoformula {__version__}" == done.stdout.strip()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "src/mesoformula/_version.py"' in pyproject
