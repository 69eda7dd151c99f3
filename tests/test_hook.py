"""
The shipped pre-commit hook in a consumer repository (issues 16 and 30), end to end with
``pre-commit try-repo``: it is given TOML, YAML and JSON files by their type (a
``Pipfile`` too, never a ``.txt``); a foreign ``pyproject.toml``, a CI workflow, a
``package.json`` and a ``Pipfile`` are skipped and counted; a valid formulation passes
with one summary and no info lines; an invalid one fails the commit with its warnings and
errors; many files make one summary (``require_serial``: one call).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    if shutil.which("git") is None or shutil.which("pre-commit") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must provide git and pre-commit (the test extra)")
        pytest.skip("git or pre-commit is not installed")
    repo = tmp_path / "clinic"
    (repo / "formulations").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "clinic-tools"\nversion = "1.0"\n', encoding="utf-8"
    )
    (repo / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: push\n")
    (repo / "package.json").write_text('{"name": "clinic"}\n', encoding="utf-8")
    (repo / "Pipfile").write_text('[packages]\nmesoformula = "*"\n', encoding="utf-8")
    (repo / "notes.txt").write_text('format = "mesoformula.formulation/1"\n', encoding="utf-8")
    shutil.copy(EXAMPLES / "hair-revitalizing.toml", repo / "formulations")
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "test@example.org")
    git(repo, "config", "user.name", "test")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "clinic files")
    return repo


def try_repo(repo: Path, tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "mesoformula-validate", "--all-files", *options],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


#: A finding line of the text format at info level (``path:line: info code ...``).
INFO_LINE = re.compile(r": info [a-z]+\.[a-z-]+ ")
#: The four foreign files of the consumer repository, skipped and counted.
SKIPPED = "; 4 other file(s) skipped (not mesoformula files)"


def summaries(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"\d+ file\(s\): ", line)]


def test_the_hook_passes_a_repository_with_foreign_files(consumer: Path, tmp_path: Path) -> None:
    """A valid formulation passes; shown (--verbose), the hook says its summary only:
    the foreign files counted (the Pipfile by its type), the notes never given to it."""
    done = try_repo(consumer, tmp_path, "--verbose")
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-2000:]
    assert "validate mesoformula files" in done.stdout
    assert "Passed" in done.stdout
    expected = f"1 file(s): 0 error(s), 0 warning(s), 1 ingredient(s) without a dose limit{SKIPPED}"
    assert [expected] == summaries(done.stdout)
    assert INFO_LINE.search(done.stdout) is None
    assert "notes.txt" not in done.stdout


def test_an_invalid_formulation_fails_the_hook(consumer: Path, tmp_path: Path) -> None:
    """An unsafe formulation fails the commit with its errors and warnings, no info line,
    and one summary that still counts the undosed ingredient and the skipped files."""
    shutil.copy(EXAMPLES / "unsafe-cocktail.toml", consumer / "formulations")
    git(consumer, "add", "-A")
    git(consumer, "commit", "-q", "-m", "an unsafe cocktail")
    done = try_repo(consumer, tmp_path)
    assert 1 == done.returncode
    assert "Failed" in done.stdout
    assert "formulations/unsafe-cocktail.toml" in done.stdout
    assert "error status.withdrawn" in done.stdout
    assert "warning compat.pair" in done.stdout
    assert INFO_LINE.search(done.stdout) is None
    assert "error file.schema" not in done.stdout  # no foreign file is judged
    (summary,) = summaries(done.stdout)
    assert summary.startswith("2 file(s): 6 error(s), 9 warning(s), 2 ingredient(s)")
    assert summary.endswith(SKIPPED)


def test_many_files_make_one_summary(consumer: Path, tmp_path: Path) -> None:
    """With require_serial, pre-commit calls the hook once with every file (without it,
    it shares them among its CPUs: a summary each): one summary for 13 formulations."""
    for n in range(12):
        shutil.copy(EXAMPLES / "hair-revitalizing.toml", consumer / "formulations" / f"f{n}.toml")
    git(consumer, "add", "-A")
    git(consumer, "commit", "-q", "-m", "twelve more")
    done = try_repo(consumer, tmp_path, "--verbose")
    assert 0 == done.returncode, done.stdout[-3000:] + done.stderr[-2000:]
    expected = (
        f"13 file(s): 0 error(s), 0 warning(s), 13 ingredient(s) without a dose limit{SKIPPED}"
    )
    assert [expected] == summaries(done.stdout)


@pytest.mark.parametrize(
    ("name", "text", "ours"),
    [
        ("pyproject.toml", '[project]\nname = "x"\n', False),
        ("package.json", '{"name": "x"}', False),
        ("ci.yml", "name: ci\n", False),
        ("list.json", "[1, 2]", False),
        ("broken.toml", "[project\nname =", False),
        ("f.toml", 'format = "mesoformula.formulation/1"\n', True),
        ("typo.toml", 'format = "mesoformula.formulaton/1"\n', True),
        ("broken-ours.toml", 'format = "mesoformula.formulation/1"\nid = [\n', True),
        ("f.yaml", "format: mesoformula.patient/1\nid: P\n", True),
        ("notes.txt", 'format = "mesoformula.formulation/1"\n', False),
    ],
)
def test_what_belongs(tmp_path: Path, name: str, text: str, ours: bool) -> None:
    from mesoformula.files import belongs

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert ours == belongs(path)


def test_skip_foreign_as_a_command(tmp_path: Path) -> None:
    import io
    import json

    from mesoformula.cli import main

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "broken.toml").write_text('format = "mesoformula.formulation/1"\nid = [\n')
    shutil.copy(EXAMPLES / "hair-revitalizing.toml", tmp_path)
    out = io.StringIO()
    code = main(["validate", "--skip-foreign", str(tmp_path), "--format", "json"], out=out)
    data = json.loads(out.getvalue())
    assert 1 == code  # the broken formulation is ours and fails
    assert {"files": 2, "skipped": 1} == {k: data["summary"][k] for k in ("files", "skipped")}
    out = io.StringIO()
    (tmp_path / "broken.toml").unlink()
    assert 0 == main(["validate", "--skip-foreign", str(tmp_path)], out=out)
    assert out.getvalue().endswith("1 other file(s) skipped (not mesoformula files)\n")
    # without the flag a foreign file is judged, as before
    assert 1 == main(["validate", str(tmp_path / "pyproject.toml")], out=io.StringIO())
