"""The three syntaxes: parsers that report a line, and the nesting guard."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
from collections.abc import Callable
from typing import Any, Literal

Syntax = Literal["toml", "yaml", "json"]


class SyntaxProblem(Exception):  # noqa: N818 - a problem reported as a finding
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


#: Deepest nesting of brackets, braces or indentation read. mesoformula's files nest a
#: handful of levels; a deeper file is refused before a parser can exhaust the stack
#: (PyYAML's C parser crashes the process on 50,000 nested brackets).
MAX_NESTING = 64


_BRACKETS = re.compile(r"[\[\]{}]")


def check_nesting(text: str, syntax: Syntax) -> None:
    if syntax == "yaml":
        indents = (len(line) - len(line.lstrip(" \t")) for line in text.splitlines())
        if max(indents, default=0) > 4 * MAX_NESTING:
            raise SyntaxProblem(
                f"indented more than {4 * MAX_NESTING} columns: not a mesoformula file"
            )
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return  # cannot nest deeper than it has openings
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            line = text.count("\n", 0, match.start()) + 1
            raise SyntaxProblem(
                f"nested more than {MAX_NESTING} levels deep (line {line}): not a mesoformula file",
                line,
            )


_rtoml: Any
try:  # a fast TOML parser (Rust), when installed; tomllib decides everything else
    import rtoml as _rtoml
except ImportError:  # pragma: no cover - PyPy, or a platform without its wheel
    _rtoml = None

#: What rtoml (TOML 1.1 drafts) accepts and tomllib (TOML 1.0) refuses: escapes \e and
#: \x, a trailing comma or a line break in an inline table, a time without seconds. A
#: text that may hold one is parsed by tomllib alone, so the same file is valid or
#: invalid whichever parser is installed (a false alarm only costs speed). An offset
#: (``-07:00``) is not a time.
_NOT_TOML_10 = re.compile(r"\\[ex]|,[ \t]*\}|\{[^}\n]*\n|(?<![:\d+-])\d\d:\d\d(?![:\d])")
_ESCAPES = re.compile(r"\\[ex]")
_INLINE_TABLES = re.compile(r",[ \t]*\}|\{[^}\n]*\n")


def not_toml_10(text: str) -> bool:
    """
    Whether *text* may hold what rtoml accepts beyond TOML 1.0 (:data:`_NOT_TOML_10`),
    found as that expression finds it but without scanning every character in Python's
    regular expression engine: backslashes, braces and colons are looked for first.
    """
    if "\\" in text and _ESCAPES.search(text):
        return True
    if ("{" in text or "}" in text) and _INLINE_TABLES.search(text):
        return True
    colon = text.find(":")
    while colon != -1:
        before = text[max(colon - 3, 0) : colon]
        after = text[colon + 1 : colon + 4]
        if (
            len(before) >= 2
            and before[-2:].isdecimal()
            and (len(before) < 3 or (before[0] not in ":+-" and not before[0].isdecimal()))
            and len(after) >= 2
            and after[:2].isdecimal()
            and (len(after) < 3 or (after[2] != ":" and not after[2].isdecimal()))
        ):
            return True
        colon = text.find(":", colon + 1)
    return False


#: An offset date-time: rtoml gives it its own tzinfo class; tomllib gives timezone.
_OFFSET_DATETIME = re.compile(r"\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)")


def has_offset_datetime(text: str) -> bool:
    """Whether :data:`_OFFSET_DATETIME` occurs in *text*, looked for at colons only."""
    colon = text.find(":")
    while colon != -1:
        if colon >= 2 and _OFFSET_DATETIME.match(text, colon - 2):
            return True
        colon = text.find(":", colon + 1)
    return False


def _standard_zones(value: Any) -> Any:
    """*value* with every aware date-time's tzinfo a ``datetime.timezone``, as tomllib has."""
    if isinstance(value, dict):
        return {k: _standard_zones(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_standard_zones(v) for v in value]
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        offset = value.utcoffset()
        zone = dt.UTC if not offset else dt.timezone(offset)
        return value.replace(tzinfo=zone)
    return value


def fast_toml() -> bool:
    """Whether rtoml parses TOML here (else tomllib alone)."""
    return _rtoml is not None


def parse_toml(text: str) -> Any:
    """
    Parse TOML 1.0 exactly as :mod:`tomllib` does, with rtoml when it is installed (ten
    times faster): the same values and types for every document tomllib accepts, and
    tomllib's own error (with its line and column) for every one it refuses.
    """
    if _rtoml is not None and not not_toml_10(text):
        try:
            value = _rtoml.loads(text)
        except Exception:  # noqa: S110 - tomllib decides: its message, or what it accepts
            pass
        else:
            return _standard_zones(value) if has_offset_datetime(text) else value
    return tomllib.loads(text)


def _parse_toml(text: str) -> Any:
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise SyntaxProblem(f"TOML: {error}", int(found.group(1)) if found else None) from None


def _reject_constant(name: str) -> Any:
    raise SyntaxProblem(f"JSON: {name} is not a number mesoformula accepts")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise SyntaxProblem(f"JSON: the key {key!r} is given twice in one object")
        seen[key] = value
    return seen


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise SyntaxProblem(
            f"JSON: {error.msg} (at line {error.lineno}, column {error.colno})", error.lineno
        ) from None
    except RecursionError:
        raise SyntaxProblem("JSON: nested too deeply") from None


def _parse_yaml(text: str) -> Any:
    import yaml  # noqa: PLC0415 - only YAML users pay for the import

    loader = _yaml_loader()
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                line = mark.line + 1 if mark is not None else None
                raise SyntaxProblem(
                    f"YAML: anchors and aliases are not accepted (line {line})", line
                )
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, aliases refused
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" (line {line}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise SyntaxProblem(f"YAML: {problem}{where}", line) from None


@functools.cache
def _yaml_loader() -> Any:
    """A safe YAML loader (C when available) that refuses a key given twice."""
    import yaml  # noqa: PLC0415

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            keys = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"a key must be a word or a number, not {type(key).__name__}",
                        key_node.start_mark,
                    )
                if key in keys:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key!r} is given twice in one mapping",
                        key_node.start_mark,
                    )
                keys.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


PARSERS: dict[str, Callable[[str], Any]] = {
    "toml": _parse_toml,
    "json": _parse_json,
    "yaml": _parse_yaml,
}


__all__ = ["MAX_NESTING", "PARSERS", "SyntaxProblem", "check_nesting", "fast_toml", "parse_toml"]
