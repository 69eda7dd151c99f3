"""
``--format github`` (SPEC §9.7): one GitHub Actions workflow command per warning and
error, then the summary; read back as the runner reads them (``actions/runner``
``ActionCommand.TryParseV2``, written again below as the oracle), every property and
message comes back as it was, whatever it holds; exit codes as every format's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given

from mesoformula.cli._ci import annotation, escape_data, escape_property
from mesoformula.findings import Finding, describe

from .conftest import DATA, EXAMPLES
from .strategies import findings, hostile_texts
from .test_cli import run

#: The runner's escapes, in the order it undoes them (``%25`` last).
DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
PROPERTY_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))

Command = tuple[str, dict[str, str], str]

pytestmark = pytest.mark.usefixtures("in_the_repository")


def unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in escapes:
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> Command | None:
    """A workflow command as the runner reads a line of output: ``::name
    key=value,...::data``, the properties split at commas and at their first ``=``;
    None for a line that is no command."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    name, _, listed = message[2:end].partition(" ")
    properties = {}
    for item in listed.strip().split(","):
        key, _, value = item.partition("=")
        if key and value:
            properties[key.lower()] = unescape(value, PROPERTY_ESCAPES)
    return name, properties, unescape(message[end + 2 :], DATA_ESCAPES)


def commands(text: str) -> tuple[list[Command], list[str]]:
    """The commands of *text* and its other lines."""
    lines = text.split("\n")
    assert "" == lines.pop()  # every line ends with a newline
    parsed = [parse(line) for line in lines]
    return [c for c in parsed if c is not None], [
        line for line, c in zip(lines, parsed, strict=True) if c is None
    ]


class TestEscaping:
    """The toolkit's escapes, undone by the runner, give any text back."""

    @given(hostile_texts)
    def test_a_message_comes_back(self, text: str) -> None:
        """unescape(escape_data(t)) == t, and no line break is left to split the line."""
        escaped = escape_data(text)
        assert text == unescape(escaped, DATA_ESCAPES)
        assert not {"\r", "\n"} & set(escaped)

    @given(hostile_texts)
    def test_a_property_comes_back(self, text: str) -> None:
        """unescape(escape_property(t)) == t, and no ':', ',' or line break is left."""
        escaped = escape_property(text)
        assert text == unescape(escaped, PROPERTY_ESCAPES)
        assert not {"\r", "\n", ":", ","} & set(escaped)

    def test_the_toolkits_escapes(self) -> None:
        """What @actions/core's escapeData and escapeProperty give for each character."""
        assert "100%25%0D%0Aa:b,c" == escape_data("100%\r\na:b,c")
        assert "100%25%0D%0Aa%3Ab%2Cc" == escape_property("100%\r\na:b,c")

    @given(hostile_texts.filter(bool), findings)
    def test_an_annotation_reads_back(self, path: str, finding: Finding) -> None:
        """Any finding of any file is one line the runner reads back whole: the severity,
        the file, the line when known, the code as title, the code and words as message."""
        line = annotation(path, finding)
        assert not {"\n", "\r"} & set(line)
        parsed = parse(line)
        assert parsed is not None
        name, properties, message = parsed
        expected = {"file": path, "title": finding.code}
        if finding.line is not None:
            expected["line"] = str(finding.line)
        assert (finding.severity, expected) == (name, properties)
        assert f"{finding.code} {describe(finding)}" == message


class TestValidate:
    """validate --format github, as a user runs it."""

    def test_the_unsafe_example(self) -> None:
        """One command per warning and error of the JSON report (no info), in its order,
        then the text summary; exit 1."""
        path = "examples/unsafe-cocktail.toml"
        _, text = run("validate", "--format", "json", path)
        (file,) = json.loads(text)["files"]
        code, text = run("validate", "--format", "github", path)
        found, other = commands(text)
        expected = [
            (f["severity"], f["code"], str(f["line"]) if "line" in f else None)
            for f in file["findings"]
            if f["severity"] != "info"
        ]
        actual = [(name, p["title"], p.get("line")) for name, p, _ in found]
        assert 1 == code
        assert expected == actual
        assert {path} == {p["file"] for _, p, _ in found}
        assert [run("validate", path)[1].splitlines()[-1]] == other

    def test_a_clean_example_prints_its_summary_only(self) -> None:
        """Info findings are no annotations: a clean example prints the summary, exit 0."""
        code, text = run("validate", "--format", "github", "examples/hair-revitalizing.toml")
        expected = "1 file(s): 0 error(s), 0 warning(s), 1 ingredient(s) without a dose limit\n"
        assert (0, expected) == (code, text)

    def test_lines_of_a_broken_file(self) -> None:
        """A finding the file locates carries its line; the format may come first."""
        path = "tests/data/broken/many-problems.toml"
        code, text = run("--format", "github", "validate", path)
        found, _ = commands(text)
        assert 1 == code
        assert ("error", {"file": path, "line": "5", "title": "file.schema"}) == found[0][:2]

    def test_hostile_file_names(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A file name with %, :, commas, a newline and a command of its own is one
        property: nothing is injected, the name comes back whole."""
        name = "x%0A,y:z\n::error file=pwned::injected.toml"
        (tmp_path / name).write_bytes((DATA / "broken" / "refs.toml").read_bytes())
        monkeypatch.chdir(tmp_path)
        _, json_text = run("validate", "--format", "json", ".")
        errors = json.loads(json_text)["summary"]["errors"]
        code, text = run("validate", "--format", "github", ".")
        found, other = commands(text)
        assert 1 == code
        assert errors == len(found)
        assert {name} == {p["file"] for _, p, _ in found}
        assert 1 == len(other)

    def test_relative_to_the_github_workspace(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Under GitHub Actions, a file is named relative to $GITHUB_WORKSPACE (the
        runner's base), whatever the working folder; one outside it by its full path."""
        (tmp_path / "formulations").mkdir()
        (tmp_path / "formulations" / "unsafe.toml").write_bytes(
            (EXAMPLES / "unsafe-cocktail.toml").read_bytes()
        )
        monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
        monkeypatch.chdir(tmp_path / "formulations")
        broken = DATA / "broken" / "refs.toml"
        _, text = run("validate", "--format", "github", "unsafe.toml", str(broken))
        found, _ = commands(text)
        assert {"formulations/unsafe.toml", str(broken)} == {p["file"] for _, p, _ in found}

    def test_a_skipped_foreign_file_says_nothing_but_the_summary(self, tmp_path: Path) -> None:
        """A foreign file skipped is counted in the summary, never annotated."""
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
        foreign = str(tmp_path / "pyproject.toml")  # as the hook names it
        code, text = run("validate", "--format", "github", "--skip-foreign", foreign)
        expected = (
            "0 file(s): 0 error(s), 0 warning(s); 1 other file(s) skipped (not mesoformula files)\n"
        )
        assert (0, expected) == (code, text)


class TestCheck:
    """check --format github, and the commands that do not offer the CI formats."""

    def test_a_patient_over_a_per_kg_limit(self) -> None:
        """The per-kg dose over the limit is an error annotation of the formulation, with
        no line (a finding of the whole preparation); exit 1."""
        code, text = run(
            "check",
            "tests/data/check/lidocaine-200mg.toml",
            "--patient",
            "tests/data/check/patient-40kg.toml",
            "--format",
            "github",
        )
        found, other = commands(text)
        per_kg = [(name, p) for name, p, _ in found if p["title"] == "dose.per-kg"]
        assert 1 == code
        assert [
            ("error", {"file": "tests/data/check/lidocaine-200mg.toml", "title": "dose.per-kg"})
        ] == per_kg
        assert ["2 file(s): 1 error(s), 1 warning(s)"] == other

    @pytest.mark.parametrize("fmt", ["github", "sarif"])
    def test_compose_refuses(self, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
        """compose offers no CI format: a usage error, exit 2."""
        code, text = run("compose", "examples/hair-revitalizing.toml", "--format", fmt)
        assert (2, "") == (code, text)
        assert f"--format {fmt} is not available for 'compose'" in capsys.readouterr().err
