"""
``mesoformula trace``: from a lot, a batch or a patient to everything the store links
to it (SPEC §9.4). Read-only. Exit codes: 0 traced, 1 a seal of what it prints does not
hold (printed ``TAMPERED - DO NOT USE`` first), 2 usage (an unknown lot, batch or
patient).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mesoformula import _time

from ._common import EXIT_FINDINGS, EXIT_OK, UsageError, write_json
from ._store import open_store, site_of

if TYPE_CHECKING:
    from mesoformula.stock.trace import Trace, TracedBatch

#: The columns of ``--format csv``: one row per administration (a batch none was given
#: from has one row with the administration's columns empty).
CSV_COLUMNS = (
    "batch_id", "formulation", "compounded_at", "preparer", "made_for", "released", "void",
    "lots", "remaining_ml", "administration", "patient", "given_at", "volume_ml", "area",
    "undone",
)  # fmt: skip


def cmd_trace(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula trace (--lot L [--product P] | --batch B | --patient P)``."""
    from mesoformula.exceptions import UnknownEntry  # noqa: PLC0415
    from mesoformula.stock.trace import (  # noqa: PLC0415
        trace_batch,
        trace_form,
        trace_lot,
        trace_patient,
    )

    with open_store(args, readonly=True) as stock:
        try:
            if args.lot is not None:
                trace = trace_lot(stock, args.lot, product=args.product, site=site_of(args))
            elif args.batch is not None:
                trace = trace_batch(stock, args.batch)
            else:
                trace = trace_patient(stock, patient_id(args.patient, out))
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
    code = EXIT_FINDINGS if trace.tampered else EXIT_OK
    if args.format == "json":
        write_json(trace_form(trace), out)
    elif args.format == "csv":
        _write_csv(trace, out)
    else:
        write_trace(trace, out)
    return code


def patient_id(given: str, out: TextIO) -> str:
    """A patient id, or the id of the patient file *given* names (a usage error when it
    cannot be read)."""
    if not given.strip():
        raise UsageError("--patient '': give a patient id or a patient file")
    if not Path(given).is_file():
        return given
    from .course import read_patient  # noqa: PLC0415

    patient = read_patient(given, out, "not traced")
    if patient is None:
        raise UsageError(f"{given}: not a readable patient file")
    return str(patient.id)


def write_trace(trace: Trace, out: TextIO) -> None:
    """The trace for people: each batch, its lots, for whom, and each dose given."""
    for problem in trace.tampered:
        out.write(f"TAMPERED - DO NOT USE: {problem}\n")
    out.write(f"TRACE {trace.subject}: {len(trace.batches)} batch(es)\n")
    for batch in trace.batches:
        out.write(_batch_line(batch))
        lots = ", ".join(f"{lot.product} lot {lot.lot}" for lot in batch.lots)
        out.write(f"  lots: {lots or 'none'}\n")
        if batch.patient is not None:
            who = f"{batch.patient_name} ({batch.patient})" if batch.patient_name else batch.patient
            out.write(f"  made for: {who}\n")
        for a in batch.administrations:
            area = f" ({a.area})" if a.area else ""
            undone = "" if a.live else f"; UNDONE ({a.undone.reason if a.undone else ''})"
            out.write(
                f"  administration {a.number}: {a.volume_ml:g} mL to {a.patient} at "
                f"{_time.shown(a.at)}{area}{undone}\n"
            )
    out.write(f"patients: {', '.join(trace.patients) or 'none'}\n")


def _batch_line(batch: TracedBatch) -> str:
    """A batch's heading: id, formulation, when and by whom, status, volumes."""
    status = "VOID" if batch.void else "released" if batch.released else "not released"
    return (
        f"batch {batch.batch_id} ({batch.formulation}) compounded "
        f"{_time.shown(batch.compounded_at)} by {batch.preparer}; {status}; "
        f"{batch.total_ml:g} mL, {batch.remaining_ml:g} mL not given\n"
    )


def _write_csv(trace: Trace, out: TextIO) -> None:
    """One row per administration (a batch without any: one row), :data:`CSV_COLUMNS`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for batch in trace.batches:
        head: list[Any] = [
            batch.batch_id,
            batch.formulation,
            _time.stored(batch.compounded_at),
            batch.preparer,
            batch.patient or "",
            batch.released,
            batch.void,
            ";".join(f"{lot.product}/{lot.lot}" for lot in batch.lots),
            batch.remaining_ml,
        ]
        if not batch.administrations:
            writer.writerow([*head, "", "", "", "", "", ""])
        for a in batch.administrations:
            writer.writerow(
                [
                    *head,
                    a.number,
                    a.patient,
                    _time.stored(a.at),
                    a.volume_ml,
                    a.area or "",
                    not a.live,
                ]
            )


def add_trace(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``mesoformula trace``: its parser, beside its handler."""
    trace = commands.add_parser(
        "trace",
        parents=parents,
        help="who received what: from a lot, a batch or a patient (read-only)",
        description="From a lot to every batch that drew from it and every patient who "
        "received one; from a batch to its lots and patients; from a patient back to every "
        "administration, batch and lot. Text, json or csv. Read-only; the seals of what it "
        "prints are checked (exit 1 when one does not hold).",
    )
    which = trace.add_mutually_exclusive_group(required=True)
    which.add_argument("--lot", metavar="LOT", help="a lot number")
    which.add_argument("--batch", metavar="ID", help="a batch id")
    which.add_argument("--patient", metavar="PATIENT", help="a patient id or patient file")
    trace.add_argument("--product", metavar="PRODUCT", help="the lot's product, if ambiguous")
    trace.add_argument("--site", metavar="NAME", help="the lot's site, if held at several")
    trace.set_defaults(handler=cmd_trace, csv=True)


__all__ = ["CSV_COLUMNS", "add_trace", "cmd_trace", "patient_id", "write_trace"]
