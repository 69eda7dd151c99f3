"""``mesoformula validate``, ``check`` and ``schema``: files against the catalog."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from mesoformula.findings import Finding

from ._common import (
    EXIT_OK,
    UsageError,
    at_time,
    catalog_reports_of,
    load_catalog_of,
    open_store,
    print_reports,
    write_json,
)
from ._progress import Progress


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula validate PATH...``"""
    from mesoformula.validate import (  # noqa: PLC0415
        catalog_reports,
        default_jobs,
        validate_paths,
    )

    for path in args.paths:
        if not path.strip():
            raise UsageError("an empty path: give a file or a folder to validate")
    loaded = load_catalog_of(args, stop=False, announce=False)
    try:
        jobs = default_jobs() if args.jobs is None else args.jobs
        progress = Progress("validating files", 0, fmt=args.format)
        try:
            reports = validate_paths(
                args.paths,
                loaded,
                jobs=jobs,
                skip_foreign=args.skip_foreign,
                progress=progress.step,
            )
        finally:
            progress.finish()
    except FileNotFoundError as missing:
        raise UsageError(f"{missing}: no such file or directory") from None
    found = [Path(r.path).resolve() for r in reports if r.kind is not None or not args.skip_foreign]
    for path in args.paths:
        folder = Path(path).resolve()
        if folder.is_dir() and not any(f == folder or folder in f.parents for f in found):
            # A folder with nothing to validate is a mistake (a wrong path in CI), not a pass.
            raise UsageError(
                f"{path}: no formulation, patient, stock, count or catalog file in this folder "
                "(nothing was validated)"
            )
    # Problems of the catalogs in use come first: a user catalog with errors makes
    # every check against it suspect. Overrides are listed as info.
    validated = {Path(r.path).resolve() for r in reports}
    catalog_problems = [
        r for r in catalog_reports(loaded) if Path(r.path).resolve() not in validated
    ]
    reports = [*catalog_problems, *reports]
    return print_reports(reports, args.format, out, args.min_severity)


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula check FORMULATION --patient PATIENT``"""
    from mesoformula.files import read  # noqa: PLC0415
    from mesoformula.formulation import Formulation  # noqa: PLC0415
    from mesoformula.patient import Patient  # noqa: PLC0415
    from mesoformula.rules.checks import check  # noqa: PLC0415
    from mesoformula.rules.references import patient_term_findings  # noqa: PLC0415
    from mesoformula.validate import FileReport  # noqa: PLC0415

    if args.at is not None and args.db is None:
        raise UsageError("--at goes with --db: when the planned course starts")
    at = at_time(args) if args.db is not None else None
    loaded = load_catalog_of(args, announce=False)
    for path in (args.formulation, args.patient):
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file")
    patient_doc = read(args.patient, expect="patient")
    formulation_doc = read(args.formulation, expect="formulation")
    reports = []
    patient = patient_doc.model if isinstance(patient_doc.model, Patient) else None
    patient_findings = list(patient_doc.findings)
    if patient is not None:
        patient_findings += patient_doc.locate(patient_term_findings(patient, loaded.catalog))
    formulation_findings = list(formulation_doc.findings)
    if isinstance(formulation_doc.model, Formulation):
        if patient is None:
            formulation_findings.append(
                Finding(
                    code="file.schema",
                    severity="error",
                    message="the patient file cannot be read, so the patient-specific checks "
                    "were not run",
                )
            )
        course = None
        if args.db is not None and patient is not None:
            with open_store(args, readonly=True) as stock:
                course = stock.administrations(patient=patient.id)
        _, found = check(formulation_doc.model, loaded.catalog, patient, course=course, at=at)
        formulation_findings += formulation_doc.locate(found)
    reports.append(
        FileReport(
            path=args.formulation, kind=formulation_doc.kind, findings=tuple(formulation_findings)
        )
    )
    reports.append(
        FileReport(path=args.patient, kind=patient_doc.kind, findings=tuple(patient_findings))
    )
    catalog_problems = [
        r
        for r in catalog_reports_of(loaded)
        if r.findings and any(f.severity != "info" for f in r.findings)
    ]
    return print_reports([*catalog_problems, *reports], args.format, out, args.min_severity)


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula schema KIND``"""
    from mesoformula.files.schema import json_schema  # noqa: PLC0415

    write_json(json_schema(args.kind), out)
    return EXIT_OK


__all__ = [
    "cmd_check",
    "cmd_schema",
    "cmd_validate",
]
