"""Products as the market sells them (issue 29): devices and cosmetic mesotherapy products
declare what they contain; spot checks against the sources quoted in the catalog."""

from __future__ import annotations

from mesoformula.catalog_entries import Product
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.units import Quantity

FILE = "devices-and-cosmetics.toml"


def market_products(loaded: LoadedCatalog) -> list[Product]:
    """The products of catalog/devices-and-cosmetics.toml."""
    catalog = loaded.catalog
    return [
        p
        for p in catalog.products.values()
        if catalog.origins[f"products:{p.id}"].replace("\\", "/").endswith(FILE)
    ]


def test_at_least_fifteen_products_with_a_declared_composition(loaded: LoadedCatalog) -> None:
    """Issue 29: at least 15 device or cosmetic products, each with a `contains` list or a
    published strength, and each naming its source."""
    products = market_products(loaded)
    assert len(products) >= 15
    for product in products:
        assert product.contains or product.strengths, product.id
        assert product.source.strip(), product.id


def test_four_plant_extracts_are_in_products(loaded: LoadedCatalog) -> None:
    """MCCM Artichoke 'CONTENIDO: Extracto de alcachofa'; MCCM Asian Centella 'Extracto de
    centella asiática'; BCN Asian Centella 'combines asian centella (gotu kola), fucus
    vesiculosus and hedera helix extract (ivy)'."""
    catalog = loaded.catalog
    contained = {i for p in market_products(loaded) for i in p.contains}
    plants = {
        i
        for i in contained
        if i in catalog.ingredients and catalog.ingredients[i].class_ == "plant-extract"
    }
    assert {
        "artichoke-extract",
        "centella-asiatica-extract",
        "fucus-vesiculosus-extract",
        "hedera-helix-extract",
    } <= plants


def test_mccm_artichoke_matches_its_datasheet(loaded: LoadedCatalog) -> None:
    """'CONTENIDO: Extracto de alcachofa. PRESENTACIÓN: Ampolleta de 5 ml. LABORATORIO Y
    PAÍS DE ORIGEN: Laboratorio MCCM, España.' Nothing says sterile: it is not claimed."""
    ampoule = loaded.catalog.products["mccm-artichoke-5ml"]
    assert ("ampoule", Quantity(5.0, "mL"), ("artichoke-extract",), False) == (
        ampoule.container,
        ampoule.volume,
        ampoule.contains,
        ampoule.sterile,
    )
    assert "asteraceae" in loaded.catalog.ingredients["artichoke-extract"].allergen_groups


def test_mccm_cellulite_lists_its_four_contents(loaded: LoadedCatalog) -> None:
    """'CONTENIDO: L-Carnitina. Cafeína. Silicio orgánico. Centella asiática.
    PRESENTACIÓN: Ampolleta de 5 ml.'"""
    ampoule = loaded.catalog.products["mccm-cellulite-5ml"]
    assert {
        "levocarnitine",
        "caffeine",
        "monomethylsilanetriol",
        "centella-asiatica-extract",
    } == set(ampoule.contains)
    assert Quantity(5.0, "mL") == ampoule.volume


def test_theraheal_pn_is_the_polynucleotide_product(loaded: LoadedCatalog) -> None:
    """'Ingredients PN (Polynucleotide) + PDRN (Polydeoxyribonucleotide), High & low
    molecular weight hyaluronic acids ... Injection Site Dermis and subcutaneous layers;
    Volume 2.5 ml/syringe ... Store between 1 ~ 25 C, protect from light, and avoid
    freezing'. The HA amount is inconsistent on the page, so it is no strength."""
    syringe = loaded.catalog.products["theraheal-pn-2.5ml-syringe"]
    assert {"polynucleotides", "pdrn", "sodium-hyaluronate"} == set(syringe.contains)
    assert (Quantity(2.5, "mL"), "prefilled-syringe", True, "room") == (
        syringe.volume,
        syringe.container,
        syringe.do_not_freeze,
        syringe.storage,
    )
    assert ("intradermal", "subcutaneous") == syringe.routes
    assert not syringe.strengths


def test_restylane_vital_strengths_match_the_prescribing_information(
    loaded: LoadedCatalog,
) -> None:
    """'Restylane Skinboosters Vital Lidocaine: Hyaluronic acid, stabilized 20 mg/mL;
    Lidocaine hydrochloride 3 mg/mL' and 'Vital Light Lidocaine: Hyaluronic acid,
    stabilized 12 mg/mL; Lidocaine hydrochloride 3 mg/mL'; 'The 1 ml syringe'."""
    products = loaded.catalog.products
    for product, ha in (
        ("restylane-skinboosters-vital-lidocaine-1ml", 20.0),
        ("restylane-skinboosters-vital-light-lidocaine-1ml", 12.0),
    ):
        syringe = products[product]
        assert {
            "sodium-hyaluronate-stabilized": Quantity(ha, "mg/mL"),
            "lidocaine-hcl": Quantity(3.0, "mg/mL"),
        } == dict(syringe.strengths)
        assert (Quantity(1.0, "mL"), True) == (syringe.volume, syringe.sterile)
    stabilized = loaded.catalog.ingredients["sodium-hyaluronate-stabilized"]
    assert "hyaluronan" in stabilized.allergen_groups  # every HA rule reaches it


def test_rx_ha_12_matches_the_makers_page(loaded: LoadedCatalog) -> None:
    """'2 x 2 ml ... 1 ml contains 12 mg non-crosslinked hyaluronate. 2 sterile,
    single-use syringes ... Intradermal injection of RX.HA.12'."""
    syringe = loaded.catalog.products["rx-ha-12-2ml-syringe"]
    assert (Quantity(12.0, "mg/mL"), Quantity(2.0, "mL"), True, ("intradermal",)) == (
        syringe.strengths["sodium-hyaluronate"],
        syringe.volume,
        syringe.sterile,
        syringe.routes,
    )


def test_mccm_hyaluronic_acid_2pct_is_20_mg_per_ml(loaded: LoadedCatalog) -> None:
    """'CONTENIDO: Ácido hialurónico al 2% (no reticulado). 20 mg/ml. PRESENTACIÓN: Vial 5
    ml.'"""
    vial = loaded.catalog.products["mccm-hyaluronic-acid-2pct-5ml"]
    assert (Quantity(20.0, "mg/mL"), Quantity(5.0, "mL")) == (
        vial.strengths["sodium-hyaluronate"],
        vial.volume,
    )


def test_aqualyx_declares_deoxycholate_and_its_gel(loaded: LoadedCatalog) -> None:
    """'injected directly into the subcutaneous fat tissue ... The ingredients are a polymer
    from 3, 6-Anhydro-L-Galactose and D-Galactose, buffer systems, sodium salt of (3a, 5a,
    12a) - 3, 12-dihydroxy-5-cholan-24-acid, water for injection purposes and sodium
    chloride'; 'Aqualyx (10 x 8ml)'. No amount is published: no strength."""
    vial = loaded.catalog.products["aqualyx-8ml"]
    assert {"deoxycholic-acid", "agarose", "sodium-chloride", "water-for-injection"} == set(
        vial.contains
    )
    assert (Quantity(8.0, "mL"), ("subcutaneous",)) == (vial.volume, vial.routes)
    assert not vial.strengths


def test_deoxycholic_10pct_gets_no_invented_strength(loaded: LoadedCatalog) -> None:
    """'# MCCM DEOXYCHOLIC 10% ... CONTENIDO: Desoxicolato de sodio. PRESENTACIÓN: Vial de
    10 ml.' The name says 10% but the contents give no amount: contained, not a strength."""
    vial = loaded.catalog.products["mccm-deoxycholic-10pct-10ml"]
    assert (("deoxycholic-acid",), Quantity(10.0, "mL")) == (vial.contains, vial.volume)
    assert not vial.strengths
    assert "10%" in vial.notes


def test_nctf_maps_only_what_its_sources_name(loaded: LoadedCatalog) -> None:
    """'NCTF 135HA ... includes a non-cross-linked hyaluronic acid, vitamins, antioxidants,
    mineral salts and enzymes'; 'FILLMED NCTF 135HA (5 x 3ml)'. Only the hyaluronic acid
    is named, so only it is mapped, and the notes say the rest is not checked."""
    vial = loaded.catalog.products["nctf-135ha-3ml"]
    assert (("sodium-hyaluronate",), Quantity(3.0, "mL")) == (vial.contains, vial.volume)
    assert "NOT checked" in vial.notes


def test_fat_burner_hyaluronidase_is_checked_as_a_hyaluronidase(loaded: LoadedCatalog) -> None:
    """'CONTENIDO: Cafeína. Silicio Orgánico. Hialuronidasa. Centella Asiática.' A
    hyaluronidase of unstated source still meets the hyaluronidase allergy and rules."""
    catalog = loaded.catalog
    vial = catalog.products["mccm-fat-burner-10ml"]
    assert "hyaluronidase-unspecified" in vial.contains
    enzyme = catalog.ingredients["hyaluronidase-unspecified"]
    assert ("hyaluronidase",) == enzyme.allergen_groups
    assert "hyaluronidase" in enzyme.tags
    ingredients, groups = catalog.allergy("hyaluronidase")
    assert "hyaluronidase-unspecified" in ingredients or "hyaluronidase" in groups


def test_the_pc_dc_ampoule(loaded: LoadedCatalog) -> None:
    """Essentiale N (en.medicalmed.de/index-2248.htm): 'essential phospholipids (EPL)
    250.00 mg. Excipients: desoxycholeic acid - 126,50 mg, ... benzyl alcohol - 45,00 mg
    ... water for injections - to 5 ml': 50 mg/mL and 25.3 mg/mL."""
    product = loaded.catalog.products["essentiale-n-250mg-5ml"]
    assert Quantity(50.0, "mg/mL") == product.strengths["phosphatidylcholine"]
    assert Quantity(25.3, "mg/mL") == product.strengths["deoxycholic-acid"]
    assert Quantity(9.0, "mg/mL") == product.excipients["benzyl-alcohol"]
    assert ("intravenous",) == product.routes
