"""
The output contract (SPEC §9.7): every JSON document a command prints carries its
``format``, and validates against the schema ``mesoformula schema NAME`` prints. One
session runs every command with ``--format json`` on both engines, validates each
document against its schema, and checks that no output of ``schema --list`` went
untried.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.files.outputs import OUTPUTS, REFUSAL, format_of, stamped

from .conftest import DATA, EXAMPLES
from .test_tamper import run

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")


def schema(name: str) -> dict[str, Any]:
    code, text = run("schema", name if name == "refusal" else f"{name}-output")
    assert 0 == code, text
    document: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(document)
    return document


class Session:
    """Runs commands with ``--format json`` and keeps each document by its format."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.seen: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, *argv: str, store: bool = True) -> dict[str, Any]:
        where = ("--db", self.db) if store else ()
        _, text = run(*argv, *where, "--format", "json")
        document: dict[str, Any] = json.loads(text)
        assert isinstance(document, dict), (argv, text)
        self.seen.setdefault(document["format"], []).append(document)
        return document


def session(db: str, tmp_path: Path) -> Session:
    """Every command that prints JSON, in the order a clinic would run them."""
    go = Session(db)
    go("validate", str(EXAMPLES), store=False)
    go("check", HAIR, "--patient", PATIENT, store=False)
    go("compose", HAIR, store=False)
    go("catalog", "list", "--kind", "products", store=False)
    go("catalog", "show", "lidocaine-hcl", store=False)
    go("catalog", "show", "paraben", store=False)
    go("stock", "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00")
    scan = "(01)00614141000012(17)280200(10)BT-9"
    go("stock", "receive", "--db", str(tmp_path / "scanned.db"), "--catalog",
       str(DATA / "catalog-gtin"), "--scan", scan, "--at", "2026-11-28T09:00",
       store=False)  # fmt: skip
    at = ("--at", "2026-12-01T10:00")
    go("stock", "plan", HAIR, *at)
    go("stock", "consume", HAIR, "--batch-id", "B", *at)
    go("stock", "consume", HAIR, "--batch-id", "C", *at)
    go("stock", "list")
    go("stock", "history", "--batch", "B")
    head = go("stock", "head")["head"]
    go("config")
    go("stock", "verify")
    go("record", "verify", "--batch-id", "B", "--verifier", "bob", "--at", "2026-12-01T10:30")
    go("record", "batch", "--batch-id", "B")
    go("record", "label", "--batch-id", "B")
    go("record", "master", HAIR, store=False)
    for volume, minute in (("1 mL", "11:00"), ("2 mL", "11:05")):
        go("administer", "--batch-id", "B", "--patient", PATIENT, "--volume", volume,
           "--at", f"2026-12-01T{minute}")  # fmt: skip
    go("administer", "--undo", "2", "--reason", "charted twice", "--at", "2026-12-01T11:10")
    go("course", "show", "--patient", PATIENT)
    go("trace", "--batch", "B")
    go("event", "record", "--patient", "P-0042", "--kind", "infection", "--severity", "moderate",
       "--onset", "2026-12-01T20:00", "--organism", "Mycobacterium abscessus",
       "--batch", "B", "--at", "2026-12-01T21:00")  # fmt: skip
    go("event", "list")
    go("signals", "--at", "2026-12-02T00:00")
    go("stock", "count", str(EXAMPLES / "count.toml"), "--at", "2026-12-02T09:00")
    go("stock", "discard", "--lot", "NS-2610", "--containers", "1", "--reason", "dropped",
       "--at", "2026-12-02T10:05")  # fmt: skip
    go("stock", "adjust", "--lot", "NS-2610", "--containers", "1", "--reason", "recounted",
       "--at", "2026-12-02T10:10")  # fmt: skip
    status = go("stock", "status", "--lot", "NS-2610", "--to", "quarantine", "--reason", "haze",
                "--at", "2026-12-02T10:15")  # fmt: skip
    go("stock", "undo", str(status["entries"][0]), "--reason", "wrong lot",
       "--at", "2026-12-02T10:20")  # fmt: skip
    go("stock", "transfer", "--lot", "NS-2610", "--from", "main", "--to", "north", "--new-site",
       "--containers", "1", "--reason", "north clinic", "--at", "2026-12-02T10:22")  # fmt: skip
    go("stock", "void", "--batch-id", "C", "--reason", "never made", "--not-prepared",
       "--at", "2026-12-02T10:25")  # fmt: skip
    go("stock", "void", "--batch-id", "NOPE", "--reason", "r", "--not-prepared")
    go("stock", "migrate", "--from", db, "--to", str(tmp_path / "migrated.db"), store=False)
    go("stock", "verify", "--since", head)  # what came after the head kept above
    return go


@pytest.mark.clock("2026-12-03T08:00Z")
def test_every_output_carries_its_format_and_validates(location: str, tmp_path: Path) -> None:
    seen = session(location, tmp_path).seen
    expected = {format_of(name) for name in OUTPUTS}
    assert set() == expected - set(seen), "outputs no command of the session printed"
    assert set() == set(seen) - expected, "outputs without a schema"
    for name in OUTPUTS:
        validator = jsonschema.Draft202012Validator(schema(name))
        for document in seen[format_of(name)]:
            errors = [
                f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)
            ]
            assert [] == errors, (name, document)


@pytest.mark.parametrize("name", ["validate", "trace", "consume", "stock-list"])
def test_a_refusal_is_valid_output_of_every_command(name: str) -> None:
    """A command that refused prints a refusal: its own ``format``, in every schema."""
    code, text = run("stock", "list", "--db", "nowhere.db", "--format", "json")
    assert 2 == code
    refusal = json.loads(text)
    assert REFUSAL == refusal["format"]
    jsonschema.validate(refusal, schema(name))


def test_a_document_of_another_command_does_not_validate() -> None:
    """The schemas are not so loose that anything passes: a trace is not a consume."""
    document = {"format": format_of("trace"), "subject": "lot L", "batches": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema("consume"))


def test_schema_list_names_files_and_outputs() -> None:
    code, text = run("schema", "--list", "--format", "json")
    names = json.loads(text)
    assert 0 == code
    assert {"formulation", "validate-output", "trace-output", "refusal"} <= set(names)
    assert 2 == run("schema", "trace-outpt")[0]
    assert 2 == run("schema")[0]


@settings(max_examples=50)
@given(st.dictionaries(st.text(min_size=1).filter(lambda k: k != "format"), st.integers()))
def test_the_format_comes_first_and_nothing_else_changes(data: dict[str, int]) -> None:
    """Property: stamping adds ``format`` as the first key and keeps every other pair."""
    out = stamped(data, "trace")
    assert "format" == next(iter(out))
    assert format_of("trace") == out.pop("format")
    assert data == out
