"""
The snapshot a consumed batch keeps for its record (SPEC §8.8): what was compounded,
checked and for whom, frozen at the moment of compounding, so that the record and the
label print what was made whatever the catalog or the formulation file says later.

Written and read by the file converter (:func:`mesoformula.files.snapshot_data`,
:func:`mesoformula.files.read_snapshot`); older records, which lack some fields, read
with their defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from . import _time
from .findings import Finding
from .formulation import Formulation
from .units import Quantity
from .worksheet import Dosing


@attrs.frozen(kw_only=True)
class AdmixtureNote:
    """How long a product's admixture keeps, and how (its label's words)."""

    days: float
    storage: str

    @property
    def within(self) -> dt.timedelta:
        """The stability as a duration."""
        return dt.timedelta(days=self.days)


@attrs.frozen(kw_only=True)
class ProductNote:
    """What the record keeps of a product: its name, sterility and admixture stability."""

    name: str | None = None
    #: None in a record from before sterility was kept (read as not sterile).
    sterile: bool | None = None
    admixture_stability: AdmixtureNote | None = None


@attrs.frozen(kw_only=True)
class RecordedPatient:
    """The patient a batch was compounded for: id, and name where the file gave one."""

    id: str
    name: str | None = None

    def text(self) -> str:
        """The patient as a label prints them: name (id), or the id."""
        return f"{self.name} ({self.id})" if self.name else self.id


@attrs.frozen(kw_only=True)
class BatchSnapshot:
    """The compounding record's data, kept with the batch in the store."""

    formulation: Formulation
    #: The worksheet in the ``compose`` JSON shape of SPEC §4.1, printed as it was.
    worksheet: Mapping[str, Any] | None = None
    record_version: int | None = None
    #: When preparation began (stored ISO 8601 text), for an immediate-use BUD.
    started_at: str | None = None
    formulation_name: str | None = None
    checks: tuple[Finding, ...] = ()
    products: Mapping[str, ProductNote] = attrs.field(factory=dict)
    patient: RecordedPatient | None = None
    prescriber: str | None = None
    #: Hazard classes of the ingredients used, by ingredient id.
    hazards: Mapping[str, str] = attrs.field(factory=dict)
    #: Names of the ingredients used, by id (a record from before names: empty).
    ingredient_names: Mapping[str, str] = attrs.field(factory=dict)
    site: str | None = None

    @property
    def started(self) -> dt.datetime | None:
        """When preparation began, or None for a record that does not say."""
        return None if self.started_at is None else _time.read(self.started_at)

    @property
    def patient_id(self) -> str | None:
        """The id of the patient the batch was made for, or None."""
        return None if self.patient is None else self.patient.id

    @property
    def total_volume(self) -> tuple[float, str]:
        """The batch's total volume (value, unit) from its worksheet; 0 mL if none."""
        total = (self.worksheet or {}).get("total_volume") or {"value": 0.0, "unit": "mL"}
        return float(total["value"]), str(total.get("unit", "mL"))

    @property
    def dosing(self) -> Dosing | None:
        """
        How the batch is given, as its worksheet computed it when it was compounded
        (volume and points per session, sessions); None when the formulation gave no
        administration.
        """
        given = (self.worksheet or {}).get("administration")
        if not given:
            return None
        points = given.get("points_per_session")
        per_batch = given.get("sessions_per_batch")
        return Dosing(
            volume_per_session=_quantity(given.get("volume_per_session")),
            points_per_session=None if points is None else float(points),
            volume_per_point=_quantity(given.get("volume_per_point")),
            sessions=int(given.get("sessions", 1)),
            sessions_per_batch=None if per_batch is None else int(per_batch),
        )


def _quantity(data: Mapping[str, Any] | None) -> Quantity | None:
    """A quantity of the worksheet's JSON shape (``{"value": 4.0, "unit": "mL"}``), or None."""
    return None if data is None else Quantity(float(data["value"]), str(data["unit"]))


__all__ = [
    "AdmixtureNote",
    "BatchSnapshot",
    "ProductNote",
    "RecordedPatient",
]
