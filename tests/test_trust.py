"""
Commands trust nothing they cannot prove (SPEC §9.5): a store whose touched facts do
not verify is refused by the commands that write (stock.unsound) and printed as TAMPERED
by the commands that print stored facts. Both engines.
"""

from __future__ import annotations

import json

from .conftest import EXAMPLES
from .test_tamper import AT, run, sql, store_with_a_batch

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")


def released(location: str) -> str:
    """A store with batch B compounded and released."""
    path = store_with_a_batch(location)
    assert 0 == run("record", "verify", "--batch-id", "B", "--verifier", "bob", "--db", path,
                    "--at", "2026-12-01T10:30")[0]  # fmt: skip
    return path


class TestWritesRefuseWhatDoesNotVerify:
    """A write never acts on an entry or a row changed behind the journal's back."""

    def test_a_receipt_made_larger_is_no_phantom_stock(self, location: str) -> None:
        path = store_with_a_batch(location)
        sql(
            path,
            "DROP TRIGGER journal_no_update",
            "UPDATE journal SET containers_delta = containers_delta + 50 WHERE entry_id = 1",
            "UPDATE lot_balance SET unopened = unopened + 50"
            " WHERE lot_id = (SELECT lot_id FROM journal WHERE entry_id = 1)",
        )
        head = run("stock", "head", "--db", path)[1]
        code, text = run("stock", "consume", HAIR, "--db", path, "--batch-id", "C", *AT,
                         "--format", "json")  # fmt: skip
        assert 1 == code
        assert "hash mismatch" in text
        assert head == run("stock", "head", "--db", path)[1]

    def test_a_forged_release_gives_nothing(self, location: str) -> None:
        path = store_with_a_batch(location)
        sql(path, "INSERT INTO verifications (batch_id, at, verifier)"
                  " VALUES ('B', '2026-12-01T10:30:00+00:00', 'mallory')")  # fmt: skip
        head = run("stock", "head", "--db", path)[1]
        code, text = run("administer", "--batch-id", "B", "--patient", PATIENT, "--volume",
                         "1 mL", "--db", path, "--at", "2026-12-01T11:00")  # fmt: skip
        assert 1 == code
        assert "error stock.unsound" in text
        assert "no seal" in text
        assert head == run("stock", "head", "--db", path)[1]


class TestImportsTrustOnlyWhatIsSealed:
    """``--if-new`` looks a sheet up by its checksum, so the checksum is sealed."""

    def test_a_changed_checksum_imports_nothing_twice(self, location: str) -> None:
        path = store_with_a_batch(location)
        sql(path, "DROP TRIGGER imports_no_update", "UPDATE imports SET sha256 = 'ab'")
        head = run("stock", "head", "--db", path)[1]
        code, text = run("stock", "import", str(EXAMPLES / "stock.toml"), "--if-new",
                         "--db", path, "--at", "2026-12-01T12:00", "--format", "json")  # fmt: skip
        assert 1 == code
        finding = json.loads(text)["findings"][0]
        assert "stock.unsound" == finding["code"]
        assert "the import 1 was changed after it was sealed" in finding["message"]
        assert head == run("stock", "head", "--db", path)[1]
        found = run("stock", "verify", "--db", path)[1]
        assert "the import '1' sealed by entry" in found
        assert "checksum" in found

    def test_a_sound_store_still_says_already_imported(self, location: str) -> None:
        path = store_with_a_batch(location)
        code, text = run("stock", "import", str(EXAMPLES / "stock.toml"), "--if-new",
                         "--db", path, "--at", "2026-12-01T12:00")  # fmt: skip
        assert (0, "already imported, nothing done") == (code, text.strip().split(":")[0])


class TestPrintsSayTampered:
    """Printed stored facts are checked against their seals first."""

    def test_a_forged_release_on_the_record(self, location: str) -> None:
        path = store_with_a_batch(location)
        sql(path, "INSERT INTO verifications (batch_id, at, verifier)"
                  " VALUES ('B', '2026-12-01T10:30:00+00:00', 'mallory')")  # fmt: skip
        code, text = run("record", "batch", "--batch-id", "B", "--db", path)
        assert 1 == code
        assert text.startswith("**TAMPERED - DO NOT USE**")
        code, text = run("record", "label", "--batch-id", "B", "--db", path)
        assert (1, "TAMPERED - DO NOT USE") == (code, text.splitlines()[0])
        data = json.loads(run("record", "batch", "--batch-id", "B", "--db", path,
                              "--format", "json")[1])  # fmt: skip
        assert data["tampered"]

    def test_a_changed_dose_in_the_course(self, location: str) -> None:
        path = released(location)
        assert 0 == run("administer", "--batch-id", "B", "--patient", PATIENT, "--volume",
                        "1 mL", "--db", path, "--at", "2026-12-01T11:00")[0]  # fmt: skip
        assert 0 == run("course", "show", "--patient", PATIENT, "--db", path)[0]
        sql(path, "DROP TRIGGER administrations_no_update",
            "UPDATE administrations SET volume_ul = 100 WHERE administration_id = 1")  # fmt: skip
        code, text = run("course", "show", "--patient", PATIENT, "--db", path)
        assert 1 == code
        assert text.startswith("TAMPERED - DO NOT USE: the administration 1 was changed")
        data = json.loads(run("course", "show", "--patient", PATIENT, "--db", path,
                              "--format", "json")[1])  # fmt: skip
        assert data["tampered"]

    def test_a_sound_record_is_not_flagged(self, location: str) -> None:
        path = released(location)
        code, text = run("record", "batch", "--batch-id", "B", "--db", path)
        assert (0, False) == (code, "TAMPERED" in text)
