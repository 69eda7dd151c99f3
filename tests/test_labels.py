"""
Labels a pharmacy prints (issue 30, SPEC §9.7): the pharmacy, the directions and the
times in the clinic's zone on the label, the sizes label printers take, and one template
for the HTML and the PDF record. PDFs are read back with poppler (``pdftotext``,
``pdfinfo``) and drawn to PNG with ``pdftoppm``; the stores are on both engines.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula._text import one_line
from mesoformula.cli import main
from mesoformula.cli.record import pharmacy_of
from mesoformula.cli.views.pdf import ROLL_MAX, label_pdf
from mesoformula.cli.views.pdf_reader import LabelBox, TemplateError, read
from mesoformula.cli.views.records import label_html
from mesoformula.compounding import batch_record
from mesoformula.records import Label, Pharmacy
from mesoformula.stock import Stock
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES
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


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """The size of each page of *pdf* in mm (pdfinfo)."""
    done = subprocess.run([tool("pdfinfo"), "-f", "1", "-l", "999", str(pdf)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    points = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", done.stdout)
    return [(float(w) * 25.4 / 72, float(h) * 25.4 / 72) for w, h in points]


def one_string(text: str) -> str:
    """*text* with its white space taken out: what was printed, wherever lines broke."""
    return "".join(text.split())


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


#: The sizes of record label --size: width and height in mm (None: the content's length).
SIZES = [("a6", 105.0, 148.0), ("62mm", 62.0, None), ("4x6in", 101.6, 152.4)]


class TestSizes:
    """The label in the sizes label printers take, drawn to PNG and read back."""

    @pytest.mark.parametrize(("size", "width", "height"), SIZES, ids=[s for s, _, _ in SIZES])
    def test_the_label_pdf_at_each_size(
        self, store: str, tmp_path: Path, size: str, width: float, height: float | None
    ) -> None:
        """One page of the size; the pharmacy, directions and BUD in Paris time on it;
        its QR code reads back from the PNG."""
        import zxingcpp
        from PIL import Image

        target = tmp_path / f"label-{size}.pdf"
        code, text = run("record", "label", "--batch-id", "B-0001", "--db", store, "--format",
                         "pdf", "--size", size, "--output", str(target), *PHARMACY)  # fmt: skip
        assert (0, f"wrote {target}\n") == (code, text)
        ((page_width, page_height),) = page_sizes(target)
        assert width == pytest.approx(page_width, abs=0.1)
        if height is None:  # a continuous roll: as long as the label, cut after it
            assert 60 < page_height < 200
        else:
            assert height == pytest.approx(page_height, abs=0.1)
        printed = text_of(target)
        for expected in (PHARMACY_LINE, DIRECTIONS, BUD, "Batch: B-0001", "Patient: P-0042"):
            assert one_string(expected) in one_string(printed), expected
        subprocess.run([tool("pdftoppm"), "-png", "-r", "150", str(target),
                        str(tmp_path / size)], check=True)  # fmt: skip
        (png,) = tmp_path.glob(f"{size}*.png")
        image = Image.open(png)
        pixels = (page_width / 25.4 * 150, page_height / 25.4 * 150)  # at 150 dots an inch
        assert pixels == pytest.approx((image.width, image.height), abs=1)
        assert ["MESOFORMULA BATCH B-0001 BUD 2026-12-11"] == [
            result.text for result in zxingcpp.read_barcodes(image)
        ]

    @pytest.mark.parametrize(
        ("size", "css"), [("a6", "105mm 148mm"), ("62mm", "62mm 100mm"), ("4x6in", "4in 6in")]
    )
    def test_the_html_label_asks_for_the_same_paper(self, store: str, size: str, css: str) -> None:
        """The HTML label's print style asks for the size (@page), the BUD in Paris time."""
        code, page = run("record", "label", "--batch-id", "B-0001", "--db", store,
                         "--format", "html", "--size", size)  # fmt: skip
        assert 0 == code
        assert f"@page {{ size: {css};" in page
        assert 'BUD: <span class="nw">2026-12-11</span> <span class="nw">11:00</span> CET' in page

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


class _Words(HTMLParser):
    """The words of an HTML page's body, as a browser shows them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._head = self._head or tag == "head"

    def handle_endtag(self, tag: str) -> None:
        self._head = self._head and tag != "head"

    def handle_data(self, data: str) -> None:
        if not self._head:
            self.words += data.split()


def html_words(page: str) -> list[str]:
    words = _Words()
    words.feed(page)
    return words.words


def pdf_words(pdf: Path, batch_id: str) -> list[str]:
    """The words of *pdf* in the order they were drawn, without each page's running head."""
    text = text_of(pdf, "-raw")
    return re.sub(rf"Batch {batch_id} page \d+ of \d+", " ", text).split()


class TestOneTemplate:
    """The HTML and the PDF record are one template: the same words, in the same order."""

    def test_the_html_and_pdf_record_say_the_same(self, store: str, tmp_path: Path) -> None:
        """Every field, row, banner and label line of the HTML is in the PDF, in order;
        products by name, never by id, in both."""
        run("stock", "void", "--batch-id", "B-0001", "--reason", "spilled", "--destroyed",
            "--db", store, "--at", "2026-12-01T12:00Z")  # fmt: skip
        common = ("record", "batch", "--batch-id", "B-0001", "--db", store, *PHARMACY)
        page = run(*common, "--format", "html")[1]
        target = tmp_path / "record.pdf"
        assert 0 == run(*common, "--format", "pdf", "--output", str(target))[0]
        in_html, in_pdf = html_words(page), pdf_words(target, "B-0001")
        assert in_html == in_pdf
        whole = " ".join(in_html)
        for name in ("Lidocaine HCl 2%", "Biotin 1 mg/2 mL ampoule", "Pharmacie du Centre",
                     "VOID - DO NOT USE: voided 2026-12-01 13:00 CET", BUD):  # fmt: skip
            assert name in whole, name
        assert [] == [
            product
            for product in ("lidocaine-hcl-2pct-5ml", "biotin-0.5mg-ml-2ml", "sodium-chloride")
            if product in page or product in whole
        ]

    def test_the_label_html_and_pdf_say_the_same(self, store: str, tmp_path: Path) -> None:
        """The label alone, at each size: the same words as its HTML."""
        page = run("record", "label", "--batch-id", "B-0001", "--db", store,
                   "--format", "html", *PHARMACY)[1]  # fmt: skip
        for size, _, _ in SIZES:
            target = tmp_path / f"{size}.pdf"
            argv = ("--format", "pdf", "--size", size, "--output", str(target), *PHARMACY)
            assert 0 == run("record", "label", "--batch-id", "B-0001", "--db", store, *argv)[0]
            assert html_words(page) == pdf_words(target, "B-0001"), size

    def test_the_reader_refuses_what_the_pdf_does_not_draw(self) -> None:
        """An element the PDF has no drawing for is an error, never dropped silently."""
        with pytest.raises(TemplateError, match="<blink>"):
            read('<html><body data-batch="B"><blink>x</blink></body></html>')
        document = read('<html><head><title>t</title></head><body data-batch="B">'
                        '<p class="banner">A &lt;b&gt;</p></body></html>')  # fmt: skip
        assert ("B", "A <b>") == (document.batch_id, document.blocks[0].text)  # type: ignore[union-attr]


class TestHostile:
    """Hostile text stays text: escaped in HTML, printed whole in the PDF."""

    SCRIPT = "<script>alert(\"x\")</script> & 'quoted' <img src=x onerror=alert(1)>"

    def test_markup_is_escaped_in_html_and_printed_in_pdf(
        self, location: str, tmp_path: Path, paris: None
    ) -> None:
        """A formulation named with markup, a pharmacy named with a script."""
        db = stocked(location, str(DATA / "hostile" / "markup-name.toml"), batch="H")
        hostile = ("--pharmacy-name", self.SCRIPT, "--pharmacy-address", '"; } body { x: "')
        for command in ("label", "batch"):
            code, page = run("record", command, "--batch-id", "H", "--db", db,
                             "--format", "html", *hostile)  # fmt: skip
            assert 0 == code
            assert "<script>" not in page
            assert "<img src=x" not in page
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
            assert "&#39;quoted&#39;" in page
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
            assert one_string(self.SCRIPT) in one_string(" ".join(html_words(page)))
            target = tmp_path / f"{command}.pdf"
            assert 0 == run("record", command, "--batch-id", "H", "--db", db, "--format", "pdf",
                            "--output", str(target), *hostile)[0]  # fmt: skip
            printed = one_string(text_of(target))
            assert one_string(self.SCRIPT) in printed
            assert one_string("<script>alert(1)</script> ``` [x](javascript:alert(1))") in printed

    def test_control_characters_are_shown_escaped(self, store: str, tmp_path: Path) -> None:
        """A control character (from a damaged store) is shown as its escape, never raw."""
        with Stock.open(store, readonly=True) as stock:
            label = attrs.evolve(
                batch_record(stock, "B-0001").label, patient="Eve\x07\x1b[31m (P-0042)"
            )
        page = label_html(label)
        assert "\x07" not in page
        assert "\x1b" not in page
        assert "Patient: Eve\\x07\\x1b[31m (P-0042)" in " ".join(html_words(page))
        target = tmp_path / "label.pdf"
        target.write_bytes(label_pdf(label, "62mm"))
        assert "Patient: Eve\\x07\\x1b[31m (P-0042)" in text_of(target)

    @pytest.mark.parametrize(("size", "words"), [("a6", 400), ("62mm", 400), ("62mm", 1500)])
    def test_very_long_text_is_printed_whole(
        self, store: str, tmp_path: Path, size: str, words: int
    ) -> None:
        """Thousands of characters, and a word of hundreds: all of it on the label's pages
        (on a roll, pages of at most ROLL_MAX)."""
        long = " ".join(f"street{n}" for n in range(words)) + " " + "X" * 300
        target = tmp_path / f"long-{size}.pdf"
        code, _ = run("record", "label", "--batch-id", "B-0001", "--db", store, "--format", "pdf",
                      "--size", size, "--output", str(target), "--pharmacy-name", "P",
                      "--pharmacy-address", long)  # fmt: skip
        assert 0 == code
        sizes = page_sizes(target)
        assert all(w == pytest.approx(sizes[0][0], abs=0.1) for w, _ in sizes)
        assert all(h <= ROLL_MAX + 0.1 for _, h in sizes)
        assert (words > 1000) == (size == "62mm" and len(sizes) > 1)
        printed = one_string(re.sub(r"Batch B-0001 page \d+ of \d+", "", text_of(target, "-raw")))
        assert one_string(f"Pharmacy: P, {long}") in printed
        assert one_string(BUD) in printed


#: A label built in code, for the property below.
LABEL = Label(
    name="Hair revitalizing cocktail",
    actives=("Biotin 0.05 mg/mL",),
    route="intradermal",
    batch_id="B-0001",
    bud=None,
    storage="refrigerator",
    total_volume=Quantity(10.0, "mL"),
    code="MESOFORMULA BATCH B-0001",
)


class TestAnyText:
    @settings(max_examples=300, deadline=None)
    @given(text=st.text(min_size=1, max_size=80))
    def test_any_text_stays_one_line_of_text(self, text: str) -> None:
        """
        Property: whatever a patient's or a pharmacy's name holds (markup, quotes,
        ampersands, control characters, any Unicode), the rendered label reads back with
        the same lines, each what the text says (control characters escaped, white space
        as a browser collapses it): no text becomes an element.
        """
        label = attrs.evolve(LABEL, patient=text, pharmacy=Pharmacy(name=text))
        (box,) = read(label_html(label)).blocks
        assert isinstance(box, LabelBox)
        shown = " ".join(one_line(text).split())
        expected = [" ".join(one_line(line).split()) for line in label.lines]
        assert expected == [line for line, _ in box.lines]
        assert f"Patient: {shown}".strip() in expected
        assert "MESOFORMULA BATCH B-0001" == box.code
