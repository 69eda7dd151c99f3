"""
References: every id a file names exists in the catalog. Pure functions: no I/O.

Formulations (products, ingredients, diluent, accepted risks), stock sheets (products)
and patients' allergy terms (groups, ingredients, synonyms) are checked here; the
safety checks on a composed preparation are in :mod:`mesoformula.rules`.
"""

from __future__ import annotations

from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation
from mesoformula.patient import Patient
from mesoformula.sheets import CountSheet, StockSheet


def reference_findings(formulation: Formulation, catalog: Catalog) -> list[Finding]:
    """Return a ``ref.*`` finding for every id the formulation names that is unknown."""
    findings: list[Finding] = []
    for n, component in enumerate(formulation.components):
        product = catalog.products.get(component.product)
        if product is None:
            findings.append(
                _unknown_product(component.product, f"components[{n}].product", catalog)
            )
            continue
        if not (product.strengths or product.excipients or product.contains):
            findings.append(
                Finding(
                    code="composition.undeclared",
                    severity="warning",
                    message=f"product '{product.id}' declares no composition: nothing it holds "
                    "is checked (allergies, incompatibilities, pregnancy, doses); catalogue "
                    "what its label lists (strengths, excipients or contains)",
                    location=f"components[{n}].product",
                )
            )
        if component.ingredient is not None:
            if component.ingredient not in catalog.ingredients:
                findings.append(
                    Finding(
                        code="ref.ingredient",
                        severity="error",
                        message=f"ingredient '{component.ingredient}' is not in the catalog",
                        location=f"components[{n}].ingredient",
                        ingredient=component.ingredient,
                    )
                )
            elif component.ingredient not in product.strengths:
                actives = ", ".join(sorted(product.strengths)) or "none"
                findings.append(
                    Finding(
                        code="ref.ingredient",
                        severity="error",
                        message=f"product '{product.id}' does not contain "
                        f"'{component.ingredient}' (its actives: {actives})",
                        location=f"components[{n}].ingredient",
                        ingredient=component.ingredient,
                    )
                )
        elif component.volume is None and len(product.strengths) > 1:
            actives = ", ".join(sorted(product.strengths))
            findings.append(
                Finding(
                    code="ref.ambiguous",
                    severity="error",
                    message=f"product '{product.id}' has several actives ({actives}): "
                    "say which one the amount or concentration is of with 'ingredient'",
                    location=f"components[{n}]",
                )
            )
        elif component.volume is None and not product.strengths:
            findings.append(
                Finding(
                    code="ref.ambiguous",
                    severity="error",
                    message=f"product '{product.id}' has no active ingredient, so an amount "
                    "or concentration of it means nothing: give a volume",
                    location=f"components[{n}]",
                )
            )
    if formulation.diluent is not None and formulation.diluent not in catalog.products:
        findings.append(_unknown_product(formulation.diluent, "diluent", catalog))
    for n, risk in enumerate(formulation.accepted_risks):
        if risk.ingredient is not None and risk.ingredient not in catalog.ingredients:
            findings.append(
                Finding(
                    code="ref.ingredient",
                    severity="error",
                    message=f"accepted risk names ingredient '{risk.ingredient}', "
                    "which is not in the catalog",
                    location=f"accepted_risks[{n}].ingredient",
                )
            )
    return findings


def stock_reference_findings(sheet: StockSheet | CountSheet, catalog: Catalog) -> list[Finding]:
    """Return a ``ref.product`` finding for every lot (stock or count sheet) of an unknown
    product, and a ``file.schema`` error for every empty lot number."""
    products: list[str] = [lot.product for lot in sheet.lots]
    numbers: list[str] = [lot.lot for lot in sheet.lots]
    findings = [
        _unknown_product(product, f"lots[{n}].product", catalog)
        for n, product in enumerate(products)
        if product not in catalog.products
    ]
    findings += [
        Finding(
            code="file.schema",
            severity="error",
            message="a lot number is required: it is empty (a recall or an expiry could not "
            "be traced to it)",
            location=f"lots[{n}].lot",
        )
        for n, number in enumerate(numbers)
        if not number.strip()
    ]
    return findings


def patient_term_findings(patient: Patient, catalog: Catalog) -> list[Finding]:
    """
    Return an ``allergen.unknown`` warning, with the nearest known spelling, for every
    allergy term the catalog cannot match (:meth:`Catalog.allergy`): never silently
    ignored.
    """
    findings: list[Finding] = []
    for n, term in enumerate(patient.allergies):
        if any(catalog.allergy(term)):
            continue
        near = _near(term.strip(), list(catalog.allergy_spellings()), casefold=True)
        hint = f" (did you mean '{near}'?)" if near else ""
        findings.append(
            Finding(
                code="allergen.unknown",
                severity="warning",
                message=f"allergy '{term}' matches no allergen group, ingredient, synonym, "
                f"class or tag in the catalog{hint}, so it cannot be checked: use a catalog "
                "term or add it",
                location=f"allergies[{n}]",
            )
        )
    findings += _rule_term_findings(patient, catalog)
    return findings


def _rule_term_findings(patient: Patient, catalog: Catalog) -> list[Finding]:
    """
    ``patient.term`` for a medication or condition no contraindication rule of the
    catalog names: it is not checked. Info, or a warning with the nearest rule word when
    one is close (a typo of a word that matters).
    """
    from mesoformula.catalog import allergy_key  # noqa: PLC0415

    from .patient import names  # noqa: PLC0415

    findings = []
    for kind, words in (("medication", patient.medications), ("condition", patient.conditions)):
        rules = [
            r for r in catalog.contraindications if bool(r.medication) == (kind == "medication")
        ]
        known = {
            allergy_key(w): w
            for r in rules
            for w in (r.medication or r.condition or "", *r.synonyms)
        }
        for n, word in enumerate(words):
            if names(word, set(known)):
                continue
            near = _near(allergy_key(word), list(known), casefold=True)
            hint = f" (did you mean '{known[near]}'?)" if near else ""
            findings.append(
                Finding(
                    code="patient.term",
                    # a near miss is likely a typo of a word that matters: said louder
                    severity="warning" if near else "info",
                    message=f"{kind} '{word}' is named by no contraindication rule of the "
                    f"catalog{hint}: it is not checked against the preparation",
                    location=f"{kind}s[{n}]",
                )
            )
    return findings


def _unknown_product(product_id: str, location: str, catalog: Catalog) -> Finding:
    near = _near(product_id, list(catalog.products))
    hint = f" (did you mean '{near}'?)" if near else ""
    return Finding(
        code="ref.product",
        severity="error",
        message=f"product '{product_id}' is not in the catalog{hint}",
        location=location,
    )


def _near(word: str, options: list[str], *, casefold: bool = False) -> str | None:
    import difflib  # noqa: PLC0415 - only on the error path

    if casefold:
        folded = {o.casefold(): o for o in options}
        found = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.75)
        return folded[found[0]] if found else None
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return found[0] if found else None


__all__ = ["patient_term_findings", "reference_findings", "stock_reference_findings"]
