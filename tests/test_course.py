"""
The course on paper (issue 13, SPEC §8.3): ``interval.short`` from an ingredient's
sourced ``min_interval``, ``bud.schedule`` when one batch outlives its sessions.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.bud import AdmixtureUse, assign_bud
from mesoformula.catalog import AdmixtureStability, Catalog, CatalogFile
from mesoformula.cli import main
from mesoformula.compounding import batch_record, consume_batch
from mesoformula.files import dumps, load
from mesoformula.files.catalogs import LoadedCatalog, load_catalog
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation, Preparation
from mesoformula.rules.bud import planned_bud
from mesoformula.rules.catalog import file_findings
from mesoformula.rules.checks import check
from mesoformula.sheets import StockSheet
from mesoformula.stock import Stock
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES

COURSE = DATA / "course"
STOCKED = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
COMPOUNDED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def found(
    loaded: LoadedCatalog, formulation: Formulation, code: str, batches: int = 1
) -> list[Finding]:
    findings = check(formulation, loaded.catalog, None, batches=batches)[1]
    return [f for f in findings if f.code == code]


def with_interval(formulation: Formulation, interval: Quantity | None) -> Formulation:
    assert formulation.administration is not None
    return attrs.evolve(
        formulation, administration=attrs.evolve(formulation.administration, interval=interval)
    )


class TestMinimumInterval:
    def test_a_month_apart_passes(self, loaded: LoadedCatalog) -> None:
        kybella = load(COURSE / "kybella-monthly.toml", Formulation)
        assert [] == found(loaded, kybella, "interval.short")

    def test_three_weeks_is_too_short_with_its_source(self, loaded: LoadedCatalog) -> None:
        kybella = load(COURSE / "kybella-three-weeks.toml", Formulation)
        (finding,) = found(loaded, kybella, "interval.short")
        assert ("error", "deoxycholic-acid") == (finding.severity, finding.ingredient)
        assert "21 d apart" in finding.message
        assert "at least 31 d" in finding.message
        assert finding.source is not None
        assert "at least 1 month apart" in finding.source

    def test_no_interval_is_not_checked_never_fine(self, loaded: LoadedCatalog) -> None:
        kybella = load(COURSE / "kybella-no-interval.toml", Formulation)
        (finding,) = found(loaded, kybella, "interval.short")
        assert "warning" == finding.severity
        assert "not checked" in finding.message

    def test_one_session_has_no_interval_to_keep(self, loaded: LoadedCatalog) -> None:
        kybella = load(COURSE / "kybella-no-interval.toml", Formulation)
        assert kybella.administration is not None
        single = attrs.evolve(
            kybella, administration=attrs.evolve(kybella.administration, sessions=1)
        )
        assert [] == found(loaded, single, "interval.short")

    @settings(max_examples=40, deadline=None)
    @given(days=st.integers(min_value=1, max_value=120))
    def test_an_error_exactly_when_shorter(self, loaded: LoadedCatalog, days: int) -> None:
        """Property: interval.short is an error iff the interval is under 31 days."""
        kybella = load(COURSE / "kybella-monthly.toml", Formulation)
        shorter = bool(found(loaded, with_interval(kybella, Quantity(days, "d")), "interval.short"))
        assert shorter == (days < 31)

    def test_the_unsafe_example_is_flagged(self) -> None:
        out = io.StringIO()
        assert 1 == main(["validate", str(EXAMPLES / "unsafe-cocktail.toml")], out=out)
        assert "error interval.short" in out.getvalue()

    def test_a_min_interval_without_a_source_is_a_catalog_error(
        self, loaded: LoadedCatalog
    ) -> None:
        ingredient = attrs.evolve(
            loaded.catalog.ingredients["biotin"], min_interval=Quantity(7, "d"), sources=()
        )
        file = CatalogFile(ingredients=(ingredient,))
        catalog, _ = Catalog.from_files([("t", file)])
        assert "catalog.source" in [f.code for f in file_findings(file, catalog)]


class TestBatchesAndTheSchedule:
    def test_a_batch_that_outlives_its_bud_warns(self, loaded: LoadedCatalog) -> None:
        formulation = load(COURSE / "two-sessions-a-batch.toml", Formulation)
        (finding,) = found(loaded, formulation, "bud.schedule")
        assert "warning" == finding.severity
        assert "serves 2 sessions 14 d apart" in finding.message
        assert "10 days" in finding.message
        assert "prepare per session" in finding.message

    def test_within_the_bud_is_fine(self, loaded: LoadedCatalog) -> None:
        formulation = load(COURSE / "two-sessions-a-batch.toml", Formulation)
        assert [] == found(loaded, with_interval(formulation, Quantity(7, "d")), "bud.schedule")
        assert [] == found(loaded, with_interval(formulation, Quantity(10, "d")), "bud.schedule")

    def test_more_batches_serve_more_sessions(self, loaded: LoadedCatalog) -> None:
        formulation = load(COURSE / "two-sessions-a-batch.toml", Formulation)
        (finding,) = found(loaded, formulation, "bud.schedule", batches=2)
        assert "serves 5 sessions" in finding.message

    def test_one_session_a_batch_never_warns(self, loaded: LoadedCatalog) -> None:
        formulation = load(COURSE / "kybella-monthly.toml", Formulation)
        assert [] == found(loaded, formulation, "bud.schedule")

    def test_no_interval_is_reported_not_checked(self, loaded: LoadedCatalog) -> None:
        formulation = load(COURSE / "two-sessions-a-batch.toml", Formulation)
        (finding,) = found(loaded, with_interval(formulation, None), "bud.schedule")
        assert "info" == finding.severity
        assert "not checked" in finding.message

    @pytest.mark.parametrize(
        "name", ["hair-revitalizing.toml", "brightening.json", "vitamin-b-complex.yaml"]
    )
    def test_the_shipped_examples_keep_their_bud(self, loaded: LoadedCatalog, name: str) -> None:
        formulation = load(EXAMPLES / name, Formulation)
        assert [] == found(loaded, formulation, "bud.schedule")


def test_a_product_must_say_whether_it_is_sterile(tmp_path: Path) -> None:
    """A clinic's bulk powder never gets the sterile-components BUD by default."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "p.toml").write_text(
        'format = "mesoformula.catalog/1"\n[[products]]\nid = "powder"\nname = "Bulk powder"\n'
        'container = "bottle"\nuse = "multi-dose"\nvolume = "100 mL"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    assert 1 == main(["validate", str(folder / "p.toml")], out=out)
    assert "products[0].sterile" in out.getvalue()


class TestAdmixtureStability:
    """A product stable for a limited time once mixed caps the batch's BUD (§8.9)."""

    def test_it_caps_the_bud(self) -> None:
        prep = Preparation(category=2, method="aseptic", storage="refrigerator")
        at = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
        mixed = AdmixtureUse(product="enzyme", within=dt.timedelta(hours=6), storage="room")
        bud = assign_bud(prep, compounded_at=at, only_sterile=True, products=2, admixtures=[mixed])
        assert (at + dt.timedelta(hours=6), "stability") == (bud.at, bud.governed_by)
        assert "enzyme is stable for 6 hours once mixed" in bud.reason

    def test_a_catalog_product_carries_it_into_the_record(
        self, loaded: LoadedCatalog, tmp_path: Path
    ) -> None:
        enzyme = attrs.evolve(
            loaded.catalog.products["dexpanthenol-250mg-ml-2ml"],
            admixture_stability=AdmixtureStability(within=Quantity(0.25, "d"), storage="room"),
        )
        folder = tmp_path / "clinic"
        folder.mkdir()
        text = dumps(CatalogFile(products=(enzyme,)), "toml")
        assert 'within = "0.25 d"' in text
        (folder / "enzyme.toml").write_text(text, encoding="utf-8")
        clinic = load_catalog([folder])
        assert [] == [f for _, f in clinic.findings if f.severity == "error"]
        catalog = clinic.catalog
        formulation = load(COURSE / "two-sessions-a-batch.toml", Formulation)
        with Stock.open(tmp_path / "s.db") as stock:
            sheet = load(EXAMPLES / "stock.toml", StockSheet)
            stock.import_sheet(sheet, catalog, at=STOCKED, actor="t")
            result, _ = consume_batch(
                stock, formulation, catalog, batch_id="B", at=COMPOUNDED, actor="t"
            )
            assert result is not None
            record = batch_record(stock, "B")
        assert record.bud.at is not None
        assert ("stability", dt.timedelta(hours=6)) == (
            record.bud.governed_by,
            record.bud.at - COMPOUNDED,
        )


def record(db: str, code: int = 0) -> dict[str, Any]:
    """The compounding record of batch B, as JSON (*code*: the exit code expected)."""
    out = io.StringIO()
    assert code == main(
        ["record", "batch", "--batch-id", "B", "--db", db, "--format", "json"], out=out
    )
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


class TestStartOfPreparation:
    """Immediate use runs 4 hours from the start of preparation (--started-at)."""

    def consume(self, tmp_path: Path, *extra: str) -> tuple[str, int, str]:
        db = str(tmp_path / "s.db")
        stocked = ("--at", "2026-11-25T09:00Z")
        assert 0 == main(["stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *stocked])
        out = io.StringIO()
        argv = ["stock", "consume", str(COURSE / "immediate.toml"), "--db", db]
        code = main([*argv, "--batch-id", "B", "--at", "2026-12-01T10:00Z", *extra], out=out)
        return db, code, out.getvalue()

    def test_the_bud_runs_from_the_start(self, tmp_path: Path) -> None:
        db, code, text = self.consume(tmp_path, "--started-at", "2026-12-01T09:00Z")
        assert 0 == code, text
        out = io.StringIO()
        assert 0 == main(
            ["record", "batch", "--batch-id", "B", "--db", db, "--format", "json"], out=out
        )
        bud = json.loads(out.getvalue())["bud"]
        expected = dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC).astimezone()
        assert expected == dt.datetime.fromisoformat(bud["at"])
        assert "usp797" == bud["governed_by"]

    def test_by_default_from_the_consume_time(self, tmp_path: Path) -> None:
        db, code, text = self.consume(tmp_path)
        assert 0 == code, text
        out = io.StringIO()
        assert 0 == main(
            ["record", "batch", "--batch-id", "B", "--db", db, "--format", "json"], out=out
        )
        expected = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC).astimezone()
        assert expected == dt.datetime.fromisoformat(json.loads(out.getvalue())["bud"]["at"])

    def test_a_start_after_the_record_is_refused(self, tmp_path: Path) -> None:
        db, code, text = self.consume(tmp_path, "--started-at", "2026-12-01T11:00Z")
        assert 1 == code
        assert "cannot start" in text
        out = io.StringIO()
        main(["stock", "history", "--db", db, "--batch", "B", "--format", "json"], out=out)
        assert [] == json.loads(out.getvalue())["entries"]


class TestRelease:
    """record verify: another pharmacist releases a batch; append-only and sealed."""

    def consumed(self, tmp_path: Path) -> str:
        db = str(tmp_path / "s.db")
        stocked = ("--at", "2026-11-25T09:00Z")
        assert 0 == main(["stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *stocked])
        argv = ["stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--db", db]
        argv += ["--batch-id", "B", "--at", "2026-12-01T10:00Z", "--actor", "preparer"]
        assert 0 == main(argv, out=io.StringIO())
        return db

    def verify(self, db: str, verifier: str, at: str = "2026-12-01T11:00Z") -> tuple[int, str]:
        out = io.StringIO()
        argv = ["record", "verify", "--batch-id", "B", "--db", db, "--verifier", verifier]
        return main([*argv, "--at", at], out=out), out.getvalue()

    def test_another_pharmacist_releases(self, tmp_path: Path) -> None:
        db = self.consumed(tmp_path)
        assert (False, None) == (record(db)["released"], record(db)["verifier"])
        assert 0 == self.verify(db, "A. Pharmacist")[0]
        data = record(db)
        assert (True, "A. Pharmacist") == (data["released"], data["verifier"])
        out = io.StringIO()
        main(["record", "batch", "--batch-id", "B", "--db", db], out=out)
        assert out.getvalue().startswith("# Compounding record")
        assert "A. Pharmacist (" in out.getvalue()
        out = io.StringIO()
        assert 0 == main(["stock", "verify", "--db", db], out=out), out.getvalue()

    def test_the_preparer_cannot_verify_their_own_batch(self, tmp_path: Path) -> None:
        db = self.consumed(tmp_path)
        code, text = self.verify(db, "Preparer")
        assert 1 == code
        assert "cannot verify their own batch" in text
        assert not record(db)["released"]

    def test_refusals_record_nothing(self, tmp_path: Path) -> None:
        db = self.consumed(tmp_path)
        assert 1 == self.verify(db, "A. Pharmacist", at="2026-12-01T09:00Z")[0]  # before it
        assert 1 == self.verify(db, "  ")[0]
        assert 0 == self.verify(db, "A. Pharmacist")[0]
        code, text = self.verify(db, "B. Pharmacist")
        assert 1 == code
        assert "verified already by A. Pharmacist" in text

    def test_a_forged_release_is_found(self, tmp_path: Path) -> None:
        db = self.consumed(tmp_path)
        assert 0 == self.verify(db, "A. Pharmacist")[0]
        con = sqlite3.connect(db)
        con.execute("DROP TRIGGER verifications_no_update")
        con.execute("UPDATE verifications SET verifier = 'Preparer'")
        con.commit()
        con.close()
        out = io.StringIO()
        assert 1 == main(["stock", "verify", "--db", db], out=out)
        assert "verification 'B' sealed by entry" in out.getvalue()

    def test_a_release_added_behind_the_journals_back_is_found(self, tmp_path: Path) -> None:
        db = self.consumed(tmp_path)
        con = sqlite3.connect(db)
        con.execute(
            "INSERT INTO verifications VALUES ('B', '2026-12-01T11:00:00+00:00', 'Mallory')"
        )
        con.commit()
        con.close()
        out = io.StringIO()
        assert 1 == main(["stock", "verify", "--db", db], out=out)
        assert "release of batch 'B' has no seal" in out.getvalue()


class TestCompoundingForAPatient:
    """stock consume --patient --prescriber (SPEC §8.3)."""

    def consume(self, db: str, batch: str, patient: str, *extra: str) -> tuple[int, str]:
        out = io.StringIO()
        argv = ["stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--db", db]
        argv += ["--batch-id", batch, "--at", "2026-12-01T10:00Z", "--patient", patient]
        return main([*argv, *extra], out=out), out.getvalue()

    def stocked(self, tmp_path: Path) -> str:
        db = str(tmp_path / "s.db")
        stocked = ("--at", "2026-11-25T09:00Z")
        assert 0 == main(["stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *stocked])
        return db

    def test_the_record_names_the_patient_and_prescriber(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        patient = str(COURSE / "patient-named.toml")
        code, text = self.consume(db, "B", patient, "--prescriber", "Dr. Rossi")
        assert 0 == code, text
        data = record(db)
        assert {"id": "P-0500", "name": "Jane Doe"} == data["patient"]
        assert "Dr. Rossi" == data["prescriber"]
        out = io.StringIO()
        main(["record", "batch", "--batch-id", "B", "--db", db], out=out)
        assert "| patient | Jane Doe (P-0500) |" in out.getvalue()
        label = data["label"]["text"].splitlines()
        assert ["Hair revitalizing cocktail", "Patient: Jane Doe (P-0500)"] == label[:2]
        assert "Prescriber: Dr. Rossi" in label
        assert "Total volume: 10 mL (multiple dose: 2 sessions)" in label

    def test_a_patient_error_refuses_and_records_nothing(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        code, text = self.consume(db, "B", str(COURSE / "patient-lidocaine-allergy.toml"))
        assert 1 == code
        assert "error allergen" in text
        assert "not consumed" in text
        out = io.StringIO()
        main(["stock", "history", "--db", db, "--batch", "B", "--format", "json"], out=out)
        assert [] == json.loads(out.getvalue())["entries"]

    def test_a_batch_id_is_one_patients(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        assert 0 == self.consume(db, "B", str(COURSE / "patient-named.toml"))[0]
        code, text = self.consume(db, "B", str(EXAMPLES / "patient-P-0042.toml"))
        assert 1 == code
        assert "consumed for another patient (P-0500)" in text

    def test_an_unreadable_patient_file(self, tmp_path: Path) -> None:
        db = self.stocked(tmp_path)
        bad = tmp_path / "p.toml"
        bad.write_text('format = "mesoformula.patient/1"\nweight = "62 kg"\n', encoding="utf-8")
        code, text = self.consume(db, "B", str(bad))
        assert 1 == code
        assert "the patient file cannot be read" in text
        code, text = self.consume(db, "B", "/dev/zero")  # not a regular file: refused, unread
        assert 1 == code
        assert "the patient file cannot be read" in text


def dutasteride_batch(tmp_path: Path, *, prepared: bool = True) -> str:
    """A store holding batch 'B' of the dutasteride fixture (a clinic's compounded stock)."""
    db = str(tmp_path / "s.db")
    sheet = tmp_path / "stock.toml"
    sheet.write_text(
        'format = "mesoformula.stock/1"\n'
        '[[lots]]\nproduct = "dutasteride-0.5mg-ml-2ml-compounded"\nlot = "DU-1"\n'
        "expiry = 2029-01-31\ncontainers = 2\n"
        '[[lots]]\nproduct = "sodium-chloride-0.9-5ml"\nlot = "NA-1"\n'
        "expiry = 2029-01-31\ncontainers = 2\n",
        encoding="utf-8",
    )
    compounded = ("--catalog", str(DATA / "catalog-compounded"))
    at = ("--at", "2026-11-25T09:00Z")
    assert 0 == main(["stock", "import", str(sheet), "--db", db, *compounded, *at])
    out = io.StringIO()
    formulation = DATA / "check" / "dutasteride.toml"
    if not prepared:  # as a design: no [preparation], so no beyond-use date
        text = formulation.read_text(encoding="utf-8")
        formulation = tmp_path / "dutasteride-design.toml"
        formulation.write_text(text.partition("[preparation]")[0], encoding="utf-8")
    argv = ["stock", "consume", str(formulation), "--db", db]
    argv += ["--batch-id", "B", "--at", "2026-12-01T10:00Z", *compounded]
    assert 0 == main(argv, out=out), out.getvalue()
    return db


def test_a_hazard_from_the_catalog_is_on_the_label(tmp_path: Path) -> None:
    """Dutasteride's handling hazard (sourced) is printed on the label of its batch."""
    db = dutasteride_batch(tmp_path)
    data = record(db)
    label = data["label"]
    hazard = "women who are or may become pregnant must not handle this preparation"
    assert any(hazard in h for h in label["hazards"])
    assert f"HAZARD: dutasteride: {hazard}" in label["text"]


class TestStandaloneLabel:
    """record label: the label on its own, as text, HTML or JSON."""

    def test_text_html_and_json_agree(self, tmp_path: Path) -> None:
        db = TestRelease().consumed(tmp_path)
        outs = {}
        for form in ("text", "html", "json"):
            out = io.StringIO()
            argv = ["record", "label", "--batch-id", "B", "--db", db, "--format", form]
            assert 0 == main(argv, out=out)
            outs[form] = out.getvalue()
        text = json.loads(outs["json"])["text"]
        assert text + "\n" == outs["text"]
        assert outs["text"].startswith("Hair revitalizing cocktail\n")
        assert "Content-Security-Policy" in outs["html"]
        assert "Batch: B" in outs["html"]

    def test_a_void_label_says_so_and_an_unknown_batch_is_a_usage_error(
        self, tmp_path: Path
    ) -> None:
        db = TestRelease().consumed(tmp_path)
        void = [
            "stock",
            "void",
            "--batch-id",
            "B",
            "--db",
            db,
            "--reason",
            "wrong patient",
            "--not-prepared",
        ]
        assert 0 == main([*void, "--at", "2026-12-01T12:00Z"], out=io.StringIO())
        out = io.StringIO()
        assert 0 == main(["record", "label", "--batch-id", "B", "--db", db], out=out)
        assert out.getvalue().startswith("VOID - DO NOT USE\n")
        assert 2 == main(["record", "label", "--batch-id", "NONE", "--db", db], out=io.StringIO())

    def test_a_label_without_a_bud_exits_1(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        A batch recorded before consume refused what cannot be labelled (SPEC §9.3; its
        formulation had no [preparation]) prints NOT ASSIGNED and exits 1.
        """
        from mesoformula import compounding

        def before_v3(*args: Any, **kwargs: Any) -> Any:
            return attrs.evolve(planned_bud(*args, **kwargs), at=dt.datetime(2026, 12, 2))

        monkeypatch.setattr(compounding, "planned_bud", before_v3)
        db = dutasteride_batch(tmp_path, prepared=False)
        out = io.StringIO()
        assert 1 == main(["record", "label", "--batch-id", "B", "--db", db], out=out)
        assert "BUD: NOT ASSIGNED - do not release" in out.getvalue()


def test_catalog_show_gives_the_course_fields() -> None:
    """min_interval and hazard are shown with the ingredient (text and JSON)."""
    out = io.StringIO()
    assert 0 == main(["catalog", "show", "deoxycholic-acid", "--format", "json"], out=out)
    assert "31 d" == json.loads(out.getvalue())["min_interval"]
    out = io.StringIO()
    assert 0 == main(["catalog", "show", "dutasteride"], out=out)
    assert "  hazard: dutasteride: women who are or may become pregnant" in out.getvalue()
