"""
What speed must not cost (issue 14): many files validated by worker processes give the
same reports in the same order; a cold validate imports only what it needs.
Timings are in benchmarks/, never in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mesoformula import validate
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.validate import validate_paths

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from _files import write_files


def test_workers_give_the_same_reports_in_order(
    tmp_path: Path, loaded: LoadedCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_files(tmp_path, 24)
    (tmp_path / "broken.toml").write_text('format = "mesoformula.formulation/1"\nid = [\n')
    serial = validate_paths([tmp_path], loaded)
    monkeypatch.setattr(validate, "FILES_PER_JOB", 5)
    parallel = validate_paths([tmp_path], loaded, jobs=3)
    assert serial == parallel
    assert len(paths) + 1 == len(parallel)
    assert any(f.code == "file.syntax" for r in parallel for f in r.findings)


def test_the_command_with_and_without_workers(tmp_path: Path) -> None:
    write_files(tmp_path, 210)
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "validate", str(tmp_path), "--jobs", jobs,
             "--format", "json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert 210 == outputs[0]["summary"]["files"]


def test_a_cold_validate_imports_only_what_it_needs() -> None:
    code = (
        "import sys, io\nfrom mesoformula.cli import main\n"
        f"main(['validate', {str(ROOT / 'examples' / 'hair-revitalizing.toml')!r}],"
        " out=io.StringIO())\n"
        "heavy = {'sqlite3', 'psycopg', 'pint', 'fpdf', 'yaml', 'multiprocessing',"
        " 'mesoformula.course', 'mesoformula.stock.store', 'mesoformula.compounding'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == done.stdout.strip()


def test_a_stock_plan_imports_only_what_it_needs(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    sheet = str(ROOT / "examples" / "stock.toml")
    subprocess.run(
        [sys.executable, "-m", "mesoformula", "stock", "import", sheet,
         "--db", db, "--at", "2026-11-25T09:00"],
        check=True, capture_output=True,
    )  # fmt: skip
    code = (
        "import sys, io\nfrom mesoformula.cli import main\n"
        f"main(['stock', 'plan', {str(ROOT / 'examples' / 'hair-revitalizing.toml')!r},"
        f" '--db', {db!r}, '--at', '2026-12-01T10:00'], out=io.StringIO())\n"
        "heavy = {'hashlib', 'psycopg', 'pint', 'fpdf', 'yaml', 'multiprocessing',"
        " 'mesoformula.course', 'mesoformula.compounding', 'mesoformula.files.wire'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == done.stdout.strip()
