"""
``mesoformula event record`` and ``event list``: complications after a session (SPEC
§9.4). Exit codes: 0 done, 1 refused (nothing recorded) or a listed event whose seal
does not hold, 2 usage (an unknown administration, batch or lot).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from mesoformula import _time
from mesoformula.events import EVENT_KINDS, SEVERITIES

from ._common import EXIT_FINDINGS, EXIT_OK, UsageError, refusal_json, write_json
from ._store import actor_of, at_time, open_store
from .trace import patient_id


def cmd_event_record(args: argparse.Namespace, out: TextIO) -> int:
    """``event record --patient P --kind K --onset T --severity S (--administration N |
    --batch B)``."""
    from mesoformula.events import EventRecorded  # noqa: PLC0415
    from mesoformula.exceptions import EntryOrderError, StockError, UnknownEntry  # noqa: PLC0415
    from mesoformula.stock.events import record_event  # noqa: PLC0415

    patient = patient_id(args.patient, out)
    with open_store(args) as stock:
        try:
            number, entry = record_event(
                stock,
                patient=patient,
                kind=args.kind,
                severity=args.severity,
                onset=at_time(args, "onset"),
                at=at_time(args),
                actor=actor_of(args),
                administration=args.administration,
                batch_id=args.batch,
                organism=args.organism,
                description=args.description or "",
            )
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
        except (StockError, EntryOrderError) as error:
            if args.format == "json":
                write_json(refusal_json("event.refused", f"not recorded: {error}"), out)
            else:
                out.write(f"not recorded: {error}\n")
            return EXIT_FINDINGS
    if args.format == "json":
        write_json(EventRecorded(event=number, entry=entry), out)
    else:
        out.write(f"recorded event {number} ({args.kind}, {args.severity}) of {patient}: "
                  f"journal entry {entry}\n")  # fmt: skip
    return EXIT_OK


def cmd_event_list(args: argparse.Namespace, out: TextIO) -> int:
    """``event list [--patient P] [--lot L] [--batch B] [--since T]``."""
    from mesoformula.events import EventList  # noqa: PLC0415
    from mesoformula.exceptions import UnknownEntry  # noqa: PLC0415
    from mesoformula.stock.events import event_problems, events  # noqa: PLC0415
    from mesoformula.stock.trace import trace_lot  # noqa: PLC0415

    patient = patient_id(args.patient, out) if args.patient else None
    since = at_time(args, "since") if args.since else None
    with open_store(args, readonly=True) as stock:
        batches = None if args.batch is None else [args.batch]
        if args.lot is not None:
            try:
                traced = trace_lot(stock, args.lot, product=args.product)
            except UnknownEntry as error:
                raise UsageError(str(error)) from None
            batches = [b.batch_id for b in traced.batches] + (batches or [])
        found = events(stock, patient=patient, batch_ids=batches, since=since)
        tampered = event_problems(stock, found)
    if args.format == "fhir" and not tampered:  # tampered events are never exported
        from mesoformula.fhir import adverse_event, collection  # noqa: PLC0415

        write_json(collection([adverse_event(e) for e in found], "AdverseEvent"), out)
        return EXIT_OK
    if args.format == "json":
        write_json(EventList(events=tuple(found), tampered=tuple(tampered)), out)
        return EXIT_FINDINGS if tampered else EXIT_OK
    for problem in tampered:
        out.write(f"TAMPERED - DO NOT USE: {problem}\n")
    for e in found:
        after = (
            f"administration {e.administration} (batch {e.batch_id})"
            if e.administration
            else f"batch {e.batch_id}"
        )
        organism = f", {e.organism}" if e.organism else ""
        out.write(
            f"event {e.number}: {e.patient} {e.kind} ({e.severity}{organism}) from "
            f"{_time.shown(e.onset)} after {after}"
            + (f": {e.description}" if e.description else "")
            + "\n"
        )
    out.write(f"{len(found)} event(s)\n")
    return EXIT_FINDINGS if tampered else EXIT_OK


def add_event(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``mesoformula event record`` and ``event list``, beside their handlers."""
    event = commands.add_parser("event", help="complications after a session (SPEC §9.4)")
    actions = event.add_subparsers(dest="event_command", metavar="ACTION")
    actions.required = True
    record = actions.add_parser(
        "record",
        parents=parents,
        help="record a complication a patient reported (append-only, sealed)",
        description="Record a complication after a dose: its kind, severity and onset, "
        "after an administration or a batch the patient received. Append-only and sealed "
        "in the journal; an onset before the dose it follows is refused.",
    )
    record.add_argument("--patient", required=True, metavar="PATIENT", help="id or patient file")
    record.add_argument("--kind", required=True, choices=EVENT_KINDS)
    record.add_argument("--severity", required=True, choices=SEVERITIES)
    record.add_argument("--onset", required=True, metavar="ISO-DATETIME", help="when it began")
    after = record.add_mutually_exclusive_group(required=True)
    after.add_argument("--administration", type=int, metavar="N", help="the dose it followed")
    after.add_argument("--batch", metavar="ID", help="the batch it followed")
    record.add_argument("--organism", metavar="NAME", help="for an infection: what was found")
    record.add_argument("--description", metavar="TEXT", help="what was seen, in words")
    record.set_defaults(handler=cmd_event_record)
    listing = actions.add_parser(
        "list",
        parents=parents,
        help="the complications recorded (read-only, seals checked)",
        description="The complications recorded, oldest onset first: of a patient, after "
        "the batches of a lot, after a batch, from a date. Read-only; the seal of every "
        "event listed is checked (exit 1 when one does not hold).",
    )
    listing.add_argument("--patient", metavar="PATIENT", help="id or patient file")
    listing.add_argument("--lot", metavar="LOT", help="events after the batches of this lot")
    listing.add_argument("--product", metavar="PRODUCT", help="the lot's product, if ambiguous")
    listing.add_argument("--batch", metavar="ID", help="events after this batch")
    listing.add_argument("--since", metavar="ISO-DATETIME", help="onsets from this time")
    listing.set_defaults(handler=cmd_event_list, fhir=True)


__all__ = ["add_event", "cmd_event_list", "cmd_event_record"]
