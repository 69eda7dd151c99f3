"""
Generate ``docs/reference/catalog.md`` from the shipped catalog (a development tool, not
part of the package): ``python tools/catalog_page.py > docs/reference/catalog.md``.
A test keeps the page current.
"""

from __future__ import annotations

import sys

from mesoformula.catalog import Catalog
from mesoformula.catalog_entries import DoseLimit, Ingredient
from mesoformula.files.catalogs import load_catalog


def family_of(catalog: Catalog, kind: str, entry_id: str) -> str:
    """The family of an entry: the shipped catalog file it comes from (``vitamins``)."""
    origin = catalog.origins.get(f"{kind}:{entry_id}", "")
    return origin.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml") or "other"


def coverage(catalog: Catalog) -> list[str]:
    """The coverage table by family: what the catalog holds and how much of it is sourced."""
    families: dict[str, dict[str, int]] = {}
    columns = ("ingredients", "with product", "products", "with contains", "limits", "pregnancy")

    def row(family: str) -> dict[str, int]:
        return families.setdefault(family, dict.fromkeys(columns, 0))

    carried = {i for p in catalog.products.values() for i in (*p.strengths, *p.contains)}
    for ingredient in catalog.ingredients.values():
        counts = row(family_of(catalog, "ingredients", ingredient.id))
        counts["ingredients"] += 1
        counts["with product"] += ingredient.id in carried
        counts["limits"] += len(ingredient.limits)
        counts["pregnancy"] += ingredient.pregnancy is not None
    for product in catalog.products.values():
        counts = row(family_of(catalog, "products", product.id))
        counts["products"] += 1
        counts["with contains"] += bool(product.contains)
    families["all"] = {c: sum(f[c] for f in families.values()) for c in columns}
    lines = [
        "## Coverage by family",
        "",
        "Each family is one file of `catalog/`. Every dose limit, allergen group and rule",
        "carries its source (a test proves it); what the sources do not give is left out",
        "and said so in the entry's notes, and `validate` reports an active without a",
        "limit as `dose.nolimit`. An ingredient is in a product when a product states its",
        "strength or lists it in `contains` (present, amount not published).",
        "",
        (
            "| family | ingredients | of which in a product | products | of which with "
            "`contains` | dose limits | pregnancy data |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for family, counts in sorted(families.items()):
        if family == "all":
            continue
        lines.append("| " + " | ".join([family, *(str(counts[c]) for c in columns)]) + " |")
    lines.append("| **all** | " + " | ".join(f"**{families['all'][c]}**" for c in columns) + " |")
    return lines


def _facts(ingredient: Ingredient) -> list[str]:
    """An ingredient's facts as the page lists them (class, names, ids, status, ...)."""
    facts = [f"class: {ingredient.class_}"]
    if ingredient.synonyms:
        facts.append("synonyms: " + ", ".join(ingredient.synonyms))
    if ingredient.identifiers:
        facts.append(
            "identifiers: " + ", ".join(f"{k} {v}" for k, v in ingredient.identifiers.items())
        )
    if ingredient.molar_mass:
        facts.append(f"molar mass: {ingredient.molar_mass}")
    if ingredient.allergen_groups:
        facts.append("allergen groups: " + ", ".join(ingredient.allergen_groups))
    if ingredient.status == "withdrawn":
        facts.append(f"**withdrawn**: {ingredient.status_reason}")
    if ingredient.pregnancy:
        facts.append(f"pregnancy: {ingredient.pregnancy}")
    if ingredient.hazard is not None:
        facts.append(f"hazard on the label: {ingredient.hazard}")
    if ingredient.min_interval is not None:
        facts.append(
            f"at least **{ingredient.min_interval}** between sessions — "
            + ingredient.source_of("min_interval")
        )
    return facts


def _limit_line(limit: DoseLimit) -> str:
    """One limit with its kind, conditions, route and source."""
    kind = "absolute" if limit.severity == "error" else "advisory"
    cond = ""
    if limit.unless_present:
        cond = f", unless {', '.join(map(str, limit.unless_present))} present"
    if limit.when_present:
        cond = f", when {', '.join(map(str, limit.when_present))} present"
    route = f", licensed {limit.route} label dose" if limit.route else ""
    return f"- limit, {limit.basis}: **{limit.max}** ({kind}{cond}{route}) — {limit.source}"


def _ingredient_section(ingredient: Ingredient) -> list[str]:
    """An ingredient's section: heading, facts, limits, notes and sources."""
    out = [f"### {ingredient.name} (`{ingredient.id}`)", ""]
    out += [f"- {fact}" for fact in _facts(ingredient)]
    out += [_limit_line(limit) for limit in ingredient.limits]
    if ingredient.notes:
        out.append(f"- notes: {ingredient.notes}")
    if ingredient.sources:
        out.append("- sources: " + "; ".join(ingredient.sources))
    out.append("")
    return out


def _protocols(catalog: Catalog) -> list[str]:
    """The protocol figures the catalog ships, off unless a clinic enables them."""
    figures = [p for p in catalog.policy_limits if p.protocol is not None]
    if not figures:
        return []
    out = [
        "",
        "## Protocol figures (off unless enabled)",
        "",
        "A society's or the literature's figure, not a label's: it applies only where a",
        'clinic\'s catalog names its protocol in `[policy] protocols = ["..."]`.',
        "",
        "| protocol | ingredient | basis | max | source |",
        "|---|---|---|---|---|",
    ]
    for p in sorted(figures, key=lambda p: (p.protocol or "", p.ingredient)):
        out.append(f"| `{p.protocol}` | `{p.ingredient}` | {p.basis} | {p.max} | {p.source} |")
    return out


def markdown(catalog: Catalog) -> str:
    """
    Return the catalog as a Markdown reference page: every ingredient with its limits
    and their sources, every product, allergen group and rule.

    ``docs/reference/catalog.md`` is this page for the shipped catalog; a test keeps it
    current (``python tools/catalog_page.py > docs/reference/catalog.md``).
    """
    out = [
        "# Reference: the shipped catalog",
        "",
        "Generated from `catalog/` by `python tools/catalog_page.py`; do not edit.",
        "Every limit and rule carries its source. A limit marked *advisory* is a warning;",
        "one marked *absolute* is an error. Limits from another route's label say so.",
        "",
        (
            f"{len(catalog.ingredients)} ingredients, {len(catalog.products)} products, "
            f"{len(catalog.allergen_groups)} allergen groups, {len(catalog.cross_reactivity)} "
            f"cross-reactivity rules, {len(catalog.incompatibilities)} incompatibilities."
        ),
        "",
        *coverage(catalog),
        "",
        "## Ingredients",
        "",
    ]
    for ingredient in sorted(catalog.ingredients.values(), key=lambda i: (i.class_, i.id)):
        out += _ingredient_section(ingredient)
    out += [
        "## Products",
        "",
        "`contains`: present in an amount the maker does not publish (doses not checked).",
        "",
        "| id | container | volume | strengths | excipients | contains |",
        "|---|---|---|---|---|---|",
    ]
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        flags = " (no admixture)" if product.no_admixture else ""
        out.append(
            f"| `{product.id}` | {product.container}, {product.use}{flags} | {product.volume} | "
            + ", ".join(f"{k} {v}" for k, v in product.strengths.items())
            + " | "
            + ", ".join(f"{k} {v}" for k, v in product.excipients.items())
            + " | "
            + ", ".join(product.contains)
            + " |"
        )
    out += _protocols(catalog)
    out += [
        "",
        "## Allergen groups",
        "",
        "| id | name | also written | source |",
        "|---|---|---|---|",
    ]
    for group in sorted(catalog.allergen_groups.values(), key=lambda g: g.id):
        out.append(
            f"| `{group.id}` | {group.name} | {', '.join(group.synonyms)} | {group.source} |"
        )
    out += [
        "",
        "## Additive limits",
        "",
        "The members' fractions of their own maxima add up and must not exceed 100%.",
        "",
        "| id | members | basis | severity | source |",
        "|---|---|---|---|---|",
    ]
    for additive in catalog.additive_limits:
        out.append(
            f"| `{additive.id}` | {', '.join(additive.members)} | {additive.basis} | "
            f"{additive.severity} | {additive.source} |"
        )
    out += [
        "",
        "## Cross-reactivity",
        "",
        "| groups | severity | note | source |",
        "|---|---|---|---|",
    ]
    for cross in catalog.cross_reactivity:
        out.append(
            f"| {' ↔ '.join(cross.groups)} | {cross.severity} | {cross.note} | {cross.source} |"
        )
    out += [
        "",
        "## Incompatibilities",
        "",
        "| a | b | severity | reason | source |",
        "|---|---|---|---|---|",
    ]
    for rule in catalog.incompatibilities:
        severity = rule.severity + (" (inferred)" if rule.inferred else "")
        out.append(f"| {rule.a} | {rule.b} | {severity} | {rule.reason} | {rule.source} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown(load_catalog().catalog))
