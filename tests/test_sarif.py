"""
``--format sarif`` and :mod:`mesoformula.sarif` (SPEC §9.7): logs of real examples and of
any findings are valid against the official SARIF 2.1.0 schema (``tests/data/sarif/``);
each finding is one result with its rule, level, message, file and line; the rules are the
codes that occur and link into the findings reference; files are named as CI reads them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoformula.files.wire import to_wire
from mesoformula.findings import CODES, Finding, describe
from mesoformula.results import FileFindings, Summary
from mesoformula.sarif import FINDINGS_PAGE, SCHEMA, artifact_uri, sarif_log

from .conftest import DATA, EXAMPLES, ROOT
from .strategies import findings, hostile_texts
from .test_cli import run

SARIF_SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SARIF_SCHEMA)

pytestmark = pytest.mark.usefixtures("in_the_repository")

UNSAFE = EXAMPLES / "unsafe-cocktail.toml"
#: The names of a relative path's folders and file, hostile ones included.
NAMES = hostile_texts.filter(lambda name: name not in {"", "."} and "/" not in name)

#: What RFC 3986 lets a URI reference hold: its characters, and percent-escapes. (The
#: schema's "uri" formats are checked here: jsonschema checks them only with a further
#: package installed.)
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-F]{2})*")


def assert_valid(log: Any) -> None:
    """*log* is a SARIF 2.1.0 log by the official schema, its URIs as RFC 3986 wants."""
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert [] == errors
    for run_ in log["runs"]:
        driver = run_["tool"]["driver"]
        for uri in [driver["informationUri"], *(r["helpUri"] for r in driver["rules"])]:
            assert uri.startswith("https://"), uri
            assert URI_REFERENCE.fullmatch(uri), uri
        for result in run_["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.fullmatch(uri), uri
            assert uri.startswith("file:///") or ":" not in uri.split("/")[0], uri


def sarif(*argv: str) -> tuple[int, Any]:
    code, text = run(*argv, "--format", "sarif")
    return code, json.loads(text)


def results(log: Any) -> list[Any]:
    (run_,) = log["runs"]
    found: list[Any] = run_["results"]
    return found


class TestRealExamples:
    """Logs of the shipped examples, as validate and check print them."""

    def test_a_failing_example_is_a_valid_log(self, tmp_path: Path) -> None:
        """The unsafe example's log, written to a file as CI does, is valid SARIF 2.1.0;
        the run fails (exit 1) as with every other format."""
        code, text = run("validate", "--format", "sarif", str(UNSAFE.relative_to(ROOT)))
        written = tmp_path / "mesoformula.sarif"
        written.write_text(text, encoding="utf-8")
        log = json.loads(written.read_text(encoding="utf-8"))
        assert 1 == code
        assert_valid(log)
        assert (SCHEMA, "2.1.0") == (log["$schema"], log["version"])
        driver = log["runs"][0]["tool"]["driver"]
        assert "mesoformula" == driver["name"]

    def test_one_result_per_finding_as_json_says_them(self) -> None:
        """Every finding of the JSON report is one result: code, level, message, file, line."""
        _, text = run("validate", "--format", "json", "examples/unsafe-cocktail.toml")
        (file,) = json.loads(text)["files"]
        _, log = sarif("validate", "examples/unsafe-cocktail.toml")
        levels = {"error": "error", "warning": "warning", "info": "note"}
        expected = [
            (f["code"], levels[f["severity"]], f.get("line"), "examples/unsafe-cocktail.toml")
            for f in file["findings"]
        ]
        actual = [
            (
                r["ruleId"],
                r["level"],
                r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            )
            for r in results(log)
        ]
        assert expected == actual
        assert any(line is None for _, _, line, _ in actual)  # whole-preparation findings

    def test_rules_are_the_codes_that_occur(self) -> None:
        """The rules are the codes of the results, sorted, each result naming its rule's
        place; each rule describes its code and links to its row of the reference."""
        _, log = sarif("validate", "examples/unsafe-cocktail.toml")
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        ids = [rule["id"] for rule in rules]
        assert sorted({r["ruleId"] for r in results(log)}) == ids
        assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in results(log))
        withdrawn = rules[ids.index("status.withdrawn")]
        assert CODES["status.withdrawn"] == withdrawn["shortDescription"]["text"]
        assert f"{FINDINGS_PAGE}#status.withdrawn" == withdrawn["helpUri"]

    def test_the_summary_rides_in_the_run_properties(self) -> None:
        """The run's properties carry the summary the JSON format prints (unchecked doses
        are never passed over in silence, SPEC §9.2)."""
        _, text = run("validate", "--format", "json", "examples/unsafe-cocktail.toml")
        _, log = sarif("validate", "examples/unsafe-cocktail.toml")
        assert json.loads(text)["summary"] == log["runs"][0]["properties"]["summary"]

    def test_a_clean_example_passes_with_notes_only(self) -> None:
        """A clean example exits 0; its info findings are notes."""
        code, log = sarif("validate", "examples/hair-revitalizing.toml")
        assert 0 == code
        assert_valid(log)
        assert {"note"} == {r["level"] for r in results(log)}

    def test_min_severity_leaves_notes_out(self) -> None:
        """--min-severity warning keeps warnings and errors only; the exit code stays."""
        code, log = sarif("validate", "examples/unsafe-cocktail.toml", "--min-severity", "warning")
        assert 1 == code
        assert {"error", "warning"} == {r["level"] for r in results(log)}

    def test_check_with_a_patient(self) -> None:
        """check --format sarif: the patient-specific findings, in a valid log, exit 1."""
        code, log = sarif(
            "check",
            "tests/data/check/lidocaine-200mg.toml",
            "--patient",
            "tests/data/check/patient-40kg.toml",
        )
        assert 1 == code
        assert_valid(log)
        (per_kg,) = [r for r in results(log) if r["ruleId"] == "dose.per-kg"]
        assert "error" == per_kg["level"]
        location = per_kg["locations"][0]["physicalLocation"]
        assert {"uri": "tests/data/check/lidocaine-200mg.toml"} == location["artifactLocation"]
        assert "region" not in location  # a finding of the whole preparation has no line

    def test_a_catalog_that_stops_check_is_reported_in_sarif(self) -> None:
        """A broken --catalog stops check (exit 1); its findings come as SARIF too."""
        code, log = sarif(
            "check",
            "tests/data/check/lidocaine-200mg.toml",
            "--patient",
            "tests/data/check/patient-40kg.toml",
            "--catalog",
            "tests/data/catalog-broken",
        )
        assert 1 == code
        assert_valid(log)
        assert "catalog.duplicate" in {r["ruleId"] for r in results(log)}

    def test_as_a_user_runs_it(self) -> None:
        """python -m mesoformula validate --format sarif, in a process of its own."""
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "validate", "--format", "sarif", str(UNSAFE)],
            capture_output=True, text=True, check=False, cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert 1 == done.returncode, done.stderr
        log = json.loads(done.stdout)
        assert_valid(log)
        uri = results(log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert "examples/unsafe-cocktail.toml" == uri  # relative to the working folder


class TestFiles:
    """Files are named as CI reads them."""

    def test_relative_to_the_github_workspace(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Under GitHub Actions, a file is named relative to $GITHUB_WORKSPACE, whatever
        the working folder; a file outside the workspace by its file: URI."""
        workspace = tmp_path / "checkout"
        (workspace / "formulations").mkdir(parents=True)
        (workspace / "formulations" / "unsafe.toml").write_bytes(UNSAFE.read_bytes())
        monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
        monkeypatch.chdir(workspace / "formulations")
        _, log = sarif("validate", "unsafe.toml", str(EXAMPLES / "hair-revitalizing.toml"))
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results(log)
        }
        assert {"formulations/unsafe.toml", (EXAMPLES / "hair-revitalizing.toml").as_uri()} == uris
        assert_valid(log)

    def test_hostile_file_names(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Names with spaces, %, :, commas, # and newlines become URI references that give
        the name back."""
        name = "a b%20:c,d#e\nf.toml"
        (tmp_path / name).write_bytes((DATA / "broken" / "refs.toml").read_bytes())
        monkeypatch.chdir(tmp_path)
        code, log = sarif("validate", ".")
        assert 1 == code
        assert_valid(log)
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results(log)
        }
        assert {"a%20b%2520%3Ac%2Cd%23e%0Af.toml"} == uris
        assert {name} == {unquote(uri) for uri in uris}

    @given(st.lists(NAMES, min_size=1, max_size=4).map("/".join))
    def test_relative_uris_give_the_path_back(self, path: str) -> None:
        """Any relative path's URI is a relative reference (no scheme) that unquotes to
        the path."""
        uri = artifact_uri(path)
        assert URI_REFERENCE.fullmatch(uri)
        assert ":" not in uri.split("/")[0]
        assert path == unquote(uri)


class TestAnyFindings:
    """The log of any findings: a property of the records and the wire converter."""

    @given(st.lists(st.tuples(st.sampled_from(["f.toml", "a b/c.yaml"]), findings), max_size=6))
    def test_every_log_is_valid(self, pairs: list[tuple[str, Finding]]) -> None:
        """Whatever the findings hold (control characters, %, newlines), the log is valid
        SARIF 2.1.0 and each result says its finding's words and line."""
        files = [FileFindings(path=path, kind="formulation", findings=(f,)) for path, f in pairs]
        summary = Summary(files=len(files), errors=0, warnings=0, nolimit=0, skipped=0)
        log = json.loads(json.dumps(to_wire(sarif_log(files, summary))))
        assert_valid(log)
        assert [describe(f) for _, f in pairs] == [r["message"]["text"] for r in results(log)]
        assert [f.line for _, f in pairs] == [
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")
            for r in results(log)
        ]


def test_every_code_has_its_anchor_in_the_reference() -> None:
    """Every rule's helpUri lands on its code: each code is an anchor of the findings
    reference (docs/reference/findings.md)."""
    text = (ROOT / "docs" / "reference" / "findings.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f'<a id="{code}"></a>`{code}`' not in text]
    assert [] == missing
