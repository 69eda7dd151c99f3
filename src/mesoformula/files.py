"""
Files in and out: TOML, YAML and JSON through cattrs, and the JSON Schema (SPEC §2).

Every file declares its kind in a top-level ``format`` key. :func:`read` reports every
problem of a file at once, as findings with a code, a location (``components[1].volume``)
and, where the syntax allows, a line. :func:`load` raises :class:`FileError` carrying
those findings; :func:`dumps` writes a model so that ``loads(dumps(x)) == x``.

Input is strict: no NaN or infinity, no booleans where numbers belong, no numbers where
strings belong, no extra keys, YAML without anchors or aliases (an alias bomb never
expands), files of at most :data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._fields import IntRange
from ._frozen import FrozenMap
from ._text import control_character
from .catalog import CATALOG_FORMAT, CatalogFile, Condition
from .exceptions import FileError, UnitError
from .findings import Finding
from .formulation import FORMULATION_FORMAT, Formulation, shape_findings
from .patient import PATIENT_FORMAT, Patient
from .stock.sheet import COUNT_FORMAT, STOCK_FORMAT, CountSheet, StockSheet
from .units import Accepts, Quantity, dump_quantity, parse_quantity

#: Largest file read, in bytes; a larger file is refused before it is parsed.
MAX_FILE_BYTES = 4 * 1024 * 1024

Syntax = Literal["toml", "yaml", "json"]
Model = Formulation | Patient | CatalogFile | StockSheet | CountSheet
M = TypeVar("M", Formulation, Patient, CatalogFile, StockSheet, CountSheet)

#: ``format`` value -> (kind name, model class).
FORMATS: dict[str, tuple[str, type[Any]]] = {
    FORMULATION_FORMAT: ("formulation", Formulation),
    PATIENT_FORMAT: ("patient", Patient),
    CATALOG_FORMAT: ("catalog", CatalogFile),
    STOCK_FORMAT: ("stock", StockSheet),
    COUNT_FORMAT: ("count", CountSheet),
}
KIND_CLASSES: dict[str, type[Any]] = dict(FORMATS.values())
KIND_FORMATS: dict[str, str] = {kind: fmt for fmt, (kind, _) in FORMATS.items()}
SUFFIXES: dict[str, Syntax] = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@attrs.frozen(kw_only=True)
class Document:
    """
    What :func:`read` makes of a file.

    Attributes:
        path: The file read.
        kind: ``formulation``, ``patient``, ``catalog`` or ``stock``; None when the
            file is not readable far enough to tell.
        model: The structured model, or None when the file has errors.
        findings: Every problem found, in file order.
    """

    path: str
    kind: str | None
    model: Model | None
    findings: tuple[Finding, ...]


class _ProblemError(Exception):
    """A structuring problem: the finding code and a message without the location."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- converter


_TYPE_NAMES: dict[object, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    float: "a number",
}


def _type_name(tp: object) -> str:
    return _TYPE_NAMES.get(tp, str(tp))


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"'{value[:40]}'"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {str(value)[:40]}"


def _strict(tp: type[Any]) -> Callable[[object, object], Any]:
    def hook(value: object, _: object) -> Any:
        if type(value) is not tp:
            raise _ProblemError(
                "file.schema", f"expected {_type_name(tp)} (got {_describe(value)})"
            )
        return value

    return hook


def _structure_text(value: object, _: object) -> str:
    """A string of one line: control characters are refused (SPEC §8.2)."""
    if type(value) is not str:
        raise _ProblemError("file.schema", f"expected a string (got {_describe(value)})")
    problem = control_character(value)
    if problem is not None:
        raise _ProblemError(
            "file.schema",
            f"text must be one line without control characters ({problem}); write it on one line",
        )
    return value


def _is_frozen_map(tp: Any) -> bool:
    return get_origin(tp) is FrozenMap


def _frozen_map_hook(tp: Any) -> Callable[[object, object], FrozenMap[Any, Any]]:
    key, value = get_args(tp)
    as_dict = dict[key, value]  # type: ignore[valid-type]
    inner = converter.get_structure_hook(as_dict)

    def hook(data: object, _: object) -> FrozenMap[Any, Any]:
        if not isinstance(data, dict):
            raise _ProblemError("file.schema", f"expected a table (got {_describe(data)})")
        return FrozenMap(inner(data, as_dict))

    return hook


def _unstructure_frozen_map(tp: Any) -> Callable[[FrozenMap[Any, Any]], dict[Any, Any]]:
    def hook(data: FrozenMap[Any, Any]) -> dict[Any, Any]:
        return {k: converter.unstructure(v) for k, v in data.items()}

    return hook


def _condition_hooks(
    conv: cattrs.Converter,
) -> tuple[Callable[[object, object], Condition], Callable[[Condition], object]]:
    """A condition is a bare ingredient id or a table ``{ingredient, at_least}``."""

    @functools.cache
    def table() -> Callable[[Any, Any], Condition]:
        return make_dict_structure_fn(Condition, conv, _cattrs_forbid_extra_keys=True)

    @functools.cache
    def as_table() -> Callable[[Condition], dict[str, Any]]:
        return make_dict_unstructure_fn(Condition, conv, _cattrs_omit_if_default=True)

    def structure(value: object, _: object) -> Condition:
        if isinstance(value, str):
            return Condition(ingredient=_structure_text(value, str))
        if isinstance(value, dict):
            return table()(value, Condition)
        raise _ProblemError(
            "file.schema",
            "expected an ingredient id or a table { ingredient, at_least } "
            f"(got {_describe(value)})",
        )

    def unstructure(condition: Condition) -> object:
        return condition.ingredient if condition.at_least is None else as_table()(condition)

    return structure, unstructure


def _structure_date(value: object, _: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _ProblemError("file.schema", f"expected a date such as 2027-03-31 (got {value})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _ProblemError(
        "file.schema", f"expected a date such as 2027-03-31 (got {_describe(value)})"
    )


def _structure_datetime(value: object, _: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and "T" in value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _ProblemError(
        "file.schema",
        f"expected a date and time such as 2026-11-20T09:30:00 (got {_describe(value)})",
    )


def _is_annotated(marker: type[Any]) -> Callable[[Any], bool]:
    def predicate(tp: Any) -> bool:
        return get_origin(tp) is Annotated and any(isinstance(m, marker) for m in tp.__metadata__)

    return predicate


def _marker(tp: Any, marker: type[Any]) -> Any:
    return next(m for m in tp.__metadata__ if isinstance(m, marker))


def _quantity_hook(tp: Any) -> Callable[[object, object], Quantity]:
    accepts: Accepts = _marker(tp, Accepts)

    def hook(value: object, _: object) -> Quantity:
        try:
            return parse_quantity(value, accepts)
        except UnitError as error:
            raise _ProblemError(error.code, error.message) from None

    return hook


def _int_range_hook(tp: Any) -> Callable[[object, object], int]:
    bounds: IntRange = _marker(tp, IntRange)

    def hook(value: object, _: object) -> int:
        if type(value) is not int:
            raise _ProblemError("file.schema", f"expected a whole number (got {_describe(value)})")
        if value < bounds.min or (bounds.max is not None and value > bounds.max):
            top = f" and at most {bounds.max}" if bounds.max is not None else ""
            raise _ProblemError("file.schema", f"must be at least {bounds.min}{top} (got {value})")
        return value

    return hook


def _literal_hook(tp: Any) -> Callable[[object, object], Any]:
    allowed = get_args(tp)

    def hook(value: object, _: object) -> Any:
        for option in allowed:
            if type(value) is type(option) and value == option:
                return value
        shown = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed)
        raise _ProblemError("file.schema", f"must be one of {shown} (got {_describe(value)})")

    return hook


def _tuple_hook(tp: Any) -> Callable[[object, object], tuple[Any, ...]]:
    args = get_args(tp)
    homogeneous = len(args) == 2 and args[1] is Ellipsis

    def hook(value: object, _: object) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise _ProblemError("file.schema", f"expected a list (got {_describe(value)})")
        if not homogeneous and len(value) != len(args):
            raise _ProblemError(
                "file.schema", f"expected a list of {len(args)} items (got {len(value)})"
            )
        items, errors = [], []
        for index, item in enumerate(value):
            item_type = args[0] if homogeneous else args[index]
            try:
                items.append(converter.structure(item, item_type))
            except Exception as error:
                error.__notes__ = [
                    *getattr(error, "__notes__", []),
                    IterableValidationNote(f"Structuring {tp} @ index {index}", index, item_type),
                ]
                errors.append(error)
        if errors:
            raise IterableValidationError(f"While structuring {tp}", errors, tp)
        return tuple(items)

    return hook


def file_key(field: attrs.Attribute[Any]) -> str:
    """The key a model field has in files (``class`` for ``Ingredient.class_``)."""
    key: str = field.metadata.get("key", field.name)
    return key


def _attrs_structure(cls: type[Any]) -> Callable[[Any, Any], Any]:
    overrides: dict[str, Any] = {
        f.name: override(rename=file_key(f)) for f in attrs.fields(cls) if "key" in f.metadata
    }
    return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)


def _attrs_unstructure(cls: type[Any]) -> Callable[[Any], Any]:
    overrides: dict[str, Any] = {}
    for f in attrs.fields(cls):
        if f.name == "format":
            overrides[f.name] = override(omit_if_default=False)
        elif "key" in f.metadata:
            overrides[f.name] = override(rename=file_key(f))
    return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _is_optional(tp: Any) -> bool:
    args = get_args(tp)
    return (
        get_origin(tp) in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args
    )


def _optional_hook(tp: Any) -> Callable[[object, object], Any]:
    inner_type = next(a for a in get_args(tp) if a is not type(None))
    inner = converter.get_structure_hook(inner_type)

    def hook(value: object, _: object) -> Any:
        return None if value is None else inner(value, inner_type)

    return hook


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for tp in (bool, int, float):
        conv.register_structure_hook(tp, _strict(tp))
    conv.register_structure_hook(str, _structure_text)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook_factory(_is_annotated(Accepts), _quantity_hook)
    conv.register_structure_hook_factory(_is_annotated(IntRange), _int_range_hook)
    conv.register_structure_hook_factory(_is_literal, _literal_hook)
    conv.register_structure_hook_factory(_is_tuple, _tuple_hook)
    conv.register_structure_hook_factory(_is_optional, _optional_hook)
    conv.register_structure_hook_factory(attrs.has, _attrs_structure)
    conv.register_structure_hook_factory(_is_frozen_map, _frozen_map_hook)
    conv.register_unstructure_hook(Quantity, dump_quantity)
    conv.register_unstructure_hook_factory(
        lambda tp: attrs.has(tp) and tp is not Quantity, _attrs_unstructure
    )
    conv.register_unstructure_hook_factory(_is_frozen_map, _unstructure_frozen_map)
    structure_condition, unstructure_condition = _condition_hooks(conv)
    conv.register_structure_hook(Condition, structure_condition)
    conv.register_unstructure_hook(Condition, unstructure_condition)
    return conv


converter = _make_converter()


# --------------------------------------------------------------------------- reading


def syntax_of(path: str | Path) -> Syntax | None:
    """Return the syntax a file name implies, or None for an unknown suffix."""
    return SUFFIXES.get(os.path.splitext(path)[1].lower())  # noqa: PTH122 - no Path per file


def read(path: str | Path, *, expect: str | None = None) -> Document:
    """
    Read one file; never raises for bad content, reports it as findings instead.

    *expect* names the kind the caller needs (``catalog``); another kind is a
    ``file.schema`` error.
    """
    name = str(path)
    syntax = syntax_of(path)
    if syntax is None:
        return _failed(name, "file.schema", "unknown file type: use .toml, .yaml, .yml or .json")
    try:
        with open(path, "rb") as handle:  # noqa: PTH123 - the cheapest open, per file
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                return _failed(
                    name, "file.io", f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read"
                )
            raw = handle.read()
    except OSError as error:
        return _failed(name, "file.io", f"cannot read the file: {error.strerror or error}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return _failed(name, "file.syntax", f"not UTF-8 text (byte {error.start})")
    return loads(text, syntax, path=name, expect=expect)


def loads(
    text: str, syntax: Syntax, *, path: str = "<string>", expect: str | None = None
) -> Document:
    """Parse *text* in *syntax* and structure it into the model its ``format`` names."""
    try:
        _check_nesting(text, syntax)
        data = _PARSERS[syntax](text)
    except _SyntaxError as problem:
        return _failed(path, "file.syntax", problem.message, line=problem.line)
    except (RecursionError, MemoryError):
        return _failed(path, "file.syntax", "the file is nested too deeply to read")
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        return _failed(path, "file.syntax", f"cannot read a value: {error}")
    if not isinstance(data, dict):
        return _failed(path, "file.schema", "the top level must be a table of keys")
    fmt = data.get("format")
    if fmt not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        message = (
            "the file has no 'format' key" if fmt is None else f"unknown format {_describe(fmt)}"
        )
        return _failed(path, "file.schema", f"{message}; expected one of {known}", "format")
    kind, cls = FORMATS[fmt]
    if expect is not None and kind != expect:
        return _failed(
            path,
            "file.schema",
            f"expected a {expect} file (format {KIND_FORMATS[expect]!r}), got a {kind} file",
            "format",
        )
    model: Any = None
    findings: list[Finding] = []
    try:
        model = converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as group:
        findings = [_finding(location, error) for location, error in _walk(group, cls)]
    except Exception as error:
        findings = [_finding("", error)]
    if cls is Formulation:
        findings.extend(shape_findings(data))
    if findings:
        findings = _with_lines(findings, text, syntax)
    if any(f.severity == "error" for f in findings):
        model = None
    return Document(path=path, kind=kind, model=model, findings=tuple(findings))


def load(path: str | Path, cls: type[M]) -> M:
    """
    Load a file that must hold a model of *cls*; raise :class:`FileError` otherwise.
    """
    kind = next(k for k, c in KIND_CLASSES.items() if c is cls)
    document = read(path, expect=kind)
    if document.model is None or not isinstance(document.model, cls):
        raise FileError(str(path), document.findings)
    return document.model


def _failed(
    path: str, code: str, message: str, location: str = "", line: int | None = None
) -> Document:
    finding = Finding(code=code, severity="error", message=message, location=location, line=line)
    return Document(path=path, kind=None, model=None, findings=(finding,))


def _walk(
    error: BaseException, cls: type[Any], path: str = ""
) -> Iterator[tuple[str, BaseException]]:
    """Flatten a cattrs exception group into (location, leaf error) pairs."""
    if isinstance(error, ClassValidationError | IterableValidationError):
        with_notes, without = error.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                owner = _attrs_owner(note)
                key = _rename(owner, str(note.name)) if owner else str(note.name)
                yield from _walk(sub, cls, f"{path}.{key}" if path else key)
            else:
                index = note.index
                step = f"[{index}]" if isinstance(index, int) else f".{index}"
                yield from _walk(sub, cls, f"{path}{step}")
        for sub in without:
            yield from _walk(sub, cls, path)
    else:
        yield path, error


def _attrs_owner(note: Any) -> type[Any] | None:
    owner = getattr(note, "type", None)
    return owner if isinstance(owner, type) and attrs.has(owner) else None


def _rename(owner: type[Any], name: str) -> str:
    for f in attrs.fields(owner):
        if f.name == name:
            return file_key(f)
    return name


def _finding(location: str, error: BaseException) -> Finding:
    if isinstance(error, _ProblemError):
        code, message = error.code, error.message
    elif isinstance(error, ForbiddenExtraKeysError):
        names = sorted(error.extra_fields)
        extra = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        allowed = ", ".join(file_key(f) for f in attrs.fields(error.cl))
        code, message = "file.schema", f"unknown key(s) {extra} (allowed: {allowed})"
        if len(names) == 1:
            location = f"{location}.{extra}" if location else extra
        return Finding(code=code, severity="error", message=message, location=location)
    elif isinstance(error, KeyError):
        key = location.rsplit(".", 1)[-1]
        code, message = "file.schema", f"required key '{key}' is missing"
    elif isinstance(error, TypeError | ValueError | AttributeError):
        code, message = "file.schema", f"wrong type or shape: {error}"
    else:
        code, message = "file.schema", f"cannot read this value ({type(error).__name__})"
    return Finding(code=code, severity="error", message=message, location=location)


# --------------------------------------------------------------------------- syntaxes


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


#: Deepest nesting of brackets, braces or indentation read. mesoformula's files nest a
#: handful of levels; a deeper file is refused before a parser can exhaust the stack
#: (PyYAML's C parser crashes the process on 50,000 nested brackets).
MAX_NESTING = 64
_BRACKETS = re.compile(r"[\[\]{}]")


def _check_nesting(text: str, syntax: Syntax) -> None:
    if syntax == "yaml":
        indents = (len(line) - len(line.lstrip(" \t")) for line in text.splitlines())
        if max(indents, default=0) > 4 * MAX_NESTING:
            raise _SyntaxError(
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
            raise _SyntaxError(
                f"nested more than {MAX_NESTING} levels deep (line {line}): not a mesoformula file",
                line,
            )


def _parse_toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise _SyntaxError(f"TOML: {error}", int(found.group(1)) if found else None) from None


def _reject_constant(name: str) -> Any:
    raise _SyntaxError(f"JSON: {name} is not a number mesoformula accepts")


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _SyntaxError(
            f"JSON: {error.msg} (at line {error.lineno}, column {error.colno})", error.lineno
        ) from None
    except RecursionError:
        raise _SyntaxError("JSON: nested too deeply") from None


def _parse_yaml(text: str) -> Any:
    import yaml  # noqa: PLC0415 - only YAML users pay for the import

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                line = mark.line + 1 if mark is not None else None
                raise _SyntaxError(
                    f"YAML: anchors and aliases are not accepted (line {line})", line
                )
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, aliases refused
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" (line {line}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise _SyntaxError(f"YAML: {problem}{where}", line) from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "toml": _parse_toml,
    "json": _parse_json,
    "yaml": _parse_yaml,
}


# --------------------------------------------------------------------------- lines

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
    return _with_lines(findings, text, syntax)


def _with_lines(findings: list[Finding], text: str, syntax: Syntax) -> list[Finding]:
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


# --------------------------------------------------------------------------- writing


def unstructure(model: Model) -> dict[str, Any]:
    """Return *model* as plain data: the file shape, quantities as strings."""
    data: dict[str, Any] = converter.unstructure(model)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def dumps(model: Model, syntax: Syntax = "toml") -> str:
    """Write *model* in *syntax*; :func:`loads` reads it back equal to *model*."""
    data = unstructure(model)
    if syntax == "toml":
        import tomli_w  # noqa: PLC0415 - only writers pay for the import

        return tomli_w.dumps(data)
    if syntax == "json":
        return json.dumps(_jsonable(data), indent=2, ensure_ascii=False) + "\n"
    import yaml  # noqa: PLC0415

    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def dump(model: Model, path: str | Path) -> None:
    """Write *model* to *path* in the syntax its suffix names."""
    syntax = syntax_of(path)
    if syntax is None:
        raise ValueError(f"unknown file type {Path(path).suffix!r}: use .toml, .yaml or .json")
    Path(path).write_text(dumps(model, syntax), encoding="utf-8")
