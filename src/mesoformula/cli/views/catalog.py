"""
Browsing the catalog as text: ``catalog list`` and ``catalog show`` for people. The
records come from :mod:`mesoformula.catalog_browse`; ``--format json`` writes the same
records with the wire converter.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula._text import text_table
from mesoformula.catalog_browse import (
    AllergenGroupShown,
    CrossReactivityRow,
    IncompatibilityRow,
    IngredientShown,
    LimitForm,
    Listing,
    ProductShown,
    Shown,
)
from mesoformula.catalog_entries import Condition
from mesoformula.files.wire import to_wire
from mesoformula.units import fmt


def listing_text(listing: Listing) -> str:
    """Return a listing as aligned text tables."""
    lines: list[str] = []
    if listing.ingredients is not None:
        lines += _table(
            f"Ingredients ({len(listing.ingredients)})",
            ("id", "class", "status", "limits", "name"),
            [(r.id, r.class_, r.status, str(r.limits), r.name) for r in listing.ingredients],
        )
    if listing.products is not None:
        lines += _table(
            f"Products ({len(listing.products)})",
            ("id", "container", "volume", "strengths"),
            [
                (
                    r.id,
                    f"{r.container}, {r.use}",
                    r.volume,
                    ", ".join(f"{k} {v}" for k, v in r.strengths.items()) or "-",
                )
                for r in listing.products
            ],
        )
    if listing.allergen_groups is not None:
        lines += _table(
            f"Allergen groups ({len(listing.allergen_groups)})",
            ("id", "name"),
            [(r.id, r.name) for r in listing.allergen_groups],
        )
    if listing.cross_reactivity is not None:
        lines += _table(
            f"Cross-reactivity ({len(listing.cross_reactivity)})",
            ("groups", "severity", "note"),
            [(" <-> ".join(r.groups), r.severity, r.note) for r in listing.cross_reactivity],
        )
    if listing.incompatibilities is not None:
        lines += _table(
            f"Incompatibilities ({len(listing.incompatibilities)})",
            ("pair", "severity", "reason"),
            [
                (f"{r.a} x {r.b}", r.severity + (" (inferred)" if r.inferred else ""), r.reason)
                for r in listing.incompatibilities
            ],
        )
    return "\n".join(lines) + "\n"


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    return [title, *text_table(header, rows, pad_last=False), ""]


def show_text(shown: Shown) -> str:
    """Return a :func:`mesoformula.catalog_browse.show` record as text for people."""
    row = shown.row if isinstance(shown, ProductShown) else shown
    lines = [f"{row.name} ({shown.kind} {row.id})"]
    lines += _field_lines(shown)
    if isinstance(shown, IngredientShown):
        lines.append("  limits:" if shown.limits else "  limits: none sourced (see notes)")
        for limit in shown.limits:
            lines += _limit_lines(limit)
        for rule in shown.incompatibilities:
            lines += _rule_lines("incompatibilities", rule)
        lines += [f"  source: {source}" for source in shown.sources]
    if isinstance(shown, AllergenGroupShown):
        for cross in shown.cross_reactivity:
            lines += _rule_lines("cross_reactivity", cross)
    return "\n".join(lines) + "\n"


def _field_lines(shown: Shown) -> list[str]:
    """
    The plain fields of a shown entry, one line each under their JSON names, in the
    JSON's order: scalars (a flag as yes or no), then lists of names, then maps
    (``KEY VALUE, ...``); empty ones are left out.
    """
    data = to_wire(shown)
    lines: list[str] = []
    for key, value in data.items():
        if key in {"kind", "id", "name"} or not isinstance(value, str | int | float):
            continue
        if value != "":
            shown_value = ("yes" if value else "no") if isinstance(value, bool) else value
            lines.append(f"  {key}: {shown_value}")
    for key in ("synonyms", "allergen_groups", "members", "products"):
        if data.get(key):
            lines.append(f"  {key}: {', '.join(data[key])}")
    for key in ("identifiers", "strengths", "excipients"):
        if data.get(key):
            lines.append(f"  {key}: " + ", ".join(f"{k} {v}" for k, v in data[key].items()))
    return lines


def _condition_text(condition: Condition) -> str:
    if condition.at_least is None:
        return condition.ingredient
    at_least = condition.at_least
    return f"{condition.ingredient} at {fmt(at_least.value)} {at_least.unit} or more"


def _limit_lines(limit: LimitForm) -> list[str]:
    """One limit: its value and condition, note, areas and source."""
    cond = ""
    if limit.unless_present:
        cond = f" unless {', '.join(map(_condition_text, limit.unless_present))} present"
    if limit.when_present:
        cond = f" when {', '.join(map(_condition_text, limit.when_present))} present"
    value = f"{fmt(limit.max.value)} {limit.max.unit}"
    lines = [f"    - {limit.basis}: max {value} ({limit.severity}){cond}"]
    if limit.note:
        lines.append(f"      note: {limit.note}")
    if limit.areas:
        lines.append(f"      areas: {', '.join(limit.areas)} (the source's)")
    lines.append(f"      source: {limit.source}")
    return lines


def _rule_lines(key: str, rule: IncompatibilityRow | CrossReactivityRow) -> list[str]:
    """An incompatibility or cross-reactivity (*key*) of a shown entry, and its source."""
    if isinstance(rule, CrossReactivityRow):
        pair, why = " <-> ".join(rule.groups), rule.note
    else:
        pair, why = f"{rule.a} x {rule.b}", rule.reason
    return [
        f"  {key}: {pair} ({rule.severity}): {why}",
        f"      source: {rule.source}",
    ]


__all__ = [
    "listing_text",
    "show_text",
]
