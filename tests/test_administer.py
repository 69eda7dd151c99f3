"""
The course as given (issue 13, SPEC §8.3): ``administer`` with every refusal, undo with
a reason, ``course show``, ``check --db`` counting the recorded course, and verify
covering administrations.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from mesoformula.administer import administer
from mesoformula.cli import main
from mesoformula.compounding import consume_batch
from mesoformula.course import summarize
from mesoformula.exceptions import EntryOrderError, StockError
from mesoformula.files import load
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.formulation import Formulation
from mesoformula.patient import Patient
from mesoformula.sheets import StockSheet
from mesoformula.stock import Stock

from .conftest import DATA, EXAMPLES
from .test_tamper import sql

#: The Kybella course runs to July 2027: the clock is after every write (SPEC §9.5).
pytestmark = pytest.mark.clock("2027-08-01T00:00:00+00:00")

COURSE = DATA / "course"
P42 = str(EXAMPLES / "patient-P-0042.toml")
P107 = str(EXAMPLES / "patient-P-0107.toml")
KPATIENT = str(COURSE / "patient-K.toml")
T0 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


class Clinic:
    """A store with the shipped stock and one hair batch B for P-0042, released."""

    def __init__(self, tmp_path: Path, *, verify: bool = True, location: str | None = None) -> None:
        self.db = location or str(tmp_path / "s.db")
        code, text = run(
            "stock", "import", str(EXAMPLES / "stock.toml"), "--db", self.db,
            "--at", "2026-11-25T09:00Z",
        )  # fmt: skip
        assert 0 == code, text
        code, text = run(
            "stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--db", self.db,
            "--batch-id", "B", "--at", "2026-12-01T10:00Z", "--actor", "ana",
            "--patient", P42, "--prescriber", "Dr. Rossi",
        )  # fmt: skip
        assert 0 == code, text
        if verify:
            code, text = run(
                "record", "verify", "--batch-id", "B", "--verifier", "bob", "--db", self.db,
                "--at", "2026-12-01T10:30Z",
            )  # fmt: skip
            assert 0 == code, text

    def give(
        self, volume: str = "4 mL", at: str = "2026-12-01T11:00Z", patient: str = P42
    ) -> tuple[int, str]:
        return run(
            "administer", "--batch-id", "B", "--patient", patient, "--volume", volume,
            "--db", self.db, "--at", at, "--actor", "nurse",
        )  # fmt: skip

    def course(self, patient: str = P42) -> dict[str, Any]:
        code, text = run(
            "course", "show", "--patient", patient, "--db", self.db, "--format", "json"
        )
        assert 0 == code, text
        data: dict[str, Any] = json.loads(text)
        return data

    def given(self) -> int:
        with sqlite3.connect(self.db) as db:
            return int(db.execute("SELECT COUNT(*) FROM administrations").fetchone()[0])


class TestAdminister:
    def test_a_dose_is_recorded_and_shown_in_the_course(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        code, text = clinic.give()
        assert 0 == code, text
        assert text.startswith("ADMINISTERED  4 mL of batch B to P-0042")
        assert "Dexpanthenol 100 mg" in text
        assert "remaining in the batch: 6 mL" in text
        course = clinic.course()
        (given,) = course["administrations"]
        assert ("B", "hair-revitalizing", {"value": 4.0, "unit": "mL"}, "nurse") == (
            given["batch_id"],
            given["formulation"],
            given["volume"],
            given["actor"],
        )
        totals = {t["ingredient"]: t["total"] for t in course["totals"]}
        assert {"value": 100.0, "unit": "mg"} == totals["dexpanthenol"]
        assert 0 == run("stock", "verify", "--db", clinic.db)[0]

    def test_json_output(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        code, text = run(
            "administer", "--batch-id", "B", "--patient", P42, "--volume", "2 mL",
            "--db", clinic.db, "--at", "2026-12-01T11:00Z", "--format", "json",
        )  # fmt: skip
        assert 0 == code
        data = json.loads(text)
        assert (True, 1, {"value": 8.0, "unit": "mL"}) == (
            data["administered"],
            data["administration"],
            data["remaining"],
        )

    @pytest.mark.parametrize(
        ("volume", "at", "patient", "code"),
        [
            ("4 mL", "2026-12-20T11:00Z", P42, "bud.expired"),
            ("4 mL", "2026-12-01T11:00Z", P107, "administer.patient"),
            ("10.5 mL", "2026-12-01T11:00Z", P42, "administer.volume"),
        ],
    )
    def test_refusals_record_nothing(
        self, tmp_path: Path, volume: str, at: str, patient: str, code: str
    ) -> None:
        clinic = Clinic(tmp_path)
        exit_code, text = clinic.give(volume, at, patient)
        assert 1 == exit_code
        assert f"error {code} " in text
        assert "not administered: nothing was recorded" in text
        assert 0 == clinic.given()

    def test_what_remains_is_what_was_not_given(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        assert 0 == clinic.give("4 mL")[0]
        assert 0 == clinic.give("4 mL", at="2026-12-02T11:00Z")[0]
        code, text = clinic.give("2.01 mL", at="2026-12-03T11:00Z")
        assert 1 == code
        assert "2 mL of 10 mL remain" in text
        assert 0 == clinic.give("2 mL", at="2026-12-03T11:00Z")[0]
        assert 1 == clinic.give("0.01 mL", at="2026-12-03T12:00Z")[0]

    def test_an_unreleased_batch_is_not_given(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path, verify=False)
        code, text = clinic.give()
        assert 1 == code
        assert "error administer.unreleased" in text
        assert 0 == clinic.given()

    def test_before_the_batch_or_unknown_batch(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        code, text = clinic.give(at="2026-12-01T09:00Z")
        assert 1 == code
        assert "would come before batch 'B'" in text
        code, text = run(
            "administer", "--batch-id", "NOPE", "--patient", P42, "--volume", "1 mL",
            "--db", clinic.db,
        )  # fmt: skip
        assert (1, True) == (code, "no consumed batch 'NOPE'" in text)
        assert 0 == clinic.given()

    @pytest.mark.parametrize(
        "argv",
        [
            ["--volume", "-4 mL"],
            ["--volume", "4 mg"],
            ["--volume", "many"],
            ["--volume", "1e308 mL"],
            ["--volume", "NaN mL"],
            ["--undo", "1"],
            ["--undo", "1", "--reason", "x", "--volume", "1 mL"],
            ["--reason", "x", "--volume", "1 mL"],
        ],
    )
    def test_usage_errors(self, tmp_path: Path, argv: list[str]) -> None:
        clinic = Clinic(tmp_path)
        base = ["administer", "--db", clinic.db]
        if "--undo" not in argv:
            base += ["--batch-id", "B", "--patient", P42]
        assert 2 == run(*base, *argv)[0]
        assert 0 == clinic.given()

    def test_a_patient_error_refuses(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        allergic = tmp_path / "p.toml"
        allergic.write_text(
            'format = "mesoformula.patient/1"\nid = "P-0042"\nweight = "62 kg"\n'
            'allergies = ["lidocaine"]\npregnant = false\n',
            encoding="utf-8",
        )
        code, text = clinic.give(patient=str(allergic))
        assert 1 == code
        assert "error allergen" in text
        assert 0 == clinic.given()


class TestUndo:
    def test_undo_takes_it_out_of_the_course(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        assert 0 == clinic.give("4 mL")[0]
        code, text = run(
            "administer", "--undo", "1", "--reason", "charted on the wrong patient",
            "--db", clinic.db, "--at", "2026-12-01T12:00Z",
        )  # fmt: skip
        assert 0 == code, text
        course = clinic.course()
        assert "charted on the wrong patient" == course["administrations"][0]["undone"]["reason"]
        assert [] == course["totals"]
        # what was undone is back in the batch
        assert 0 == clinic.give("10 mL", at="2026-12-01T13:00Z")[0]
        assert 0 == run("stock", "verify", "--db", clinic.db)[0]

    def test_undo_refusals(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        assert 0 == clinic.give("4 mL")[0]
        undo = ["administer", "--undo", "1", "--db", clinic.db, "--reason"]
        assert 1 == run(*undo, "early", "--at", "2026-12-01T10:59Z")[0]
        assert 2 == run(*undo, "   ")[0]
        assert 2 == run("administer", "--undo", "9", "--reason", "x", "--db", clinic.db)[0]
        assert 0 == run(*undo, "mistake", "--at", "2026-12-01T12:00Z")[0]
        code, text = run(*undo, "again", "--at", "2026-12-01T12:00Z")
        assert (1, True) == (code, "undone already" in text)
        assert 1 == run("administer", "--undo", "2", "--reason", "x", "--db", clinic.db)[0]

    def test_a_given_batch_cannot_be_voided(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        assert 0 == clinic.give("4 mL")[0]
        void = [
            "stock",
            "void",
            "--batch-id",
            "B",
            "--reason",
            "x",
            "--not-prepared",
            "--db",
            clinic.db,
        ]
        code, text = run(*void, "--at", "2026-12-01T12:00Z")
        assert (1, True) == (code, "was administered" in text)
        undo = ["administer", "--undo", "1", "--reason", "error", "--db", clinic.db]
        assert 0 == run(*undo, "--at", "2026-12-01T12:00Z")[0]
        assert 0 == run(*void, "--at", "2026-12-01T12:30Z")[0]
        code, text = clinic.give("1 mL", at="2026-12-01T13:00Z")
        assert (1, True) == (code, "is void" in text)
        assert 0 == run("stock", "verify", "--db", clinic.db)[0]


class TestLedgerCoversTheCourse:
    """Administrations are in the hash chain: on both engines (see conftest)."""

    def test_a_changed_dose_is_found(self, tmp_path: Path, location: str) -> None:
        clinic = Clinic(tmp_path, location=location)
        assert 0 == clinic.give("4 mL")[0]
        sql(
            clinic.db,
            "DROP TRIGGER administrations_no_update",
            "UPDATE administrations SET volume_ul = 1000",
        )
        code, text = run("stock", "verify", "--db", clinic.db)
        assert 1 == code
        assert "the administration '1' sealed by entry" in text
        assert "administrations_no_update is missing" in text

    def test_a_dose_added_behind_the_journals_back_is_found(
        self, tmp_path: Path, location: str
    ) -> None:
        clinic = Clinic(tmp_path, location=location)
        sql(
            clinic.db,
            "INSERT INTO administrations (kind, batch_id, patient, at, volume_ul, actor,"
            " doses) VALUES ('give', 'B', 'P-0042', '2026-12-01T11:00:00+00:00', 1000,"
            " 'x', '{}')",
        )
        code, text = run("stock", "verify", "--db", clinic.db)
        assert (1, True) == (code, "administration 1 has no seal" in text)

    def test_a_deleted_dose_is_found(self, tmp_path: Path, location: str) -> None:
        clinic = Clinic(tmp_path, location=location)
        assert 0 == clinic.give("4 mL")[0]
        sql(clinic.db, "DROP TRIGGER administrations_no_delete", "DELETE FROM administrations")
        code, text = run("stock", "verify", "--db", clinic.db)
        assert (1, True) == (code, "sealed by entry" in text)

    def test_course_show_is_read_only(self, tmp_path: Path) -> None:
        clinic = Clinic(tmp_path)
        assert 0 == clinic.give("4 mL")[0]
        before = Path(clinic.db).read_bytes()
        code, text = run("course", "show", "--patient", P42, "--db", clinic.db)
        assert 0 == code
        assert "COURSE  patient P-0042: 1 administration(s)" in text
        assert before == Path(clinic.db).read_bytes()


# ---------------------------------------------------------------- a Kybella course


@pytest.fixture
def kybella(tmp_path: Path, loaded: LoadedCatalog) -> Any:
    """A store with Kybella vials, the full-session formulation and patient P-0500."""
    stock = Stock.open(tmp_path / "k.db")
    sheet = load(COURSE / "stock-kybella.toml", StockSheet)
    stock.import_sheet(sheet, loaded.catalog, at=T0 - dt.timedelta(days=30), actor="pharmacy")
    formulation = load(COURSE / "kybella-full.toml", Formulation)
    patient = load(KPATIENT, Patient)
    yield stock, formulation, patient
    stock.close()


def session(
    stock: Stock,
    catalog: Any,
    formulation: Formulation,
    patient: Patient,
    n: int,
    at: dt.datetime,
) -> Any:
    """Compound, release and give batch K<n> at *at*; the administer result."""
    result, findings = consume_batch(
        stock,
        formulation,
        catalog,
        batch_id=f"K{n}",
        at=at - dt.timedelta(hours=1),
        actor="ana",
        patient=patient,
    )
    assert result is not None, findings
    stock.verify_batch(f"K{n}", verifier="bob", at=at - dt.timedelta(minutes=30))
    return administer(
        stock,
        catalog,
        batch_id=f"K{n}",
        patient=patient,
        volume_ml=10.0,
        at=at,
        actor="nurse",
    )


class TestKybellaCourse:
    def test_a_session_too_soon_is_refused(self, kybella: Any, loaded: LoadedCatalog) -> None:
        """
        A batch for a session closer than min_interval to the last sitting is refused
        when it is compounded for the patient, before any stock moves (SPEC §9.1).
        """
        stock, formulation, patient = kybella
        assert session(stock, loaded.catalog, formulation, patient, 1, T0).number == 1
        head = stock.head()
        result, findings = consume_batch(
            stock, formulation, loaded.catalog, batch_id="K2",
            at=T0 + dt.timedelta(days=21, hours=-1), actor="ana", patient=patient,
        )  # fmt: skip
        assert (None, head) == (result, stock.head())
        (finding,) = [f for f in findings if f.code == "interval.short"]
        assert "error" == finding.severity
        assert "2027-02-04 09:00 UTC" in finding.message  # T0 + 31 d, as people read it
        assert "min_interval" in (finding.source or "")
        on_time = session(stock, loaded.catalog, formulation, patient, 3, T0 + dt.timedelta(31))
        assert on_time.number is not None

    def test_the_seventh_full_session_exceeds_the_course(
        self, kybella: Any, loaded: LoadedCatalog
    ) -> None:
        stock, formulation, patient = kybella
        for n in range(6):
            result = session(
                stock, loaded.catalog, formulation, patient, n, T0 + dt.timedelta(31 * n)
            )
            assert result.number is not None, result.findings
        head = stock.head()
        seventh, findings = consume_batch(
            stock, formulation, loaded.catalog, batch_id="K6",
            at=T0 + dt.timedelta(31 * 6, hours=-1), actor="ana", patient=patient,
        )  # fmt: skip
        # the course is complete: refused before any stock moves (SPEC §9.1)
        assert (None, head) == (seventh, stock.head())
        assert "warning" == next(f.severity for f in findings if f.code == "course.complete")
        (finding,) = [f for f in findings if f.code == "dose.course"]
        assert ("error", 700.0, 600.0) == (
            finding.severity,
            finding.value.value if finding.value else None,
            finding.limit.value if finding.limit else None,
        )
        summary = summarize(patient.id, stock.administrations(patient=patient.id), loaded.catalog)
        (total,) = [t for t in summary.totals if t.ingredient == "deoxycholic-acid"]
        assert 600.0 == total.total.value
        assert [1.0] == [u.fraction for u in total.limits]
        (next_session,) = summary.next_sessions
        assert T0 + dt.timedelta(31 * 5 + 31) == next_session.earliest
        assert [] == stock.verify()

    def test_check_db_counts_the_recorded_course(
        self, kybella: Any, loaded: LoadedCatalog, tmp_path: Path
    ) -> None:
        """
        check --db counts what was given plus the sessions still to come (SPEC §9.1): one
        of six sessions given, five to come, the label's course exactly; a course of
        another formulation on top of it is a whole new course and exceeds it.
        """
        stock, formulation, patient = kybella
        assert session(stock, loaded.catalog, formulation, patient, 1, T0).number is not None
        db = str(tmp_path / "k.db")
        argv = ["check", str(COURSE / "kybella-full.toml"), "--patient", KPATIENT, "--db", db]
        code, text = run(*argv, "--at", "2027-01-14T09:00Z", "--format", "json")
        assert 1 == code
        codes = {f["code"]: f for r in json.loads(text)["files"] for f in r["findings"]}
        assert "error" == codes["interval.short"]["severity"]
        assert "dose.course" not in codes  # 100 mg given + 5 x 100 mg = the 600 mg limit
        code, text = run(*argv, "--at", "2027-02-04T09:00Z", "--format", "json")
        assert 0 == code, text
        other = tmp_path / "kybella-other.toml"
        other.write_text(
            (COURSE / "kybella-full.toml").read_text().replace('"kybella-full"', '"kybella-b"')
        )
        argv[1] = str(other)
        code, text = run(*argv, "--at", "2027-02-04T09:00Z", "--format", "json")
        assert 1 == code
        codes = {f["code"]: f for r in json.loads(text)["files"] for f in r["findings"]}
        assert {"value": 700.0, "unit": "mg"} == codes["dose.course"]["value"]
        assert "plus 6 session(s) still to come" in codes["dose.course"]["message"]
        # without the store, the plan alone is exactly the label's course: it passes
        code, text = run("check", str(COURSE / "kybella-full.toml"), "--patient", KPATIENT)
        assert 0 == code, text
        # --at belongs to --db
        assert 2 == run("check", str(COURSE / "kybella-full.toml"), "--patient", KPATIENT,
                        "--at", "2027-01-14T09:00Z")[0]  # fmt: skip

    def test_course_show_text(self, kybella: Any, loaded: LoadedCatalog, tmp_path: Path) -> None:
        stock, formulation, patient = kybella
        assert session(stock, loaded.catalog, formulation, patient, 1, T0).number is not None
        code, text = run("course", "show", "--patient", KPATIENT, "--db", str(tmp_path / "k.db"))
        assert 0 == code
        assert "COURSE  patient P-0500 (K. Example): 1 administration(s)" in text
        assert "Deoxycholic acid: 100 mg" in text
        assert "course limit 600 mg: 17% used" in text
        assert "next session:" in text
        assert "on or after 2027-02-04 09:00 UTC" in text


def test_library_refusals(kybella: Any, loaded: LoadedCatalog) -> None:
    stock, formulation, patient = kybella
    assert session(stock, loaded.catalog, formulation, patient, 1, T0).number is not None
    with pytest.raises(EntryOrderError):
        administer(
            stock, loaded.catalog, batch_id="K1", patient=patient, volume_ml=1.0,
            at=T0 - dt.timedelta(days=1), actor="x",
        )  # fmt: skip
    for volume in (0.0004, float("inf"), float("nan"), 1e308, -1.0):
        with pytest.raises(StockError):
            administer(
                stock, loaded.catalog, batch_id="K1", patient=patient, volume_ml=volume,
                at=T0, actor="x",
            )  # fmt: skip
