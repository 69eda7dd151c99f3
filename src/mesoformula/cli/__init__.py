"""
The command line: parse arguments, call the library, print, choose the exit code.

Exit codes (SPEC §4): 0 no error finding, 1 at least one error finding (or a stock
shortfall), 2 usage error or a path that does not exist, 3 an internal error (a bug:
please report it; ``MESOFORMULA_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from mesoformula import __version__
from mesoformula._text import one_line
from mesoformula.exceptions import StoreUnavailable

from ._common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CatalogProblem,
    UsageError,
    bounded,
    clinic_zone,
    common_options,
    one_line_arguments,
    print_reports,
    report_format,
)
from ._output import OUTPUT, output_name


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, TextIO], int]:
    """The handler *name* of ``mesoformula.cli.<module>``, imported when it runs: a
    command loads its own module only (``stock list`` never imports the composer)."""

    def handler(args: argparse.Namespace, out: TextIO) -> int:
        found: Callable[[argparse.Namespace, TextIO], int] = getattr(
            importlib.import_module(f"{__name__}.{module}"), name
        )
        return found(args, out)

    handler.__name__ = name
    handler.__doc__ = f"``mesoformula.cli.{module}.{name}``, imported when it runs."
    return handler


cmd_validate = _lazy("validate", "cmd_validate")
cmd_check = _lazy("validate", "cmd_check")
cmd_schema = _lazy("validate", "cmd_schema")
cmd_catalog_list = _lazy("catalog", "cmd_catalog_list")
cmd_catalog_show = _lazy("catalog", "cmd_catalog_show")
cmd_compose = _lazy("compose", "cmd_compose")
cmd_export_fhir = _lazy("export", "cmd_export_fhir")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """
    Return the argument parser of ``mesoformula``.

    The ``stock`` and ``record`` commands are left out when *argv* names one of the
    other commands (and not them), which keeps the start of ``validate`` short.
    """
    common = common_options()
    parser: argparse.ArgumentParser = _Parser(
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
    validate.add_argument(
        "--skip-foreign",
        action="store_true",
        help='skip (and count) files without a top-level format = "mesoformula.…" key: '
        "for hooks that pass every TOML, YAML and JSON file of a repository",
    )
    validate.add_argument(
        "--jobs",
        type=bounded(1, 64, "--jobs"),
        default=None,
        metavar="N",
        help="worker processes for many files (default: the CPUs available, at most 8; "
        "used from 100 files a worker)",
    )
    validate.set_defaults(handler=cmd_validate, github=True, sarif=True)

    schema = commands.add_parser(
        "schema",
        parents=[common],
        help="print the JSON Schema of a file kind or of a command's JSON output",
        description="The JSON Schema (draft 2020-12) of a file kind (formulation, patient, "
        "catalog, stock, count) or of a command's JSON output (validate-output, "
        "check-output, compose-output, plan-output, consume-output, record-output, "
        "course-output, trace-output, refusal, ...): 'schema --list' names them all.",
    )
    schema.add_argument("kind", nargs="?", metavar="NAME", help="a file kind or an output")
    schema.add_argument("--list", action="store_true", help="name every schema")
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
    check.add_argument(
        "--db",
        metavar="PATH",
        help="count the patient's recorded course from this store (read-only): course "
        "limits over what was given plus the plan, minimum intervals since the last session",
    )
    check.add_argument(
        "--at",
        metavar="ISO-DATETIME",
        help="with --db: when the planned course starts (default now)",
    )
    check.set_defaults(handler=cmd_check, github=True, sarif=True)

    compose = commands.add_parser(
        "compose",
        parents=[common],
        help="the worksheet: what to draw, diluent, contents, doses",
        description="Compose a formulation: volumes to draw, containers to open, q.s. "
        "diluent, final concentrations and doses per session, point and course.",
    )
    compose.add_argument("formulation", metavar="FORMULATION")
    compose.add_argument(
        "--batches",
        type=bounded(1, 1_000, "--batches"),
        default=1,
        help="batches prepared together (1 to 1,000)",
    )
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

    export = commands.add_parser("export", help="interchange formats (FHIR R5)")
    formats = export.add_subparsers(dest="export_command", metavar="FORMAT")
    formats.required = True
    fhir = formats.add_parser(
        "fhir",
        parents=[common],
        help="the preparation as a FHIR R5 Medication (JSON, UCUM units)",
        description="Print the preparation of a formulation as a FHIR R5 Medication: "
        "ingredients with their identifiers, isActive and strength as a Ratio in UCUM.",
    )
    fhir.add_argument("formulation", metavar="FORMULATION")
    fhir.set_defaults(handler=cmd_export_fhir)

    from .completion import add_completion  # noqa: PLC0415
    from .config import add_config  # noqa: PLC0415

    add_config(commands, common)
    add_completion(commands, common, _cmd_completion)
    base = {"validate", "schema", "catalog", "check", "compose", "export", "config", "completion"}
    more = {"stock", "record", "administer", "course", "trace", "event", "signals"}
    if argv is None or not base & set(argv) or more & set(argv):
        _add_more_commands(commands, common, argv)
    return parser


#: Further commands register here: (name, adder) where adder(subparsers, common).
EXTRA_COMMANDS: list[Callable[[Any, argparse.ArgumentParser], None]] = []


def _add_more_commands(
    commands: Any, common: argparse.ArgumentParser, argv: Sequence[str] | None
) -> None:
    from ._stock_args import add_commands  # noqa: PLC0415 - only when named

    add_commands(commands, common, argv)
    for add in EXTRA_COMMANDS:
        add(commands, common)


def _cmd_completion(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula completion SHELL``: the script of every command, not only the one named."""
    from .completion import completion_script  # noqa: PLC0415

    out.write(completion_script(build_parser(None), args.shell))
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse, keeping the message of a usage error for a JSON refusal (SPEC §9.5)."""

    said: str = ""

    def error(self, message: str) -> NoReturn:
        _Parser.said = f"{self.prog}: {message}"
        super().error(message)


def _wants_json(words: Sequence[str]) -> bool:
    """Whether the command line asks for JSON (read before or without a parse)."""
    return any(
        w == "--format=json" or (w == "--format" and nxt == "json")
        for w, nxt in itertools.pairwise([*words, ""])
    )


def _refused(code: str, message: str, json_wanted: bool, out: TextIO, exit_code: int) -> int:
    """A refusal: the message on stderr, and with ``--format json`` its one JSON document
    on stdout (SPEC §9.5)."""
    sys.stderr.write(f"mesoformula: error: {one_line(message)}\n")
    if json_wanted:
        from ._common import refusal_json, write_json  # noqa: PLC0415 - a refusal only

        write_json(refusal_json(code, one_line(message)), out)
    return exit_code


def _parsed(words: list[str], out: TextIO) -> argparse.Namespace | int:
    """
    The arguments of *words*, with the defaults every handler reads (``format`` and
    ``catalog``); or the exit code when argparse stopped: ``--help``, ``--version``, or a
    usage error (said on standard error, and with ``--format json`` as a JSON refusal).
    """
    parser = build_parser(words)
    try:
        args = parser.parse_args(words)
    except SystemExit as stop:  # argparse: --help, --version, usage errors
        if stop.code == EXIT_USAGE and _wants_json(words):
            from ._common import refusal_json, write_json  # noqa: PLC0415 - a refusal only

            write_json(refusal_json("usage", _Parser.said), out)
        return int(stop.code or 0)
    if not hasattr(args, "format"):
        args.format = "text"
    if not hasattr(args, "catalog"):
        args.catalog = []
    return args


def _check_usage(args: argparse.Namespace, words: Sequence[str]) -> None:
    """
    Refuse what the parser lets through: a ``--format`` the command does not offer, an
    argument of more than one line, a ``MESOFORMULA_TZ`` that names no time zone (which
    otherwise becomes the process's local time).
    """
    if args.format in {"github", "sarif", "markdown", "html", "pdf", "fhir", "csv"} and not getattr(
        args, args.format, False
    ):
        raise UsageError(f"--format {args.format} is not available for '{args.command}'")
    one_line_arguments(words)
    from .config import apply_config, config_of  # noqa: PLC0415

    config = config_of()
    apply_config(args, config)
    clinic_zone(None if config is None else config.timezone)  # MESOFORMULA_TZ wins


def _failed(error: Exception, args: argparse.Namespace, out: TextIO) -> int:
    """
    Report an exception no handler expected: what the machine refused (a full disk, a
    read-only store: exit 2), else an internal error (a bug: exit 3).
    """
    said = environment_error(error)
    if said is not None:  # the machine, not the program: a full disk, a read-only file
        return _refused("environment", said, args.format == "json", out, EXIT_USAGE)
    sys.stderr.write(
        f"mesoformula: internal error: {type(error).__name__}: {error}\n"
        "This is a bug in mesoformula; run with MESOFORMULA_DEBUG=1 for details.\n"
    )
    if args.format == "json":
        from ._common import refusal_json, write_json  # noqa: PLC0415 - a refusal only

        write_json(refusal_json("internal", f"{type(error).__name__}: {error}"), out)
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run ``mesoformula`` with *argv*; return the exit code."""
    out = out if out is not None else sys.stdout
    words = list(sys.argv[1:] if argv is None else argv)
    args = _parsed(words, out)
    if isinstance(args, int):  # argparse stopped and said why
        return args
    handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
    OUTPUT.set(output_name(args))
    try:
        _check_usage(args, words)
        return handler(args, out)
    except UsageError as error:
        return _refused("usage", str(error), args.format == "json", out, EXIT_USAGE)
    except CatalogProblem as problem:
        sys.stderr.write(
            "mesoformula: error: a catalog in use cannot be read or has errors; nothing was "
            "done. Fix the catalog file(s) below.\n"
        )
        print_reports(problem.reports, report_format(args.format), out)
        return EXIT_FINDINGS
    except StoreUnavailable as error:  # the database server went away mid-command
        return _refused("store.unavailable", str(error), args.format == "json", out, EXIT_USAGE)
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as error:
        if os.environ.get("MESOFORMULA_DEBUG"):
            raise
        return _failed(error, args, out)


def environment_error(error: BaseException) -> str | None:
    """
    What the machine refused, for people (SPEC §9.5): a full disk, a read-only file
    system or file, a file-size limit, a damaged database file. None for anything else
    (a bug, reported as one). SQLite rolled the transaction back: nothing was written.
    """
    import errno  # noqa: PLC0415

    if isinstance(error, OSError) and error.errno in {
        errno.ENOSPC,
        errno.EROFS,
        errno.EFBIG,
        errno.EDQUOT,
        errno.EACCES,
        errno.EPERM,
        errno.EIO,
    }:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror or error}{where}: nothing was written"
    if type(error).__module__ == "sqlite3":
        text = str(error)
        known = ("full", "readonly", "read-only", "disk i/o", "malformed", "not a database",
                 "unable to open", "locked", "corrupt")  # fmt: skip
        if "readonly" in text.lower():
            return (
                "the store is read-only to you (the file, its folder or the file system "
                f"cannot be written: {text}): it can be listed and verified, and nothing "
                "was written"
            )
        if any(word in text.lower() for word in known):
            return (
                f"the store cannot be used: {text} (nothing was written; for a damaged "
                "file, 'mesoformula stock verify' says what is wrong)"
            )
    return None


__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "environment_error",
    "main",
]
