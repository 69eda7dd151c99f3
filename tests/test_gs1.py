"""
GS1 at receipt (issue 15, SPEC §8.7): real-world element strings, printed and scanned
(FNC1 / ASCII 29 separators, symbology identifiers), day 00, serials, a variable-length
lot followed by a separator; every refusal; and the round trip of any valid box.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.catalog import Product
from mesoformula.cli import main
from mesoformula.gs1 import (
    GS,
    Scan,
    ScanError,
    check_digit,
    element_string,
    gtin_problem,
    read_scan,
)
from mesoformula.units import Quantity

from .conftest import DATA

CATALOG = ("--catalog", str(DATA / "catalog-gtin"))
LIDOCAINE = "05012345678900"
BIOTIN = "00614141000012"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the printed form under the barcode
        (
            f"(01){LIDOCAINE}(17)270600(10)LA-77(21)S001",
            Scan(gtin=LIDOCAINE, expiry=dt.date(2027, 6, 30), lot="LA-77", serial="S001"),
        ),
        # as scanned: GS1 DataMatrix symbology identifier, GS after the variable lot
        (
            f"]d201{BIOTIN}1728020010BT-9{GS}21X9",
            Scan(gtin=BIOTIN, expiry=dt.date(2028, 2, 29), lot="BT-9", serial="X9"),
        ),
        # a scanner that sends the leading FNC1 as GS, the lot last (no separator needed)
        (
            f"{GS}01{LIDOCAINE}17291231{'10'}LOT/2029-A",
            Scan(gtin=LIDOCAINE, expiry=dt.date(2029, 12, 31), lot="LOT/2029-A"),
        ),
        # AI order as some labels print it: lot and serial first
        (
            f"10A1B2{GS}21SN-1{GS}01{LIDOCAINE}17270115",
            Scan(gtin=LIDOCAINE, expiry=dt.date(2027, 1, 15), lot="A1B2", serial="SN-1"),
        ),
        # with the trailing newline a keyboard-wedge scanner types
        (
            f"(01){LIDOCAINE}(17)270600(10)LA-77\n",
            Scan(gtin=LIDOCAINE, expiry=dt.date(2027, 6, 30), lot="LA-77"),
        ),
    ],
)
def test_real_world_element_strings(text: str, expected: Scan) -> None:
    assert expected == read_scan(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("(01)05012345678901(17)270600(10)X", "check digit"),
        (f"(01){LIDOCAINE}(10)X", "no (17) expiry"),
        (f"(01){LIDOCAINE}(17)270600", "no (10) lot"),
        ("(17)270600(10)X", "no (01) GTIN"),
        (f"(01){LIDOCAINE}(17)271332(10)X", "not a GS1 element string"),
        ("hello", "not a GS1 element string"),
        ("", "empty"),
        (f"(01){LIDOCAINE}(17)270600(10)A B", "holds a space"),
        (f"(01){LIDOCAINE}(17)270600(10)A(10)B", "AI (10) twice"),
        (f"(01){LIDOCAINE}(17)270600(10)A\x07B", "not a GS1 element string"),
    ],
)
def test_refused_scans(text: str, problem: str) -> None:
    with pytest.raises(ScanError, match=re.escape(problem)):
        read_scan(text)


def test_gtin_check_digits() -> None:
    assert 0 == check_digit("0501234567890")
    assert gtin_problem(LIDOCAINE) is None
    assert "check digit" in (gtin_problem("05012345678901") or "")
    assert "14 digits" in (gtin_problem("501234567890") or "")
    with pytest.raises(ValueError, match="check digit"):
        Product(
            id="x", name="x", container="vial", use="single-dose",
            volume=Quantity(1, "mL"), sterile=True, gtin="05012345678901",
        )  # fmt: skip


def valid_gtins() -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=13, max_size=13).map(
        lambda body: body + str(check_digit(body))
    )


LOT_CHARS = st.sampled_from(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/."))


@settings(max_examples=300, deadline=None)
@given(
    gtin=valid_gtins(),
    expiry=st.dates(dt.date(2000, 1, 1), dt.date(2049, 12, 31)),
    lot=st.text(LOT_CHARS, min_size=1, max_size=20),
    serial=st.none() | st.text(LOT_CHARS, min_size=1, max_size=20),
    printed=st.booleans(),
)
def test_any_valid_box_reads_back(
    gtin: str, expiry: dt.date, lot: str, serial: str | None, printed: bool
) -> None:
    """Any valid GTIN, lot, expiry and serial, rendered, parses back to the same values."""
    scan = Scan(gtin=gtin, expiry=expiry, lot=lot, serial=serial)
    assert scan == read_scan(element_string(scan, printed=printed))


def receive(db: str, *argv: str, stdin: str | None = None) -> tuple[int, str]:
    if stdin is not None:
        done = subprocess.run(
            [sys.executable, "-m", "mesoformula", "stock", "receive", "--db", db, *CATALOG,
             *argv, "--at", "2026-11-28T09:00"],
            input=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return done.returncode, done.stdout
    out = io.StringIO()
    argv_all = ["stock", "receive", "--db", db, *CATALOG, *argv, "--at", "2026-11-28T09:00"]
    return main(argv_all, out=out), out.getvalue()


def lots(db: str) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db) as connection:
        return [
            (str(r[0]), str(r[1]), int(r[2]))
            for r in connection.execute(
                "SELECT l.lot, l.expiry, b.unopened FROM lots l JOIN lot_balance b"
                " USING (lot_id) ORDER BY l.lot"
            )
        ]


class TestReceive:
    def test_scans_from_standard_input_as_a_scanner_types_them(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        scans = (
            f"]d201{LIDOCAINE}1727060010LA-77{GS}21S001\n"
            f"]d201{LIDOCAINE}1727060010LA-77{GS}21S002\n\n"
            f"(01){BIOTIN}(17)280200(10)BT-9\n"
        )
        code, text = receive(db, "--scans", "-", stdin=scans)
        assert 0 == code, text
        assert "3 scan(s)" in text
        assert [("BT-9", "2028-02-29", 1), ("LA-77", "2027-06-30", 2)] == lots(db)
        out = io.StringIO()
        assert 0 == main(["stock", "verify", "--db", db], out=out), out.getvalue()

    @pytest.mark.parametrize(
        ("scans", "code", "expected"),
        [
            (["(01)05012345678901(17)270600(10)X"], "scan.invalid", "check digit"),
            ([f"(01){LIDOCAINE}(10)X"], "scan.invalid", "no (17) expiry"),
            (["(01)09506000134352(17)270600(10)Z"], "ref.product", "GTIN 09506000134352"),
            (
                [f"(01){LIDOCAINE}(17)270600(10)A(21)S1", f"(01){LIDOCAINE}(17)270600(10)A(21)S1"],
                "scan.invalid",
                "in this scan",
            ),
            (
                [f"(01){LIDOCAINE}(17)270600(10)A", f"(01){LIDOCAINE}(17)270700(10)A"],
                "scan.invalid",
                "with expiry 2027-06-30, not 2027-07-31",
            ),
        ],
    )
    def test_refusals_receive_nothing(
        self, tmp_path: Path, scans: list[str], code: str, expected: str
    ) -> None:
        db = str(tmp_path / "s.db")
        good = f"(01){BIOTIN}(17)280200(10)BT-9"
        argv = [arg for scan in [good, *scans] for arg in ("--scan", scan)]
        exit_code, text = receive(db, *argv)
        assert 1 == exit_code
        assert f"error {code} " in text
        assert expected in text
        assert "not received: nothing was recorded" in text
        assert [] == (lots(db) if Path(db).exists() else [])

    def test_a_serial_is_received_once(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        box = f"(01){LIDOCAINE}(17)270600(10)LA-77(21)S001"
        assert 0 == receive(db, "--scan", box)[0]
        code, text = receive(db, "--scan", box)
        assert (1, True) == (code, "received already on" in text)
        code, text = receive(db, "--scan", box.replace("S001", "S002"), "--containers", "5")
        assert (1, True) == (code, "it is one box" in text)
        assert [("LA-77", "2027-06-30", 1)] == lots(db)

    def test_containers_and_json(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        code, text = receive(
            db, "--scan", f"(01){BIOTIN}(17)280200(10)BT-9", "--containers", "10",
            "--format", "json",
        )  # fmt: skip
        assert 0 == code
        (box,) = json.loads(text)["received"]
        assert (BIOTIN, "BT-9", "2028-02-29", None, 10) == (
            box["gtin"], box["lot"], box["expiry"], box["serial"], box["containers"],
        )  # fmt: skip

    def test_usage_errors(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        assert 2 == receive(db)[0]
        assert 2 == receive(db, "--scans", str(tmp_path / "none.txt"))[0]
        assert 2 == receive(db, "--scan", "(01)x\n(17)y")[0]  # one line per argument


class TestPinnedLots:
    """stock plan / consume --scan: a scanned box's lot is the one used."""

    def stocked(self, tmp_path: Path) -> str:
        db = str(tmp_path / "s.db")
        early = f"(01){LIDOCAINE}(17)270131(10)LA-1"
        late = f"(01){LIDOCAINE}(17)280131(10)LA-2"
        assert 0 == receive(db, "--scan", early, "--scan", late, "--containers", "3")[0]
        sheet = str(DATA / "scan" / "saline.toml")
        imported = ["stock", "import", sheet, "--db", db, "--at", "2026-11-28T09:00"]
        assert 0 == main(imported, out=io.StringIO())
        return db

    def run(self, db: str, action: str, *extra: str) -> tuple[int, str]:
        out = io.StringIO()
        argv = ["stock", action, str(DATA / "scan" / "lidocaine-dilution.toml"), "--db", db]
        code = main([*argv, *CATALOG, "--at", "2026-12-01T10:00", *extra], out=out)
        return code, out.getvalue()

    def test_first_expiry_first_without_a_scan(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        code, text = self.run(db, "plan")
        assert (0, True) == (code, "lot LA-1 " in text)

    def test_the_scanned_lot_is_used(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        scan = f"]d201{LIDOCAINE}1728013110LA-2"
        code, text = self.run(db, "plan", "--scan", scan)
        assert (0, True, False) == (code, "lot LA-2 " in text, "lot LA-1 " in text)
        code, text = self.run(db, "consume", "--batch-id", "B", "--scan", scan)
        assert 0 == code, text
        with sqlite3.connect(db) as connection:
            used = connection.execute(
                "SELECT DISTINCT l.lot FROM journal j JOIN lots l USING (lot_id)"
                " WHERE j.correlation = 'B' AND l.product = 'lidocaine-hcl-1pct-5ml-box'"
            ).fetchall()
        assert [("LA-2",)] == used

    @pytest.mark.parametrize(
        ("scan", "expected"),
        [
            (f"(01){LIDOCAINE}(17)280131(10)LA-9", "no lot 'LA-9'"),
            (f"(01){BIOTIN}(17)280131(10)BT-1", "draws nothing from biotin"),
            ("(01)05012345678901(17)280131(10)LA-2", "check digit"),
        ],
    )
    def test_a_wrong_scan_consumes_nothing(self, tmp_path: Path, scan: str, expected: str) -> None:
        db = self.stocked(tmp_path)
        code, text = self.run(db, "consume", "--batch-id", "B", "--scan", scan)
        assert (1, True) == (code, expected in text)
        assert "nothing was recorded" in text
        with sqlite3.connect(db) as connection:
            assert [] == connection.execute("SELECT * FROM batches").fetchall()


def test_a_long_scan_is_shortened_in_the_message() -> None:
    with pytest.raises(ScanError) as caught:
        read_scan(f"(01){LIDOCAINE}(17)270600(10)" + "A" * 5000)
    assert len(str(caught.value)) < 400
