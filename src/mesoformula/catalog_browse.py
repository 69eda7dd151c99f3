"""
Browsing the catalog: what ``catalog list`` and ``catalog show`` print, as typed records
(docs/reference/json.md), written by the one wire converter
(:data:`mesoformula.files.wire.wire`) with each field's options
(:func:`mesoformula._json.wire`). Programs and people see the same records: the text
views of the command line render them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TypeAlias

import attrs

from mesoformula._frozen import FrozenMap, frozen_map
from mesoformula._json import wire
from mesoformula.catalog import Catalog
from mesoformula.catalog_entries import (
    Condition,
    CrossReactivity,
    DoseLimit,
    Incompatibility,
    Ingredient,
    Product,
)
from mesoformula.units import Quantity

#: What ``catalog list --kind`` selects; all four when none is given.
KINDS = ("ingredients", "products", "allergens", "rules")


@attrs.frozen(kw_only=True)
class LimitForm:
    """One dose limit of an ingredient (its own or a clinic policy), with its source.
    A condition is written as in files: a bare id, or ``{ingredient, at_least}``."""

    basis: str
    max: Quantity
    severity: str
    source: str
    unless_present: tuple[Condition, ...] = attrs.field(default=(), metadata=wire(omit_if=()))
    when_present: tuple[Condition, ...] = attrs.field(default=(), metadata=wire(omit_if=()))
    note: str = attrs.field(default="", metadata=wire(omit_if=""))
    route: str | None = attrs.field(default=None, metadata=wire(omit_if=None))
    areas: tuple[str, ...] = attrs.field(default=(), metadata=wire(omit_if=()))


@attrs.frozen(kw_only=True)
class IngredientRow:
    """An ingredient in a listing; *limits* counts its limits, policies included."""

    id: str
    name: str
    class_: str = attrs.field(metadata=wire(key="class"))
    status: str
    allergen_groups: tuple[str, ...]
    limits: int


@attrs.frozen(kw_only=True)
class ProductRow:
    """A product in a listing: its container and what it carries, quantities as text."""

    id: str
    name: str
    container: str
    use: str
    volume: str
    strengths: FrozenMap[str, str]
    excipients: FrozenMap[str, str]


@attrs.frozen(kw_only=True)
class AllergenGroupRow:
    """An allergen group in a listing."""

    id: str
    name: str
    source: str


@attrs.frozen(kw_only=True)
class CrossReactivityRow:
    """A cross-reactivity rule between two allergen groups."""

    groups: tuple[str, ...]
    severity: str
    note: str
    source: str


@attrs.frozen(kw_only=True)
class IncompatibilityRow:
    """An incompatibility; *inferred* is written in a listing only (``None`` elsewhere)."""

    a: str
    b: str
    severity: str
    reason: str
    source: str
    inferred: bool | None = attrs.field(default=None, metadata=wire(omit_if=None))


@attrs.frozen(kw_only=True)
class Listing:
    """``catalog list``: the kinds asked for, each ``None`` (left out) when not asked."""

    ingredients: tuple[IngredientRow, ...] | None = attrs.field(
        default=None, metadata=wire(omit_if=None)
    )
    products: tuple[ProductRow, ...] | None = attrs.field(default=None, metadata=wire(omit_if=None))
    allergen_groups: tuple[AllergenGroupRow, ...] | None = attrs.field(
        default=None, metadata=wire(omit_if=None)
    )
    cross_reactivity: tuple[CrossReactivityRow, ...] | None = attrs.field(
        default=None, metadata=wire(omit_if=None)
    )
    incompatibilities: tuple[IncompatibilityRow, ...] | None = attrs.field(
        default=None, metadata=wire(omit_if=None)
    )


@attrs.frozen(kw_only=True)
class IngredientShown:
    """``catalog show`` of an ingredient: everything about it, with sources."""

    kind: str = "ingredient"
    id: str
    name: str
    class_: str = attrs.field(metadata=wire(key="class"))
    synonyms: tuple[str, ...]
    identifiers: FrozenMap[str, str]
    molar_mass: str | None
    allergen_groups: tuple[str, ...]
    status: str
    status_reason: str | None
    pregnancy: str | None
    min_interval: str | None
    hazard: str | None
    limits: tuple[LimitForm, ...]
    products: tuple[str, ...]
    incompatibilities: tuple[IncompatibilityRow, ...]
    notes: str
    sources: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ProductShown:
    """``catalog show`` of a product: its listing row, then storage and sources."""

    kind: str = "product"
    row: ProductRow = attrs.field(metadata=wire(inline=True))
    sterile: bool
    storage: str
    in_use_days: float | None
    admixture_stability: str | None
    no_admixture: bool
    gtin: str | None
    source: str
    notes: str


@attrs.frozen(kw_only=True)
class AllergenGroupShown:
    """``catalog show`` of an allergen group: its members and cross-reactivity rules."""

    kind: str = "allergen group"
    id: str
    name: str
    note: str
    source: str
    members: tuple[str, ...]
    cross_reactivity: tuple[CrossReactivityRow, ...]


#: What ``catalog show`` returns.
Shown: TypeAlias = IngredientShown | ProductShown | AllergenGroupShown


def limit_form(limit: DoseLimit) -> LimitForm:
    """The record of one dose limit."""
    return LimitForm(
        basis=limit.basis,
        max=limit.max,
        severity=limit.severity,
        source=limit.source,
        unless_present=limit.unless_present,
        when_present=limit.when_present,
        note=limit.note,
        route=limit.route or None,
        areas=limit.areas,
    )


def _ingredient_row(ingredient: Ingredient, catalog: Catalog) -> IngredientRow:
    return IngredientRow(
        id=ingredient.id,
        name=ingredient.name,
        class_=ingredient.class_,
        status=ingredient.status,
        allergen_groups=ingredient.allergen_groups,
        limits=len(catalog.limits_of(ingredient.id)),
    )


def _product_row(product: Product) -> ProductRow:
    return ProductRow(
        id=product.id,
        name=product.name,
        container=product.container,
        use=product.use,
        volume=str(product.volume),
        strengths=frozen_map((k, str(v)) for k, v in product.strengths.items()),
        excipients=frozen_map((k, str(v)) for k, v in product.excipients.items()),
    )


def _cross_reactivity(rules: Iterable[CrossReactivity]) -> tuple[CrossReactivityRow, ...]:
    return tuple(
        CrossReactivityRow(groups=r.groups, severity=r.severity, note=r.note, source=r.source)
        for r in rules
    )


def _incompatibility(rule: Incompatibility, *, inferred: bool) -> IncompatibilityRow:
    return IncompatibilityRow(
        a=rule.a,
        b=rule.b,
        severity=rule.severity,
        reason=rule.reason,
        source=rule.source,
        inferred=rule.inferred if inferred else None,
    )


def _listed_products(catalog: Catalog, klass: str | None, allergen: str | None) -> list[Product]:
    """The products a listing shows: those carrying the allergen group (as strength or
    excipient) and an active of the class, when these are asked for."""
    members = {i.id for i in catalog.ingredients.values() if allergen in i.allergen_groups}

    def wanted(product: Product) -> bool:
        if allergen is not None and not members & (
            set(product.strengths) | set(product.excipients)
        ):
            return False
        return klass is None or any(
            catalog.ingredients[i].class_ == klass
            for i in product.strengths
            if i in catalog.ingredients
        )

    return sorted(filter(wanted, catalog.products.values()), key=lambda p: p.id)


def listing(
    catalog: Catalog,
    *,
    klass: str | None = None,
    allergen: str | None = None,
    kinds: Sequence[str] | None = None,
) -> Listing:
    """
    Return what the catalog holds, optionally only one class or what carries one
    allergen group (ingredients in the group and products containing them); *kinds*
    (of :data:`KINDS`) selects the parts, all of them by default.
    """
    wanted = set(kinds or KINDS)
    ingredients = sorted(
        (
            i
            for i in catalog.ingredients.values()
            if (klass is None or i.class_ == klass)
            and (allergen is None or allergen in i.allergen_groups)
        ),
        key=lambda i: i.id,
    )
    rules = "rules" in wanted
    return Listing(
        ingredients=tuple(_ingredient_row(i, catalog) for i in ingredients)
        if "ingredients" in wanted
        else None,
        products=tuple(map(_product_row, _listed_products(catalog, klass, allergen)))
        if "products" in wanted
        else None,
        allergen_groups=tuple(
            AllergenGroupRow(id=g.id, name=g.name, source=g.source)
            for g in sorted(catalog.allergen_groups.values(), key=lambda g: g.id)
            if allergen is None or g.id == allergen
        )
        if "allergens" in wanted
        else None,
        cross_reactivity=_cross_reactivity(
            r for r in catalog.cross_reactivity if allergen is None or allergen in r.groups
        )
        if rules
        else None,
        incompatibilities=tuple(
            _incompatibility(r, inferred=True)
            for r in catalog.incompatibilities
            if allergen is None or allergen in (r.a, r.b)
        )
        if rules
        else None,
    )


def _carriers(catalog: Catalog, ingredient_id: str) -> tuple[str, ...]:
    return tuple(
        sorted(
            p.id
            for p in catalog.products.values()
            if ingredient_id in p.strengths or ingredient_id in p.excipients
        )
    )


def _ingredient_shown(catalog: Catalog, ingredient: Ingredient) -> IngredientShown:
    tags = {ingredient.id, ingredient.class_, *ingredient.allergen_groups}
    return IngredientShown(
        id=ingredient.id,
        name=ingredient.name,
        class_=ingredient.class_,
        synonyms=ingredient.synonyms,
        identifiers=ingredient.identifiers,
        molar_mass=str(ingredient.molar_mass) if ingredient.molar_mass else None,
        allergen_groups=ingredient.allergen_groups,
        status=ingredient.status,
        status_reason=ingredient.status_reason,
        pregnancy=ingredient.pregnancy,
        min_interval=str(ingredient.min_interval) if ingredient.min_interval else None,
        hazard=ingredient.hazard,
        limits=tuple(map(limit_form, catalog.limits_of(ingredient.id))),
        products=_carriers(catalog, ingredient.id),
        incompatibilities=tuple(
            _incompatibility(r, inferred=False)
            for r in catalog.incompatibilities
            if tags & {r.a, r.b}
        ),
        notes=ingredient.notes,
        sources=ingredient.sources,
    )


def _product_shown(product: Product) -> ProductShown:
    stability = product.admixture_stability
    return ProductShown(
        row=_product_row(product),
        sterile=product.sterile,
        storage=product.storage,
        in_use_days=product.in_use_days,
        admixture_stability=None
        if stability is None
        else f"{stability.within} ({stability.storage})",
        no_admixture=product.no_admixture,
        gtin=product.gtin,
        source=product.source,
        notes=product.notes,
    )


def show(catalog: Catalog, entry_id: str) -> Shown:
    """
    Return everything about one ingredient, product or allergen group, with sources.

    Raises:
        LookupError: when no entry has that id (the message suggests near ids).
    """
    if entry_id in catalog.ingredients:
        return _ingredient_shown(catalog, catalog.ingredients[entry_id])
    if entry_id in catalog.products:
        return _product_shown(catalog.products[entry_id])
    if entry_id in catalog.allergen_groups:
        group = catalog.allergen_groups[entry_id]
        return AllergenGroupShown(
            id=group.id,
            name=group.name,
            note=group.note,
            source=group.source,
            members=tuple(
                sorted(i.id for i in catalog.ingredients.values() if entry_id in i.allergen_groups)
            ),
            cross_reactivity=_cross_reactivity(
                r for r in catalog.cross_reactivity if entry_id in r.groups
            ),
        )
    near = difflib.get_close_matches(
        entry_id, [*catalog.ingredients, *catalog.products, *catalog.allergen_groups], n=3
    )
    hint = near or catalog.find(entry_id)
    suggestion = f"; did you mean {', '.join(hint)}?" if hint else ""
    raise LookupError(f"no ingredient, product or allergen group '{entry_id}'{suggestion}")


__all__ = [
    "KINDS",
    "AllergenGroupRow",
    "AllergenGroupShown",
    "CrossReactivityRow",
    "IncompatibilityRow",
    "IngredientRow",
    "IngredientShown",
    "LimitForm",
    "Listing",
    "ProductRow",
    "ProductShown",
    "Shown",
    "limit_form",
    "listing",
    "show",
]
