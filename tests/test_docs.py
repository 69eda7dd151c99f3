"""The documentation's examples run as tests: console blocks and the finding codes."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from mesoformula.cli import main
from mesoformula.findings import CODES

from .conftest import ROOT

#: The how-tos' sessions run to February 2027: the clock is after every write.
pytestmark = pytest.mark.clock("2027-03-01T00:00:00+00:00")

DOCS = ROOT / "docs"
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)


def console_examples(path: Path) -> list[tuple[str, list[str]]]:
    """Return (command, expected output lines) for every '$ mesoformula' in *path*."""
    examples = []
    for block in CONSOLE.findall(path.read_text(encoding="utf-8")):
        command: str | None = None
        expected: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, expected))
                command, expected = line[2:], []
            elif command is not None:
                expected.append(line)
        if command is not None:
            examples.append((command, expected))
    return [(c, e) for c, e in examples if c.startswith("mesoformula ")]


PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
#: A page marked as a session runs its commands in order, in a fresh folder, in its own
#: test (its commands build on each other's store); the others run each command alone.
SESSION = "<!-- doc-session"
SESSIONS = [page for page in PAGES if SESSION in page.read_text(encoding="utf-8")]
EXAMPLES = [
    (page, cmd, out)
    for page in PAGES
    if page not in SESSIONS
    for cmd, out in console_examples(page)
]


def run_example(page: Path, command: str, expected: list[str]) -> None:
    """Run *command* and compare what it prints with the page ('...' elides the rest)."""
    out = io.StringIO()
    code = main(shlex.split(command)[1:], out=out)
    assert code in (0, 1), (page, command, out.getvalue())
    actual = out.getvalue().splitlines()
    if "..." in expected:
        shown = expected[: expected.index("...")]
        assert all(line in actual for line in shown), (page, command, actual)
    else:
        assert expected == actual[: len(expected)], (page, command, actual)


@pytest.mark.parametrize(
    ("page", "command", "expected"), EXAMPLES, ids=[f"{p.name}: {c}" for p, c, _ in EXAMPLES]
)
def test_console_example(
    page: Path, command: str, expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command runs and prints what the page shows ('...' elides the rest)."""
    monkeypatch.chdir(ROOT)
    run_example(page, command, expected)


@pytest.mark.parametrize("page", SESSIONS, ids=lambda p: p.name)
def test_session_page(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """
    A how-to that is one session runs as written: its commands in order, in a fresh
    folder holding the examples, in UTC (the page's times carry offsets; the output
    shows local time), each printing what the page shows. A page marked
    ``doc-session postgresql`` runs with ``MESOFORMULA_DB`` naming a new database on
    the throwaway PostgreSQL server.
    """
    import time

    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("MESOFORMULA_DB", raising=False)
    monkeypatch.delenv("MESOFORMULA_SITE", raising=False)
    if f"{SESSION} postgresql" in page.read_text(encoding="utf-8"):
        from .conftest import fresh_database

        server = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("MESOFORMULA_DB", fresh_database(server))
    time.tzset()
    try:
        steps = console_examples(page)
        assert len(steps) >= 10
        for command, expected in steps:
            run_example(page, command, expected)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_course_how_to_is_a_session() -> None:
    """The course how-to is run as one session (it is not skipped by the marker)."""
    assert DOCS / "how-to" / "a-patients-course.md" in SESSIONS


def test_examples_were_found() -> None:
    """The tutorial and README contribute console examples (the test is not vacuous)."""
    pages = {page.name for page, _, _ in EXAMPLES}
    assert {"README.md", "first-validation.md", "compose-a-cocktail.md"} <= pages


def test_every_finding_code_is_documented() -> None:
    """Every code mesoformula can produce appears in the findings reference."""
    text = (DOCS / "reference" / "findings.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in text]
    assert [] == missing


def test_every_documented_code_is_known() -> None:
    """Every code the findings reference lists is in ``findings.CODES``, with the words
    that describe it (the SARIF rules of ``--format sarif`` are made from them)."""
    text = (DOCS / "reference" / "findings.md").read_text(encoding="utf-8")
    listed = {
        code
        for line in text.splitlines()
        if line.startswith("| ")
        for code in re.findall(r"`([a-z]+\.[a-z-]+)`", line.split("|")[1])
    }
    assert set() == listed - set(CODES)


def test_compose_tutorial_python_numbers() -> None:
    """The Python numbers shown in the compose tutorial are what compose returns."""
    import mesoformula
    from mesoformula.composition import compose
    from mesoformula.units import Quantity

    page = (DOCS / "tutorial" / "compose-a-cocktail.md").read_text(encoding="utf-8")
    catalog = mesoformula.load_catalog().catalog
    formulation = mesoformula.load(
        ROOT / "examples/hair-revitalizing.toml", mesoformula.Formulation
    )
    sheet = compose(formulation, catalog)
    lidocaine = sheet.content("lidocaine-hcl")
    assert sheet.diluent is not None
    shown = {
        "lidocaine.concentration": lidocaine.concentration,
        "lidocaine.per_session": lidocaine.per_session,
        "lidocaine.per_point": lidocaine.per_point,
        "lidocaine.per_course": lidocaine.per_course,
        "sheet.diluent.volume": sheet.diluent.volume,
    }
    for expression, value in shown.items():
        assert isinstance(value, Quantity)
        line = f"{expression}"
        assert f"# Quantity(value={value.value!r}, unit='{value.unit}')" in next(
            text for text in page.splitlines() if text.startswith(line + " ")
        )
    assert () == sheet.findings


PYTHON = re.compile(r"```python\n(.*?)```", re.DOTALL)
SNIPPETS = [
    (page, n, code)
    for page in PAGES
    for n, code in enumerate(PYTHON.findall(page.read_text(encoding="utf-8")))
]


def _expected(comment: str) -> str | None:
    """The value an `expr  # value` comment shows, without a trailing explanation."""
    text = comment.strip()
    if not text or text[0] not in "[(Q'\"":
        return None
    for end in ("] (", ") ("):
        if end in text:
            return text[: text.index(end) + 1]
    return text


@pytest.mark.parametrize(
    ("page", "n", "code"), SNIPPETS, ids=[f"{p.name}#{n}" for p, n, _ in SNIPPETS]
)
def test_python_snippet_runs(
    page: Path, n: int, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every Python block of the README and the docs runs; `expr  # value` lines hold."""
    import ast

    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    lines = code.splitlines()
    for node in ast.parse(code).body:
        if isinstance(node, ast.Expr):
            expression = compile(ast.Expression(node.value), page.name, "eval")
            value = eval(expression, namespace)
            _, _, comment = lines[(node.end_lineno or 1) - 1].partition("  # ")
            expected = _expected(comment)
            if expected is not None:
                assert expected == repr(value), (page.name, n, lines[node.lineno - 1])
        else:
            module = compile(ast.Module([node], type_ignores=[]), page.name, "exec")
            exec(module, namespace)


def test_python_snippets_were_found() -> None:
    """The README and the tutorials contribute Python snippets."""
    assert {"README.md", "first-validation.md", "compose-a-cocktail.md"} <= {
        p.name for p, _, _ in SNIPPETS
    }
