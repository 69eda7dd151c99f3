"""``mesoformula administer`` and ``course show``: the treatment course as given."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mesoformula import _time

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    entry_id,
    finding_line,
    load_catalog_of,
    parse_volume,
    write_json,
)
from ._store import actor_of, at_time, open_store

if TYPE_CHECKING:  # pragma: no cover
    from mesoformula.catalog import Catalog
    from mesoformula.course import CourseSummary, LimitUse


def read_patient(path: str, out: TextIO, refusal: str) -> Any:
    """
    The patient of a patient file; None (its findings printed, then *refusal*) when it
    cannot be read or has errors.
    """
    from mesoformula.files import read  # noqa: PLC0415
    from mesoformula.patient import Patient  # noqa: PLC0415

    if not Path(path).exists():
        raise UsageError(f"{path}: no such file")
    document = read(path, expect="patient")
    if isinstance(document.model, Patient) and not any(
        f.severity == "error" for f in document.findings
    ):
        return document.model
    for finding in document.findings:
        out.write(finding_line(path, finding) + "\n")
    out.write(f"{refusal}: the patient file cannot be read\n")
    return None


def _when(moment: Any) -> str:
    return _time.shown(moment)


def cmd_administer(args: argparse.Namespace, out: TextIO) -> int:
    """``administer --batch-id B --patient PATIENT --volume V`` or ``--undo N --reason R``."""
    if args.undo is not None:
        return _undo(args, out)
    missing = [
        flag
        for flag, value in (
            ("--batch-id", args.batch_id),
            ("--patient", args.patient),
            ("--volume", args.volume),
        )
        if not value
    ]
    if missing:
        raise UsageError(f"administer needs {', '.join(missing)} (or --undo N --reason TEXT)")
    if args.reason:
        raise UsageError("--reason goes with --undo only")
    from mesoformula.administer import administer  # noqa: PLC0415
    from mesoformula.exceptions import EntryOrderError, StockError, UnknownEntry  # noqa: PLC0415

    volume = parse_volume(args.volume, "--volume")
    loaded = load_catalog_of(args)
    area = _area_of(args.area, loaded.catalog)
    at, actor = at_time(args), actor_of(args)
    patient = read_patient(args.patient, out, "not administered")
    if patient is None:
        return EXIT_FINDINGS
    with open_store(args) as stock:
        try:
            result = administer(
                stock,
                loaded.catalog,
                batch_id=args.batch_id,
                patient=patient,
                volume_ml=float(volume.value),
                at=at,
                actor=actor,
                area=area,
            )
        except (UnknownEntry, EntryOrderError, StockError) as error:
            out.write(f"not administered: {error}\n")
            return EXIT_FINDINGS
    where = f"batch {args.batch_id}"
    if args.format == "json":
        from mesoformula.results import Administered, Dose  # noqa: PLC0415 - JSON output only
        from mesoformula.units import Quantity  # noqa: PLC0415

        done = Administered(
            administered=result.number is not None,
            administration=result.number,
            entry=result.entry,
            batch_id=args.batch_id,
            patient=patient.id,
            at=at,
            volume=Quantity(volume.value, "mL"),
            area=area,
            doses=tuple(
                Dose(ingredient=d.ingredient, value=d.amount.value, unit=d.unit)
                for d in result.doses
            ),
            remaining=Quantity(result.remaining_ml, "mL"),
            bud=result.bud,
            findings=tuple(result.findings),
        )
        write_json(done, out)
        return EXIT_OK if result.number is not None else EXIT_FINDINGS
    if result.number is None:
        for finding in result.findings:
            if finding.severity == "error":
                out.write(finding_line(where, finding) + "\n")
        out.write(f"not administered: nothing was recorded ({args.batch_id} to {patient.id})\n")
        return EXIT_FINDINGS
    out.write(
        f"ADMINISTERED  {volume.value:g} mL of batch {args.batch_id} to {patient.id} at "
        f"{_when(at)} (administration {result.number}, journal entry {result.entry})\n"
    )
    names = loaded.catalog.ingredients
    out.write(
        "  gives: "
        + ", ".join(
            f"{names[d.ingredient].name if d.ingredient in names else d.ingredient} {d.amount}"
            for d in result.doses
        )
        + "\n"
    )
    bud = "none" if result.bud is None else _when(result.bud)
    out.write(f"  remaining in the batch: {result.remaining_ml:g} mL (BUD {bud})\n")
    for finding in result.findings:
        out.write(finding_line(where, finding) + "\n")
    return EXIT_OK


def _area_of(word: str | None, catalog: Any) -> str | None:
    """``--area`` as the vocabulary prints it; a word it does not know is a usage error."""
    from mesoformula.areas import resolve, suggestion  # noqa: PLC0415

    if word is None:
        return None
    found = resolve(word, catalog.policy.areas)
    if found is None:
        raise UsageError(
            f"--area {word!r} is not a treatment area ({suggestion(word, catalog.policy.areas)}"
            "; a clinic adds its own in a catalog's [policy] areas)"
        )
    return found


def _undo(args: argparse.Namespace, out: TextIO) -> int:
    from mesoformula.exceptions import EntryOrderError, StockError, UnknownEntry  # noqa: PLC0415

    if args.batch_id or args.patient or args.volume or args.area:
        raise UsageError("--undo takes only --reason (and --at, --actor, --db)")
    if not args.reason or not args.reason.strip():
        raise UsageError("--undo needs --reason: why the administration is taken back")
    at, actor = at_time(args), actor_of(args)
    with open_store(args) as stock:
        try:
            number, entry = stock.undo_administration(
                args.undo, reason=args.reason, at=at, actor=actor
            )
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
        except (StockError, EntryOrderError) as error:
            out.write(f"not undone: {error}\n")
            return EXIT_FINDINGS
    if args.format == "json":
        from mesoformula.results import Undone  # noqa: PLC0415 - JSON output only

        write_json(Undone(undone=args.undo, administration=number, entry=entry), out)
    else:
        out.write(
            f"administration {args.undo} undone ({args.reason}): compensating row {number}, "
            f"journal entry {entry}\n"
        )
    return EXIT_OK


def add_administer(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``mesoformula administer``: its parser, beside its handler."""
    administer = commands.add_parser(
        "administer",
        parents=parents,
        help="record a dose given to a patient from a consumed batch (or undo one)",
        description="Record a dose given from a released batch, after every check of the "
        "course: BUD, patient, what remains, dose and course limits, minimum intervals, "
        "allergies. Refused (exit 1, nothing recorded) on an error. --undo N --reason "
        "takes back administration N recorded in error (a compensating row).",
    )
    administer.add_argument("--batch-id", metavar="ID")
    administer.add_argument("--patient", metavar="PATIENT", help="patient file")
    administer.add_argument("--volume", metavar="VOLUME", help="the volume given, e.g. '4 mL'")
    administer.add_argument(
        "--area",
        metavar="AREA",
        help="where the dose went: face, scalp, neck, submental, décolletage, abdomen, flanks, "
        "thighs, buttocks, arms, knees, hands, or an area of the catalog's [policy]",
    )
    administer.add_argument(
        "--undo", type=entry_id, metavar="N", help="take back administration N (with --reason)"
    )
    administer.add_argument("--reason", help="why the administration is undone")
    administer.set_defaults(handler=cmd_administer)


def cmd_course_show(args: argparse.Namespace, out: TextIO) -> int:
    """``course show --patient PATIENT``: what the store recorded of a patient's course."""
    from mesoformula.course import summarize  # noqa: PLC0415
    from mesoformula.files.wire import course_result  # noqa: PLC0415

    loaded = load_catalog_of(args)
    patient = read_patient(args.patient, out, "no course shown")
    if patient is None:
        return EXIT_FINDINGS
    with open_store(args, readonly=True) as stock:
        administrations = stock.administrations(patient=patient.id)
        summary = summarize(patient.id, administrations, loaded.catalog)
        # Every row printed is checked against its seal, its undo's too (SPEC §9.5).
        numbers = [a.number for a in administrations] + [
            a.undone.number for a in administrations if a.undone is not None
        ]
        tampered = stock.tampered(administrations=numbers)
    code = EXIT_FINDINGS if tampered else EXIT_OK
    if args.format == "fhir" and not tampered:  # a tampered course is never exported
        from mesoformula.fhir import collection, medication_administration  # noqa: PLC0415

        given = [medication_administration(a) for a in administrations]
        write_json(collection(given, "MedicationAdministration"), out)
        return code
    if args.format == "json":
        write_json(course_result(summary, tampered), out)
        return code
    for problem in tampered:
        out.write(f"TAMPERED - DO NOT USE: {problem}\n")
    live = summary.live
    out.write(
        f"COURSE  patient {patient.id}"
        + (f" ({patient.name})" if patient.name else "")
        + f": {len(live)} administration(s)"
        + (
            f", {len(summary.administrations) - len(live)} undone"
            if len(live) < len(summary.administrations)
            else ""
        )
        + "\n"
    )
    if not summary.administrations:
        out.write("  nothing recorded for this patient\n")
        return code
    _write_sessions(summary, out)
    _write_totals(summary, out)
    _write_areas(summary, loaded.catalog, out)
    _write_next_sessions(summary, out)
    return code


def _write_sessions(summary: CourseSummary, out: TextIO) -> None:
    """Each administration of the course, its sitting and, when undone, who undid it and why."""
    out.write("sessions:\n")
    sitting_of = {n: k for k, numbers in enumerate(summary.sittings, 1) for n in numbers}
    for a in summary.administrations:
        name = f" ({a.formulation_name})" if a.formulation_name else ""
        sitting = f"  sitting {sitting_of[a.number]}" if a.number in sitting_of else ""
        where = f"  {a.area}" if a.area else ""
        line = (
            f"  #{a.number}  {_when(a.at)}{sitting}  batch {a.batch_id}  {a.formulation}{name}"
            f"{where}  {a.volume_ml:g} mL  by {a.actor}"
        )
        if a.undone is not None:
            line += f"  UNDONE {_when(a.undone.at)} by {a.undone.actor}: {a.undone.reason}"
        out.write(line + "\n")


def _write_totals(summary: CourseSummary, out: TextIO) -> None:
    """What was given so far of each ingredient, and how much of each course limit it uses."""
    out.write("given so far:\n")
    if not summary.totals:
        out.write("  nothing (every administration was undone)\n")
    for total in summary.totals:
        extra = "".join(f" + {q}" for q in total.unconverted)
        out.write(f"  {total.name}: {total.total}{extra}\n")
        if not total.limits and total.active:
            out.write("    no course limit in the catalog: the cumulative dose is not checked\n")
        for use in total.limits:
            out.write(_limit_use_line(use))


def _limit_use_line(use: LimitUse) -> str:
    """One course limit of an ingredient: the share used (flagged when exceeded) or why not."""
    when = " (conditional)" if use.conditional else ""
    if use.fraction is None:
        return f"    course limit {use.limit.max}{when}: not checked: {use.why}\n"
    flag = "  EXCEEDED" if use.fraction > 1 + 1e-9 else ""
    return (
        f"    course limit {use.limit.max}{when}: {use.fraction * 100:.0f}% used"
        f"{flag} [source: {use.limit.source}]\n"
    )


def _write_areas(summary: CourseSummary, catalog: Catalog, out: TextIO) -> None:
    """What was given per treatment area, when any administration recorded its area."""
    if any(area.area for area in summary.areas):
        out.write("by area:\n")
        names = catalog.ingredients
        for area in summary.areas:
            given = ", ".join(
                f"{names[d.ingredient].name if d.ingredient in names else d.ingredient} {d.amount}"
                for d in area.doses
            )
            out.write(f"  {area.area or '(area not recorded)'}: {given}\n")


def _write_next_sessions(summary: CourseSummary, out: TextIO) -> None:
    """When the next session may be, per ingredient with a minimum interval."""
    if summary.next_sessions:
        out.write("next session:\n")
        for n in summary.next_sessions:
            out.write(
                f"  {n.name}: at least {n.min_interval} after {_when(n.last)}: "
                f"on or after {_when(n.earliest)}\n"
            )


def add_course(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``mesoformula course show``: its parser, beside its handler."""
    course = commands.add_parser("course", help="a patient's course as the store recorded it")
    course_actions = course.add_subparsers(dest="course_command", metavar="ACTION")
    course_actions.required = True
    show_course = course_actions.add_parser(
        "show",
        parents=parents,
        help="sessions, cumulative dose against course limits, earliest next session",
        description="A patient's course: every administration, the cumulative dose per "
        "ingredient against each course limit, and the earliest next session under each "
        "minimum interval. Read-only.",
    )
    show_course.add_argument("--patient", required=True, metavar="PATIENT", help="patient file")
    show_course.set_defaults(handler=cmd_course_show, fhir=True)


__all__ = ["add_administer", "add_course", "cmd_administer", "cmd_course_show", "read_patient"]
