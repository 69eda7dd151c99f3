"""
Compounding records, master formulation records and labels (SPEC §4.1, §6).

* :func:`consume_batch` composes and checks a formulation, consumes it from the store and
  saves a snapshot of what the record needs (the formulation's content and checksum, the
  worksheet, the checks, which products were sterile) with the batch.
* :func:`batch_record` builds the compounding record of a consumed batch: components with
  lot, expiry, volume drawn, containers opened and waste, the checks, the beyond-use date
  and what governed it, storage, the label. Given the formulation file it also proves the
  file is the recorded version (checksum).
* :func:`master_record` builds the master formulation record of a formulation.

Rendering to Markdown and a self-contained, printable HTML page is in
:mod:`mesoformula.cli.views.records`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .bud import EDITION, STORAGE_RANGES, ContainerUse, LotUse, assign_bud, span, table_row
from .catalog import Catalog
from .composition import compose
from .files import converter, unstructure
from .files.wire import to_data
from .findings import Finding
from .findings import to_json as finding_to_json
from .formulation import Formulation
from .rules.checks import check
from .stock import ConsumeResult
from .stock.allocation import to_ml
from .stock.reconcile import checksum, needs_of
from .stock.store import Stock

RECORD_VERSION = 1


def consume_batch(
    stock: Stock,
    formulation: Formulation,
    catalog: Catalog,
    *,
    batch_id: str,
    batches: int = 1,
    at: dt.datetime,
    actor: str,
) -> tuple[ConsumeResult | None, list[Finding]]:
    """
    Compose, check and consume a batch. Returns (None, findings) without touching the
    store when the checks find an error; otherwise the consume result and the findings
    (the checks at the time, saved with the batch).
    """
    worksheet = compose(formulation, catalog, batches=batches)
    findings = check(formulation, catalog)[1]
    if any(f.severity == "error" for f in findings):
        return None, findings
    products = {
        d.product for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    }
    snapshot = {
        "record_version": RECORD_VERSION,
        "formulation": unstructure(formulation),
        "formulation_name": formulation.name,
        "worksheet": to_data(worksheet, []),
        "checks": [finding_to_json(f) for f in findings],
        "products": {
            p: {"name": catalog.products[p].name, "sterile": catalog.products[p].sterile}
            for p in sorted(products)
        },
    }
    result = stock.consume(
        needs_of(worksheet),
        batch_id=batch_id,
        formulation=formulation.id,
        version=formulation.version,
        checksum=checksum(formulation),
        batches=batches,
        at=at,
        actor=actor,
        record=snapshot,
    )
    return result, findings


def batch_record(
    stock: Stock, batch_id: str, *, formulation: Formulation | None = None
) -> dict[str, Any]:
    """
    The compounding record of a consumed batch, in the JSON shape of SPEC §4.1 (with
    more fields). With *formulation*, a file whose content differs from the recorded
    version is an error finding.

    Raises:
        UnknownEntry: no batch with that id.
    """
    batch = stock.batch(batch_id)
    snapshot = batch.snapshot
    recorded = converter.structure(snapshot["formulation"], Formulation)
    compounded_at = batch.at
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
    lots = {view.lot_id: view for view in stock.lots()}
    containers = stock.containers(
        [t.container_id for a in batch.plan.allocations for t in a.takes if t.container_id]
    )
    components = []
    lot_uses, container_uses = [], []
    names = snapshot.get("products", {})
    for allocation in batch.plan.allocations:
        takes = allocation.takes
        lot = lots.get(allocation.lot_id)
        expiry = allocation.expiry
        components.append(
            {
                "product": allocation.product,
                "product_name": names.get(allocation.product, {}).get("name"),
                "lot": allocation.lot,
                "expiry": expiry.isoformat() if expiry else None,
                "volume": {"value": to_ml(sum(t.volume_ul for t in takes)), "unit": "mL"},
                "containers_opened": sum(1 for t in takes if t.opens),
                "waste": {"value": to_ml(sum(t.waste_ul for t in takes)), "unit": "mL"},
                "containers": [t.container_id for t in takes],
                "location": lot.location if lot is not None else None,
            }
        )
        lot_uses.append(LotUse(product=allocation.product, lot=allocation.lot, expiry=expiry))
        for take in takes:
            info = containers.get(take.container_id) if take.container_id else None
            if info is not None and not info.single_dose:
                container_uses.append(
                    ContainerUse(
                        product=allocation.product,
                        lot=allocation.lot,
                        container_id=take.container_id,
                        opened_at=info.opened_at,
                        in_use_days=info.in_use_days,
                    )
                )
    only_sterile = all(p.get("sterile", True) for p in snapshot.get("products", {}).values())
    bud = assign_bud(
        recorded.preparation,
        compounded_at=compounded_at,
        only_sterile=only_sterile,
        lots=lot_uses,
        containers=container_uses,
    )
    findings.extend(bud.findings)
    storage = recorded.preparation.storage if recorded.preparation else None
    return {
        "batch_id": batch_id,
        "compounded_at": compounded_at.isoformat(timespec="seconds"),
        "formulation": {
            "id": recorded.id,
            "name": recorded.name,
            "version": recorded.version,
            "checksum": batch.checksum,
        },
        "batches": batch.batches,
        "preparer": batch.actor,
        "verifier": None,
        "components": components,
        "worksheet": snapshot.get("worksheet"),
        "checks": snapshot.get("checks", []),
        "bud": {
            "at": bud.at.isoformat(timespec="seconds") if bud.at else None,
            "governed_by": bud.governed_by,
            "reason": bud.reason,
            "rule": bud.rule,
        },
        "storage": {"condition": storage, "description": STORAGE_RANGES.get(storage or "", None)},
        "label": label(recorded, snapshot.get("worksheet") or {}, batch_id=batch_id, bud=bud.at),
        "findings": [finding_to_json(f) for f in findings],
    }


def label(
    formulation: Formulation, worksheet: dict[str, Any], *, batch_id: str, bud: dt.datetime | None
) -> dict[str, Any]:
    """The label text: name, actives with concentrations, route, volume, batch, BUD, storage."""
    actives = [
        f"{i['ingredient']} {i['concentration']['value']:g} {i['concentration']['unit']}"
        for i in worksheet.get("ingredients", [])
        if i.get("role") == "active"
    ]
    storage = formulation.preparation.storage if formulation.preparation else None
    total = worksheet.get("total_volume") or {}
    lines = [
        formulation.name,
        "Contains: " + ("; ".join(actives) if actives else "-"),
        f"Route: {formulation.route}",
        f"Total volume: {total.get('value', 0):g} {total.get('unit', 'mL')}",
        f"Batch: {batch_id}",
        "BUD: " + (bud.isoformat(timespec="minutes") if bud else "NOT ASSIGNED - do not release"),
        "Storage: " + (STORAGE_RANGES[storage] if storage else "not stated"),
    ]
    return {
        "name": formulation.name,
        "actives": actives,
        "route": formulation.route,
        "batch_id": batch_id,
        "bud": bud.isoformat(timespec="minutes") if bud else None,
        "storage": storage,
        "text": "\n".join(lines),
    }


def master_record(formulation: Formulation, catalog: Catalog) -> dict[str, Any]:
    """
    The master formulation record of *formulation* (USP <797> §11.1 contents): name and
    strengths, ingredients with their source products, the calculations for one batch,
    the method, container, storage, the BUD rule, quality checks and source.
    """
    worksheet, findings = check(formulation, catalog)
    data = to_data(worksheet, [])
    preparation = formulation.preparation
    only_sterile = all(
        catalog.products[d.product].sterile
        for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
        if d.product in catalog.products
    )
    if preparation is None:
        bud_rule = "not assignable: the formulation has no [preparation]"
    elif preparation.immediate_use:
        bud_rule = f"immediate use ({EDITION}): administration begins within 4 hours"
    else:
        row = table_row(preparation, only_sterile=only_sterile)
        if isinstance(row, Finding):
            bud_rule = row.message
        elif preparation.storage is None:
            bud_rule = "not assignable: no storage given"
        else:
            limit = row.limit(preparation.storage)
            allowed = "no BUD (not allowed)" if limit is None else span(limit)
            bud_rule = (
                f"{EDITION}: {row.description}, {STORAGE_RANGES[preparation.storage]}: {allowed}"
            )
        if preparation.stability is not None:
            bud_rule += f"; stability limit {preparation.stability.value:g} days"
        bud_rule += (
            "; never later than the expiry of any lot or the in-use date of any opened "
            "container used"
        )
    method = []
    for n, draw in enumerate(worksheet.draws, start=1):
        product = catalog.products[draw.product]
        method.append(
            f"{n}. Draw {draw.draw_volume.value:g} mL of {product.name} ({draw.product}); "
            f"open {draw.containers} {product.container}(s); record lot and expiry."
        )
    if worksheet.diluent is not None:
        method.append(
            f"{len(method) + 1}. Add {worksheet.diluent.volume.value:g} mL of "
            f"{catalog.products[worksheet.diluent.product].name} to "
            f"{worksheet.final_volume.value:g} mL (q.s.)."
        )
    method.append(f"{len(method) + 1}. Mix gently; inspect for particles, colour and clarity.")
    method.append(
        f"{len(method) + 1}. Label (name, actives and concentrations, route, batch, BUD, storage)."
    )
    return {
        "formulation": {
            "id": formulation.id,
            "name": formulation.name,
            "version": formulation.version,
            "checksum": checksum(formulation),
            "route": formulation.route,
            "dosage_form": f"sterile solution for {formulation.route} injection",
            "final_volume": {"value": formulation.final_volume.value, "unit": "mL"},
        },
        "ingredients": data["ingredients"],
        "products": [
            {
                "product": d.product,
                "name": catalog.products[d.product].name,
                "strengths": {k: str(v) for k, v in catalog.products[d.product].strengths.items()},
                "excipients": {
                    k: str(v) for k, v in catalog.products[d.product].excipients.items()
                },
                "sterile": catalog.products[d.product].sterile,
                "source": catalog.products[d.product].source,
            }
            for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
            if d.product in catalog.products
        ],
        "calculations": data,
        "method": method,
        "container": (preparation.container if preparation and preparation.container else None),
        "storage": {
            "condition": preparation.storage if preparation else None,
            "description": STORAGE_RANGES.get(preparation.storage or "", None)
            if preparation
            else None,
        },
        "sterilization": preparation.method if preparation else None,
        "bud_rule": bud_rule,
        "quality_checks": [
            "mesoformula checks at the time of this record (below)",
            "visual inspection: particles, colour, clarity, container integrity",
            "final volume against the worksheet",
            "label against the compounding record",
        ]
        + (
            ["sterility test (required for this category / BUD)"]
            if preparation and preparation.sterility_tested
            else []
        ),
        "checks": [finding_to_json(f) for f in findings],
        "source": f"mesoformula catalog; BUD table {EDITION}",
    }


__all__ = [
    "RECORD_VERSION",
    "batch_record",
    "consume_batch",
    "label",
    "master_record",
]
