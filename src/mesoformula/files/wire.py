"""
Wire forms (SPEC §4.1): core results as JSON-ready data, each shape defined once, for the
command line's ``--format json`` and for what the store keeps with a batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import cattrs

from mesoformula import _time
from mesoformula._frozen import FrozenMap
from mesoformula._json import ALWAYS, WIRE, JSONObject
from mesoformula.allocation import Plan
from mesoformula.allocation import ml_quantity as _ml
from mesoformula.catalog_entries import Condition
from mesoformula.course import CourseSummary
from mesoformula.documents import (
    Amount,
    AreaDoses,
    BatchRecordForm,
    BudForm,
    ContentForm,
    Course,
    CourseAdministration,
    CourseTotal,
    DrawForm,
    LabelCode,
    LabelForm,
    LimitUsed,
    MasterFormulation,
    MasterRecordForm,
    NextSession,
    PatientRef,
    UndoneBy,
    VoidForm,
    WorksheetForm,
)
from mesoformula.findings import Finding
from mesoformula.findings import to_json as finding_to_json
from mesoformula.records import BatchRecord, Label, MasterRecord
from mesoformula.results import (
    Consumed,
    Excluded,
    PlannedLot,
    PlanResult,
    Shortfall,
)
from mesoformula.units import Quantity, to_json
from mesoformula.worksheet import Content, Draw, Worksheet

#: The one converter of every JSON form the command line prints (issue 26): result
#: records of :mod:`mesoformula.results` and the core's value types, as docs/reference/
#: json.md shapes them. Field options come from :func:`mesoformula._json.wire`.
wire = cattrs.Converter()
wire.register_unstructure_hook(Quantity, to_json)
wire.register_unstructure_hook(Finding, finding_to_json)
wire.register_unstructure_hook(dt.datetime, _time.stored)
wire.register_unstructure_hook(dt.date, dt.date.isoformat)
wire.register_unstructure_hook(
    FrozenMap, lambda items: {k: wire.unstructure(v) for k, v in items.items()}
)
wire.register_unstructure_hook(tuple, lambda items: [wire.unstructure(i) for i in items])


def _condition(condition: Condition) -> str | JSONObject:
    """A limit's condition as in files: a bare id, or ``{ingredient, at_least}``."""
    if condition.at_least is None:
        return condition.ingredient
    return {"ingredient": condition.ingredient, "at_least": to_json(condition.at_least)}


wire.register_unstructure_hook(Condition, _condition)


def _record_hook(cls: type) -> Callable[[Any], JSONObject]:
    """Unstructure an attrs record field by field, as its fields' wire options say."""
    plan = []
    for field in attrs.fields(cls):
        options = field.metadata.get(WIRE, {})
        omit_if = options.get("omit_if", ALWAYS)
        plan.append((field.name, options.get("key") or field.name, omit_if, options.get("inline")))

    def unstructure(record: Any) -> JSONObject:
        data: JSONObject = {}
        for name, key, omit_if, inline in plan:
            value = getattr(record, name)
            if omit_if is not ALWAYS and value == omit_if:
                continue
            if inline:
                data.update(wire.unstructure(value))
            else:
                data[key] = wire.unstructure(value)
        return data

    return unstructure


wire.register_unstructure_hook_factory(attrs.has, _record_hook)


def to_wire(obj: object) -> Any:
    """*obj* (a result record, a list of them, or JSON data) as JSON-ready data."""
    return wire.unstructure(obj)


def _draw(draw: Draw) -> DrawForm:
    return DrawForm(
        product=draw.product,
        ingredient=draw.ingredient,
        volume=draw.volume,
        draw_volume=draw.draw_volume,
        containers=draw.containers,
        use=draw.use,
        waste=draw.waste,
        rounding_error=draw.rounding_error,
    )


def _content(content: Content) -> ContentForm:
    if not content.known:  # contained in an amount the maker does not publish
        return ContentForm(
            ingredient=content.ingredient,
            role=content.role,
            concentration=None,
            per_batch=None,
            total=None,
            per_session=None,
            per_point=None,
            per_course=None,
            products=content.products,
            amount_known=False,
        )
    return ContentForm(
        ingredient=content.ingredient,
        role=content.role,
        concentration=content.concentration,
        per_batch=content.per_batch,
        total=content.total,
        per_session=content.per_session,
        per_point=content.per_point,
        per_course=content.per_course,
        products=content.products,
    )


def worksheet_form(
    worksheet: Worksheet, findings: Sequence[Finding] = (), *, compoundable: bool | None = None
) -> WorksheetForm:
    """The worksheet as its record (the JSON shape of SPEC §4.1 ``compose``)."""
    return WorksheetForm(
        formulation=worksheet.formulation,
        version=worksheet.version,
        batches=worksheet.batches,
        final_volume=worksheet.final_volume,
        total_volume=worksheet.total_volume,
        resolution=worksheet.resolution,
        draws=tuple(_draw(d) for d in worksheet.draws),
        diluent=_draw(worksheet.diluent) if worksheet.diluent is not None else None,
        ingredients=tuple(_content(c) for c in worksheet.contents),
        administration=worksheet.dosing,
        findings=tuple(findings),
        compoundable=compoundable,
    )


def to_data(worksheet: Worksheet, findings: Sequence[Finding] = ()) -> JSONObject:
    """Return the worksheet in the JSON shape of SPEC §4.1 ``compose``."""
    data: JSONObject = to_wire(worksheet_form(worksheet, findings))
    return data


def _amounts(doses: Sequence[Any]) -> tuple[Amount, ...]:
    return tuple(Amount(ingredient=d.ingredient, amount=d.amount) for d in doses)


def _course_administration(a: Any) -> CourseAdministration:
    undone = a.undone
    return CourseAdministration(
        administration=a.number,
        at=a.at,
        batch_id=a.batch_id,
        formulation=a.formulation,
        formulation_name=a.formulation_name,
        volume=Quantity(a.volume_ml, "mL"),
        actor=a.actor,
        doses=_amounts(a.doses),
        area=a.area,
        undone=None
        if undone is None
        else UndoneBy(
            administration=undone.number, at=undone.at, actor=undone.actor, reason=undone.reason
        ),
    )


def course_result(summary: CourseSummary, tampered: Sequence[str] = ()) -> Course:
    """A patient's course as its record (the JSON shape of ``course show``)."""
    return Course(
        patient=summary.patient,
        administrations=tuple(_course_administration(a) for a in summary.administrations),
        sittings=tuple(tuple(numbers) for numbers in summary.sittings),
        by_area=tuple(
            AreaDoses(area=area.area, doses=_amounts(area.doses)) for area in summary.areas
        ),
        totals=tuple(
            CourseTotal(
                ingredient=t.ingredient,
                name=t.name,
                total=t.total,
                not_added=tuple(t.unconverted),
                limits=tuple(
                    LimitUsed(
                        max=u.limit.max,
                        severity=u.limit.severity,
                        fraction=u.fraction,
                        not_checked=u.why or None,
                        conditional=u.conditional,
                        source=u.limit.source,
                    )
                    for u in t.limits
                ),
            )
            for t in summary.totals
        ),
        next_sessions=tuple(
            NextSession(
                ingredient=n.ingredient,
                min_interval=n.min_interval,
                last=n.last,
                earliest=n.earliest,
                source=n.source,
            )
            for n in summary.next_sessions
        ),
        tampered=tuple(tampered),
    )


def batch_record_form(record: BatchRecord) -> BatchRecordForm:
    """The compounding record as its record (the JSON shape of SPEC §4.1 ``record batch``)."""
    bud, void = record.bud, record.void
    return BatchRecordForm(
        batch_id=record.batch_id,
        compounded_at=record.compounded_at.isoformat(timespec="seconds"),
        formulation=record.formulation,
        batches=record.batches,
        preparer=record.preparer,
        patient=None
        if record.patient_id is None
        else PatientRef(id=record.patient_id, name=record.patient_name),
        prescriber=record.prescriber,
        pharmacy=record.pharmacy,
        verifier=record.verifier,
        verified_at=record.verified_at.isoformat(timespec="seconds")
        if record.verified_at
        else None,
        released=record.released,
        components=record.components,
        worksheet=record.worksheet,
        checks=record.checks,
        bud=BudForm(
            at=bud.at.isoformat(timespec="seconds") if bud.at else None,
            governed_by=bud.governed_by,
            reason=bud.reason,
            rule=bud.rule,
        ),
        storage=record.storage,
        label=label_form(record.label),
        findings=record.findings,
        void=None
        if void is None
        else VoidForm(
            at=void.at.isoformat(timespec="seconds"),
            actor=void.actor,
            reason=void.reason,
            kind=void.kind,
        ),
        tampered=record.tampered,
        recalled=record.recalled,
    )


def batch_record_data(record: BatchRecord) -> JSONObject:
    """The compounding record in the JSON shape of SPEC §4.1 ``record batch``."""
    data: JSONObject = to_wire(batch_record_form(record))
    return data


def label_form(label: Label) -> LabelForm:
    """A label as its record, its printed text included."""
    return LabelForm(
        name=label.name,
        actives=label.actives,
        route=label.route,
        batch_id=label.batch_id,
        bud=label.bud.isoformat(timespec="minutes") if label.bud else None,
        storage=label.storage,
        hazards=label.hazards,
        patient=label.patient,
        prescriber=label.prescriber,
        sessions=label.sessions,
        text=label.text,
        void=label.void,
        code=None if label.code is None else LabelCode(data=label.code),
        pharmacy=label.pharmacy,
        directions=label.directions,
    )


def label_data(label: Label) -> JSONObject:
    """A label as JSON data, its printed text included."""
    data: JSONObject = to_wire(label_form(label))
    return data


def master_record_form(record: MasterRecord) -> MasterRecordForm:
    """The master formulation record as its record."""
    formulation = record.formulation
    calculations = worksheet_form(record.worksheet)
    preparation = formulation.preparation
    return MasterRecordForm(
        formulation=MasterFormulation(
            id=formulation.id,
            name=formulation.name,
            version=formulation.version,
            checksum=record.checksum,
            route=formulation.route,
            dosage_form=record.dosage_form,
            final_volume=formulation.final_volume,
        ),
        ingredients=calculations.ingredients,
        products=record.products,
        calculations=calculations,
        method=tuple(str(step) for step in record.method),
        container=preparation.container if preparation and preparation.container else None,
        storage=record.storage,
        sterilization=preparation.method if preparation else None,
        bud_rule=record.bud_rule,
        quality_checks=record.quality_checks,
        checks=record.checks,
        source=record.source,
    )


def master_record_data(record: MasterRecord) -> JSONObject:
    """The master formulation record as JSON data."""
    data: JSONObject = to_wire(master_record_form(record))
    return data


def plan_result(
    plan: Plan,
    *,
    formulation: str,
    batches: int,
    at: dt.datetime,
    findings: Sequence[Finding],
    site: str | None = None,
    consumed: Consumed | None = None,
) -> PlanResult:
    """The plan as its record (the JSON shape of SPEC §4.1), with what a consume did."""
    return PlanResult(
        formulation=formulation,
        batches=batches,
        at=at.isoformat(timespec="seconds"),
        allocations=tuple(
            PlannedLot(
                product=a.product,
                lot=a.lot,
                expiry=a.expiry.isoformat() if a.expiry else None,
                volume=_ml(a.volume_ul),
                containers_opened=a.containers_opened,
                waste=_ml(a.waste_ul),
                containers=tuple(t.container_id for t in a.takes if t.container_id is not None),
            )
            for a in plan.allocations
        ),
        excluded=tuple(
            Excluded(product=e.product, lot=e.lot, reason=e.reason, container=e.container_id)
            for e in plan.excluded
        ),
        shortfalls=tuple(
            Shortfall(product=s.product, needed=_ml(s.needed_ul), available=_ml(s.available_ul))
            for s in plan.shortfalls
        ),
        findings=tuple(findings),
        site=site,
        consumed=consumed,
    )


__all__ = [
    "batch_record_data",
    "batch_record_form",
    "course_result",
    "label_data",
    "label_form",
    "master_record_data",
    "master_record_form",
    "plan_result",
    "to_data",
    "to_wire",
    "wire",
    "worksheet_form",
]
