"""Tests for mesoformula.catalog: loading, merging, overrides and integrity."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesoformula.catalog import Catalog, Condition
from mesoformula.exceptions import CatalogError
from mesoformula.files import read
from mesoformula.files.catalogs import LoadedCatalog, load_catalog
from mesoformula.units import Quantity

from .conftest import CATALOG, DATA


class TestShippedCatalog:
    """The shipped catalog loads clean and every rule is sourced."""

    def test_loads_without_findings(self, loaded: LoadedCatalog) -> None:
        """No file, merge or integrity finding in the shipped catalog."""
        assert [] == [(p, f.code, f.message) for p, f in loaded.findings]

    def test_every_limit_and_rule_has_a_source(self, loaded: LoadedCatalog) -> None:
        """Every dose limit, allergen group, cross-reactivity and incompatibility is sourced."""
        catalog = loaded.catalog
        for ingredient in catalog.ingredients.values():
            for limit in ingredient.limits:
                assert limit.source.strip(), ingredient.id
        for group in catalog.allergen_groups.values():
            assert group.source.strip(), group.id
        for rule in catalog.cross_reactivity:
            assert rule.source.strip(), rule.groups
        for incompatibility in catalog.incompatibilities:
            assert incompatibility.source.strip(), (incompatibility.a, incompatibility.b)

    def test_product_ingredients_resolve(self, loaded: LoadedCatalog) -> None:
        """Every product's strengths and excipients name catalog ingredients."""
        catalog = loaded.catalog
        for product in catalog.products.values():
            for ingredient_id in (*product.strengths, *product.excipients):
                assert ingredient_id in catalog.ingredients, (product.id, ingredient_id)

    def test_lidocaine_conditional_limits(self, loaded: LoadedCatalog) -> None:
        """Lidocaine: 4.5 mg/kg and 300 mg unless epinephrine reaches 1:200,000 (0.005 mg/mL);
        7 mg/kg and 500 mg when it does."""
        limits = loaded.catalog.ingredients["lidocaine-hcl"].limits
        threshold = (Condition(ingredient="epinephrine", at_least=Quantity(0.005, "mg/mL")),)
        plain = {(lim.basis, lim.max) for lim in limits if lim.unless_present == threshold}
        with_epi = {(lim.basis, lim.max) for lim in limits if lim.when_present == threshold}
        assert {
            ("per-kg-session", Quantity(4.5, "mg/kg")),
            ("session", Quantity(300.0, "mg")),
        } == plain
        assert {
            ("per-kg-session", Quantity(7.0, "mg/kg")),
            ("session", Quantity(500.0, "mg")),
        } == with_epi

    def test_shipped_dir_is_the_repository_catalog(self) -> None:
        """In a source checkout the shipped catalog is the top-level catalog/."""
        from mesoformula.files.catalogs import shipped_catalog_dir

        assert CATALOG.resolve() == shipped_catalog_dir().resolve()


class TestMerging:
    """User catalogs merge over the shipped one; overrides are reported as info."""

    def test_override_reported_as_info(self) -> None:
        """A product redefined by a clinic catalog replaces the shipped one, with an info."""
        loaded = load_catalog([DATA / "catalog-override"])
        product = loaded.catalog.product("sodium-chloride-0.9-10ml")
        assert "Local supplier's label" == product.source
        overrides = [f for _, f in loaded.findings if f.code == "catalog.override"]
        assert 1 == len(overrides)
        assert "info" == overrides[0].severity
        assert "sodium-chloride-0.9-10ml" in overrides[0].message

    def test_policy_limit_is_added(self) -> None:
        """A clinic limit adds to the ingredient's own limits."""
        loaded = load_catalog([DATA / "catalog-override"])
        limits = loaded.catalog.limits_of("lidocaine-hcl")
        assert Quantity(3.0, "mg/kg") in [lim.max for lim in limits]
        assert 5 == len(limits)

    def test_identical_redefinition_is_quiet(self) -> None:
        """Loading the shipped catalog twice reports no override."""
        loaded = load_catalog([CATALOG])
        assert [] == [f for _, f in loaded.findings]

    def test_later_catalog_wins(self, tmp_path: Path) -> None:
        """Of two user catalogs, the later one's definition is used."""
        for n in (1, 2):
            folder = tmp_path / f"c{n}"
            folder.mkdir()
            (folder / "p.toml").write_text(
                'format = "mesoformula.catalog/1"\n[[products]]\nid = "x"\n'
                f'name = "version {n}"\ncontainer = "vial"\nuse = "single-dose"\nvolume = "1 mL"\n'
                "sterile = true\n"
            )
        loaded = load_catalog([tmp_path / "c1", tmp_path / "c2"])
        assert "version 2" == loaded.catalog.product("x").name


class TestIntegrity:
    """Integrity checks: duplicates, dangling references, sources, limit units."""

    def test_broken_catalog(self) -> None:
        """Each problem of a broken catalog is found, in that file."""
        loaded = load_catalog([DATA / "catalog-broken"])
        found = sorted((f.code, f.location) for p, f in loaded.findings if p.endswith("bad.toml"))
        assert [
            ("catalog.duplicate", "ingredients[1].id"),
            ("catalog.source", "incompatibilities[0].source"),
            ("catalog.source", "ingredients[0].limits[0].source"),
            ("file.schema", "products[0].in_use_days"),
            ("ref.allergen", "ingredients[0].allergen_groups[0]"),
            ("ref.ingredient", "incompatibilities[0].b"),
            ("ref.ingredient", "products[0].strengths.nothing"),
            ("unit.dimension", "ingredients[0].limits[0].max"),
        ] == found

    def test_integrity_findings_have_lines(self) -> None:
        """Integrity findings carry the line of the entry in the file."""
        loaded = load_catalog([DATA / "catalog-broken"])
        lines = {f.location: f.line for p, f in loaded.findings if p.endswith("bad.toml")}
        assert 11 == lines["ingredients[0].limits[0].max"]

    def test_lookups(self, loaded: LoadedCatalog) -> None:
        """Unknown ids raise CatalogError (a LookupError)."""
        with pytest.raises(CatalogError):
            loaded.catalog.product("nope")
        with pytest.raises(LookupError):
            loaded.catalog.ingredient("nope")

    def test_find_by_synonym(self, loaded: LoadedCatalog) -> None:
        """Synonyms and names match case-insensitively."""
        assert ["lidocaine-hcl"] == loaded.catalog.find("XYLOCAINE")
        assert ["procaine-hcl"] == loaded.catalog.find("novocain")
        assert [] == loaded.catalog.find("unobtainium")

    def test_catalog_file_round_trip(self) -> None:
        """Every shipped catalog file reads as a catalog."""
        for path in CATALOG.glob("*.toml"):
            assert "catalog" == read(path).kind

    def test_empty_catalog(self) -> None:
        """A catalog built from no files is empty, not an error."""
        catalog, findings = Catalog.from_files([])
        assert (0, []) == (len(catalog.ingredients), findings)
