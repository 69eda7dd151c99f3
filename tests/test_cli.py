"""Tests for the command line, run as a user runs it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mesoformula.cli import main

from .conftest import CATALOG, DATA, EXAMPLES, ROOT


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


class TestValidate:
    """mesoformula validate: exit codes, text and JSON output."""

    def test_examples_and_catalog_are_clean(self) -> None:
        """The shipped catalog and every safe example validate with exit 0."""
        safe = [str(p) for p in sorted(EXAMPLES.iterdir()) if "unsafe" not in p.name]
        code, text = run("validate", str(CATALOG), *safe)
        assert 0 == code, text
        # Every active without a dose limit is counted, never passed over in silence.
        assert text.endswith(
            "0 error(s), 0 warning(s), 4 ingredient(s) without a dose limit, 5 ingredient(s) in "
            "an undeclared amount, 2 product(s) off their licensed route\n"
        )

    def test_unsafe_example_fails(self) -> None:
        """The deliberately unsafe example exits 1 with several error findings."""
        code, text = run("validate", str(EXAMPLES / "unsafe-cocktail.toml"))
        assert 1 == code
        assert {"status.withdrawn", "compat.pair", "compat.no-admixture"} <= {
            line.split()[2] for line in text.splitlines() if " error " in line
        }

    def test_errors_exit_1_with_one_line_per_finding(self) -> None:
        """A broken file exits 1; each finding is one 'path:line: severity code' line."""
        path = DATA / "broken" / "many-problems.toml"
        code, text = run("validate", str(path))
        assert 1 == code
        lines = text.splitlines()
        assert 11 == len(lines)
        assert lines[0].startswith(f"{path}:5: error file.schema version:")

    def test_missing_path_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A path that does not exist is a usage error."""
        code, _ = run("validate", "no/such/file.toml")
        assert 2 == code
        assert "no such file or directory" in capsys.readouterr().err

    def test_usage_error_exits_2(self) -> None:
        """An unknown command or option is a usage error."""
        assert 2 == run("frobnicate")[0]
        assert 2 == run("validate")[0]
        assert 2 == run("validate", "--format", "xml", str(EXAMPLES))[0]

    def test_json_shape(self) -> None:
        """JSON output has files[] with path, kind, findings and a summary (SPEC §4.1)."""
        code, text = run("validate", "--format", "json", str(DATA / "broken" / "refs.toml"))
        data = json.loads(text)
        assert 1 == code
        assert {"format", "files", "summary"} == set(data)
        assert "mesoformula.validate-output/1" == data["format"]  # SPEC §9.7
        (file,) = data["files"]
        assert "formulation" == file["kind"]
        assert {"code", "severity", "message", "location", "line"} <= set(file["findings"][0])
        assert {"files": 1, "errors": 5, "warnings": 0, "nolimit": 0, "skipped": 0} == data[
            "summary"
        ]

    def test_format_before_command(self) -> None:
        """--format works before the command too."""
        code, text = run("--format", "json", "validate", str(EXAMPLES / "hair-revitalizing.toml"))
        assert 0 == code
        assert 0 == json.loads(text)["summary"]["errors"]

    def test_user_catalog_override_is_reported(self) -> None:
        """--catalog merges a clinic catalog; the override shows as info."""
        code, text = run(
            "validate",
            "--catalog",
            str(DATA / "catalog-override"),
            str(EXAMPLES / "hair-revitalizing.toml"),
        )
        assert 0 == code
        assert "info catalog.override" in text

    def test_broken_user_catalog_is_reported(self) -> None:
        """Problems in a --catalog folder are reported and fail the run."""
        code, text = run("validate", "--catalog", str(DATA / "catalog-broken"), str(EXAMPLES))
        assert 1 == code
        assert "catalog.duplicate" in text

    def test_missing_catalog_exits_2(self) -> None:
        """A --catalog path that does not exist is a usage error."""
        assert 2 == run("validate", "--catalog", "nope", str(EXAMPLES))[0]

    def test_every_broken_fixture_is_reported_not_raised(self) -> None:
        """Every broken fixture gives exit 1 and findings, never a traceback."""
        for path in sorted((DATA / "broken").iterdir()):
            code, text = run("validate", str(path))
            assert 1 == code, path
            assert " error " in text, path


class TestCatalogCommands:
    """mesoformula catalog list / show."""

    def test_list(self) -> None:
        """The listing names ingredients, products and groups."""
        code, text = run("catalog", "list")
        assert 0 == code
        assert "lidocaine-hcl" in text
        assert "sodium-chloride-0.9-10ml" in text

    def test_list_filters(self) -> None:
        """--allergen lists what belongs to or carries a group, as JSON too."""
        code, text = run("catalog", "list", "--allergen", "sulfite", "--format", "json")
        data = json.loads(text)
        assert 0 == code
        ids = {i["id"] for i in data["ingredients"]}
        assert {
            "sodium-metabisulfite",
            "potassium-metabisulfite",
            "acetone-sodium-bisulfite",
        } == ids
        assert all(set(p["excipients"]) & ids for p in data["products"]), (
            "every product listed carries a sulfite"
        )
        _, text = run("catalog", "list", "--class", "vitamin", "--kind", "ingredients")
        assert "dexpanthenol" in text
        assert "lidocaine" not in text

    def test_show_ingredient_with_sources(self) -> None:
        """show prints limits with their sources."""
        code, text = run("catalog", "show", "lidocaine-hcl")
        assert 0 == code
        assert (
            "per-kg-session: max 4.5 mg/kg (error) "
            "unless epinephrine at 0.005 mg/mL or more present" in text
        )
        assert "source: Poisoning & Drug Overdose (Olson, 8th ed.), Table II-2" in text

    def test_show_unknown_suggests(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown id exits 2 with suggestions."""
        assert 2 == run("catalog", "show", "xylocaine")[0]
        assert "lidocaine-hcl" in capsys.readouterr().err

    def test_show_json(self) -> None:
        """show --format json returns the entry as data."""
        code, text = run("catalog", "show", "sulfite", "--format", "json")
        data = json.loads(text)
        assert 0 == code
        assert "allergen group" == data["kind"]
        assert "sodium-metabisulfite" in data["members"]


class TestSchemaCommand:
    """mesoformula schema KIND."""

    def test_schema(self) -> None:
        """The schema is JSON with $defs."""
        code, text = run("schema", "formulation")
        assert 0 == code
        assert "Formulation" in json.loads(text)["$defs"]

    def test_unknown_kind(self) -> None:
        """An unknown kind is a usage error."""
        assert 2 == run("schema", "recipe")[0]


class TestAsAUserRunsIt:
    """The installed entry points, in a subprocess."""

    def test_python_m(self) -> None:
        """python -m mesoformula validate works and exits 0 on the examples."""
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "validate", "examples/hair-revitalizing.toml"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert 0 == done.returncode, done.stderr
        assert "" == done.stderr

    def test_bad_input_never_tracebacks(self, tmp_path: Path) -> None:
        """Garbage input exits 1 with findings and no traceback."""
        path = tmp_path / "garbage.toml"
        path.write_bytes(b"\x00\x01 format = [[[")
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert 1 == done.returncode
        assert "Traceback" not in done.stderr + done.stdout


class TestMinSeverity:
    """--min-severity hides lesser findings; exit codes do not change."""

    def test_hides_info(self) -> None:
        """validate --min-severity warning drops the info line of a clean example."""
        path = str(EXAMPLES / "hair-revitalizing.toml")
        assert "info dose.unchecked" in run("validate", path)[1]
        code, text = run("validate", path, "--min-severity", "warning")
        expected = "1 file(s): 0 error(s), 0 warning(s), 1 ingredient(s) without a dose limit\n"
        assert (0, expected) == (code, text)

    def test_skipped_files_are_counted_when_their_info_is_hidden(self, tmp_path: Path) -> None:
        """--skip-foreign --min-severity warning still counts a foreign file as skipped,
        not as a file validated."""
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
        (tmp_path / "f.toml").write_text(
            (EXAMPLES / "hair-revitalizing.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        code, text = run("validate", "--skip-foreign", "--min-severity", "warning", str(tmp_path))
        expected = (
            "1 file(s): 0 error(s), 0 warning(s), 1 ingredient(s) without a dose limit; "
            "1 other file(s) skipped (not mesoformula files)\n"
        )
        assert (0, expected) == (code, text)

    def test_errors_only_json(self) -> None:
        """--min-severity error keeps the errors, in JSON too, and still exits 1."""
        code, text = run(
            "validate",
            str(EXAMPLES / "unsafe-cocktail.toml"),
            "--min-severity",
            "error",
            "--format",
            "json",
        )
        data = json.loads(text)
        assert 1 == code
        assert {"error"} == {f["severity"] for f in data["files"][0]["findings"]}
        assert 0 == data["summary"]["warnings"]
