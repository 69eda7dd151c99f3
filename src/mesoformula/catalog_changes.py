"""
What a house catalog changes in the catalog it overrides (SPEC §9.2): nothing weakens
the checks without saying so.

:func:`weakenings` compares an entry with the one it replaces and says, in words, every
safety fact the replacement relaxes: a limit raised or removed (or its conditions
loosened), pregnancy or lactation safety relaxed, an allergen group, tag, synonym or
class dropped (allergies, rules and additive groups stop reaching it), ``withdrawn``
lifted, a ``min_interval`` or hazard removed or shortened; for a product an ingredient
or excipient no longer declared, a longer admixture stability or in-use period, an
admixture or storage warning dropped, a non-sterile component declared sterile; for an
additive group a member dropped or its severity lowered. Tightening says nothing.

:func:`collisions` finds house ingredients whose id, name or synonym is another
ingredient's name or synonym (a withdrawn drug must not come back under another name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .catalog_entries import (
    AdditiveLimit,
    AllergenGroup,
    DoseLimit,
    Ingredient,
    Product,
)
from .units import days

#: How strict a pregnancy (or lactation) value is: lower is more relaxed.
_SAFETY_RANK = {"contraindicated": 3, "caution": 2, None: 1, "ok": 0}


def weakenings(before: object, after: object) -> list[str]:
    """Every way *after* relaxes *before* (entries of one kind and id), for people."""
    if isinstance(before, Ingredient) and isinstance(after, Ingredient):
        return _ingredient(before, after)
    if isinstance(before, Product) and isinstance(after, Product):
        return _product(before, after)
    if isinstance(before, AllergenGroup) and isinstance(after, AllergenGroup):
        return _dropped("synonym", before.synonyms, after.synonyms)
    if isinstance(before, AdditiveLimit) and isinstance(after, AdditiveLimit):
        return _additive(before, after)
    return []


def _dropped(what: str, before: Iterable[str], after: Iterable[str]) -> list[str]:
    gone = sorted(set(before) - set(after))
    return [f"{what} '{item}' removed" for item in gone]


def _relaxed(what: str, before: str | None, after: str | None) -> list[str]:
    if _SAFETY_RANK.get(after, 1) < _SAFETY_RANK.get(before, 1):
        return [f"{what} relaxed from {before or 'not set'} to {after or 'not set'}"]
    return []


def _ingredient(before: Ingredient, after: Ingredient) -> list[str]:
    found = _limits(before.limits, after.limits)
    found += _relaxed("pregnancy", before.pregnancy, after.pregnancy)
    found += _relaxed("lactation", before.lactation, after.lactation)
    found += _dropped("allergen group", before.allergen_groups, after.allergen_groups)
    found += _dropped("tag", before.tags, after.tags)
    found += _dropped("synonym", before.synonyms, after.synonyms)
    if before.class_ != after.class_:
        found.append(
            f"class changed from '{before.class_}' to '{after.class_}' (rules and additive "
            f"groups naming '{before.class_}' no longer reach it)"
        )
    if before.status == "withdrawn" and after.status != "withdrawn":
        found.append("no longer withdrawn")
    if before.min_interval is not None and (
        after.min_interval is None or days(after.min_interval) < days(before.min_interval)
    ):
        now = "removed" if after.min_interval is None else f"shortened to {after.min_interval}"
        found.append(f"min_interval {before.min_interval} {now}")
    if before.hazard and not after.hazard:
        found.append("handling hazard removed")
    return found


def _limits(before: Sequence[DoseLimit], after: Sequence[DoseLimit]) -> list[str]:
    """Each limit of *before* that *after* no longer holds as strictly."""
    found = []
    for old in before:
        same_kind = [
            new
            for new in after
            if new.basis == old.basis
            and new.max.unit == old.max.unit
            and (new.severity == "error" or old.severity == "warning")
        ]
        # The limits that apply at least wherever the old one did (no new way to lift it).
        holding = [n for n in same_kind if _conditions_hold(old, n)]
        what = f"the {old.basis} limit {old.max}{_conditions(old)} ({old.severity})"
        if any(n.max.value <= old.max.value * (1 + 1e-9) for n in holding):
            continue
        if holding:
            best = min(holding, key=lambda n: n.max.value)
            found.append(f"{what} raised to {best.max}")
        elif same_kind:
            found.append(f"{what} removed or its conditions loosened (what remains applies "
                         "only where it did not)")  # fmt: skip
        else:
            found.append(f"{what} removed")
    return found


def _conditions(limit: DoseLimit) -> str:
    """A limit's conditions as words: ' unless epinephrine at 0.005 mg/mL or more'."""
    text = ""
    if limit.unless_present:
        text += " unless " + " or ".join(str(c) for c in limit.unless_present)
    if limit.when_present:
        text += " when " + " or ".join(str(c) for c in limit.when_present)
    return text


def _conditions_hold(old: DoseLimit, new: DoseLimit) -> bool:
    """Whether *new* applies at least wherever *old* does (no new way to lift it)."""
    thresholds = {c.ingredient: c.at_least for c in old.unless_present}
    for condition in new.unless_present:
        if condition.ingredient not in thresholds:
            return False
        was = thresholds[condition.ingredient]
        if was is not None and (
            condition.at_least is None
            or condition.at_least.unit != was.unit
            or condition.at_least.value < was.value
        ):
            return False
    if new.when_present and not old.when_present:
        return False
    return not (old.when_present and new.when_present) or {
        c.ingredient for c in new.when_present
    } >= {c.ingredient for c in old.when_present}


def _product(before: Product, after: Product) -> list[str]:
    found = _dropped("ingredient", before.strengths, after.strengths)
    found += _dropped("excipient", before.excipients, after.excipients)
    found += _dropped("declared ingredient", before.contains, after.contains)
    if before.admixture_stability is not None:
        new = after.admixture_stability
        if new is None or days(new.within) > days(before.admixture_stability.within):
            now = "removed" if new is None else f"lengthened to {new.within}"
            found.append(f"admixture stability {before.admixture_stability.within} {now}")
    if before.in_use_days is not None and (
        after.in_use_days is None or after.in_use_days > before.in_use_days
    ):
        now = "removed" if after.in_use_days is None else f"lengthened to {after.in_use_days} d"
        found.append(f"in-use period {before.in_use_days} d {now}")
    if before.no_admixture and not after.no_admixture:
        found.append("'do not mix with other drugs' removed")
    if not before.sterile and after.sterile:
        found.append("declared sterile (a longer beyond-use date)")
    if before.do_not_freeze and not after.do_not_freeze:
        found.append("'do not freeze' removed")
    if before.do_not_refrigerate and not after.do_not_refrigerate:
        found.append("'do not refrigerate' removed")
    if before.routes and set(after.routes) - set(before.routes):
        added = ", ".join(sorted(set(after.routes) - set(before.routes)))
        found.append(f"licensed routes widened ({added})")
    return found


def _additive(before: AdditiveLimit, after: AdditiveLimit) -> list[str]:
    found = _dropped("member", before.members, after.members)
    if before.severity == "error" and after.severity != "error":
        found.append("severity lowered from error to warning")
    if before.basis != after.basis:
        found.append(f"basis changed from {before.basis} to {after.basis}")
    return found


def collisions(
    ingredients: Mapping[str, Ingredient], house: Iterable[str]
) -> list[tuple[str, str, str, bool]]:
    """
    (house id, the other id, the shared word, the other is withdrawn) for every house
    ingredient whose id, name or synonym is another ingredient's name or synonym.
    """
    words: dict[str, set[str]] = {}
    for ingredient in ingredients.values():
        for word in (ingredient.name, *ingredient.synonyms):
            words.setdefault(word.strip().casefold(), set()).add(ingredient.id)
    found: dict[tuple[str, str], list[str]] = {}
    for house_id in sorted(set(house)):
        own = ingredients.get(house_id)
        if own is None:
            continue
        for word in (own.id, own.name, *own.synonyms):
            for other in sorted(words.get(word.strip().casefold(), set()) - {house_id}):
                shared = found.setdefault((house_id, other), [])
                if word.casefold() not in {w.casefold() for w in shared}:
                    shared.append(word)
    return [
        (house_id, other, "', '".join(shared), ingredients[other].status == "withdrawn")
        for (house_id, other), shared in found.items()
    ]


def describe(changes: Sequence[str]) -> str:
    """The changes as one clause."""
    return "; ".join(changes)


__all__ = ["collisions", "describe", "weakenings"]
