"""Issue 29 (part B): spot checks of the actives added to the shipped catalog, each against
the source its entry cites (quoted in the docstring)."""

from __future__ import annotations

import pytest

from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.units import Quantity

from .test_catalog_data import EPINEPHRINE, limit


def test_bupivacaine_with_and_without_epinephrine(loaded: LoadedCatalog) -> None:
    """Olson, Table II-2: 'Bupivacaine | 2 mg/kg or 175 mg | 3 mg/kg or 225 mg'; the label:
    'single doses ... up to 225 mg with epinephrine 1:200,000 and 175 mg without'."""
    assert Quantity(2.0, "mg/kg") == limit(
        loaded, "bupivacaine-hcl", "per-kg-session", unless_present=EPINEPHRINE
    )
    assert Quantity(175.0, "mg") == limit(
        loaded, "bupivacaine-hcl", "session", unless_present=EPINEPHRINE
    )
    assert Quantity(3.0, "mg/kg") == limit(
        loaded, "bupivacaine-hcl", "per-kg-session", when_present=EPINEPHRINE
    )
    assert Quantity(225.0, "mg") == limit(
        loaded, "bupivacaine-hcl", "session", when_present=EPINEPHRINE
    )


def test_bupivacaine_molar_mass_and_vial(loaded: LoadedCatalog) -> None:
    """USP28: 'C18H28N2O·HCl·H2O 342.90 ... Anhydrous 324.90 [18010-40-7]'; Marcaine
    '0.25% 2.5 mg/mL Injection, USP 10 mL Single Dose vial', sodium chloride 8.6 mg/mL."""
    catalog = loaded.catalog
    bupivacaine = catalog.ingredients["bupivacaine-hcl"]
    assert Quantity(324.90, "g/mol") == bupivacaine.molar_mass
    assert "18010-40-7" == bupivacaine.identifiers["cas"]
    vial = catalog.products["bupivacaine-hcl-0.25pct-10ml"]
    assert (Quantity(2.5, "mg/mL"), Quantity(10.0, "mL"), "single-dose") == (
        vial.strengths["bupivacaine-hcl"],
        vial.volume,
        vial.use,
    )


def test_ropivacaine(loaded: LoadedCatalog) -> None:
    """Olson, Table II-2: 'Ropivacaine | 3 mg/kg or 200 mg | N/A'; Naropin label:
    'C17H26N2O•HCl•H2O M.W. 328.89'."""
    assert Quantity(3.0, "mg/kg") == limit(loaded, "ropivacaine-hcl", "per-kg-session")
    assert Quantity(200.0, "mg") == limit(loaded, "ropivacaine-hcl", "session")
    assert Quantity(328.89, "g/mol") == loaded.catalog.ingredients["ropivacaine-hcl"].molar_mass


def test_chloroprocaine_label_maxima_and_groups(loaded: LoadedCatalog) -> None:
    """Nesacaine label: 'without epinephrine, 11 mg/kg, not to exceed a maximum total dose of
    800 mg; with epinephrine (1:200,000), 14 mg/kg, not to exceed ... 1000 mg'; contraindicated
    in patients hypersensitive to drugs of the PABA ester group."""
    assert Quantity(11.0, "mg/kg") == limit(
        loaded, "chloroprocaine-hcl", "per-kg-session", unless_present=EPINEPHRINE
    )
    assert Quantity(800.0, "mg") == limit(
        loaded, "chloroprocaine-hcl", "session", unless_present=EPINEPHRINE
    )
    assert Quantity(1000.0, "mg") == limit(
        loaded, "chloroprocaine-hcl", "session", when_present=EPINEPHRINE
    )
    chloroprocaine = loaded.catalog.ingredients["chloroprocaine-hcl"]
    assert {"ester-local-anesthetic", "paba"} == set(chloroprocaine.allergen_groups)


def test_new_anaesthetics_count_in_the_additive_groups(loaded: LoadedCatalog) -> None:
    """Naropin label: 'the toxic effects of these drugs are additive': every new anaesthetic
    is a member of both local-anaesthetic groups."""
    catalog = loaded.catalog
    groups = {g.id: g for g in catalog.additive_limits}
    for ingredient in ("bupivacaine-hcl", "ropivacaine-hcl", "chloroprocaine-hcl"):
        for group in ("local-anaesthetics", "local-anaesthetics-session"):
            assert groups[group].includes(catalog.ingredients[ingredient]), (ingredient, group)


def test_nesacaine_multiple_dose_vial(loaded: LoadedCatalog) -> None:
    """Nesacaine Table 1: 'Nesacaine 1% 10 | 6.7 | 0.111 | 1' (chloroprocaine, sodium
    chloride, EDTA, methylparaben mg/mL); empr: 'Multi-dose vial (30mL)'."""
    vial = loaded.catalog.products["chloroprocaine-hcl-1pct-30ml-mdv"]
    assert (Quantity(10.0, "mg/mL"), Quantity(30.0, "mL"), "multi-dose") == (
        vial.strengths["chloroprocaine-hcl"],
        vial.volume,
        vial.use,
    )
    assert Quantity(1.0, "mg/mL") == vial.excipients["methylparaben"]  # paraben allergy


def test_isoprenaline_subcutaneous_dose_and_ampoule(loaded: LoadedCatalog) -> None:
    """Isuprel label: 'Subcutaneous | Use Solution 1:5000 undiluted | 0.2 mg (1 mL)';
    'molecular weight of 247.72'; 0.2 mg/mL in 1- and 5-mL ampuls."""
    (cap,) = loaded.catalog.ingredients["isoprenaline-hcl"].limits
    assert ("session", Quantity(0.2, "mg"), "warning", "SC") == (
        cap.basis,
        cap.max,
        cap.severity,
        cap.route,
    )
    assert Quantity(247.72, "g/mol") == loaded.catalog.ingredients["isoprenaline-hcl"].molar_mass
    ampoule = loaded.catalog.products["isoprenaline-hcl-0.2mg-ml-1ml"]
    assert Quantity(0.2, "mg/mL") == ampoule.strengths["isoprenaline-hcl"]


def test_pentoxifylline(loaded: LoadedCatalog) -> None:
    """Biotika SmPC: 'One ampoule (100 mg of pentoxifylline) is usually applied very slowly
    ... intravenously'; label: 'C13H18N4O3 M.W. 278.31'; Trental SmPC: 'it is recommended
    that Trental is not used during pregnancy'."""
    pentoxifylline = loaded.catalog.ingredients["pentoxifylline"]
    assert Quantity(100.0, "mg") == limit(loaded, "pentoxifylline", "session", route="IV")
    assert Quantity(278.31, "g/mol") == pentoxifylline.molar_mass
    assert ("contraindicated", "methylxanthine") == (
        pentoxifylline.pregnancy,
        pentoxifylline.class_,
    )
    ampoule = loaded.catalog.products["pentoxifylline-20mg-ml-5ml"]
    assert (Quantity(20.0, "mg/mL"), Quantity(5.0, "mL")) == (
        ampoule.strengths["pentoxifylline"],
        ampoule.volume,
    )


def test_pentoxifylline_contraindications(loaded: LoadedCatalog) -> None:
    """Trental 400 SmPC 4.3: contra-indicated in 'cerebral haemorrhage, extensive retinal
    haemorrhage, acute myocardial infarction'."""
    conditions = {
        rule.condition
        for rule in loaded.catalog.contraindications
        if rule.ingredient == "pentoxifylline" and rule.severity == "error"
    }
    assert {
        "cerebral haemorrhage",
        "retinal haemorrhage",
        "acute myocardial infarction",
    } <= conditions


def test_theophylline_and_the_methylxanthine_group(loaded: LoadedCatalog) -> None:
    """'LD: 4.6 mg/kg IV (over 30 mins)'; anhydrous theophylline 'molecular weight of
    180.17'; 'The toxic effects of theophylline, aminophylline, and other xanthines are
    additive' (the methylxanthines group)."""
    catalog = loaded.catalog
    assert Quantity(4.6, "mg/kg") == limit(loaded, "theophylline", "per-kg-session")
    assert Quantity(180.17, "g/mol") == catalog.ingredients["theophylline"].molar_mass
    group = next(g for g in catalog.additive_limits if g.id == "methylxanthines")
    for ingredient in ("theophylline", "pentoxifylline", "aminophylline", "caffeine"):
        assert group.includes(catalog.ingredients[ingredient]), ingredient
        assert "methylxanthine" in catalog.ingredients[ingredient].allergen_groups


def test_aminophylline_vial(loaded: LoadedCatalog) -> None:
    """Hospira: 'Aminophylline (calculated as the dihydrate) 25 mg/mL (equivalent to 19.7
    mg/mL anhydrous theophylline)', 'molecular weight of 456.46', 'pH is 8.8 (8.6 to 9.0)';
    Handbook: 'should not be mixed in a syringe with other components of an admixture'."""
    vial = loaded.catalog.products["aminophylline-25mg-ml-10ml"]
    assert (Quantity(25.0, "mg/mL"), True) == (vial.strengths["aminophylline"], vial.no_admixture)
    assert Quantity(456.46, "g/mol") == loaded.catalog.ingredients["aminophylline"].molar_mass


@pytest.mark.parametrize(
    ("ingredient", "expected", "route"),
    [
        ("zinc-sulfate", Quantity(3.0, "mg"), "IV"),  # 'adult dosage is 3 mg/day'
        ("copper-sulfate", Quantity(1.5, "mg"), "IV"),  # '0.5-1.5 mg/day IV (per manufacturer)'
        ("sodium-selenite", Quantity(0.3, "mg"), "IM/IV"),  # 'kurzfristig bis zu 300 ug Selen'
        ("magnesium-sulfate", Quantity(1000.0, "mg"), "IM"),  # '1 g IM every 6 hours'
    ],
)
def test_trace_element_daily_doses(
    loaded: LoadedCatalog, ingredient: str, expected: Quantity, route: str
) -> None:
    """Each trace element's licensed daily (or single) dose is an advisory limit of the
    licensed route, as its label gives it (the comment beside each quotes it)."""
    (cap,) = loaded.catalog.ingredients[ingredient].limits
    assert (expected, "warning", route) == (cap.max, cap.severity, cap.route)


def test_trace_element_presentations(loaded: LoadedCatalog) -> None:
    """American Regent: zinc '3 mg/mL ... 10 mL Pharmacy Bulk Package Vial'; cupric sulfate
    'delivers elemental copper 0.4 mg/mL. The 10 mL vial is a single dose'; selenase '1
    Ampulle mit 2 ml ... 100 ug Selen'; magnesium sulfate 'heptahydrate 500 mg' per mL,
    'molecular weight of 246.47'."""
    products = loaded.catalog.products
    assert Quantity(3.0, "mg/mL") == products["zinc-sulfate-3mg-ml-10ml"].strengths["zinc-sulfate"]
    assert (
        Quantity(0.4, "mg/mL")
        == products["copper-sulfate-0.4mg-ml-10ml"].strengths["copper-sulfate"]
    )
    selenase = products["sodium-selenite-0.05mg-ml-2ml"]
    assert (Quantity(0.05, "mg/mL"), Quantity(2.0, "mL")) == (
        selenase.strengths["sodium-selenite"],
        selenase.volume,
    )
    magnesium = loaded.catalog.ingredients["magnesium-sulfate"]
    assert (Quantity(246.47, "g/mol"), 2, "caution") == (
        magnesium.molar_mass,
        magnesium.valence,
        magnesium.pregnancy,
    )
    assert any(
        rule.ingredient == "magnesium-sulfate" and rule.condition == "heart block"
        for rule in loaded.catalog.contraindications
    )


def test_sodium_bicarbonate_buffer(loaded: LoadedCatalog) -> None:
    """USP: 'Each mL of 1 N hydrochloric acid is equivalent to 84.01 mg of NaHCO3'; 8.4% is
    1 mEq/mL; Pascuet 2009: buffered lidocaine with epinephrine kept its epinephrine 'for 7
    days when stored at 5°C'."""
    bicarbonate = loaded.catalog.ingredients["sodium-bicarbonate"]
    assert (Quantity(84.01, "g/mol"), 1) == (bicarbonate.molar_mass, bicarbonate.valence)
    vial = loaded.catalog.products["sodium-bicarbonate-8.4pct-10ml"]
    assert Quantity(84.0, "mg/mL") == vial.strengths["sodium-bicarbonate"]
    assert vial.admixture_stability is not None
    assert (7.0, "refrigerator") == (
        vial.admixture_stability.within.value,
        vial.admixture_stability.storage,
    )


def test_vitamins_a_and_e(loaded: LoadedCatalog) -> None:
    """Aquasol A: 'Adults 100,000 Units daily', 'one international unit (IU) and ... 0.3 mcg
    of retinol'; 'Use of doses above the recommended daily allowance is contraindicated';
    vitamin E injection: 'Maximalis napi adag 120 mg', IM only."""
    retinol = loaded.catalog.ingredients["retinol"]
    assert Quantity(100000.0, "IU") == limit(loaded, "retinol", "session", route="IM")
    assert (Quantity(0.0003, "mg"), "contraindicated") == (
        retinol.activity_mass["IU"],
        retinol.pregnancy,
    )
    assert Quantity(120.0, "mg") == limit(loaded, "tocopherol", "session", route="IM")
    ampoule = loaded.catalog.products["tocopherol-30mg-ml-1ml"]
    assert (("intramuscular",), ("benzyl-alcohol",)) == (ampoule.routes, ampoule.contains)


def test_alpha_lipoic_acid(loaded: LoadedCatalog) -> None:
    """USP35: 'C8H14O2S2 206.33 ... [1077-28-7]'; Thioctacid 600 T: 600 mg thioctic acid in
    24 mL, IV 600 mg a day; Berlithion 300: ethylenediamine 0.088 g per 12 mL ampoule."""
    catalog = loaded.catalog
    lipoic = catalog.ingredients["alpha-lipoic-acid"]
    assert (Quantity(206.33, "g/mol"), "1077-28-7") == (
        lipoic.molar_mass,
        lipoic.identifiers["cas"],
    )
    assert Quantity(600.0, "mg") == limit(loaded, "alpha-lipoic-acid", "session", route="IV")
    thioctacid = catalog.products["alpha-lipoic-acid-25mg-ml-24ml"]
    assert (Quantity(25.0, "mg/mL"), Quantity(24.0, "mL")) == (
        thioctacid.strengths["alpha-lipoic-acid"],
        thioctacid.volume,
    )
    berlithion = catalog.products["alpha-lipoic-acid-25mg-ml-12ml-ethylenediamine"]
    assert "ethylenediamine" in catalog.ingredients["ethylenediamine"].allergen_groups
    assert "ethylenediamine" in berlithion.excipients


def test_peptides_and_polynucleotides(loaded: LoadedCatalog) -> None:
    """Argireline: 'Molar mass 889.00 g·mol−1', CAS 616204-22-9; polynucleotides from
    salmonid (salmon, trout) sperm DNA, distinct from PDRN; no sourced intradermal dose."""
    catalog = loaded.catalog
    argireline = catalog.ingredients["acetyl-hexapeptide-3"]
    assert (Quantity(889.0, "g/mol"), "616204-22-9") == (
        argireline.molar_mass,
        argireline.identifiers["cas"],
    )
    polynucleotides = catalog.ingredients["polynucleotides"]
    assert ("fish",) == polynucleotides.allergen_groups
    assert () == polynucleotides.limits
    assert ["polynucleotides"] == catalog.find("PN")  # no longer a synonym of PDRN
    assert () == catalog.ingredients["copper-tripeptide-1"].limits


def test_qwo_vial_and_hair_loss_without_products(loaded: LoadedCatalog) -> None:
    """Qwo Table 1: '0.92 | 4 | 0.23' (mg, mL of diluent, mg/mL after reconstitution), up to
    8 hours at room temperature; no licensed injectable finasteride, dutasteride or
    minoxidil, so no product carries them."""
    catalog = loaded.catalog
    vial = catalog.products["collagenase-cch-aaes-0.92mg-4ml-powder-diluent"]
    assert (Quantity(0.23, "mg/mL"), Quantity(4.0, "mL"), "refrigerator") == (
        vial.strengths["collagenase-cch-aaes"],
        vial.volume,
        vial.storage,
    )
    carried = {i for p in catalog.products.values() for i in p.strengths}
    assert not {"finasteride", "dutasteride", "minoxidil"} & carried
