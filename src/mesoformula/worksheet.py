"""
The worksheet a composition produces: draws, contents and dosing (SPEC §4.1 ``compose``).
Plain frozen data; :mod:`mesoformula.composition` computes it.
"""

from __future__ import annotations

import math
from typing import Literal

import attrs

from .findings import Finding
from .units import KIND_BY_UNIT, Quantity

Role = Literal["active", "excipient"]


NUMERATOR = {unit: unit.partition("/")[0] for unit in KIND_BY_UNIT}


def clean(value: float) -> float:
    """Drop float noise below 12 significant digits (7.8000000000000007 -> 7.8)."""
    if value == 0 or not math.isfinite(value):
        return value + 0.0
    return round(value, 11 - math.floor(math.log10(abs(value)))) + 0.0


@attrs.frozen(kw_only=True)
class Draw:
    """
    What to draw from one product.

    Attributes:
        component: Index of the component in the formulation; None for the diluent.
        product: Product id.
        ingredient: The active the component's amount or concentration is of.
        volume: Volume that goes into the preparation (rounded to the resolution).
        exact: Volume before rounding, in mL.
        draw_volume: Volume taken from the containers: ``volume`` plus dead volume.
        containers: Containers to open.
        container_volume: Volume of one container.
        use: ``single-dose`` (used whole) or ``multi-dose``.
        waste: Remainder of single-dose containers, discarded.
        rounding_error: Relative error the rounding causes in this component's
            concentration (``(volume - exact) / exact``).
    """

    component: int | None
    product: str
    ingredient: str | None
    volume: Quantity
    exact: float
    draw_volume: Quantity
    containers: int
    container_volume: Quantity
    use: Literal["single-dose", "multi-dose"]
    waste: Quantity
    rounding_error: float


@attrs.frozen(kw_only=True)
class Content:
    """
    One ingredient of the preparation.

    ``per_batch`` is the amount in one batch, ``total`` in everything prepared
    (``batches`` batches); per session / point / course follow the administration and
    are None when it does not say. The ``*_value`` fields hold the raw magnitudes in
    ``unit`` (per mL for the concentration), which checks compare with a tolerance; the
    Quantity properties round away float noise for people.
    """

    ingredient: str
    role: Role
    unit: str
    concentration_value: float
    per_batch_value: float
    total_value: float
    per_session_value: float | None
    per_point_value: float | None
    per_course_value: float | None
    products: tuple[str, ...]
    #: False for an ingredient a product contains in an amount it does not publish
    #: (``contains``, SPEC §9.2): its magnitudes are 0 and mean "not known".
    known: bool = True

    @classmethod
    def undeclared(cls, ingredient: str, role: Role, products: tuple[str, ...]) -> Content:
        """An ingredient present in an amount its products do not publish (SPEC §9.2)."""
        return cls(
            ingredient=ingredient,
            role=role,
            unit="mg",
            concentration_value=0.0,
            per_batch_value=0.0,
            total_value=0.0,
            per_session_value=None,
            per_point_value=None,
            per_course_value=None,
            products=products,
            known=False,
        )

    @property
    def present(self) -> bool:
        """Whether it is in the preparation (some amount, or an undeclared one)."""
        return self.total_value > 0 or not self.known

    @property
    def concentration(self) -> Quantity:
        """Final concentration in the preparation."""
        return Quantity(clean(self.concentration_value), f"{self.unit}/mL")

    @property
    def per_batch(self) -> Quantity:
        """Amount in one batch."""
        return Quantity(clean(self.per_batch_value), self.unit)

    @property
    def total(self) -> Quantity:
        """Amount in everything prepared."""
        return Quantity(clean(self.total_value), self.unit)

    @property
    def per_session(self) -> Quantity | None:
        """Amount given in one session, if the administration says."""
        return maybe(self.per_session_value, self.unit)

    @property
    def per_point(self) -> Quantity | None:
        """Amount given at one injection point, if the administration says."""
        return maybe(self.per_point_value, self.unit)

    @property
    def per_course(self) -> Quantity | None:
        """Amount given over the course, if the administration says."""
        return maybe(self.per_course_value, self.unit)


def maybe(value: float | None, unit: str) -> Quantity | None:
    """A cleaned quantity, or None."""
    return None if value is None else Quantity(clean(value), unit)


@attrs.frozen(kw_only=True)
class Dosing:
    """How the preparation is given, with what follows from it."""

    volume_per_session: Quantity | None
    points_per_session: float | None
    volume_per_point: Quantity | None
    sessions: int
    sessions_per_batch: int | None


@attrs.frozen(kw_only=True)
class Worksheet:
    """
    The result of :func:`compose`.

    Attributes:
        formulation: Formulation id.
        version: Formulation version.
        batches: Number of batches prepared together.
        scale: Factor applied to one batch (batches x target / final volume).
        final_volume: Final volume of one batch.
        total_volume: Volume prepared in all.
        resolution: Syringe resolution draws were rounded to (None: not rounded).
        draws: One per component that could be resolved, in order.
        diluent: The q.s. draw, if the formulation names a diluent.
        contents: Every ingredient, actives first.
        dosing: The administration, if given.
        findings: Problems found while composing.
    """

    formulation: str
    version: int
    batches: int
    scale: float
    final_volume: Quantity
    total_volume: Quantity
    resolution: Quantity | None
    draws: tuple[Draw, ...]
    diluent: Draw | None
    contents: tuple[Content, ...]
    dosing: Dosing | None
    findings: tuple[Finding, ...]

    def content(self, ingredient: str) -> Content:
        """Return the content entry of *ingredient* (KeyError if absent)."""
        for entry in self.contents:
            if entry.ingredient == ingredient:
                return entry
        raise KeyError(ingredient)


__all__ = ["NUMERATOR", "Content", "Dosing", "Draw", "Role", "Worksheet", "clean"]
