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
    origin = get_origin(tp)
    if origin is Annotated:
        base = get_args(tp)[0]
        accepts = next((m for m in tp.__metadata__ if isinstance(m, Accepts)), None)
        if accepts is not None:
            return {
                "description": f"{accepts.what}; canonical units: "
                + ", ".join(sorted(accepts.units)),
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
        bounds = next((m for m in tp.__metadata__ if isinstance(m, IntRange)), None)
        schema = _schema_of(base, definitions)
        if bounds is not None:
            schema["minimum"] = bounds.min
            if bounds.max is not None:
                schema["maximum"] = bounds.max
        return schema
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (types.UnionType, typing.Union):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return _schema_of(options[0], definitions)
        return {"anyOf": [_schema_of(a, definitions) for a in options]}
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema_of(args[0], definitions)}
        return {
            "type": "array",
            "prefixItems": [_schema_of(a, definitions) for a in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin is dict or origin is FrozenMap:
        return {"type": "object", "additionalProperties": _schema_of(get_args(tp)[1], definitions)}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if tp is dt.date:
        return {"type": "string", "format": "date"}
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


__all__ = ["QUANTITY_PATTERN", "json_schema"]
