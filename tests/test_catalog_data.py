"""The shipped catalog's data: spot checks against the reference table, coverage."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from mesoformula.catalog import Condition
from mesoformula.cli import main
from mesoformula.files.catalogs import LoadedCatalog, load_catalog
from mesoformula.units import Quantity

from .conftest import EXAMPLES, ROOT

sys.path.insert(0, str(ROOT / "tools"))
from catalog_page import markdown

#: Lidocaine's higher maximum needs epinephrine at 1:200,000 (0.005 mg/mL) or stronger.
EPINEPHRINE = (Condition(ingredient="epinephrine", at_least=Quantity(0.005, "mg/mL")),)


def limit(loaded: LoadedCatalog, ingredient: str, basis: str, **conditions: object) -> Quantity:
    matches = [
        lim.max
        for lim in loaded.catalog.ingredients[ingredient].limits
        if lim.basis == basis
        and all(getattr(lim, key) == value for key, value in conditions.items())
    ]
    assert 1 == len(matches), (ingredient, basis, matches)
    return matches[0]


class TestSpotChecks:
    """Ten numbers checked against shared/reference/ingredients.csv and ingredients.md."""

    def test_lidocaine_plain(self, loaded: LoadedCatalog) -> None:
        """'per procedure, healthy adult (US label/AHFS): <=4.5 mg/kg and <=300 mg', unless
        epinephrine reaches 1:200,000 (SPEC §8.1)."""
        assert Quantity(4.5, "mg/kg") == limit(
            loaded, "lidocaine-hcl", "per-kg-session", unless_present=EPINEPHRINE
        )
        assert Quantity(300.0, "mg") == limit(
            loaded, "lidocaine-hcl", "session", unless_present=EPINEPHRINE
        )

    def test_lidocaine_with_epinephrine(self, loaded: LoadedCatalog) -> None:
        """'<=7 mg/kg lidocaine and <=500 mg (US label/AHFS)'."""
        assert Quantity(7.0, "mg/kg") == limit(
            loaded, "lidocaine-hcl", "per-kg-session", when_present=EPINEPHRINE
        )
        assert Quantity(500.0, "mg") == limit(
            loaded, "lidocaine-hcl", "session", when_present=EPINEPHRINE
        )

    def test_deoxycholic_acid(self, loaded: LoadedCatalog) -> None:
        """'2 mg/cm2; per session <=50 injections x 0.2 mL (<=10 mL = <=100 mg); <=6 sessions'."""
        assert Quantity(2.0, "mg") == limit(loaded, "deoxycholic-acid", "point")
        assert Quantity(100.0, "mg") == limit(loaded, "deoxycholic-acid", "session")
        assert Quantity(600.0, "mg") == limit(loaded, "deoxycholic-acid", "course")

    def test_collagenase(self, loaded: LoadedCatalog) -> None:
        """'0.84 mg per treatment area ... <=2 areas per visit (<=1.68 mg/visit, derived)'."""
        assert Quantity(1.68, "mg") == limit(loaded, "collagenase-cch-aaes", "session")

    def test_hyaluronidase_per_admixture(self, loaded: LoadedCatalog) -> None:
        """'dispersion adjuvant 50-300 U per admixture (label)', in USP units."""
        assert Quantity(300.0, "USP_U") == limit(loaded, "hyaluronidase-bovine", "preparation")

    def test_procaine(self, loaded: LoadedCatalog) -> None:
        """'350-600 mg generally considered to be a single safe total dose'."""
        assert Quantity(600.0, "mg") == limit(loaded, "procaine-hcl", "session", severity="error")

    @pytest.mark.parametrize(
        ("product", "ingredient", "expected"),
        [
            ("lidocaine-hcl-2pct-20ml-mdv", "methylparaben", Quantity(1.0, "mg/mL")),
            (
                "lidocaine-hcl-1pct-epinephrine-1-100000-20ml-mdv",
                "epinephrine",
                Quantity(0.01, "mg/mL"),
            ),
            (
                "lidocaine-hcl-1pct-epinephrine-1-100000-20ml-mdv",
                "sodium-metabisulfite",
                Quantity(0.5, "mg/mL"),
            ),
            (
                "hyaluronidase-ovine-200usp-ml-1ml",
                "hyaluronidase-ovine",
                Quantity(200.0, "USP_U/mL"),
            ),
            ("calcitonin-salmon-200iu-ml-2ml-mdv", "calcitonin-salmon", Quantity(200.0, "IU/mL")),
            ("cyanocobalamin-1000mcg-ml-1ml", "cyanocobalamin", Quantity(1.0, "mg/mL")),
            ("cyanocobalamin-1000mcg-ml-1ml", "benzyl-alcohol", Quantity(15.0, "mg/mL")),
            ("deoxycholic-acid-10mg-ml-2ml", "benzyl-alcohol", Quantity(9.0, "mg/mL")),
        ],
    )
    def test_presentations(
        self, loaded: LoadedCatalog, product: str, ingredient: str, expected: Quantity
    ) -> None:
        """Product strengths and excipients match the labels quoted in the reference."""
        entry = loaded.catalog.products[product]
        assert expected == {**entry.strengths, **entry.excipients}[ingredient]


class TestCoverage:
    """What the issue asks the shipped catalog to hold."""

    def test_sizes(self, loaded: LoadedCatalog) -> None:
        """At least 60 ingredients and 45 products (issue 17)."""
        assert len(loaded.catalog.ingredients) >= 60
        assert len(loaded.catalog.products) >= 45

    def test_status_and_pregnancy(self, loaded: LoadedCatalog) -> None:
        """Buflomedil is withdrawn with a reason; dutasteride and finasteride contraindicated."""
        buflomedil = loaded.catalog.ingredients["buflomedil"]
        assert ("withdrawn", True) == (buflomedil.status, bool(buflomedil.status_reason))
        for ingredient in ("dutasteride", "finasteride"):
            assert "contraindicated" == loaded.catalog.ingredients[ingredient].pregnancy

    def test_no_admixture_products(self, loaded: LoadedCatalog) -> None:
        """Deoxycholic acid and phosphatidylcholine presentations forbid admixture."""
        products = loaded.catalog.products
        assert products["deoxycholic-acid-10mg-ml-2ml"].no_admixture
        assert products["phosphatidylcholine-250mg-5ml"].no_admixture

    def test_required_groups_and_rules(self, loaded: LoadedCatalog) -> None:
        """The allergen groups and rules the issue lists exist, with severities."""
        catalog = loaded.catalog
        for group in (
            "sulfite",
            "soy",
            "avian-protein",
            "bovine-protein",
            "ovine-protein",
            "human-albumin",
            "benzyl-alcohol",
            "chlorobutanol",
            "thimerosal",
            "cobalt",
            "thiamine",
            "asteraceae",
            "ethylenediamine",
            "salmon-peptide",
        ):
            assert group in catalog.allergen_groups
        rules = {frozenset(r.groups): r.severity for r in catalog.cross_reactivity}
        assert "error" == rules[frozenset({"ester-local-anesthetic", "paba"})]
        assert "warning" == rules[frozenset({"paraben", "paba"})]

    def test_inferred_rules_are_warnings(self, loaded: LoadedCatalog) -> None:
        """Every inferred incompatibility is a warning and says it is an inference."""
        inferred = [r for r in loaded.catalog.incompatibilities if r.inferred]
        assert inferred
        for rule in inferred:
            assert "warning" == rule.severity
            assert "infer" in rule.reason + rule.source

    def test_unsourced_limits_are_said_in_notes(self, loaded: LoadedCatalog) -> None:
        """Ingredients without limits say UNSOURCED (or why) in their notes."""
        for ingredient in loaded.catalog.ingredients.values():
            vehicles = {"excipient", "diluent", "vasoconstrictor"}
            if not ingredient.limits and ingredient.class_ not in vehicles:
                assert "UNSOURCED" in ingredient.notes or "Do not use" in ingredient.notes, (
                    ingredient.id
                )


def test_catalog_reference_page_is_current(loaded: LoadedCatalog) -> None:
    """docs/reference/catalog.md is what the generator makes of the shipped catalog."""
    page = (ROOT / "docs" / "reference" / "catalog.md").read_text(encoding="utf-8")
    assert markdown(loaded.catalog) == page


def test_every_allergen_group_is_reachable_from_an_ingredient(loaded: LoadedCatalog) -> None:
    """An allergen group no ingredient leads to (directly or through a cross-reactivity
    rule) could never match a patient's allergy to what is in a preparation."""
    catalog = loaded.catalog
    reached = {g for i in catalog.ingredients.values() for g in i.allergen_groups}
    grown = True
    while grown:
        extra = {
            g
            for rule in catalog.cross_reactivity
            if set(rule.groups) & reached
            for g in rule.groups
        }
        grown = not extra <= reached
        reached |= extra
    assert [] == sorted(set(catalog.allergen_groups) - reached)


def test_every_products_excipients_are_named_and_resolved(loaded: LoadedCatalog) -> None:
    catalog = loaded.catalog
    unresolved = [
        (p.id, e)
        for p in catalog.products.values()
        for e in p.excipients
        if e not in catalog.ingredients
    ]
    assert [] == unresolved
    assert all(p.source for p in catalog.products.values())


def test_mepivacaine_matches_its_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): the Polocaine label's strengths and excipients, the AHFS
    400 mg per procedure, and the dental label's 3 mg/lb as 6.6 mg/kg (rounded down)."""
    catalog = loaded.catalog
    mepivacaine = catalog.ingredients["mepivacaine-hcl"]
    assert ("1722-62-9", "amide-local-anesthetic") == (
        mepivacaine.identifiers["cas"],
        mepivacaine.allergen_groups[0],
    )
    limits = {limit.basis: limit.max for limit in mepivacaine.limits}
    assert Quantity(400.0, "mg") == limits["session"]
    assert Quantity(6.6, "mg/kg") == limits["per-kg-session"]
    assert 6.6 <= 3 * 2.20462 < 6.62  # the label's 3 mg per pound
    single = catalog.products["mepivacaine-hcl-1pct-30ml"]
    multi = catalog.products["mepivacaine-hcl-2pct-50ml-mdv"]
    assert (Quantity(10.0, "mg/mL"), Quantity(30.0, "mL"), "single-dose") == (
        single.strengths["mepivacaine-hcl"],
        single.volume,
        single.use,
    )
    assert Quantity(1.0, "mg/mL") == multi.excipients["methylparaben"]  # paraben allergy
    group = next(g for g in catalog.additive_limits if g.includes(mepivacaine))
    assert group is not None  # counted with the other local anaesthetics


def test_articaine_matches_its_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issues 17, 24): the Septocaine label's 7 mg/kg and composition, and the
    dental guidance's 500 mg ceiling (CE547 Table 3 'Articaine 4% w/epinephrine 1:100,000 |
    500'; Canadian MRD '7 mg/kg up to 500 mg')."""
    catalog = loaded.catalog
    limits = {limit.basis: limit for limit in catalog.ingredients["articaine-hcl"].limits}
    assert Quantity(7.0, "mg/kg") == limits["per-kg-session"].max
    assert Quantity(500.0, "mg") == limits["session"].max
    assert "7 mg/kg up to 500 mg" in limits["session"].source
    cartridge = catalog.products["articaine-hcl-4pct-epinephrine-1-100000-1.7ml-cartridge"]
    assert Quantity(40.0, "mg/mL") == cartridge.strengths["articaine-hcl"]
    assert Quantity(0.01, "mg/mL") == cartridge.strengths["epinephrine"]
    assert Quantity(0.5, "mg/mL") == cartridge.excipients["sodium-metabisulfite"]  # sulfite


def test_prilocaine_matches_its_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): Citanest Plain, 8 mg/kg under 70 kg and 600 mg above."""
    catalog = loaded.catalog
    limits = {limit.basis: limit.max for limit in catalog.ingredients["prilocaine-hcl"].limits}
    assert {
        "per-kg-session": Quantity(8.0, "mg/kg"),
        "session": Quantity(600.0, "mg"),
    } == limits
    cartridge = catalog.products["prilocaine-hcl-4pct-2.2ml-cartridge"]
    assert (Quantity(40.0, "mg/mL"), Quantity(2.2, "mL")) == (
        cartridge.strengths["prilocaine-hcl"],
        cartridge.volume,
    )


def test_folic_acid_matches_its_source(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): the Fresenius Kabi folic acid vial, benzyl alcohol named."""
    catalog = loaded.catalog
    assert "935E97BOY8" == catalog.ingredients["folic-acid"].identifiers["unii"]
    assert () == catalog.ingredients["folic-acid"].limits  # none sourced: dose.nolimit
    vial = catalog.products["folic-acid-5mg-ml-10ml-mdv"]
    assert (Quantity(5.0, "mg/mL"), Quantity(15.0, "mg/mL"), Quantity(2.0, "mg/mL")) == (
        vial.strengths["folic-acid"],
        vial.excipients["benzyl-alcohol"],
        vial.excipients["edetate-disodium"],
    )


def test_avian_hyaluronan_matches_its_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): Hyalgan, 20 mg/2 mL, of avian origin, not to be mixed; a
    patient allergic to egg is warned through the bird-egg cross-reactivity."""
    catalog = loaded.catalog
    vial = catalog.products["sodium-hyaluronate-avian-10mg-ml-2ml"]
    assert (Quantity(10.0, "mg/mL"), Quantity(2.0, "mL"), True) == (
        vial.strengths["sodium-hyaluronate-avian"],
        vial.volume,
        vial.no_admixture,
    )
    groups = ("avian-protein", "hyaluronan")  # hyaluronan of any origin (issue 24)
    assert groups == catalog.ingredients["sodium-hyaluronate-avian"].allergen_groups
    assert any(set(rule.groups) == {"avian-protein", "egg"} for rule in catalog.cross_reactivity)


def test_glutathione_matches_its_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): 600 mg in 4 mL reconstituted, stable 2 h at room
    temperature (a BUD cap), and the IM daily maximum as an advisory IM limit."""
    catalog = loaded.catalog
    vial = catalog.products["glutathione-600mg-4ml-powder-solvent"]
    assert Quantity(150.0, "mg/mL") == vial.strengths["glutathione"]
    assert vial.admixture_stability is not None
    assert vial.admixture_stability.within.value == pytest.approx(2 / 24)  # 2 h, in days
    (limit,) = catalog.ingredients["glutathione"].limits
    assert ("session", Quantity(600.0, "mg"), "warning", "IM") == (
        limit.basis,
        limit.max,
        limit.severity,
        limit.route,
    )


def test_aescin_matches_its_label(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): L-lysine aescinate 1 mg/mL in 5 mL ampoules with ethanol
    203.1 mg/mL and propylene glycol 200 mg/mL; at most 10 mg an administration (IV,
    advisory); contraindicated in pregnancy."""
    catalog = loaded.catalog
    ampoule = catalog.products["l-lysine-aescinate-1mg-ml-5ml"]
    assert (Quantity(1.0, "mg/mL"), Quantity(5.0, "mL")) == (
        ampoule.strengths["aescin"],
        ampoule.volume,
    )
    assert {"ethanol": Quantity(203.1, "mg/mL"), "propylene-glycol": Quantity(200.0, "mg/mL")} == (
        dict(ampoule.excipients)
    )
    aescin = catalog.ingredients["aescin"]
    assert "contraindicated" == aescin.pregnancy
    (cap,) = aescin.limits
    assert ("session", Quantity(10.0, "mg"), "warning", "IV") == (
        cap.basis,
        cap.max,
        cap.severity,
        cap.route,
    )


def test_pdrn_matches_its_smpc(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): Placentex 5.625 mg and 2.25 mg in 3 mL; one ampoule a day
    IM is the advisory limit; salmon or trout origin puts it in the fish group, so a
    patient who writes "salmon" is matched."""
    catalog = loaded.catalog
    assert Quantity(1.875, "mg/mL") == catalog.products["pdrn-5.625mg-3ml"].strengths["pdrn"]
    assert Quantity(0.75, "mg/mL") == catalog.products["pdrn-2.25mg-3ml"].strengths["pdrn"]
    pdrn = catalog.ingredients["pdrn"]
    assert ("fish",) == pdrn.allergen_groups
    assert (Quantity(5.625, "mg"), "IM") == (pdrn.limits[0].max, pdrn.limits[0].route)
    assert "fish" in catalog.allergy("salmon")[1]


def test_caffeine_sodium_benzoate_matches_its_label(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): caffeine 125 mg/mL with sodium benzoate 125 mg/mL in a 2 mL
    single-dose vial; the label's 1 g maximum single dose (about 500 mg caffeine)."""
    catalog = loaded.catalog
    vial = catalog.products["caffeine-sodium-benzoate-250mg-ml-2ml"]
    assert (Quantity(125.0, "mg/mL"), Quantity(125.0, "mg/mL"), "single-dose") == (
        vial.strengths["caffeine"],
        vial.excipients["sodium-benzoate"],
        vial.use,
    )
    assert Quantity(500.0, "mg") == limit(loaded, "caffeine", "session")


def test_riboflavin_matches_its_label(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): 5 mg and 10 mg in 2 mL (as riboflavin); 5-30 mg a day."""
    catalog = loaded.catalog
    assert (
        Quantity(2.5, "mg/mL")
        == catalog.products["riboflavin-2.5mg-ml-2ml"].strengths["riboflavin"]
    )
    assert (
        Quantity(5.0, "mg/mL") == catalog.products["riboflavin-5mg-ml-2ml"].strengths["riboflavin"]
    )
    assert Quantity(30.0, "mg") == limit(loaded, "riboflavin", "session")


def test_hyaluronic_acid_hybrid_complexes_match_their_sources(loaded: LoadedCatalog) -> None:
    """Spot check (issues 17, 24): Profhilo 3.2 % (64 mg in 2 mL) and Structura 'HILOW 4.5%'
    (NCT06719154; 45 mg + 45 mg in 2 mL, Cassuto, Gels), not to be mixed."""
    catalog = loaded.catalog
    for product, strength in (
        ("sodium-hyaluronate-hcc-32mg-ml-2ml-syringe", 32.0),
        ("sodium-hyaluronate-hcc-45mg-ml-2ml-syringe", 45.0),
    ):
        syringe = catalog.products[product]
        assert (Quantity(strength, "mg/mL"), Quantity(2.0, "mL"), True) == (
            syringe.strengths["sodium-hyaluronate"],
            syringe.volume,
            syringe.no_admixture,
        )


def test_tiratricol_is_flagged_and_ester_allergy_terms_resolve(loaded: LoadedCatalog) -> None:
    """Spot check (issue 17): tiratricol is withdrawn with its regulatory reason; a
    benzocaine or tetracaine allergy reaches the ester group and PABA."""
    catalog = loaded.catalog
    tiratricol = catalog.ingredients["tiratricol"]
    assert "withdrawn" == tiratricol.status
    assert tiratricol.status_reason is not None
    assert "FDA" in tiratricol.status_reason
    for term in ("benzocaine", "amethocaine"):
        ingredients, groups = catalog.allergy(term)
        reached = set(groups) | {
            g for i in ingredients for g in catalog.ingredients[i].allergen_groups
        }
        assert {"ester-local-anesthetic", "paba"} <= reached, term


class TestIssue24Corrections:
    """Spot checks of the data the 'nothing weakens' issue corrected, against the source text."""

    def test_olson_table_ii_2(self, loaded: LoadedCatalog) -> None:
        """Olson 8th ed. Table II-2: 'Procaine | 10 mg/kg or 600 mg', 'Tetracaine | 3 mg/kg'."""
        catalog = loaded.catalog
        procaine = {(lim.basis, lim.max) for lim in catalog.ingredients["procaine-hcl"].limits}
        assert ("per-kg-session", Quantity(10.0, "mg/kg")) in procaine
        (tetracaine,) = catalog.ingredients["tetracaine"].limits
        assert ("per-kg-session", Quantity(3.0, "mg/kg")) == (tetracaine.basis, tetracaine.max)
        assert "'Tetracaine | 3 mg/kg'" in tetracaine.source

    def test_vitrase_admixture_and_freezing(self, loaded: LoadedCatalog) -> None:
        """Vitrase label: 'After admixture with drug, store at 15-25 C ... and use within 6
        hours'; Trissel: 'Product labeling for Vitrase also states ... do not freeze'."""
        vial = loaded.catalog.products["hyaluronidase-ovine-200usp-ml-1ml"]
        assert vial.admixture_stability is not None
        assert (Quantity(0.25, "d"), "room", True) == (
            vial.admixture_stability.within,
            vial.admixture_stability.storage,
            vial.do_not_freeze,
        )

    def test_tiratricol_says_why(self, loaded: LoadedCatalog) -> None:
        """Tiratricol: withdrawn as a slimming agent (FDA 1999, 2000), authorised only as
        Emcitate for MCT8 deficiency (EC approval after the CHMP opinion of 12 Dec 2024)."""
        tiratricol = loaded.catalog.ingredients["tiratricol"]
        assert "withdrawn" == tiratricol.status
        assert "Emcitate" in (tiratricol.status_reason or "")
        assert "MCT8" in (tiratricol.status_reason or "")
        assert any("December 12, 2024" in s for s in tiratricol.sources)

    def test_alkaline_stocks(self, loaded: LoadedCatalog) -> None:
        """Folic acid injection pH 8-11, aminophylline pH 8.6-9.0 (Handbook on Injectable
        Drugs): both tagged alkaline-stock, with the source quoted."""
        for ingredient, words in (("folic-acid", "pH From 8 to 11"), ("aminophylline", "8.6 to 9")):
            entry = loaded.catalog.ingredients[ingredient]
            assert "alkaline-stock" in entry.tags
            assert any(words in s for s in entry.sources)

    def test_the_class_sums(self, loaded: LoadedCatalog) -> None:
        """Hyaluronidases per admixture (one class range, one unit) and methylxanthines ('the
        toxic effects of theophylline, aminophylline, and other xanthines are additive')."""
        groups = {g.id: g for g in loaded.catalog.additive_limits}
        assert ("preparation", ("tag:hyaluronidase",)) == (
            groups["hyaluronidases-per-admixture"].basis,
            groups["hyaluronidases-per-admixture"].members,
        )
        assert "are additive" in groups["methylxanthines"].source

    def test_anticoagulants(self, loaded: LoadedCatalog) -> None:
        """Kybella label 5.3: 'use with caution in patients ... treated with antiplatelet or
        anticoagulant therapy as excessive bleeding or bruising ... may occur'."""
        rules = {r.medication: r for r in loaded.catalog.contraindications if r.medication}
        assert {"anticoagulant", "antiplatelet"} <= set(rules)
        assert "warfarin" in rules["anticoagulant"].synonyms
        assert "anticoagulant therapy" in rules["anticoagulant"].source
        assert "warning" == rules["antiplatelet"].severity


class TestProtocols:
    """Protocol figures (issue 29): shipped off, applied where a clinic's catalog enables
    them, named as protocol figures, and a misspelt protocol an error."""

    PROTOCOL = EXAMPLES / "protocols"

    def test_off_unless_enabled(self, loaded: LoadedCatalog) -> None:
        assert () == loaded.catalog.limits_of("phosphatidylcholine")

    def test_the_network_lipolysis_maximum(self) -> None:
        """'the maximum dose of 2500mg of phosphatidylcholine, as recommended by the
        "Network Lipolysis"' (Hasengschwandtner, eacs-international.com)."""
        enabled = load_catalog([self.PROTOCOL]).catalog
        (limit,) = enabled.limits_of("phosphatidylcholine")
        assert (Quantity(2500.0, "mg"), "session", "lipolysis-network") == (
            limit.max,
            limit.basis,
            limit.protocol,
        )
        assert "2500mg" in limit.source
        assert "Network Lipolysis" in limit.source

    def test_a_dose_over_it_is_an_error_that_names_the_protocol(self, tmp_path: Path) -> None:
        formulation = tmp_path / "pc.toml"
        formulation.write_text(
            'format = "mesoformula.formulation/1"\nid = "pc"\nname = "PC"\nversion = 1\n'
            'route = "subcutaneous"\nfinal_volume = "60 mL"\n[[components]]\n'
            'product = "phosphatidylcholine-250mg-5ml"\nvolume = "60 mL"\n[administration]\n'
            'volume_per_session = "60 mL"\npoints_per_session = 50\nsessions = 4\n'
            'interval = "8 wk"\n',
            encoding="utf-8",
        )
        out = io.StringIO()
        assert 0 == main(["validate", str(formulation)], out=out)
        assert "dose.nolimit" in out.getvalue()
        out = io.StringIO()
        assert 1 == main(["validate", str(formulation), "--catalog", str(self.PROTOCOL)], out=out)
        assert "error dose.session phosphatidylcholine 3000 mg per session exceeds the " in (
            out.getvalue()
        )
        assert "lipolysis-network protocol's absolute maximum (a protocol figure, not a " in (
            out.getvalue()
        )

    def test_a_misspelt_protocol_is_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "policy.toml").write_text(
            'format = "mesoformula.catalog/1"\n[policy]\nprotocols = ["lipolysis-netwrk"]\n',
            encoding="utf-8",
        )
        out = io.StringIO()
        assert 1 == main(["validate", str(tmp_path)], out=out)
        assert "error ref.protocol policy.protocols[0]: no limit of the catalog belongs to " in (
            out.getvalue()
        )
        assert "did you mean 'lipolysis-network'?" in out.getvalue()
