"""
Conversions between amounts of one substance: mass, mmol and mEq through its molar mass
and valence, activity (IU, USP_U) only through the mass of one unit it declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .units import Quantity


class Substance(Protocol):
    """What conversions need of an ingredient: its declared factors (an Ingredient)."""

    @property
    def molar_mass(self) -> Quantity | None: ...  # g/mol = mg/mmol

    @property
    def valence(self) -> int | None: ...

    @property
    def activity_mass(self) -> Mapping[str, Quantity]: ...  # mass of one IU / USP_U


def convert(value: float, unit: str, target: str, ingredient: Substance | None) -> float | None:
    """
    Convert an amount or concentration of *ingredient* from *unit* to *target*.

    Mass, mEq and mmol convert through the ingredient's molar mass and valence;
    activity (IU, USP_U) converts to mass only through its declared ``activity_mass``.
    Returns None when no declared factor allows the conversion.
    """
    if unit == target:
        return value
    num, _, den = unit.partition("/")
    tnum, _, tden = target.partition("/")
    if den != tden:
        return None
    factor = _amount_factor(num, tnum, ingredient)
    return None if factor is None else value * factor


def _amount_factor(unit: str, target: str, ingredient: Substance | None) -> float | None:
    if unit == target:
        return 1.0
    if ingredient is None:
        return None
    mg_per = _mg_per_unit(unit, ingredient)
    mg_per_target = _mg_per_unit(target, ingredient)
    if mg_per is None or mg_per_target is None:
        return None
    return mg_per / mg_per_target


def _mg_per_unit(unit: str, ingredient: Substance) -> float | None:
    """Milligrams in one *unit* of *ingredient*, where the catalog declares how."""
    if unit == "mg":
        return 1.0
    molar = ingredient.molar_mass.value if ingredient.molar_mass else None  # g/mol = mg/mmol
    if unit == "mmol":
        return molar
    if unit == "mEq":
        if molar is None or not ingredient.valence:
            return None
        return molar / ingredient.valence
    mass = ingredient.activity_mass.get(unit)
    return mass.value if mass is not None else None


__all__ = ["Substance", "convert"]
