"""The patient model (SPEC §2.2): what the patient-specific checks need."""

from __future__ import annotations

from typing import Final, Literal

import attrs

from ._fields import BodyWeight
from ._validate import validated

PATIENT_FORMAT: Final = "mesoformula.patient/1"


@attrs.frozen(kw_only=True)
@validated
class Patient:
    """
    A patient (``format = "mesoformula.patient/1"``).

    Attributes:
        id: Clinic's patient id.
        name: The patient's name, for the record and label (optional).
        weight: Body weight; per-kg limits cannot be checked without it.
        allergies: Allergen group ids, ingredient ids or synonyms (any case).
        pregnant: Whether the patient is or may be pregnant; None when not recorded
            (never read as "not pregnant": ``patient.unknown``, SPEC §9.2).
        breastfeeding: Whether the patient breastfeeds; None when not recorded.
        conditions: Conditions the catalog's contraindication rules are checked against
            (``bleeding disorder``), matched as allergies are.
        medications: Medications or their classes (``warfarin``, ``anticoagulant``).
    """

    format: Literal["mesoformula.patient/1"] = PATIENT_FORMAT
    id: str
    name: str | None = None
    weight: BodyWeight | None = None
    allergies: tuple[str, ...] = ()
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()


__all__ = [
    "PATIENT_FORMAT",
    "Patient",
]
