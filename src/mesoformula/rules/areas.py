"""
Treatment areas in the checks (SPEC §9.1): a formulation's ``administration.areas`` and
an administration's area must be words of the vocabulary (:mod:`mesoformula.areas`,
``ref.area``); a limit sourced for other areas still applies, and ``limit.area`` (info)
says whose figure it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from mesoformula.areas import covered, resolve, suggestion
from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.worksheet import Content

from .doses import applies


def area_reference_findings(areas: Sequence[str], catalog: Catalog) -> list[Finding]:
    """``ref.area`` (error) for every area of a formulation that is not in the vocabulary."""
    return [
        Finding(
            code="ref.area",
            severity="error",
            message=f"'{area}' is not a treatment area ({suggestion(area, catalog.policy.areas)}"
            "; a clinic adds its own in a catalog's [policy] areas)",
            location=f"administration.areas[{n}]",
        )
        for n, area in enumerate(areas)
        if resolve(area, catalog.policy.areas) is None
    ]


def limit_area_findings(
    contents: Sequence[Content], catalog: Catalog, areas: Sequence[str]
) -> list[Finding]:
    """
    ``limit.area`` (info) for every applicable limit whose source covers other areas
    than the ones given: the figure still applies, from another area's label.
    """
    if not areas:
        return []
    by_id = {c.ingredient: c for c in contents}
    findings = []
    for content in contents:
        for limit in catalog.limits_of(content.ingredient):
            if not limit.areas or not applies(limit, by_id, catalog):
                continue
            outside = [a for a in areas if not covered(a, limit.areas)]
            if not outside:
                continue
            findings.append(
                Finding(
                    code="limit.area",
                    severity="info",
                    message=f"{content.ingredient}: the {limit.basis} limit {limit.max} comes "
                    f"from a source for {', '.join(limit.areas)}, not {', '.join(outside)}: "
                    "it is applied as the figure known; a limit for this area may differ",
                    ingredient=content.ingredient,
                    limit=limit.max,
                    source=limit.source,
                )
            )
    return findings


__all__ = ["area_reference_findings", "limit_area_findings"]
