"""``mesoformula compose``: the worksheet, checked (SPEC §4, §8.1)."""

from __future__ import annotations

import argparse
from typing import TextIO

from mesoformula.composition import MAX_RESOLUTION, MIN_RESOLUTION
from mesoformula.findings import has_errors

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    catalog_warnings,
    finding_line,
    parse_volume,
    read_formulation,
    write_json,
)


def cmd_compose(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula compose FORMULATION [--batches N] [--final-volume V]``"""
    from mesoformula.cli.views import worksheet as views  # noqa: PLC0415
    from mesoformula.files.wire import worksheet_form  # noqa: PLC0415
    from mesoformula.rules.checks import check  # noqa: PLC0415

    if args.batches < 1:
        raise UsageError(f"--batches must be at least 1 (got {args.batches})")
    target = parse_volume(args.final_volume, "--final-volume") if args.final_volume else None
    resolution = None
    if args.resolution != "none":
        resolution = parse_volume(args.resolution, "--resolution").value
        if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
            raise UsageError(
                f"--resolution {args.resolution}: a syringe resolution is "
                f"{MIN_RESOLUTION:g} to {MAX_RESOLUTION:g} mL (value.range)"
            )
    dead = parse_volume(args.dead_volume, "--dead-volume").value if args.dead_volume else 0.0
    formulation, loaded, code, document = read_formulation(args, out)
    if code is not None:
        return code
    # The worksheet carries every check that needs no patient: a sheet with an error
    # is marked NOT FOR COMPOUNDING and the command exits 1 (SPEC §8.1).
    sheet, found = check(
        formulation,
        loaded.catalog,
        batches=args.batches,
        final_volume=target,
        resolution=resolution,
        dead_volume=dead,
    )
    findings = document.locate(found)
    if args.format == "json":
        findings = [*catalog_warnings(loaded), *findings]
        compoundable = not has_errors(findings) and not any(
            f.code == "bud.unassigned" for f in findings
        )
        write_json(worksheet_form(sheet, findings, compoundable=compoundable), out)
    elif args.format == "markdown":
        out.write(views.to_markdown(sheet, loaded.catalog, formulation.name, findings))
    else:
        lines = [finding_line(args.formulation, f) for f in findings]
        errors = [finding_line(args.formulation, f) for f in findings if f.severity == "error"]
        out.write(views.to_text(sheet, loaded.catalog, formulation.name, lines, errors))
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


__all__ = [
    "cmd_compose",
]
