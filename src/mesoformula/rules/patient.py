"""
Patient rules: allergies (direct, through groups, classes and tags, and through
cross-reactivity, excipients included) and pregnancy (contraindicated, caution, unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula.catalog import Catalog, Contraindication, Ingredient, allergy_key
from mesoformula.findings import Finding
from mesoformula.patient import Patient
from mesoformula.worksheet import Content

from .doses import is_active


def allergy_terms(patient: Patient, catalog: Catalog) -> tuple[set[str], set[str], set[str]]:
    """
    Resolve a patient's allergy terms (:meth:`Catalog.allergy`: ids, names, synonyms,
    groups, classes and tags, as people spell them): the ingredient ids named, the
    allergen groups named, and the groups of the ingredients named.
    """
    named_ingredients: set[str] = set()
    named_groups: set[str] = set()
    for term in patient.allergies:
        ingredients, groups = catalog.allergy(term)
        named_ingredients |= ingredients
        named_groups |= groups
    groups_of_named = {g for i in named_ingredients for g in catalog.ingredients[i].allergen_groups}
    return named_ingredients, named_groups, groups_of_named


def allergen_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    Return ``allergen.direct`` and ``allergen.cross`` findings for the patient, actives
    and excipients alike.
    """
    named, groups, groups_of_named = allergy_terms(patient, catalog)
    allergic_groups = groups | groups_of_named
    findings: list[Finding] = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None:
            continue
        role = "an excipient" if content.role == "excipient" else "an active"
        carried = ", ".join(content.products)
        shared = set(ingredient.allergen_groups) & allergic_groups
        if ingredient.id in named or shared:
            why = (
                "the patient is allergic to it"
                if ingredient.id in named
                else f"it belongs to allergen group {', '.join(sorted(shared))}, to which the "
                "patient is allergic"
            )
            findings.append(
                Finding(
                    code="allergen.direct",
                    severity="error",
                    message=f"{ingredient.name} ({role}, from {carried}): {why}. Choose a "
                    "product without it",
                    ingredient=ingredient.id,
                    source="; ".join(
                        catalog.allergen_groups[g].source
                        for g in sorted(shared)
                        if g in catalog.allergen_groups
                    )
                    or None,
                )
            )
            continue
        for rule in catalog.cross_reactivity:
            first, second = rule.groups
            for mine, theirs in ((first, second), (second, first)):
                if mine in allergic_groups and theirs in ingredient.allergen_groups:
                    findings.append(
                        Finding(
                            code="allergen.cross",
                            severity=rule.severity,
                            message=f"{ingredient.name} ({role}, from {carried}) is in group "
                            f"{theirs}, which may cross-react with the patient's allergy to "
                            f"{mine}: {rule.note}",
                            ingredient=ingredient.id,
                            source=rule.source,
                        )
                    )
                    break
            else:
                continue
            break
    return findings


def pregnancy_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    Return pregnancy findings for a pregnant patient: ``contra.pregnancy`` (error when
    contraindicated, warning for caution) and ``contra.unknown`` (warning) for every
    active ingredient whose pregnancy safety the catalog does not give: unknown is not
    safe.
    """
    if patient.pregnant is None:
        return _unrecorded(contents, catalog, "pregnant", "pregnancy")
    if not patient.pregnant:
        return []
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or not is_active(content, catalog):
            continue
        if ingredient.pregnancy is None:
            findings.append(
                Finding(
                    code="contra.unknown",
                    severity="warning",
                    message=f"the catalog does not say whether {ingredient.name} is safe in "
                    "pregnancy and the patient is pregnant: unknown is not safe; check the "
                    "literature before giving it",
                    ingredient=ingredient.id,
                )
            )
            continue
        if ingredient.pregnancy in {"contraindicated", "caution"}:
            findings.append(
                _contra(
                    "contra.pregnancy",
                    ingredient,
                    ingredient.pregnancy,
                    "in pregnancy and the patient is pregnant",
                )
            )
    return findings


def _contra(code: str, ingredient: Ingredient, safety: str | None, when: str) -> Finding:
    """A contraindicated (error) or caution (warning) finding of pregnancy or lactation."""
    contraindicated = safety == "contraindicated"
    return Finding(
        code=code,
        severity="error" if contraindicated else "warning",
        message=f"{ingredient.name} is "
        + ("contraindicated" if contraindicated else "to be used with caution")
        + f" {when}"
        + (": remove it" if contraindicated else ": weigh the need"),
        ingredient=ingredient.id,
        source="; ".join(ingredient.sources) or None,
    )


def _unrecorded(
    contents: Sequence[Content], catalog: Catalog, field: str, what: str
) -> list[Finding]:
    """``patient.unknown`` for every active that is caution or contraindicated in *what*."""
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or not is_active(content, catalog):
            continue
        safety = ingredient.pregnancy if what == "pregnancy" else ingredient.lactation
        if safety not in {"contraindicated", "caution"}:
            continue
        findings.append(
            Finding(
                code="patient.unknown",
                severity="warning",
                message=f"{ingredient.name} is "
                + ("contraindicated" if safety == "contraindicated" else "to be used with caution")
                + f" in {what}, and the patient file does not say whether the patient is "
                f"{field}: unknown is not 'no'; record {field} = true or false",
                ingredient=ingredient.id,
                location=field,
                source="; ".join(ingredient.sources) or None,
            )
        )
    return findings


def lactation_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    ``contra.lactation`` (error when contraindicated, warning for caution) for a patient
    who breastfeeds; ``patient.unknown`` when the file does not say and it matters.
    """
    if patient.breastfeeding is None:
        return _unrecorded(contents, catalog, "breastfeeding", "lactation")
    if not patient.breastfeeding:
        return []
    findings = []
    for content in contents:
        ingredient = catalog.ingredients.get(content.ingredient)
        if ingredient is None or ingredient.lactation not in {"contraindicated", "caution"}:
            continue
        findings.append(
            _contra(
                "contra.lactation",
                ingredient,
                ingredient.lactation,
                "during breastfeeding and the patient breastfeeds",
            )
        )
    return findings


def rule_terms(rule: Contraindication) -> set[str]:
    """The normalised words that name a contraindication rule's medication or condition."""
    return {allergy_key(w) for w in (rule.medication or rule.condition or "", *rule.synonyms)}


def names(term: str, words: set[str]) -> bool:
    """
    Whether a patient's *term* names one of a rule's normalised *words*: the whole term,
    or the word as whole words inside it ("warfarin sodium", "aspirin 75 mg",
    "haemophilia A" name warfarin, aspirin, haemophilia).
    """
    key = allergy_key(term)
    if key in words:
        return True
    tokens = key.split()
    for word in words:
        parts = word.split()
        if any(tokens[i : i + len(parts)] == parts for i in range(len(tokens))):
            return True
    return False


def contraindication_findings(
    contents: Sequence[Content], catalog: Catalog, patient: Patient
) -> list[Finding]:
    """
    ``contra.medication`` / ``contra.condition`` for every catalog contraindication rule
    whose medication or condition the patient file names (matched as allergies are) and
    whose ingredient is in the preparation (``any``: every injection).
    """
    findings = []
    for rule in catalog.contraindications:
        kind = "medication" if rule.medication else "condition"
        words = patient.medications if rule.medication else patient.conditions
        terms = rule_terms(rule)
        named = [w for w in words if names(w, terms)]
        if not named:
            continue
        what = rule.medication or rule.condition
        taken = (
            f"{', '.join(named)} ({what})"
            if allergy_key(named[0]) != allergy_key(what or "")
            else what
        )
        verb = "takes" if rule.medication else "has"
        hit = [
            c
            for c in contents
            if c.ingredient in catalog.ingredients
            and rule.applies_to(catalog.ingredients[c.ingredient])
        ]
        if rule.ingredient == "any" and contents:
            hit = hit[:1]
        for content in hit:
            name = catalog.ingredients[content.ingredient].name
            subject = "any injection" if rule.ingredient == "any" else name
            findings.append(
                Finding(
                    code=f"contra.{kind}",
                    severity=rule.severity,
                    message=f"the patient {verb} {taken}: "
                    + ("contraindicated" if rule.severity == "error" else "caution")
                    + f" for {subject}: {rule.reason}",
                    ingredient=None if rule.ingredient == "any" else content.ingredient,
                    location=f"{kind}s",
                    source=rule.source,
                )
            )
    return findings


__all__ = [
    "allergen_findings",
    "allergy_terms",
    "contraindication_findings",
    "lactation_findings",
    "pregnancy_findings",
    "rule_terms",
]
