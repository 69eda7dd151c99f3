"""Tests for mesoformula.checks: one per finding code, clean cases, and properties."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.cli import main
from mesoformula.files import load
from mesoformula.files.catalogs import LoadedCatalog, load_catalog
from mesoformula.findings import Finding
from mesoformula.formulation import AcceptedRisk, Administration, Component, Formulation
from mesoformula.patient import Patient
from mesoformula.rules.checks import accept_risks, check
from mesoformula.rules.references import patient_term_findings
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES
from .test_compose import formulations

CHECK = DATA / "check"


@pytest.fixture(scope="module")
def compounded() -> LoadedCatalog:
    """The shipped catalog plus a clinic's compounded dutasteride."""
    return load_catalog([DATA / "catalog-compounded"])


@pytest.fixture(scope="module")
def house() -> LoadedCatalog:
    """The shipped catalog plus house rules (3 mg/kg lidocaine, a mass limit for an enzyme)."""
    return load_catalog([DATA / "catalog-policy"])


def run(loaded: LoadedCatalog, formulation: str, patient: str | None = None) -> list[Finding]:
    subject = load(CHECK / formulation, Formulation)
    person = load(CHECK / patient, Patient) if patient else None
    return check(subject, loaded.catalog, person)[1]


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


class TestDoseLimits:
    """Dose limits: per kg with conditions, per point, per session, per course."""

    def test_per_kg_for_a_40_kg_patient(self, loaded: LoadedCatalog) -> None:
        """200 mg lidocaine for 40 kg exceeds 4.5 mg/kg (180 mg): dose.per-kg, with source."""
        (finding,) = only(run(loaded, "lidocaine-200mg.toml", "patient-40kg.toml"), "dose.per-kg")
        assert ("error", "lidocaine-hcl") == (finding.severity, finding.ingredient)
        assert Quantity(200.0, "mg") == finding.value
        assert finding.limit is not None
        assert 180.0 == pytest.approx(finding.limit.value)
        assert "4.5 mg/kg x 40 kg = 180 mg" in finding.message
        assert finding.source is not None
        assert "4.5 mg/kg" in finding.source

    def test_exactly_at_the_limit_passes(self, loaded: LoadedCatalog) -> None:
        """180 mg for 40 kg is exactly 4.5 mg/kg and passes (no float-noise alarm)."""
        findings = run(loaded, "lidocaine-180mg.toml", "patient-40kg.toml")
        assert [] == [f for f in findings if f.code.startswith("dose.")]

    def test_epinephrine_raises_the_limit(self, loaded: LoadedCatalog) -> None:
        """100 mg for 20 kg: over 4.5 mg/kg (90 mg) plain; within 7 mg/kg (140 mg) with epi."""
        administration = load(CHECK / "lidocaine-200mg.toml", Formulation).administration
        patient = Patient(id="small", weight=Quantity(20.0, "kg"))

        def lidocaine(product: str) -> list[Finding]:
            formulation = Formulation(
                id="l",
                name="l",
                route="subcutaneous",
                final_volume=Quantity(20.0, "mL"),
                components=(Component(product=product, volume=Quantity(20.0, "mL")),),
                administration=administration,
            )
            return only(check(formulation, loaded.catalog, patient)[1], "dose.per-kg")

        (plain,) = lidocaine("lidocaine-hcl-1pct-20ml-mdv")
        assert "4.5 mg/kg x 20 kg = 90 mg" in plain.message
        assert [] == lidocaine("lidocaine-hcl-1pct-epinephrine-1-100000-20ml-mdv")

    def test_point_session_course(self, loaded: LoadedCatalog) -> None:
        """Deoxycholic acid 12 mL in 0.3 mL points x 8 sessions: point, session and course."""
        findings = run(loaded, "deoxycholate-overdose.toml")
        assert {"dose.point", "dose.session", "dose.course"} == {
            f.code for f in findings if f.code.startswith("dose.") and f.severity == "error"
        }
        (course,) = only(findings, "dose.course")
        assert (Quantity(960.0, "mg"), Quantity(600.0, "mg")) == (course.value, course.limit)

    def test_label_use_is_clean(self, loaded: LoadedCatalog) -> None:
        """Deoxycholic acid as labelled (2 mg/point, 100 mg/session, 6 sessions) is clean."""
        assert [] == run(loaded, "deoxycholate-alone.toml", "patient-40kg.toml")

    def test_advisory_warning(self, loaded: LoadedCatalog) -> None:
        """Procaine 400 mg per session: over the 350 mg advisory norm (warning) only."""
        formulation = Formulation(
            id="procaine-400",
            name="procaine",
            route="subcutaneous",
            final_volume=Quantity(40.0, "mL"),
            components=(
                Component(product="procaine-hcl-1pct-30ml-mdv", volume=Quantity(40.0, "mL")),
            ),
            administration=Administration(
                volume_per_session=Quantity(40.0, "mL"), points_per_session=100
            ),
        )
        (finding,) = only(check(formulation, loaded.catalog)[1], "dose.session")
        assert ("warning", Quantity(400.0, "mg"), Quantity(350.0, "mg")) == (
            finding.severity,
            finding.value,
            finding.limit,
        )
        assert "advisory norm" in finding.message

    def test_without_weight_is_unchecked_with_minimum_weight(self, loaded: LoadedCatalog) -> None:
        """No weight: dose.unchecked (warning) naming the minimum weight, never fine."""
        (finding,) = only(
            run(loaded, "lidocaine-200mg.toml", "patient-no-weight.toml"), "dose.unchecked"
        )
        assert "warning" == finding.severity
        assert "at least 44.4444 kg" in finding.message

    def test_validate_reports_per_kg_as_info(self, loaded: LoadedCatalog) -> None:
        """Without a patient (validate), per-kg limits are reported as not checked (info)."""
        (finding,) = only(run(loaded, "lidocaine-200mg.toml"), "dose.unchecked")
        assert "info" == finding.severity

    def test_no_administration_is_unchecked(self, loaded: LoadedCatalog) -> None:
        """Without an administration, per-session limits are not checked (warning)."""
        findings = only(run(loaded, "hyaluronidase-epinephrine.toml"), "dose.unchecked")
        assert {"warning"} == {f.severity for f in findings}

    def test_activity_without_factor_is_unchecked(self, house: LoadedCatalog) -> None:
        """A mass limit on a USP-unit dose without activity_mass is dose.unchecked."""
        formulation = load(DATA / "compose" / "activity.toml", Formulation)
        findings = only(check(formulation, house.catalog)[1], "dose.unchecked")
        assert any(
            "hyaluronidase-bovine" == f.ingredient and "no factor" in f.message for f in findings
        )

    def test_house_rule_is_strictest_and_named(self, house: LoadedCatalog) -> None:
        """A 3 mg/kg house rule decides at 150 mg for 40 kg, and names its own source."""
        formulation = load(CHECK / "lidocaine-200mg.toml", Formulation)
        patient = load(CHECK / "patient-40kg.toml", Patient)
        (finding,) = only(check(formulation, house.catalog, patient)[1], "dose.per-kg")
        assert finding.source is not None
        assert finding.source.startswith("House rule HR-12")
        assert finding.limit is not None
        assert 120.0 == pytest.approx(finding.limit.value)


class TestAllergens:
    """Allergies: direct (actives and excipients) and through cross-reactivity."""

    def test_procaine_for_paba_allergy(self, loaded: LoadedCatalog) -> None:
        """Procaine for a PABA-allergic patient: allergen.cross (error) with the rule's source."""
        (finding,) = only(run(loaded, "procaine.toml", "patient-paba.toml"), "allergen.cross")
        assert ("error", "procaine-hcl") == (finding.severity, finding.ingredient)
        assert finding.source is not None
        assert "StatPearls" in finding.source

    def test_paraben_through_excipient(self, loaded: LoadedCatalog) -> None:
        """A paraben allergy and a multi-dose lidocaine vial: allergen.direct on the excipient."""
        (finding,) = only(
            run(loaded, "lidocaine-mdv.toml", "patient-paraben.toml"), "allergen.direct"
        )
        assert ("error", "methylparaben") == (finding.severity, finding.ingredient)
        assert "an excipient" in finding.message

    def test_synonym_case_insensitive(self, loaded: LoadedCatalog) -> None:
        """'Xylocaine' matches lidocaine-hcl, case-insensitively."""
        findings = run(loaded, "lidocaine-mdv.toml", "patient-no-weight.toml")
        assert ["lidocaine-hcl"] == [f.ingredient for f in only(findings, "allergen.direct")]

    def test_unknown_term_is_reported(self, loaded: LoadedCatalog) -> None:
        """An allergy term the catalog does not know is a warning naming the term."""
        patient = load(CHECK / "patient-no-weight.toml", Patient)
        (finding,) = patient_term_findings(patient, loaded.catalog)
        assert ("allergen.unknown", "warning") == (finding.code, finding.severity)
        assert "'unobtainium'" in finding.message

    def test_no_allergy_no_finding(self, loaded: LoadedCatalog) -> None:
        """A paraben allergy and preservative-free lidocaine: nothing."""
        subject = load(EXAMPLES / "hair-revitalizing.toml", Formulation)
        patient = load(CHECK / "patient-paraben.toml", Patient)
        assert [] == [f for f in check(subject, loaded.catalog, patient)[1] if f.severity != "info"]


class TestCompatibility:
    """Incompatible pairs and no-admixture products."""

    def test_hyaluronidase_with_lidocaine_epinephrine(self, loaded: LoadedCatalog) -> None:
        """Hyaluronidase with lidocaine-epinephrine: compat.pair errors (sulfite, alpha-agonist)."""
        errors = [
            f
            for f in only(run(loaded, "hyaluronidase-epinephrine.toml"), "compat.pair")
            if f.severity == "error"
        ]
        messages = " ".join(f.message for f in errors)
        assert 2 == len(errors)
        assert "metabisulfite" in messages
        assert "alpha-agonist" in messages

    def test_deoxycholate_mixed(self, loaded: LoadedCatalog) -> None:
        """Deoxycholic acid diluted with saline: compat.no-admixture at its component."""
        (finding,) = only(run(loaded, "deoxycholate-mixed.toml"), "compat.no-admixture")
        assert ("error", "components[0]") == (finding.severity, finding.location)

    def test_inferred_rules_are_warnings(self, loaded: LoadedCatalog) -> None:
        """pH-inferred incompatibilities are warnings and say they are inferred."""
        inferred = [
            f for f in run(loaded, "hyaluronidase-epinephrine.toml") if "inferred" in f.message
        ]
        assert inferred
        assert {"warning"} == {f.severity for f in inferred}

    def test_one_product_is_not_a_pair(self, loaded: LoadedCatalog) -> None:
        """Ingredients formulated together in one product are not flagged against each other."""
        findings = run(loaded, "lidocaine-mdv.toml")
        assert [] == only(findings, "compat.pair")


class TestStatus:
    """Withdrawn and contraindicated actives."""

    def test_buflomedil(self, loaded: LoadedCatalog) -> None:
        """Buflomedil: status.withdrawn with the reason."""
        (finding,) = only(run(loaded, "buflomedil.toml"), "status.withdrawn")
        assert "error" == finding.severity
        assert "CHMP" in finding.message

    def test_dutasteride_pregnant(self, compounded: LoadedCatalog) -> None:
        """Dutasteride for a pregnant patient: contra.pregnancy (error)."""
        (finding,) = only(
            run(compounded, "dutasteride.toml", "patient-pregnant.toml"), "contra.pregnancy"
        )
        assert ("error", "dutasteride") == (finding.severity, finding.ingredient)

    def test_dutasteride_not_pregnant(self, compounded: LoadedCatalog) -> None:
        """The same for a patient who is not pregnant: nothing."""
        assert [] == [
            f
            for f in run(compounded, "dutasteride.toml", "patient-not-pregnant.toml")
            if f.severity != "info"
        ]

    def test_dutasteride_pregnancy_not_recorded(self, compounded: LoadedCatalog) -> None:
        """A patient file that does not say pregnant is not 'not pregnant' (SPEC §9.2)."""
        found = [
            f
            for f in run(compounded, "dutasteride.toml", "patient-40kg.toml")
            if f.severity != "info"
        ]
        assert [("patient.unknown", "warning", "dutasteride")] == [key(f) for f in found]
        assert "record pregnant = true or false" in found[0].message


class TestAcceptedRisks:
    """Accepted risks are downgraded with their justification, never dropped."""

    def test_downgraded_with_justification(self, loaded: LoadedCatalog) -> None:
        """The accepted allergen.direct is a warning carrying the justification."""
        (finding,) = only(run(loaded, "accepted.toml", "patient-paraben.toml"), "allergen.direct")
        assert "warning" == finding.severity
        assert finding.justification is not None
        assert finding.justification.startswith("Negative intradermal test")

    def test_other_ingredients_not_accepted(self) -> None:
        """A risk names an ingredient: the same code on another ingredient stays an error."""
        risk = AcceptedRisk(code="allergen.direct", ingredient="methylparaben", justification="ok")
        other = Finding(code="allergen.direct", severity="error", message="m", ingredient="sulfite")
        assert [other] == accept_risks([other], [risk])

    def test_policy_file_risks(self, tmp_path: Path) -> None:
        """
        A catalog (policy) file accepts a risk for the formulations it names only, and
        for the ingredient it names (SPEC §9.2).
        """
        (tmp_path / "policy.toml").write_text(
            'format = "mesoformula.catalog/1"\n[[accepted_risks]]\ncode = "status.withdrawn"\n'
            'ingredient = "buflomedil"\nformulations = ["buflomedil"]\n'
            'justification = "Teaching only"\n'
        )
        loaded = load_catalog([tmp_path])
        assert [] == [f for _, f in loaded.findings if f.severity == "error"]
        formulation = load(CHECK / "buflomedil.toml", Formulation)
        (finding,) = only(check(formulation, loaded.catalog)[1], "status.withdrawn")
        assert ("warning", "Teaching only") == (finding.severity, finding.justification)
        other = attrs.evolve(formulation, id="another")
        (finding,) = only(check(other, loaded.catalog)[1], "status.withdrawn")
        assert ("error", None) == (finding.severity, finding.justification)

    @pytest.mark.parametrize(
        ("risk", "field"),
        [
            ('code = "allergen.direct"\nformulations = ["f"]', "ingredient"),
            ('code = "allergen.direct"\ningredient = "fish-dna"', "formulations"),
            ('code = "compat.pair"', "formulations"),
        ],
    )
    def test_an_unscoped_clinic_risk_accepts_nothing(
        self, tmp_path: Path, risk: str, field: str
    ) -> None:
        """A clinic-wide risk without its ingredient or formulations is a file.schema error."""
        (tmp_path / "policy.toml").write_text(
            f'format = "mesoformula.catalog/1"\n[[accepted_risks]]\n{risk}\n'
            'justification = "every patient"\n'
        )
        loaded = load_catalog([tmp_path])
        (finding,) = [f for _, f in loaded.findings if f.severity == "error"]
        assert ("file.schema", f"accepted_risks[0].{field}") == (finding.code, finding.location)
        assert () == tuple(
            r for r in loaded.catalog.accepted_risks if r.problem(clinic=True) is None
        )

    def test_a_formulation_risk_without_its_ingredient(self, loaded: LoadedCatalog) -> None:
        """An allergen.* acceptance without an ingredient would accept every allergen."""
        formulation = attrs.evolve(
            load(CHECK / "buflomedil.toml", Formulation),
            accepted_risks=(AcceptedRisk(code="status.withdrawn", justification="teaching"),),
        )
        found = check(formulation, loaded.catalog)[1]
        assert "error" == only(found, "status.withdrawn")[0].severity
        (schema,) = only(found, "file.schema")
        assert "accepted_risks[0].ingredient" == schema.location


class TestCleanExamples:
    """The shipped safe examples give no error or warning for their patients."""

    @pytest.mark.parametrize("name", ["hair-revitalizing.toml", "brightening.json"])
    def test_clean(self, loaded: LoadedCatalog, name: str) -> None:
        """No error and no warning for a 62 kg patient allergic to parabens and procaine."""
        subject = load(EXAMPLES / name, Formulation)
        patient = load(EXAMPLES / "patient-P-0042.toml", Patient)
        assert [] == [f for f in check(subject, loaded.catalog, patient)[1] if f.severity != "info"]


def key(finding: Finding) -> tuple[str, str, str | None]:
    return (finding.code, finding.severity, finding.ingredient)


PATIENTS = st.builds(
    Patient,
    id=st.just("p"),
    weight=st.none() | st.floats(20, 120).map(lambda w: Quantity(w, "kg")),
    allergies=st.lists(
        st.sampled_from(["paraben", "sulfite", "PABA", "procaine", "thiamine"]), max_size=2
    ).map(tuple),
    pregnant=st.booleans(),
)


class TestProperties:
    """Invariants of the checks."""

    @settings(max_examples=75)
    @given(data=st.data())
    def test_adding_a_component_never_removes_an_error(
        self, loaded: LoadedCatalog, data: st.DataObject
    ) -> None:
        """Errors of a formulation are still there after one more component."""
        formulation = data.draw(formulations(loaded))
        patient = data.draw(PATIENTS)
        extra = data.draw(formulations(loaded)).components[0]
        bigger = attrs.evolve(formulation, components=(*formulation.components, extra))
        before = {
            key(f)
            for f in check(formulation, loaded.catalog, patient)[1]
            if f.severity == "error"
            and f.code.startswith(("dose.", "allergen.", "compat.", "status.", "contra."))
        }
        after = {key(f) for f in check(bigger, loaded.catalog, patient)[1] if f.severity == "error"}
        # adding volume can only raise amounts; doses per session do not fall
        assert before <= after

    @settings(max_examples=75)
    @given(data=st.data(), batches=st.integers(2, 6))
    def test_batches_never_change_per_session_findings(
        self, loaded: LoadedCatalog, data: st.DataObject, batches: int
    ) -> None:
        """Scaling batches never changes per-session, per-kg, point or course findings."""
        from mesoformula.composition import compose
        from mesoformula.rules.checks import check_preparation

        formulation = data.draw(formulations(loaded))
        patient = data.draw(PATIENTS)
        codes = ("dose.session", "dose.per-kg", "dose.point", "dose.course", "dose.concentration")
        one = check_preparation(compose(formulation, loaded.catalog), loaded.catalog, patient)
        many = check_preparation(
            compose(formulation, loaded.catalog, batches=batches), loaded.catalog, patient
        )
        assert sorted(key(f) for f in one if f.code in codes) == sorted(
            key(f) for f in many if f.code in codes
        )

    @settings(max_examples=75)
    @given(data=st.data())
    def test_reordering_never_changes_findings(
        self, loaded: LoadedCatalog, data: st.DataObject
    ) -> None:
        """Reordering the components never changes the findings (locations aside)."""
        formulation = data.draw(formulations(loaded))
        patient = data.draw(PATIENTS)
        shuffled = data.draw(st.permutations(formulation.components))
        other = attrs.evolve(formulation, components=tuple(shuffled))
        first = sorted(key(f) for f in check(formulation, loaded.catalog, patient)[1])
        second = sorted(key(f) for f in check(other, loaded.catalog, patient)[1])
        assert first == second


class TestCheckCommand:
    """mesoformula check as a user runs it."""

    def run(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main(list(argv), out=out), out.getvalue()

    def test_unsafe_example_for_its_patient(self) -> None:
        """The unsafe example gives several findings and exits 1, in JSON too."""
        code, text = self.run(
            "check",
            str(EXAMPLES / "unsafe-cocktail.toml"),
            "--patient",
            str(EXAMPLES / "patient-P-0311.toml"),
            "--format",
            "json",
        )
        assert 1 == code
        data = json.loads(text)
        found = {f["code"] for file in data["files"] for f in file["findings"]}
        assert {
            "dose.per-kg",
            "allergen.cross",
            "allergen.direct",
            "compat.pair",
            "compat.no-admixture",
            "status.withdrawn",
        } <= found
        per_kg = next(
            f for file in data["files"] for f in file["findings"] if f["code"] == "dose.per-kg"
        )
        assert {"value": 300.0, "unit": "mg"} == per_kg["value"]
        assert {"ingredient", "limit", "source"} <= set(per_kg)

    def test_clean_exit_0(self) -> None:
        """A safe formulation for its patient exits 0."""
        code, _ = self.run(
            "check",
            str(EXAMPLES / "hair-revitalizing.toml"),
            "--patient",
            str(EXAMPLES / "patient-P-0042.toml"),
        )
        assert 0 == code

    def test_patient_problems_reported(self) -> None:
        """Unknown allergy terms are reported against the patient file."""
        code, text = self.run(
            "check",
            str(CHECK / "lidocaine-mdv.toml"),
            "--patient",
            str(CHECK / "patient-no-weight.toml"),
        )
        assert 1 == code  # allergic to Xylocaine
        assert "patient-no-weight.toml:3: warning allergen.unknown" in text

    def test_usage(self) -> None:
        """--patient is required; missing files exit 2."""
        assert 2 == self.run("check", str(CHECK / "procaine.toml"))[0]
        assert 2 == self.run("check", str(CHECK / "procaine.toml"), "--patient", "nope.toml")[0]

    def test_broken_patient_file(self, tmp_path: Path) -> None:
        """A broken patient file is reported, and the patient checks say they did not run."""
        bad = tmp_path / "p.toml"
        bad.write_text('format = "mesoformula.patient/1"\nid = "x"\nweight = "62 KG"\n')
        code, text = self.run("check", str(CHECK / "procaine.toml"), "--patient", str(bad))
        assert 1 == code
        assert "unit.unknown" in text
        assert "patient-specific checks were not run" in text
