"""Findings: what every check returns (SPEC §3). Nothing is printed ad hoc."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import attrs

from ._json import JSONObject
from .units import Quantity
from .units import to_json as quantity_json

Severity = Literal["error", "warning", "info"]

#: Every finding code mesoformula can produce, with when it is raised.
CODES: dict[str, str] = {
    "file.syntax": "the file cannot be parsed",
    "file.schema": "wrong or missing keys or types, unknown format",
    "file.io": "the file cannot be read",
    "file.skipped": "info: not a mesoformula file, skipped by validate --skip-foreign",
    "unit.unknown": "a unit that is not in the registry",
    "unit.dimension": "a quantity of the wrong kind",
    "unit.invalid": "NaN, infinity, negative, bare %, malformed number",
    "ref.product": "a product id not in the catalog",
    "ref.ingredient": "an ingredient id not in the catalog",
    "ref.ambiguous": "a product with several actives and no ingredient given",
    "ref.allergen": "an allergen group id not in the catalog",
    "ref.protocol": "a protocol enabled in [policy] protocols that no limit of the catalog has",
    "catalog.duplicate": "the same id twice in one catalog",
    "catalog.override": "a later catalog replaces an entry of an earlier one",
    "catalog.source": "a limit, rule or group without a source",
    "volume.overflow": "components need more volume than final_volume",
    "volume.short": "components leave the batch short of final_volume and no diluent is named",
    "volume.administration": "an administration that does not add up",
    "volume.rounding": "a draw rounded to the syringe resolution",
    "dose.session": "a per-session limit exceeded",
    "dose.per-kg": "a per-kg limit exceeded",
    "dose.point": "a per-point limit exceeded",
    "dose.course": "a per-course limit exceeded",
    "dose.concentration": "a concentration limit exceeded",
    "dose.preparation": "a per-preparation (per admixture) limit exceeded",
    "dose.unchecked": "a limit exists but cannot be evaluated",
    "dose.nolimit": "info: an active ingredient has no dose limit in the catalog, so its dose "
    "is not checked",
    "dose.additive": "the additive fraction of a group (local anaesthetics) exceeds 1",
    "value.range": "a value outside its plausible or storable range",
    "catalog.condition": "warning: a bare-id condition unlocks a higher limit at any amount",
    "allergen.direct": "an allergy matches an ingredient or excipient",
    "allergen.cross": "an allergy matches through a cross-reactivity rule",
    "allergen.unknown": "an allergy term the catalog does not know",
    "compat.pair": "two ingredients in the preparation are incompatible",
    "compat.no-admixture": "a product whose label forbids admixture is mixed",
    "status.withdrawn": "an ingredient withdrawn from the market",
    "contra.pregnancy": "contraindicated in pregnancy and the patient is pregnant",
    "contra.unknown": "warning: the patient is pregnant and the catalog does not give the "
    "ingredient's pregnancy safety",
    "stock.shortfall": "not enough usable stock",
    "stock.expired": "a lot is past its expiry",
    "stock.unusable": "a lot cannot be used (quarantine, recall, in-use period over)",
    "stock.unsound": "the balance cache or a lot disagrees with the journal: nothing is done",
    "bud.limited": "what governs the beyond-use date",
    "bud.unassigned": "the beyond-use date cannot be assigned",
    "bud.schedule": "one batch serves sessions beyond its beyond-use date",
    "interval.short": "sessions closer than an ingredient's minimum interval",
    "bud.expired": "a batch past its beyond-use date (or without one) when administered",
    "administer.patient": "a batch compounded for one patient given to another",
    "administer.volume": "more given than what remains of the batch",
    "administer.unreleased": "a batch not verified by a pharmacist, or void, is not given",
    "administer.recalled": "a batch made from a recalled lot is not given (SPEC §9.4)",
    "signal.cluster": "complications cluster on a batch or a lot (SPEC §9.4)",
    "patient.prior-reaction": "the patient reacted to a batch with an ingredient of this one",
    "scan.invalid": "a GS1 scan that cannot be read, lacks an AI, fails its check digit, "
    "repeats a serial or disagrees with the lot's expiry",
    "record.mismatch": "a formulation file is not the version recorded for a batch",
    "risk.accepted": "a finding accepted with a written justification",
    "catalog.weakened": "warning: a house catalog entry relaxes a shipped safety fact",
    "catalog.collision": "a house ingredient's id, name or synonym is another ingredient's "
    "name or synonym",
    "patient.unknown": "warning: the patient file does not say pregnant (or breastfeeding) "
    "and an active is caution or contraindicated then",
    "contra.condition": "a catalog contraindication rule matches a condition of the patient",
    "contra.medication": "a catalog contraindication rule matches a medication of the patient",
    "contra.lactation": "the patient breastfeeds and an ingredient is contraindicated or to be "
    "used with caution in lactation",
    "patient.term": "info: a medication or condition of the patient file that no "
    "contraindication rule names (not checked)",
    "dose.unknown-amount": "info: an active a product contains in an amount it does not "
    "publish, so its dose is not checked",
    "composition.undeclared": "warning: a product declares neither strengths, excipients nor "
    "contains",
    "route.offlabel": "info: a product whose licensed routes leave out the formulation's route",
    "storage.conflict": "the preparation's storage goes against a product's do_not_freeze or "
    "do_not_refrigerate",
    "course.complete": "warning: every session of the formulation's course is recorded for the "
    "patient already",
    "ref.area": "a treatment area that is not in the area vocabulary",
    "limit.area": "info: a limit sourced for other treatment areas is applied to this one",
    "scan.expired": "a scanned box's expiry is before the day it is received",
}


@attrs.frozen(kw_only=True)
class Finding:
    """
    One problem (or fact) found by a check.

    Attributes:
        code: Stable code from :data:`CODES`.
        severity: ``error``, ``warning`` or ``info``.
        message: One sentence naming the value, the limit and what to do.
        location: Path into the file (``components[1].volume``); empty for the whole.
        line: Line in the file, where the syntax allows.
        ingredient: The ingredient concerned, if any.
        value: The measured quantity, if any.
        limit: The limit it was compared with, if any.
        source: Where the rule or limit comes from.
        justification: Set when the finding was accepted as a risk.
    """

    code: str
    severity: Severity
    message: str
    location: str = ""
    line: int | None = None
    ingredient: str | None = None
    value: Quantity | None = None
    limit: Quantity | None = None
    source: str | None = None
    justification: str | None = None


def to_json(finding: Finding) -> JSONObject:
    """Return a finding in the JSON shape of SPEC §4.1 (absent fields left out)."""
    data: JSONObject = {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "location": finding.location,
    }
    for key in ("line", "ingredient"):
        value = getattr(finding, key)
        if value is not None:
            data[key] = value
    for key in ("value", "limit"):
        quantity = getattr(finding, key)
        if quantity is not None:
            data[key] = quantity_json(quantity)
    for key in ("source", "justification"):
        value = getattr(finding, key)
        if value is not None:
            data[key] = value
    return data


#: Codes whose words name the source of the limit or rule broken, for a reviewer to check.
SOURCED = ("dose.", "allergen.", "compat.", "interval.")


def describe(finding: Finding) -> str:
    """
    The finding in words for people, as every output format shows it after the code:
    ``location: message``, then the source of a limit or rule broken (``[source: …]``)
    and the justification of an accepted risk (``[accepted: …]``). Control characters
    are left as they are: each format escapes them its own way.
    """
    text = f"{finding.location}: {finding.message}" if finding.location else finding.message
    if finding.source and finding.severity != "info" and finding.code.startswith(SOURCED):
        text += f" [source: {finding.source}]"
    if finding.justification:
        text += f" [accepted: {finding.justification}]"
    return text


def count(findings: Iterable[Finding], severity: Severity) -> int:
    """Return how many of *findings* have *severity*."""
    return sum(1 for f in findings if f.severity == severity)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Return whether any finding is an error."""
    return any(f.severity == "error" for f in findings)


__all__ = [
    "CODES",
    "SOURCED",
    "Finding",
    "Severity",
    "count",
    "describe",
    "has_errors",
    "to_json",
]
