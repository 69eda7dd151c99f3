"""
The sitting is the unit of dose (SPEC §9.1), and no stock moves for a preparation that
cannot be labelled (SPEC §9.3): the reproductions of the clinical pharmacist's attempts,
on both engines where a store is involved, and the properties of the sitting.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.catalog import Catalog, CatalogFile, Policy
from mesoformula.cli import main
from mesoformula.course import Administration, Dose
from mesoformula.files import load
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.patient import Patient
from mesoformula.rules.checks import check_administration
from mesoformula.sitting import sittings, windows_at
from mesoformula.units import Quantity
from mesoformula.worksheet import Content

from .conftest import DATA

#: The sittings are in March 2027: the clock is after every write (SPEC §9.5).
pytestmark = pytest.mark.clock("2027-03-10T00:00:00+00:00")

SITTING = DATA / "sitting"
PATIENT = str(SITTING / "patient-70kg.toml")
DAY = "2027-03-01"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def codes(text: str) -> dict[str, dict[str, Any]]:
    """The findings of a JSON output by code (the last of each code)."""
    data = json.loads(text)
    found = data.get("findings", [])
    for report in data.get("files", []):
        found += report["findings"]
    return {f["code"]: f for f in found}


def prepared(db: str, *batches: tuple[str, str, str]) -> None:
    """Receive the sitting stock, then compound and release each (formulation, id, time)."""
    assert 0 == run("stock", "import", str(SITTING / "stock.toml"), "--db", db,
                    "--at", f"{DAY}T07:00Z")[0]  # fmt: skip
    for formulation, batch_id, at in batches:
        code, text = run("stock", "consume", str(SITTING / formulation), "--db", db,
                         "--batch-id", batch_id, "--patient", PATIENT, "--at", at,
                         "--actor", "ana")  # fmt: skip
        assert 0 == code, text
        assert 0 == run("record", "verify", "--batch-id", batch_id, "--verifier", "bob",
                        "--db", db, "--at", at)[0]  # fmt: skip


def give(db: str, batch_id: str, volume: str, at: str, *extra: str) -> tuple[int, str]:
    return run("administer", "--batch-id", batch_id, "--patient", PATIENT, "--volume", volume,
               "--db", db, "--at", at, "--actor", "nurse", *extra)  # fmt: skip


class TestRepeatDosesInOneVisit:
    """Reproduction 1: lidocaine 280 mg twice and mepivacaine 300 mg within half an hour."""

    def test_the_second_dose_and_the_other_anaesthetic_are_refused(self, location: str) -> None:
        """Each administration alone is within its limits; the sitting is not."""
        db = location
        prepared(db, ("lidocaine-280.toml", "L-A", f"{DAY}T09:00Z"),
                 ("lidocaine-280.toml", "L-B", f"{DAY}T09:01Z"),
                 ("mepivacaine-300.toml", "M-C", f"{DAY}T09:02Z"))  # fmt: skip
        assert 0 == give(db, "L-A", "14 mL", f"{DAY}T09:20Z", "--area", "abdomen")[0]
        head = run("stock", "head", "--db", db)[1]
        code, text = give(db, "L-B", "14 mL", f"{DAY}T09:40Z", "--format", "json")
        assert 1 == code
        found = codes(text)
        assert {"dose.session", "dose.per-kg"} <= set(found)
        assert {"value": 560.0, "unit": "mg"} == found["dose.session"]["value"]
        assert (
            "administration 1 at 2027-03-01 09:20 UTC (batch L-A)"
            in (found["dose.per-kg"]["message"])
        )
        code, text = give(db, "M-C", "15 mL", f"{DAY}T09:50Z")
        assert 1 == code
        assert "error dose.additive local-anaesthetics" in text
        assert "lidocaine-hcl 280 mg (89% of 4.5 mg/kg for 70 kg)" in text  # of 315 mg, counted
        assert head == run("stock", "head", "--db", db)[1]  # nothing was recorded
        code, text = run("check", str(SITTING / "lidocaine-280.toml"), "--patient", PATIENT,
                         "--db", db, "--at", f"{DAY}T09:45Z", "--format", "json")  # fmt: skip
        assert 1 == code
        assert {"value": 560.0, "unit": "mg"} == codes(text)["dose.session"]["value"]

    def test_the_next_day_is_another_sitting(self, location: str) -> None:
        """A dose 24 hours after the first is a new sitting: nothing is added."""
        db = location
        prepared(db, ("lidocaine-280.toml", "L-A", f"{DAY}T09:00Z"),
                 ("lidocaine-280.toml", "L-B", "2027-03-02T09:00Z"))  # fmt: skip
        assert 0 == give(db, "L-A", "14 mL", f"{DAY}T09:20Z")[0]
        assert 0 == give(db, "L-B", "14 mL", "2027-03-02T09:20Z")[0]


class TestOneSessionInTwoSyringes:
    """Reproduction 2: one deoxycholate session given as 5 mL + 5 mL an hour apart."""

    def test_the_second_syringe_is_the_same_session(self, location: str) -> None:
        db = location
        prepared(db, ("deoxycholate-session.toml", "K-1", f"{DAY}T09:00Z"))
        assert 0 == give(db, "K-1", "5 mL", f"{DAY}T09:30Z", "--area", "submental")[0]
        code, text = give(db, "K-1", "5 mL", f"{DAY}T10:30Z", "--area", "submental")
        assert 0 == code, text
        assert "interval.short" not in text
        code, text = run("course", "show", "--patient", PATIENT, "--db", db)
        assert "sitting 1  batch K-1" in text
        assert "  submental: Deoxycholic acid 100 mg" in text
        data = json.loads(run("course", "show", "--patient", PATIENT, "--db", db,
                              "--format", "json")[1])  # fmt: skip
        assert [[1, 2]] == data["sittings"]
        doses = [
            {"ingredient": "deoxycholic-acid", "value": 100.0, "unit": "mg"},
            {"ingredient": "benzyl-alcohol", "value": 90.0, "unit": "mg"},
        ]
        assert [{"area": "submental", "doses": doses}] == data["by_area"]


class TestAreas:
    """Areas (SPEC §9.1): recorded where a dose went, limits from another area say so."""

    def test_an_area_not_in_the_vocabulary(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        prepared(db, ("deoxycholate-session.toml", "K-1", f"{DAY}T09:00Z"))
        head = run("stock", "head", "--db", db)[1]
        assert 2 == give(db, "K-1", "5 mL", f"{DAY}T09:30Z", "--area", "chinn")[0]
        assert head == run("stock", "head", "--db", db)[1]

    def test_a_formulation_area_not_in_the_vocabulary(self, tmp_path: Path) -> None:
        path = tmp_path / "f.toml"
        text = (SITTING / "deoxycholate-session.toml").read_text(encoding="utf-8")
        path.write_text(text.replace('areas = ["submental"]', 'areas = ["submentl"]'))
        code, out = run("validate", str(path))
        assert 1 == code
        assert "error ref.area administration.areas[0]: 'submentl' is not a treatment" in out
        assert "did you mean 'submental'?" in out
        assert "limit.area" not in out  # an unknown area is not compared

    def test_a_submental_label_limit_on_the_abdomen_says_so(self, tmp_path: Path) -> None:
        """Reproduction 6: the Kybella figures come from the submental label."""
        path = tmp_path / "f.toml"
        text = (SITTING / "deoxycholate-session.toml").read_text(encoding="utf-8")
        path.write_text(text.replace('areas = ["submental"]', 'areas = ["abdomen"]'))
        code, out = run("validate", str(path), "--format", "json")
        assert 0 == code
        found = [f for f in json.loads(out)["files"][0]["findings"] if f["code"] == "limit.area"]
        assert 3 == len(found)  # the point, session and course figures
        assert "comes from a source for submental, not abdomen" in found[0]["message"]
        assert 0 == run("validate", str(SITTING / "deoxycholate-session.toml"))[0]

    def test_decolletage_with_or_without_its_accent(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        prepared(db, ("deoxycholate-session.toml", "K-1", f"{DAY}T09:00Z"))
        code, text = give(db, "K-1", "1 mL", f"{DAY}T09:30Z", "--area", "Decolletage",
                          "--format", "json")  # fmt: skip
        assert (0, "décolletage") == (code, json.loads(text)["area"])


class TestTheSittingWindow:
    """The window is the catalog's [policy] sitting_window, with its source."""

    def catalog(self, tmp_path: Path, policy: str) -> str:
        folder = tmp_path / "house"
        folder.mkdir()
        (folder / "policy.toml").write_text(
            f'format = "mesoformula.catalog/1"\n[policy]\n{policy}\n', encoding="utf-8"
        )
        return str(folder)

    @pytest.mark.parametrize("window", ["0 h", "-2 h", "nan h"])
    def test_a_window_of_no_length_is_refused(self, tmp_path: Path, window: str) -> None:
        house = self.catalog(tmp_path, f'sitting_window = "{window}"\nsource = "protocol 3"')
        code, text = run("validate", house)
        assert 1 == code
        assert "sitting_window" in text

    def test_a_window_needs_its_source(self, tmp_path: Path) -> None:
        house = self.catalog(tmp_path, 'sitting_window = "12 h"')
        code, text = run("validate", house)
        assert (1, True) == (code, "error catalog.source" in text)

    def test_a_shorter_window_splits_the_visit(self, tmp_path: Path) -> None:
        """With a 1 h window, two doses 2 hours apart are two sittings."""
        db = str(tmp_path / "s.db")
        house = self.catalog(tmp_path, 'sitting_window = "1 h"\nsource = "clinic protocol 3"')
        prepared(db, ("lidocaine-280.toml", "L-A", f"{DAY}T09:00Z"),
                 ("lidocaine-280.toml", "L-B", f"{DAY}T09:01Z"))  # fmt: skip
        assert 0 == give(db, "L-A", "14 mL", f"{DAY}T09:20Z", "--catalog", house)[0]
        assert 1 == give(db, "L-B", "14 mL", f"{DAY}T10:10Z", "--catalog", house)[0]
        code, text = give(db, "L-B", "14 mL", f"{DAY}T11:30Z", "--catalog", house)
        assert 0 == code, text


class TestNoStockMovesWithoutABud:
    """Reproduction 4 (SPEC §9.3): the BUD gates come before any stock moves."""

    def immediate(self, tmp_path: Path) -> Path:
        """Immediate use with four sterile products: more than USP <797> allows."""
        path = tmp_path / "four.toml"
        path.write_text(
            'format = "mesoformula.formulation/1"\nid = "four"\nname = "Four products"\n'
            'route = "intradermal"\nfinal_volume = "10 mL"\n'
            'diluent = "sodium-chloride-0.9-10ml"\n'
            '[[components]]\nproduct = "lidocaine-hcl-2pct-5ml"\nvolume = "1 mL"\n'
            '[[components]]\nproduct = "dexpanthenol-250mg-ml-2ml"\nvolume = "1 mL"\n'
            '[[components]]\nproduct = "biotin-0.5mg-ml-2ml"\nvolume = "1 mL"\n'
            "[preparation]\nimmediate_use = true\n",
            encoding="utf-8",
        )
        return path

    def test_immediate_use_with_four_products_is_an_error(self, tmp_path: Path) -> None:
        code, text = run("validate", str(self.immediate(tmp_path)))
        assert 1 == code
        assert "error bud.unassigned" in text
        assert "at most 3 different sterile products, and 4 are used" in text

    def test_consume_refuses_it_and_nothing_moves(self, tmp_path: Path, location: str) -> None:
        db = location
        assert 0 == run("stock", "import", str(DATA.parent.parent / "examples" / "stock.toml"),
                        "--db", db, "--at", "2026-11-25T09:00")[0]  # fmt: skip
        head = run("stock", "head", "--db", db)[1]
        code, text = run("stock", "consume", str(self.immediate(tmp_path)), "--db", db,
                         "--batch-id", "B", "--at", "2026-12-01T10:00")  # fmt: skip
        assert 1 == code
        assert "bud.unassigned" in text
        assert head == run("stock", "head", "--db", db)[1]

    def test_a_design_without_preparation(self, tmp_path: Path) -> None:
        """No [preparation]: a warning in validate, a refusal in consume."""
        path = tmp_path / "design.toml"
        text = (SITTING / "lidocaine-280.toml").read_text(encoding="utf-8")
        path.write_text(text.partition("[preparation]")[0], encoding="utf-8")
        code, out = run("validate", str(path))
        assert (0, True) == (code, "warning bud.unassigned" in out)
        db = str(tmp_path / "s.db")
        assert 0 == run("stock", "import", str(SITTING / "stock.toml"), "--db", db,
                        "--at", f"{DAY}T07:00Z")[0]  # fmt: skip
        head = run("stock", "head", "--db", db)[1]
        code, out = run("stock", "consume", str(path), "--db", db, "--batch-id", "B",
                        "--at", f"{DAY}T09:00Z")  # fmt: skip
        assert (1, True) == (code, "error bud.unassigned" in out)
        assert head == run("stock", "head", "--db", db)[1]

    def test_admixture_stability_caps_the_schedule_and_the_label(self, tmp_path: Path) -> None:
        """
        A glutathione batch (stable 2 hours once mixed) serving two sessions 12 hours
        apart: bud.schedule warns, and the label counts one session only.
        """
        path = tmp_path / "glutathione.toml"
        path.write_text(
            'format = "mesoformula.formulation/1"\nid = "gsh"\nname = "Glutathione"\n'
            'route = "intradermal"\nfinal_volume = "8 mL"\n'
            '[[components]]\nproduct = "glutathione-600mg-4ml-powder-solvent"\n'
            'volume = "8 mL"\n'
            '[administration]\nvolume_per_session = "4 mL"\npoints_per_session = 40\n'
            'sessions = 2\ninterval = "12 h"\n'
            '[preparation]\ncategory = 2\nstorage = "refrigerator"\n',
            encoding="utf-8",
        )
        code, text = run("validate", str(path))
        assert "warning bud.schedule" in text
        assert "stable for 2 hours once mixed" in text
        db = str(tmp_path / "s.db")
        sheet = tmp_path / "stock.toml"
        sheet.write_text(
            'format = "mesoformula.stock/1"\n[[lots]]\n'
            'product = "glutathione-600mg-4ml-powder-solvent"\nlot = "G-1"\n'
            "expiry = 2029-01-31\ncontainers = 4\n",
            encoding="utf-8",
        )
        assert 0 == run("stock", "import", str(sheet), "--db", db, "--at", f"{DAY}T07:00Z")[0]
        code, text = run("stock", "consume", str(path), "--db", db, "--batch-id", "G",
                         "--at", f"{DAY}T09:00Z")  # fmt: skip
        assert 0 == code, text
        code, text = run("record", "label", "--batch-id", "G", "--db", db)
        assert "Total volume: 8 mL (single dose)" in text
        assert "BUD: 2027-03-01 11:00 UTC" in text


# --------------------------------------------------------------------------- properties

LIDOCAINE_LIMIT = 300.0  # mg: the session maximum without epinephrine (4.5 mg/kg x 70 kg = 315)
WINDOW = dt.timedelta(hours=24)
T0 = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)


def _catalog(loaded: LoadedCatalog, hours: float) -> Catalog:
    policy = Policy(sitting_window=Quantity(hours / 24, "d"), source="test")
    return Catalog.from_files([("shipped", CatalogFile(
        ingredients=tuple(loaded.catalog.ingredients.values()),
        products=tuple(loaded.catalog.products.values()),
        allergen_groups=tuple(loaded.catalog.allergen_groups.values()),
        additive_limits=loaded.catalog.additive_limits,
        policy=policy))])[0]  # fmt: skip


def lidocaine(mg: float) -> Content:
    """A lidocaine 20 mg/mL preparation, *mg* of it given."""
    return Content(ingredient="lidocaine-hcl", role="active", unit="mg",
                   concentration_value=20.0, per_batch_value=mg, total_value=mg,
                   per_session_value=None, per_point_value=None, per_course_value=None,
                   products=())  # fmt: skip


def given_dose(number: int, at: dt.datetime, mg: float, ingredient: str = "lidocaine-hcl") -> Any:
    return Administration(number=number, batch_id=f"B{number}", patient="P", at=at,
                          volume_ml=mg / 20.0, actor="n", formulation="f",
                          formulation_name=None,
                          doses=(Dose(ingredient=ingredient, value=mg, unit="mg"),))  # fmt: skip


PATIENT_70 = Patient(id="P", weight=Quantity(70.0, "kg"))
SCHEDULE = st.lists(
    st.tuples(st.integers(0, 72 * 60), st.integers(1, 320)), min_size=1, max_size=8
).map(sorted)


class TestSittingProperties:
    """The sitting against a reference model (SPEC §9.1)."""

    @settings(max_examples=60)
    @given(schedule=SCHEDULE)
    def test_refused_exactly_when_the_sitting_exceeds_the_limit(
        self, loaded: LoadedCatalog, schedule: list[tuple[int, int]]
    ) -> None:
        """
        Doses given in time order: one is refused exactly when it and the accepted doses
        of the 24 hours before it exceed 300 mg (the reference model).
        """
        accepted: list[Any] = []
        for minutes, mg in schedule:
            at = T0 + dt.timedelta(minutes=minutes)
            model_total = mg + sum(a.doses[0].value for a in accepted if at - a.at < WINDOW)
            findings = check_administration(
                [lidocaine(mg)], loaded.catalog, PATIENT_70, volume_ml=mg / 20.0,
                course=accepted, at=at,
            )  # fmt: skip
            refused = any(
                f.severity == "error" and f.code in {"dose.session", "dose.per-kg"}
                for f in findings
            )
            assert (model_total > LIDOCAINE_LIMIT + 1e-6) == refused, (model_total, findings)
            if not any(f.severity == "error" for f in findings):
                accepted.append(given_dose(len(accepted) + 1, at, float(mg)))

    @settings(max_examples=60)
    @given(offsets=st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=6))
    def test_a_sitting_never_breaks_its_own_interval(
        self, loaded: LoadedCatalog, offsets: list[int]
    ) -> None:
        """Deoxycholate (min_interval 31 d) given several times within 24 h: never too soon."""
        earlier = [
            given_dose(n, T0 + dt.timedelta(minutes=m), 10.0, "deoxycholic-acid")
            for n, m in enumerate(sorted(offsets), 1)
        ]
        content = Content(ingredient="deoxycholic-acid", role="active", unit="mg",
                          concentration_value=10.0, per_batch_value=10.0, total_value=10.0,
                          per_session_value=None, per_point_value=None, per_course_value=None,
                          products=())  # fmt: skip
        last = max(a.at for a in earlier)
        at = min(T0 + dt.timedelta(hours=23, minutes=59), last + dt.timedelta(minutes=1))
        findings = check_administration(
            [content], loaded.catalog, PATIENT_70, volume_ml=1.0, course=earlier, at=at
        )
        assert "interval.short" not in {f.code for f in findings}
        assert 1 == len(sittings(earlier, WINDOW))

    @settings(max_examples=60)
    @given(schedule=SCHEDULE, late=st.integers(0, 72 * 60), mg=st.integers(1, 320))
    def test_a_late_entry_is_checked_against_every_window(
        self, loaded: LoadedCatalog, schedule: list[tuple[int, int]], late: int, mg: int
    ) -> None:
        """
        A dose recorded after later ones (dated before them) is refused exactly when some
        24-hour window holding it exceeds the limit (the model tries every window start).
        """
        course = [
            given_dose(n, T0 + dt.timedelta(minutes=m), float(d))
            for n, (m, d) in enumerate(schedule, 1)
        ]
        at = T0 + dt.timedelta(minutes=late)
        starts = [a.at for a in course if dt.timedelta(0) <= at - a.at < WINDOW] + [at]
        worst = max(
            mg + sum(a.doses[0].value for a in course if s <= a.at < s + WINDOW) for s in starts
        )
        findings = check_administration(
            [lidocaine(mg)], loaded.catalog, PATIENT_70, volume_ml=mg / 20.0,
            course=course, at=at,
        )  # fmt: skip
        refused = any(
            f.severity == "error" and f.code in {"dose.session", "dose.per-kg"} for f in findings
        )
        assert (worst > LIDOCAINE_LIMIT + 1e-6) == refused
        assert 1 <= len(windows_at(course, at, WINDOW))

    def test_the_policy_window_is_used(self, loaded: LoadedCatalog) -> None:
        """With a 1 h window, 200 mg then 200 mg two hours later are two sittings."""
        catalog = _catalog(loaded, 1.0)
        earlier = [given_dose(1, T0, 200.0)]
        for hours, refused in ((0.5, True), (2.0, False)):
            findings = check_administration(
                [lidocaine(200.0)], catalog, PATIENT_70, volume_ml=10.0, course=earlier,
                at=T0 + dt.timedelta(hours=hours),
            )  # fmt: skip
            assert refused == any(f.code == "dose.session" for f in findings)


class TestARefusedAdministrationChangesNothing:
    """A refused administer writes nothing, on either engine."""

    @settings(max_examples=8, deadline=None)
    @given(volumes=st.lists(st.integers(1, 12), min_size=1, max_size=4))
    def test_refusals_leave_the_head(self, volumes: list[int], tmp_path_factory: Any) -> None:
        db = str(tmp_path_factory.mktemp("refusals") / "s.db")
        prepared(db, ("deoxycholate-session.toml", "K-1", f"{DAY}T09:00Z"))
        minute = 30
        for volume in volumes:
            head = run("stock", "head", "--db", db)[1]
            code, _ = give(db, "K-1", f"{volume} mL", f"{DAY}T09:{minute}Z")
            minute += 1
            if code != 0:
                assert head == run("stock", "head", "--db", db)[1]


def test_the_sitting_is_loaded_from_files(loaded: LoadedCatalog, tmp_path: Path) -> None:
    """[policy] reads from a catalog file (load(dump) keeps it)."""
    path = tmp_path / "c.toml"
    path.write_text('format = "mesoformula.catalog/1"\n[policy]\nsitting_window = "6 h"\n'
                    'source = "protocol 3"\nareas = ["periorbital"]\n')  # fmt: skip
    file = load(path, CatalogFile)
    assert file.policy is not None
    assert ("periorbital",) == file.policy.areas
    catalog = Catalog.from_files([("a", file)])[0]
    assert dt.timedelta(hours=6) == catalog.sitting_window
