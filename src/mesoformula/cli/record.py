"""``mesoformula record batch`` and ``record master``: the records of compounding."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from mesoformula import _time
from mesoformula.records import Pharmacy

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    clinic_gtin,
    json_text,
    load_catalog_of,
    read_formulation,
    write_binary,
    write_json,
)
from ._output import output_data
from ._store import at_time, open_store


def _emit(text: str, args: argparse.Namespace, out: TextIO) -> None:
    """A text document to ``--output FILE`` (said on standard output) or printed."""
    if getattr(args, "output", None):
        _written(write_binary(text.encode("utf-8"), args, out), args, out)
    else:
        out.write(text)


def _written(where: str, args: argparse.Namespace, out: TextIO) -> None:
    if getattr(args, "output", None):
        out.write(f"wrote {where}\n")


#: The options that give the pharmacy printed on labels and records (SPEC §9.7).
PHARMACY_OPTIONS = ("--pharmacy-name", "--pharmacy-address", "--pharmacy-telephone")


def pharmacy_of(args: argparse.Namespace) -> Pharmacy | None:
    """
    The pharmacy that prints the label and the record (SPEC §9.7), from
    ``--pharmacy-name``, ``--pharmacy-address`` and ``--pharmacy-telephone``; None
    without a name. The one place they are read: a configuration file will give their
    defaults here.
    """
    name = (getattr(args, "pharmacy_name", None) or "").strip()
    if not name:
        return None
    address = (getattr(args, "pharmacy_address", None) or "").strip()
    telephone = (getattr(args, "pharmacy_telephone", None) or "").strip()
    return Pharmacy(name=name, address=address or None, telephone=telephone or None)


def _printed_pharmacy(args: argparse.Namespace) -> Pharmacy | None:
    """The pharmacy of a printed label (:func:`pharmacy_of`); without one, the label says
    ``Pharmacy: NOT SET`` and standard error says which options set it."""
    pharmacy = pharmacy_of(args)
    if pharmacy is None:
        sys.stderr.write(
            "mesoformula: warning: no pharmacy is set: the label prints 'Pharmacy: NOT SET'; "
            f"give {PHARMACY_OPTIONS[0]} (and {PHARMACY_OPTIONS[1]}, {PHARMACY_OPTIONS[2]})\n"
        )
    return pharmacy


def cmd_record_batch(args: argparse.Namespace, out: TextIO) -> int:
    """``record batch --batch-id ID [--formulation FILE]``: the compounding record."""
    from mesoformula.cli.views import records as record_views  # noqa: PLC0415
    from mesoformula.compounding import batch_record  # noqa: PLC0415
    from mesoformula.exceptions import FileError, UnknownEntry  # noqa: PLC0415
    from mesoformula.files import load  # noqa: PLC0415
    from mesoformula.files.wire import batch_record_data  # noqa: PLC0415
    from mesoformula.formulation import Formulation  # noqa: PLC0415

    formulation = None
    if args.formulation:
        try:
            formulation = load(args.formulation, Formulation)
        except FileError as error:
            raise UsageError(str(error)) from None
    if args.catalog:  # the record is the stored one; a house catalog is still said
        load_catalog_of(args)
    pharmacy = None if args.format == "fhir" else _printed_pharmacy(args)
    with open_store(args, readonly=True) as stock:
        try:
            record = batch_record(
                stock,
                args.batch_id,
                formulation=formulation,
                clinic_gtin=clinic_gtin(),
                pharmacy=pharmacy,
            )
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
    if args.format == "fhir":
        _emit(json_text(_fhir_of(record, args)), args, out)
    elif args.format == "pdf":
        from mesoformula.cli.views.pdf import PdfError, batch_pdf  # noqa: PLC0415

        try:
            document = batch_pdf(record)
        except PdfError as error:
            raise UsageError(str(error)) from None
        _written(write_binary(document, args, out), args, out)
    elif args.format == "json":
        _emit(json_text(output_data(batch_record_data(record))), args, out)
    elif args.format == "html":
        _emit(record_views.batch_html(record), args, out)
    else:
        _emit(record_views.batch_markdown(record), args, out)
    failed = any(f.severity == "error" for f in record.findings) or bool(record.tampered)
    return EXIT_FINDINGS if failed else EXIT_OK


def _fhir_of(record: Any, args: argparse.Namespace) -> Any:
    """The batch as FHIR R5: its Medication, in a Bundle with the MedicationDispense
    when it was compounded for a patient."""
    from mesoformula.course import contents_of  # noqa: PLC0415
    from mesoformula.fhir import batch_bundle, medication  # noqa: PLC0415

    loaded = load_catalog_of(args)
    worksheet = dict(record.worksheet or {})
    total = float((worksheet.get("total_volume") or {"value": 0.0})["value"])
    resource = medication(
        formulation_id=record.formulation.id,
        version=record.formulation.version,
        name=record.formulation.name,
        contents=contents_of(worksheet),
        total_volume_ml=total,
        catalog=loaded.catalog,
        batch_id=record.batch_id,
        expires=_time.local(record.bud.at).date() if record.bud.at else None,
    )
    if record.patient_id is None:
        return resource
    return batch_bundle(
        resource,
        batch_id=record.batch_id,
        patient_id=record.patient_id,
        patient_name=record.patient_name,
        prescriber=record.prescriber,
        preparer=record.preparer,
        prepared_at=record.compounded_at,
        total_volume_ml=total,
    )


def cmd_record_label(args: argparse.Namespace, out: TextIO) -> int:
    """``record label --batch-id ID``: the label of a consumed batch on its own."""
    from mesoformula.cli.views import records as record_views  # noqa: PLC0415
    from mesoformula.compounding import batch_record  # noqa: PLC0415
    from mesoformula.exceptions import UnknownEntry  # noqa: PLC0415
    from mesoformula.files.wire import label_data  # noqa: PLC0415

    if args.catalog:  # the label is the stored one; a house catalog is still said
        load_catalog_of(args)
    pharmacy = _printed_pharmacy(args)
    with open_store(args, readonly=True) as stock:
        try:
            record = batch_record(
                stock, args.batch_id, clinic_gtin=clinic_gtin(), pharmacy=pharmacy
            )
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
    if args.format == "pdf":
        from mesoformula.cli.views.pdf import PdfError, label_pdf  # noqa: PLC0415

        try:
            document = label_pdf(record.label, args.size)
        except PdfError as error:
            raise UsageError(str(error)) from None
        _written(write_binary(document, args, out), args, out)
    elif args.format == "json":
        _emit(json_text(output_data(label_data(record.label))), args, out)
    elif args.format == "html":
        _emit(record_views.label_html(record.label, args.size), args, out)
    else:
        _emit(record.label.text + "\n", args, out)
    # A label without a BUD, or of a record that does not verify, is not for release.
    return EXIT_FINDINGS if record.label.bud is None or record.tampered else EXIT_OK


def cmd_record_verify(args: argparse.Namespace, out: TextIO) -> int:
    """``record verify --batch-id ID --verifier NAME``: release a batch (append-only)."""
    from mesoformula.exceptions import StockError, UnknownEntry  # noqa: PLC0415

    at = at_time(args)
    with open_store(args) as stock:
        try:
            entry = stock.verify_batch(args.batch_id, verifier=args.verifier, at=at)
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
        except StockError as error:
            out.write(f"not verified: {error}\n")
            return EXIT_FINDINGS
    if args.format == "json":
        from mesoformula.results import BatchVerified  # noqa: PLC0415 - JSON output only

        write_json(BatchVerified(batch_id=args.batch_id, verifier=args.verifier, entry=entry), out)
    else:
        out.write(f"batch {args.batch_id} verified by {args.verifier} (journal entry {entry})\n")
    return EXIT_OK


def cmd_record_master(args: argparse.Namespace, out: TextIO) -> int:
    """``record master FORMULATION``: the master formulation record."""
    from mesoformula.cli.views import records as record_views  # noqa: PLC0415
    from mesoformula.compounding import master_record  # noqa: PLC0415
    from mesoformula.files.wire import master_record_data  # noqa: PLC0415

    formulation, loaded, code, _ = read_formulation(args, out)
    if code is not None:
        return int(code)
    record = master_record(formulation, loaded.catalog)
    if args.format == "json":
        write_json(master_record_data(record), out)
    elif args.format == "html":
        out.write(record_views.master_html(record))
    else:
        out.write(record_views.master_markdown(record))
    return EXIT_FINDINGS if any(f.severity == "error" for f in record.checks) else EXIT_OK


def _pharmacy_options(parser: argparse.ArgumentParser) -> None:
    """The options of the pharmacy printed on the label (read by :func:`pharmacy_of`)."""
    name, address, telephone = PHARMACY_OPTIONS
    parser.add_argument(name, metavar="NAME", help="the pharmacy printed on the label")
    parser.add_argument(address, metavar="TEXT", help="its address, on one line")
    parser.add_argument(telephone, metavar="TEXT", help="its telephone number")


def add_record(
    commands: Any, common: argparse.ArgumentParser, parents: list[argparse.ArgumentParser]
) -> None:
    """
    Register ``mesoformula record batch``, ``label``, ``verify`` (which take the store's
    options, *parents*) and ``master`` (which takes only the *common* options).
    """
    record = commands.add_parser("record", help="compounding and master formulation records")
    kinds = record.add_subparsers(dest="record_command", metavar="KIND")
    kinds.required = True
    batch = kinds.add_parser(
        "batch",
        parents=parents,
        help="the compounding record of a consumed batch, with lots and beyond-use date",
    )
    batch.add_argument("--batch-id", required=True, metavar="ID")
    batch.add_argument(
        "--formulation", metavar="FILE", help="prove this file is the recorded version"
    )
    batch.set_defaults(handler=cmd_record_batch, markdown=True, html=True, pdf=True, fhir=True)
    label = kinds.add_parser(
        "label",
        parents=parents,
        help="the label of a consumed batch on its own (text, json, html, pdf)",
    )
    label.add_argument("--batch-id", required=True, metavar="ID")
    label.add_argument(
        "--size",
        choices=("a6", "62mm", "4x6in"),
        default="a6",
        help="the label's paper for --format pdf and html: a6 (105 x 148 mm, default), "
        "62mm (a label printer's continuous roll, as long as the label) or 4x6in",
    )
    label.set_defaults(handler=cmd_record_label, html=True, pdf=True)
    for printed in (batch, label):
        printed.add_argument(
            "--output",
            metavar="FILE",
            help="write the document to FILE (needed for --format pdf on a terminal)",
        )
        _pharmacy_options(printed)
    release = kinds.add_parser(
        "verify",
        parents=parents,
        help="release a consumed batch: a pharmacist other than the preparer verifies it",
    )
    release.add_argument("--batch-id", required=True, metavar="ID")
    release.add_argument("--verifier", required=True, metavar="NAME")
    release.set_defaults(handler=cmd_record_verify)
    master = kinds.add_parser(
        "master", parents=[common], help="the master formulation record of a formulation"
    )
    master.add_argument("formulation", metavar="FORMULATION")
    master.set_defaults(handler=cmd_record_master, markdown=True, html=True)


__all__ = [
    "PHARMACY_OPTIONS",
    "add_record",
    "cmd_record_batch",
    "cmd_record_label",
    "cmd_record_master",
    "cmd_record_verify",
    "pharmacy_of",
]
