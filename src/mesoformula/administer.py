"""
Administering a dose (SPEC §8.3, §9.1): :func:`administer` records a dose given from a
consumed batch, in one write transaction with every check, the doses of the patient's
sitting and course included.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import attrs

from . import _time
from .allocation import to_ml, to_ul
from .areas import resolve, suggestion
from .bud import Bud
from .catalog import Catalog
from .compounding import batch_record
from .course import CourseSummary, Dose, contents_of, doses_in, summarize
from .exceptions import EntryOrderError, StockError
from .findings import Finding
from .patient import Patient
from .rules.checks import check_administration
from .rules.references import patient_term_findings
from .stock.events import prior_reactions
from .stock.store import Stock


@attrs.frozen(kw_only=True)
class AdministerResult:
    """
    What :func:`administer` did: the administration's number and seal, or None when it
    was refused (the findings say why; nothing was recorded).

    Attributes:
        doses: What the volume gives of each ingredient of the batch.
        remaining_ml: What the batch holds after (before, when refused).
        bud: The batch's beyond-use date (None: none could be assigned).
    """

    number: int | None
    entry: int | None
    findings: tuple[Finding, ...]
    doses: tuple[Dose, ...]
    remaining_ml: float
    bud: dt.datetime | None


def _refusal(code: str, message: str) -> Finding:
    return Finding(code=code, severity="error", message=message)


def administer(
    stock: Stock,
    catalog: Catalog,
    *,
    batch_id: str,
    patient: Patient,
    volume_ml: float,
    at: dt.datetime,
    actor: str,
    area: str | None = None,
) -> AdministerResult:
    """
    Record a dose of *volume_ml* from consumed batch *batch_id* given to *patient* at
    *at* (SPEC §8.3), in one write transaction with every check, so that two people
    giving from the same batch cannot both take its last millilitres. *area* (a word of
    :mod:`mesoformula.areas` or the catalog's ``[policy] areas``) records where it went.

    Refused (nothing recorded; the findings say why) when the batch is void or not
    released (``administer.unreleased``), is past its beyond-use date at *at* or has
    none (``bud.expired``), was compounded for another patient (``administer.patient``),
    holds less than *volume_ml* (``administer.volume``), or the checks of the course
    give an error: the doses of the sitting (this one and every dose recorded within
    the sitting window, SPEC §9.1) against the session, per-kg and additive limits, the
    course so far plus this dose against ``course`` limits, ``interval.short`` against
    the other sittings, allergies, pregnancy and withdrawn ingredients as the patient
    file and the catalog say today.

    Raises:
        UnknownEntry: no batch with that id.
        EntryOrderError: *at* is before the batch was compounded.
        StockError: the volume is not a positive number of microlitres, or *area* is
            not a treatment area.
    """
    volume_ul = _dose_ul(volume_ml)
    where = _treatment_area(area, catalog)
    with stock.transaction():
        batch = stock.batch(batch_id)
        if _time.utc(at) < batch.at:
            raise EntryOrderError(
                f"an administration dated {_time.shown(at)} would come before batch "
                f"'{batch_id}' was compounded ({_time.shown(batch.at)})"
            )
        record = batch_record(stock, batch_id)
        snapshot = batch.snapshot
        if record.tampered:  # never give from a record or release that does not verify
            return AdministerResult(
                number=None,
                entry=None,
                findings=tuple(
                    _refusal("stock.unsound", f"batch {batch_id}: {problem}: it must not be given")
                    for problem in record.tampered
                ),
                doses=(),
                remaining_ml=0.0,
                bud=record.bud.at,
            )
        contents = contents_of(snapshot.worksheet or {})
        doses = doses_in(contents, to_ml(volume_ul))
        total_ml = snapshot.total_volume[0]
        given_ul = sum(
            to_ul(a.volume_ml) for a in stock.administrations(batch_id=batch_id) if a.live
        )
        remaining_ul = to_ul(total_ml) - given_ul
        findings: list[Finding] = []
        if batch.void is not None:
            findings.append(
                _refusal(
                    "administer.unreleased",
                    f"batch {batch_id} is void ({batch.void.reason}): it must not be given",
                )
            )
        elif batch.verification is None:
            findings.append(
                _refusal(
                    "administer.unreleased",
                    f"batch {batch_id} was not verified by a pharmacist: it is not released "
                    f"(mesoformula record verify --batch-id {batch_id} --verifier NAME)",
                )
            )
        findings += [
            _refusal(
                "administer.recalled",
                f"batch {batch_id} was made from {lot}, which is recalled: it must not be "
                "given (releasing the lot again, with a reason, lifts this)",
            )
            for lot in record.recalled
        ]
        findings += _bud_refusals(batch_id, record.bud, at)
        owner = snapshot.patient_id
        if owner is not None and owner != patient.id:
            findings.append(
                _refusal(
                    "administer.patient",
                    f"batch {batch_id} was compounded for patient {owner}, not {patient.id}",
                )
            )
        if volume_ul > remaining_ul:
            findings.append(
                _refusal(
                    "administer.volume",
                    f"{to_ml(volume_ul):g} mL is more than batch {batch_id} holds: "
                    f"{to_ml(max(remaining_ul, 0)):g} mL of {total_ml:g} mL "
                    "remain",
                )
            )
        recorded = snapshot.formulation
        findings += check_administration(
            contents,
            catalog,
            patient,
            volume_ml=to_ml(volume_ul),
            course=stock.administrations(patient=patient.id),
            at=at,
            risks=recorded.accepted_risks,
            formulation=recorded.id,
            area=where,
            reactions=prior_reactions(stock, patient.id),
        )
        findings += patient_term_findings(patient, catalog)
        bud = record.bud.at
        if any(f.severity == "error" for f in findings):
            return AdministerResult(
                number=None,
                entry=None,
                findings=tuple(findings),
                doses=doses,
                remaining_ml=to_ml(remaining_ul),
                bud=bud,
            )
        number, entry = stock.give(
            batch_id,
            patient=patient.id,
            volume_ul=volume_ul,
            doses=json.dumps(
                {d.ingredient: [d.value, d.unit] for d in doses}, separators=(",", ":")
            ),
            at=at,
            actor=actor,
            area=where,
        )
    return AdministerResult(
        number=number,
        entry=entry,
        findings=tuple(findings),
        doses=doses,
        remaining_ml=to_ml(remaining_ul - volume_ul),
        bud=bud,
    )


def course_summary(stock: Stock, patient: str, catalog: Catalog) -> CourseSummary:
    """The course of *patient* as the store records it (what ``course show`` prints):
    every dose given and undone, the totals against each course limit, the next session
    each minimum interval allows."""
    return summarize(patient, stock.administrations(patient=patient), catalog)


def _dose_ul(volume_ml: float) -> int:
    """
    The dose *volume_ml* in whole microlitres.

    Raises:
        StockError: not a finite volume above 0 and up to 10 L, or less than 1 µL.
    """
    if not math.isfinite(volume_ml) or not 0 < volume_ml <= 10_000:
        raise StockError(f"a dose of {volume_ml:g} mL is not a volume that can be given")
    volume_ul = to_ul(volume_ml)
    if volume_ul <= 0:
        raise StockError(f"a dose of {volume_ml:g} mL is not a volume that can be given")
    return volume_ul


def _treatment_area(area: str | None, catalog: Catalog) -> str | None:
    """
    The treatment area *area* names (shipped or the catalog's ``[policy] areas``); None
    when no area is given.

    Raises:
        StockError: *area* is not a treatment area.
    """
    where = None if area is None else resolve(area, catalog.policy.areas)
    if area is not None and where is None:
        raise StockError(
            f"'{area}' is not a treatment area ({suggestion(area, catalog.policy.areas)})"
        )
    return where


def _bud_refusals(batch_id: str, bud: Bud, at: dt.datetime) -> list[Finding]:
    """``bud.expired`` when the batch has no beyond-use date or is past it at *at*."""
    if bud.at is None:
        return [
            _refusal(
                "bud.expired",
                f"batch {batch_id} has no beyond-use date ({bud.reason}): it must not be given",
            )
        ]
    if _time.utc(at) > _time.utc(bud.at):
        return [
            _refusal(
                "bud.expired",
                f"batch {batch_id} was beyond its use date at {_time.shown(at)}: its BUD "
                f"was {_time.shown(bud.at)} ({bud.reason})",
            )
        ]
    return []


__all__ = ["AdministerResult", "administer", "course_summary"]
