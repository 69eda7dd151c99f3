"""
The treatment course as given (SPEC §8.3): administrations of consumed batches to a
patient, what they add up to per ingredient, each ``course`` limit with the fraction
used, and the earliest next session under every ``min_interval``.

Pure data and arithmetic: the store reads and writes administrations
(:mod:`mesoformula.stock`), the checks that refuse one are in
:mod:`mesoformula.rules.course`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from . import _time
from .catalog import Catalog, DoseLimit
from .conversion import convert
from .rules.doses import VEHICLE_CLASSES
from .sitting import sittings
from .units import Quantity, days
from .worksheet import Content, clean


@attrs.frozen(kw_only=True)
class Dose:
    """The amount of one ingredient given (its concentration in the batch x the volume)."""

    ingredient: str
    value: float
    unit: str

    @property
    def amount(self) -> Quantity:
        """The amount as a quantity (float noise rounded away)."""
        return Quantity(clean(self.value), self.unit)


@attrs.frozen(kw_only=True)
class Undone:
    """The compensating row that undid an administration: when, by whom, why."""

    number: int
    at: dt.datetime
    actor: str
    reason: str


@attrs.frozen(kw_only=True)
class Administration:
    """
    One dose given to a patient from a consumed batch.

    Attributes:
        number: The administration's number in the store.
        at: When it was given (an aware instant).
        volume_ml: The volume given, in mL.
        doses: What each ingredient of the batch amounts to in that volume.
        undone: The undo that took it back, or None while it stands.
        area: Where the dose went (SPEC §9.1), when it was recorded.
    """

    number: int
    batch_id: str
    patient: str
    at: dt.datetime
    volume_ml: float
    actor: str
    formulation: str
    formulation_name: str | None
    doses: tuple[Dose, ...]
    undone: Undone | None = None
    area: str | None = None

    @property
    def live(self) -> bool:
        """Whether it counts in the course (it was not undone)."""
        return self.undone is None

    def dose_of(self, ingredient: str) -> Dose | None:
        """The dose of *ingredient* in this administration, if the batch carries it."""
        return next((d for d in self.doses if d.ingredient == ingredient), None)


def contents_of(worksheet: Mapping[str, Any]) -> list[Content]:
    """
    The contents of a batch from the worksheet saved in its record (JSON data of
    :func:`mesoformula.files.wire.to_data`): what it was made with, whatever the catalog
    says today.
    """

    def value(item: Mapping[str, Any], key: str) -> float | None:
        quantity = item.get(key)
        return None if quantity is None else float(quantity["value"])

    contents = []
    for item in worksheet.get("ingredients", []):
        concentration = item["concentration"]
        if concentration is None:  # an undeclared amount (SPEC §9.2)
            role = item.get("role", "active")
            products = tuple(item.get("products", ()))
            contents.append(Content.undeclared(str(item["ingredient"]), role, products))
            continue
        contents.append(
            Content(
                ingredient=str(item["ingredient"]),
                role=item.get("role", "active"),
                unit=str(concentration["unit"]).rpartition("/")[0] or str(concentration["unit"]),
                concentration_value=float(concentration["value"]),
                per_batch_value=value(item, "per_batch") or 0.0,
                total_value=value(item, "total") or 0.0,
                per_session_value=value(item, "per_session"),
                per_point_value=value(item, "per_point"),
                per_course_value=value(item, "per_course"),
                products=tuple(item.get("products", ())),
            )
        )
    return contents


def doses_in(contents: Iterable[Content], volume_ml: float) -> tuple[Dose, ...]:
    """What *volume_ml* of a preparation with *contents* gives of each ingredient."""
    return tuple(
        Dose(ingredient=c.ingredient, value=c.concentration_value * volume_ml, unit=c.unit)
        for c in contents
        if c.concentration_value > 0
    )


def given(
    administrations: Iterable[Administration], ingredient: str, unit: str, catalog: Catalog
) -> tuple[float, list[Dose]]:
    """
    The amount of *ingredient* given in *unit* by the live *administrations*, and the
    doses that cannot be converted to *unit* (left out of the sum: the caller says so).
    """
    total = 0.0
    unconvertible = []
    substance = catalog.ingredients.get(ingredient)
    for administration in administrations:
        dose = administration.dose_of(ingredient) if administration.live else None
        if dose is None:
            continue
        amount = convert(dose.value, dose.unit, unit, substance)
        if amount is None:
            unconvertible.append(dose)
        else:
            total += amount
    return total, unconvertible


@attrs.frozen(kw_only=True)
class LimitUse:
    """
    A ``course`` limit against what was given.

    Attributes:
        fraction: Given / limit (1.0 = the whole limit); None when it cannot be worked
            out (``why`` says why).
        conditional: The limit applies only to some preparations (it has conditions).
    """

    limit: DoseLimit
    fraction: float | None
    why: str = ""
    conditional: bool = False


@attrs.frozen(kw_only=True)
class NextSession:
    """The earliest next session under one ingredient's ``min_interval``."""

    ingredient: str
    name: str
    min_interval: Quantity
    last: dt.datetime
    earliest: dt.datetime
    source: str | None


@attrs.frozen(kw_only=True)
class IngredientTotal:
    """What the course has given of one ingredient, against its ``course`` limits."""

    ingredient: str
    name: str
    total: Quantity
    unconverted: tuple[Quantity, ...]
    limits: tuple[LimitUse, ...]
    active: bool = True


@attrs.frozen(kw_only=True)
class AreaTotal:
    """What the live administrations gave in one treatment area (SPEC §9.1)."""

    area: str | None
    doses: tuple[Dose, ...]


@attrs.frozen(kw_only=True)
class CourseSummary:
    """
    A patient's course as given: administrations, totals, limits, next session.

    Attributes:
        sittings: The live administrations' numbers, grouped into sittings (SPEC §9.1).
        areas: What was given per treatment area (None: not recorded).
    """

    patient: str
    administrations: tuple[Administration, ...]
    totals: tuple[IngredientTotal, ...]
    next_sessions: tuple[NextSession, ...]
    sittings: tuple[tuple[int, ...], ...] = ()
    areas: tuple[AreaTotal, ...] = ()

    @property
    def live(self) -> tuple[Administration, ...]:
        """The administrations that count (not undone)."""
        return tuple(a for a in self.administrations if a.live)


def last_given(administrations: Iterable[Administration], ingredient: str) -> Administration | None:
    """The latest live administration that gave *ingredient*."""
    found = [a for a in administrations if a.live and a.dose_of(ingredient) is not None]
    return max(found, key=lambda a: a.at) if found else None


def summarize(
    patient: str, administrations: Sequence[Administration], catalog: Catalog
) -> CourseSummary:
    """The course of *patient* from its *administrations* (live and undone)."""
    ordered = tuple(sorted(administrations, key=lambda a: (a.at, a.number)))
    live = [a for a in ordered if a.live]
    ingredients: dict[str, str] = {}
    for administration in live:
        for dose in administration.doses:
            ingredients.setdefault(dose.ingredient, dose.unit)
    totals = []
    next_sessions = []
    for ingredient, unit in ingredients.items():
        substance = catalog.ingredients.get(ingredient)
        name = substance.name if substance is not None else ingredient
        total, unconverted = given(live, ingredient, unit, catalog)
        uses = []
        for limit in catalog.limits_of(ingredient):
            if limit.basis != "course":
                continue
            bound = convert(limit.max.value, limit.max.unit, unit, substance)
            conditional = bool(limit.unless_present or limit.when_present)
            if bound is None:
                uses.append(
                    LimitUse(
                        limit=limit,
                        fraction=None,
                        why=f"given in {unit}, limit in {limit.max.unit}: no declared factor",
                        conditional=conditional,
                    )
                )
            elif unconverted:
                uses.append(
                    LimitUse(
                        limit=limit,
                        fraction=None,
                        why="some doses are in units that cannot be added up",
                        conditional=conditional,
                    )
                )
            else:
                uses.append(LimitUse(limit=limit, fraction=total / bound, conditional=conditional))
        totals.append(
            IngredientTotal(
                ingredient=ingredient,
                name=name,
                total=Quantity(clean(total), unit),
                unconverted=tuple(d.amount for d in unconverted),
                limits=tuple(uses),
                active=substance is None or substance.class_ not in VEHICLE_CLASSES,
            )
        )
        if substance is not None and substance.min_interval is not None:
            last = last_given(live, ingredient)
            assert last is not None  # the ingredient comes from a live administration
            next_sessions.append(
                NextSession(
                    ingredient=ingredient,
                    name=name,
                    min_interval=substance.min_interval,
                    last=last.at,
                    earliest=_time.utc(last.at) + dt.timedelta(days=days(substance.min_interval)),
                    source=substance.source_of("min_interval") or None,
                )
            )
    return CourseSummary(
        patient=patient,
        administrations=ordered,
        totals=tuple(totals),
        next_sessions=tuple(next_sessions),
        sittings=tuple(
            tuple(a.number for a in group) for group in sittings(live, catalog.sitting_window)
        ),
        areas=_by_area(live),
    )


def _by_area(live: Sequence[Administration]) -> tuple[AreaTotal, ...]:
    """The doses given per area, areas in the order first given (None: not recorded)."""
    amounts: dict[str | None, dict[tuple[str, str], float]] = {}
    for administration in live:
        into = amounts.setdefault(administration.area, {})
        for dose in administration.doses:
            key = (dose.ingredient, dose.unit)
            into[key] = into.get(key, 0.0) + dose.value
    return tuple(
        AreaTotal(
            area=area,
            doses=tuple(Dose(ingredient=i, value=v, unit=u) for (i, u), v in doses.items()),
        )
        for area, doses in amounts.items()
    )


__all__ = [
    "Administration",
    "AreaTotal",
    "CourseSummary",
    "Dose",
    "IngredientTotal",
    "LimitUse",
    "NextSession",
    "Undone",
    "contents_of",
    "doses_in",
    "given",
    "last_given",
    "summarize",
]
