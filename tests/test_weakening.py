"""
Nothing weakens the checks without saying so (SPEC §9.2): the reproductions of the
clinical pharmacist's attempts, and the property that relaxing any shipped safety fact
in a house catalog is said (``catalog.weakened``) while tightening never is.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.catalog import Catalog, CatalogFile
from mesoformula.catalog_changes import weakenings
from mesoformula.cli import main
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.units import Quantity

from .conftest import DATA, EXAMPLES

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def house(tmp_path: Path, text: str) -> str:
    folder = tmp_path / "house"
    folder.mkdir(exist_ok=True)
    (folder / "house.toml").write_text(
        'format = "mesoformula.catalog/1"\n' + text, encoding="utf-8"
    )
    return str(folder)


def formulation(tmp_path: Path, body: str, name: str = "f.toml") -> str:
    path = tmp_path / name
    path.write_text(
        'format = "mesoformula.formulation/1"\nid = "f"\nname = "F"\nroute = "intradermal"\n'
        + body
        + '\n[preparation]\ncategory = 1\nstorage = "room"\n',
        encoding="utf-8",
    )
    return str(path)


def patient(tmp_path: Path, body: str) -> str:
    path = tmp_path / "p.toml"
    path.write_text(
        f'format = "mesoformula.patient/1"\nid = "P-1"\nweight = "70 kg"\n{body}\n',
        encoding="utf-8",
    )
    return str(path)


def codes_of(text: str) -> list[str]:
    data = json.loads(text)
    return [f["code"] for r in data["files"] for f in r["findings"]]


class TestHouseCatalogs:
    """Reproduction 1: a house catalog that loosens shipped data is said everywhere."""

    LOOSE = (
        '[[ingredients]]\nid = "lidocaine-hcl"\nname = "Lidocaine hydrochloride"\n'
        'class = "anesthetic"\nallergen_groups = ["amide-local-anesthetic"]\n'
        'synonyms = ["lignocaine", "xylocaine", "Xylocaine", "Xylocaine-MPF", "lidocaine"]\n'
        '  [[ingredients.limits]]\n  basis = "session"\n  max = "1000 mg"\n  source = "house"\n'
    )

    def test_check_says_a_raised_limit(self, tmp_path: Path) -> None:
        code, text = run("check", HAIR, "--patient", PATIENT, "--catalog",
                         house(tmp_path, self.LOOSE), "--format", "json")  # fmt: skip
        assert 0 == code  # a warning: the clinic may mean it, but it is said
        found = [f for r in json.loads(text)["files"] for f in r["findings"]
                 if f["code"] == "catalog.weakened"]  # fmt: skip
        assert 1 == len(found)
        message = found[0]["message"]
        assert "the session limit 300 mg unless epinephrine at 0.005 mg/mL or more" in message
        assert "raised to 1000 mg" in message
        assert "house.toml" in found[0]["message"]

    @pytest.mark.parametrize(
        "argv",
        [
            ["compose", HAIR],
            ["record", "master", HAIR],
            ["stock", "plan", HAIR, "--at", "2026-12-01T10:00"],
        ],
    )
    def test_every_command_says_it(
        self, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        extra = ["--db", str(tmp_path / "s.db")] if argv[0] == "stock" else []
        if extra:
            assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), *extra,
                            "--at", "2026-11-25T09:00")[0]  # fmt: skip
        capsys.readouterr()
        run(*argv, *extra, "--catalog", house(tmp_path, self.LOOSE))
        assert "warning catalog.weakened" in capsys.readouterr().err

    def test_a_withdrawn_drug_back_under_another_name(self, tmp_path: Path) -> None:
        folder = house(
            tmp_path,
            '[[ingredients]]\nid = "loftyl"\nname = "Loftyl"\nclass = "vasodilator"\n'
            'synonyms = ["buflomedil"]\nnotes = "UNSOURCED"\n',
        )
        code, text = run("check", HAIR, "--patient", PATIENT, "--catalog", folder)
        assert 1 == code  # the catalog has an error: nothing is done
        assert "error catalog.collision" in text
        assert "withdrawn" in text

    def test_a_renamed_class_escapes_the_additive_group(self, tmp_path: Path) -> None:
        folder = house(tmp_path, self.LOOSE.replace('"anesthetic"', '"local anaesthetic"'))
        _code, text = run("validate", folder)
        assert "class changed from 'anesthetic' to 'local anaesthetic'" in text

    def test_stripped_excipients_and_lifted_withdrawal(self, loaded: LoadedCatalog) -> None:
        catalog = loaded.catalog
        vial = catalog.products["lidocaine-hcl-2pct-epinephrine-1-100000-20ml-mdv"]
        stripped = attrs.evolve(vial, excipients={})
        said = weakenings(vial, stripped)
        assert any("excipient" in s for s in said)
        buflomedil = catalog.ingredients["buflomedil"]
        assert ["no longer withdrawn"] == weakenings(
            buflomedil, attrs.evolve(buflomedil, status="active", status_reason=None)
        )

    def test_an_identical_copy_says_nothing(self, loaded: LoadedCatalog) -> None:
        for ingredient in loaded.catalog.ingredients.values():
            assert [] == weakenings(ingredient, ingredient)


#: One relaxation of a shipped fact: (entry kind, how to relax it, the words said).
def _raise(entry: Any) -> Any:
    limit = entry.limits[0]
    bigger = attrs.evolve(limit, max=Quantity(limit.max.value * 2, limit.max.unit))
    return attrs.evolve(entry, limits=(bigger, *entry.limits[1:]))


def _drop_limit(entry: Any) -> Any:
    return attrs.evolve(entry, limits=entry.limits[1:])


def _relax_pregnancy(entry: Any) -> Any:
    return attrs.evolve(entry, pregnancy="ok")


def _drop_group(entry: Any) -> Any:
    return attrs.evolve(entry, allergen_groups=entry.allergen_groups[1:])


Relaxation = tuple[Callable[[Any], bool], Callable[[Any], Any], Callable[[Any], str]]

RELAXATIONS: dict[str, Relaxation] = {
    "raise": (lambda i: bool(i.limits), _raise, lambda i: f"limit {i.limits[0].max}"),
    "drop": (lambda i: bool(i.limits), _drop_limit, lambda i: f"limit {i.limits[0].max}"),
    "pregnancy": (lambda i: i.pregnancy in {"caution", "contraindicated"}, _relax_pregnancy,
                  lambda i: f"pregnancy relaxed from {i.pregnancy}"),
    "group": (lambda i: bool(i.allergen_groups), _drop_group,
              lambda i: f"allergen group '{i.allergen_groups[0]}' removed"),
}  # fmt: skip


def _tighten(entry: Any) -> Any:
    limits = tuple(
        attrs.evolve(lim, max=Quantity(lim.max.value / 2, lim.max.unit)) for lim in entry.limits
    )
    return attrs.evolve(
        entry, limits=limits, allergen_groups=(*entry.allergen_groups, "paraben"),
        pregnancy="contraindicated",
    )  # fmt: skip


class TestWeakeningProperty:
    """Relaxing any shipped fact is said, naming it; tightening never is."""

    @settings(max_examples=80)
    @given(data=st.data(), how=st.sampled_from(sorted(RELAXATIONS)))
    def test_relaxing_is_always_said(
        self, loaded: LoadedCatalog, data: st.DataObject, how: str
    ) -> None:
        applies, relax, words = RELAXATIONS[how]
        candidates = sorted(i for i, e in loaded.catalog.ingredients.items() if applies(e))
        ingredient_id = data.draw(st.sampled_from(candidates))
        shipped = loaded.catalog.ingredients[ingredient_id]
        relaxed = relax(shipped)
        house_file = CatalogFile(ingredients=(relaxed,))
        catalog, findings = Catalog.from_files(
            [*loaded.files, ("house.toml", house_file)], house_from=len(loaded.files)
        )
        said = [f for p, f in findings if f.code == "catalog.weakened" and p == "house.toml"]
        assert 1 == len(said), (ingredient_id, how)
        assert ingredient_id in said[0].message
        assert words(shipped) in said[0].message
        assert catalog.ingredients[ingredient_id] == relaxed

    @settings(max_examples=60)
    @given(data=st.data())
    def test_tightening_is_never_said(self, loaded: LoadedCatalog, data: st.DataObject) -> None:
        ingredient_id = data.draw(st.sampled_from(sorted(loaded.catalog.ingredients)))
        shipped = loaded.catalog.ingredients[ingredient_id]
        assert [] == weakenings(shipped, _tighten(shipped))


class TestScopedRisks:
    """Reproduction 2: a clinic-wide allergen acceptance must be scoped."""

    def test_a_fish_allergy_stays_an_error_for_other_formulations(self, tmp_path: Path) -> None:
        folder = house(
            tmp_path,
            '[[accepted_risks]]\ncode = "allergen.direct"\ningredient = "pdrn"\n'
            'formulations = ["only-this-one"]\njustification = "a named exception"\n',
        )
        fish = patient(tmp_path, 'allergies = ["fish"]\npregnant = false')
        code, text = run("check", str(EXAMPLES / "skin-revitalising-pdrn.toml"), "--patient",
                         fish, "--catalog", folder, "--format", "json")  # fmt: skip
        assert 1 == code
        assert "allergen.direct" in codes_of(text)


class TestUnknownIsNotSafe:
    """Reproduction 3: what is missing is never read as safe."""

    def test_an_iv_only_concentrate_given_intradermally(self, tmp_path: Path) -> None:
        path = formulation(
            tmp_path,
            'final_volume = "10 mL"\ndiluent = "sodium-chloride-0.9-10ml"\n'
            '[[components]]\nproduct = "l-lysine-aescinate-1mg-ml-5ml"\nvolume = "1 mL"\n',
        )
        _code, text = run("validate", path)
        assert "info route.offlabel" in text
        assert "1 product(s) off their licensed route" in text.splitlines()[-1]

    def test_a_vitrase_admixture_stored_frozen(self, tmp_path: Path) -> None:
        path = Path(
            formulation(
                tmp_path,
                'final_volume = "10 mL"\ndiluent = "sodium-chloride-0.9-10ml"\n'
                '[[components]]\nproduct = "hyaluronidase-ovine-200usp-ml-1ml"\n'
                'volume = "0.5 mL"\n',
            )
        )
        path.write_text(
            path.read_text().replace('category = 1\nstorage = "room"', 'category = 2\n'
                                     'storage = "freezer"'))  # fmt: skip
        code, text = run("validate", str(path))
        assert 1 == code
        assert "error storage.conflict" in text
        assert "error bud.unassigned" in text

    def test_a_device_with_an_undeclared_amount(self, tmp_path: Path) -> None:
        """A product that lists thiamine without an amount: a thiamine allergy is found."""
        folder = house(
            tmp_path,
            '[[products]]\nid = "booster"\nname = "HA booster with vitamins"\n'
            'container = "vial"\nuse = "single-dose"\nvolume = "3 mL"\nsterile = true\n'
            'strengths = { "sodium-hyaluronate" = "5 mg/mL" }\n'
            'contains = ["thiamine-hcl"]\nsource = "maker leaflet"\n'
            '[[products]]\nid = "inert"\nname = "Nothing declared"\ncontainer = "vial"\n'
            'use = "single-dose"\nvolume = "3 mL"\nsterile = true\nsource = "x"\n',
        )
        path = formulation(
            tmp_path,
            'final_volume = "3 mL"\n[[components]]\nproduct = "booster"\nvolume = "3 mL"\n',
        )
        allergic = patient(tmp_path, 'allergies = ["thiamine"]\npregnant = false')
        code, text = run("check", path, "--patient", allergic, "--catalog", folder,
                         "--format", "json")  # fmt: skip
        assert 1 == code
        found = codes_of(text)
        assert {"allergen.direct", "dose.unknown-amount", "composition.undeclared"} <= set(found)
        assert 1 == json.loads(text)["summary"]["unknown_amount"]

    def test_pregnancy_not_recorded(self, tmp_path: Path) -> None:
        compounded = str(DATA / "catalog-compounded")
        unrecorded = patient(tmp_path, "")
        _code, text = run("check", str(DATA / "check" / "dutasteride.toml"), "--patient",
                         unrecorded, "--catalog", compounded, "--format", "json")  # fmt: skip
        assert "patient.unknown" in codes_of(text)

    def test_a_medication_is_checked(self, tmp_path: Path) -> None:
        anticoagulated = patient(tmp_path, 'medications = ["Apixaban"]\npregnant = false')
        code, text = run("check", HAIR, "--patient", anticoagulated)
        assert 0 == code
        assert "warning contra.medication" in text
        assert "Apixaban (anticoagulant)" in text


class TestTermsAndGroups:
    """Reproduction 4: terms, groups and sums."""

    @pytest.mark.parametrize(
        ("term", "groups"),
        [
            ("local anaesthetic", {"ester-local-anesthetic", "amide-local-anesthetic"}),
            ("Local Anesthetics", {"ester-local-anesthetic", "amide-local-anesthetic"}),
            ("bovine", {"bovine-protein"}),
            ("feathers", {"avian-protein"}),
            ("poultry", {"avian-protein"}),
            ("mercury", {"thimerosal"}),
            ("E218", {"paraben"}),
            ("hyaluronic acid", {"hyaluronan"}),
        ],
    )
    def test_terms(self, loaded: LoadedCatalog, term: str, groups: set[str]) -> None:
        assert groups <= loaded.catalog.allergy(term)[1]

    def test_local_anaesthetic_allergy_refuses_lidocaine(self, tmp_path: Path) -> None:
        allergic = patient(tmp_path, 'allergies = ["local anaesthetic"]\npregnant = false')
        code, text = run("check", HAIR, "--patient", allergic)
        assert (1, True) == (code, "error allergen.direct" in text)

    def test_hyaluronic_acid_reaches_hyalgan(self, tmp_path: Path) -> None:
        path = formulation(
            tmp_path,
            'final_volume = "2 mL"\n[[components]]\n'
            'product = "sodium-hyaluronate-avian-10mg-ml-2ml"\nvolume = "2 mL"\n',
        )
        allergic = patient(tmp_path, 'allergies = ["hyaluronic acid"]\npregnant = false')
        _code, text = run("check", path, "--patient", allergic, "--format", "json")
        assert "allergen.direct" in codes_of(text)

    def test_hyaluronidase_and_avian_hyaluronan(self, loaded: LoadedCatalog) -> None:
        """The hyaluronidase x hyaluronan rule reaches the avian HA too."""
        terms = loaded.catalog.terms_of("sodium-hyaluronate-avian")
        assert "hyaluronan" in terms
        assert any(r.b == "hyaluronan" for r in loaded.catalog.incompatibilities)

    def test_three_hyaluronidases_in_one_admixture(self, tmp_path: Path) -> None:
        path = formulation(
            tmp_path,
            'final_volume = "10 mL"\ndiluent = "sodium-chloride-0.9-10ml"\n'
            '[[components]]\nproduct = "hyaluronidase-bovine-150usp-ml-1ml"\nvolume = "1 mL"\n'
            '[[components]]\nproduct = "hyaluronidase-ovine-200usp-ml-1ml"\nvolume = "1 mL"\n'
            '[[components]]\nproduct = "hyaluronidase-recombinant-150usp-ml-1ml"\n'
            'volume = "1 mL"\n',
        )
        _code, text = run("validate", path)
        assert "warning dose.additive hyaluronidases-per-admixture" in text
        assert "hyaluronidase-ovine 200 USP_U (67% of 300 USP_U)" in text


class TestWhatAnOutsideTryFound:
    """The weakenings as a reviewer reads them, and where they are said."""

    def test_a_deleted_limit_says_what_applies_now(self, tmp_path: Path) -> None:
        folder = house(
            tmp_path,
            '[[ingredients]]\nid = "lidocaine-hcl"\nname = "Lidocaine hydrochloride"\n'
            'class = "anesthetic"\nallergen_groups = ["amide-local-anesthetic"]\n'
            'synonyms = ["lidocaine", "lignocaine", "Xylocaine", "Xylocaine-MPF"]\n'
            '  [[ingredients.limits]]\n  basis = "session"\n  max = "500 mg"\n  source = "h"\n'
            '  [[ingredients.limits]]\n  basis = "per-kg-session"\n  max = "7 mg/kg"\n'
            '  source = "h"\n',
        )
        _code, text = run("validate", folder)
        # the plain 300 mg is gone: what applies without epinephrine now is the 500 mg
        old = "the session limit 300 mg unless epinephrine at 0.005 mg/mL or more (error)"
        assert f"{old} raised to 500 mg" in text

    def test_lifting_the_withdrawal_does_not_lift_the_collision(self, tmp_path: Path) -> None:
        folder = house(
            tmp_path,
            '[[ingredients]]\nid = "buflomedil"\nname = "Buflomedil"\nclass = "vasodilator"\n'
            'notes = "UNSOURCED"\n'
            '[[ingredients]]\nid = "loftyl"\nname = "Loftyl"\nclass = "vasodilator"\n'
            'synonyms = ["buflomedil"]\nnotes = "UNSOURCED"\n',
        )
        code, text = run("compose", HAIR, "--catalog", folder)
        assert 1 == code
        assert "error catalog.collision" in text

    def test_the_record_keeps_the_weakening(self, tmp_path: Path) -> None:
        db = str(tmp_path / "s.db")
        folder = house(tmp_path, TestHouseCatalogs.LOOSE)
        assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db,
                        "--at", "2026-11-25T09:00")[0]  # fmt: skip
        code, text = run("stock", "consume", HAIR, "--batch-id", "B", "--db", db, "--catalog",
                         folder, "--at", "2026-12-01T10:00", "--format", "json")  # fmt: skip
        assert 0 == code
        assert "catalog.weakened" in [f["code"] for f in json.loads(text)["findings"]]
        data = json.loads(run("record", "batch", "--batch-id", "B", "--db", db,
                              "--format", "json")[1])  # fmt: skip
        assert "catalog.weakened" in [f["code"] for f in data["checks"]]

    def test_compose_json_says_it(self, tmp_path: Path) -> None:
        folder = house(tmp_path, TestHouseCatalogs.LOOSE)
        data = json.loads(run("compose", HAIR, "--catalog", folder, "--format", "json")[1])
        assert "catalog.weakened" in [f["code"] for f in data["findings"]]

    def test_a_design_is_not_for_compounding(self, tmp_path: Path) -> None:
        design = str(DATA / "check" / "lidocaine-200mg.toml")
        code, text = run("compose", design)
        assert (0, True) == (code, text.startswith("NOT FOR COMPOUNDING: a design"))
        assert json.loads(run("compose", design, "--format", "json")[1])["compoundable"] is False

    @pytest.mark.parametrize(
        ("words", "said"),
        [
            ('medications = ["Warfarin sodium"]', "warning contra.medication"),
            ('medications = ["aspirin 75 mg"]', "warning contra.medication"),
            ('conditions = ["haemophilia A"]', "warning contra.condition"),
            ('medications = ["Coumadin"]', "warning contra.medication"),
            ('medications = ["warfrin"]', "did you mean 'warfarin'?"),
        ],
    )
    def test_medications_as_people_write_them(self, tmp_path: Path, words: str, said: str) -> None:
        who = patient(tmp_path, f"{words}\npregnant = false")
        assert said in run("check", HAIR, "--patient", who)[1]
