"""Lines of findings: a location (``components[1].volume``) found in the file's text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import attrs

from mesoformula.findings import Finding

Syntax = Literal["toml", "yaml", "json"]
SUFFIXES: dict[str, Syntax] = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def syntax_of(path: str | Path) -> Syntax | None:
    """Return the syntax a file name implies, or None for an unknown suffix."""
    import os  # noqa: PLC0415

    return SUFFIXES.get(os.path.splitext(path)[1].lower())  # noqa: PTH122 - no Path per file


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def with_lines(path: str | Path, findings: list[Finding]) -> list[Finding]:
    """Fill in the line of each finding that has a location, reading *path* once."""
    if not any(f.location and f.line is None for f in findings):
        return findings
    syntax = syntax_of(path)
    if syntax is None:
        return findings
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return findings
    return locate_all(findings, text, syntax)


def locate_all(findings: list[Finding], text: str, syntax: Syntax) -> list[Finding]:
    lines = text.splitlines()
    return [
        f
        if f.line is not None or not f.location
        else attrs.evolve(f, line=_locate(lines, f.location, syntax))
        for f in findings
    ]


def _locate(lines: list[str], location: str, syntax: Syntax) -> int | None:
    """
    Find the line of *location* in a TOML, YAML or JSON text, as well as the syntax
    allows without a position-keeping parser: follow table headers and keys in
    order, and stop at the last step found.
    """
    steps: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _STEP.finditer(location)
    ]
    position, found = 0, None
    prefix: list[str] = []
    last_key: str | None = None
    for step in steps:
        if isinstance(step, str):
            prefix.append(step)
            last_key = step
            key = re.escape(step)
            if syntax == "toml":
                header = re.compile(rf"\s*\[\[?\s*{re.escape('.'.join(prefix))}\s*\]\]?\s*(#.*)?$")
                pattern = re.compile(rf"\s*(\"?{key}\"?)\s*=")
            elif syntax == "json":
                header, pattern = None, re.compile(rf'\s*"{key}"\s*:')
            else:
                header, pattern = None, re.compile(rf"\s*(-\s+)?\"?{key}\"?\s*:")
            hit = _search(lines, position, pattern, header)
            if hit is None:
                break
            position, found = hit, hit
        else:
            if syntax == "toml" and last_key is not None:
                header = re.compile(rf"\s*\[\[\s*{re.escape('.'.join(prefix))}\s*\]\]")
                hits = [n for n in range(position, len(lines)) if header.match(lines[n])]
                if len(hits) > step:
                    position = found = hits[step]
                    continue
            # Inline arrays and YAML/JSON lists: count item starts after the key.
            item = re.compile(r"\s*(-\s|\{)") if syntax != "toml" else re.compile(r".*\{")
            hits = [n for n in range(position, len(lines)) if item.match(lines[n])]
            if len(hits) > step:
                position = found = hits[step]
            else:
                break
    return None if found is None else found + 1


def _search(
    lines: list[str], start: int, pattern: re.Pattern[str], header: re.Pattern[str] | None
) -> int | None:
    for n in range(start, len(lines)):
        if (header is not None and header.match(lines[n])) or pattern.match(lines[n]):
            return n
    return None


__all__ = ["SUFFIXES", "Syntax", "locate_all", "syntax_of", "with_lines"]
