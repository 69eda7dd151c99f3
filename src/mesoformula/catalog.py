"""
The catalog: ingredients, products, allergen groups and the rules between them.

The shipped catalog lives in the repository's top-level ``catalog/`` and is packaged
with the library. Users add their own folders; later entries replace earlier ones by
id, and every replacement is reported as an ``info`` finding (SPEC §2.3).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from ._frozen import FrozenMap
from ._validate import validated
from .catalog_changes import collisions, describe, weakenings
from .catalog_entries import (
    BASIS_UNITS,
    CATALOG_FORMAT,
    AdditiveLimit,
    AdmixtureStability,
    AllergenGroup,
    Basis,
    CatalogFile,
    Condition,
    Contraindication,
    CrossReactivity,
    DoseLimit,
    Incompatibility,
    Ingredient,
    Policy,
    PolicyLimit,
    Product,
    RuleSeverity,
    Storage,
    conditions,
    group_map,
    ingredient_map,
    product_map,
    text_map,
)
from .exceptions import CatalogError
from .findings import Finding
from .formulation import AcceptedRisk
from .units import days

#: The sitting window when no catalog ``[policy]`` sets one (SPEC §9.1).
DEFAULT_WINDOW = dt.timedelta(hours=24)


@attrs.frozen(kw_only=True)
@validated
class Catalog:
    """
    The merged catalog: every id once, the last definition winning.

    Build one with :func:`load_catalog` (shipped catalog plus user folders) or
    :meth:`from_files`.
    """

    ingredients: FrozenMap[str, Ingredient] = attrs.field(
        factory=FrozenMap, converter=ingredient_map
    )
    products: FrozenMap[str, Product] = attrs.field(factory=FrozenMap, converter=product_map)
    allergen_groups: FrozenMap[str, AllergenGroup] = attrs.field(
        factory=FrozenMap, converter=group_map
    )
    cross_reactivity: tuple[CrossReactivity, ...] = ()
    incompatibilities: tuple[Incompatibility, ...] = ()
    policy_limits: tuple[PolicyLimit, ...] = ()
    additive_limits: tuple[AdditiveLimit, ...] = ()
    accepted_risks: tuple[AcceptedRisk, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()
    policy: Policy = attrs.field(factory=Policy)
    origins: FrozenMap[str, str] = attrs.field(
        factory=FrozenMap, converter=text_map, eq=False, repr=False
    )
    # What checks ask of every ingredient (its limits, its terms, the rules naming it),
    # worked out once per catalog: the catalog is frozen, so it never goes stale.
    _memo: dict[tuple[str, str], Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    @classmethod
    def from_files(
        cls, files: Iterable[tuple[str, CatalogFile]], *, house_from: int | None = None
    ) -> tuple[Catalog, list[tuple[str, Finding]]]:
        """
        Merge catalog files in order; return the catalog and (file, finding) pairs.

        An id defined again by a later file replaces the earlier definition, and the
        replacement is reported as ``catalog.override`` (info) against the later file;
        a replacement that relaxes a safety fact is ``catalog.weakened`` (warning,
        naming what changed, SPEC §9.2). Redefining an entry identically is not
        reported. With *house_from* (the index of the first file that is not the
        shipped catalog's), a house ingredient whose id, name or synonym is another
        ingredient's name or synonym is ``catalog.collision`` (an error when the other
        is withdrawn).
        """
        merged: dict[str, dict[str, Entry]] = {key: {} for key, _, _ in sections(CatalogFile())}
        origins: dict[str, str] = {}
        cross: list[CrossReactivity] = []
        incompat: list[Incompatibility] = []
        policies: list[PolicyLimit] = []
        additive: dict[str, AdditiveLimit] = {}
        risks: list[AcceptedRisk] = []
        contraindications: list[Contraindication] = []
        policy = Policy()
        findings: list[tuple[str, Finding]] = []
        house: set[str] = set()
        withdrawn: dict[str, str] = {}  # every ingredient any file withdrew, and why
        for number, (path, file) in enumerate(files):
            for ingredient in file.ingredients:
                if ingredient.status == "withdrawn":
                    withdrawn.setdefault(ingredient.id, ingredient.status_reason or "")
            for key, what, entries in sections(file):
                target = merged[key]
                for index, entry in enumerate(entries):
                    tag = f"{key}:{entry.id}"
                    previous = target.get(entry.id)
                    if previous is not None and previous != entry and origins[tag] != path:
                        message = f"{what} '{entry.id}' replaces the one from {origins[tag]}"
                        findings.append(
                            (path, _info("catalog.override", message, f"{key}[{index}].id"))
                        )
                        findings.extend(
                            _weakened(
                                path,
                                f"{key}[{index}]",
                                what,
                                origins[tag],
                                before=previous,
                                after=entry,
                            )
                        )
                    target[entry.id] = entry
                    origins[tag] = path
                    if key == "ingredients" and house_from is not None and number >= house_from:
                        house.add(entry.id)
            cross.extend(file.cross_reactivity)
            incompat.extend(file.incompatibilities)
            policies.extend(file.limits)
            for n, group in enumerate(file.additive_limits):
                if group.id in additive and additive[group.id] != group:
                    origin = origins.get(f"additive_limits:{group.id}", "an earlier catalog")
                    findings.extend(
                        _weakened(
                            path,
                            f"additive_limits[{n}]",
                            "additive group",
                            origin,
                            before=additive[group.id],
                            after=group,
                        )
                    )
                additive[group.id] = group
                origins[f"additive_limits:{group.id}"] = path
            risks.extend(file.accepted_risks)
            contraindications.extend(file.contraindications)
            policy = _merged_policy(policy, file.policy)
        catalog = cls(
            ingredients=_only(merged["ingredients"], Ingredient),
            products=_only(merged["products"], Product),
            allergen_groups=_only(merged["allergen_groups"], AllergenGroup),
            cross_reactivity=tuple(cross),
            incompatibilities=tuple(incompat),
            policy_limits=tuple(policies),
            additive_limits=tuple(additive.values()),
            accepted_risks=tuple(risks),
            contraindications=tuple(contraindications),
            policy=policy,
            origins=origins,
        )
        findings.extend(_collisions(catalog, house, withdrawn))
        return catalog, findings

    @property
    def sitting_window(self) -> dt.timedelta:
        """The time within which a patient's administrations are one sitting (SPEC §9.1)."""
        window = self.policy.sitting_window
        return DEFAULT_WINDOW if window is None else dt.timedelta(days=days(window))

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

    def product_by_gtin(self, gtin: str) -> Product | None:
        """The product whose box carries *gtin*, or None (a GTIN-13 is padded to 14)."""
        key = ("gtin", "")
        if key not in self._memo:
            self._memo[key] = {p.gtin: p for p in self.products.values() if p.gtin}
        found: Product | None = self._memo[key].get(gtin.zfill(14))
        return found

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
            enabled = self.policy.protocols
            own, policies = (
                tuple(lim for lim in limits if lim.protocol is None or lim.protocol in enabled)
                for limits in (own, policies)
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
#: British spellings read as American ones (SPEC §9.2): anaesthetic, haemophilia,
#: oedema, foetal, sterilised, aluminium.
_AMERICAN = {"ae": "e", "oe": "e", "ise": "ize", "yse": "yze", "ium": "um"}
_BRITISH = re.compile(r"(?:ae|oe)(?=[a-z])|(?<=[a-z]{3})(?:ise|yse)(?=d?\b|s\b)|(?<=alumin)ium\b")


def allergy_key(term: str) -> str:
    """
    Normalise an allergy term for matching: case-folded, single spaces, hyphens and
    underscores as spaces, ``ph`` read as ``f`` (sulphite = sulfite), British spellings
    as American ones (anaesthetic = anesthetic, oedema = edema, sterilised = sterilized),
    a plural ``s`` dropped (sulfites = sulfite) and the ``-ate`` salt spelling read as
    ``-ite`` (bisulfate = bisulfite).
    """
    text = " ".join(re.sub(r"[-_]", " ", term.casefold()).split()).replace("ph", "f")
    text = _BRITISH.sub(lambda m: _AMERICAN[m.group()], text)
    return _WORD_END.sub(lambda m: "ite" if m.group() == "ate" else "", text)


Entry = Ingredient | Product | AllergenGroup
E = TypeVar("E", Ingredient, Product, AllergenGroup)


def sections(file: CatalogFile) -> tuple[tuple[str, str, Sequence[Entry]], ...]:
    """The id-keyed sections of a catalog file: (file key, what, entries)."""
    return (
        ("ingredients", "ingredient", file.ingredients),
        ("products", "product", file.products),
        ("allergen_groups", "allergen group", file.allergen_groups),
    )


def _weakened(
    path: str, location: str, what: str, origin: str, *, before: object, after: object
) -> list[tuple[str, Finding]]:
    """``catalog.weakened`` when *after* (from *path*) relaxes *before* (from *origin*)."""
    changes = weakenings(before, after)
    if not changes:
        return []
    entry_id = getattr(after, "id", "")
    return [
        (
            path,
            Finding(
                code="catalog.weakened",
                severity="warning",
                message=f"{what} '{entry_id}' in {path} relaxes the one from {origin}: "
                f"{describe(changes)}; every check against this catalog is weaker for it "
                "(keep the stricter fact, or make sure the clinic means it)",
                location=location,
            ),
        )
    ]


def _collisions(
    catalog: Catalog, house: set[str], withdrawn: Mapping[str, str]
) -> list[tuple[str, Finding]]:
    """
    ``catalog.collision`` for house ingredients that take another's name or synonym: an
    error when the other was withdrawn by any catalog in use (a house catalog that also
    lifts the withdrawal does not make it a warning).
    """
    found = []
    for house_id, other, word, _ in collisions(catalog.ingredients, house):
        other_entry = catalog.ingredients[other]
        is_withdrawn = other in withdrawn
        why = (
            f" ({other_entry.name} is withdrawn: {withdrawn[other]}; a withdrawn "
            "drug must not come back under another name)"
            if is_withdrawn
            else ""
        )
        found.append(
            (
                catalog.origins.get(f"ingredients:{house_id}", ""),
                Finding(
                    code="catalog.collision",
                    severity="error" if is_withdrawn else "warning",
                    message=f"house ingredient '{house_id}' shares the name '{word}' with "
                    f"ingredient '{other}'{why}: one word must name one substance",
                    ingredient=house_id,
                ),
            )
        )
    return found


def _merged_policy(merged: Policy, later: Policy | None) -> Policy:
    """A later file's ``[policy]`` over the merged one: its window wins, areas and enabled
    protocols add up."""
    if later is None:
        return merged
    window = (merged.sitting_window, merged.source)
    if later.sitting_window is not None:
        window = (later.sitting_window, later.source)
    return Policy(
        sitting_window=window[0],
        source=window[1],
        areas=tuple(dict.fromkeys((*merged.areas, *later.areas))),
        protocols=tuple(dict.fromkeys((*merged.protocols, *later.protocols))),
    )


def _only(entries: dict[str, Entry], kind: type[E]) -> dict[str, E]:
    return {k: v for k, v in entries.items() if isinstance(v, kind)}


def _info(code: str, message: str, location: str) -> Finding:  # merge findings
    return Finding(code=code, severity="info", message=message, location=location)


__all__ = [
    "BASIS_UNITS",
    "CATALOG_FORMAT",
    "DEFAULT_WINDOW",
    "AdditiveLimit",
    "AdmixtureStability",
    "AllergenGroup",
    "Basis",
    "Catalog",
    "CatalogFile",
    "Condition",
    "Contraindication",
    "CrossReactivity",
    "DoseLimit",
    "Entry",
    "Incompatibility",
    "Ingredient",
    "Policy",
    "PolicyLimit",
    "Product",
    "RuleSeverity",
    "Storage",
    "allergy_key",
    "conditions",
    "sections",
]
