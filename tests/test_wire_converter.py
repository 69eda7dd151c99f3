"""The one wire converter (issue 26): value types and field options as the JSON forms need."""

from __future__ import annotations

import datetime as dt

import attrs

from mesoformula._json import wire
from mesoformula.files.wire import to_wire
from mesoformula.findings import Finding
from mesoformula.findings import to_json as finding_json
from mesoformula.units import Quantity


@attrs.frozen(kw_only=True)
class _Shaped:
    name: str
    class_: str = attrs.field(default="x", metadata=wire(key="class"))
    note: str | None = attrs.field(default=None, metadata=wire(omit_if=None))
    amount: Quantity = attrs.field(metadata=wire(inline=True))
    at: dt.datetime
    on: dt.date
    finding: Finding
    items: tuple[int, ...] = ()


def test_the_converter_writes_values_and_keys_in_field_order() -> None:
    finding = Finding(code="dose.nolimit", severity="info", message="m")
    shaped = _Shaped(
        name="n",
        amount=Quantity(2.5, "mL"),
        at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        on=dt.date(2026, 1, 2),
        finding=finding,
        items=(1, 2),
    )
    assert to_wire(shaped) == {
        "name": "n",
        "class": "x",
        "value": 2.5,
        "unit": "mL",
        "at": "2026-01-02T03:04:05+00:00",
        "on": "2026-01-02",
        "finding": finding_json(finding),
        "items": [1, 2],
    }
    assert list(to_wire(attrs.evolve(shaped, note="said"))) == [
        "name",
        "class",
        "note",
        "value",
        "unit",
        "at",
        "on",
        "finding",
        "items",
    ]


def test_plain_json_data_passes_through() -> None:
    data = {"a": [1, {"b": None}], "c": "d"}
    assert to_wire(data) == data
    assert to_wire([1, 2.5, "x", None]) == [1, 2.5, "x", None]
