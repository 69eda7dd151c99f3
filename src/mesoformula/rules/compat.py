"""
Compatibility and status rules: incompatible ingredients brought together from different
products, products whose label forbids admixture, withdrawn ingredients.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.worksheet import Content, Worksheet


def compatibility_findings(
    contents: Sequence[Content], worksheet: Worksheet, catalog: Catalog
) -> list[Finding]:
    """
    Return ``compat.pair`` for incompatible ingredients brought together from different
    products, and ``compat.no-admixture`` for products whose label forbids mixing.
    """
    findings: list[Finding] = []
    carriers = {c.ingredient: set(c.products) for c in contents}
    component_of = {d.product: d.component for d in worksheet.draws if d.component is not None}
    rules = catalog.incompatibilities
    sides = {c.ingredient: catalog.rules_naming(c.ingredient) for c in contents}
    for i, first in enumerate(contents):
        for second in contents[i + 1 :]:
            x, y = first.ingredient, second.ingredient
            # Two ingredients of one product were formulated together by its maker.
            if carriers[x] == carriers[y] and len(carriers[x]) == 1:
                continue
            matched = (sides[x][0] & sides[y][1]) | (sides[y][0] & sides[x][1])
            for n in sorted(matched):
                rule = rules[n]
                inferred = (
                    " (inferred, unverified)"
                    if rule.inferred and "infer" not in rule.reason
                    else ""
                )
                # Point at the component that brings the second ingredient in.
                indexes = sorted(
                    component_of[p] for p in carriers[y] - carriers[x] if p in component_of
                )
                findings.append(
                    Finding(
                        code="compat.pair",
                        severity=rule.severity,
                        message=f"{x} and {y} should not be mixed: {rule.reason}{inferred}",
                        location=f"components[{indexes[0]}]" if indexes else "",
                        ingredient=x,
                        source=rule.source,
                    )
                )
    used = [d for d in worksheet.draws if d.volume.value > 0]
    if worksheet.diluent is not None and worksheet.diluent.volume.value > 0:
        used.append(worksheet.diluent)
    products = {d.product for d in used}
    for draw in used:
        product = catalog.products[draw.product]
        if product.no_admixture and len(products) > 1:
            others = ", ".join(sorted(products - {product.id}))
            location = f"components[{draw.component}]" if draw.component is not None else "diluent"
            findings.append(
                Finding(
                    code="compat.no-admixture",
                    severity="error",
                    message=f"the label of '{product.id}' forbids dilution or admixture, and "
                    f"it is mixed with {others}: give it on its own",
                    location=location,
                    ingredient=next(iter(product.strengths), None),
                    source=product.source,
                )
            )
    return findings


def status_findings(contents: Sequence[Content], catalog: Catalog) -> list[Finding]:
    """Return ``status.withdrawn`` for every withdrawn ingredient present."""
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is not None and ingredient.status == "withdrawn":
            findings.append(
                Finding(
                    code="status.withdrawn",
                    severity="error",
                    message=f"{ingredient.name} is withdrawn from the market: "
                    f"{ingredient.status_reason}. Remove it from the formulation",
                    ingredient=ingredient.id,
                    source="; ".join(ingredient.sources) or None,
                )
            )
    return findings


__all__ = ["compatibility_findings", "status_findings"]
