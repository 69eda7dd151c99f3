"""
The catalog: ingredients, products, allergen groups and the rules between them.

The shipped catalog lives in the repository's top-level ``catalog/`` and is packaged
with the library. Users add their own folders; later entries replace earlier ones by
id, and every replacement is reported as an ``info`` finding (SPEC §2.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ._fields import ContainerVolume, LimitValue, Mass, MolarMass, NonNegative, Strength
from ._frozen import FrozenMap, frozen_map
from ._validate import validated
from .exceptions import CatalogError
from .findings import Finding
from .formulation import AcceptedRisk
from .units import AMOUNT, CONCENTRATION, PER_KG, Quantity

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
class Condition:
    """
    A condition on the rest of the preparation: *ingredient* is present, at a final
    concentration of at least *at_least* when that is given.

    In files a condition is either a bare ingredient id (``"epinephrine"``: any amount)
    or a table ``{ ingredient = "epinephrine", at_least = "0.005 mg/mL" }``. A trace
    never satisfies a threshold condition; a concentration that cannot be compared with
    the threshold (no conversion factor) does not satisfy it either.
    """

    ingredient: str
    at_least: Strength | None = None

    def __str__(self) -> str:
        if self.at_least is None:
            return self.ingredient
        return f"{self.ingredient} at {self.at_least} or more"


# Converters to read-only maps, one per value type (mypy's attrs plugin needs them
# non-generic).
def _text_map(data: Mapping[str, str]) -> FrozenMap[str, str]:
    return frozen_map(data)


def _quantity_map(data: Mapping[str, Quantity]) -> FrozenMap[str, Quantity]:
    return frozen_map(data)


def conditions(items: Iterable[str | Condition]) -> tuple[Condition, ...]:
    """Return condition items as :class:`Condition` (a bare id means any amount)."""
    return tuple(c if isinstance(c, Condition) else Condition(ingredient=c) for c in items)


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
    """

    basis: Basis
    max: LimitValue
    severity: RuleSeverity = "error"
    unless_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    when_present: tuple[Condition, ...] = attrs.field(default=(), converter=conditions)
    source: str
    note: str = ""
    route: str | None = None


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
        activity_mass: Mass of one activity unit (``{IU = "0.025 ug"}``); activity is
            compared with mass only through this declared factor.
        limits: Dose limits.
        notes: Free text, including which limits could not be sourced.
        sources: Sources of the monograph data (identifiers, class, status).
    """

    id: str
    name: str
    class_: str = attrs.field(metadata={"key": "class"})
    synonyms: tuple[str, ...] = ()
    identifiers: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_text_map)
    molar_mass: MolarMass | None = None
    valence: NonNegative | None = None
    allergen_groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: Literal["active", "withdrawn"] = "active"
    status_reason: str | None = None
    pregnancy: Literal["ok", "caution", "contraindicated"] | None = None
    activity_mass: FrozenMap[str, Mass] = attrs.field(factory=FrozenMap, converter=_quantity_map)
    limits: tuple[DoseLimit, ...] = ()
    notes: str = ""
    sources: tuple[str, ...] = ()


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
        sterile: Whether the product is a sterile starting component.
        storage: ``room``, ``refrigerator`` or ``freezer``.
        in_use_days: Days a multi-dose container may be used after first puncture.
        no_admixture: The label says not to mix it with other drugs.
        strengths: Active ingredient id -> concentration.
        excipients: Excipient ingredient id -> concentration.
        source: Where the presentation data comes from.
        notes: Free text.
    """

    id: str
    name: str
    container: Literal["ampoule", "vial", "bottle", "prefilled-syringe", "bag", "cartridge"]
    use: Literal["single-dose", "multi-dose"]
    volume: ContainerVolume
    sterile: bool = True
    storage: Storage = "room"
    in_use_days: NonNegative | None = None
    no_admixture: bool = False
    strengths: FrozenMap[str, Strength] = attrs.field(factory=FrozenMap, converter=_quantity_map)
    excipients: FrozenMap[str, Strength] = attrs.field(factory=FrozenMap, converter=_quantity_map)
    source: str = ""
    notes: str = ""


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

    The strictest applicable limit decides; the finding names its source.
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
        )


def _ingredient_map(data: Mapping[str, Ingredient]) -> FrozenMap[str, Ingredient]:
    return frozen_map(data)


def _product_map(data: Mapping[str, Product]) -> FrozenMap[str, Product]:
    return frozen_map(data)


def _group_map(data: Mapping[str, AllergenGroup]) -> FrozenMap[str, AllergenGroup]:
    return frozen_map(data)


AdditiveBasis = Literal["per-kg-session", "session"]


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


@attrs.frozen(kw_only=True)
@validated
class Catalog:
    """
    The merged catalog: every id once, the last definition winning.

    Build one with :func:`load_catalog` (shipped catalog plus user folders) or
    :meth:`from_files`.
    """

    ingredients: FrozenMap[str, Ingredient] = attrs.field(
        factory=FrozenMap, converter=_ingredient_map
    )
    products: FrozenMap[str, Product] = attrs.field(factory=FrozenMap, converter=_product_map)
    allergen_groups: FrozenMap[str, AllergenGroup] = attrs.field(
        factory=FrozenMap, converter=_group_map
    )
    cross_reactivity: tuple[CrossReactivity, ...] = ()
    incompatibilities: tuple[Incompatibility, ...] = ()
    policy_limits: tuple[PolicyLimit, ...] = ()
    additive_limits: tuple[AdditiveLimit, ...] = ()
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    origins: FrozenMap[str, str] = attrs.field(
        factory=FrozenMap, converter=_text_map, eq=False, repr=False
    )
    # What checks ask of every ingredient (its limits, its terms, the rules naming it),
    # worked out once per catalog: the catalog is frozen, so it never goes stale.
    _memo: dict[tuple[str, str], Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    @classmethod
    def from_files(
        cls, files: Iterable[tuple[str, CatalogFile]]
    ) -> tuple[Catalog, list[tuple[str, Finding]]]:
        """
        Merge catalog files in order; return the catalog and (file, finding) pairs.

        An id defined again by a later file replaces the earlier definition, and the
        replacement is reported as ``catalog.override`` (info) against the later file.
        Redefining an entry identically is not reported.
        """
        ingredients: dict[str, Ingredient] = {}
        products: dict[str, Product] = {}
        groups: dict[str, AllergenGroup] = {}
        origins: dict[str, str] = {}
        cross: list[CrossReactivity] = []
        incompat: list[Incompatibility] = []
        policies: list[PolicyLimit] = []
        additive: dict[str, AdditiveLimit] = {}
        risks: list[AcceptedRisk] = []
        findings: list[tuple[str, Finding]] = []
        for path, file in files:
            for key, what, entries, target in sections(file, ingredients, products, groups):
                for index, entry in enumerate(entries):
                    tag = f"{key}:{entry.id}"
                    previous = target.get(entry.id)
                    if previous is not None and previous != entry and origins[tag] != path:
                        message = f"{what} '{entry.id}' replaces the one from {origins[tag]}"
                        findings.append(
                            (path, _info("catalog.override", message, f"{key}[{index}].id"))
                        )
                    target[entry.id] = entry
                    origins[tag] = path
            cross.extend(file.cross_reactivity)
            incompat.extend(file.incompatibilities)
            policies.extend(file.limits)
            additive.update((a.id, a) for a in file.additive_limits)
            risks.extend(file.accepted_risks)
        catalog = cls(
            ingredients=ingredients,
            products=products,
            allergen_groups=groups,
            cross_reactivity=tuple(cross),
            incompatibilities=tuple(incompat),
            policy_limits=tuple(policies),
            additive_limits=tuple(additive.values()),
            accepted_risks=tuple(risks),
            origins=origins,
        )
        return catalog, findings

    def ingredient(self, ingredient_id: str) -> Ingredient:
        """Return the ingredient *ingredient_id* or raise :class:`CatalogError`."""
        try:
            return self.ingredients[ingredient_id]
        except KeyError:
            raise CatalogError(f"no ingredient '{ingredient_id}' in the catalog") from None

    def product(self, product_id: str) -> Product:
        """Return the product *product_id* or raise :class:`CatalogError`."""
        try:
            return self.products[product_id]
        except KeyError:
            raise CatalogError(f"no product '{product_id}' in the catalog") from None

    def limits_of(self, ingredient_id: str) -> tuple[DoseLimit, ...]:
        """Return every limit of an ingredient: its own, then the clinic's policies."""
        key = ("limits", ingredient_id)
        if key not in self._memo:
            own = (
                self.ingredients[ingredient_id].limits if ingredient_id in self.ingredients else ()
            )
            policies = tuple(
                p.as_limit() for p in self.policy_limits if p.ingredient == ingredient_id
            )
            self._memo[key] = (*own, *policies)
        limits: tuple[DoseLimit, ...] = self._memo[key]
        return limits

    def terms_of(self, ingredient_id: str) -> frozenset[str]:
        """Return every term an incompatibility rule may use to name an ingredient."""
        key = ("terms", ingredient_id)
        if key not in self._memo:
            ingredient = self.ingredients.get(ingredient_id)
            self._memo[key] = frozenset(
                {ingredient_id}
                if ingredient is None
                else {
                    ingredient.id,
                    ingredient.class_,
                    *ingredient.allergen_groups,
                    *ingredient.tags,
                }
            )
        terms: frozenset[str] = self._memo[key]
        return terms

    def rules_naming(self, ingredient_id: str) -> tuple[frozenset[int], frozenset[int]]:
        """Indexes of the incompatibility rules whose side ``a`` / side ``b`` names it."""
        key = ("rules", ingredient_id)
        if key not in self._memo:
            terms = self.terms_of(ingredient_id)
            rules = self.incompatibilities
            self._memo[key] = (
                frozenset(n for n, r in enumerate(rules) if r.a in terms),
                frozenset(n for n, r in enumerate(rules) if r.b in terms),
            )
        sides: tuple[frozenset[int], frozenset[int]] = self._memo[key]
        return sides

    def find(self, term: str) -> list[str]:
        """
        Return the ingredient ids a free-text term names: an id, a name or a synonym,
        case-insensitively.
        """
        folded = term.strip().casefold()
        return sorted(
            i.id
            for i in self.ingredients.values()
            if folded in {i.id.casefold(), i.name.casefold(), *(s.casefold() for s in i.synonyms)}
        )

    def allergy(self, term: str) -> tuple[frozenset[str], frozenset[str]]:
        """
        Resolve an allergy term as people write it: return the ingredient ids and the
        allergen group ids it names (both empty for an unknown term).

        The term is matched, after :func:`allergy_key` normalisation (case, ``ph``/``f``,
        plural ``s``, ``-ate``/``-ite``), against ingredient ids, names and synonyms,
        allergen group ids, names and synonyms, ingredient classes and tags; a class or
        a tag names every ingredient that has it.
        """
        ingredients, groups = self._allergy_index()[0].get(allergy_key(term), ((), ()))
        return frozenset(ingredients), frozenset(groups)

    def allergy_spellings(self) -> tuple[str, ...]:
        """Every spelling :meth:`allergy` knows, for did-you-mean suggestions."""
        spellings: tuple[str, ...] = self._allergy_index()[1]
        return spellings

    def _allergy_index(
        self,
    ) -> tuple[dict[str, tuple[tuple[str, ...], tuple[str, ...]]], tuple[str, ...]]:
        key = ("allergy", "")
        if key not in self._memo:
            index: dict[str, tuple[set[str], set[str]]] = {}
            spellings: set[str] = set()

            def add(word: str, ingredient: str | None = None, group: str | None = None) -> None:
                spellings.add(word)
                entry = index.setdefault(allergy_key(word), (set(), set()))
                if ingredient is not None:
                    entry[0].add(ingredient)
                if group is not None:
                    entry[1].add(group)

            for item in self.ingredients.values():
                for word in (item.id, item.name, *item.synonyms, item.class_, *item.tags):
                    add(word, ingredient=item.id)
            for group in self.allergen_groups.values():
                for word in (group.id, group.name, *group.synonyms):
                    add(word, group=group.id)
            self._memo[key] = (
                {k: (tuple(sorted(i)), tuple(sorted(g))) for k, (i, g) in index.items()},
                tuple(sorted(spellings)),
            )
        found: tuple[dict[str, tuple[tuple[str, ...], tuple[str, ...]]], tuple[str, ...]]
        found = self._memo[key]
        return found


_WORD_END = re.compile(r"(?<=[a-z]{3})(?:s\b(?<!ss\b)|ate\b)")


def allergy_key(term: str) -> str:
    """
    Normalise an allergy term for matching: case-folded, single spaces, hyphens and
    underscores as spaces, ``ph`` read as ``f`` (sulphite = sulfite), a plural ``s``
    dropped (sulfites = sulfite) and the ``-ate`` salt spelling read as ``-ite``
    (bisulfate = bisulfite).
    """
    text = " ".join(re.sub(r"[-_]", " ", term.casefold()).split()).replace("ph", "f")
    return _WORD_END.sub(lambda m: "ite" if m.group() == "ate" else "", text)


def sections(
    file: CatalogFile,
    ingredients: dict[str, Ingredient],
    products: dict[str, Product],
    groups: dict[str, AllergenGroup],
) -> list[tuple[str, str, Sequence[Ingredient | Product | AllergenGroup], dict[str, Any]]]:
    """The id-keyed sections of a catalog file: (file key, what, entries, merge target)."""
    return [
        ("ingredients", "ingredient", file.ingredients, ingredients),
        ("products", "product", file.products, products),
        ("allergen_groups", "allergen group", file.allergen_groups, groups),
    ]


def _info(code: str, message: str, location: str) -> Finding:  # merge findings
    return Finding(code=code, severity="info", message=message, location=location)


__all__ = [
    "BASIS_UNITS",
    "CATALOG_FORMAT",
    "AdditiveLimit",
    "AllergenGroup",
    "Catalog",
    "CatalogFile",
    "Condition",
    "CrossReactivity",
    "DoseLimit",
    "Incompatibility",
    "Ingredient",
    "PolicyLimit",
    "Product",
    "allergy_key",
    "conditions",
    "sections",
]
