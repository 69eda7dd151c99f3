"""``mesoformula validate``, ``check`` and ``schema``: files against the catalog."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mesoformula.course import Administration
    from mesoformula.events import PriorReaction

from ._common import (
    EXIT_OK,
    UsageError,
    load_catalog_of,
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
    """``mesoformula check FORMULATION --patient PATIENT``: one library call."""
    from mesoformula.validate import check_files  # noqa: PLC0415

    from ._store import at_time, open_store  # noqa: PLC0415 - only with --db

    if args.at is not None and args.db is None:
        raise UsageError("--at goes with --db: when the planned course starts")
    at = at_time(args) if args.db is not None else None
    loaded = load_catalog_of(args, announce=False)
    for path in (args.formulation, args.patient):
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file")

    def course_of(patient: str) -> Sequence[Administration]:
        with open_store(args, readonly=True) as stock:
            course: list[Administration] = stock.administrations(patient=patient)
        return course

    def reactions_of(patient: str) -> Sequence[PriorReaction]:
        from mesoformula.stock.events import prior_reactions  # noqa: PLC0415

        with open_store(args, readonly=True) as stock:
            return prior_reactions(stock, patient)

    reports = check_files(
        args.formulation,
        args.patient,
        loaded,
        course_of=course_of if args.db is not None else None,
        at=at,
        reactions_of=reactions_of if args.db is not None else None,
    )
    return print_reports(reports, args.format, out, args.min_severity)


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula schema NAME`` (a file kind or an output) or ``schema --list``."""
    from mesoformula.files.schema import schema_names, schema_of  # noqa: PLC0415

    names = schema_names()
    if args.list:
        if args.format == "json":
            write_json(names, out)
        else:
            width = max(len(name) for name in names)
            out.writelines(f"{name:<{width}}  {what}\n" for name, what in names.items())
        return EXIT_OK
    if args.kind is None:
        raise UsageError(
            "schema needs a NAME (a file kind or an output); 'schema --list' names them"
        )
    if args.kind not in names:
        near = difflib.get_close_matches(args.kind, list(names), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else "; 'schema --list' names them"
        raise UsageError(f"no schema named '{args.kind}'{hint}")
    write_json(schema_of(args.kind), out)
    return EXIT_OK


__all__ = [
    "cmd_check",
    "cmd_schema",
    "cmd_validate",
]
