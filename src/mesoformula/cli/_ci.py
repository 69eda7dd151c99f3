"""
The CI formats of ``validate`` and ``check`` (SPEC §9.7): GitHub Actions workflow
commands (``--format github``) and a SARIF 2.1.0 log (``--format sarif``, built by
:mod:`mesoformula.sarif`). The module is imported only when a CI format is asked for.

Both name a file as CI reads it: relative to ``$GITHUB_WORKSPACE`` when set (the
repository's checkout, which the runner and ``upload-sarif`` resolve paths against,
whatever the step's working folder), else to the working folder; a file outside it by its
absolute path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, TextIO

from mesoformula.findings import Finding, describe
from mesoformula.results import FileFindings, Summary
from mesoformula.sarif import Log, sarif_log


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped as GitHub's toolkit does
    (``escapeProperty``): as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, finding: Finding) -> str:
    """
    A warning or error finding as one workflow command: ``::error file=…,line=…,
    title=code::code words``. The line only where the finding has one (mesoformula gives
    no columns); the code both as the annotation's title and at the head of its message,
    which is what the log shows.
    """
    properties = [f"file={escape_property(path)}"]
    if finding.line is not None:
        properties.append(f"line={finding.line}")
    properties.append(f"title={escape_property(finding.code)}")
    words = escape_data(f"{finding.code} {describe(finding)}")
    return f"::{finding.severity} {','.join(properties)}::{words}"


def ci_base() -> str:
    """The folder CI paths are relative to: ``$GITHUB_WORKSPACE``, else the working folder."""
    return os.environ.get("GITHUB_WORKSPACE") or os.getcwd()  # noqa: PTH109


def ci_path(path: str, base: str) -> str:
    """*path* relative to *base* with ``/`` between folders, or absolute when outside it."""
    absolute = PurePath(os.path.abspath(path))  # noqa: PTH100 - normalizes '..' without resolving links
    try:
        return absolute.relative_to(os.path.abspath(base)).as_posix()  # noqa: PTH100
    except ValueError:
        return str(absolute)


def write_github(reports: Sequence[Any], summary_line: str, out: TextIO) -> None:
    """A workflow command per warning and error, then the summary as a plain line. Info
    findings are no annotations: the summary counts what matters of them."""
    base = ci_base()
    for report in reports:
        path = ci_path(report.path, base)
        for finding in report.findings:
            if finding.severity != "info":
                out.write(annotation(path, finding) + "\n")
    out.write(summary_line)


def sarif_of(reports: Sequence[Any], summary: Summary) -> Log:
    """The SARIF log of *reports* and their *summary*, each file named as CI reads it."""
    base = ci_base()
    files = [
        FileFindings(path=ci_path(r.path, base), kind=r.kind, findings=r.findings) for r in reports
    ]
    return sarif_log(files, summary)


__all__ = [
    "annotation",
    "ci_base",
    "ci_path",
    "escape_data",
    "escape_property",
    "sarif_of",
    "write_github",
]
