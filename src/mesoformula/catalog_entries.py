"""
The entries of a catalog file (SPEC §2.3): ingredients with their limits and conditions,
products, allergen groups, cross-reactivity, incompatibilities, house limits, additive
groups. Frozen, validated when built, read-only maps. :mod:`mesoformula.catalog` merges
them into a :class:`~mesoformula.catalog.Catalog` and re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import attrs

from ._fields import (
    ContainerVolume,
    Duration,
    LimitValue,
    Mass,
    MolarMass,
    NonNegative,
    Strength,
)
from ._frozen import FrozenMap, frozen_map
from ._validate import validated
from .catalog_values import Condition, conditions, quantity_map, text_map
from .formulation import AcceptedRisk
from .gs1 import gtin_problem
from .units import AMOUNT, CONCENTRATION, PER_KG

CATALOG_FORMAT: Final = "mesoformula.catalog/1"

Basis = Literal["session", "per-kg-session", "point", "course", "concentration", "preparation"]
RuleSeverity = Literal["error", "warning"]
Storage = Literal["room", "refrigerator", "freezer"]

#: Which kinds of limit value each basis takes.
BASIS_UNITS: dict[str, frozenset[str]] = {
    "session": AMOUNT,
    "point": AMOUNT,
    "course": AMOUNT,
    "per-kg-session": PER_KG,
    "concentration": CONCENTRATION,
    "preparation": AMOUNT,
}


@attrs.frozen(kw_only=True)
@validated
class DoseLimit:
    """
    A dose limit of one ingredient, cumulative over every product that carries it.

    Attributes:
        basis: What the limit is per: ``session``, ``per-kg-session``, ``point``,
            ``course``, ``concentration`` (of the final preparation) or
            ``preparation`` (amount in one batch, e.g. hyaluronidase per admixture).
        max: The largest dose that passes; a dose exactly at the limit passes.
        severity: ``error`` for an absolute maximum, ``warning`` for an advisory norm.
        unless_present: The limit does not apply when any of these conditions holds
            (lidocaine 4.5 mg/kg unless epinephrine at 0.005 mg/mL or more).
        when_present: The limit applies only when one of these conditions holds.
        source: Where the number comes from. Never empty in a shipped catalog.
        note: What the limit means (licensed route, population, ...).
        route: The licensed route the number comes from when it is not a route of
            mesotherapy (``IV``, ``IM``): findings then say so in their message.
        areas: The treatment areas the source covers (``submental``): outside them the
            limit still applies, and ``limit.area`` (info) says whose figure it is.
        protocol: The protocol whose figure this is (not a label's): the limit applies
            only where a catalog's ``[policy] protocols`` enables it.
    """

    basis: Basis
    max: LimitValue
    severity: RuleSeverity = "error"
    unless_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    when_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    source: str
    note: str = ""
    route: str | None = None
    areas: tuple[str, ...] = ()
    protocol: str | None = None


@attrs.frozen(kw_only=True)
@validated
class Ingredient:
    """
    An active substance or an excipient.

    Attributes:
        id: Stable id (``lidocaine-hcl``).
        name: Name for people.
        class_: Pharmacological class (``anesthetic``, ``vitamin``, ``excipient``, ...);
            the file key is ``class``.
        synonyms: Brand and INN spellings, matched case-insensitively.
        identifiers: CAS, UNII and the like.
        molar_mass: For mEq and molar conversions.
        valence: Charge per molecule, for mEq.
        allergen_groups: Allergen group ids this ingredient belongs to.
        tags: Free tags that incompatibility rules can name (``hyaluronidase``,
            ``acidic-stock``).
        status: ``active`` or ``withdrawn`` (with ``status_reason``).
        pregnancy: ``ok``, ``caution`` or ``contraindicated``; absent when unknown.
        lactation: The same for breastfeeding (SPEC §9.2); absent when unknown.
        activity_mass: Mass of one activity unit (``{IU = "0.025 ug"}``); activity is
            compared with mass only through this declared factor.
        limits: Dose limits.
        hazard: A handling hazard printed on the label of every batch that contains it
            (sourced in ``sources``), e.g. who must not handle it.
        min_interval: Least time between sessions that contain it (sourced in
            ``sources``); a course with a shorter interval is ``interval.short``.
        notes: Free text, including which limits could not be sourced.
        sources: Sources of the monograph data (identifiers, class, status).
    """

    id: str
    name: str
    class_: str = attrs.field(metadata={"key": "class"})
    synonyms: tuple[str, ...] = ()
    identifiers: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=text_map)
    molar_mass: MolarMass | None = None
    valence: NonNegative | None = None
    allergen_groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: Literal["active", "withdrawn"] = "active"
    status_reason: str | None = None
    pregnancy: Literal["ok", "caution", "contraindicated"] | None = None
    lactation: Literal["ok", "caution", "contraindicated"] | None = None
    activity_mass: FrozenMap[str, Mass] = attrs.field(factory=FrozenMap, converter=quantity_map)
    limits: tuple[DoseLimit, ...] = ()
    min_interval: Duration | None = None
    hazard: str | None = None
    notes: str = ""
    sources: tuple[str, ...] = ()

    def source_of(self, field: str) -> str:
        """The sources that name *field* (``min_interval``), else all of them, joined."""
        named = [s for s in self.sources if field in s]
        return "; ".join(named or self.sources)


@attrs.frozen(kw_only=True)
@validated
class AdmixtureStability:
    """
    How long a product stays good once mixed into a preparation (its source in the
    product's ``source``): the batch's BUD is at most *within* (SPEC §8.9).

    Attributes:
        within: Time from mixing.
        storage: The storage the time was established for.
    """

    within: Duration
    storage: Storage


def _valid_gtin(_: object, field: attrs.Attribute[str | None], value: str | None) -> None:
    if isinstance(value, str):
        problem = gtin_problem(value)
        if problem is not None:
            raise ValueError(f"Product.{field.name}: {problem}")


@attrs.frozen(kw_only=True)
@validated
class Product:
    """
    A stock presentation: what is on the shelf and drawn from.

    Attributes:
        id: Stable id (``lidocaine-hcl-2pct-20ml-mdv``).
        name: Name for people, as on the label.
        container: ``ampoule``, ``vial``, ``bottle``, ``prefilled-syringe``, ``bag``
            or ``cartridge``.
        use: ``single-dose`` (used whole, remainder wasted) or ``multi-dose``.
        volume: Nominal volume of one container.
        sterile: Whether the product is a sterile starting component (required: a
            clinic's bulk powder must never get the sterile-components BUD by default).
        storage: ``room``, ``refrigerator`` or ``freezer``.
        in_use_days: Days a multi-dose container may be used after first puncture.
        admixture_stability: Once mixed, the preparation's BUD is at most this.
        no_admixture: The label says not to mix it with other drugs.
        strengths: Active ingredient id -> concentration.
        excipients: Excipient ingredient id -> concentration.
        contains: Ingredients known to be present in an amount the maker does not
            publish (devices and cosmetic ampoules, SPEC §9.2): allergies,
            incompatibilities and pregnancy are checked, doses are not.
        routes: The routes the product is licensed for (``intravenous``); another
            route is ``route.offlabel`` (info).
        do_not_freeze: The label says not to freeze it (nor a preparation with it).
        do_not_refrigerate: The label says not to refrigerate it.
        source: Where the presentation data comes from.
        notes: Free text.
        gtin: The GS1 GTIN-14 on the box (check digit verified), when a public source
            gives it: how a scan at receipt finds the product.
    """

    id: str
    name: str
    container: Literal["ampoule", "vial", "bottle", "prefilled-syringe", "bag", "cartridge"]
    use: Literal["single-dose", "multi-dose"]
    volume: ContainerVolume
    sterile: bool
    storage: Storage = "room"
    in_use_days: NonNegative | None = None
    admixture_stability: AdmixtureStability | None = None
    no_admixture: bool = False
    strengths: FrozenMap[str, Strength] = attrs.field(factory=FrozenMap, converter=quantity_map)
    excipients: FrozenMap[str, Strength] = attrs.field(factory=FrozenMap, converter=quantity_map)
    contains: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    do_not_freeze: bool = False
    do_not_refrigerate: bool = False
    source: str = ""
    notes: str = ""
    gtin: str | None = attrs.field(default=None, validator=_valid_gtin)


@attrs.frozen(kw_only=True)
@validated
class AllergenGroup:
    """
    A group of substances a patient can be allergic to as one (``sulfite``).

    ``synonyms`` are the words people write for the group (``sulphite``,
    ``metabisulfite``, ``benzocaine`` for the ester anaesthetics); allergy terms are
    matched against them as against the id and the name.
    """

    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    source: str
    note: str = ""


@attrs.frozen(kw_only=True)
@validated
class CrossReactivity:
    """An allergy to one group that may extend to another (esters <-> PABA)."""

    groups: tuple[str, str]
    severity: RuleSeverity
    note: str
    source: str


@attrs.frozen(kw_only=True)
@validated
class Incompatibility:
    """
    Two things that must not be mixed.

    ``a`` and ``b`` are ingredient ids, allergen group ids, ingredient classes or tags.
    ``inferred`` rules come from reasoning on sourced facts (pH), not a label.
    """

    a: str
    b: str
    severity: RuleSeverity
    reason: str
    source: str
    inferred: bool = False


@attrs.frozen(kw_only=True)
@validated
class PolicyLimit:
    """
    A clinic's own limit, added to an ingredient without replacing it.

    The strictest applicable limit decides; the finding names its source. A limit with a
    *protocol* is a protocol's figure (a society's or the literature's, not a label's):
    it applies only where a catalog's ``[policy] protocols`` enables that protocol.
    """

    ingredient: str
    basis: Basis
    max: LimitValue
    severity: RuleSeverity = "error"
    unless_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    when_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    source: str
    note: str = ""
    route: str | None = None
    areas: tuple[str, ...] = ()
    protocol: str | None = None

    def as_limit(self) -> DoseLimit:
        """Return the limit this policy adds."""
        return DoseLimit(
            basis=self.basis,
            max=self.max,
            severity=self.severity,
            unless_present=self.unless_present,
            when_present=self.when_present,
            source=self.source,
            note=self.note,
            route=self.route,
            areas=self.areas,
            protocol=self.protocol,
        )


def ingredient_map(data: Mapping[str, Ingredient]) -> FrozenMap[str, Ingredient]:
    """A read-only copy of *data* (an attrs converter)."""
    return frozen_map(data)


def product_map(data: Mapping[str, Product]) -> FrozenMap[str, Product]:
    """A read-only copy of *data* (an attrs converter)."""
    return frozen_map(data)


def group_map(data: Mapping[str, AllergenGroup]) -> FrozenMap[str, AllergenGroup]:
    """A read-only copy of *data* (an attrs converter)."""
    return frozen_map(data)


AdditiveBasis = Literal["per-kg-session", "session", "preparation"]


@attrs.frozen(kw_only=True)
@validated
class AdditiveLimit:
    """
    A group of ingredients whose toxicities add up (SPEC §8.1): for each basis, the sum
    over the members present of dose / that member's strictest applicable limit must
    not exceed 1.

    Attributes:
        id: Stable id (``local-anaesthetics``).
        members: Ingredient ids, ``class:NAME`` or ``tag:NAME``.
        basis: ``per-kg-session`` or ``session``.
        severity: ``error`` (the members' absolute maxima are summed) or ``warning``
            (advisory norms count as well).
        source: Where the rule comes from.
        note: What it means.
    """

    id: str
    members: tuple[str, ...]
    basis: AdditiveBasis
    severity: RuleSeverity = "error"
    source: str
    note: str = ""

    def includes(self, ingredient: Ingredient) -> bool:
        """Whether *ingredient* is a member of this group."""
        for member in self.members:
            kind, _, name = member.partition(":")
            if (kind == "class" and name == ingredient.class_) or (
                kind == "tag" and name in ingredient.tags
            ):
                return True
            if not name and member == ingredient.id:
                return True
        return False


@attrs.frozen(kw_only=True)
@validated
class Contraindication:
    """
    A patient's medication or condition against which an ingredient (or every injection)
    is contraindicated or to be used with caution (SPEC §9.2).

    Attributes:
        ingredient: An ingredient id, ``class:NAME``, ``tag:NAME`` or ``any`` (every
            injection).
        medication: The medication (or class) it concerns ...
        condition: ... or the condition (one of the two).
        synonyms: Words people write for it (``warfarin``, ``apixaban`` for
            ``anticoagulant``), matched as allergy terms are.
        severity: ``error`` (contraindicated) or ``warning`` (caution).
        reason: What happens, for the finding.
        source: Where the rule comes from.
    """

    ingredient: str
    medication: str | None = None
    condition: str | None = None
    synonyms: tuple[str, ...] = ()
    severity: RuleSeverity = "warning"
    reason: str
    source: str

    def applies_to(self, ingredient: Ingredient) -> bool:
        """Whether the rule concerns *ingredient*."""
        kind, _, name = self.ingredient.partition(":")
        if self.ingredient == "any":
            return True
        if kind == "class" and name:
            return name == ingredient.class_
        if kind == "tag" and name:
            return name in ingredient.tags
        return self.ingredient == ingredient.id


@attrs.frozen(kw_only=True)
@validated
class Policy:
    """
    A catalog's ``[policy]`` table (SPEC §9.1): settings of the clinic's practice.

    Attributes:
        sitting_window: The time within which a patient's administrations are one
            sitting (default 24 hours, rolling); its ``source`` is required.
        source: Where the window comes from (a protocol, a guideline).
        areas: Treatment areas the clinic adds to the shipped vocabulary.
        protocols: The protocols whose figures the clinic applies (limits with that
            ``protocol``, e.g. the shipped ``lipolysis-network``): off unless named.
    """

    sitting_window: Duration | None = None
    source: str = ""
    areas: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
@validated
class CatalogFile:
    """One catalog file (``format = "mesoformula.catalog/1"``)."""

    format: Literal["mesoformula.catalog/1"] = CATALOG_FORMAT
    ingredients: tuple[Ingredient, ...] = ()
    products: tuple[Product, ...] = ()
    allergen_groups: tuple[AllergenGroup, ...] = ()
    cross_reactivity: tuple[CrossReactivity, ...] = ()
    incompatibilities: tuple[Incompatibility, ...] = ()
    limits: tuple[PolicyLimit, ...] = ()
    additive_limits: tuple[AdditiveLimit, ...] = ()
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()
    policy: Policy | None = None


__all__ = [
    "BASIS_UNITS",
    "CATALOG_FORMAT",
    "AdditiveBasis",
    "AdditiveLimit",
    "AdmixtureStability",
    "AllergenGroup",
    "Basis",
    "CatalogFile",
    "Condition",
    "Contraindication",
    "CrossReactivity",
    "DoseLimit",
    "Incompatibility",
    "Ingredient",
    "Policy",
    "PolicyLimit",
    "Product",
    "RuleSeverity",
    "Storage",
    "conditions",
    "group_map",
    "ingredient_map",
    "product_map",
    "quantity_map",
    "text_map",
]
