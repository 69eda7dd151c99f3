"""
FHIR R5 export and UCUM (issue 15, SPEC §8.7): every resource validated by the
``fhir.resources`` R5 models; every UCUM code checked by a UCUM grammar (ucumvert) and,
where both sides know the dimension, its magnitude against our own units.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.bundle import Bundle
from fhir.resources.medication import Medication
from fhir.resources.medicationdispense import MedicationDispense

from mesoformula.cli import main
from mesoformula.fhir import IDENTIFIER_SYSTEMS
from mesoformula.ucum import UCUM, UCUM_SYSTEM
from mesoformula.units import (
    KIND_BY_UNIT,
    Accepts,
    Quantity,
    parse_quantity,
)

from .conftest import EXAMPLES

SAFE = ["hair-revitalizing.toml", "kybella-submental.toml", "vitamin-b-complex.yaml"]


def run(*argv: str) -> tuple[int, Any]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    try:
        return code, json.loads(out.getvalue())
    except json.JSONDecodeError:
        return code, out.getvalue()


@pytest.mark.parametrize("name", SAFE)
def test_export_fhir_is_a_valid_r5_medication(name: str) -> None:
    code, data = run("export", "fhir", str(EXAMPLES / name))
    assert 0 == code, data
    medication = Medication.model_validate(data)
    assert medication.ingredient
    for ingredient in data["ingredient"]:
        ratio = ingredient["strengthRatio"]
        for side in ("numerator", "denominator"):
            assert UCUM_SYSTEM == ratio[side]["system"]
            assert ratio[side]["code"] in UCUM.values()
        assert isinstance(ingredient["isActive"], bool)


def test_the_hair_cocktail_as_fhir() -> None:
    _, data = run("export", "fhir", str(EXAMPLES / "hair-revitalizing.toml"))
    by_name = {i["item"]["concept"]["text"]: i for i in data["ingredient"]}
    lidocaine = by_name["Lidocaine hydrochloride"]
    assert {"value": 2.0, "unit": "mg", "system": UCUM_SYSTEM, "code": "mg"} == (
        lidocaine["strengthRatio"]["numerator"]
    )
    codes = {c["system"]: c["code"] for c in lidocaine["item"]["concept"]["coding"]}
    assert "73-78-9" == codes[IDENTIFIER_SYSTEMS["cas"]]
    assert {"value": 10.0, "unit": "mL", "system": UCUM_SYSTEM, "code": "mL"} == (
        data["totalVolume"]
    )
    assert "hair-revitalizing|3" == data["identifier"][0]["value"]


def test_an_unsafe_formulation_is_not_exported() -> None:
    code, text = run("export", "fhir", str(EXAMPLES / "unsafe-cocktail.toml"))
    assert 1 == code
    assert "not exported" in text


@pytest.fixture
def store(tmp_path: Path) -> str:
    db = str(tmp_path / "s.db")
    run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, "--at", "2026-11-25T09:00Z")
    hair = str(EXAMPLES / "hair-revitalizing.toml")
    at = ("--at", "2026-12-01T10:00Z")
    assert 0 == run("stock", "consume", hair, "--db", db, "--batch-id", "S", *at)[0]
    assert 0 == run(
        "stock", "consume", hair, "--db", db, "--batch-id", "P", *at,
        "--patient", str(EXAMPLES / "patient-P-0500.toml"), "--prescriber", "Dr. Rossi",
    )[0]  # fmt: skip
    return db


def test_a_batch_is_a_medication_with_lot_and_expiration(store: str) -> None:
    code, data = run("record", "batch", "--batch-id", "S", "--db", store, "--format", "fhir")
    assert 0 == code
    batch = Medication.model_validate(data).batch
    assert batch is not None
    assert "S" == batch.lotNumber
    _, record = run("record", "batch", "--batch-id", "S", "--db", store, "--format", "json")
    assert record["bud"]["at"][:10] == str(batch.expirationDate)


def test_a_patient_batch_adds_the_dispense(store: str) -> None:
    code, data = run("record", "batch", "--batch-id", "P", "--db", store, "--format", "fhir")
    assert 0 == code
    bundle = Bundle.model_validate(data)
    assert "collection" == bundle.type
    medication_entry, dispense_entry = data["entry"]
    Medication.model_validate(medication_entry["resource"])
    dispense = MedicationDispense.model_validate(dispense_entry["resource"])
    reference, subject, volume = (
        dispense.medication.reference,
        dispense.subject.identifier,
        dispense.quantity,
    )
    assert reference is not None
    assert subject is not None
    assert volume is not None
    assert medication_entry["fullUrl"] == reference.reference
    assert "P-0500" == subject.value
    assert "Maria Example" == dispense.subject.display
    assert 10.0 == float(str(volume.value))


def test_fhir_is_offered_only_where_it_exists() -> None:
    assert 2 == run("compose", str(EXAMPLES / "hair-revitalizing.toml"), "--format", "fhir")[0]


# ---------------------------------------------------------------- UCUM


def test_every_canonical_unit_has_a_ucum_code() -> None:
    assert set(KIND_BY_UNIT) == set(UCUM)


@pytest.mark.parametrize("unit", sorted(UCUM))
def test_each_ucum_code_is_valid_ucum(unit: str) -> None:
    from ucumvert import parse_ucum

    parse_ucum(UCUM[unit])  # raises for an invalid code


@pytest.mark.parametrize(
    ("unit", "reference"),
    [
        ("mg", "gram"),
        ("mL", "liter"),
        ("mg/mL", "gram / liter"),
        ("mmol", "mole"),
        ("mmol/mL", "mole / liter"),
        ("g/mol", "gram / mole"),
        ("d", "hour"),
        ("mg/kg", "gram / kilogram"),
    ],
)
def test_ucum_magnitudes_match_ours(unit: str, reference: str) -> None:
    """Where both registries know the dimension, one unit is the same amount."""
    from ucumvert import PintUcumRegistry

    theirs = PintUcumRegistry().from_ucum(UCUM[unit]).to(reference).magnitude
    ours = Quantity(1.0, unit).to_pint().to(reference.replace("kilogram", "body_kilogram"))
    assert theirs == pytest.approx(ours.magnitude, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500 ug", Quantity(0.5, "mg")),
        ("150 [USP'U]/mL", Quantity(150.0, "USP_U/mL")),
        ("1000 [iU]", Quantity(1000.0, "IU")),
        ("2 mg/mL", Quantity(2.0, "mg/mL")),
        ("0.1 meq/mL", Quantity(0.1, "mEq/mL")),
    ],
)
def test_ucum_spellings_are_accepted_on_input(text: str, expected: Quantity) -> None:
    assert expected == parse_quantity(text, Accepts(frozenset(KIND_BY_UNIT), "any quantity"))
