"""The formulation model (SPEC §2.1): what a cocktail is made of and how it is given."""

from __future__ import annotations

from typing import Final, Literal

import attrs

from ._fields import Amount, Count, Duration, TargetConcentration, Volume
from ._validate import validated

FORMULATION_FORMAT: Final = "mesoformula.formulation/1"

#: The codes whose accepted risks must name their ingredient (SPEC §9.2).
SCOPED_CODES = ("allergen.", "contra.", "dose.", "status.")


@attrs.frozen(kw_only=True)
@validated
class Component:
    """
    One product drawn into the preparation.

    Exactly one of ``volume`` (of the product), ``amount`` (of the ingredient in the
    whole preparation) or ``concentration`` (final, in the preparation) is given.
    ``ingredient`` picks the active of a multi-active product.
    """

    product: str
    ingredient: str | None = None
    volume: Volume | None = None
    amount: Amount | None = None
    concentration: TargetConcentration | None = attrs.field(
        default=None, validator=lambda c, _, __: _exactly_one(c)
    )


def _exactly_one(component: Component) -> None:
    """A component gives exactly one of volume, amount or concentration (a file that
    gives two gets the same words as a ``file.schema`` finding)."""
    given = [k for k in ("volume", "amount", "concentration") if getattr(component, k) is not None]
    if len(given) != 1:
        got = ", ".join(given) if given else "none"
        raise ValueError(
            f"Component {component.product!r}: give exactly one of volume, amount or "
            f"concentration (got {got})"
        )


@attrs.frozen(kw_only=True)
@validated
class Administration:
    """
    How the preparation is given: per session, per point, over a course.

    Attributes:
        volume_per_session: Volume injected in one session.
        points_per_session: Injection points in one session ...
        volume_per_point: ... or the volume per point (then points follow).
        sessions: Sessions in the course.
        interval: Time between sessions.
        areas: Where it is given (``scalp``; the vocabulary of
            :mod:`mesoformula.areas`): limits sourced for other areas say so.
    """

    volume_per_session: Volume | None = None
    points_per_session: Count | None = None
    volume_per_point: Volume | None = None
    sessions: Count = 1
    interval: Duration | None = None
    areas: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
@validated
class Preparation:
    """
    How the preparation is compounded and stored; drives the beyond-use date.

    Attributes:
        category: USP <797> category 1, 2 or 3.
        method: ``aseptic`` or ``terminal-sterilization``.
        sterility_tested: A sterility test was passed.
        storage: ``room``, ``refrigerator`` or ``freezer``.
        immediate_use: Administration begins within 4 hours (USP <797> immediate use).
        category_3_requirements: Every additional category 3 requirement is met.
        stability: A stability limit, when shorter than the BUD table allows.
        container: Type and size of the final container-closure system.
    """

    category: Literal[1, 2, 3] | None = None
    method: Literal["aseptic", "terminal-sterilization"] = "aseptic"
    sterility_tested: bool = False
    storage: Literal["room", "refrigerator", "freezer"] | None = None
    immediate_use: bool = False
    category_3_requirements: bool = False
    stability: Duration | None = None
    container: str | None = None


@attrs.frozen(kw_only=True)
@validated
class AcceptedRisk:
    """
    A finding the prescriber accepts, with a written justification.

    The finding is still reported, downgraded to a warning and carrying the
    justification; it is never dropped. A risk of an ``allergen.*``, ``contra.*``,
    ``dose.*`` or ``status.*`` code names its ``ingredient``; one a catalog accepts for
    the whole clinic also names the ``formulations`` it covers (SPEC §9.2), else it
    accepts nothing.
    """

    code: str
    ingredient: str | None = None
    justification: str
    formulations: tuple[str, ...] = ()

    def problem(self, *, clinic: bool) -> tuple[str, str] | None:
        """Why this risk accepts nothing, as (field, reason); None when it is usable."""
        if not self.justification.strip():
            return (
                "justification",
                (
                    f"the accepted risk for {self.code} has no justification, so it accepts "
                    "nothing: write why the prescriber accepts it"
                ),
            )
        if self.code.startswith(SCOPED_CODES) and not self.ingredient:
            return (
                "ingredient",
                (
                    f"an accepted risk of {self.code} must name its ingredient (it would accept "
                    "every ingredient's finding): it accepts nothing until it does"
                ),
            )
        if clinic and not self.formulations:
            return (
                "formulations",
                (
                    f"a clinic-wide accepted risk of {self.code} must name the formulations it "
                    "covers (it would accept the finding for every patient and preparation): "
                    "it accepts nothing until it does"
                ),
            )
        return None

    def covers(self, formulation: str | None) -> bool:
        """Whether it applies to *formulation* (a risk that names none applies to its own)."""
        return not self.formulations or formulation in self.formulations


@attrs.frozen(kw_only=True)
@validated
class Formulation:
    """
    A mesotherapy cocktail (``format = "mesoformula.formulation/1"``).

    Attributes:
        id: Stable id.
        name: Name for people.
        version: Master formulation record version.
        route: ``intradermal`` or ``subcutaneous``.
        final_volume: Volume of one batch.
        diluent: Product used to q.s. to ``final_volume``.
        components: Products drawn, in order.
        administration: How it is given.
        preparation: How it is compounded (for the beyond-use date).
        accepted_risks: Findings accepted with a justification.
        notes: Free text.
    """

    format: Literal["mesoformula.formulation/1"] = FORMULATION_FORMAT
    id: str
    name: str
    version: Count = 1
    route: Literal["intradermal", "subcutaneous"]
    final_volume: Volume
    diluent: str | None = None
    components: tuple[Component, ...]
    administration: Administration | None = None
    preparation: Preparation | None = None
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    notes: str = ""


__all__ = [
    "FORMULATION_FORMAT",
    "AcceptedRisk",
    "Administration",
    "Component",
    "Formulation",
    "Preparation",
]
