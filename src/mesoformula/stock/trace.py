"""
Trace (SPEC §9.4): from a lot to every batch that drew from it and every patient who
received one of them, from a batch to its lots and patients, and from a patient back
to every administration, batch and lot. Read-only; the seals of every batch and
administration traced are checked, so that a trace never prints tampered facts as
sound.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs

from mesoformula.course import Administration
from mesoformula.exceptions import UnknownEntry
from mesoformula.units import Quantity

from .store import Stock

if TYPE_CHECKING:
    from mesoformula.documents import TraceForm

#: The entries a consumption writes: a batch drew from a lot when one of them names it.
_DRAWN = ("open", "draw", "discard")


@attrs.frozen(kw_only=True)
class TracedLot:
    """A lot a traced batch drew from."""

    product: str
    lot: str
    expiry: dt.date | None


@attrs.frozen(kw_only=True)
class TracedBatch:
    """
    A consumed batch as a trace shows it: what it was made from and for whom, who
    received it, and what of it was not given.

    Attributes:
        patient: The patient it was compounded for (id), if any.
        patient_name: Their name, where the patient file gave one.
        remaining_ml: The volume not (or no longer) recorded as given.
        administrations: Every dose given from it, undone ones included (marked).
    """

    batch_id: str
    formulation: str
    compounded_at: dt.datetime
    preparer: str
    patient: str | None
    patient_name: str | None
    total_ml: float
    remaining_ml: float
    released: bool
    void: bool
    lots: tuple[TracedLot, ...]
    administrations: tuple[Administration, ...]


@attrs.frozen(kw_only=True)
class Trace:
    """
    What a trace found: the batches (oldest first) and the patients who received a dose
    from them (ids, sorted, undone doses not counted), and *tampered*: the seals of what
    it prints that do not hold (empty: every batch and administration is what the
    journal sealed).
    """

    subject: str
    batches: tuple[TracedBatch, ...]
    tampered: tuple[str, ...] = ()

    @property
    def patients(self) -> tuple[str, ...]:
        """The patients who received a dose (not undone) from a traced batch."""
        return tuple(sorted({a.patient for b in self.batches for a in b.administrations if a.live}))


def trace_lot(
    stock: Stock, lot: str, *, product: str | None = None, site: str | None = None
) -> Trace:
    """
    Every batch that drew from lot number *lot* (of *product*, at *site*, when the number
    is ambiguous), with every administration from those batches.

    Raises:
        UnknownEntry: no such lot, or the number is ambiguous without *product*/*site*.
    """
    lot_id = stock.find_lot(lot, product, site)
    rows = stock.ledger.db.execute(
        "SELECT DISTINCT j.correlation FROM journal j JOIN batches b"
        " ON b.batch_id = j.correlation WHERE j.lot_id = ? AND j.kind IN (?, ?, ?)",
        (lot_id, *_DRAWN),
    ).fetchall()
    return _trace(stock, f"lot {lot}", [str(r[0]) for r in rows])


def trace_batch(stock: Stock, batch_id: str) -> Trace:
    """
    Batch *batch_id*: its lots and every administration from it.

    Raises:
        UnknownEntry: no consumed batch with that id.
    """
    stock.batch(batch_id)  # an unknown batch is an error, not an empty trace
    return _trace(stock, f"batch {batch_id}", [batch_id])


def trace_patient(stock: Stock, patient: str) -> Trace:
    """
    Backwards from patient *patient*: every batch they received a dose from, or that was
    compounded for them, with its lots and every administration from it.

    Raises:
        UnknownEntry: the store holds no administration and no batch for the patient.
    """
    given = {a.batch_id for a in stock.administrations(patient=patient)}
    made_for = {
        str(r[0])
        for r in stock.ledger.db.execute(
            "SELECT batch_id FROM batches WHERE "
            + stock.ledger.db.json_field("record", "patient.id")
            + " = ?",
            (patient,),
        )
    }
    if not given | made_for:
        raise UnknownEntry(f"no administration and no batch for patient '{patient}' in the store")
    return _trace(stock, f"patient {patient}", sorted(given | made_for))


def _trace(stock: Stock, subject: str, batch_ids: list[str]) -> Trace:
    """The batches *batch_ids* traced, oldest first, with the seals they fail."""
    batches = [_traced(stock, batch_id) for batch_id in batch_ids]
    batches.sort(key=lambda b: (b.compounded_at, b.batch_id))
    tampered: list[str] = []
    for batch in batches:
        numbers = [a.number for a in batch.administrations]
        numbers += [a.undone.number for a in batch.administrations if a.undone is not None]
        tampered += stock.tampered(batch.batch_id, numbers, of_batch=True)
    return Trace(subject=subject, batches=tuple(batches), tampered=tuple(tampered))


def _traced(stock: Stock, batch_id: str) -> TracedBatch:
    stored = stock.batch(batch_id)
    given = tuple(stock.administrations(batch_id=batch_id))
    total = stored.snapshot.total_volume[0]
    live_ml = sum(a.volume_ml for a in given if a.live)
    lots = {
        (a.product, a.lot): TracedLot(product=a.product, lot=a.lot, expiry=a.expiry)
        for a in stored.plan.allocations
    }
    patient = stored.snapshot.patient
    return TracedBatch(
        batch_id=batch_id,
        formulation=stored.formulation,
        compounded_at=stored.at,
        preparer=stored.actor,
        patient=None if patient is None else patient.id,
        patient_name=None if patient is None else patient.name,
        total_ml=total,
        remaining_ml=round(max(total - live_ml, 0.0), 3),
        released=stored.verification is not None,
        void=stored.void is not None,
        lots=tuple(lots[key] for key in sorted(lots)),
        administrations=given,
    )


def trace_form(trace: Trace) -> TraceForm:
    """The trace as the record ``trace --format json`` prints."""
    # Only the JSON form needs the documents' records (their classes take 20 ms to build).
    from mesoformula.documents import (  # noqa: PLC0415
        TracedBatchForm,
        TracedDoseForm,
        TracedLotForm,
        TraceForm,
    )

    return TraceForm(
        subject=trace.subject,
        tampered=trace.tampered,
        patients=trace.patients,
        batches=tuple(
            TracedBatchForm(
                batch_id=b.batch_id,
                formulation=b.formulation,
                compounded_at=b.compounded_at,
                preparer=b.preparer,
                patient=b.patient,
                patient_name=b.patient_name,
                released=b.released,
                void=b.void,
                total=Quantity(b.total_ml, "mL"),
                remaining=Quantity(b.remaining_ml, "mL"),
                lots=tuple(
                    TracedLotForm(product=lot.product, lot=lot.lot, expiry=lot.expiry)
                    for lot in b.lots
                ),
                administrations=tuple(
                    TracedDoseForm(
                        administration=a.number,
                        patient=a.patient,
                        at=a.at,
                        volume=Quantity(a.volume_ml, "mL"),
                        area=a.area,
                        undone=a.undone is not None,
                    )
                    for a in b.administrations
                ),
            )
            for b in trace.batches
        ),
    )


__all__ = [
    "Trace",
    "TracedBatch",
    "TracedLot",
    "trace_batch",
    "trace_form",
    "trace_lot",
    "trace_patient",
]
