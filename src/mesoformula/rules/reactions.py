"""
``patient.prior-reaction`` (SPEC §9.4): a patient who had an allergic reaction after a
batch is not given, unwarned, a preparation that contains an ingredient of that batch:
an active of it, or an excipient the catalog links to an allergen group (a paraben, a
sulfite, benzyl alcohol). Vehicles without an allergen link (saline, water) do not
count. A warning; an error when the reaction was severe or life-threatening.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula import _time
from mesoformula.catalog import Catalog
from mesoformula.events import PriorReaction
from mesoformula.findings import Finding
from mesoformula.worksheet import Content


def suspects(ingredients: Sequence[str], catalog: Catalog) -> set[str]:
    """Of a batch's *ingredients*, those a reaction may be due to: its actives and its
    allergen-linked excipients (an ingredient the catalog does not know counts)."""
    found = set()
    for ingredient in ingredients:
        known = catalog.ingredients.get(ingredient)
        if known is None or known.class_ not in ("excipient", "diluent") or known.allergen_groups:
            found.add(ingredient)
    return found


def prior_reaction_findings(
    contents: Sequence[Content], reactions: Sequence[PriorReaction], catalog: Catalog
) -> list[Finding]:
    """One finding per prior allergic reaction that shares an ingredient with *contents*."""
    here = {c.ingredient for c in contents if c.present}
    findings = []
    for reaction in reactions:
        shared = sorted(here & suspects(reaction.ingredients, catalog))
        if not shared:
            continue
        event = reaction.event
        findings.append(
            Finding(
                code="patient.prior-reaction",
                severity="error" if event.serious else "warning",
                message=f"{event.patient} had an allergic reaction ({event.severity}, from "
                f"{_time.shown(event.onset)}, event {event.number}) after batch "
                f"{event.batch_id}, which contained {', '.join(shared)}; so does this "
                "preparation",
                ingredient=shared[0],
            )
        )
    return findings


__all__ = ["prior_reaction_findings", "suspects"]
