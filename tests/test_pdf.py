"""
Printed records and labels (issue 13, SPEC §8.8): PDF drawn with fpdf2 and read back
with poppler's ``pdftotext``; HTML printed by headless Chromium. No token (lot number,
date, batch id) wraps inside; every page repeats the batch id and "page N of M".

CI installs poppler-utils and Chromium (.ci/run): there these tests never skip.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from mesoformula.cli import main
from mesoformula.cli.views.pdf import batch_pdf, font_file, label_pdf
from mesoformula.cli.views.records import batch_html
from mesoformula.compounding import batch_record
from mesoformula.findings import Finding
from mesoformula.stock import Stock

from .conftest import DATA, EXAMPLES
from .test_course import dutasteride_batch

IN_CI = os.environ.get("CI") == "true"


def tool(*names: str) -> str:
    """The path of the first of *names* on PATH; skip (never in CI) without one."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    if IN_CI:
        pytest.fail(f"CI must provide {names[0]} (.ci/run installs it)")
    pytest.skip(f"no {names[0]} on this machine")


def pages_of(pdf: Path) -> list[str]:
    """The text of each page of *pdf* (pdftotext -layout)."""
    done = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [page for page in done.stdout.split("\f") if page.strip()]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> str:
    """Batch B for P-0042 (prescriber Dr. Rossi), released; batch D with dutasteride."""
    db = str(tmp_path / "s.db")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db,
                    "--at", "2026-11-25T09:00Z")[0]  # fmt: skip
    code, text = run(
        "stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--db", db,
        "--batch-id", "B-0001", "--at", "2026-12-01T10:00Z", "--actor", "ana",
        "--patient", str(EXAMPLES / "patient-P-0042.toml"), "--prescriber", "Dr. Rossi",
    )  # fmt: skip
    assert 0 == code, text
    assert 0 == run("record", "verify", "--batch-id", "B-0001", "--verifier", "bob",
                    "--db", db, "--at", "2026-12-01T10:30Z")[0]  # fmt: skip
    return db


def long_record(db: str) -> object:
    """The record of B-0001 with 60 long findings: several pages."""
    with Stock.open(db, readonly=True) as stock:
        record = batch_record(stock, "B-0001")
    checks = tuple(
        Finding(
            code="dose.nolimit",
            severity="info",
            message=f"finding {n}: lot LA-2611 expires 2029-06-30, batch B-0001. " * 3,
        )
        for n in range(60)
    )
    return attrs.evolve(record, checks=checks)


class TestPdf:
    def test_the_record_carries_every_field(self, store: str, tmp_path: Path) -> None:
        target = tmp_path / "record.pdf"
        code, text = run("record", "batch", "--batch-id", "B-0001", "--db", store,
                         "--format", "pdf", "--output", str(target))  # fmt: skip
        assert (0, f"wrote {target}\n") == (code, text)
        assert target.read_bytes().startswith(b"%PDF-")
        pages = pages_of(target)
        for n, one in enumerate(pages, 1):
            assert f"page {n} of {len(pages)}" in one.splitlines()[0]
        page = "\n".join(pages)
        for expected in (
            "Batch B-0001",
            "Compounding record: batch B-0001",
            "Hair revitalizing cocktail",
            "P-0042",
            "Dr. Rossi",
            "bob (2026-12-01 ",
            "LA-2611",
            "2029-06-30",
            "Contains: Biotin 0.05 mg/mL; Dexpanthenol 25 mg/mL",
            "Route: intradermal",
            "Total volume: 10 mL (multiple dose: 2 sessions)",
            "BUD: 2026-12-11 ",
            "Storage: refrigerator 2-8 °C",
            "Prepared by",
            "Verified by",
        ):
            assert expected in page, expected
        assert "NOT VERIFIED" not in page

    def test_every_page_has_the_batch_and_its_number_and_no_token_wraps(
        self, store: str, tmp_path: Path
    ) -> None:
        record = long_record(store)
        target = tmp_path / "long.pdf"
        target.write_bytes(batch_pdf(record))  # type: ignore[arg-type]
        pages = pages_of(target)
        assert len(pages) >= 3
        for n, page in enumerate(pages, 1):
            assert "Batch B-0001" in page.splitlines()[0]
            assert f"page {n} of {len(pages)}" in page.splitlines()[0]
        whole = "\n".join(pages)
        # 180 in the findings and once in the components: none broken across lines
        assert 181 == whole.count("LA-2611")
        assert 181 == whole.count("2029-06-30")

    def test_the_label_alone_and_void(self, store: str, tmp_path: Path) -> None:
        target = tmp_path / "label.pdf"
        assert 0 == run("record", "label", "--batch-id", "B-0001", "--db", store,
                        "--format", "pdf", "--output", str(target))[0]  # fmt: skip
        (page,) = pages_of(target)
        assert "Patient: P-0042" in page
        assert "Batch: B-0001" in page
        assert "VOID" not in page
        code, text = run("stock", "void", "--batch-id", "B-0001", "--reason", "spilled",
                         "--destroyed", "--db", store, "--at", "2026-12-01T12:00Z")  # fmt: skip
        assert 0 == code, text
        assert 0 == run("record", "label", "--batch-id", "B-0001", "--db", store,
                        "--format", "pdf", "--output", str(target))[0]  # fmt: skip
        assert "VOID - DO NOT USE" in pages_of(target)[0]

    def test_an_unreleased_record_says_so_first(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, "--at", "2026-11-25")
        run("stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--db", db,
            "--batch-id", "U", "--at", "2026-12-01T10:00")  # fmt: skip
        target = tmp_path / "u.pdf"
        assert 0 == run("record", "batch", "--batch-id", "U", "--db", db, "--format", "pdf",
                        "--output", str(target))[0]  # fmt: skip
        lines = [line for line in pages_of(target)[0].splitlines() if line.strip()]
        assert lines[1].strip().startswith("NOT VERIFIED - not released")

    def test_a_hazard_is_printed(self, tmp_path: Path) -> None:
        db = dutasteride_batch(tmp_path)
        target = tmp_path / "d.pdf"
        # category 2, aseptic, refrigerated: 10 days
        assert 0 == run("record", "label", "--batch-id", "B", "--db", db, "--format", "pdf",
                        "--output", str(target), "--catalog",
                        str(DATA / "catalog-compounded"))[0]  # fmt: skip
        text = " ".join(pages_of(target)[0].split())
        assert "BUD: 2026-12-11 10:00 UTC" in text
        assert "HAZARD:" in text
        assert "Dutasteride" in text

    def test_binary_needs_a_file_or_a_redirect(self, store: str, tmp_path: Path) -> None:
        code = main(["record", "label", "--batch-id", "B-0001", "--db", store, "--format", "pdf"],
                    out=io.StringIO())  # fmt: skip
        assert 2 == code
        assert 2 == run("record", "label", "--batch-id", "B-0001", "--db", store, "--format",
                        "pdf", "--output", str(tmp_path))[0]  # fmt: skip
        assert 2 == run("record", "master", str(EXAMPLES / "hair-revitalizing.toml"),
                        "--format", "pdf")[0]  # fmt: skip

    def test_redirected_standard_output(self, store: str, tmp_path: Path) -> None:
        target = tmp_path / "out.pdf"
        with target.open("wb") as sink:
            subprocess.run(
                [sys.executable, "-m", "mesoformula", "record", "label", "--batch-id", "B-0001",
                 "--db", store, "--format", "pdf"],
                stdout=sink, check=True,
            )  # fmt: skip
        assert "Batch: B-0001" in pages_of(target)[0]

    def test_the_core_font_refuses_what_it_cannot_print(
        self, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with Stock.open(store, readonly=True) as stock:
            label = attrs.evolve(batch_record(stock, "B-0001").label, patient="Ελένη (P-0042)")
        if font_file() is not None:
            target = tmp_path / "greek.pdf"
            target.write_bytes(label_pdf(label))
            assert "Patient: Ελένη (P-0042)" in pages_of(target)[0]
        monkeypatch.setenv("MESOFORMULA_PDF_FONT", "builtin")
        from mesoformula.cli.views.pdf import PdfError

        with pytest.raises(PdfError, match="cannot print"):
            label_pdf(label)
        monkeypatch.setenv("MESOFORMULA_PDF_FONT", str(tmp_path / "none.ttf"))
        assert 2 == run("record", "label", "--batch-id", "B-0001", "--db", store, "--format",
                        "pdf", "--output", str(tmp_path / "x.pdf"))[0]  # fmt: skip

    def test_fpdf_is_imported_only_for_pdf(self, store: str) -> None:
        code = (
            "import sys\nfrom mesoformula.cli import main\n"
            f"main(['record', 'batch', '--batch-id', 'B-0001', '--db', {store!r}])\n"
            "assert 'fpdf' not in sys.modules, 'fpdf imported'\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


class TestPrintedHtml:
    def test_chromium_prints_the_batch_and_page_on_every_page(
        self, store: str, tmp_path: Path
    ) -> None:
        browser = tool("chromium", "chromium-browser", "google-chrome")
        page = tmp_path / "record.html"
        page.write_text(batch_html(long_record(store)), encoding="utf-8")  # type: ignore[arg-type]
        target = tmp_path / "printed.pdf"
        done = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                "--no-pdf-header-footer", f"--print-to-pdf={target}", page.as_uri(),
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr[-2000:]
        pages = pages_of(target)
        assert len(pages) >= 3
        for n, text in enumerate(pages, 1):
            head = text.strip().splitlines()[0]
            assert "Batch B-0001" in head
            assert f"page {n} of {len(pages)}" in head
        whole = "\n".join(pages)
        assert 181 == whole.count("LA-2611")
        assert 181 == whole.count("2029-06-30")


class TestLabelCode:
    """The label's QR code (issue 15): decoded back from the rendered PDF and HTML."""

    def decode(self, png: Path) -> list[str]:
        import zxingcpp
        from PIL import Image

        return [result.text for result in zxingcpp.read_barcodes(Image.open(png))]

    def test_the_pdf_code_reads_back_as_a_gs1_scan(
        self, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from mesoformula.gs1 import read_scan

        monkeypatch.setenv("MESOFORMULA_CLINIC_GTIN", "05012345678900")
        target = tmp_path / "label.pdf"
        assert 0 == run("record", "label", "--batch-id", "B-0001", "--db", store,
                        "--format", "pdf", "--output", str(target))[0]  # fmt: skip
        subprocess.run(
            [tool("pdftoppm"), "-png", "-r", "150", str(target), str(tmp_path / "page")],
            check=True,
        )
        (text,) = self.decode(tmp_path / "page-1.png")
        scan = read_scan(text)
        assert ("05012345678900", "B-0001") == (scan.gtin, scan.lot)
        bud = json.loads(
            run("record", "label", "--batch-id", "B-0001", "--db", store, "--format", "json")[1]
        )["bud"]
        assert bud[:10] == scan.expiry.isoformat()
        assert text in pages_of(target)[0]  # printed under the code

    def test_without_a_clinic_gtin_an_internal_code(
        self, store: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("MESOFORMULA_CLINIC_GTIN", raising=False)
        code, text = run("record", "label", "--batch-id", "B-0001", "--db", store,
                         "--format", "json")  # fmt: skip
        assert 0 == code
        assert {"symbology": "QR", "data": "MESOFORMULA BATCH B-0001 BUD 2026-12-11"} == (
            json.loads(text)["code"]
        )
        monkeypatch.setenv("MESOFORMULA_CLINIC_GTIN", "05012345678901")
        assert 2 == run("record", "label", "--batch-id", "B-0001", "--db", store)[0]

    def test_the_html_code_reads_back_in_chromium(self, store: str, tmp_path: Path) -> None:
        browser = tool("chromium", "chromium-browser", "google-chrome")
        page = tmp_path / "label.html"
        code, html_text = run("record", "label", "--batch-id", "B-0001", "--db", store,
                              "--format", "html")  # fmt: skip
        assert 0 == code
        page.write_text(html_text, encoding="utf-8")
        shot = tmp_path / "label.png"
        done = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=900,900", "--force-device-scale-factor=2",
                f"--screenshot={shot}", page.as_uri(),
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr[-2000:]
        assert ["MESOFORMULA BATCH B-0001 BUD 2026-12-11"] == self.decode(shot)
