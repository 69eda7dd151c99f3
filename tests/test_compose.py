"""Tests for mesoformula.composition: the worksheet's numbers, hand-checked and by property."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoformula.catalog import Catalog, CatalogFile, Ingredient, Product
from mesoformula.cli import main
from mesoformula.composition import compose
from mesoformula.conversion import convert
from mesoformula.files import load
from mesoformula.files.catalogs import LoadedCatalog
from mesoformula.formulation import Administration, Component, Formulation
from mesoformula.units import Quantity
from mesoformula.worksheet import Worksheet

from .conftest import DATA, EXAMPLES

COMPOSE = DATA / "compose"


def sheet(path: Path, loaded: LoadedCatalog, **options: object) -> Worksheet:
    return compose(load(path, Formulation), loaded.catalog, **options)  # type: ignore[arg-type]


def codes(worksheet: Worksheet) -> list[str]:
    return [f.code for f in worksheet.findings]


class TestHandChecked:
    """Cases worked by hand, as a pharmacist would check them."""

    def test_lidocaine_per_session_point_course(self, loaded: LoadedCatalog) -> None:
        """Lidocaine 2% 1 mL in 10 mL: 2 mg/mL; 4 mL 8 mg; 80 points 0.1 mg; 6 sessions 48 mg."""
        lidocaine = sheet(EXAMPLES / "hair-revitalizing.toml", loaded).content("lidocaine-hcl")
        assert Quantity(2.0, "mg/mL") == lidocaine.concentration
        assert Quantity(20.0, "mg") == lidocaine.per_batch
        assert Quantity(8.0, "mg") == lidocaine.per_session
        assert Quantity(0.1, "mg") == lidocaine.per_point
        assert Quantity(48.0, "mg") == lidocaine.per_course

    def test_q_s_with_diluent(self, loaded: LoadedCatalog) -> None:
        """1 + 1 + 1 mL of components q.s. 10 mL: 7 mL of sodium chloride 0.9%."""
        worksheet = sheet(EXAMPLES / "hair-revitalizing.toml", loaded)
        assert worksheet.diluent is not None
        assert Quantity(7.0, "mL") == worksheet.diluent.volume
        assert Quantity(6.3, "mg/mL") == worksheet.content("sodium-chloride").concentration

    def test_concentration_target_c1v1(self, loaded: LoadedCatalog) -> None:
        """0.5% w/v from a 2% stock in 10 mL: draw 2.5 mL."""
        worksheet = sheet(COMPOSE / "dilution.toml", loaded)
        assert Quantity(2.5, "mL") == worksheet.draws[0].volume
        assert Quantity(5.0, "mg/mL") == worksheet.content("lidocaine-hcl").concentration

    def test_amount_target(self, loaded: LoadedCatalog) -> None:
        """0.5 mg biotin from 0.5 mg/mL: draw 1 mL."""
        worksheet = sheet(EXAMPLES / "hair-revitalizing.toml", loaded)
        biotin = next(d for d in worksheet.draws if d.product == "biotin-0.5mg-ml-2ml")
        assert Quantity(1.0, "mL") == biotin.volume

    def test_ratio_strength(self, loaded: LoadedCatalog) -> None:
        """Epinephrine 1:100,000, 2 mL in 10 mL: 0.002 mg/mL."""
        worksheet = sheet(COMPOSE / "epinephrine.toml", loaded)
        assert Quantity(0.002, "mg/mL") == worksheet.content("epinephrine").concentration

    def test_single_dose_containers(self, loaded: LoadedCatalog) -> None:
        """6 mL from 5 mL ampoules: 2 containers, 4 mL waste."""
        draw = sheet(COMPOSE / "two-ampoules.toml", loaded).draws[0]
        assert (2, Quantity(4.0, "mL")) == (draw.containers, draw.waste)

    def test_multi_dose_has_no_waste(self, loaded: LoadedCatalog) -> None:
        """A multi-dose vial is used partly: one vial, no waste."""
        draw = sheet(COMPOSE / "dilution.toml", loaded).draws[0]
        assert ("multi-dose", 1, 0.0) == (draw.use, draw.containers, draw.waste.value)

    def test_excipients_carried_in_and_merged(self, loaded: LoadedCatalog) -> None:
        """Excipients are listed; the same ingredient from two products is summed."""
        worksheet = sheet(COMPOSE / "epinephrine.toml", loaded)
        assert "excipient" == worksheet.content("sodium-metabisulfite").role
        assert Quantity(0.1, "mg/mL") == worksheet.content("sodium-metabisulfite").concentration
        # sodium chloride comes only from the diluent here: 8 mL x 9 mg/mL / 10 mL
        assert Quantity(7.2, "mg/mL") == worksheet.content("sodium-chloride").concentration
        products = worksheet.content("methylparaben").products
        assert ("lidocaine-hcl-1pct-epinephrine-1-100000-20ml-mdv",) == products

    def test_activity_units(self, loaded: LoadedCatalog) -> None:
        """150 USP units of hyaluronidase from 150 USP_U/mL: 1 mL; calcitonin 10 IU/mL: 0.5 mL."""
        worksheet = sheet(COMPOSE / "activity.toml", loaded)
        assert [Quantity(1.0, "mL"), Quantity(0.5, "mL")] == [d.volume for d in worksheet.draws]
        hyaluronidase = worksheet.content("hyaluronidase-bovine")
        assert Quantity(150.0, "USP_U") == hyaluronidase.per_batch
        assert Quantity(75.0, "USP_U") == hyaluronidase.per_session
        assert Quantity(1.5, "USP_U") == hyaluronidase.per_point

    def test_batches_scale_draws_not_concentrations(self, loaded: LoadedCatalog) -> None:
        """--batches 3 triples the draws and totals; concentrations and per-batch stay."""
        one = sheet(EXAMPLES / "hair-revitalizing.toml", loaded)
        three = sheet(EXAMPLES / "hair-revitalizing.toml", loaded, batches=3)
        assert [3 * d.volume.value for d in one.draws] == [d.volume.value for d in three.draws]
        assert (
            one.content("lidocaine-hcl").concentration
            == three.content("lidocaine-hcl").concentration
        )
        assert Quantity(60.0, "mg") == three.content("lidocaine-hcl").total
        assert Quantity(20.0, "mg") == three.content("lidocaine-hcl").per_batch
        assert Quantity(30.0, "mL") == three.total_volume

    def test_target_final_volume(self, loaded: LoadedCatalog) -> None:
        """A 25 mL target scales 10 mL of formulation by 2.5."""
        worksheet = sheet(
            EXAMPLES / "hair-revitalizing.toml", loaded, final_volume=Quantity(25.0, "mL")
        )
        assert Quantity(2.5, "mL") == worksheet.draws[0].volume
        assert Quantity(2.0, "mg/mL") == worksheet.content("lidocaine-hcl").concentration


class TestRounding:
    """Draws are rounded to the syringe resolution, and the error is reported."""

    def formulation(self, volume: str) -> Formulation:
        return Formulation(
            id="r",
            name="rounding",
            route="intradermal",
            final_volume=Quantity(10.0, "mL"),
            diluent="sodium-chloride-0.9-10ml",
            components=(
                Component(
                    product="lidocaine-hcl-2pct-20ml-mdv",
                    concentration=Quantity(float(volume), "mg/mL"),
                ),
            ),
        )

    def test_rounded_with_error_reported(self, loaded: LoadedCatalog) -> None:
        """0.3 mg/mL from 20 mg/mL in 10 mL needs 0.15 mL; 0.333 mg/mL needs 0.1665 -> 0.17 mL."""
        worksheet = compose(self.formulation("0.333"), loaded.catalog)
        draw = worksheet.draws[0]
        assert Quantity(0.17, "mL") == draw.volume
        assert math.isclose(0.1665, draw.exact)
        (finding,) = [f for f in worksheet.findings if f.code == "volume.rounding"]
        assert "info" == finding.severity
        assert "+2.10%" in finding.message

    def test_coarser_resolution(self, loaded: LoadedCatalog) -> None:
        """At 0.1 mL resolution 0.1665 mL rounds to 0.2 mL."""
        worksheet = compose(self.formulation("0.333"), loaded.catalog, resolution=0.1)
        assert Quantity(0.2, "mL") == worksheet.draws[0].volume

    def test_rounds_to_zero_is_an_error(self, loaded: LoadedCatalog) -> None:
        """A draw that rounds to 0 mL is an error, not a silent omission."""
        worksheet = compose(self.formulation("0.001"), loaded.catalog)
        assert ["volume.rounding"] == codes(worksheet)
        assert "error" == worksheet.findings[0].severity

    def test_no_rounding(self, loaded: LoadedCatalog) -> None:
        """resolution=None keeps exact volumes."""
        worksheet = compose(self.formulation("0.333"), loaded.catalog, resolution=None)
        assert Quantity(0.1665, "mL") == worksheet.draws[0].volume
        assert [] == codes(worksheet)

    def test_dead_volume(self, loaded: LoadedCatalog) -> None:
        """Dead volume is drawn from the containers but not delivered."""
        worksheet = sheet(COMPOSE / "two-ampoules.toml", loaded, dead_volume=0.1)
        draw = worksheet.draws[0]
        assert (Quantity(6.0, "mL"), Quantity(6.1, "mL")) == (draw.volume, draw.draw_volume)
        assert Quantity(3.9, "mL") == draw.waste


class TestFindings:
    """A formulation that does not add up gives findings, never a crash."""

    def test_overflow(self, loaded: LoadedCatalog) -> None:
        """8 + 4 mL in 10 mL is volume.overflow."""
        assert ["volume.overflow"] == codes(sheet(COMPOSE / "overflow.toml", loaded))

    def test_short_without_diluent(self, loaded: LoadedCatalog) -> None:
        """2 mL in 10 mL with no diluent is volume.short."""
        assert ["volume.short"] == codes(sheet(COMPOSE / "short.toml", loaded))

    def test_wrong_kind(self, loaded: LoadedCatalog) -> None:
        """IU of a mass-strength product, and % w/w, are unit.dimension with locations."""
        worksheet = sheet(COMPOSE / "wrong-kind.toml", loaded)
        assert [
            ("unit.dimension", "components[0].concentration"),
            ("unit.dimension", "components[1].concentration"),
        ] == [(f.code, f.location) for f in worksheet.findings]

    def test_administration(self, loaded: LoadedCatalog) -> None:
        """12 mL per session from 10 mL, and points that do not divide, are findings."""
        findings = sheet(COMPOSE / "administration.toml", loaded).findings
        assert [("volume.administration", "warning"), ("volume.administration", "error")] == [
            (f.code, f.severity) for f in findings
        ]

    def test_references(self, loaded: LoadedCatalog) -> None:
        """Unknown products and ambiguous actives are ref.* findings; the rest composes."""
        worksheet = sheet(DATA / "broken" / "refs.toml", loaded)
        assert {"ref.product", "ref.ambiguous", "ref.ingredient"} == set(codes(worksheet))
        assert [] == list(worksheet.draws)

    def test_bad_arguments(self, loaded: LoadedCatalog) -> None:
        """Nonsense arguments raise ValueError naming the value."""
        formulation = load(EXAMPLES / "hair-revitalizing.toml", Formulation)
        with pytest.raises(ValueError, match="batches"):
            compose(formulation, loaded.catalog, batches=0)
        with pytest.raises(ValueError, match="resolution"):
            compose(formulation, loaded.catalog, resolution=-1)
        with pytest.raises(ValueError, match="dead volume"):
            compose(formulation, loaded.catalog, dead_volume=float("nan"))


class TestConversions:
    """mEq and activity convert only through declared factors."""

    SODIUM = Ingredient(
        id="nacl", name="NaCl", class_="excipient", molar_mass=Quantity(58.44, "g/mol"), valence=1
    )

    def test_meq_to_mg(self) -> None:
        """8.4 mEq of NaCl (58.44 g/mol, valence 1) is 490.896 mg."""
        result = convert(8.4, "mEq", "mg", self.SODIUM)
        assert result is not None
        assert math.isclose(490.896, result)

    def test_no_factor_no_conversion(self) -> None:
        """IU to mg without activity_mass is None (not checked), never a guess."""
        assert convert(1.0, "IU", "mg", self.SODIUM) is None
        assert convert(1.0, "mEq", "mg", None) is None

    def test_meq_component(self) -> None:
        """An amount in mEq is drawn from a mg/mL product through molar mass and valence."""
        catalog, _ = Catalog.from_files(
            [
                (
                    "t",
                    CatalogFile(
                        ingredients=(self.SODIUM,),
                        products=(
                            Product(
                                id="nacl-23.4",
                                name="NaCl 23.4%",
                                container="vial",
                                use="single-dose",
                                sterile=True,
                                volume=Quantity(30.0, "mL"),
                                strengths={"nacl": Quantity(234.0, "mg/mL")},
                            ),
                        ),
                    ),
                )
            ]
        )
        formulation = Formulation(
            id="e",
            name="mEq",
            route="subcutaneous",
            final_volume=Quantity(10.0, "mL"),
            components=(Component(product="nacl-23.4", amount=Quantity(4.0, "mEq")),),
        )
        worksheet = compose(formulation, catalog, resolution=None)
        # 4 mEq x 58.44 mg/mEq = 233.76 mg; / 234 mg/mL = 0.998974... mL
        assert math.isclose(233.76 / 234.0, worksheet.draws[0].volume.value)


# --------------------------------------------------------------------------- properties

SINGLE_ACTIVE = [
    "lidocaine-hcl-2pct-20ml-mdv",
    "lidocaine-hcl-1pct-5ml",
    "dexpanthenol-250mg-ml-2ml",
    "biotin-0.5mg-ml-2ml",
    "thiamine-hcl-100mg-ml-2ml-mdv",
    "hyaluronidase-bovine-150usp-ml-1ml",
    "calcitonin-salmon-200iu-ml-2ml-mdv",
    "tranexamic-acid-100mg-ml-10ml",
]


@st.composite
def formulations(draw: st.DrawFn, loaded: LoadedCatalog) -> Formulation:
    """Formulations from shipped single-active products whose draws fit the final volume."""
    final = draw(st.floats(min_value=2.0, max_value=100.0))
    count = draw(st.integers(1, 4))
    components = []
    for _ in range(count):
        product = loaded.catalog.products[draw(st.sampled_from(SINGLE_ACTIVE))]
        ((_, strength),) = product.strengths.items()
        fraction = draw(st.floats(min_value=0.001, max_value=0.2))  # of the final volume
        form = draw(st.sampled_from(["volume", "amount", "concentration"]))
        unit = strength.unit.partition("/")[0]
        value = {
            "volume": Quantity(fraction * final, "mL"),
            "amount": Quantity(fraction * final * strength.value, unit),
            "concentration": Quantity(fraction * strength.value, strength.unit),
        }[form]
        components.append(Component(product=product.id, **{form: value}))  # type: ignore[arg-type]
    administration = draw(
        st.none()
        | st.builds(
            Administration,
            volume_per_session=st.floats(0.1, 2.0).map(lambda v: Quantity(v, "mL")),
            points_per_session=st.integers(1, 100),
            sessions=st.integers(1, 8),
        )
    )
    return Formulation(
        id="p",
        name="property",
        route="intradermal",
        final_volume=Quantity(final, "mL"),
        diluent="sodium-chloride-0.9-100ml",
        components=tuple(components),
        administration=administration,
    )


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


class TestProperties:
    """Invariants of composition, checked on generated formulations."""

    @settings(max_examples=150)
    @given(data=st.data())
    def test_draws_plus_diluent_is_final_volume(
        self, loaded: LoadedCatalog, data: st.DataObject
    ) -> None:
        """Draws + diluent = final volume (components fit: at most 4 x 20%)."""
        formulation = data.draw(formulations(loaded))
        worksheet = compose(formulation, loaded.catalog)
        assert worksheet.diluent is not None
        drawn = sum(d.volume.value for d in worksheet.draws) + worksheet.diluent.volume.value
        assert close(worksheet.total_volume.value, drawn)

    @settings(max_examples=150)
    @given(data=st.data())
    def test_concentration_times_volume_is_amount(
        self, loaded: LoadedCatalog, data: st.DataObject
    ) -> None:
        """Concentration x final volume = amount, for every ingredient."""
        worksheet = compose(data.draw(formulations(loaded)), loaded.catalog)
        for content in worksheet.contents:
            assert close(
                content.total.value, content.concentration.value * worksheet.total_volume.value
            )

    @settings(max_examples=100)
    @given(data=st.data(), k=st.integers(1, 12))
    def test_scaling(self, loaded: LoadedCatalog, data: st.DataObject, k: int) -> None:
        """Scaling by k multiplies draws and amounts by k and leaves concentrations unchanged."""
        formulation = data.draw(formulations(loaded))
        one = compose(formulation, loaded.catalog, resolution=None)
        many = compose(formulation, loaded.catalog, batches=k, resolution=None)
        for draw_1, draw_k in zip(one.draws, many.draws, strict=True):
            assert close(k * draw_1.volume.value, draw_k.volume.value)
        for a, b in zip(one.contents, many.contents, strict=True):
            assert close(k * a.total.value, b.total.value)
            assert close(a.concentration.value, b.concentration.value)
            assert (a.per_session is None) == (b.per_session is None)
            if a.per_session is not None and b.per_session is not None:
                assert close(a.per_session.value, b.per_session.value)

    @settings(max_examples=150)
    @given(data=st.data(), batches=st.integers(1, 5))
    def test_never_negative_or_non_finite(
        self, loaded: LoadedCatalog, data: st.DataObject, batches: int
    ) -> None:
        """Composing never produces a negative or non-finite number."""
        worksheet = compose(data.draw(formulations(loaded)), loaded.catalog, batches=batches)
        numbers = [worksheet.total_volume.value]
        for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]:
            numbers += [d.volume.value, d.draw_volume.value, d.waste.value, float(d.containers)]
        for c in worksheet.contents:
            numbers += [
                q.value
                for q in (
                    c.concentration,
                    c.per_batch,
                    c.total,
                    c.per_session,
                    c.per_point,
                    c.per_course,
                )
                if q
            ]
        assert all(math.isfinite(n) and n >= 0 for n in numbers)


class TestComposeCommand:
    """mesoformula compose as a user runs it."""

    def run(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main(list(argv), out=out), out.getvalue()

    def test_text_worksheet(self) -> None:
        """The text worksheet has the draws, a lot column to fill, the diluent and contents."""
        code, text = self.run("compose", str(EXAMPLES / "hair-revitalizing.toml"))
        assert 0 == code
        assert (
            "lidocaine-hcl-2pct-5ml         ____________  1.00 mL  1 ampoule of 5 mL   4.00 mL"
            in text
        )
        assert "q.s. sodium-chloride-0.9-10ml  ____________  7.00 mL" in text
        assert (
            "lidocaine-hcl    active     2 mg/mL        20 mg      8 mg         0.1 mg     48 mg"
            in text
        )

    def test_json_shape(self) -> None:
        """The JSON has the SPEC §4.1 keys with quantities as {value, unit}."""
        code, text = self.run(
            "compose", str(EXAMPLES / "hair-revitalizing.toml"), "--format", "json"
        )
        data = json.loads(text)
        assert 0 == code
        assert {
            "formulation",
            "batches",
            "final_volume",
            "draws",
            "diluent",
            "ingredients",
            "findings",
        } <= set(data)
        assert {
            "product": "lidocaine-hcl-2pct-5ml",
            "volume": {"value": 1.0, "unit": "mL"},
            "containers": 1,
        }.items() <= data["draws"][0].items()
        lidocaine = next(i for i in data["ingredients"] if i["ingredient"] == "lidocaine-hcl")
        assert {"value": 48.0, "unit": "mg"} == lidocaine["per_course"]
        assert {"value": 7.0, "unit": "mL"} == data["diluent"]["volume"]

    def test_markdown_and_batches(self) -> None:
        """--format markdown and --batches work together."""
        code, text = self.run(
            "compose",
            str(EXAMPLES / "hair-revitalizing.toml"),
            "--batches",
            "2",
            "--format",
            "markdown",
        )
        assert 0 == code
        assert text.startswith("# Worksheet: Hair revitalizing cocktail")
        assert "2 batch(es) of 10 mL = 20 mL in all." in text

    def test_findings_exit_1(self) -> None:
        """A formulation that overflows exits 1 and shows the finding in the worksheet."""
        code, text = self.run("compose", str(COMPOSE / "overflow.toml"))
        assert 1 == code
        assert "error volume.overflow" in text

    def test_broken_file_reports_findings(self) -> None:
        """A file that cannot be read reports its findings like validate."""
        code, text = self.run("compose", str(DATA / "broken" / "many-problems.toml"))
        assert 1 == code
        assert "unit.unknown" in text

    @pytest.mark.parametrize(
        "argv",
        [
            ["compose", "missing.toml"],
            ["compose", str(EXAMPLES / "hair-revitalizing.toml"), "--batches", "0"],
            ["compose", str(EXAMPLES / "hair-revitalizing.toml"), "--final-volume", "10 MG"],
            ["compose", str(EXAMPLES / "hair-revitalizing.toml"), "--resolution", "-1 mL"],
            ["validate", "--format", "markdown", str(EXAMPLES)],
        ],
    )
    def test_usage_errors(self, argv: list[str]) -> None:
        """Bad arguments exit 2."""
        assert 2 == self.run(*argv)[0]
