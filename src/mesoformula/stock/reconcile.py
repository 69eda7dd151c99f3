"""
Reconciling a preparation with stock: what it needs, what the plan says, in findings
and in the JSON of SPEC §4.1 (``stock plan`` and the plan part of ``stock consume``).
"""

from __future__ import annotations

import json

from mesoformula.allocation import Need, Plan, to_ml, to_ul
from mesoformula.files import unstructure
from mesoformula.findings import Finding
from mesoformula.formulation import Formulation
from mesoformula.worksheet import Worksheet


def needs_of(worksheet: Worksheet) -> list[Need]:
    """The volumes a composed preparation takes from each product (dead volume included)."""
    draws = [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent is not None else [])]
    return [
        Need(product=d.product, volume_ul=to_ul(d.draw_volume.value))
        for d in draws
        if d.draw_volume.value > 0
    ]


def checksum(formulation: Formulation) -> str:
    """A checksum of a formulation's content: an edited formulation cannot pass as the
    recorded version."""
    text = json.dumps(unstructure(formulation), sort_keys=True, ensure_ascii=False)
    from hashlib import sha256  # noqa: PLC0415 - a plan needs no checksum

    return "sha256:" + sha256(text.encode()).hexdigest()


def plan_findings(plan: Plan) -> list[Finding]:
    """``stock.shortfall`` (error) per short product; ``stock.expired`` (warning) and
    ``stock.unusable`` (info) for lots passed over, so that they are dealt with."""
    findings = [
        Finding(
            code="stock.shortfall",
            severity="error",
            message=f"{s.product}: {to_ml(s.needed_ul):g} mL needed, {to_ml(s.available_ul):g} mL "
            "usable in stock: receive more or release a lot",
        )
        for s in plan.shortfalls
    ]
    for e in plan.excluded:
        if e.reason == "expired":
            findings.append(
                Finding(
                    code="stock.expired",
                    severity="warning",
                    message=f"{e.product} lot {e.lot} is past its expiry and was not used: "
                    "discard it",
                )
            )
        else:
            what = f"container {e.container_id} of " if e.container_id is not None else ""
            findings.append(
                Finding(
                    code="stock.unusable",
                    severity="info",
                    message=f"{what}{e.product} lot {e.lot} was not used: {e.reason}",
                )
            )
    return findings


__all__ = [
    "checksum",
    "needs_of",
    "plan_findings",
]
