"""
FHIR R5 resources for clinic systems (SPEC §8.7): a preparation as a ``Medication``,
a compounded batch as a ``Medication`` with its lot number and expiration (the BUD),
and, for a batch compounded for a patient, a ``MedicationDispense`` beside it in a
``Bundle``.

Plain JSON data built here (no model library at run time); quantities carry their UCUM
codes (``system = http://unitsofmeasure.org``); ingredients carry the identifiers the
catalog has (CAS registry numbers, FDA UNII). The test suite validates every resource
with the ``fhir.resources`` R5 models.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .catalog import Catalog
from .course import Administration
from .events import Event
from .formulation import Formulation
from .ucum import UCUM, UCUM_SYSTEM
from .worksheet import Content, Worksheet, clean

#: FHIR's identifier systems of the ingredient identifiers the catalog may carry.
IDENTIFIER_SYSTEMS = {
    "cas": "urn:oid:2.16.840.1.113883.6.61",  # CAS registry numbers (HL7 NamingSystem)
    "unii": "http://fdasis.nlm.nih.gov",  # FDA Unique Ingredient Identifier
}

#: The system of mesoformula's own identifiers (formulation id and version, batch id).
FORMULATION_SYSTEM = "urn:mesoformula:formulation"
BATCH_SYSTEM = "urn:mesoformula:batch"

JSON = dict[str, Any]


def resource_id(text: str) -> str:
    """A FHIR id (``[A-Za-z0-9-.]{1,64}``) for *text*: other characters become ``-``."""
    cleaned = re.sub(r"[^A-Za-z0-9.\-]", "-", text).strip("-") or "x"
    return cleaned[:64]


def quantity(value: float, unit: str) -> JSON:
    """A FHIR Quantity in UCUM."""
    return {"value": clean(value), "unit": unit, "system": UCUM_SYSTEM, "code": UCUM[unit]}


def _concept(name: str, identifiers: Mapping[str, str]) -> JSON:
    codings = [
        {"system": IDENTIFIER_SYSTEMS[kind], "code": code, "display": name}
        for kind, code in sorted(identifiers.items())
        if kind in IDENTIFIER_SYSTEMS
    ]
    concept: JSON = {"text": name}
    if codings:
        concept["coding"] = codings
    return concept


def ingredients(
    contents: Iterable[Content], catalog: Catalog, names: Mapping[str, str] | None = None
) -> list[JSON]:
    """``Medication.ingredient[]``: each content with its strength per mL as a Ratio."""
    items = []
    for content in contents:
        if content.concentration_value <= 0:
            continue
        substance = catalog.ingredients.get(content.ingredient)
        name = (names or {}).get(content.ingredient) or (
            substance.name if substance is not None else content.ingredient
        )
        identifiers = substance.identifiers if substance is not None else {}
        items.append(
            {
                "item": {"concept": _concept(name, identifiers)},
                "isActive": content.role == "active",
                "strengthRatio": {
                    "numerator": quantity(content.concentration_value, content.unit),
                    "denominator": quantity(1.0, "mL"),
                },
            }
        )
    return items


def medication(
    *,
    formulation_id: str,
    version: int,
    name: str,
    contents: Sequence[Content],
    total_volume_ml: float,
    catalog: Catalog,
    names: Mapping[str, str] | None = None,
    batch_id: str | None = None,
    expires: dt.date | None = None,
) -> JSON:
    """
    A ``Medication``: the preparation *name* made of *contents* (final concentrations),
    *total_volume_ml* in all; with *batch_id*, the compounded batch (``batch.lotNumber``,
    ``batch.expirationDate`` = *expires*, the BUD's date).
    """
    resource: JSON = {
        "resourceType": "Medication",
        "id": resource_id(batch_id or f"{formulation_id}-{version}"),
        "identifier": [{"system": FORMULATION_SYSTEM, "value": f"{formulation_id}|{version}"}],
        "code": {"text": name},
        "status": "active",
        "totalVolume": quantity(total_volume_ml, "mL"),
        "ingredient": ingredients(contents, catalog, names),
    }
    if batch_id is not None:
        resource["identifier"].append({"system": BATCH_SYSTEM, "value": batch_id})
        resource["batch"] = {"lotNumber": batch_id}
        if expires is not None:
            resource["batch"]["expirationDate"] = expires.isoformat()
    return resource


def medication_of(formulation: Formulation, worksheet: Worksheet, catalog: Catalog) -> JSON:
    """The preparation of *formulation*, composed as *worksheet*, as an R5 ``Medication``
    (what ``mesoformula export fhir`` prints)."""
    return medication(
        formulation_id=formulation.id,
        version=formulation.version,
        name=formulation.name,
        contents=worksheet.contents,
        total_volume_ml=worksheet.final_volume.value,
        catalog=catalog,
    )


def _full_url(batch_id: str, kind: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'mesoformula:{batch_id}:{kind}')}"


def batch_bundle(
    medication_resource: JSON,
    *,
    batch_id: str,
    patient_id: str,
    patient_name: str | None,
    prescriber: str | None,
    preparer: str,
    prepared_at: dt.datetime,
    total_volume_ml: float,
) -> JSON:
    """
    A ``Bundle`` (collection) of the batch's ``Medication`` and the ``MedicationDispense``
    of the batch to its patient (status ``completed``: prepared and handed over for
    that patient; each dose given is recorded by ``administer``).
    """
    medication_url = _full_url(batch_id, "Medication")
    subject: JSON = {"identifier": {"system": "urn:mesoformula:patient", "value": patient_id}}
    if patient_name:
        subject["display"] = patient_name
    dispense: JSON = {
        "resourceType": "MedicationDispense",
        "id": resource_id(f"{batch_id}-dispense"),
        "identifier": [{"system": BATCH_SYSTEM, "value": batch_id}],
        "status": "completed",
        "medication": {"reference": {"reference": medication_url}},
        "subject": subject,
        "performer": [{"actor": {"display": preparer}}],
        "quantity": quantity(total_volume_ml, "mL"),
        "whenPrepared": prepared_at.isoformat(timespec="seconds"),
    }
    if prescriber:
        dispense["note"] = [{"text": f"prescriber: {prescriber}"}]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": medication_url, "resource": medication_resource},
            {"fullUrl": _full_url(batch_id, "MedicationDispense"), "resource": dispense},
        ],
    }


#: The system of a patient's identifier in the store (its id as the clinic writes it).
PATIENT_SYSTEM = "urn:mesoformula:patient"
#: The system of the complication kinds of SPEC §9.4.
EVENT_SYSTEM = "urn:mesoformula:event-kind"
#: HL7's adverse-event seriousness codes, by severity.
_SERIOUS = {"severe": "serious", "life-threatening": "serious"}


def _subject(patient_id: str) -> JSON:
    return {"identifier": {"system": PATIENT_SYSTEM, "value": patient_id}}


def adverse_event(event: Event) -> JSON:
    """A complication as an R5 ``AdverseEvent`` (actual, completed): its kind, onset,
    recording time, seriousness and the batch it followed as the suspect entity."""
    resource: JSON = {
        "resourceType": "AdverseEvent",
        "id": resource_id(f"event-{event.number}"),
        "identifier": [{"system": "urn:mesoformula:event", "value": str(event.number)}],
        "status": "completed",
        "actuality": "actual",
        "code": {"coding": [{"system": EVENT_SYSTEM, "code": event.kind}], "text": event.kind},
        "subject": _subject(event.patient),
        "occurrenceDateTime": event.onset.isoformat(timespec="seconds"),
        "recordedDate": event.at.isoformat(timespec="seconds"),
        "recorder": {"display": event.actor},
        "seriousness": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                    "code": _SERIOUS.get(event.severity, "non-serious"),
                }
            ],
            "text": event.severity,
        },
        "suspectEntity": [
            {"instanceReference": {"identifier": {"system": BATCH_SYSTEM, "value": event.batch_id}}}
        ],
    }
    notes = [n for n in (event.organism and f"organism: {event.organism}", event.description) if n]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def medication_administration(given: Administration) -> JSON:
    """A dose given as an R5 ``MedicationAdministration`` (``entered-in-error`` when it
    was undone): the batch as the medication, the volume as the dose, the area as the
    site."""
    dosage: JSON = {"dose": quantity(given.volume_ml, "mL")}
    if given.area:
        dosage["site"] = {"text": given.area}
    resource: JSON = {
        "resourceType": "MedicationAdministration",
        "id": resource_id(f"administration-{given.number}"),
        "identifier": [{"system": "urn:mesoformula:administration", "value": str(given.number)}],
        "status": "completed" if given.live else "entered-in-error",
        "medication": {
            "reference": {"identifier": {"system": BATCH_SYSTEM, "value": given.batch_id}},
        },
        "subject": _subject(given.patient),
        "occurenceDateTime": given.at.isoformat(timespec="seconds"),
        "performer": [{"actor": {"reference": {"display": given.actor}}}],
        "dosage": dosage,
    }
    if given.undone is not None:
        resource["statusReason"] = [{"text": given.undone.reason}]
    return resource


def collection(resources: Iterable[JSON], kind: str) -> JSON:
    """A ``Bundle`` (collection) of *resources*, each under a stable ``urn:uuid``."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": _full_url(str(r["id"]), kind), "resource": r} for r in resources],
    }


__all__ = [
    "BATCH_SYSTEM",
    "EVENT_SYSTEM",
    "FORMULATION_SYSTEM",
    "IDENTIFIER_SYSTEMS",
    "PATIENT_SYSTEM",
    "adverse_event",
    "batch_bundle",
    "collection",
    "ingredients",
    "medication",
    "medication_administration",
    "medication_of",
    "quantity",
    "resource_id",
]
