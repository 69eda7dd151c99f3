"""
Browsing the catalog: the data behind ``catalog list`` and ``catalog show``, and its
text form. The views are plain JSON-ready data so programs and people see the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula._json import JSONObject
from mesoformula._text import text_table
from mesoformula.catalog import Catalog, Condition, DoseLimit, Ingredient, Product
from mesoformula.units import fmt, to_json


def _limit(limit: DoseLimit) -> JSONObject:
    data: JSONObject = {
        "basis": limit.basis,
        "max": to_json(limit.max),
        "severity": limit.severity,
        "source": limit.source,
    }
    if limit.unless_present:
        data["unless_present"] = [_condition(c) for c in limit.unless_present]
    if limit.when_present:
        data["when_present"] = [_condition(c) for c in limit.when_present]
    if limit.note:
        data["note"] = limit.note
    if limit.route:
        data["route"] = limit.route
    if limit.areas:
        data["areas"] = list(limit.areas)
    return data


def _condition(condition: Condition) -> str | JSONObject:
    """A bare id as a string, a threshold as ``{ingredient, at_least}`` (as in files)."""
    if condition.at_least is None:
        return condition.ingredient
    at_least = condition.at_least
    return {
        "ingredient": condition.ingredient,
        "at_least": to_json(at_least),
    }


def _shown(condition: str | JSONObject) -> str:
    if isinstance(condition, str):
        return condition
    at_least = condition["at_least"]
    return f"{condition['ingredient']} at {fmt(at_least['value'])} {at_least['unit']} or more"


def _carriers(catalog: Catalog, ingredient_id: str) -> list[str]:
    return sorted(
        p.id
        for p in catalog.products.values()
        if ingredient_id in p.strengths or ingredient_id in p.excipients
    )


def _ingredient_row(ingredient: Ingredient, catalog: Catalog) -> JSONObject:
    return {
        "id": ingredient.id,
        "name": ingredient.name,
        "class": ingredient.class_,
        "status": ingredient.status,
        "allergen_groups": list(ingredient.allergen_groups),
        "limits": len(catalog.limits_of(ingredient.id)),
    }


def _strengths(product: Product) -> dict[str, str]:
    return {k: str(v) for k, v in product.strengths.items()}


def _product_row(product: Product) -> JSONObject:
    return {
        "id": product.id,
        "name": product.name,
        "container": product.container,
        "use": product.use,
        "volume": str(product.volume),
        "strengths": _strengths(product),
        "excipients": {k: str(v) for k, v in product.excipients.items()},
    }


def listing(
    catalog: Catalog,
    *,
    klass: str | None = None,
    allergen: str | None = None,
    kinds: list[str] | None = None,
) -> JSONObject:
    """
    Return what the catalog holds, optionally only one class or what carries one
    allergen group (ingredients in the group and products containing them).
    """
    ingredients = [
        i
        for i in catalog.ingredients.values()
        if (klass is None or i.class_ == klass)
        and (allergen is None or allergen in i.allergen_groups)
    ]
    members = {i.id for i in catalog.ingredients.values() if allergen in i.allergen_groups}
    products = [
        p
        for p in catalog.products.values()
        if (allergen is None or members & (set(p.strengths) | set(p.excipients)))
        and (
            klass is None
            or any(
                catalog.ingredients[i].class_ == klass
                for i in p.strengths
                if i in catalog.ingredients
            )
        )
    ]
    wanted = set(kinds or ["ingredients", "products", "allergens", "rules"])
    data: JSONObject = {}
    if "ingredients" in wanted:
        data["ingredients"] = [
            _ingredient_row(i, catalog) for i in sorted(ingredients, key=lambda i: i.id)
        ]
    if "products" in wanted:
        data["products"] = [_product_row(p) for p in sorted(products, key=lambda p: p.id)]
    if "allergens" in wanted:
        data["allergen_groups"] = [
            {"id": g.id, "name": g.name, "source": g.source}
            for g in sorted(catalog.allergen_groups.values(), key=lambda g: g.id)
            if allergen is None or g.id == allergen
        ]
    if "rules" in wanted:
        data["cross_reactivity"] = [
            {"groups": list(r.groups), "severity": r.severity, "note": r.note, "source": r.source}
            for r in catalog.cross_reactivity
            if allergen is None or allergen in r.groups
        ]
        data["incompatibilities"] = [
            {
                "a": r.a,
                "b": r.b,
                "severity": r.severity,
                "reason": r.reason,
                "source": r.source,
                "inferred": r.inferred,
            }
            for r in catalog.incompatibilities
            if allergen is None or allergen in (r.a, r.b)
        ]
    return data


def listing_text(data: JSONObject) -> str:
    """Return a listing as aligned text tables."""
    lines: list[str] = []
    rows: list[tuple[str, ...]]
    if "ingredients" in data:
        rows = [
            (r["id"], r["class"], r["status"], str(r["limits"]), r["name"])
            for r in data["ingredients"]
        ]
        lines += _table(
            f"Ingredients ({len(rows)})", ("id", "class", "status", "limits", "name"), rows
        )
    if "products" in data:
        rows = [
            (
                r["id"],
                f"{r['container']}, {r['use']}",
                r["volume"],
                ", ".join(f"{k} {v}" for k, v in r["strengths"].items()) or "-",
            )
            for r in data["products"]
        ]
        lines += _table(f"Products ({len(rows)})", ("id", "container", "volume", "strengths"), rows)
    if "allergen_groups" in data:
        rows = [(r["id"], r["name"]) for r in data["allergen_groups"]]
        lines += _table(f"Allergen groups ({len(rows)})", ("id", "name"), rows)
    if "cross_reactivity" in data:
        rows = [
            (" <-> ".join(r["groups"]), r["severity"], r["note"]) for r in data["cross_reactivity"]
        ]
        lines += _table(f"Cross-reactivity ({len(rows)})", ("groups", "severity", "note"), rows)
    if "incompatibilities" in data:
        rows = [
            (
                f"{r['a']} x {r['b']}",
                r["severity"] + (" (inferred)" if r["inferred"] else ""),
                r["reason"],
            )
            for r in data["incompatibilities"]
        ]
        lines += _table(f"Incompatibilities ({len(rows)})", ("pair", "severity", "reason"), rows)
    return "\n".join(lines) + "\n"


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    return [title, *text_table(header, rows, pad_last=False), ""]


def show(catalog: Catalog, entry_id: str) -> JSONObject:
    """
    Return everything about one ingredient, product or allergen group, with sources.

    Raises:
        LookupError: when no entry has that id (the message suggests near ids).
    """
    if entry_id in catalog.ingredients:
        ingredient = catalog.ingredients[entry_id]
        return {
            "kind": "ingredient",
            "id": ingredient.id,
            "name": ingredient.name,
            "class": ingredient.class_,
            "synonyms": list(ingredient.synonyms),
            "identifiers": dict(ingredient.identifiers),
            "molar_mass": str(ingredient.molar_mass) if ingredient.molar_mass else None,
            "allergen_groups": list(ingredient.allergen_groups),
            "status": ingredient.status,
            "status_reason": ingredient.status_reason,
            "pregnancy": ingredient.pregnancy,
            "min_interval": str(ingredient.min_interval) if ingredient.min_interval else None,
            "hazard": ingredient.hazard,
            "limits": [_limit(limit) for limit in catalog.limits_of(entry_id)],
            "products": _carriers(catalog, entry_id),
            "incompatibilities": [
                {"a": r.a, "b": r.b, "severity": r.severity, "reason": r.reason, "source": r.source}
                for r in catalog.incompatibilities
                if entry_id in (r.a, r.b)
                or ingredient.class_ in (r.a, r.b)
                or set(ingredient.allergen_groups) & {r.a, r.b}
            ],
            "notes": ingredient.notes,
            "sources": list(ingredient.sources),
        }
    if entry_id in catalog.products:
        product = catalog.products[entry_id]
        return {
            "kind": "product",
            **_product_row(product),
            "sterile": product.sterile,
            "storage": product.storage,
            "in_use_days": product.in_use_days,
            "admixture_stability": (
                None
                if product.admixture_stability is None
                else f"{product.admixture_stability.within} ({product.admixture_stability.storage})"
            ),
            "no_admixture": product.no_admixture,
            "gtin": product.gtin,
            "source": product.source,
            "notes": product.notes,
        }
    if entry_id in catalog.allergen_groups:
        group = catalog.allergen_groups[entry_id]
        return {
            "kind": "allergen group",
            "id": group.id,
            "name": group.name,
            "note": group.note,
            "source": group.source,
            "members": sorted(
                i.id for i in catalog.ingredients.values() if entry_id in i.allergen_groups
            ),
            "cross_reactivity": [
                {
                    "groups": list(r.groups),
                    "severity": r.severity,
                    "note": r.note,
                    "source": r.source,
                }
                for r in catalog.cross_reactivity
                if entry_id in r.groups
            ],
        }
    import difflib  # noqa: PLC0415 - only on the error path

    near = difflib.get_close_matches(
        entry_id, [*catalog.ingredients, *catalog.products, *catalog.allergen_groups], n=3
    )
    by_synonym = catalog.find(entry_id)
    hint = near or by_synonym
    suggestion = f"; did you mean {', '.join(hint)}?" if hint else ""
    raise LookupError(f"no ingredient, product or allergen group '{entry_id}'{suggestion}")


def show_text(data: JSONObject) -> str:
    """Return a :func:`show` result as text for people."""
    lines = [f"{data['name']} ({data['kind']} {data['id']})"]
    lines += _field_lines(data)
    if "limits" in data:
        lines.append("  limits:" if data["limits"] else "  limits: none sourced (see notes)")
        for limit in data["limits"]:
            lines += _limit_lines(limit)
    for key in ("incompatibilities", "cross_reactivity"):
        for rule in data.get(key, []):
            lines += _rule_lines(key, rule)
    for source in data.get("sources", []):
        lines.append(f"  source: {source}")
    return "\n".join(lines) + "\n"


def _field_lines(data: JSONObject) -> list[str]:
    """
    The plain fields of a :func:`show` result, one line each: scalars (a flag as yes or
    no), then lists of names, then maps (``KEY VALUE, ...``); empty ones are left out.
    """
    lines: list[str] = []
    simple = [
        k
        for k, v in data.items()
        if k not in {"kind", "id", "name"} and isinstance(v, str | int | float) and v != ""
    ]
    for key in simple:
        value = data[key]
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        lines.append(f"  {key}: {shown}")
    for key in ("synonyms", "allergen_groups", "members", "products"):
        if data.get(key):
            lines.append(f"  {key}: {', '.join(data[key])}")
    for key in ("identifiers", "strengths", "excipients"):
        if data.get(key):
            lines.append(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in data[key].items()))
    return lines


def _limit_lines(limit: JSONObject) -> list[str]:
    """One limit of a :func:`show` result: its value and condition, note, areas and source."""
    cond = ""
    if "unless_present" in limit:
        cond = f" unless {', '.join(map(_shown, limit['unless_present']))} present"
    if "when_present" in limit:
        cond = f" when {', '.join(map(_shown, limit['when_present']))} present"
    value = f"{fmt(limit['max']['value'])} {limit['max']['unit']}"
    lines = [f"    - {limit['basis']}: max {value} ({limit['severity']}){cond}"]
    if limit.get("note"):
        lines.append(f"      note: {limit['note']}")
    if limit.get("areas"):
        lines.append(f"      areas: {', '.join(limit['areas'])} (the source's)")
    lines.append(f"      source: {limit['source']}")
    return lines


def _rule_lines(key: str, rule: JSONObject) -> list[str]:
    """An incompatibility or cross-reactivity (*key*) of a :func:`show` result, and its source."""
    pair = " <-> ".join(rule["groups"]) if "groups" in rule else f"{rule['a']} x {rule['b']}"
    return [
        f"  {key}: {pair} ({rule['severity']}): {rule.get('reason') or rule.get('note')}",
        f"      source: {rule['source']}",
    ]


__all__ = [
    "listing",
    "listing_text",
    "show",
    "show_text",
]
