"""
``mesoformula trace`` (SPEC §9.4): from a lot, a batch or a patient to everything the
store links to it; read-only, seals checked. Both engines.
"""

from __future__ import annotations

import csv
import io
import json

from .conftest import EXAMPLES
from .test_tamper import run, sql, store_with_a_batch

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")


def given(path: str) -> str:
    """Batch B released and given twice to P-0042 (the second undone); batch C made
    for P-0042 from the same lots and not given."""
    steps = [
        ("record", "verify", "--batch-id", "B", "--verifier", "bob", "--at", "2026-12-01T10:30"),
        ("administer", "--batch-id", "B", "--patient", PATIENT, "--volume", "1 mL",
         "--at", "2026-12-01T11:00"),
        ("administer", "--batch-id", "B", "--patient", PATIENT, "--volume", "2 mL",
         "--at", "2026-12-01T11:05"),
        ("administer", "--undo", "2", "--reason", "charted twice", "--at", "2026-12-01T11:10"),
        ("stock", "consume", HAIR, "--batch-id", "C", "--patient", PATIENT,
         "--at", "2026-12-01T12:00"),
    ]  # fmt: skip
    store_with_a_batch(path)
    for step in steps:
        code, text = run(*step, "--db", path)
        assert 0 == code, (step, text)
    return path


class TestTrace:
    def test_from_a_lot(self, location: str) -> None:
        path = given(location)
        head = run("stock", "head", "--db", path)[1]
        code, text = run("trace", "--lot", "LA-2611", "--db", path, "--format", "json")
        data = json.loads(text)
        assert (0, ["B", "C"], ["P-0042"], []) == (
            code,
            [b["batch_id"] for b in data["batches"]],
            data["patients"],
            data["tampered"],
        )
        b, c = data["batches"]
        assert [(1, False), (2, True)] == [
            (a["administration"], a["undone"]) for a in b["administrations"]
        ]
        assert ({"value": 9.0, "unit": "mL"}, True) == (b["remaining"], b["released"])
        assert ("P-0042", [], False) == (c["patient"], c["administrations"], c["released"])
        assert "LA-2611" in [lot["lot"] for lot in b["lots"]]
        assert head == run("stock", "head", "--db", path)[1]  # read-only

    def test_from_a_patient_backwards(self, location: str) -> None:
        path = given(location)
        code, text = run("trace", "--patient", "P-0042", "--db", path)
        assert 0 == code
        assert text.startswith("TRACE patient P-0042: 2 batch(es)\n")
        assert "made for: P-0042" in text  # batch C, compounded for her
        assert "UNDONE (charted twice)" in text
        same = run("trace", "--patient", PATIENT, "--db", path)[1]  # a patient file
        assert text == same

    def test_csv_one_row_per_administration(self, location: str) -> None:
        path = given(location)
        code, text = run("trace", "--batch", "B", "--db", path, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert (0, ["1", "2"], ["False", "True"]) == (
            code,
            [r["administration"] for r in rows],
            [r["undone"] for r in rows],
        )
        rows = list(csv.DictReader(io.StringIO(run("trace", "--batch", "C", "--db", path,
                                                   "--format", "csv")[1])))  # fmt: skip
        assert [("C", "", "P-0042")] == [(r["batch_id"], r["administration"], r["made_for"])
                                         for r in rows]  # fmt: skip

    def test_unknown_is_a_usage_error(self, location: str) -> None:
        path = given(location)
        for argv in (("--lot", "NOPE"), ("--batch", "NOPE"), ("--patient", "P-9999")):
            assert 2 == run("trace", *argv, "--db", path)[0]

    def test_a_changed_dose_is_printed_tampered(self, location: str) -> None:
        path = given(location)
        sql(path, "DROP TRIGGER administrations_no_update",
            "UPDATE administrations SET volume_ul = 100 WHERE administration_id = 1")  # fmt: skip
        code, text = run("trace", "--lot", "LA-2611", "--db", path)
        assert 1 == code
        assert text.startswith("TAMPERED - DO NOT USE: the administration 1 was changed")

    def test_a_dose_moved_to_another_batch_is_printed_tampered(self, location: str) -> None:
        """A trace reads a batch's doses by the batch and looks for their seals under it:
        a dose moved to batch C has no seal there."""
        path = given(location)
        sql(path, "DROP TRIGGER administrations_no_update",
            "UPDATE administrations SET batch_id = 'C' WHERE administration_id = 1")  # fmt: skip
        code, text = run("trace", "--batch", "C", "--db", path)
        assert 1 == code
        assert text.startswith(
            "TAMPERED - DO NOT USE: the administration 1 has no seal in the journal"
        ), text


def test_csv_is_offered_only_where_a_command_has_it() -> None:
    code, _ = run("stock", "list", "--db", "nowhere.db", "--format", "csv")
    assert 2 == code


class TestRecall:
    """A recalled lot recalls every batch that drew from it (SPEC §9.4)."""

    def test_a_recalled_lot_stops_its_batches_until_released(self, location: str) -> None:
        path = given(location)
        recall = ("stock", "status", "--lot", "LA-2611", "--to", "recalled", "--reason",
                  "supplier recall", "--db", path, "--at", "2026-12-01T12:30")  # fmt: skip
        code, text = run(*recall)
        assert 0 == code
        assert ("RECALLED: 2 batch(es) made from this lot must not be given; patients who "
                "received them: P-0042") in text  # fmt: skip
        assert "TRACE lot LA-2611: 2 batch(es)" in text
        give = ("administer", "--batch-id", "B", "--patient", PATIENT, "--volume", "1 mL",
                "--db", path, "--at", "2026-12-01T13:00")  # fmt: skip
        head = run("stock", "head", "--db", path)[1]
        code, text = run(*give)
        assert (1, True) == (code, "error administer.recalled" in text)
        assert head == run("stock", "head", "--db", path)[1]
        label = run("record", "label", "--batch-id", "B", "--db", path)[1]
        assert label.startswith("RECALLED - DO NOT USE\n")
        record = run("record", "batch", "--batch-id", "B", "--db", path)[1]
        assert "RECALLED - DO NOT USE: it was made from lidocaine-hcl-2pct-5ml lot LA-2611" in (
            record
        )
        data = json.loads(run("record", "batch", "--batch-id", "B", "--db", path,
                              "--format", "json")[1])  # fmt: skip
        assert ["lidocaine-hcl-2pct-5ml lot LA-2611"] == data["recalled"]
        release = ("stock", "status", "--lot", "LA-2611", "--to", "released", "--reason",
                   "recall lifted", "--db", path, "--at", "2026-12-01T13:10")  # fmt: skip
        assert 0 == run(*release)[0]
        code, text = run(*give[:-1], "2026-12-01T13:20")
        assert (0, False) == (code, "administer.recalled" in text)
        assert not run("record", "label", "--batch-id", "B", "--db", path)[1].startswith("RECALLED")


def test_a_recall_in_json_carries_its_trace(location: str) -> None:
    path = given(location)
    status = ("stock", "status", "--lot", "LA-2611", "--db", path, "--format", "json")
    code, text = run(
        *status, "--to", "recalled", "--reason", "supplier", "--at", "2026-12-01T12:30"
    )
    data = json.loads(text)
    assert (0, True, ["B", "C"]) == (
        code,
        data["ok"],
        [b["batch_id"] for b in data["recalled"]["batches"]],
    )
    code, text = run(*status, "--to", "released", "--reason", "lifted", "--at", "2026-12-01T12:40")
    assert (0, False) == (code, "recalled" in json.loads(text))
