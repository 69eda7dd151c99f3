"""
SARIF 2.1.0 (the OASIS Static Analysis Results Interchange Format): the findings of
``validate`` and ``check`` as a log that code-scanning tools read (GitHub code scanning's
``upload-sarif``, SARIF viewers), printed with ``--format sarif`` (SPEC §9.7).

The log is typed records, written by the one wire converter
(:data:`mesoformula.files.wire.wire`) under SARIF's names (:func:`mesoformula._json.wire`),
never a dictionary built by hand. One run: the tool and its rules (the finding codes that
occur, each with its description and a link into the findings reference), then one
result per finding: its rule, level (``error``, ``warning``, ``note`` for info), message,
and where: the file as a URI reference, the line when known, and the path into the file
as a logical location. The run's properties carry the summary, so that a log says how
many doses went unchecked as the other formats do (SPEC §9.2).

``tests/test_sarif.py`` validates logs against the official schema, vendored in
``tests/data/sarif/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Final, Literal
from urllib.parse import quote

import attrs

from mesoformula._json import wire
from mesoformula._version import __version__
from mesoformula.findings import CODES, Finding, Severity, describe
from mesoformula.results import FileFindings, Summary

#: The schema a log names (``$schema``): SchemaStore's copy of the OASIS schema, the
#: address editors and GitHub's documentation use.
SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION: Final = "2.1.0"

#: The documentation site. mkdocs.yml names no address for it yet, so a name reserved by
#: RFC 2606 stands for it, as in the JSON Schemas' ``$id``; the paths are the site's own.
SITE: Final = "https://mesoformula.invalid/"
#: The finding codes reference (docs/reference/findings.md); each code is an anchor in it.
FINDINGS_PAGE: Final = f"{SITE}reference/findings/"

Level = Literal["error", "warning", "note"]

#: SARIF's level of each severity: an info finding is a note.
LEVELS: Final[dict[Severity, Level]] = {"error": "error", "warning": "warning", "info": "note"}


@attrs.frozen(kw_only=True)
class Message:
    """A message for people (SARIF ``message`` and ``multiformatMessageString``)."""

    text: str


@attrs.frozen(kw_only=True)
class Rule:
    """A finding code as a SARIF rule (``reportingDescriptor``)."""

    id: str
    short_description: Message = attrs.field(metadata=wire(key="shortDescription"))
    help_uri: str = attrs.field(metadata=wire(key="helpUri"))
    help: Message


@attrs.frozen(kw_only=True)
class Driver:
    """The tool that ran (``toolComponent``) and the rules its results name."""

    name: str = "mesoformula"
    version: str = __version__
    information_uri: str = attrs.field(default=SITE, metadata=wire(key="informationUri"))
    rules: tuple[Rule, ...]


@attrs.frozen(kw_only=True)
class Tool:
    """SARIF ``tool``."""

    driver: Driver


@attrs.frozen(kw_only=True)
class ArtifactLocation:
    """A file, as a URI reference (relative to the folder the log is read from)."""

    uri: str


@attrs.frozen(kw_only=True)
class Region:
    """The line of a finding in its file."""

    start_line: int = attrs.field(metadata=wire(key="startLine"))


@attrs.frozen(kw_only=True)
class PhysicalLocation:
    """The file of a finding and, when known, its line."""

    artifact_location: ArtifactLocation = attrs.field(metadata=wire(key="artifactLocation"))
    region: Region | None = attrs.field(default=None, metadata=wire(omit_if=None))


@attrs.frozen(kw_only=True)
class LogicalLocation:
    """The path into the file (``components[1].volume``)."""

    fully_qualified_name: str = attrs.field(metadata=wire(key="fullyQualifiedName"))


@attrs.frozen(kw_only=True)
class Location:
    """Where a finding is: its file (and line), and the path into the file when given."""

    physical_location: PhysicalLocation = attrs.field(metadata=wire(key="physicalLocation"))
    logical_locations: tuple[LogicalLocation, ...] = attrs.field(
        default=(), metadata=wire(key="logicalLocations", omit_if=())
    )


@attrs.frozen(kw_only=True)
class Result:
    """One finding."""

    rule_id: str = attrs.field(metadata=wire(key="ruleId"))
    rule_index: int = attrs.field(metadata=wire(key="ruleIndex"))
    level: Level
    message: Message
    locations: tuple[Location, ...]


@attrs.frozen(kw_only=True)
class RunProperties:
    """What SARIF has no place for: the counts of the run (as ``--format json`` says them)."""

    summary: Summary


@attrs.frozen(kw_only=True)
class Run:
    """One run of mesoformula: the tool, its results and the summary."""

    tool: Tool
    results: tuple[Result, ...]
    properties: RunProperties


@attrs.frozen(kw_only=True)
class Log:
    """A SARIF 2.1.0 log (``sarifLog``)."""

    schema: str = attrs.field(default=SCHEMA, metadata=wire(key="$schema"))
    version: str = VERSION
    runs: tuple[Run, ...]


def artifact_uri(path: str) -> str:
    """
    *path* as SARIF's ``artifactLocation.uri``: a relative path as a URI reference (with
    ``/`` between folders, every other character that URIs reserve percent-encoded, so a
    ``:`` cannot read as a scheme), an absolute path as a ``file:`` URI.
    """
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix(), safe="/")


def rule(code: str) -> Rule:
    """The SARIF rule of a finding code, from :data:`~mesoformula.findings.CODES`."""
    description = CODES.get(code, code)
    return Rule(
        id=code,
        short_description=Message(text=description),
        help_uri=f"{FINDINGS_PAGE}#{code}",
        help=Message(
            text=f"{code}: {description}. Every code is explained in the finding codes "
            "reference of the mesoformula documentation (docs/reference/findings.md)."
        ),
    )


def result(path: str, finding: Finding, rule_index: int) -> Result:
    """A finding of the file at *path* as a SARIF result; *rule_index*: its rule's place."""
    region = Region(start_line=finding.line) if finding.line is not None else None
    logical = (LogicalLocation(fully_qualified_name=finding.location),) if finding.location else ()
    where = Location(
        physical_location=PhysicalLocation(
            artifact_location=ArtifactLocation(uri=artifact_uri(path)), region=region
        ),
        logical_locations=logical,
    )
    return Result(
        rule_id=finding.code,
        rule_index=rule_index,
        level=LEVELS[finding.severity],
        message=Message(text=describe(finding)),
        locations=(where,),
    )


def sarif_log(files: Sequence[FileFindings], summary: Summary) -> Log:
    """
    The SARIF log of *files* (each file's path as the log should name it: relative to the
    folder the log is read from, or absolute) and the run's *summary*. The rules are the
    codes that occur, sorted; each result names its rule by id and by place.
    """
    codes = sorted({f.code for file in files for f in file.findings})
    place = {code: n for n, code in enumerate(codes)}
    results = tuple(result(file.path, f, place[f.code]) for file in files for f in file.findings)
    driver = Driver(rules=tuple(rule(code) for code in codes))
    run = Run(tool=Tool(driver=driver), results=results, properties=RunProperties(summary=summary))
    return Log(runs=(run,))


__all__ = [
    "FINDINGS_PAGE",
    "LEVELS",
    "SCHEMA",
    "SITE",
    "VERSION",
    "ArtifactLocation",
    "Driver",
    "Level",
    "Location",
    "Log",
    "LogicalLocation",
    "Message",
    "PhysicalLocation",
    "Region",
    "Result",
    "Rule",
    "Run",
    "RunProperties",
    "Tool",
    "artifact_uri",
    "result",
    "rule",
    "sarif_log",
]
