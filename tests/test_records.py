"""Tests for compounding and master formulation records."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

from mesoformula.cli import main
from mesoformula.cli.views.records import batch_html, master_html
from mesoformula.compounding import batch_record, consume_batch, master_record
from mesoformula.files import load
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.files.wire import batch_record_data, master_record_data
from mesoformula.formulation import Formulation
from mesoformula.stock import Stock, StockSheet

from .conftest import EXAMPLES

AT = dt.datetime(2026, 12, 1, 10, 0)


def local_iso(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> str:
    """A local date-time as the record prints it: with this machine's offset."""
    moment = dt.datetime(year, month, day, hour, minute, second)
    return moment.astimezone().isoformat(timespec="seconds")


@pytest.fixture
def stocked(tmp_path: Path, loaded: LoadedCatalog) -> Stock:
    stock = Stock.open(tmp_path / "s.db")
    sheet = load(EXAMPLES / "stock.toml", StockSheet)
    stock.import_sheet(sheet, loaded.catalog, at=dt.datetime(2026, 11, 25, 9), actor="receiver")
    return stock


class TestBatchRecord:
    """The record of a consumed batch matches the lots drawn."""

    def test_record_matches_the_lots_drawn(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """Components, lots, expiries, volumes, containers and waste are those of the draw."""
        formulation = load(EXAMPLES / "vitamin-b-complex.yaml", Formulation)
        result, findings = consume_batch(
            stocked, formulation, loaded.catalog, batch_id="B-1", at=AT, actor="pharmacist"
        )
        assert result is not None
        assert result.consumed
        record = batch_record_data(batch_record(stocked, "B-1"))
        drawn = {
            (a.product, a.lot): (a.volume_ul / 1000, a.containers_opened, a.waste_ul / 1000)
            for a in result.plan.allocations
        }
        recorded = {
            (c["product"], c["lot"]): (
                c["volume"]["value"],
                c["containers_opened"],
                c["waste"]["value"],
            )
            for c in record["components"]
        }
        assert drawn == recorded
        entries = stocked.history(correlation="B-1")
        lots = {(e.product, e.lot) for e in entries}
        assert lots == set(recorded)
        assert {"2029-04-30", "2029-05-31", "2030-08-31"} == {
            c["expiry"] for c in record["components"]
        }
        assert ("B-1", "pharmacist", None) == (
            record["batch_id"],
            record["preparer"],
            record["verifier"],
        )
        assert record["formulation"]["checksum"].startswith("sha256:")
        assert [f.code for f in findings] == [c["code"] for c in record["checks"]]

    def test_bud_and_label(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """Category 1 at room temperature: BUD 12 h after compounding; the label shows it."""
        formulation = load(EXAMPLES / "vitamin-b-complex.yaml", Formulation)
        consume_batch(stocked, formulation, loaded.catalog, batch_id="B-1", at=AT, actor="p")
        record = batch_record_data(batch_record(stocked, "B-1"))
        assert {"at": local_iso(2026, 12, 1, 22), "governed_by": "usp797"}.items() <= record[
            "bud"
        ].items()
        assert "BUD: 2026-12-01 22:00 UTC" in record["label"]["text"]
        # drugs by name, as people read them, not by catalog id (issue 13)
        assert "Lidocaine hydrochloride 2 mg/mL" in record["label"]["text"]
        assert "lidocaine-hcl" not in record["label"]["text"]

    @pytest.mark.clock("2029-03-01T00:00:00+00:00")  # it compounds in February 2029
    def test_lot_expiry_governs(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """A lot expiring before the table's BUD governs it."""
        formulation = load(
            EXAMPLES / "hair-revitalizing.toml", Formulation
        )  # category 2, fridge: 10 d
        at = dt.datetime(2029, 2, 25, 10)  # biotin lot BT-2602 expires 2029-02-28
        consume_batch(stocked, formulation, loaded.catalog, batch_id="B-2", at=at, actor="p")
        record = batch_record_data(batch_record(stocked, "B-2"))
        assert (local_iso(2029, 2, 28, 23, 59, 59), "lot-expiry") == (
            record["bud"]["at"],
            record["bud"]["governed_by"],
        )

    def test_edited_formulation_is_caught(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """A formulation edited after the batch cannot pass as the recorded version."""
        formulation = load(EXAMPLES / "vitamin-b-complex.yaml", Formulation)
        consume_batch(stocked, formulation, loaded.catalog, batch_id="B-1", at=AT, actor="p")
        assert [] == [
            f
            for f in batch_record_data(batch_record(stocked, "B-1", formulation=formulation))[
                "findings"
            ]
            if f["severity"] == "error"
        ]
        edited = attrs.evolve(formulation, name="Vitamin B complex (edited)")
        (mismatch,) = [
            f
            for f in batch_record_data(batch_record(stocked, "B-1", formulation=edited))["findings"]
            if f["severity"] == "error"
        ]
        assert "record.mismatch" == mismatch["code"]

    def test_unsafe_not_consumed(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """A formulation with error findings is not consumed and leaves the store unchanged."""
        before = len(stocked.history())
        result, findings = consume_batch(
            stocked,
            load(EXAMPLES / "unsafe-cocktail.toml", Formulation),
            loaded.catalog,
            batch_id="X",
            at=AT,
            actor="p",
        )
        assert result is None
        assert any(f.severity == "error" for f in findings)
        assert before == len(stocked.history())


class TestMasterRecord:
    """The master formulation record holds what USP <797> asks of an MFR."""

    def test_contents(self, loaded: LoadedCatalog) -> None:
        """Ingredients, calculations, method, container, storage, BUD rule, QC and source."""
        record = master_record_data(
            master_record(load(EXAMPLES / "hair-revitalizing.toml", Formulation), loaded.catalog)
        )
        assert {
            "formulation",
            "ingredients",
            "products",
            "calculations",
            "method",
            "container",
            "storage",
            "bud_rule",
            "quality_checks",
            "source",
            "checks",
        } <= set(record)
        assert (
            "category 2, aseptically processed, not sterility tested, only sterile components"
            in record["bud_rule"]
        )
        assert "10 days" in record["bud_rule"]
        assert record["method"][0].startswith("1. Draw 1 mL of Lidocaine HCl 2%")
        assert any("q.s." in step for step in record["method"])
        assert 3 == record["formulation"]["version"]


class TestViews:
    """Markdown and self-contained HTML."""

    def test_html_is_self_contained(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """The HTML page fetches nothing: no external URL, no script."""
        formulation = load(EXAMPLES / "vitamin-b-complex.yaml", Formulation)
        consume_batch(stocked, formulation, loaded.catalog, batch_id="B-1", at=AT, actor="p")
        page = batch_html(batch_record(stocked, "B-1"))
        assert page.startswith("<!DOCTYPE html>")
        assert "<script" not in page
        assert "http://" not in page
        assert "https://" not in page
        assert "LB-2609" in page
        master = master_html(master_record(formulation, loaded.catalog))
        assert "<script" not in master

    def test_html_escapes(self, stocked: Stock, loaded: LoadedCatalog) -> None:
        """Text from files is escaped in HTML."""
        formulation = attrs.evolve(
            load(EXAMPLES / "vitamin-b-complex.yaml", Formulation), name="<b>x</b>"
        )
        page = master_html(master_record(formulation, loaded.catalog))
        assert "&lt;b&gt;x&lt;/b&gt;" in page
        assert "<b>x</b>" not in page

    def test_renders_in_headless_chromium(
        self, stocked: Stock, loaded: LoadedCatalog, tmp_path: Path
    ) -> None:
        """The record renders in headless Chromium (where it is installed) without network."""
        browser = (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if browser is None:
            if os.environ.get("CI") == "true":
                pytest.fail("CI must provide Chromium (.ci/run installs it)")
            pytest.skip("no Chromium on this machine")
        formulation = load(EXAMPLES / "vitamin-b-complex.yaml", Formulation)
        consume_batch(stocked, formulation, loaded.catalog, batch_id="B-1", at=AT, actor="p")
        page = tmp_path / "record.html"
        page.write_text(batch_html(batch_record(stocked, "B-1")), encoding="utf-8")
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert 0 == done.returncode, done.stderr[-2000:]
        assert "Compounding record: batch B-1" in done.stdout
        assert "LB-2609" in done.stdout


class TestRecordCommands:
    """mesoformula record batch / master as a user runs them."""

    def run(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main(list(argv), out=out), out.getvalue()

    def test_batch_formats(self, tmp_path: Path) -> None:
        """consume then record batch in json, markdown and html."""
        db = str(tmp_path / "s.db")
        assert (
            0
            == self.run(
                "stock",
                "import",
                str(EXAMPLES / "stock.toml"),
                "--db",
                db,
                "--at",
                "2026-11-25T09:00",
            )[0]
        )
        assert (
            0
            == self.run(
                "stock",
                "consume",
                str(EXAMPLES / "vitamin-b-complex.yaml"),
                "--batch-id",
                "B-9",
                "--db",
                db,
                "--at",
                "2026-12-01T10:00",
            )[0]
        )
        code, text = self.run(
            "record", "batch", "--batch-id", "B-9", "--db", db, "--format", "json"
        )
        data = json.loads(text)
        assert 0 == code
        assert {"batch_id", "compounded_at", "formulation", "components", "bud", "findings"} <= set(
            data
        )
        assert "usp797" == data["bud"]["governed_by"]
        page = self.run("record", "batch", "--batch-id", "B-9", "--db", db)[1]
        assert page.startswith("**NOT VERIFIED - not released")
        assert "# Compounding record" in page
        assert (
            "<!DOCTYPE html>"
            in self.run("record", "batch", "--batch-id", "B-9", "--db", db, "--format", "html")[1]
        )
        assert 2 == self.run("record", "batch", "--batch-id", "NOPE", "--db", db)[0]

    def test_master(self) -> None:
        """record master prints the MFR; html works; an unsafe formulation exits 1."""
        code, text = self.run("record", "master", str(EXAMPLES / "hair-revitalizing.toml"))
        assert 0 == code
        assert text.startswith("# Master formulation record: Hair revitalizing cocktail")
        assert 1 == self.run("record", "master", str(EXAMPLES / "unsafe-cocktail.toml"))[0]
