"""
The JSON documents of the core's data (docs/reference/json.md) as typed records: a
worksheet (``compose``, and what the store keeps with a batch) and a patient's course
(``course show``). Plain data, written by the one wire converter
(:data:`mesoformula.files.wire.wire`) with each field's options
(:func:`mesoformula._json.wire`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from mesoformula._frozen import FrozenMap
from mesoformula._json import wire
from mesoformula.findings import Finding
from mesoformula.records import (
    Directions,
    MasterProduct,
    Pharmacy,
    RecordComponent,
    RecordedFormulation,
    StorageText,
)
from mesoformula.units import Quantity
from mesoformula.worksheet import Dosing


@attrs.frozen(kw_only=True)
class DrawForm:
    """What to draw from one product (a worksheet's draw, or its diluent)."""

    product: str
    ingredient: str | None
    volume: Quantity
    draw_volume: Quantity
    containers: int
    use: str
    waste: Quantity
    rounding_error: float


@attrs.frozen(kw_only=True)
class ContentForm:
    """One ingredient of a preparation; amounts ``None`` when its products do not publish
    them (and then ``amount_known`` false)."""

    ingredient: str
    role: str
    concentration: Quantity | None
    per_batch: Quantity | None
    total: Quantity | None
    per_session: Quantity | None
    per_point: Quantity | None
    per_course: Quantity | None
    products: tuple[str, ...]
    amount_known: bool = attrs.field(default=True, metadata=wire(omit_if=True))


@attrs.frozen(kw_only=True)
class WorksheetForm:
    """A worksheet (SPEC §4.1 ``compose``); *compoundable* only as ``compose`` prints it."""

    formulation: str
    version: int
    batches: int
    final_volume: Quantity
    total_volume: Quantity
    resolution: Quantity | None
    draws: tuple[DrawForm, ...]
    diluent: DrawForm | None
    ingredients: tuple[ContentForm, ...]
    administration: Dosing | None
    findings: tuple[Finding, ...]
    compoundable: bool | None = attrs.field(default=None, metadata=wire(omit_if=None))


@attrs.frozen(kw_only=True)
class Amount:
    """An ingredient's amount (``{"ingredient": ..., "value": ..., "unit": ...}``)."""

    ingredient: str
    amount: Quantity = attrs.field(metadata=wire(inline=True))


@attrs.frozen(kw_only=True)
class UndoneBy:
    """The administration that undid another: its number, when, by whom and why."""

    administration: int
    at: dt.datetime
    actor: str
    reason: str


@attrs.frozen(kw_only=True)
class CourseAdministration:
    """One administration of a patient's course."""

    administration: int
    at: dt.datetime
    batch_id: str
    formulation: str | None
    formulation_name: str | None
    volume: Quantity
    actor: str
    doses: tuple[Amount, ...]
    area: str | None
    undone: UndoneBy | None


@attrs.frozen(kw_only=True)
class AreaDoses:
    """What an area of the body received over the course."""

    area: str | None
    doses: tuple[Amount, ...]


@attrs.frozen(kw_only=True)
class LimitUsed:
    """How much of a course limit an ingredient's total uses."""

    max: Quantity
    severity: str
    fraction: float | None
    not_checked: str | None
    conditional: bool
    source: str | None


@attrs.frozen(kw_only=True)
class CourseTotal:
    """An ingredient's total over the course, and the limits it is held to."""

    ingredient: str
    name: str | None
    total: Quantity
    not_added: tuple[Quantity, ...]
    limits: tuple[LimitUsed, ...]


@attrs.frozen(kw_only=True)
class NextSession:
    """The earliest next session an ingredient's minimum interval allows."""

    ingredient: str
    min_interval: Quantity
    last: dt.datetime
    earliest: dt.datetime
    source: str | None


@attrs.frozen(kw_only=True)
class Course:
    """A patient's course (``course show``); *tampered*: the rows that fail their seal."""

    patient: str
    administrations: tuple[CourseAdministration, ...]
    sittings: tuple[tuple[int, ...], ...]
    by_area: tuple[AreaDoses, ...]
    totals: tuple[CourseTotal, ...]
    next_sessions: tuple[NextSession, ...]
    tampered: tuple[str, ...] = attrs.field(default=(), metadata=wire(omit_if=()))


@attrs.frozen(kw_only=True)
class LabelCode:
    """The label's 2D code: its symbology and the data it carries."""

    symbology: str = "QR"
    data: str


@attrs.frozen(kw_only=True)
class LabelForm:
    """A label as JSON data, its printed text included."""

    name: str
    actives: tuple[str, ...]
    route: str
    batch_id: str
    bud: str | None
    storage: str | None
    hazards: tuple[str, ...]
    patient: str | None
    prescriber: str | None
    sessions: int | None
    text: str
    void: bool
    code: LabelCode | None
    #: The pharmacy that printed it (SPEC §9.7); null when not set (its text says NOT SET).
    pharmacy: Pharmacy | None
    #: How it is given; null when the formulation gives no administration.
    directions: Directions | None


@attrs.frozen(kw_only=True)
class PatientRef:
    """The patient a batch was compounded for."""

    id: str
    name: str | None


@attrs.frozen(kw_only=True)
class BudForm:
    """A batch's beyond-use date, what governed it and why."""

    at: str | None
    governed_by: str | None
    reason: str
    rule: str | None


@attrs.frozen(kw_only=True)
class VoidForm:
    """A batch's void: when, by whom, why, and what kind."""

    at: str
    actor: str
    reason: str
    kind: str | None


@attrs.frozen(kw_only=True)
class BatchRecordForm:
    """The compounding record (SPEC §4.1 ``record batch``); *tampered* only when any."""

    batch_id: str
    compounded_at: str
    formulation: RecordedFormulation
    batches: int
    preparer: str
    patient: PatientRef | None
    prescriber: str | None
    pharmacy: Pharmacy | None
    verifier: str | None
    verified_at: str | None
    released: bool
    components: tuple[RecordComponent, ...]
    worksheet: FrozenMap[str, object] | None
    checks: tuple[Finding, ...]
    bud: BudForm
    storage: StorageText
    label: LabelForm
    findings: tuple[Finding, ...]
    void: VoidForm | None
    tampered: tuple[str, ...] = attrs.field(default=(), metadata=wire(omit_if=()))
    #: The recalled lots it drew from (SPEC §9.4), only when any.
    recalled: tuple[str, ...] = attrs.field(default=(), metadata=wire(omit_if=()))


@attrs.frozen(kw_only=True)
class MasterFormulation:
    """The formulation a master record is of."""

    id: str
    name: str
    version: int
    checksum: str
    route: str
    dosage_form: str
    final_volume: Quantity


@attrs.frozen(kw_only=True)
class MasterRecordForm:
    """The master formulation record."""

    formulation: MasterFormulation
    ingredients: tuple[ContentForm, ...]
    products: tuple[MasterProduct, ...]
    calculations: WorksheetForm
    method: tuple[str, ...]
    container: str | None
    storage: StorageText
    sterilization: str | None
    bud_rule: str
    quality_checks: tuple[str, ...]
    checks: tuple[Finding, ...]
    source: str


@attrs.frozen(kw_only=True)
class TracedLotForm:
    """A lot a traced batch drew from (``trace``)."""

    product: str
    lot: str
    expiry: dt.date | None


@attrs.frozen(kw_only=True)
class TracedDoseForm:
    """A dose given from a traced batch (``trace``)."""

    administration: int
    patient: str
    at: dt.datetime
    volume: Quantity
    area: str | None
    undone: bool


@attrs.frozen(kw_only=True)
class TracedBatchForm:
    """A traced batch (``trace``): made when, by whom, for whom, from which lots, given to
    whom, and what remains."""

    batch_id: str
    formulation: str
    compounded_at: dt.datetime
    preparer: str
    patient: str | None
    patient_name: str | None
    released: bool
    void: bool
    total: Quantity
    remaining: Quantity
    lots: tuple[TracedLotForm, ...]
    administrations: tuple[TracedDoseForm, ...]


@attrs.frozen(kw_only=True)
class TraceForm:
    """What ``trace --format json`` prints (docs/reference/json.md)."""

    subject: str
    tampered: tuple[str, ...]
    patients: tuple[str, ...]
    batches: tuple[TracedBatchForm, ...]


@attrs.frozen(kw_only=True)
class SignalForm:
    """A signal of ``signals --format json``."""

    kind: str
    shared: str
    events: tuple[int, ...]
    reported: tuple[str, ...]
    exposed: tuple[str, ...]
    message: str


@attrs.frozen(kw_only=True)
class SignalReport:
    """What ``signals --format json`` prints: the signals and the events grouped."""

    at: dt.datetime
    window_days: float
    signals: tuple[SignalForm, ...]
    #: Event numbers by batch, lot, product, preparer and site (plain data).
    groups: Mapping[str, Mapping[str, Sequence[int]]]


__all__ = [
    "Amount",
    "AreaDoses",
    "BatchRecordForm",
    "BudForm",
    "ContentForm",
    "Course",
    "CourseAdministration",
    "CourseTotal",
    "DrawForm",
    "LabelCode",
    "LabelForm",
    "LimitUsed",
    "MasterFormulation",
    "MasterRecordForm",
    "NextSession",
    "PatientRef",
    "SignalForm",
    "SignalReport",
    "TraceForm",
    "TracedBatchForm",
    "TracedDoseForm",
    "TracedLotForm",
    "UndoneBy",
    "VoidForm",
    "WorksheetForm",
]
