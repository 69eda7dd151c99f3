"""
The output contract (SPEC §9.7): every JSON document a command prints carries
``"format": "mesoformula.<name>-output/1"`` (a refusal ``"mesoformula.refusal/1"``), and
the JSON Schema of each is generated from the same typed records the wire converter
(:data:`mesoformula.files.wire.wire`) writes, with the same field options
(:func:`mesoformula._json.wire`): a key renamed, a field left out when it holds its
``omit_if`` value, a record merged into its parent (``inline``).
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args, get_origin

import attrs

from mesoformula import catalog_browse, documents, events, results
from mesoformula._frozen import FrozenMap
from mesoformula._json import ALWAYS, WIRE, JSONObject
from mesoformula.catalog_entries import Condition
from mesoformula.findings import Finding
from mesoformula.units import Quantity

#: The version of every output format; a change that breaks a reader raises it.
VERSION: Final = 1

#: The ``format`` of a refusal, whatever the command (SPEC §9.5).
REFUSAL: Final = "mesoformula.refusal/1"

#: Each output (by name) and the record it is: SPEC §9.7's names first, then the other
#: commands' (``<command>-<action>``), each with what it is for people.
OUTPUTS: Final[Mapping[str, tuple[Any, str]]] = {
    "validate": (results.Reports, "mesoformula validate: each file's findings, the summary"),
    "check": (results.Reports, "mesoformula check: the findings of a formulation for a patient"),
    "compose": (documents.WorksheetForm, "mesoformula compose: the worksheet"),
    "plan": (results.PlanResult, "mesoformula stock plan: the lots a batch would draw"),
    "consume": (results.PlanResult, "mesoformula stock consume: the plan, and what was done"),
    "record": (documents.BatchRecordForm, "mesoformula record batch: the compounding record"),
    "course": (documents.Course, "mesoformula course show: a patient's course"),
    "trace": (documents.TraceForm, "mesoformula trace: batches, lots and patients linked"),
    "refusal": (results.Refusal, "any command that refused: why, and nothing was done"),
    "record-label": (documents.LabelForm, "mesoformula record label: a batch's label"),
    "record-master": (documents.MasterRecordForm, "mesoformula record master"),
    "record-verify": (results.BatchVerified, "mesoformula record verify: a release"),
    "administer": (results.Administered, "mesoformula administer: a dose given or undone"),
    "administer-undo": (results.Undone, "mesoformula administer --undo: a dose taken back"),
    "catalog-list": (catalog_browse.Listing, "mesoformula catalog list"),
    "catalog-show": (catalog_browse.Shown, "mesoformula catalog show: one entry"),
    "event-record": (events.EventRecorded, "mesoformula event record"),
    "event-list": (events.EventList, "mesoformula event list: complications recorded"),
    "signals": (documents.SignalReport, "mesoformula signals: clusters of complications"),
    "stock-import": (results.Imported, "mesoformula stock import"),
    "stock-receive": (results.Received, "mesoformula stock receive: boxes scanned in"),
    "stock-list": (results.LotList, "mesoformula stock list: lots and balances"),
    "stock-history": (results.History, "mesoformula stock history: journal entries"),
    "stock-count": (results.Counted, "mesoformula stock count: a stocktake"),
    "stock-transfer": (results.Transferred, "mesoformula stock transfer"),
    "stock-verify": (results.Verified, "mesoformula stock verify: the journal proven"),
    "stock-head": (results.Head, "mesoformula stock head: the journal's head"),
    "stock-migrate": (results.Migrated, "mesoformula stock migrate"),
    "config": (results.ConfigReport, "mesoformula config: the settings in force, and whence"),
    "stock-undo": (results.Written, "mesoformula stock undo: the compensating entries"),
    "stock-void": (results.Written, "mesoformula stock void: the entries written"),
    "stock-discard": (results.Written, "mesoformula stock discard: the entries written"),
    "stock-adjust": (results.Written, "mesoformula stock adjust: the entries written"),
    "stock-status": (results.Written, "mesoformula stock status: the entries, a recall's trace"),
}


def format_of(name: str) -> str:
    """The ``format`` of output *name* (``mesoformula.trace-output/1``)."""
    return REFUSAL if name == "refusal" else f"mesoformula.{name}-output/{VERSION}"


def stamped(data: Any, name: str) -> Any:
    """*data* (a JSON object) with the ``format`` of output *name* first; any other JSON
    (a FHIR resource, a schema) as it is."""
    if not isinstance(data, dict):
        return data
    known = data.get("format") if isinstance(data.get("format"), str) else None
    return {"format": known or format_of(name), **data}


def output_schema(name: str) -> JSONObject:
    """
    The JSON Schema (draft 2020-12) of output *name*: the record it is, with its
    ``format``, or a refusal (any command may refuse; its ``format`` tells which).

    Raises:
        KeyError: no output has that name.
    """
    root, title = OUTPUTS[name]
    definitions: JSONObject = {}
    refusal = _record_schema(results.Refusal, definitions, REFUSAL)
    result = _record_schema(root, definitions, format_of(name)) if name != "refusal" else {}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://mesoformula.invalid/schema/{name}-output.json",
        "title": title,
        **({"oneOf": [result, refusal]} if result else refusal),
        "$defs": definitions,
    }


def _record_schema(root: Any, definitions: JSONObject, fmt: str) -> JSONObject:
    """The root record (or union of records) with its ``format`` constant."""
    options = get_args(root) if get_origin(root) in (types.UnionType, typing.Union) else (root,)
    schemas = []
    for option in options:
        properties, required = _properties(option, definitions)
        schemas.append(
            {
                "type": "object",
                "description": _described(option),
                "properties": {"format": {"const": fmt}, **properties},
                "required": ["format", *required],
                "additionalProperties": False,
            }
        )
    return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}


def _described(tp: type[Any]) -> str:
    return " ".join((tp.__doc__ or tp.__name__).split()).partition(". ")[0]


def _properties(tp: type[Any], definitions: JSONObject) -> tuple[JSONObject, list[str]]:
    """The properties of a record as the wire converter writes it, and those always
    written (a field left out at its ``omit_if`` value is not required)."""
    if tp is Quantity:
        return dict(_QUANTITY["properties"]), ["value", "unit"]
    if tp is Finding:
        _defined(Quantity, definitions)  # its value and limit refer to it
        return dict(_FINDING["properties"]), list(_FINDING["required"])
    hints = typing.get_type_hints(tp)
    properties: JSONObject = {}
    required: list[str] = []
    for field in attrs.fields(tp):
        options = field.metadata.get(WIRE, {})
        always = options.get("omit_if", ALWAYS) is ALWAYS
        if options.get("inline"):
            inner = [a for a in _options(hints[field.name]) if a is not type(None)]
            merged, inner_required = _properties(inner[0], definitions)
            properties.update(merged)
            required += inner_required if always else []
            continue
        key = options.get("key") or field.name
        properties[key] = _schema_of(hints[field.name], definitions)
        if always:
            required.append(key)
    return properties, required


def _options(tp: Any) -> tuple[Any, ...]:
    return get_args(tp) if get_origin(tp) in (types.UnionType, typing.Union) else (tp,)


#: A quantity as the wire writes it (SPEC §4.1).
_QUANTITY: Final[JSONObject] = {
    "type": "object",
    "description": "a quantity in its canonical unit",
    "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
    "required": ["value", "unit"],
    "additionalProperties": False,
}

#: A finding as :func:`mesoformula.findings.to_json` writes it (SPEC §3, §4.1).
_FINDING: Final[JSONObject] = {
    "type": "object",
    "description": "a finding: its code, severity and message, and what it is about",
    "properties": {
        "code": {"type": "string"},
        "severity": {"enum": ["error", "warning", "info"]},
        "message": {"type": "string"},
        "location": {"type": "string"},
        "line": {"type": "integer"},
        "ingredient": {"type": "string"},
        "value": {"$ref": "#/$defs/Quantity"},
        "limit": {"$ref": "#/$defs/Quantity"},
        "source": {"type": "string"},
        "justification": {"type": "string"},
    },
    "required": ["code", "severity", "message", "location"],
    "additionalProperties": False,
}

#: The schemas of plain types, by identity.
_PLAIN: Final[tuple[tuple[Any, JSONObject], ...]] = (
    (str, {"type": "string"}),
    (bool, {"type": "boolean"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (type(None), {"type": "null"}),
    (dt.datetime, {"type": "string", "format": "date-time"}),
    (dt.date, {"type": "string", "format": "date"}),
    (Any, {}),
    (object, {}),
)


def _schema_of(tp: Any, definitions: JSONObject) -> JSONObject:
    """The schema of a field annotated *tp*; records are defined once under ``$defs``."""
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [_schema_of(a, definitions) for a in get_args(tp)]}
    if origin in (tuple, list, collections.abc.Sequence):
        args = get_args(tp)
        if origin is not tuple:
            return {"type": "array", "items": _schema_of(args[0], definitions)}
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema_of(args[0], definitions)}
        return {"type": "array", "prefixItems": [_schema_of(a, definitions) for a in args]}
    if origin in (dict, FrozenMap, collections.abc.Mapping) or tp is dict:
        value = get_args(tp)[1] if get_args(tp) else Any
        return {"type": "object", "additionalProperties": _schema_of(value, definitions)}
    plain = next((s for t, s in _PLAIN if t is tp), None)
    if plain is not None:
        return dict(plain)
    if tp is Condition:  # a bare id, or {ingredient, at_least}
        at_least = {"ingredient": {"type": "string"}, "at_least": _defined(Quantity, definitions)}
        return {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "properties": at_least, "required": ["ingredient", "at_least"]},
            ]
        }
    if isinstance(tp, type) and (attrs.has(tp) or tp in (Quantity, Finding)):
        return _defined(tp, definitions)
    raise TypeError(f"no JSON Schema for {tp!r}")


def _defined(tp: type[Any], definitions: JSONObject) -> JSONObject:
    """A record (or a quantity, a finding) defined once under ``$defs`` and referred to."""
    name = tp.__name__
    if name not in definitions:
        definitions[name] = {}  # a record that refers to itself finds its name
        if tp is Quantity:
            definitions[name] = dict(_QUANTITY)
        elif tp is Finding:
            _defined(Quantity, definitions)
            definitions[name] = dict(_FINDING)
        else:
            properties, required = _properties(tp, definitions)
            definitions[name] = {
                "type": "object",
                "description": _described(tp),
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
    return {"$ref": f"#/$defs/{name}"}


__all__ = ["OUTPUTS", "REFUSAL", "VERSION", "format_of", "output_schema", "stamped"]
