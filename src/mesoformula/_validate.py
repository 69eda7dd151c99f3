"""
Models validated on construction: the same rules in code as in files (SPEC §8.1).

A model class decorated with :func:`validated` checks every field when it is built:
quantities of the right kind, sign and range (:class:`~mesoformula.units.Accepts`),
bounded integers, literals, one-line text, tuples and read-only maps of those. A model
built in Python with ``Quantity(88, "lb")`` or a NaN never reaches a check.

Errors are :class:`~mesoformula.exceptions.UnitError` for quantities (with the finding
code: ``unit.dimension``, ``unit.invalid``, ``value.range``), :class:`TypeError` for a
value of the wrong type and :class:`ValueError` for one out of bounds; each names the
class and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import attrs

from ._fields import IntRange
from ._frozen import FrozenMap
from ._text import control_character
from .exceptions import UnitError
from .units import Accepts, Quantity

C = TypeVar("C", bound=type)
Check = Callable[[Any, str], None]


def validated(cls: C) -> C:
    """Class decorator (put it *below* ``@attrs.frozen``): validate fields on construction."""

    def __attrs_post_init__(self: Any) -> None:  # noqa: N807 - the attrs hook's name
        for name, check in _checks(type(self)):  # type: ignore[arg-type] # classes hash
            check(getattr(self, name), f"{type(self).__name__}.{name}")

    cls.__attrs_post_init__ = __attrs_post_init__  # type: ignore[attr-defined]
    return cls


@functools.cache
def _checks(cls: Any) -> tuple[tuple[str, Check], ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple((f.name, _check_of(hints[f.name])) for f in attrs.fields(cls) if f.init)


def _check_of(tp: Any) -> Check:
    """Return the check of a field annotated *tp*, built from the annotation's parts."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _annotated_check(tp)
    if origin is Literal:
        return functools.partial(_literal, get_args(tp))
    if origin in (types.UnionType, typing.Union):
        return _union_check(get_args(tp))
    if origin is tuple:
        return _tuple_check(get_args(tp))
    if origin is FrozenMap or origin is Mapping or origin is dict:
        return functools.partial(_mapping, _check_of(get_args(tp)[1]))
    return _plain_check(tp)


def _annotated_check(tp: Any) -> Check:
    """
    ``Annotated[...]``: a quantity's :class:`Accepts` or an integer's :class:`IntRange`
    when it carries one, else the check of the annotated type.
    """
    base = get_args(tp)[0]
    accepts = next((m for m in tp.__metadata__ if isinstance(m, Accepts)), None)
    if accepts is not None:
        return functools.partial(_quantity, accepts)
    bounds = next((m for m in tp.__metadata__ if isinstance(m, IntRange)), None)
    if bounds is not None:
        return functools.partial(_bounded, bounds)
    return _check_of(base)


def _union_check(args: tuple[Any, ...]) -> Check:
    """``X | Y | ...``: ``X | None`` checks X unless None; any other union tries each option."""
    if len(args) == 2 and type(None) in args:  # X | None: the common case, cheaply
        inner = _check_of(next(a for a in args if a is not type(None)))
        return functools.partial(_optional, inner)
    options = [_check_of(a) if a is not type(None) else _none for a in args]
    return functools.partial(_union, options)


def _tuple_check(args: tuple[Any, ...]) -> Check:
    """``tuple[X, ...]`` checks every item; ``tuple[X, Y]`` checks each position."""
    if len(args) == 2 and args[1] is Ellipsis:
        return functools.partial(_items, _check_of(args[0]))
    return functools.partial(_fixed, tuple(_check_of(a) for a in args))


def _plain_check(tp: Any) -> Check:
    """
    A type that is not generic: the check :data:`_PLAIN_CHECKS` gives it (matched by
    identity, so a ``datetime`` is not taken for a ``date``), else an instance check for
    any other class.
    """
    check = next((c for t, c in _PLAIN_CHECKS if t is tp), None)
    if check is not None:
        return check
    if isinstance(tp, type):
        return functools.partial(_instance, tp)
    raise TypeError(f"no validation for {tp!r}")  # pragma: no cover - a new field type


def _quantity(accepts: Accepts, value: Any, where: str) -> None:
    if not isinstance(value, Quantity):
        raise TypeError(f"{where}: expected a Quantity, {accepts.what} (got {value!r})")
    try:
        accepts.check(value)
    except UnitError as error:
        raise UnitError(error.code, f"{where}: {error.message}") from None


def _bounded(bounds: IntRange, value: Any, where: str) -> None:
    _exact(int, value, where)
    if value < bounds.min or (bounds.max is not None and value > bounds.max):
        top = f" and at most {bounds.max}" if bounds.max is not None else ""
        raise ValueError(f"{where}: must be at least {bounds.min}{top} (got {value})")


def _literal(allowed: tuple[Any, ...], value: Any, where: str) -> None:
    if not any(type(value) is type(a) and value == a for a in allowed):
        raise ValueError(f"{where}: must be one of {', '.join(map(repr, allowed))} (got {value!r})")


def _union(options: list[Check], value: Any, where: str) -> None:
    problems: list[Exception] = []
    for option in options:
        try:
            option(value, where)
        except (TypeError, ValueError) as problem:
            problems.append(problem)
        else:
            return
    raise next((p for p in problems if not isinstance(p, TypeError)), problems[0])


def _optional(check: Check, value: Any, where: str) -> None:
    if value is not None:
        check(value, where)


def _none(value: Any, where: str) -> None:
    if value is not None:
        raise TypeError(f"{where}: expected None (got {value!r})")


def _items(check: Check, value: Any, where: str) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{where}: expected a tuple (got {type(value).__name__})")
    for n, item in enumerate(value):
        check(item, f"{where}[{n}]")


def _fixed(checks: tuple[Check, ...], value: Any, where: str) -> None:
    if not isinstance(value, tuple) or len(value) != len(checks):
        raise TypeError(f"{where}: expected a tuple of {len(checks)} items (got {value!r})")
    for n, (check, item) in enumerate(zip(checks, value, strict=True)):
        check(item, f"{where}[{n}]")


def _mapping(check: Check, value: Any, where: str) -> None:
    if not isinstance(value, FrozenMap):
        raise TypeError(f"{where}: expected a read-only map (got {type(value).__name__})")
    for key, item in value.items():
        _text(key, f"{where} key")
        check(item, f"{where}.{key}")


def _text(value: Any, where: str) -> None:
    if type(value) is not str:
        raise TypeError(f"{where}: expected a string (got {value!r})")
    problem = control_character(value)
    if problem is not None:
        raise ValueError(f"{where}: text must be one line without control characters ({problem})")


def _exact(tp: type, value: Any, where: str) -> None:
    if type(value) is not tp:
        raise TypeError(f"{where}: expected {tp.__name__} (got {value!r})")


def _float(value: Any, where: str) -> None:
    if type(value) not in (int, float):
        raise TypeError(f"{where}: expected a number (got {value!r})")


def _date(value: Any, where: str) -> None:
    if type(value) is not dt.date:
        raise TypeError(f"{where}: expected a date (got {value!r})")


def _instance(tp: type, value: Any, where: str) -> None:
    if not isinstance(value, tp):
        raise TypeError(f"{where}: expected {tp.__name__} (got {type(value).__name__})")


def _anything(value: Any, where: str) -> None:
    """No rule (an internal field)."""


#: The checks of plain (non-generic) field types, matched by identity in :func:`_plain_check`.
_PLAIN_CHECKS: tuple[tuple[Any, Check], ...] = (
    (str, _text),
    (bool, functools.partial(_exact, bool)),
    (int, functools.partial(_exact, int)),
    (float, _float),
    (dt.datetime, functools.partial(_instance, dt.datetime)),
    (dt.date, _date),
    (Any, _anything),
)


__all__ = [
    "validated",
]
