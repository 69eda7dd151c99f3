"""Lines of findings: a location (``components[1].volume``) found in the file's text."""

from __future__ import annotations

import bisect
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
    """Fill in the line of each finding that has a location, from *text* (one index)."""
    if not any(f.location and f.line is None for f in findings):
        return findings
    locator = _Locator(text.splitlines(), syntax)
    return [
        f
        if f.line is not None or not f.location
        else attrs.evolve(f, line=locator.line(f.location))
        for f in findings
    ]


_ITEM = {
    "toml": re.compile(r".*\{"),
    "json": re.compile(r"\s*(-\s|\{)"),
    "yaml": re.compile(r"\s*(-\s|\{)"),
}


class _Locator:
    """
    Lines of locations in one text, as well as the syntax allows without a
    position-keeping parser: follow table headers and keys in order, and stop at the last
    step found. Header and item positions are indexed once and every answer is kept, so
    locating N findings costs about N look-ups, not N scans of the file.
    """

    def __init__(self, lines: list[str], syntax: Syntax) -> None:
        self.lines = lines
        self.syntax = syntax
        self._answers: dict[str, int | None] = {}
        self._headers: dict[str, list[int]] = {}
        self._items: list[int] | None = None
        self._keys: dict[tuple[int, str, str], int | None] = {}

    def line(self, location: str) -> int | None:
        if location not in self._answers:
            self._answers[location] = self._locate(location)
        return self._answers[location]

    def _array_headers(self, prefix: str) -> list[int]:
        if prefix not in self._headers:
            header = re.compile(rf"\s*\[\[\s*{re.escape(prefix)}\s*\]\]")
            self._headers[prefix] = [n for n, text in enumerate(self.lines) if header.match(text)]
        return self._headers[prefix]

    def _item_starts(self) -> list[int]:
        if self._items is None:
            item = _ITEM[self.syntax]
            self._items = [n for n, text in enumerate(self.lines) if item.match(text)]
        return self._items

    def _key(self, position: int, prefix: str, key: str) -> int | None:
        cache_key = (position, prefix, key)
        if cache_key not in self._keys:
            escaped = re.escape(key)
            header: re.Pattern[str] | None = None
            if self.syntax == "toml":
                header = re.compile(rf"\s*\[\[?\s*{re.escape(prefix)}\s*\]\]?\s*(#.*)?$")
                pattern = re.compile(rf"\s*(\"?{escaped}\"?)\s*=")
            elif self.syntax == "json":
                pattern = re.compile(rf'\s*"{escaped}"\s*:')
            else:
                pattern = re.compile(rf"\s*(-\s+)?\"?{escaped}\"?\s*:")
            self._keys[cache_key] = _search(self.lines, position, pattern, header)
        return self._keys[cache_key]

    def _locate(self, location: str) -> int | None:
        steps: list[str | int] = [
            m.group(1) if m.group(1) is not None else int(m.group(2))
            for m in _STEP.finditer(location)
        ]
        position, found = 0, None
        prefix: list[str] = []
        last_key: str | None = None
        for step in steps:
            if isinstance(step, str):
                prefix.append(step)
                last_key = step
                hit = self._key(position, ".".join(prefix), step)
                if hit is None:
                    break
                position, found = hit, hit
                continue
            if self.syntax == "toml" and last_key is not None:
                headers = self._array_headers(".".join(prefix))
                after = headers[bisect.bisect_left(headers, position) :]
                if len(after) > step:
                    position = found = after[step]
                    continue
            # Inline arrays and YAML/JSON lists: count item starts after the key.
            items = self._item_starts()
            after = items[bisect.bisect_left(items, position) :]
            if len(after) > step:
                position = found = after[step]
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
