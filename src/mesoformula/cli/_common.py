"""
What every command shares: exit codes, usage errors, the common options and argument
types, the clinic's time zone, reading the catalog and the formulation argument, finding
lines, reports and JSON. What the commands on the stock store share is in ``_store``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from mesoformula._text import control_character, one_line
from mesoformula.findings import Finding, count, describe

from ._output import OUTPUT, json_text, refusal_json, write_json

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def cache_directory() -> Path | None:
    """
    The private per-user catalog cache, where the platform keeps caches (platformdirs:
    ``$XDG_CACHE_HOME/mesoformula`` or ``~/.cache/mesoformula`` on Linux,
    ``~/Library/Caches/mesoformula`` on macOS, ``%LOCALAPPDATA%`` on Windows), or None
    when ``MESOFORMULA_NO_CACHE`` is set. The environment is read here, at the command
    line, never in the library.
    """
    if os.environ.get("MESOFORMULA_NO_CACHE"):
        return None
    import platformdirs  # noqa: PLC0415 - 3 ms, only where a catalog is loaded

    return Path(platformdirs.user_cache_dir("mesoformula", appauthor=False))


class UsageError(Exception):
    """A command used wrongly: printed and exits 2."""


class CatalogProblem(Exception):  # noqa: N818 - a reason to stop, reported like findings
    """The catalogs in use cannot be read or are invalid: the command does not run."""

    def __init__(self, reports: Sequence[Any]) -> None:
        super().__init__("the catalog has errors")
        self.reports = reports


def finding_line(path: str, finding: Finding) -> str:
    """Return a finding as one line of text: ``path:line: severity code where: message``."""
    where = f"{one_line(path)}:{finding.line}" if finding.line is not None else one_line(path)
    return f"{where}: {finding.severity} {finding.code} {one_line(describe(finding))}"


def _write_file(path: Path, data: bytes) -> str:
    """
    Write *data* to *path* whole or not at all (SPEC §9.5): never through a symbolic link,
    never to a folder, a FIFO or a device (which could block or leak), readable by its
    owner only (a record names a patient); an existing regular file is replaced.
    """
    import stat  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    if path.is_symlink():
        raise UsageError(f"--output {path}: is a symbolic link; name the file itself")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        what = "a folder" if path.is_dir() else "not a regular file"
        raise UsageError(f"--output {path}: is {what}; name a file")
    folder = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:  # mkstemp creates it 0600
                file.write(data)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise UsageError(f"--output {path}: {error.strerror or error}; nothing written") from None
    return str(path)


def write_binary(data: bytes, args: argparse.Namespace, out: TextIO) -> str:
    """
    Write a binary document (a PDF) to ``--output FILE``, or to standard output when it
    is not a terminal (``> file.pdf``, a pipe). Returns where it went.
    """
    target = getattr(args, "output", None)
    if target:
        return _write_file(Path(target), data)
    if out is not sys.stdout or sys.stdout.isatty():
        raise UsageError(
            f"--format {args.format} is binary: give --output FILE (or redirect the output)"
        )
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return "standard output"


def summarize(
    reports: Sequence[Any],
    nolimit: int = 0,
    counted: dict[str, int] | None = None,
    skipped: int | None = None,
) -> Any:
    """The counts of *reports* (a :class:`~mesoformula.results.Summary`); *counted*: the
    info findings of :data:`COUNTED` by their key; *skipped*: the files skipped as not
    mesoformula files, when counted before a severity filter hid their info."""
    from mesoformula.results import Summary  # noqa: PLC0415

    findings = [f for r in reports for f in r.findings]
    if skipped is None:
        skipped = sum(1 for f in findings if f.code == "file.skipped")
    counted = counted or {}
    return Summary(
        files=len(reports) - skipped,
        errors=count(findings, "error"),
        warnings=count(findings, "warning"),
        nolimit=nolimit,
        unknown_amount=counted.get("unknown_amount", 0),
        offlabel=counted.get("offlabel", 0),
        skipped=skipped,
    )


def count_nolimit(reports: Sequence[Any]) -> int:
    """Ingredients reported without a dose limit (``dose.nolimit``), counted before any
    severity filter: the summary always says how many doses went unchecked."""
    return count_code(reports, "dose.nolimit")


def count_code(reports: Sequence[Any], code: str) -> int:
    """The findings of *code*, counted before any severity filter."""
    return sum(1 for r in reports for f in r.findings if f.code == code)


#: Info findings the summary counts besides dose.nolimit (SPEC §9.2): JSON key, code,
#: and the words of the text summary.
COUNTED = (
    ("unknown_amount", "dose.unknown-amount", "ingredient(s) in an undeclared amount"),
    ("offlabel", "route.offlabel", "product(s) off their licensed route"),
)


RANK = {"info": 0, "warning": 1, "error": 2}


def at_least(reports: Sequence[Any], severity: str) -> list[Any]:
    """The reports with only the findings of *severity* or worse (files are kept)."""
    import attrs  # noqa: PLC0415

    floor = RANK[severity]
    return [
        attrs.evolve(r, findings=tuple(f for f in r.findings if RANK[f.severity] >= floor))
        for r in reports
    ]


def summary_line(summary: Any) -> str:
    """The last line of a text report: files, errors and warnings, and what went unchecked
    or was skipped (SPEC §9.2), from a :class:`~mesoformula.results.Summary`."""
    unchecked = f", {summary.nolimit} ingredient(s) without a dose limit" if summary.nolimit else ""
    unchecked += "".join(
        f", {getattr(summary, key)} {words}" for key, _, words in COUNTED if getattr(summary, key)
    )
    skipped = (
        f"; {summary.skipped} other file(s) skipped (not mesoformula files)"
        if summary.skipped
        else ""
    )
    return (
        f"{summary.files} file(s): {summary.errors} error(s), "
        f"{summary.warnings} warning(s){unchecked}{skipped}\n"
    )


#: The formats a report of findings is printed in (``validate``, ``check``).
REPORT_FORMATS = ("text", "json", "github", "sarif")


def report_format(fmt: str) -> str:
    """The format to print findings in when a command asked for *fmt*: text for a format
    that is not one of :data:`REPORT_FORMATS` (markdown, html ...)."""
    return fmt if fmt in REPORT_FORMATS else "text"


def print_reports(reports: Sequence[Any], fmt: str, out: TextIO, severity: str = "info") -> int:
    """
    Print *reports* in *fmt* (one of :data:`REPORT_FORMATS`) with only the findings of
    *severity* or worse, and return the exit code: 1 when any error remains. The summary
    counts unchecked doses and skipped files before the severity filter.
    """
    nolimit = count_nolimit(reports)
    counted = {key: count_code(reports, code) for key, code, _ in COUNTED}
    skipped_files = count_code(reports, "file.skipped")
    reports = at_least(reports, severity)
    summary = summarize(reports, nolimit, counted, skipped_files)
    if fmt == "json":
        from mesoformula.results import FileFindings, Reports  # noqa: PLC0415

        files = tuple(FileFindings(path=r.path, kind=r.kind, findings=r.findings) for r in reports)
        # A catalog that cannot be read is reported as a validation of it, whatever the
        # command (SPEC §9.7: the document is validate's).
        name = OUTPUT.get() if OUTPUT.get() in {"validate", "check"} else "validate"
        write_json(Reports(files=files, summary=summary), out, name)
    elif fmt == "github":
        from ._ci import write_github  # noqa: PLC0415 - only for CI

        write_github(reports, summary_line(summary), out)
    elif fmt == "sarif":
        from ._ci import sarif_of  # noqa: PLC0415 - only for CI

        write_json(sarif_of(reports, summary), out)
    else:
        for report in reports:
            for finding in report.findings:
                out.write(finding_line(report.path, finding) + "\n")
        out.write(summary_line(summary))
    return EXIT_FINDINGS if summary.errors else EXIT_OK


#: Warnings of the catalogs in use that every command says (SPEC §9.2).
ANNOUNCED = frozenset({"catalog.weakened", "catalog.collision"})


def catalog_warnings(loaded: Any) -> list[Finding]:
    """The catalogs' weakenings and collisions (SPEC §9.2), for a command's findings."""
    import attrs  # noqa: PLC0415

    return [
        attrs.evolve(f, location=f"{path}: {f.location}" if f.location else path)
        for path, f in loaded.findings
        if f.code in ANNOUNCED
    ]


def load_catalog_of(args: argparse.Namespace, *, stop: bool = True, announce: bool = True) -> Any:
    """
    Load the shipped catalog and every ``--catalog``; a path that does not exist is a
    usage error. With *stop* (every command but ``validate``), a catalog file that
    cannot be read or has errors stops the command: its findings are reported and it
    exits 1 without doing its work (SPEC §8.1). With *announce* (every command whose
    report does not list the catalogs' findings), a house catalog that weakens a shipped
    fact or takes another ingredient's name is said on standard error (SPEC §9.2).
    """
    from mesoformula.files.catalogs import load_catalog  # noqa: PLC0415 - keep start-up lean

    for folder in args.catalog:
        if not os.path.lexists(folder):
            raise UsageError(f"--catalog {folder}: no such file or directory")
    loaded = load_catalog(args.catalog, cache=cache_directory())
    if stop and any(f.severity == "error" for _, f in loaded.findings):
        raise CatalogProblem(catalog_reports_of(loaded))
    if announce:
        for path, finding in loaded.findings:
            if finding.code in ANNOUNCED:
                sys.stderr.write(finding_line(path, finding) + "\n")
    return loaded


def parse_volume(text: str, what: str) -> Any:
    from mesoformula.exceptions import UnitError  # noqa: PLC0415
    from mesoformula.units import Accepts, parse_quantity  # noqa: PLC0415

    try:
        # At most 10 L, the largest container the catalog accepts: never clamped.
        volume = Accepts(frozenset({"mL"}), "a volume (e.g. '20 mL')", high=10_000.0)
        return parse_quantity(text, volume)
    except UnitError as error:
        raise UsageError(f"{what}: {error.message}") from None


def parse_signed_volume(text: str) -> float:
    """A volume with an optional sign, for corrections: ``-0.5 mL``, ``+1 mL``."""
    from mesoformula.exceptions import UnitError  # noqa: PLC0415
    from mesoformula.units import Accepts, parse_signed_quantity  # noqa: PLC0415

    try:
        # At most 10 L, the largest container the catalog accepts: never clamped.
        sign, volume = parse_signed_quantity(
            text, Accepts(frozenset({"mL"}), "a volume (e.g. '20 mL')", high=10_000.0)
        )
    except UnitError as error:
        raise UsageError(f"--volume: {error.message}") from None
    return sign * volume.value


def read_formulation(args: argparse.Namespace, out: TextIO) -> tuple[Any, Any, int | None, Any]:
    """
    Read the formulation argument: (formulation, loaded catalog, None, document), or on
    problems print them and return (None, loaded, exit code, document). The document
    keeps the text, to locate later findings in it without reading the file again.
    """
    from mesoformula.files import read  # noqa: PLC0415
    from mesoformula.formulation import Formulation  # noqa: PLC0415
    from mesoformula.validate import FileReport  # noqa: PLC0415

    loaded = load_catalog_of(args)
    if not Path(args.formulation).is_file():
        raise UsageError(f"{args.formulation}: no such file")
    document = read(args.formulation, expect="formulation")
    if not isinstance(document.model, Formulation):
        report = FileReport(path=args.formulation, kind=document.kind, findings=document.findings)
        return None, loaded, print_reports([report], report_format(args.format), out), document
    return document.model, loaded, None, document


def catalog_reports_of(loaded: Any) -> list[Any]:
    from mesoformula.validate import catalog_reports  # noqa: PLC0415

    return catalog_reports(loaded, include_info=False)


def common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=["text", "json", "github", "sarif", "markdown", "html", "pdf", "fhir", "csv"],
        default=argparse.SUPPRESS,
        help="output for people (text, default), programs (json), CI (github: workflow "
        "annotations; sarif: SARIF 2.1.0 for code scanning), records (markdown, html, "
        "pdf), clinic systems (fhir) or spreadsheets (csv): where the command offers them",
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


def one_line_arguments(words: Sequence[str]) -> None:
    """Every argument is one line of text (SPEC §8.2); ``--scan`` may carry the GS1 group
    separator (ASCII 29)."""
    for n, word in enumerate(words):
        scan = (n > 0 and words[n - 1] == "--scan") or word.startswith("--scan=")
        problem = control_character(word.replace("\x1d", "") if scan else word)
        if problem is not None:
            raise UsageError(
                f"argument {one_line(word)!r} holds {problem}: arguments are one line of text"
            )


def bounded(low: int, high: int, what: str) -> Any:
    """An argparse type: a whole number written in ASCII digits within [low, high]."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped.removeprefix("-").removeprefix("+")
        if not digits.isascii() or not digits.isdigit():
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {low:,} and {high:,} (got {value:,})"
            )
        return value

    return parse


def entry_id(text: str) -> int:
    """A whole number for an id or a count, within what the store can hold."""
    if not text.strip().isascii() or not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    value = int(text)
    if not 0 <= value < 2**62:
        raise argparse.ArgumentTypeError(f"{text} is out of range")
    return value


def clinic_zone(configured: str | None = None) -> None:
    """
    Make ``MESOFORMULA_TZ`` (an IANA name such as ``Europe/Paris``), else the
    configuration's ``timezone`` (*configured*), the process's local time (SPEC §9.3):
    times shown to people, and times given without an offset, are the clinic's. Unset,
    the system's zone stays.

    Raises:
        UsageError: the zone named is no time zone.
    """
    name = os.environ.get("MESOFORMULA_TZ", "").strip() or (configured or "").strip()
    if not name or os.environ.get("TZ") == name:
        return
    import time  # noqa: PLC0415
    import zoneinfo  # noqa: PLC0415 - only where a zone is named

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        where = "MESOFORMULA_TZ" if os.environ.get("MESOFORMULA_TZ", "").strip() else "timezone"
        raise UsageError(
            f"{where}={name!r} is no time zone: give an IANA name such as 'Europe/Paris' or 'UTC'"
        ) from None
    os.environ["TZ"] = name
    time.tzset()


def clinic_gtin() -> str | None:
    """
    The clinic's own GTIN for its labels' codes (``MESOFORMULA_CLINIC_GTIN``, 14 digits
    with a valid check digit; a GTIN-13 is padded); None when not set.
    """
    text = os.environ.get("MESOFORMULA_CLINIC_GTIN", "").strip()
    if not text:
        return None
    from mesoformula.gs1 import gtin_problem  # noqa: PLC0415

    gtin = text.zfill(14) if text.isdigit() and len(text) < 14 else text
    problem = gtin_problem(gtin)
    if problem is not None:
        raise UsageError(f"MESOFORMULA_CLINIC_GTIN: {problem}")
    return gtin


__all__ = [
    "RANK",
    "REPORT_FORMATS",
    "CatalogProblem",
    "UsageError",
    "at_least",
    "bounded",
    "cache_directory",
    "catalog_reports_of",
    "catalog_warnings",
    "clinic_gtin",
    "clinic_zone",
    "common_options",
    "count_nolimit",
    "entry_id",
    "finding_line",
    "json_text",
    "load_catalog_of",
    "one_line_arguments",
    "parse_signed_volume",
    "parse_volume",
    "print_reports",
    "read_formulation",
    "refusal_json",
    "report_format",
    "summarize",
    "summary_line",
    "write_binary",
    "write_json",
]
