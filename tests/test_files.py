"""Tests for mesoformula.files: reading every kind and syntax, findings, round trips."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.exceptions import FileError
from mesoformula.files import MAX_FILE_BYTES, MAX_SHEET_BYTES, dumps, load, loads, read
from mesoformula.files.schema import json_schema
from mesoformula.formulation import Formulation
from mesoformula.patient import Patient
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES
from .strategies import models

BROKEN = DATA / "broken"


def codes(path: Path) -> list[tuple[str, str]]:
    return [(f.code, f.location) for f in read(path).findings]


class TestRoundTrip:
    """load(dump(x)) == x for every model and every syntax."""

    @settings(max_examples=60)
    @given(models)
    def test_toml(self, model: Any) -> None:
        """TOML round trip."""
        assert model == loads(dumps(model, "toml"), "toml").model

    @settings(max_examples=60)
    @given(models)
    def test_json(self, model: Any) -> None:
        """JSON round trip."""
        assert model == loads(dumps(model, "json"), "json").model

    @settings(max_examples=60)
    @given(models)
    def test_yaml(self, model: Any) -> None:
        """YAML round trip."""
        assert model == loads(dumps(model, "yaml"), "yaml").model

    @pytest.mark.parametrize(
        "path", sorted(p for p in EXAMPLES.rglob("*") if p.is_file()), ids=lambda p: p.name
    )
    def test_examples(self, path: Path) -> None:
        """Every example reads cleanly and survives a round trip in every syntax."""
        document = read(path)
        assert () == document.findings
        assert document.model is not None
        for syntax in ("toml", "json", "yaml"):
            assert document.model == loads(dumps(document.model, syntax), syntax).model


class TestReading:
    """Each syntax and kind is read into its model."""

    def test_formulation_toml(self) -> None:
        """The SPEC's example formulation reads with canonical quantities."""
        formulation = load(EXAMPLES / "hair-revitalizing.toml", Formulation)
        assert Quantity(10.0, "mL") == formulation.final_volume
        assert Quantity(1.0, "mL") == formulation.components[0].volume
        assert 80 == formulation.administration.points_per_session  # type: ignore[union-attr]

    def test_same_shape_in_every_syntax(self) -> None:
        """YAML and JSON files read like TOML."""
        assert read(EXAMPLES / "vitamin-b-complex.yaml").model is not None
        json_model = read(EXAMPLES / "brightening.json").model
        assert isinstance(json_model, Formulation)
        assert Quantity(10.0, "mg/mL") == json_model.components[1].concentration

    def test_patient(self) -> None:
        """A patient file reads into a Patient."""
        patient = load(EXAMPLES / "patient-P-0042.toml", Patient)
        assert Quantity(62.0, "kg") == patient.weight
        assert ("paraben", "procaine") == patient.allergies

    def test_load_raises_with_findings(self) -> None:
        """load() raises FileError carrying every finding."""
        with pytest.raises(FileError) as caught:
            load(BROKEN / "many-problems.toml", Formulation)
        assert 10 == len(caught.value.findings)

    def test_load_wrong_kind(self) -> None:
        """Loading a patient file as a formulation is a file.schema error."""
        with pytest.raises(FileError, match="expected a formulation file"):
            load(EXAMPLES / "patient-P-0042.toml", Formulation)


class TestFindings:
    """Every problem in a file is reported at once, with code, location and line."""

    def test_many_problems_at_once(self) -> None:
        """Ten problems in one file give ten findings, each located."""
        findings = read(BROKEN / "many-problems.toml").findings
        expected = [
            ("file.schema", "version", 5),
            ("file.schema", "route", 6),
            ("unit.unknown", "final_volume", 7),
            ("unit.invalid", "components[0].volume", 12),
            ("unit.dimension", "components[1].concentration", 16),
            ("file.schema", "administration.points_per_session", 24),
            ("file.schema", "administration.sessions", 25),
            ("unit.invalid", "administration.interval", 26),
            ("file.schema", "colour", 8),
            ("file.schema", "components[2]", 18),
        ]
        assert expected == [(f.code, f.location, f.line) for f in findings]

    @pytest.mark.parametrize(
        ("name", "line"),
        [("syntax.toml", 3), ("syntax.json", 3), ("syntax.yaml", 3)],
    )
    def test_syntax_errors_have_lines(self, name: str, line: int) -> None:
        """A syntax error names its line in every syntax."""
        (finding,) = read(BROKEN / name).findings
        assert ("file.syntax", line) == (finding.code, finding.line)
        assert f"line {line}" in finding.message

    def test_alias_bomb_is_refused_before_expanding(self) -> None:
        """A YAML alias bomb is a syntax error, refused in well under a second."""
        started = time.perf_counter()
        (finding,) = read(BROKEN / "alias-bomb.yaml").findings
        assert "file.syntax" == finding.code
        assert "aliases" in finding.message
        assert time.perf_counter() - started < 1.0  # hang guard, not a benchmark

    def test_nan_in_json(self) -> None:
        """NaN in JSON is refused."""
        assert [("file.syntax", "")] == codes(BROKEN / "nan.json")

    def test_unknown_and_missing_format(self) -> None:
        """An unknown or missing format key is file.schema at 'format'."""
        assert [("file.schema", "format")] == codes(BROKEN / "unknown-format.toml")
        assert [("file.schema", "format")] == codes(BROKEN / "no-format.json")

    def test_hostile_units_in_yaml(self) -> None:
        """Hostile quantity strings in a file become unit.* findings naming the field."""
        assert [
            ("unit.invalid", "components[0].volume"),
            ("unit.invalid", "components[1].concentration"),
            ("unit.unknown", "components[2].amount"),
        ] == codes(BROKEN / "bad-units.yaml")

    def test_stock_types(self) -> None:
        """Dates, datetimes, statuses and counts are checked strictly."""
        assert [
            ("file.schema", "lots[0].lot"),
            ("file.schema", "lots[0].expiry"),
            ("file.schema", "lots[0].containers"),
            ("file.schema", "lots[0].opened[0].at"),
            ("unit.invalid", "lots[0].opened[0].remaining"),
            ("file.schema", "lots[0].status"),
        ] == codes(BROKEN / "stock-types.toml")

    @pytest.mark.parametrize(
        ("text", "location"),
        [
            ('{"format": "mesoformula.patient/1", "id": "P", "pregnant": 1}', "pregnant"),
            ('{"format": "mesoformula.patient/1", "id": 7}', "id"),
            ('{"format": "mesoformula.patient/1", "id": "P", "allergies": "soy"}', "allergies"),
            ('{"format": "mesoformula.patient/1"}', "id"),
            ('{"format": "mesoformula.patient/1", "id": "P", "weight": true}', "weight"),
        ],
    )
    def test_no_lenient_types(self, text: str, location: str) -> None:
        """No booleans where numbers belong, no numbers where strings belong."""
        findings = loads(text, "json").findings
        assert [location] == [f.location for f in findings]

    def test_missing_key_message(self) -> None:
        """A missing required key is named."""
        (finding,) = loads('{"format": "mesoformula.patient/1"}', "json").findings
        assert "required key 'id' is missing" == finding.message

    def test_unknown_suffix_and_missing_file(self, tmp_path: Path) -> None:
        """Unknown suffixes and unreadable files are findings, never exceptions."""
        (tmp_path / "f.txt").write_text("x")
        assert "file.schema" == read(tmp_path / "f.txt").findings[0].code
        assert "file.io" == read(tmp_path / "missing.toml").findings[0].code

    def test_oversized_file(self, tmp_path: Path) -> None:
        """A file over the size cap is refused before parsing."""
        big = tmp_path / "big.json"
        big.write_text(" " * (MAX_FILE_BYTES + 1))
        (finding,) = read(big).findings
        assert "file.io" == finding.code

    def test_a_sheet_may_be_larger_than_a_formulation(self, tmp_path: Path) -> None:
        """A site's stock in one sheet: over 4 MiB is read for stock and count sheets only."""
        padding = "# " + "x" * 98 + "\n"
        filler = padding * (MAX_FILE_BYTES // len(padding) + 1)
        sheet = tmp_path / "sheet.toml"
        sheet.write_text(
            filler + (EXAMPLES / "stock.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        assert [] == list(read(sheet).findings)
        assert [] == list(read(sheet, expect="stock").findings)
        formulation = tmp_path / "formulation.toml"
        formulation.write_text(
            filler + (EXAMPLES / "hair-revitalizing.toml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        (finding,) = read(formulation).findings
        assert "file.io" == finding.code
        assert "stock and count sheets may be larger" in finding.message
        (finding,) = read(formulation, expect="catalog").findings
        assert "file.io" == finding.code

    def test_a_sheet_over_its_cap_is_refused_before_parsing(self, tmp_path: Path) -> None:
        big = tmp_path / "big.toml"
        with big.open("wb") as handle:
            handle.truncate(MAX_SHEET_BYTES + 1)  # sparse: nothing is written
        (finding,) = read(big, expect="stock").findings
        assert ("file.io", f"file is {MAX_SHEET_BYTES + 1:,} bytes") == (
            finding.code,
            finding.message.split(";")[0],
        )

    def test_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are a syntax finding."""
        path = tmp_path / "latin.toml"
        path.write_bytes(b'format = "\xff"')
        assert "file.syntax" == read(path).findings[0].code


class TestSchema:
    """JSON Schema is generated from the models."""

    @pytest.mark.parametrize("kind", ["formulation", "patient", "catalog", "stock", "count"])
    def test_examples_validate_against_schema(self, kind: str) -> None:
        """The schema is valid JSON Schema and accepts the shipped files of its kind."""
        jsonschema = pytest.importorskip("jsonschema")
        schema = json_schema(kind)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        from .conftest import CATALOG

        for path in [*EXAMPLES.rglob("*.*"), *CATALOG.iterdir()]:
            document = read(path)
            if document.kind == kind and document.model is not None:
                data = loads(dumps(document.model, "json"), "json").model
                import json

                assert [] == list(validator.iter_errors(json.loads(dumps(data, "json"))))  # type: ignore[arg-type]

    def test_schema_refuses_extra_keys(self) -> None:
        """The schema forbids unknown keys, like the loader."""
        jsonschema = pytest.importorskip("jsonschema")
        validator = jsonschema.Draft202012Validator(json_schema("patient"))
        assert list(validator.iter_errors({"format": "mesoformula.patient/1", "id": "P", "x": 1}))

    def test_field_names_match_files(self) -> None:
        """Renamed fields appear under their file key ('class')."""
        schema = json_schema("catalog")
        assert "class" in schema["$defs"]["Ingredient"]["properties"]


class TestHostileFiles:
    """Files built to crash a parser are refused with a finding, never a crash."""

    @pytest.mark.parametrize("suffix", ["toml", "json", "yaml"])
    def test_deep_nesting(self, tmp_path: Path, suffix: str) -> None:
        """50,000 nested brackets (which crash PyYAML's C parser) are a syntax finding."""
        path = tmp_path / f"deep.{suffix}"
        opening, closing = "[" * 50_000, "]" * 50_000
        body = {
            "toml": f"format = {opening}{closing}\n",
            "json": f'{{"format": {opening}{closing}}}',
            "yaml": f"format: {opening}{closing}\n",
        }[suffix]
        path.write_text(body)
        (finding,) = read(path).findings
        assert ("file.syntax", 1) == (finding.code, finding.line)
        assert "nested more than 64 levels" in finding.message

    def test_deep_indentation(self, tmp_path: Path) -> None:
        """YAML nested by indentation alone is refused too."""
        path = tmp_path / "indent.yaml"
        path.write_text("".join(f"{' ' * (2 * n)}k{n}:\n" for n in range(400)))
        assert "file.syntax" == read(path).findings[0].code

    def test_huge_integer(self, tmp_path: Path) -> None:
        """An integer of 5,000 digits is a syntax finding, not an internal error."""
        path = tmp_path / "big.json"
        path.write_text('{"format": "mesoformula.patient/1", "id": "x", "n": 1' + "0" * 5000 + "}")
        assert "file.syntax" == read(path).findings[0].code

    def test_many_unknown_keys_are_summarised(self) -> None:
        """Twenty thousand unknown keys give one finding naming ten and counting the rest."""
        text = 'format = "mesoformula.patient/1"\nid = "x"\n' + "".join(
            f"k{n} = 1\n" for n in range(20_000)
        )
        (finding,) = loads(text, "toml").findings
        assert "and 19990 more" in finding.message
        assert len(finding.message) < 300

    def test_subprocess_never_crashes(self, tmp_path: Path) -> None:
        """The CLI on the deep YAML file exits 1 with a finding (no segfault, no traceback)."""
        import subprocess
        import sys

        path = tmp_path / "deep.yaml"
        path.write_text("format: " + "[" * 50_000 + "]" * 50_000 + "\n")
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert 1 == done.returncode
        assert "file.syntax" in done.stdout


class TestNeverRaises:
    """Reading never raises for bad content, whatever the bytes (property)."""

    @settings(max_examples=300)
    @given(st.text(max_size=400), st.sampled_from(["toml", "json", "yaml"]))
    def test_any_text(self, text: str, syntax: str) -> None:
        """Any text in any syntax gives a Document (possibly with findings), never an exception."""
        document = loads(text, syntax)  # type: ignore[arg-type]
        assert document.model is not None or document.findings

    @settings(max_examples=200)
    @given(
        st.dictionaries(
            st.sampled_from(["format", "id", "weight", "allergies", "pregnant", "x"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                lambda children: (
                    st.lists(children, max_size=3)
                    | st.dictionaries(st.text(max_size=5), children, max_size=3)
                ),
                max_leaves=8,
            ),
        ),
        st.sampled_from(
            [
                "mesoformula.patient/1",
                "mesoformula.formulation/1",
                "mesoformula.catalog/1",
                "mesoformula.stock/1",
                "mesoformula.count/1",
            ]
        ),
    )
    def test_any_structure(self, data: dict[str, object], fmt: str) -> None:
        """Any JSON structure under any format is findings or a model, never an exception."""
        import json

        data["format"] = fmt
        try:
            text = json.dumps(data)
        except ValueError:
            return
        document = loads(text, "json")
        assert document.model is not None or document.findings


def test_many_findings_get_their_own_lines() -> None:
    """Thousands of findings in one file each get the line of their own component
    (located from one index of the text, not one scan of the file per finding)."""
    head = [
        'format = "mesoformula.formulation/1"',
        'id = "x"',
        'name = "x"',
        'route = "intradermal"',
        'final_volume = "10 mL"',
    ]
    body = []
    for n in range(3000):
        body += ["[[components]]", f'product = "p-{n}"', 'volume = "1,5 mL"']
    document = loads("\n".join(head + body) + "\n", "toml")
    lines = [f.line for f in document.findings if f.location.endswith(".volume")]
    assert [len(head) + 3 * n + 3 for n in range(3000)] == lines
