"""The one cattrs converter for files: strict structure hooks, file keys, quantities."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from mesoformula._fields import IntRange
from mesoformula._frozen import FrozenMap
from mesoformula._json import JSONObject
from mesoformula._text import control_character
from mesoformula._time import YEARS, InstantRangeError, utc
from mesoformula.catalog import Condition
from mesoformula.exceptions import UnitError
from mesoformula.findings import Finding
from mesoformula.findings import to_json as finding_to_json
from mesoformula.units import Accepts, Quantity, dump_quantity, parse_quantity


class ProblemError(Exception):
    """A structuring problem: the finding code and a message without the location."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_TYPE_NAMES: dict[object, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    float: "a number",
}


def _type_name(tp: object) -> str:
    return _TYPE_NAMES.get(tp, str(tp))


def describe(value: object) -> str:
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
            raise ProblemError("file.schema", f"expected {_type_name(tp)} (got {describe(value)})")
        return value

    return hook


def _structure_text(value: object, _: object) -> str:
    """A string of one line: control characters are refused (SPEC §8.2)."""
    if type(value) is not str:
        raise ProblemError("file.schema", f"expected a string (got {describe(value)})")
    problem = control_character(value)
    if problem is not None:
        raise ProblemError(
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
            raise ProblemError("file.schema", f"expected a table (got {describe(data)})")
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
    def as_table() -> Callable[[Condition], JSONObject]:
        return make_dict_unstructure_fn(Condition, conv, _cattrs_omit_if_default=True)

    def structure(value: object, _: object) -> Condition:
        if isinstance(value, str):
            return Condition(ingredient=_structure_text(value, str))
        if isinstance(value, dict):
            return table()(value, Condition)
        raise ProblemError(
            "file.schema",
            "expected an ingredient id or a table { ingredient, at_least } "
            f"(got {describe(value)})",
        )

    def unstructure(condition: Condition) -> object:
        return condition.ingredient if condition.at_least is None else as_table()(condition)

    return structure, unstructure


def _in_years(moment: dt.date) -> None:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ProblemError(
            "value.range",
            f"{moment.isoformat()}: the year must be between {YEARS[0]} and {YEARS[1]}",
        )


def _structure_date(value: object, _: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ProblemError("file.schema", f"expected a date such as 2027-03-31 (got {value})")
    if isinstance(value, dt.date):
        _in_years(value)
        return value
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            _in_years(day)
            return day
    raise ProblemError("file.schema", f"expected a date such as 2027-03-31 (got {describe(value)})")


def _structure_datetime(value: object, _: object) -> dt.datetime:
    """A date and time as given (without an offset: local time); years bounded."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and "T" in value:
        with contextlib.suppress(ValueError):
            moment = dt.datetime.fromisoformat(value)
    if moment is None:
        raise ProblemError(
            "file.schema",
            f"expected a date and time such as 2026-11-20T09:30:00 (got {describe(value)})",
        )
    try:
        utc(moment)
    except InstantRangeError as error:
        raise ProblemError("value.range", str(error)) from None
    return moment


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
            raise ProblemError(error.code, error.message) from None

    return hook


def _int_range_hook(tp: Any) -> Callable[[object, object], int]:
    bounds: IntRange = _marker(tp, IntRange)

    def hook(value: object, _: object) -> int:
        if type(value) is not int:
            raise ProblemError("file.schema", f"expected a whole number (got {describe(value)})")
        if value < bounds.min or (bounds.max is not None and value > bounds.max):
            top = f" and at most {bounds.max}" if bounds.max is not None else ""
            raise ProblemError("file.schema", f"must be at least {bounds.min}{top} (got {value})")
        return value

    return hook


def _literal_hook(tp: Any) -> Callable[[object, object], Any]:
    allowed = get_args(tp)

    def hook(value: object, _: object) -> Any:
        for option in allowed:
            if type(value) is type(option) and value == option:
                return value
        shown = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed)
        raise ProblemError("file.schema", f"must be one of {shown} (got {describe(value)})")

    return hook


def _tuple_hook(tp: Any) -> Callable[[object, object], tuple[Any, ...]]:
    args = get_args(tp)
    homogeneous = len(args) == 2 and args[1] is Ellipsis

    def hook(value: object, _: object) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise ProblemError("file.schema", f"expected a list (got {describe(value)})")
        if not homogeneous and len(value) != len(args):
            raise ProblemError(
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
    overrides: JSONObject = {
        f.name: override(rename=file_key(f)) for f in attrs.fields(cls) if "key" in f.metadata
    }
    return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)


def _attrs_unstructure(cls: type[Any]) -> Callable[[Any], Any]:
    overrides: JSONObject = {}
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
    # A finding (a batch's recorded checks) in the JSON shape of SPEC §4.1.
    conv.register_unstructure_hook(Finding, finding_to_json)
    structure_condition, unstructure_condition = _condition_hooks(conv)
    conv.register_structure_hook(Condition, structure_condition)
    conv.register_unstructure_hook(Condition, unstructure_condition)
    return conv


converter = _make_converter()


__all__ = ["ProblemError", "converter", "describe", "file_key"]
