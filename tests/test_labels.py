"""
Labels a pharmacy prints (issue 30, SPEC §9.7): the pharmacy, the directions and the
times in the clinic's zone on the label. PDFs are read back with poppler
(``pdftotext``); the stores are on both engines.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesoformula.cli import main
from mesoformula.cli.record import pharmacy_of
from mesoformula.records import Pharmacy

from .conftest import EXAMPLES
from .test_pdf import tool

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")
PHARMACY = (
    "--pharmacy-name", "Pharmacie du Centre",
    "--pharmacy-address", "1 rue de Rivoli, 75001 Paris",
    "--pharmacy-telephone", "+33 1 23 45 67 89",
)  # fmt: skip
PHARMACY_LINE = (
    "Pharmacy: Pharmacie du Centre, 1 rue de Rivoli, 75001 Paris, tel. +33 1 23 45 67 89"
)
DIRECTIONS = (
    "Directions: 4 mL per session in 80 points of 0.05 mL, every 7 days, 6 sessions in the course"
)
#: 2026-12-01 10:00 UTC plus the 10 days of a refrigerated category 2 preparation, in Paris.
BUD = "BUD: 2026-12-11 11:00 CET"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert code != 3, out.getvalue()
    return code, out.getvalue()


def stocked(db: str, formulation: str = HAIR, batch: str = "B-0001") -> str:
    """*db* with the example stock and *batch* of *formulation* made for P-0042 by ana at
    10:00 UTC (prescriber Dr. Rossi), verified by bob."""
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db,
                    "--at", "2026-11-25T09:00Z")[0]  # fmt: skip
    code, text = run("stock", "consume", formulation, "--db", db, "--batch-id", batch,
                     "--at", "2026-12-01T10:00Z", "--actor", "ana", "--patient", PATIENT,
                     "--prescriber", "Dr. Rossi")  # fmt: skip
    assert 0 == code, text
    assert 0 == run("record", "verify", "--batch-id", batch, "--verifier", "bob", "--db", db,
                    "--at", "2026-12-01T10:30Z")[0]  # fmt: skip
    return db


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clinic's zone is Europe/Paris for the test (the process's zone restored after)."""
    import time

    monkeypatch.setenv("MESOFORMULA_TZ", "Europe/Paris")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store(location: str, paris: None) -> str:
    """Batch B-0001 of the hair cocktail, released, on the engine under test, in Paris."""
    return stocked(location)


def text_of(pdf: Path, *options: str) -> str:
    """The text of *pdf* (pdftotext)."""
    done = subprocess.run([tool("pdftotext"), *options, str(pdf), "-"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


class TestPharmacy:
    """The pharmacy on the label and the record, from the options (one reader of them)."""

    def test_the_options_go_on_the_label_and_the_record(self, store: str) -> None:
        """Text, JSON and the Markdown record carry the pharmacy the options give."""
        code, label = run("record", "label", "--batch-id", "B-0001", "--db", store, *PHARMACY)
        assert (0, PHARMACY_LINE) == (code, label.splitlines()[-1])
        data = json.loads(run("record", "label", "--batch-id", "B-0001", "--db", store,
                              "--format", "json", *PHARMACY)[1])  # fmt: skip
        expected = {
            "name": "Pharmacie du Centre",
            "address": "1 rue de Rivoli, 75001 Paris",
            "telephone": "+33 1 23 45 67 89",
        }
        assert expected == data["pharmacy"]
        record = run("record", "batch", "--batch-id", "B-0001", "--db", store, *PHARMACY)[1]
        assert f"| pharmacy | {PHARMACY_LINE.removeprefix('Pharmacy: ')} |" in record
        record_data = json.loads(run("record", "batch", "--batch-id", "B-0001", "--db", store,
                                     "--format", "json", *PHARMACY)[1])  # fmt: skip
        assert expected == record_data["pharmacy"] == record_data["label"]["pharmacy"]

    def test_without_a_name_the_label_says_not_set_and_warns(
        self, store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No pharmacy: the label still prints, says NOT SET, and stderr names the options."""
        capsys.readouterr()
        for argv in (
            (),
            ("--format", "html"),
            ("--format", "pdf", "--output", str(tmp_path / "l.pdf")),
            ("--pharmacy-address", "1 rue de Rivoli"),
        ):
            code = main(["record", "label", "--batch-id", "B-0001", "--db", store, *argv])
            err = capsys.readouterr().err
            assert 0 == code, err
            assert "Traceback" not in err
            assert "--pharmacy-name" in err
            assert "--pharmacy-address" in err
            assert "--pharmacy-telephone" in err
        assert "Pharmacy: NOT SET" in text_of(tmp_path / "l.pdf")
        main(["record", "label", "--batch-id", "B-0001", "--db", store])
        assert "Pharmacy: NOT SET" == capsys.readouterr().out.splitlines()[-1]
        main(["record", "label", "--batch-id", "B-0001", "--db", store, *PHARMACY])
        assert "warning" not in capsys.readouterr().err

    def test_pharmacy_of_reads_the_three_options(self) -> None:
        """pharmacy_of: a name makes a pharmacy (blank parts left out); no name, None."""
        given = argparse.Namespace(
            pharmacy_name=" Pharmacie du Centre ", pharmacy_address="  ", pharmacy_telephone="1"
        )
        assert Pharmacy(name="Pharmacie du Centre", telephone="1") == pharmacy_of(given)
        assert pharmacy_of(argparse.Namespace(pharmacy_name="", pharmacy_address="x")) is None
        assert pharmacy_of(argparse.Namespace()) is None


class TestDirections:
    """The directions come from the formulation's administration, as recorded."""

    def test_from_the_administration(self, store: str) -> None:
        """Volume and points per session, the interval and the course's sessions."""
        label = run("record", "label", "--batch-id", "B-0001", "--db", store)[1]
        assert DIRECTIONS in label.splitlines()
        data = json.loads(run("record", "label", "--batch-id", "B-0001", "--db", store,
                              "--format", "json")[1])  # fmt: skip
        assert {
            "volume_per_session": {"value": 4.0, "unit": "mL"},
            "points_per_session": 80.0,
            "volume_per_point": {"value": 0.05, "unit": "mL"},
            "sessions": 6,
            "interval": {"value": 7.0, "unit": "d"},
        } == data["directions"]

    def test_without_an_administration_the_label_says_so(
        self, location: str, tmp_path: Path, paris: None
    ) -> None:
        """A formulation without [administration]: directions not given in the formulation."""
        text = Path(HAIR).read_text(encoding="utf-8")
        before, _, after = text.partition("[administration]")
        formulation = tmp_path / "no-administration.toml"
        formulation.write_text(before + after.partition("\n\n")[2], encoding="utf-8")
        db = stocked(location, str(formulation))
        label = run("record", "label", "--batch-id", "B-0001", "--db", db)[1].splitlines()
        assert "Directions: not given in the formulation" in label
        assert "Total volume: 10 mL" in label  # no sessions to count
        data = json.loads(run("record", "label", "--batch-id", "B-0001", "--db", db,
                              "--format", "json")[1])  # fmt: skip
        assert data["directions"] is None


class TestTimes:
    """Times on labels and records are the clinic's (MESOFORMULA_TZ), in one form."""

    def test_times_on_the_record_are_the_clinics(self, store: str) -> None:
        """Compounded, verified and BUD on the record in Paris time, as on its label."""
        record = run("record", "batch", "--batch-id", "B-0001", "--db", store)[1]
        for expected in (
            "| compounded at | 2026-12-01 11:00 CET |",
            "| verifier | bob (2026-12-01 11:30 CET) |",
            "| beyond-use date | 2026-12-11 11:00 CET |",
            BUD,
        ):
            assert expected in record
