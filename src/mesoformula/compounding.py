"""
Compounding with the store: consume a batch with the snapshot its record needs, read the
compounding record of a batch back, and build a formulation's master record (SPEC §4.1,
§6). The records are data (:mod:`mesoformula.records`); their JSON forms are in
:mod:`mesoformula.files.wire`, their Markdown and HTML in :mod:`mesoformula.cli.views.records`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from . import _time
from ._frozen import FrozenMap
from .allocation import Plan, to_ml
from .bud import EDITION, AdmixtureUse, Bud, ContainerUse, LotUse, assign_bud
from .catalog import Catalog, Product
from .composition import compose
from .course import Administration
from .exceptions import StockError, UnknownEntry
from .files import snapshot_data
from .files.wire import to_data
from .findings import Finding
from .formulation import Formulation
from .gs1 import label_code
from .patient import Patient
from .records import (
    RECORD_VERSION,
    BatchRecord,
    Directions,
    MasterProduct,
    MasterRecord,
    Pharmacy,
    RecordComponent,
    RecordedFormulation,
    StorageText,
    VoidText,
    bud_rule,
    make_label,
    method_steps,
)
from .rules.bud import planned_bud, sessions_within
from .rules.checks import check
from .rules.references import patient_term_findings
from .snapshot import AdmixtureNote, BatchSnapshot, ProductNote, RecordedPatient
from .stock import ConsumeResult
from .stock.events import prior_reactions
from .stock.reconcile import checksum, needs_of, plan_findings
from .stock.store import Stock
from .units import Quantity, days
from .worksheet import Dosing


def _product_note(product: Product) -> ProductNote:
    """What the compounding record keeps of a product: name, sterility, admixture stability."""
    stability = product.admixture_stability
    return ProductNote(
        name=product.name,
        sterile=product.sterile,
        admixture_stability=None
        if stability is None
        else AdmixtureNote(
            days=float(stability.within.to_pint().to("day").magnitude), storage=stability.storage
        ),
    )


def _same_patient(stock: Stock, batch_id: str, who: RecordedPatient | None) -> None:
    """Refuse a batch id already consumed for another patient (or for none)."""
    try:
        stored = stock.batch(batch_id)
    except UnknownEntry:
        return
    before = stored.snapshot.patient_id
    if before != (None if who is None else who.id):
        raise StockError(
            f"batch '{batch_id}' was consumed for another patient "
            f"({before or 'none'}): use a new batch id"
        )


def plan_batch(
    stock: Stock,
    formulation: Formulation,
    catalog: Catalog,
    *,
    batches: int = 1,
    at: dt.datetime,
    pins: Mapping[str, str] | None = None,
    site: str | None = None,
) -> tuple[Plan, list[Finding]]:
    """
    Which lots and containers *batches* batches of *formulation* would use at *at*
    (what ``mesoformula stock plan`` prints); changes nothing. Returns the plan and the
    findings: the formulation's checks and the plan's (``stock.shortfall``, ...).
    """
    worksheet, findings = check(formulation, catalog, batches=batches)
    plan = stock.plan(needs_of(worksheet), at=at, pins=pins, site=site)
    return plan, [*findings, *plan_findings(plan)]


def consume_batch(
    stock: Stock,
    formulation: Formulation,
    catalog: Catalog,
    *,
    batch_id: str,
    batches: int = 1,
    at: dt.datetime,
    actor: str,
    started_at: dt.datetime | None = None,
    patient: Patient | None = None,
    prescriber: str | None = None,
    pins: Mapping[str, str] | None = None,
    site: str | None = None,
    notes: Sequence[Finding] = (),
) -> tuple[ConsumeResult | None, list[Finding]]:
    """
    Compose, check and consume a batch. Returns (None, findings) without touching the
    store when the checks find an error; otherwise the consume result and the findings
    (the checks at the time, saved with the batch). *started_at* is when preparation
    began (default *at*): an immediate-use BUD runs from it. With a *patient*, every
    patient check runs first (per-kg limits, allergies, pregnancy) and any error refuses
    the batch, the patient's recorded course included (a batch the course can no longer
    use, ``dose.course`` or ``interval.short`` at *at*, is refused before any stock
    moves, SPEC §9.1); the patient (id, and name where given) and the *prescriber* are
    kept with the batch and shown on its record. A preparation whose beyond-use date
    cannot be assigned is refused (``bud.unassigned``, SPEC §9.3). *pins* (product ->
    lot number, from scanned boxes) take a product from that lot only; *site* takes
    every product from that site's lots (kept with the batch). *notes* (the catalogs'
    weakenings, SPEC §9.2) are kept with the checks on the batch's record.

    Raises:
        StockError: *started_at* is after *at*, or the batch id was used for another
            patient (nothing is recorded).
    """
    started = _time.utc(at if started_at is None else started_at)
    if started > _time.utc(at):
        raise StockError(
            f"preparation cannot start ({_time.shown(started)}) after the batch is recorded "
            f"({_time.shown(at)})"
        )
    worksheet = compose(formulation, catalog, batches=batches)
    course = None if patient is None else stock.administrations(patient=patient.id)
    reactions = () if patient is None else tuple(prior_reactions(stock, patient.id))
    checked = check(formulation, catalog, patient, course=course, at=at, reactions=reactions)
    findings = [*notes, *checked[1]]
    if patient is not None:
        findings += patient_term_findings(patient, catalog)
    bud = planned_bud(formulation, worksheet, catalog, at=at, started_at=started)
    if bud.at is None:  # no stock moves for what cannot be labelled (SPEC §9.3)
        findings = [f for f in findings if f.code != "bud.unassigned"]
        findings += [attrs.evolve(f, severity="error") for f in bud.findings]
    elif course and any(f.code == "interval.short" for f in findings):
        findings = _usable_before_bud(
            formulation, catalog, patient, course=course, findings=findings, bud=bud.at
        )
    if any(f.severity == "error" for f in findings):
        return None, findings
    who = None if patient is None else RecordedPatient(id=patient.id, name=patient.name)
    _same_patient(stock, batch_id, who)
    products = {
        d.product for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    }
    used = [
        catalog.ingredients[c.ingredient]
        for c in worksheet.contents
        if c.ingredient in catalog.ingredients
    ]
    snapshot = BatchSnapshot(
        record_version=RECORD_VERSION,
        started_at=_time.stored(started),
        formulation=formulation,
        formulation_name=formulation.name,
        worksheet=to_data(worksheet),
        checks=tuple(findings),
        products={p: _product_note(catalog.products[p]) for p in sorted(products)},
        patient=who,
        prescriber=prescriber,
        hazards={i.id: i.hazard for i in used if i.hazard},
        ingredient_names={i.id: i.name for i in used},
        site=site,
    )
    result = stock.consume(
        needs_of(worksheet),
        batch_id=batch_id,
        formulation=formulation.id,
        version=formulation.version,
        checksum=checksum(formulation),
        batches=batches,
        at=at,
        actor=actor,
        record=snapshot_data(snapshot),
        pins=pins,
        site=site,
    )
    return result, findings


def _usable_before_bud(
    formulation: Formulation,
    catalog: Catalog,
    patient: Patient | None,
    *,
    course: Sequence[Administration],
    findings: list[Finding],
    bud: dt.datetime,
) -> list[Finding]:
    """
    A batch compounded shortly before the next session is due can still serve it: an
    ``interval.short`` at compounding stands only when the interval is still too short at
    the batch's beyond-use date (the course can no longer use it, SPEC §9.1); otherwise
    an info says from when it may be given.
    """
    late = check(formulation, catalog, patient, course=course, at=bud)[1]
    still = {f.ingredient for f in late if f.code == "interval.short"}
    kept = []
    for finding in findings:
        if finding.code != "interval.short" or finding.ingredient in still:
            kept.append(finding)
            continue
        due = finding.message.rpartition("due on or after ")[2]
        kept.append(
            attrs.evolve(
                finding,
                severity="info",
                message=f"{finding.message}. The batch keeps until {_time.shown(bud)}: give "
                f"it on or after {due or 'the date above'}, not before",
            )
        )
    return kept


def _sessions_served(
    recorded: Formulation, dosing: Dosing | None, bud: Bud, at: dt.datetime
) -> int | None:
    """
    The sessions a batch serves as its label says (SPEC §9.3): only those its BUD
    reaches at the formulation's interval (the first at compounding).
    """
    serves = None if dosing is None else dosing.sessions_per_batch
    if serves is None:
        return None
    administration = recorded.administration
    interval = (
        None
        if administration is None or administration.interval is None
        else dt.timedelta(days=days(administration.interval))
    )
    span_ = None if bud.at is None else _time.utc(bud.at) - _time.utc(at)
    return sessions_within(span_, serves, interval)


def batch_record(
    stock: Stock,
    batch_id: str,
    *,
    formulation: Formulation | None = None,
    clinic_gtin: str | None = None,
    pharmacy: Pharmacy | None = None,
) -> BatchRecord:
    """
    The compounding record of a consumed batch. With *formulation*, a file whose
    content differs from the recorded version is an error finding (``record.mismatch``).
    *clinic_gtin* (the clinic's own GTIN-14) makes the label's code a GS1 element string
    (``gs1.label_code``). *pharmacy* is the pharmacy that prints the record and its label
    (SPEC §9.7); the label's directions are the recorded worksheet's administration.

    Raises:
        UnknownEntry: no batch with that id.
    """
    batch = stock.batch(batch_id)
    snapshot = batch.snapshot
    tampered = stock.tampered(batch_id)
    recalled = stock.recalled([a.lot_id for a in batch.plan.allocations])
    recorded = snapshot.formulation
    findings: list[Finding] = []
    if formulation is not None and checksum(formulation) != batch.checksum:
        findings.append(
            Finding(
                code="record.mismatch",
                severity="error",
                message=f"the formulation file ({checksum(formulation)}) is not the version "
                f"recorded for batch {batch_id} ({batch.checksum}): it was edited since",
            )
        )
    used = sorted({a.product for a in batch.plan.allocations})
    lots = {view.lot_id: view for view in stock.lots(used, used_up=True)} if used else {}
    containers = stock.containers(
        [t.container_id for a in batch.plan.allocations for t in a.takes if t.container_id]
    )
    names = snapshot.products
    components = []
    lot_uses, container_uses = [], []
    for allocation in batch.plan.allocations:
        takes = allocation.takes
        lot = lots.get(allocation.lot_id)
        components.append(
            RecordComponent(
                product=allocation.product,
                product_name=names[allocation.product].name
                if allocation.product in names
                else None,
                lot=allocation.lot,
                expiry=allocation.expiry,
                volume=Quantity(to_ml(sum(t.volume_ul for t in takes)), "mL"),
                containers_opened=sum(1 for t in takes if t.opens),
                waste=Quantity(to_ml(sum(t.waste_ul for t in takes)), "mL"),
                containers=tuple(t.container_id for t in takes),
                location=lot.location if lot is not None else None,
            )
        )
        lot_uses.append(
            LotUse(product=allocation.product, lot=allocation.lot, expiry=allocation.expiry)
        )
        for take in takes:
            info = containers.get(take.container_id) if take.container_id else None
            if info is not None and take.container_id is not None and not info.single_dose:
                container_uses.append(
                    ContainerUse(
                        product=allocation.product,
                        lot=allocation.lot,
                        container_id=take.container_id,
                        opened_at=_time.local(info.opened_at),
                        in_use_days=info.in_use_days,
                    )
                )
    # A record from before `sterile` was required may not say: not sterile, then.
    only_sterile = all(p.sterile is True for p in names.values())
    admixtures = [
        AdmixtureUse(product=product, within=stability.within, storage=stability.storage)
        for product, p in sorted(names.items())
        if (stability := p.admixture_stability) is not None
    ]
    bud = assign_bud(
        recorded.preparation,
        compounded_at=batch.at,
        only_sterile=only_sterile,
        products=len({a.product for a in batch.plan.allocations}),
        admixtures=admixtures,
        started_at=snapshot.started,
        lots=lot_uses,
        containers=container_uses,
    )
    findings.extend(bud.findings)
    worksheet = snapshot.worksheet
    ingredients = (worksheet or {}).get("ingredients", [])
    # The label names drugs as people read them; a record from before names were kept
    # shows the catalog ids it has.
    names_of = snapshot.ingredient_names
    actives = tuple(
        (
            names_of.get(i["ingredient"], i["ingredient"]),
            Quantity(i["concentration"]["value"], i["concentration"]["unit"]),
        )
        for i in ingredients
        if i.get("role") == "active"
    )
    total_value, total_unit = snapshot.total_volume
    dosing = snapshot.dosing
    interval = None if recorded.administration is None else recorded.administration.interval
    return BatchRecord(
        batch_id=batch_id,
        compounded_at=_time.local(batch.at),
        formulation=RecordedFormulation(
            id=recorded.id, name=recorded.name, version=recorded.version, checksum=batch.checksum
        ),
        batches=batch.batches,
        preparer=batch.actor,
        patient_id=snapshot.patient_id,
        patient_name=None if snapshot.patient is None else snapshot.patient.name,
        prescriber=snapshot.prescriber,
        pharmacy=pharmacy,
        verifier=None if batch.verification is None else batch.verification.verifier,
        verified_at=None if batch.verification is None else _time.local(batch.verification.at),
        components=tuple(components),
        worksheet=FrozenMap(worksheet) if worksheet is not None else None,
        checks=snapshot.checks,
        bud=bud,
        storage=StorageText.of(recorded.preparation.storage if recorded.preparation else None),
        label=attrs.evolve(
            make_label(
                recorded,
                actives,
                Quantity(total_value, total_unit),
                batch_id=batch_id,
                bud=bud.at,
                hazards=tuple(sorted(set(snapshot.hazards.values()))),
            ),
            void=batch.void is not None,
            tampered=bool(tampered),
            recalled=bool(recalled),
            patient=None if snapshot.patient is None else snapshot.patient.text(),
            prescriber=snapshot.prescriber,
            sessions=_sessions_served(recorded, dosing, bud, batch.at),
            code=label_code(batch_id, _time.local(bud.at).date() if bud.at else None, clinic_gtin),
            pharmacy=pharmacy,
            directions=None if dosing is None else Directions.of(dosing, interval),
        ),
        findings=tuple(findings),
        tampered=tuple(tampered),
        recalled=tuple(recalled),
        void=None
        if batch.void is None
        else VoidText(
            at=_time.local(batch.void.at),
            actor=batch.void.actor,
            reason=batch.void.reason,
            kind=batch.void.kind,
        ),
    )


def master_record(formulation: Formulation, catalog: Catalog) -> MasterRecord:
    """The master formulation record of *formulation* against *catalog*."""
    worksheet, findings = check(formulation, catalog)
    used = [
        d
        for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
        if d.product in catalog.products
    ]
    only_sterile = all(catalog.products[d.product].sterile for d in used)
    preparation = formulation.preparation
    return MasterRecord(
        formulation=formulation,
        checksum=checksum(formulation),
        worksheet=worksheet,
        products=tuple(
            MasterProduct(
                product=d.product,
                name=catalog.products[d.product].name,
                strengths=FrozenMap(
                    (k, str(v)) for k, v in catalog.products[d.product].strengths.items()
                ),
                excipients=FrozenMap(
                    (k, str(v)) for k, v in catalog.products[d.product].excipients.items()
                ),
                sterile=catalog.products[d.product].sterile,
                source=catalog.products[d.product].source,
            )
            for d in used
        ),
        method=method_steps(worksheet, catalog),
        storage=StorageText.of(preparation.storage if preparation else None),
        bud_rule=bud_rule(
            formulation, only_sterile=only_sterile, products=len({d.product for d in used})
        ),
        quality_checks=(
            "mesoformula checks at the time of this record (below)",
            "visual inspection: particles, colour, clarity, container integrity",
            "final volume against the worksheet",
            "label against the compounding record",
            *(
                ("sterility test (required for this category / BUD)",)
                if preparation and preparation.sterility_tested
                else ()
            ),
        ),
        checks=tuple(findings),
        source=f"mesoformula catalog; BUD table {EDITION}",
    )


__all__ = ["batch_record", "consume_batch", "master_record", "plan_batch"]
