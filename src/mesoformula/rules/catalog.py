"""
Catalog integrity: what one catalog file must satisfy within the merged catalog it belongs
to (unique ids, references that resolve, sources, kinds of limit values, conditions,
additive groups, justified accepted risks).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from mesoformula.areas import is_area_word
from mesoformula.catalog import (
    BASIS_UNITS,
    AdditiveLimit,
    Catalog,
    CatalogFile,
    Contraindication,
    DoseLimit,
    Ingredient,
    Policy,
    Product,
    sections,
)
from mesoformula.findings import Finding
from mesoformula.units import ACTIVITY

from .labels import ROUTES


def file_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """
    Check one catalog file against the merged *catalog* it belongs to.

    Reports ids defined twice in the file (``catalog.duplicate``), references that do
    not resolve (``ref.*``), limits, groups and rules without a source
    (``catalog.source``) and limit values of the wrong kind for their basis
    (``unit.dimension``). Locations point into the file.
    """
    return [
        *_duplicate_findings(file),
        *_ingredients_findings(file, catalog),
        *_products_findings(file, catalog),
        *_allergen_groups_findings(file),
        *_cross_reactivity_findings(file, catalog),
        *_incompatibilities_findings(file, catalog),
        *_policy_limits_findings(file, catalog),
        *_own_condition_warnings(file),
        *_additive_limits_findings(file, catalog),
        *_accepted_risks_findings(file),
        *(_policy_findings(file.policy, catalog) if file.policy is not None else []),
        *_contraindications_findings(file, catalog),
    ]


def _duplicate_findings(file: CatalogFile) -> list[Finding]:
    """``catalog.duplicate`` for every id defined a second time in one section of the file."""
    findings: list[Finding] = []
    for key, what, entries in sections(file):
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if entry.id in seen:
                findings.append(
                    _error(
                        "catalog.duplicate",
                        f"{what} '{entry.id}' is defined twice in this file; keep one",
                        f"{key}[{index}].id",
                    )
                )
            seen.add(entry.id)
    return findings


def _ingredients_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """The findings of each ingredient of the file, in file order."""
    findings: list[Finding] = []
    for n, ingredient in enumerate(file.ingredients):
        findings.extend(_ingredient_findings(catalog, f"ingredients[{n}]", ingredient))
    return findings


def _ingredient_findings(catalog: Catalog, at: str, ingredient: Ingredient) -> list[Finding]:
    """
    One ingredient: allergen groups that resolve, sound limits, a source for its minimum
    interval and hazard, a reason when withdrawn, activity units as ``activity_mass`` keys.
    """
    findings: list[Finding] = []
    for k, group in enumerate(ingredient.allergen_groups):
        if group not in catalog.allergen_groups:
            findings.append(
                _error(
                    "ref.allergen",
                    f"allergen group '{group}' is not in the catalog",
                    f"{at}.allergen_groups[{k}]",
                )
            )
    for k, limit in enumerate(ingredient.limits):
        findings.extend(_limit_findings(catalog, f"{at}.limits[{k}]", limit))
    for field in ("min_interval", "hazard"):
        if getattr(ingredient, field) is not None and not any(
            s.strip() for s in ingredient.sources
        ):
            findings.append(_nosource(f"{at}.{field}"))
    if ingredient.status == "withdrawn" and not ingredient.status_reason:
        findings.append(
            _error("file.schema", "a withdrawn ingredient needs a status_reason", f"{at}.status")
        )
    for unit in ingredient.activity_mass:
        if unit not in ACTIVITY:
            findings.append(
                _error(
                    "unit.unknown",
                    f"activity_mass is keyed by an activity unit "
                    f"({', '.join(sorted(ACTIVITY))}), not '{unit}'",
                    f"{at}.activity_mass",
                )
            )
    return findings


def _products_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """The findings of each product of the file, in file order."""
    findings: list[Finding] = []
    for n, product in enumerate(file.products):
        at = f"products[{n}]"
        findings.extend(_product_reference_findings(catalog, at, product))
        findings.extend(_product_findings(at, product))
    return findings


def _product_reference_findings(catalog: Catalog, at: str, product: Product) -> list[Finding]:
    """``ref.ingredient`` for strengths, excipients and contents that are not in the catalog."""
    findings: list[Finding] = []
    for table in ("strengths", "excipients"):
        for ingredient_id in getattr(product, table):
            if ingredient_id not in catalog.ingredients:
                findings.append(
                    _error(
                        "ref.ingredient",
                        f"ingredient '{ingredient_id}' is not in the catalog",
                        f"{at}.{table}.{ingredient_id}",
                    )
                )
    for k, ingredient_id in enumerate(product.contains):
        if ingredient_id not in catalog.ingredients:
            findings.append(
                _error(
                    "ref.ingredient",
                    f"ingredient '{ingredient_id}' is not in the catalog",
                    f"{at}.contains[{k}]",
                )
            )
    return findings


def _product_findings(at: str, product: Product) -> list[Finding]:
    """
    One product on its own: known routes, a declared composition and, for a multi-dose
    product, its in-use days.
    """
    findings: list[Finding] = []
    for k, route in enumerate(product.routes):
        if route not in ROUTES:
            findings.append(
                _error(
                    "file.schema",
                    f"'{route}' is not a route ({', '.join(sorted(ROUTES))})",
                    f"{at}.routes[{k}]",
                )
            )
    if not (product.strengths or product.excipients or product.contains):
        findings.append(
            Finding(
                code="composition.undeclared",
                severity="warning",
                message=f"product '{product.id}' declares no composition (strengths, "
                "excipients or contains): allergies, incompatibilities and pregnancy "
                "cannot be checked against what it holds; list what its label names",
                location=at,
            )
        )
    if product.use == "multi-dose" and product.in_use_days is None:
        findings.append(
            Finding(
                code="file.schema",
                severity="warning",
                message="a multi-dose product should give in_use_days (after first "
                "puncture); without it opened containers are usable until lot expiry",
                location=f"{at}.in_use_days",
            )
        )
    return findings


def _allergen_groups_findings(file: CatalogFile) -> list[Finding]:
    """``catalog.source`` for allergen groups that do not say where they come from."""
    return [
        _nosource(f"allergen_groups[{n}].source")
        for n, allergen_group in enumerate(file.allergen_groups)
        if not allergen_group.source.strip()
    ]


def _cross_reactivity_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """Cross-reactivities: allergen groups that resolve, and a source."""
    findings: list[Finding] = []
    for n, cross in enumerate(file.cross_reactivity):
        for k, group_id in enumerate(cross.groups):
            if group_id not in catalog.allergen_groups:
                findings.append(
                    _error(
                        "ref.allergen",
                        f"allergen group '{group_id}' is not in the catalog",
                        f"cross_reactivity[{n}].groups[{k}]",
                    )
                )
        if not cross.source.strip():
            findings.append(_nosource(f"cross_reactivity[{n}].source"))
    return findings


def _incompatibilities_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """
    Incompatibilities: both sides name an ingredient, allergen group, class or tag of the
    catalog, and the rule has a source.
    """
    classes = {i.class_ for i in catalog.ingredients.values()}
    tags = {t for i in catalog.ingredients.values() for t in i.tags}
    terms = set(catalog.ingredients) | set(catalog.allergen_groups) | classes | tags
    findings: list[Finding] = []
    for n, rule in enumerate(file.incompatibilities):
        for side in ("a", "b"):
            term = getattr(rule, side)
            if term not in terms:
                findings.append(
                    _error(
                        "ref.ingredient",
                        f"'{term}' is no ingredient, allergen group, class or tag in the catalog",
                        f"incompatibilities[{n}].{side}",
                    )
                )
        if not rule.source.strip():
            findings.append(_nosource(f"incompatibilities[{n}].source"))
    return findings


def _policy_limits_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """The file's ``[[limits]]`` policies: an ingredient that resolves, and a sound limit."""
    findings: list[Finding] = []
    for n, policy in enumerate(file.limits):
        if policy.ingredient not in catalog.ingredients:
            findings.append(
                _error(
                    "ref.ingredient",
                    f"ingredient '{policy.ingredient}' is not in the catalog",
                    f"limits[{n}].ingredient",
                )
            )
        findings.extend(_limit_findings(catalog, f"limits[{n}]", policy.as_limit()))
    return findings


def _own_condition_warnings(file: CatalogFile) -> list[Finding]:
    """:func:`_condition_warnings` for the limits each ingredient of the file carries."""
    findings: list[Finding] = []
    for n, own in enumerate(file.ingredients):
        findings.extend(_condition_warnings(f"ingredients[{n}].limits", own.limits))
    return findings


def _additive_limits_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """:func:`_additive_findings` for each additive limit of the file."""
    findings: list[Finding] = []
    for n, additive in enumerate(file.additive_limits):
        findings.extend(_additive_findings(catalog, f"additive_limits[{n}]", additive))
    return findings


def _accepted_risks_findings(file: CatalogFile) -> list[Finding]:
    """``file.schema`` for each accepted risk a clinic catalog may not accept as written."""
    findings: list[Finding] = []
    for n, risk in enumerate(file.accepted_risks):
        problem = risk.problem(clinic=True)
        if problem is not None:
            findings.append(_error("file.schema", problem[1], f"accepted_risks[{n}].{problem[0]}"))
    return findings


def _contraindications_findings(file: CatalogFile, catalog: Catalog) -> list[Finding]:
    """:func:`_contraindication_findings` for each contraindication of the file."""
    findings: list[Finding] = []
    for n, contra in enumerate(file.contraindications):
        findings.extend(_contraindication_findings(catalog, f"contraindications[{n}]", contra))
    return findings


def _contraindication_findings(catalog: Catalog, at: str, rule: Contraindication) -> list[Finding]:
    """One of medication or condition; an ingredient term that names something; a source."""
    findings = []
    if bool(rule.medication) == bool(rule.condition):
        findings.append(_error("file.schema", "give exactly one of medication or condition", at))
    kind, _, name = rule.ingredient.partition(":")
    known = (
        rule.ingredient == "any"
        or (kind == "class" and name in {i.class_ for i in catalog.ingredients.values()})
        or (kind == "tag" and name in {t for i in catalog.ingredients.values() for t in i.tags})
        or (not name and rule.ingredient in catalog.ingredients)
    )
    if not known:
        findings.append(
            _error(
                "ref.ingredient",
                f"'{rule.ingredient}' is no ingredient id, 'class:NAME', 'tag:NAME' or 'any'",
                f"{at}.ingredient",
            )
        )
    if not rule.source.strip():
        findings.append(_nosource(f"{at}.source"))
    return findings


def _policy_findings(policy: Policy, catalog: Catalog) -> list[Finding]:
    """A sitting window needs its source; a clinic's areas are single words; an enabled
    protocol is one some limit of the catalog carries."""
    findings = _protocol_findings(policy, catalog)
    if policy.sitting_window is not None and not policy.source.strip():
        findings.append(
            _error(
                "catalog.source",
                f"the sitting window ({policy.sitting_window}) needs a source: the protocol "
                "or guideline that sets it",
                "policy.source",
            )
        )
    for k, area in enumerate(policy.areas):
        if not is_area_word(area):
            findings.append(
                _error(
                    "file.schema",
                    f"an area is one lower-case word or hyphenated words (got '{area}')",
                    f"policy.areas[{k}]",
                )
            )
    return findings


def _protocol_findings(policy: Policy, catalog: Catalog) -> list[Finding]:
    """``ref.protocol`` for an enabled protocol that no limit carries (a typo enables
    nothing, silently otherwise)."""
    limits = [
        *(policy.as_limit() for policy in catalog.policy_limits),
        *(lim for i in catalog.ingredients.values() for lim in i.limits),
    ]
    known = sorted({lim.protocol for lim in limits if lim.protocol is not None})
    findings: list[Finding] = []
    for k, protocol in enumerate(policy.protocols):
        if protocol not in known:
            near = difflib.get_close_matches(protocol, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f" (known: {', '.join(known)})"
            findings.append(
                _error(
                    "ref.protocol",
                    f"no limit of the catalog belongs to protocol '{protocol}', so enabling it "
                    f"enables nothing{hint}",
                    f"policy.protocols[{k}]",
                )
            )
    return findings


def _blank_justification(location: str) -> Finding:
    return _error(
        "file.schema",
        "an accepted risk needs a written justification (it is empty): it accepts nothing "
        "until one is given",
        location,
    )


def _condition_warnings(at: str, limits: Sequence[DoseLimit]) -> list[Finding]:
    """
    ``catalog.condition`` where a bare-id condition unlocks a higher limit: any trace of
    the ingredient would lift the stricter limit (SPEC §8.1).
    """
    findings: list[Finding] = []
    for k, limit in enumerate(limits):
        for key in ("unless_present", "when_present"):
            for j, condition in enumerate(getattr(limit, key)):
                if condition.at_least is not None:
                    continue
                if key == "when_present" and not any(
                    other.basis == limit.basis
                    and other.max.unit == limit.max.unit
                    and other.max.value < limit.max.value
                    for other in limits
                ):
                    continue  # not a higher limit: it only adds a check
                findings.append(
                    Finding(
                        code="catalog.condition",
                        severity="warning",
                        message=f"'{condition.ingredient}' as a bare id "
                        + (
                            "lifts this limit"
                            if key == "unless_present"
                            else "unlocks this higher limit"
                        )
                        + " at any amount, even a trace: give the threshold as "
                        f'{{ ingredient = "{condition.ingredient}", at_least = "..." }}',
                        location=f"{at}[{k}].{key}[{j}]",
                    )
                )
    return findings


def _additive_findings(catalog: Catalog, at: str, additive: AdditiveLimit) -> list[Finding]:
    findings: list[Finding] = []
    if not additive.source.strip():
        findings.append(_nosource(f"{at}.source"))
    classes = {i.class_ for i in catalog.ingredients.values()}
    tags = {t for i in catalog.ingredients.values() for t in i.tags}
    for k, member in enumerate(additive.members):
        kind, _, name = member.partition(":")
        known = (
            (kind == "class" and name in classes)
            or (kind == "tag" and name in tags)
            or (not name and member in catalog.ingredients)
        )
        if not known:
            findings.append(
                _error(
                    "ref.ingredient",
                    f"'{member}' is no ingredient id, 'class:NAME' or 'tag:NAME' of the catalog",
                    f"{at}.members[{k}]",
                )
            )
    return findings


def _limit_findings(catalog: Catalog, at: str, limit: DoseLimit) -> list[Finding]:
    findings: list[Finding] = []
    if not limit.source.strip():
        findings.append(_nosource(f"{at}.source"))
    accepted = BASIS_UNITS[limit.basis]
    if limit.max.unit not in accepted:
        findings.append(
            _error(
                "unit.dimension",
                f"a '{limit.basis}' limit must be in {' or '.join(sorted(accepted))} "
                f"(got '{limit.max}')",
                f"{at}.max",
            )
        )
    for key in ("unless_present", "when_present"):
        for k, other in enumerate(getattr(limit, key)):
            if other.ingredient not in catalog.ingredients:
                findings.append(
                    _error(
                        "ref.ingredient",
                        f"ingredient '{other.ingredient}' is not in the catalog",
                        f"{at}.{key}[{k}]",
                    )
                )
    return findings


def _error(code: str, message: str, location: str) -> Finding:
    return Finding(code=code, severity="error", message=message, location=location)


def _nosource(location: str) -> Finding:
    return _error(
        "catalog.source",
        "no source: every limit, allergen group and rule must say where it comes from",
        location,
    )


__all__ = ["file_findings"]
