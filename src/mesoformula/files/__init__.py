"""
Files in and out: TOML, YAML and JSON through cattrs, and the JSON Schema (SPEC §2).

Every file declares its kind in a top-level ``format`` key. :func:`read` reports every
problem of a file at once, as findings with a code, a location (``components[1].volume``)
and, where the syntax allows, a line. :func:`load` raises :class:`FileError` carrying
those findings; :func:`dumps` writes a model so that ``loads(dumps(x)) == x``.

Input is strict: no NaN or infinity, no booleans where numbers belong, no numbers where
strings belong, no extra keys, YAML without anchors or aliases (an alias bomb never
expands), files of at most :data:`MAX_FILE_BYTES` (stock and count sheets
:data:`MAX_SHEET_BYTES`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from mesoformula._json import JSONObject
from mesoformula.catalog import CATALOG_FORMAT, CatalogFile
from mesoformula.exceptions import FileError, StockError
from mesoformula.findings import Finding
from mesoformula.formulation import FORMULATION_FORMAT, Formulation
from mesoformula.patient import PATIENT_FORMAT, Patient
from mesoformula.sheets import COUNT_FORMAT, STOCK_FORMAT, CountSheet, StockSheet
from mesoformula.snapshot import BatchSnapshot

from ._converter import ProblemError, converter, describe, file_key
from ._lines import SUFFIXES, Syntax, locate_all, syntax_of, with_lines
from ._shape import shape_findings
from ._syntax import PARSERS, SyntaxProblem, check_nesting

#: Largest formulation, patient or catalog file, in bytes.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Largest stock or count sheet, in bytes; a larger file is refused before it is
#: parsed. A site's whole stock is one sheet: 100,000 lots are about 10 MB of TOML. A
#: file over MAX_FILE_BYTES that is not a sheet is refused once its kind is known.
MAX_SHEET_BYTES = 64 * 1024 * 1024
SHEETS = ("stock", "count")


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

    The document keeps the file's text, so that findings of later checks get their
    lines from it (:meth:`locate`) without reading the file again.
    """

    path: str
    kind: str | None
    model: Model | None
    findings: tuple[Finding, ...]
    text: str = attrs.field(default="", eq=False, repr=False)
    syntax: Syntax | None = attrs.field(default=None, eq=False, repr=False)

    def locate(self, findings: Sequence[Finding]) -> list[Finding]:
        """Fill in the line of each finding that has a location, from the text read."""
        if self.syntax is None or not self.text:
            return list(findings)
        return locate_all(list(findings), self.text, self.syntax)


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
        # Devices, FIFOs and sockets are refused before they are opened: a FIFO would
        # block forever and /dev/zero never ends.
        if not stat.S_ISREG(os.stat(path).st_mode):  # noqa: PTH116 - one stat, per file
            return _failed(name, "file.io", "not a regular file (a device, FIFO or socket)")
        with open(path, "rb") as handle:  # noqa: PTH123 - the cheapest open, per file
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_SHEET_BYTES:
                return _failed(name, "file.io", _too_large(size, MAX_SHEET_BYTES))
            raw = handle.read(MAX_SHEET_BYTES + 1)
    except OSError as error:
        return _failed(name, "file.io", f"cannot read the file: {error.strerror or error}")
    if len(raw) > MAX_SHEET_BYTES:
        return _failed(name, "file.io", _too_large(len(raw), MAX_SHEET_BYTES))
    if len(raw) > MAX_FILE_BYTES and expect is not None and expect not in SHEETS:
        return _failed(name, "file.io", _too_large(len(raw), MAX_FILE_BYTES))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return _failed(name, "file.syntax", f"not UTF-8 text (byte {error.start})")
    document = loads(text.removeprefix("\ufeff"), syntax, path=name, expect=expect)
    if len(raw) > MAX_FILE_BYTES and document.kind not in SHEETS:
        return _failed(
            name,
            "file.io",
            _too_large(len(raw), MAX_FILE_BYTES) + " (stock and count sheets may be larger)",
        )
    return document


def _too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes; at most {limit:,} are read"


def loads(
    text: str, syntax: Syntax, *, path: str = "<string>", expect: str | None = None
) -> Document:
    """Parse *text* in *syntax* and structure it into the model its ``format`` names."""
    data = _parse(text, syntax, path)
    if isinstance(data, Document):
        return data
    found = _kind_of(data, path, expect)
    if isinstance(found, Document):
        return found
    kind, cls = found
    model, findings = _structure(data, cls, text, syntax)
    return Document(
        path=path, kind=kind, model=model, findings=tuple(findings), text=text, syntax=syntax
    )


def _parse(text: str, syntax: Syntax, path: str) -> JSONObject | Document:
    """
    The top-level table of *text*, or a failed document: a syntax error, nesting too deep
    to read, a top level that is not a table, or (YAML) a key that is not text.
    """
    try:
        check_nesting(text, syntax)
        data = PARSERS[syntax](text)
    except SyntaxProblem as problem:
        return _failed(path, "file.syntax", problem.message, line=problem.line)
    except (RecursionError, MemoryError):
        return _failed(path, "file.syntax", "the file is nested too deeply to read")
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        return _failed(path, "file.syntax", f"cannot read a value: {error}")
    if not isinstance(data, dict):
        return _failed(path, "file.schema", "the top level must be a table of keys")
    # TOML and JSON keys are always text; only YAML can give 1: or ~: as a key.
    bad_key = _non_text_key(data) if syntax == "yaml" else None
    if bad_key is not None:
        return _failed(
            path, "file.schema", f"keys must be text (got {describe(bad_key[0])}): quote the key"
        )
    return data


def _kind_of(data: JSONObject, path: str, expect: str | None) -> tuple[str, type[Any]] | Document:
    """
    The kind and model class the ``format`` of *data* names, or a failed document: no
    format, an unknown one, or a kind other than *expect* (when given).
    """
    fmt = data.get("format")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        message = (
            "the file has no 'format' key" if fmt is None else f"unknown format {describe(fmt)}"
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
    return kind, cls


def _structure(
    data: JSONObject, cls: type[Any], text: str, syntax: Syntax
) -> tuple[Any, list[Finding]]:
    """
    The model of *data* and every finding on it, located in *text*; the model is None
    when a finding is an error.
    """
    model: Any = None
    findings: list[Finding] = []
    try:
        model = converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as group:
        findings = [_finding(location, error) for location, error in _walk(group, cls)]
    except Exception as error:
        findings = [_finding("", error)]
    if cls is Formulation:
        shape = shape_findings(data)
        # The model refuses what the shape check says too (a component with two
        # amounts): said once, in the shape check's words.
        said = {f.location for f in shape}
        findings = [f for f in findings if f.location not in said] + shape
    if findings:
        findings = locate_all(findings, text, syntax)
    if any(f.severity == "error" for f in findings):
        model = None
    return model, findings


def _non_text_key(data: object) -> tuple[object] | None:
    """The first mapping key anywhere in *data* that is not a string (YAML ``1:``, ``~:``),
    in a 1-tuple (a ``None`` key is a key too); None when every key is text."""
    stack: list[object] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if not isinstance(key, str):
                    return (key,)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return None


#: What every mesoformula file's ``format`` value starts with.
FORMAT_PREFIX = "mesoformula."


def belongs(path: str | Path) -> bool:
    """
    Whether *path* is a mesoformula file, for tools that see every TOML, YAML and JSON
    file of a repository (the pre-commit hook): its top-level ``format`` is a string
    starting with ``mesoformula.`` (a misspelt kind is still ours, and reported). A file
    that cannot be read or parsed is ours when its text names such a format, so a broken
    formulation is never passed over; anything else (``pyproject.toml``,
    ``package.json``, a CI workflow) is not.
    """
    syntax = syntax_of(path)
    if syntax is None:
        return False
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # noqa: PTH116
            return True  # reported as file.io by read()
        with open(path, "rb") as handle:  # noqa: PTH123
            raw = handle.read(MAX_SHEET_BYTES + 1)
    except OSError:
        return True  # read() reports why it cannot be read
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return FORMAT_PREFIX.encode() in raw
    try:
        check_nesting(text, syntax)
        data = PARSERS[syntax](text)
    except Exception:
        return FORMAT_PREFIX in text
    fmt = data.get("format") if isinstance(data, dict) else None
    return isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX)


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
    if isinstance(error, ProblemError):
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


def unstructure(model: Model) -> JSONObject:
    """Return *model* as plain data: the file shape, quantities as strings."""
    data: JSONObject = converter.unstructure(model)
    return data


def snapshot_data(snapshot: BatchSnapshot) -> JSONObject:
    """A batch's snapshot as the JSON data its record keeps (defaults left out)."""
    data: JSONObject = converter.unstructure(snapshot)
    return data


def read_snapshot(data: Mapping[str, Any]) -> BatchSnapshot:
    """
    The snapshot a record keeps, from its JSON data (an older record, without some
    fields, reads with their defaults).

    Raises:
        StockError: the data is not a batch snapshot (a damaged or foreign record).
    """
    try:
        snapshot: BatchSnapshot = converter.structure(data, BatchSnapshot)
    except (BaseValidationError, KeyError, TypeError, ValueError) as error:
        raise StockError(f"the batch's recorded snapshot cannot be read: {error}") from None
    return snapshot


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


__all__ = [
    "FORMATS",
    "FORMAT_PREFIX",
    "KIND_CLASSES",
    "KIND_FORMATS",
    "MAX_FILE_BYTES",
    "MAX_SHEET_BYTES",
    "SHEETS",
    "SUFFIXES",
    "Document",
    "Model",
    "Syntax",
    "belongs",
    "converter",
    "dump",
    "dumps",
    "file_key",
    "load",
    "loads",
    "read",
    "read_snapshot",
    "snapshot_data",
    "syntax_of",
    "unstructure",
    "with_lines",
]
