"""
Never a silent pass (SPEC §8.1, §8.2): the ten reproductions of issue 10, each as a
user meets it, and the properties behind them.

Every test here failed on the v1 code: the unsafe preparation passed with exit 0, a
term went unmatched, or a model held a value of the wrong kind.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoformula.catalog import Product
from mesoformula.cli import main
from mesoformula.exceptions import UnitError
from mesoformula.files import load, read
from mesoformula.files.catalogs import LoadedCatalog, load_catalog
from mesoformula.findings import Finding
from mesoformula.formulation import Administration, Component, Formulation
from mesoformula.patient import Patient
from mesoformula.rules.checks import check
from mesoformula.rules.doses import is_active
from mesoformula.rules.references import patient_term_findings
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES
from .test_compose import formulations

#: When the example stock arrived: before every dated operation of the tests.
RECEIVED = ("--at", "2026-11-25T09:00")

SAFETY = DATA / "safety"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def codes(findings: list[Finding], severity: str | None = None) -> list[str]:
    return sorted(f.code for f in findings if severity is None or f.severity == severity)


def checked(loaded: LoadedCatalog, formulation: str, patient: str | None = None) -> list[Finding]:
    subject = load(SAFETY / formulation, Formulation)
    person = load(SAFETY / patient, Patient) if patient else None
    return check(subject, loaded.catalog, person)[1]


class TestEpinephrineThreshold:
    """1. A trace of epinephrine never unlocks lidocaine's higher maximum."""

    def test_plain_lidocaine_over_both_limits(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "lidocaine-418mg.toml", "patient-60kg.toml")
        assert ["dose.per-kg", "dose.session"] == codes(found, "error")

    def test_a_trace_keeps_both_errors(self, loaded: LoadedCatalog) -> None:
        """0.1 mL of a 1:100,000 cartridge in 60 mL is 0.0000167 mg/mL, not 0.005."""
        found = checked(loaded, "lidocaine-418mg-trace-epinephrine.toml", "patient-60kg.toml")
        errors = [f for f in found if f.severity == "error"]
        assert ["dose.per-kg", "dose.session"] == codes(errors)
        per_kg = next(f for f in errors if f.code == "dose.per-kg")
        assert "4.5 mg/kg x 60 kg = 270 mg" in per_kg.message

    def test_epinephrine_at_the_threshold_unlocks_7_mg_per_kg(self, loaded: LoadedCatalog) -> None:
        """1:200,000 in the preparation is the label's with-epinephrine dosing."""
        formulation = Formulation(
            id="with-epinephrine",
            name="Lidocaine 1% with epinephrine 1:200,000",
            route="subcutaneous",
            final_volume=Quantity(30.0, "mL"),
            components=(
                Component(
                    product="lidocaine-hcl-1pct-epinephrine-1-200000-30ml",
                    volume=Quantity(30.0, "mL"),
                ),
            ),
            administration=Administration(
                volume_per_session=Quantity(30.0, "mL"), points_per_session=100
            ),
        )
        patient = Patient(id="T-60", weight=Quantity(60.0, "kg"))
        found = check(formulation, loaded.catalog, patient)[1]
        # 300 mg is over 4.5 mg/kg (270 mg) but within 7 mg/kg (420 mg) and 500 mg.
        assert [] == codes(found, "error")

    def test_the_shipped_catalog_has_no_bare_vasoconstrictor_condition(
        self, loaded: LoadedCatalog
    ) -> None:
        for ingredient in loaded.catalog.ingredients.values():
            for limit in ingredient.limits:
                for condition in (*limit.unless_present, *limit.when_present):
                    assert condition.at_least is not None, ingredient.id

    def test_a_bare_id_in_a_catalog_file_is_a_warning(self, tmp_path: Path) -> None:
        (tmp_path / "rules.toml").write_text(
            'format = "mesoformula.catalog/1"\n'
            "[[ingredients]]\n"
            'id = "test-anaesthetic"\nname = "Test"\nclass = "anesthetic"\n'
            "[[ingredients.limits]]\n"
            'basis = "session"\nmax = "100 mg"\nunless_present = ["epinephrine"]\n'
            'source = "test"\n',
            encoding="utf-8",
        )
        code, text = run("validate", str(tmp_path / "rules.toml"))
        assert 0 == code, text
        assert "warning catalog.condition" in text

    def test_an_epinephrine_cap(self, loaded: LoadedCatalog) -> None:
        found = checked(
            load_catalog([DATA / "catalog-caffeine"]), "caffeine-epinephrine.toml", None
        )
        epinephrine = [f for f in found if f.ingredient == "epinephrine"]
        assert ["dose.session"] == codes(epinephrine, "error")


@given(
    lidocaine=st.floats(min_value=14.0, max_value=40.0),
    trace=st.floats(min_value=0.01, max_value=0.5),
)
def test_epinephrine_below_the_threshold_never_removes_a_dose_error(
    lidocaine: float, trace: float
) -> None:
    """Property: adding epinephrine below 1:200,000 never removes a dose error."""
    catalog = load_catalog().catalog
    patient = Patient(id="T-60", weight=Quantity(60.0, "kg"))
    admin = Administration(volume_per_session=Quantity(100.0, "mL"), points_per_session=100)
    plain = Component(product="lidocaine-hcl-2pct-20ml-mdv", volume=Quantity(lidocaine, "mL"))
    # 1:100,000 = 0.01 mg/mL; at most 0.5 mL in 100 mL is 0.00005 mg/mL, below 0.005.
    cartridge = Component(
        product="lidocaine-hcl-2pct-epinephrine-1-100000-1.7ml-cartridge",
        volume=Quantity(trace, "mL"),
    )

    def errors(*components: Component) -> set[str]:
        formulation = Formulation(
            id="lidocaine",
            name="Lidocaine",
            route="subcutaneous",
            final_volume=Quantity(100.0, "mL"),
            diluent="sodium-chloride-0.9-100ml",
            components=components,
            administration=admin,
        )
        return {f.code for f in check(formulation, catalog, patient)[1] if f.severity == "error"}

    before = errors(plain) & {"dose.per-kg", "dose.session"}
    after = errors(plain, cartridge)
    assert before <= after


class TestEveryActiveAccountedFor:
    """2. 2 g caffeine and 1 mg epinephrine for a pregnant patient: nothing passes silently."""

    def test_check(self) -> None:
        code, text = run(
            "check",
            str(SAFETY / "caffeine-epinephrine.toml"),
            "--patient",
            str(SAFETY / "patient-pregnant-60kg.toml"),
            "--catalog",
            str(DATA / "catalog-caffeine"),
        )
        assert 1 == code, text
        # Since issue 17 caffeine carries its label's maximum single dose (500 mg, IM/IV,
        # advisory): 2 g is a warning, no longer an unlimited active.
        assert "warning dose.session caffeine 2000 mg per session exceeds the advisory" in text
        assert text.count("warning contra.unknown") == 2
        assert "error dose.session epinephrine" in text
        assert "without a dose limit" not in text.splitlines()[-1]

    def test_json_summary_counts_them(self) -> None:
        code, text = run(
            "validate",
            "--format",
            "json",
            str(EXAMPLES / "hair-revitalizing.toml"),
            "--min-severity",
            "error",
        )
        assert (0, 1) == (code, json.loads(text)["summary"]["nolimit"])

    def test_vehicles_need_no_limit(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "lidocaine-418mg.toml")
        assert not [f for f in found if f.code == "dose.nolimit"]


@given(data=st.data())
def test_every_active_has_a_limit_or_a_nolimit_finding(data: st.DataObject) -> None:
    """Property: every active of any composed formulation is covered by an applicable limit
    or reported as dose.nolimit."""
    loaded = load_catalog()
    catalog = loaded.catalog
    worksheet, found = check(data.draw(formulations(loaded)), catalog)
    nolimit = {f.ingredient for f in found if f.code == "dose.nolimit"}
    for content in worksheet.contents:
        if content.total_value > 0 and is_active(content, catalog):
            assert catalog.limits_of(content.ingredient) or content.ingredient in nolimit


class TestAdditive:
    """3. Local anaesthetics add up."""

    def test_two_under_their_own_maxima_exceed_together(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "lidocaine-procaine.toml")
        (additive,) = [f for f in found if f.code == "dose.additive"]
        assert "error" == additive.severity
        assert (
            "lidocaine-hcl 288 mg (96% of 300 mg) + procaine-hcl 582 mg (97% of 600 mg) = 193%"
        ) in additive.message
        assert not [f for f in found if f.code == "dose.session" and f.severity == "error"]


@given(
    lidocaine=st.floats(min_value=0.5, max_value=14.9),
    procaine=st.floats(min_value=1.0, max_value=59.9),
)
def test_additive_fraction_is_the_sum_of_the_members(lidocaine: float, procaine: float) -> None:
    """Property: dose.additive fires exactly when lidocaine/300 mg + procaine/600 mg > 1."""
    catalog = load_catalog().catalog
    formulation = Formulation(
        id="two",
        name="Two anaesthetics",
        route="subcutaneous",
        final_volume=Quantity(100.0, "mL"),
        diluent="sodium-chloride-0.9-100ml",
        components=(
            Component(product="lidocaine-hcl-2pct-20ml-mdv", volume=Quantity(lidocaine, "mL")),
            Component(product="procaine-hcl-1pct-30ml-mdv", volume=Quantity(procaine, "mL")),
        ),
        administration=Administration(
            volume_per_session=Quantity(100.0, "mL"), points_per_session=100
        ),
    )
    worksheet, found = check(formulation, catalog, resolution=None)
    total = (
        worksheet.content("lidocaine-hcl").per_session_value / 300.0  # type: ignore[operator]
        + worksheet.content("procaine-hcl").per_session_value / 600.0  # type: ignore[operator]
    )
    fired = [f for f in found if f.code == "dose.additive"]
    if total > 1 + 1e-6:
        assert 1 == len(fired)
        shown = float(fired[0].message.split(" = ")[1].split("%")[0])
        assert math.isclose(shown, total * 100, abs_tol=0.5)
    elif total < 1 - 1e-6:
        assert [] == fired


class TestJustification:
    """4. An empty justification accepts nothing."""

    def test_validate_still_fails(self) -> None:
        code, text = run("validate", str(SAFETY / "unsafe-blank-justification.toml"))
        assert 1 == code
        assert "error status.withdrawn" in text
        assert "error compat.no-admixture" in text
        assert text.count("error file.schema accepted_risks[") == 3
        assert "accepted:" not in text

    def test_a_written_justification_is_shown(self, loaded: LoadedCatalog) -> None:
        formulation = load(SAFETY / "unsafe-blank-justification.toml", Formulation)
        # a status.* risk names its ingredient (SPEC §9.2)
        risks = tuple(
            attrs.evolve(
                r,
                justification="prescriber accepts: teaching case",
                ingredient="buflomedil" if r.code == "status.withdrawn" else None,
            )
            for r in formulation.accepted_risks
        )
        found = check(attrs.evolve(formulation, accepted_risks=risks), loaded.catalog)[1]
        withdrawn = next(f for f in found if f.code == "status.withdrawn")
        assert ("warning", "prescriber accepts: teaching case") == (
            withdrawn.severity,
            withdrawn.justification,
        )


class TestCatalogThatCannotBeRead:
    """5. A clinic catalog that cannot be read stops every command."""

    @pytest.mark.parametrize(
        "argv",
        [
            ["compose", str(EXAMPLES / "hair-revitalizing.toml")],
            [
                "check",
                str(EXAMPLES / "hair-revitalizing.toml"),
                "--patient",
                str(EXAMPLES / "patient-P-0042.toml"),
            ],
            ["catalog", "list"],
            ["catalog", "show", "lidocaine-hcl"],
            ["record", "master", str(EXAMPLES / "hair-revitalizing.toml")],
        ],
    )
    def test_a_syntax_error_stops_the_command(self, argv: list[str]) -> None:
        code, text = run(*argv, "--catalog", str(SAFETY / "house-broken"))
        assert 1 == code, text
        assert "house.toml" in text
        assert "error file.syntax" in text
        assert "WORKSHEET" not in text
        assert "Lidocaine" not in text

    def test_stock_plan_and_consume_do_nothing(self, tmp_path: Path) -> None:
        db = str(tmp_path / "stock.db")
        assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, *RECEIVED)[0]
        for command in ("plan", "consume"):
            extra = ["--batch-id", "B-1"] if command == "consume" else []
            code, text = run(
                "stock",
                command,
                str(EXAMPLES / "hair-revitalizing.toml"),
                "--db",
                db,
                "--at",
                "2026-12-01T10:00",
                *extra,
                "--catalog",
                str(SAFETY / "house-broken"),
            )
            assert 1 == code, text
        code, text = run("stock", "history", "--db", db, "--format", "json")
        assert "B-1" not in text

    def test_an_upper_case_suffix_is_loaded_and_applied(self) -> None:
        code, text = run(
            "compose",
            str(EXAMPLES / "hair-revitalizing.toml"),
            "--catalog",
            str(SAFETY / "house-upper"),
        )
        assert 1 == code
        assert "NOT FOR COMPOUNDING" in text
        assert "house rule (test fixture)" in text

    def test_a_broken_link_is_reported(self, tmp_path: Path) -> None:
        folder = tmp_path / "clinic"
        folder.mkdir()
        (folder / "house.toml").symlink_to(tmp_path / "gone.toml")
        code, text = run("catalog", "list", "--catalog", str(folder))
        assert 1 == code
        assert "error file.io" in text

    def test_validate_reports_and_goes_on(self) -> None:
        code, text = run(
            "validate",
            str(EXAMPLES / "hair-revitalizing.toml"),
            "--catalog",
            str(SAFETY / "house-broken"),
        )
        assert 1 == code
        assert "error file.syntax" in text
        assert "hair-revitalizing.toml:" in text


class TestComposeShowsWhatIsWrong:
    """6. compose does not print a clean, signable worksheet for the unsafe example."""

    def test_text(self) -> None:
        code, text = run("compose", str(EXAMPLES / "unsafe-cocktail.toml"))
        assert 1 == code
        first = text.splitlines()[0]
        assert first.startswith("NOT FOR COMPOUNDING: ")
        assert first.endswith(" error(s)")
        assert "status.withdrawn" in text.split("WORKSHEET")[0]

    def test_json_and_markdown(self) -> None:
        code, text = run("compose", "--format", "json", str(EXAMPLES / "unsafe-cocktail.toml"))
        assert (1, False) == (code, json.loads(text)["compoundable"])
        code, text = run("compose", "--format", "markdown", str(EXAMPLES / "unsafe-cocktail.toml"))
        assert 1 == code
        assert text.startswith("**NOT FOR COMPOUNDING: ")

    def test_a_safe_example_has_no_banner(self) -> None:
        code, text = run("compose", str(EXAMPLES / "hair-revitalizing.toml"))
        assert 0 == code
        assert text.startswith("WORKSHEET")


class TestModelsAreValidated:
    """7. The Python API is as strict as the files; catalog values are immutable."""

    def test_pounds_are_refused(self) -> None:
        with pytest.raises(UnitError) as caught:
            Patient(id="P", weight=Quantity(88, "lb"))
        assert "unit.unknown" == caught.value.code

    def test_a_mass_is_no_body_weight(self) -> None:
        with pytest.raises(UnitError) as caught:
            Patient(id="P", weight=Quantity(40_000.0, "mg"))
        assert "unit.dimension" == caught.value.code

    @pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
    def test_nan_infinity_negative(self, value: float) -> None:
        with pytest.raises(UnitError):
            Patient(id="P", weight=Quantity(value, "kg"))

    def test_a_text_field_of_two_lines(self) -> None:
        with pytest.raises(ValueError, match="one line"):
            Patient(id="P-1\nP-2")

    def test_catalog_values_are_frozen(self, loaded: LoadedCatalog) -> None:
        product = loaded.catalog.products["lidocaine-hcl-2pct-5ml"]
        assert isinstance(hash(product), int)
        assert isinstance(hash(loaded.catalog), int)
        with pytest.raises(TypeError):
            product.strengths["lidocaine-hcl"] = Quantity(1.0, "mg/mL")  # type: ignore[index]
        with pytest.raises(TypeError):
            loaded.catalog.products["x"] = product  # type: ignore[index]

    def test_a_tiny_container_is_out_of_range(self) -> None:
        with pytest.raises(UnitError) as caught:
            Product(
                id="x",
                name="x",
                container="vial",
                use="single-dose",
                sterile=True,
                volume=Quantity(0.0001, "mL"),
            )
        assert "value.range" == caught.value.code


class TestAllergyTerms:
    """8. Allergy terms are matched as people write them."""

    def test_hyaluronidase_covers_every_source(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "hyaluronidase-ovine.toml", "patient-allergies.toml")
        assert "allergen.direct" in codes(found, "error")
        ingredients, _groups = loaded.catalog.allergy("Hyaluronidase")
        assert {
            "hyaluronidase-bovine",
            "hyaluronidase-ovine",
            "hyaluronidase-human-recombinant",
        } <= ingredients

    @pytest.mark.parametrize(
        ("term", "group"),
        [
            ("sulphites", "sulfite"),
            ("Sulfites", "sulfite"),
            ("metabisulphite", "sulfite"),
            ("bisulfate", "sulfite"),
            ("soy lecithin", "soy"),
            ("benzocaine", "ester-local-anesthetic"),
            ("Tetracaine", "ester-local-anesthetic"),
            ("chloroprocaine", "ester-local-anesthetic"),
            ("parabens", "paraben"),
            ("salmon", "salmon-peptide"),
        ],
    )
    def test_spellings(self, loaded: LoadedCatalog, term: str, group: str) -> None:
        assert group in loaded.catalog.allergy(term)[1]

    def test_unknown_term_gets_did_you_mean(self, loaded: LoadedCatalog) -> None:
        patient = load(SAFETY / "patient-allergies.toml", Patient)
        (unknown,) = patient_term_findings(patient, loaded.catalog)
        assert "allergies[4]" == unknown.location
        assert "did you mean" in unknown.message

    def test_benzocaine_allergy_flags_procaine(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "lidocaine-procaine.toml", "patient-allergies.toml")
        procaine = [f for f in found if f.ingredient == "procaine-hcl"]
        assert "allergen.direct" in codes(procaine)


class TestOneLineText:
    """9. A name with a newline cannot forge a label; arguments are one line."""

    def test_file(self) -> None:
        document = read(SAFETY / "name-newline.toml")
        assert document.model is None
        (problem,) = document.findings
        assert ("file.schema", "name", 4) == (problem.code, problem.location, problem.line)
        assert "newline" in problem.message

    def test_command_line(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _ = run("validate", str(EXAMPLES / "hair-revitalizing.toml"), "--catalog", "a\nb")
        assert 2 == code
        assert "\\n" in capsys.readouterr().err

    def test_output_never_prints_control_characters(self, tmp_path: Path) -> None:
        path = tmp_path / "evil\x1b[31m.toml"
        shutil.copy(EXAMPLES / "hair-revitalizing.toml", path)
        _, text = run("validate", str(tmp_path))
        assert "\x1b" not in text
        assert "\\x1b" in text


class TestRoundingAndRanges:
    """10. Rounding that moves a concentration by 19 % is an error; weights in range."""

    def test_rounding(self, loaded: LoadedCatalog) -> None:
        found = checked(loaded, "rounding-21pct.toml")
        (rounding,) = [f for f in found if f.code == "volume.rounding"]
        assert "error" == rounding.severity
        assert "-19.35%" in rounding.message

    @pytest.mark.parametrize("patient", ["patient-620kg.toml", "patient-0.5kg.toml"])
    def test_implausible_weights(self, patient: str) -> None:
        code, text = run("validate", str(SAFETY / patient))
        assert 1 == code
        assert "error value.range weight" in text


def test_the_json_schema_takes_both_condition_forms() -> None:
    """A bare id and a threshold table are both valid conditions for other validators."""
    from mesoformula.files.schema import json_schema

    jsonschema = pytest.importorskip("jsonschema")  # in the test extra: runs in CI

    limit = {
        "basis": "session",
        "max": "1 mg",
        "source": "s",
        "unless_present": ["epinephrine", {"ingredient": "epinephrine", "at_least": "1:200000"}],
    }
    data = {
        "format": "mesoformula.catalog/1",
        "ingredients": [{"id": "x", "name": "x", "class": "anesthetic", "limits": [limit]}],
    }
    jsonschema.validate(data, json_schema("catalog"))
