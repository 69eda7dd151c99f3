"""
The JSON documents of the core's data (docs/reference/json.md) as typed records: a
worksheet (``compose``, and what the store keeps with a batch) and a patient's course
(``course show``). Plain data, written by the one wire converter
(:data:`mesoformula.files.wire.wire`) with each field's options
(:func:`mesoformula._json.wire`).
"""

from __future__ import annotations

import datetime as dt

import attrs

from mesoformula._json import wire
from mesoformula.findings import Finding
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


__all__ = [
    "Amount",
    "AreaDoses",
    "ContentForm",
    "Course",
    "CourseAdministration",
    "CourseTotal",
    "DrawForm",
    "LimitUsed",
    "NextSession",
    "UndoneBy",
    "WorksheetForm",
]
