"""The one wire converter (issue 26): value types and field options as the JSON forms need."""

from __future__ import annotations

import datetime as dt

import attrs

from mesoformula import catalog_browse
from mesoformula._json import wire
from mesoformula.files.catalogs import LoadedCatalog
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


def test_catalog_browsing_is_typed_records_written_by_the_converter(
    loaded: LoadedCatalog,
) -> None:
    """``catalog show`` and ``catalog list`` are records; a threshold condition is written
    as in files (``{ingredient, at_least}``), a bare one as its id, empty fields left out."""
    shown = catalog_browse.show(loaded.catalog, "lidocaine-hcl")
    assert isinstance(shown, catalog_browse.IngredientShown)
    data = to_wire(shown)
    assert "ingredient" == data["kind"]
    assert "anesthetic" == data["class"]
    plain = data["limits"][0]
    assert {"ingredient": "epinephrine", "at_least": {"value": 0.005, "unit": "mg/mL"}} == (
        plain["unless_present"][0]
    )
    assert "when_present" not in plain
    assert "route" not in data["limits"][-1] or data["limits"][-1]["route"]
    product = to_wire(catalog_browse.show(loaded.catalog, "lidocaine-hcl-1pct-5ml"))
    assert ["kind", "id", "name", "container"] == list(product)[:4]
    listing = to_wire(catalog_browse.listing(loaded.catalog, kinds=["products"]))
    assert ["products"] == list(listing)
    assert all("inferred" not in rule for rule in data["incompatibilities"])
