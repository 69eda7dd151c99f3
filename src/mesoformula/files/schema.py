"""
JSON Schema of every file kind, generated from the models (not written twice): the
attrs classes, their annotated quantity fields, literals, bounds and file keys.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal, get_args, get_origin

import attrs

from mesoformula._fields import IntRange
from mesoformula._frozen import FrozenMap
from mesoformula._json import JSONObject
from mesoformula.catalog import Condition
from mesoformula.units import Accepts

from . import KIND_CLASSES, KIND_FORMATS, file_key


def json_schema(kind: str) -> JSONObject:
    """
    Return the JSON Schema (draft 2020-12) of a file kind, generated from its model.
    """
    cls = KIND_CLASSES[kind]
    definitions: JSONObject = {}
    root = _schema_of(cls, definitions)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://mesoformula.invalid/schema/{kind}.json",
        "title": f"mesoformula {kind} file ({KIND_FORMATS[kind]})",
        **root,
        "$defs": definitions,
    }


QUANTITY_PATTERN = r"^\s*([0-9.]+([eE][+-]?[0-9]+)?\s*\S.*|1\s*:\s*[0-9,]+)\s*$"


def _schema_of(tp: Any, definitions: JSONObject) -> JSONObject:
    """
    Return the schema of a field annotated *tp*; attrs models it meets are defined once
    in *definitions* and referred to.
    """
    origin = get_origin(tp)
    if origin is Annotated:
        return _annotated_schema(tp, definitions)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (types.UnionType, typing.Union):
        return _union_schema(get_args(tp), definitions)
    if origin is tuple:
        return _tuple_schema(get_args(tp), definitions)
    if origin is dict or origin is FrozenMap:
        return {"type": "object", "additionalProperties": _schema_of(get_args(tp)[1], definitions)}
    return _plain_schema(tp, definitions)


def _annotated_schema(tp: Any, definitions: JSONObject) -> JSONObject:
    """
    ``Annotated[...]``: a quantity when it carries :class:`Accepts`, else the schema of
    the annotated type with the bounds of its :class:`IntRange`, if any.
    """
    base = get_args(tp)[0]
    accepts = next((m for m in tp.__metadata__ if isinstance(m, Accepts)), None)
    if accepts is not None:
        return _quantity_schema(accepts)
    bounds = next((m for m in tp.__metadata__ if isinstance(m, IntRange)), None)
    schema = _schema_of(base, definitions)
    if bounds is not None:
        schema["minimum"] = bounds.min
        if bounds.max is not None:
            schema["maximum"] = bounds.max
    return schema


def _quantity_schema(accepts: Accepts) -> JSONObject:
    """A quantity: a string such as ``"0.5 mg/mL"`` or a ``{value, unit}`` table."""
    return {
        "description": f"{accepts.what}; canonical units: " + ", ".join(sorted(accepts.units)),
        "oneOf": [
            {"type": "string", "maxLength": 64, "pattern": QUANTITY_PATTERN},
            {
                "type": "object",
                "properties": {
                    "value": {"type": "number", "minimum": 0},
                    "unit": {"type": "string"},
                },
                "required": ["value", "unit"],
                "additionalProperties": False,
            },
        ],
    }


def _union_schema(args: tuple[Any, ...], definitions: JSONObject) -> JSONObject:
    """``X | None`` is X (an absent key); any other union is ``anyOf`` its options."""
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        return _schema_of(options[0], definitions)
    return {"anyOf": [_schema_of(a, definitions) for a in options]}


def _tuple_schema(args: tuple[Any, ...], definitions: JSONObject) -> JSONObject:
    """``tuple[X, ...]`` is an array of X; ``tuple[X, Y]`` an array of exactly those items."""
    if len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _schema_of(args[0], definitions)}
    return {
        "type": "array",
        "prefixItems": [_schema_of(a, definitions) for a in args],
        "minItems": len(args),
        "maxItems": len(args),
    }


#: The schemas of plain (non-generic) field types, matched by identity in :func:`_plain_schema`.
_PLAIN_SCHEMAS: tuple[tuple[Any, JSONObject], ...] = (
    (str, {"type": "string"}),
    (bool, {"type": "boolean"}),
    (int, {"type": "integer"}),
    (dt.datetime, {"type": "string", "format": "date-time"}),
    (dt.date, {"type": "string", "format": "date"}),
)


def _plain_schema(tp: Any, definitions: JSONObject) -> JSONObject:
    """
    A type that is not generic: its entry of :data:`_PLAIN_SCHEMAS` (a fresh copy: the
    caller may add bounds), a condition (SPEC §8.1) or an attrs model.
    """
    schema = next((s for t, s in _PLAIN_SCHEMAS if t is tp), None)
    if schema is not None:
        return dict(schema)
    if tp is Condition:  # a bare ingredient id or a threshold table (SPEC §8.1)
        return {"anyOf": [{"type": "string"}, _attrs_schema(tp, definitions)]}
    if isinstance(tp, type) and attrs.has(tp):
        return _attrs_schema(tp, definitions)
    raise TypeError(f"no JSON Schema for {tp!r}")


def _attrs_schema(tp: type[Any], definitions: JSONObject) -> JSONObject:
    """The schema of an attrs model, defined once under ``$defs``."""
    name = tp.__name__
    if name not in definitions:
        definitions[name] = {}
        hints = typing.get_type_hints(tp, include_extras=True)
        properties: JSONObject = {}
        required: list[str] = []
        for f in attrs.fields(tp):
            key = file_key(f)
            prop = _schema_of(hints[f.name], definitions)
            properties[key] = prop
            if f.default is attrs.NOTHING:
                required.append(key)
        definitions[name] = {
            "type": "object",
            "description": (tp.__doc__ or "").strip().splitlines()[0],
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    return {"$ref": f"#/$defs/{name}"}


def schema_names() -> dict[str, str]:
    """Every schema ``mesoformula schema`` prints, by name, with what it describes: the
    file kinds, then each command's output (``trace-output``) and ``refusal``."""
    from mesoformula.files.outputs import OUTPUTS  # noqa: PLC0415 - only when asked

    files = {kind: f"a {kind} file ({KIND_FORMATS[kind]})" for kind in KIND_CLASSES}
    outputs = {
        (name if name == "refusal" else f"{name}-output"): what
        for name, (_, what) in OUTPUTS.items()
    }
    return {**files, **outputs}


def schema_of(name: str) -> JSONObject:
    """The JSON Schema named *name* (of :func:`schema_names`)."""
    from mesoformula.files.outputs import output_schema  # noqa: PLC0415 - only when asked

    if name in KIND_CLASSES:
        return json_schema(name)
    return output_schema(name.removesuffix("-output"))


__all__ = ["QUANTITY_PATTERN", "json_schema", "schema_names", "schema_of"]
