"""
The command line: parse arguments, call the library, print, choose the exit code.

Exit codes (SPEC §4): 0 no error finding, 1 at least one error finding (or a stock
shortfall), 2 usage error or a path that does not exist, 3 an internal error (a bug:
please report it; ``MESOFORMULA_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from ._text import control_character, one_line
from .findings import Finding, count, has_errors
from .findings import to_json as finding_to_json

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A command used wrongly: printed and exits 2."""


class CatalogProblem(Exception):  # noqa: N818 - a reason to stop, reported like findings
    """The catalogs in use cannot be read or are invalid: the command does not run."""

    def __init__(self, reports: Sequence[Any]) -> None:
        super().__init__("the catalog has errors")
        self.reports = reports


# --------------------------------------------------------------------------- output


def finding_json(finding: Finding) -> dict[str, Any]:
    """Return a finding in the JSON shape of SPEC §4.1 (absent fields left out)."""
    return finding_to_json(finding)


def finding_line(path: str, finding: Finding) -> str:
    """Return a finding as one line of text: ``path:line: severity code where: message``."""
    where = f"{one_line(path)}:{finding.line}" if finding.line is not None else one_line(path)
    location = f"{one_line(finding.location)}: " if finding.location else ""
    text = f"{where}: {finding.severity} {finding.code} {location}{one_line(finding.message)}"
    if (
        finding.source
        and finding.severity != "info"
        and finding.code.startswith(("dose.", "allergen.", "compat."))
    ):
        text += f" [source: {finding.source}]"
    if finding.justification:
        text += f" [accepted: {one_line(finding.justification)}]"
    return text


def _write_json(data: object, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _summary(reports: Sequence[Any], nolimit: int = 0) -> dict[str, int]:
    findings = [f for r in reports for f in r.findings]
    return {
        "files": len(reports),
        "errors": count(findings, "error"),
        "warnings": count(findings, "warning"),
        "nolimit": nolimit,
    }


def _nolimit(reports: Sequence[Any]) -> int:
    """Ingredients reported without a dose limit (``dose.nolimit``), counted before any
    severity filter: the summary always says how many doses went unchecked."""
    return sum(1 for r in reports for f in r.findings if f.code == "dose.nolimit")


_RANK = {"info": 0, "warning": 1, "error": 2}


def _at_least(reports: Sequence[Any], severity: str) -> list[Any]:
    """The reports with only the findings of *severity* or worse (files are kept)."""
    import attrs  # noqa: PLC0415

    floor = _RANK[severity]
    return [
        attrs.evolve(r, findings=tuple(f for f in r.findings if _RANK[f.severity] >= floor))
        for r in reports
    ]


def _print_reports(reports: Sequence[Any], fmt: str, out: TextIO, severity: str = "info") -> int:
    nolimit = _nolimit(reports)
    reports = _at_least(reports, severity)
    summary = _summary(reports, nolimit)
    if fmt == "json":
        _write_json(
            {
                "files": [
                    {
                        "path": r.path,
                        "kind": r.kind,
                        "findings": [finding_json(f) for f in r.findings],
                    }
                    for r in reports
                ],
                "summary": summary,
            },
            out,
        )
    else:
        for report in reports:
            for finding in report.findings:
                out.write(finding_line(report.path, finding) + "\n")
        unchecked = f", {nolimit} ingredient(s) without a dose limit" if nolimit else ""
        out.write(
            f"{summary['files']} file(s): {summary['errors']} error(s), "
            f"{summary['warnings']} warning(s){unchecked}\n"
        )
    return EXIT_FINDINGS if summary["errors"] else EXIT_OK


# --------------------------------------------------------------------------- commands


def _load_catalog(args: argparse.Namespace, *, stop: bool = True) -> Any:
    """
    Load the shipped catalog and every ``--catalog``; a path that does not exist is a
    usage error. With *stop* (every command but ``validate``), a catalog file that
    cannot be read or has errors stops the command: its findings are reported and it
    exits 1 without doing its work (SPEC §8.1).
    """
    from .files.catalogs import load_catalog  # noqa: PLC0415 - keep start-up lean

    for folder in args.catalog:
        if not os.path.lexists(folder):
            raise UsageError(f"--catalog {folder}: no such file or directory")
    loaded = load_catalog(args.catalog)
    if stop and any(f.severity == "error" for _, f in loaded.findings):
        raise CatalogProblem(_catalog_reports(loaded))
    return loaded


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula validate PATH...``"""
    from .validate import catalog_reports, validate_paths  # noqa: PLC0415

    loaded = _load_catalog(args, stop=False)
    try:
        reports = validate_paths(args.paths, loaded)
    except FileNotFoundError as missing:
        raise UsageError(f"{missing}: no such file or directory") from None
    # Problems of the catalogs in use come first: a user catalog with errors makes
    # every check against it suspect. Overrides are listed as info.
    validated = {Path(r.path).resolve() for r in reports}
    catalog_problems = [
        r for r in catalog_reports(loaded) if Path(r.path).resolve() not in validated
    ]
    reports = [*catalog_problems, *reports]
    return _print_reports(reports, args.format, out, args.min_severity)


def _parse_volume(text: str, what: str) -> Any:
    from .exceptions import UnitError  # noqa: PLC0415
    from .units import Accepts, parse_quantity  # noqa: PLC0415

    try:
        return parse_quantity(text, Accepts(frozenset({"mL"}), "a volume (e.g. '20 mL')"))
    except UnitError as error:
        raise UsageError(f"{what}: {error.message}") from None


def _parse_signed_volume(text: str) -> float:
    """A volume with an optional sign, for corrections: ``-0.5 mL``, ``+1 mL``."""
    stripped = text.strip()
    sign = -1.0 if stripped.startswith("-") else 1.0
    magnitude = stripped.lstrip("+-").strip()
    value: float = _parse_volume(magnitude, "--volume").value
    return sign * value


def _formulation(args: argparse.Namespace, out: TextIO) -> tuple[Any, Any, int | None]:
    """Read the formulation argument; on problems print them and return an exit code."""
    from .files import read  # noqa: PLC0415
    from .formulation import Formulation  # noqa: PLC0415
    from .validate import FileReport  # noqa: PLC0415

    loaded = _load_catalog(args)
    if not Path(args.formulation).is_file():
        raise UsageError(f"{args.formulation}: no such file")
    document = read(args.formulation, expect="formulation")
    if not isinstance(document.model, Formulation):
        report = FileReport(path=args.formulation, kind=document.kind, findings=document.findings)
        fmt = "json" if args.format == "json" else "text"
        return None, loaded, _print_reports([report], fmt, out)
    return document.model, loaded, None


def cmd_compose(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula compose FORMULATION [--batches N] [--final-volume V]``"""
    from . import worksheet as views  # noqa: PLC0415
    from .files import with_lines  # noqa: PLC0415
    from .rules.checks import check  # noqa: PLC0415

    if args.batches < 1:
        raise UsageError(f"--batches must be at least 1 (got {args.batches})")
    target = _parse_volume(args.final_volume, "--final-volume") if args.final_volume else None
    resolution = None
    if args.resolution != "none":
        resolution = _parse_volume(args.resolution, "--resolution").value
    dead = _parse_volume(args.dead_volume, "--dead-volume").value if args.dead_volume else 0.0
    formulation, loaded, code = _formulation(args, out)
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
    findings = with_lines(args.formulation, found)
    if args.format == "json":
        data = views.to_data(sheet, [finding_json(f) for f in findings])
        data["compoundable"] = not has_errors(findings)
        _write_json(data, out)
    elif args.format == "markdown":
        out.write(views.to_markdown(sheet, loaded.catalog, formulation.name, findings))
    else:
        lines = [finding_line(args.formulation, f) for f in findings]
        errors = [finding_line(args.formulation, f) for f in findings if f.severity == "error"]
        out.write(views.to_text(sheet, loaded.catalog, formulation.name, lines, errors))
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula check FORMULATION --patient PATIENT``"""
    from .files import read, with_lines  # noqa: PLC0415
    from .formulation import Formulation  # noqa: PLC0415
    from .patient import Patient  # noqa: PLC0415
    from .rules.checks import check  # noqa: PLC0415
    from .rules.references import patient_term_findings  # noqa: PLC0415
    from .validate import FileReport  # noqa: PLC0415

    loaded = _load_catalog(args)
    for path in (args.formulation, args.patient):
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file")
    patient_doc = read(args.patient, expect="patient")
    formulation_doc = read(args.formulation, expect="formulation")
    reports = []
    patient = patient_doc.model if isinstance(patient_doc.model, Patient) else None
    patient_findings = list(patient_doc.findings)
    if patient is not None:
        patient_findings += with_lines(args.patient, patient_term_findings(patient, loaded.catalog))
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
        _, found = check(formulation_doc.model, loaded.catalog, patient)
        formulation_findings += with_lines(args.formulation, found)
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
        for r in _catalog_reports(loaded)
        if r.findings and any(f.severity != "info" for f in r.findings)
    ]
    return _print_reports([*catalog_problems, *reports], args.format, out, args.min_severity)


def _catalog_reports(loaded: Any) -> list[Any]:
    from .validate import catalog_reports  # noqa: PLC0415

    return catalog_reports(loaded, include_info=False)


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula schema KIND``"""
    from .files.schema import json_schema  # noqa: PLC0415

    _write_json(json_schema(args.kind), out)
    return EXIT_OK


def cmd_catalog_list(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula catalog list [--class C] [--allergen G] [--kind K]``"""
    from . import catalog_view  # noqa: PLC0415

    loaded = _load_catalog(args)
    listing = catalog_view.listing(
        loaded.catalog, klass=args.klass, allergen=args.allergen, kinds=args.kind
    )
    if args.format == "json":
        _write_json(listing, out)
    else:
        out.write(catalog_view.listing_text(listing))
    return EXIT_OK


def cmd_catalog_show(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula catalog show ID``"""
    from . import catalog_view  # noqa: PLC0415

    loaded = _load_catalog(args)
    try:
        shown = catalog_view.show(loaded.catalog, args.id)
    except LookupError as missing:
        raise UsageError(str(missing.args[0])) from None
    if args.format == "json":
        _write_json(shown, out)
    else:
        out.write(catalog_view.show_text(shown))
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=["text", "json", "markdown", "html"],
        default=argparse.SUPPRESS,
        help="output for people (text, default), programs (json) or records "
        "(markdown, html: where the command offers them)",
    )
    common.add_argument(
        "--catalog",
        action="append",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="a catalog folder or file merged over the shipped catalog (repeatable; "
        "later ids override earlier ones)",
    )
    return common


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """
    Return the argument parser of ``mesoformula``.

    The ``stock`` and ``record`` commands are left out when *argv* names one of the
    other commands (and not them), which keeps the start of ``validate`` short.
    """
    common = _common()
    parser = argparse.ArgumentParser(
        prog="mesoformula",
        description="Compose, check and reconcile mesotherapy cocktails.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"mesoformula {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    validate = commands.add_parser(
        "validate",
        parents=[common],
        help="validate formulation, patient, catalog and stock files",
        description="Validate files (directories recursively) against the catalog; "
        "runs every check that needs no patient.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--min-severity",
        choices=["info", "warning", "error"],
        default="info",
        help="report only findings of this severity or worse (default: all)",
    )
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser(
        "schema", parents=[common], help="print the JSON Schema of a file kind"
    )
    schema.add_argument("kind", choices=["formulation", "patient", "catalog", "stock", "count"])
    schema.set_defaults(handler=cmd_schema)

    catalog = commands.add_parser("catalog", help="browse the catalog")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")
    catalog_commands.required = True
    listing = catalog_commands.add_parser(
        "list", parents=[common], help="list ingredients, products and allergen groups"
    )
    listing.add_argument("--class", dest="klass", metavar="CLASS", help="only this class")
    listing.add_argument(
        "--allergen", metavar="GROUP", help="only what belongs to or carries this allergen group"
    )
    listing.add_argument(
        "--kind",
        action="append",
        choices=["ingredients", "products", "allergens", "rules"],
        help="only these sections (repeatable)",
    )
    listing.set_defaults(handler=cmd_catalog_list)
    show = catalog_commands.add_parser(
        "show", parents=[common], help="show one ingredient, product or allergen group"
    )
    show.add_argument("id")
    show.set_defaults(handler=cmd_catalog_show)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="all of validate plus the patient-specific checks",
        description="Check a formulation for a patient: dose limits per kg, allergies "
        "(direct and cross-reactive, excipients included), pregnancy, and every check "
        "validate runs.",
    )
    check.add_argument("formulation", metavar="FORMULATION")
    check.add_argument("--patient", required=True, metavar="PATIENT", help="patient file")
    check.add_argument(
        "--min-severity",
        choices=["info", "warning", "error"],
        default="info",
        help="report only findings of this severity or worse (default: all)",
    )
    check.set_defaults(handler=cmd_check)

    compose = commands.add_parser(
        "compose",
        parents=[common],
        help="the worksheet: what to draw, diluent, contents, doses",
        description="Compose a formulation: volumes to draw, containers to open, q.s. "
        "diluent, final concentrations and doses per session, point and course.",
    )
    compose.add_argument("formulation", metavar="FORMULATION")
    compose.add_argument("--batches", type=int, default=1, help="batches prepared together")
    compose.add_argument(
        "--final-volume", metavar="VOLUME", help="target final volume of one batch"
    )
    compose.add_argument(
        "--resolution",
        default="0.01 mL",
        metavar="VOLUME",
        help="syringe resolution draws are rounded to (default 0.01 mL; 'none' to not round)",
    )
    compose.add_argument(
        "--dead-volume", metavar="VOLUME", help="volume lost per draw (syringe hub, overage)"
    )
    compose.set_defaults(handler=cmd_compose, markdown=True)

    base = {"validate", "schema", "catalog", "check", "compose"}
    if argv is None or not base & set(argv) or {"stock", "record"} & set(argv):
        _add_more_commands(commands, common)
    return parser


#: Further commands register here: (name, adder) where adder(subparsers, common).
EXTRA_COMMANDS: list[Callable[[Any, argparse.ArgumentParser], None]] = []


def _add_more_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    from .cli_stock import add_commands  # noqa: PLC0415 - cli_stock imports this module

    add_commands(commands, common)
    for add in EXTRA_COMMANDS:
        add(commands, common)


def _one_line_arguments(words: Sequence[str]) -> None:
    """Every argument is one line of text (SPEC §8.2); ``--scan`` may carry the GS1 group
    separator (ASCII 29)."""
    for n, word in enumerate(words):
        scan = (n > 0 and words[n - 1] == "--scan") or word.startswith("--scan=")
        problem = control_character(word.replace("\x1d", "") if scan else word)
        if problem is not None:
            raise UsageError(
                f"argument {one_line(word)!r} holds {problem}: arguments are one line of text"
            )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run ``mesoformula`` with *argv*; return the exit code."""
    out = out if out is not None else sys.stdout
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    try:
        args = parser.parse_args(words)
    except SystemExit as stop:  # argparse: --help, --version, usage errors
        return int(stop.code or 0)
    if not hasattr(args, "format"):
        args.format = "text"
    if not hasattr(args, "catalog"):
        args.catalog = []
    handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
    try:
        if args.format in {"markdown", "html"} and not getattr(args, args.format, False):
            raise UsageError(f"--format {args.format} is not available for '{args.command}'")
        _one_line_arguments(words)
        return handler(args, out)
    except UsageError as error:
        sys.stderr.write(f"mesoformula: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    except CatalogProblem as problem:
        sys.stderr.write(
            "mesoformula: error: a catalog in use cannot be read or has errors; nothing was "
            "done. Fix the catalog file(s) below.\n"
        )
        _print_reports(problem.reports, "json" if args.format == "json" else "text", out)
        return EXIT_FINDINGS
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as error:
        if os.environ.get("MESOFORMULA_DEBUG"):
            raise
        sys.stderr.write(
            f"mesoformula: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in mesoformula; run with MESOFORMULA_DEBUG=1 for details.\n"
        )
        return EXIT_INTERNAL
