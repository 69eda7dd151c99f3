"""
What the commands print with ``--format json`` (docs/reference/json.md), as typed
records: plain data, written by the one wire converter (:data:`mesoformula.files.wire.wire`)
with each field's options (:func:`mesoformula._json.wire`: a key left out, an object
merged into its parent's).
"""

from __future__ import annotations

import datetime as dt

import attrs

from mesoformula._json import wire
from mesoformula.documents import TraceForm
from mesoformula.findings import Finding
from mesoformula.journal import Entry
from mesoformula.units import Quantity


@attrs.frozen(kw_only=True)
class Error:
    """Why a command refused: a code and a message (SPEC §9.5)."""

    code: str
    message: str


@attrs.frozen(kw_only=True)
class Refusal:
    """The one JSON document of a refusal (SPEC §9.5)."""

    ok: bool = False
    error: Error
    findings: tuple[Finding, ...] = ()


@attrs.frozen(kw_only=True)
class Findings:
    """Findings and nothing else (a store that disagrees with its journal)."""

    findings: tuple[Finding, ...]


@attrs.frozen(kw_only=True)
class FileFindings:
    """The findings of one file ``validate`` read."""

    path: str
    kind: str
    findings: tuple[Finding, ...]


@attrs.frozen(kw_only=True)
class Summary:
    """The counts of a ``validate`` run (SPEC §9.2); the counts of info findings only when any."""

    files: int
    errors: int
    warnings: int
    nolimit: int
    unknown_amount: int = attrs.field(default=0, metadata=wire(omit_if=0))
    offlabel: int = attrs.field(default=0, metadata=wire(omit_if=0))
    skipped: int


@attrs.frozen(kw_only=True)
class Reports:
    """What ``validate`` and ``check`` print: each file's findings and the summary."""

    files: tuple[FileFindings, ...]
    summary: Summary


@attrs.frozen(kw_only=True)
class Written:
    """Journal entries a correction recorded (``stock undo``, ``void``, ...)."""

    ok: bool = True
    entries: tuple[int, ...]
    did: str | None = attrs.field(default=None, metadata=wire(omit_if=None))
    #: A recall's trace: the batches made from the lot and who received them (SPEC §9.4).
    recalled: TraceForm | None = attrs.field(default=None, metadata=wire(omit_if=None))


@attrs.frozen(kw_only=True)
class Imported:
    """What ``stock import`` did: the lots received and their journal entries."""

    imported: int
    entries: tuple[int, ...]
    already_imported: bool


@attrs.frozen(kw_only=True)
class ReceivedBox:
    """One box received from a scan."""

    product: str
    gtin: str
    lot: str
    expiry: str
    serial: str | None
    containers: int


@attrs.frozen(kw_only=True)
class ScanFinding:
    """A finding of a scan (*scan* ``None``: of the receipt as a whole)."""

    scan: int | None
    finding: Finding = attrs.field(metadata=wire(inline=True))


@attrs.frozen(kw_only=True)
class Received:
    """What ``stock receive`` did: the boxes and the journal entries (or why not)."""

    received: tuple[ReceivedBox, ...]
    entries: tuple[int, ...] | None = attrs.field(default=None, metadata=wire(omit_if=None))
    findings: tuple[ScanFinding, ...] | None = attrs.field(
        default=None, metadata=wire(omit_if=None)
    )


@attrs.frozen(kw_only=True)
class OpenedContainer:
    """An opened container of a lot and what is left in it."""

    container: int
    opened_at: str
    remaining: Quantity


@attrs.frozen(kw_only=True)
class NotUsable:
    """The volume of a lot that cannot be used at the time asked, and why."""

    volume: Quantity = attrs.field(metadata=wire(inline=True))
    reason: str | None


@attrs.frozen(kw_only=True)
class LotRow:
    """One lot of ``stock list``: its balances, expiry and status."""

    product: str
    lot: str
    expiry: str | None
    status: str
    expired: bool
    unopened: int
    opened: tuple[OpenedContainer, ...]
    volume: Quantity
    usable: Quantity
    not_usable: NotUsable | None
    location: str | None
    site: str


@attrs.frozen(kw_only=True)
class CountLine:
    """One lot of a stocktake: expected and counted, and the adjustments recorded."""

    product: str
    lot: str
    found: bool
    expected_unopened: int
    counted_unopened: int
    expected_opened: tuple[float, ...]
    counted_opened: tuple[float, ...]
    entries: tuple[int, ...]


@attrs.frozen(kw_only=True)
class History:
    """What ``stock history`` prints: journal entries, oldest first."""

    entries: tuple[Entry, ...]


@attrs.frozen(kw_only=True)
class LotList:
    """What ``stock list`` prints: the lots with their balances."""

    lots: tuple[LotRow, ...]


@attrs.frozen(kw_only=True)
class Counted:
    """What ``stock count`` recorded."""

    counted_at: dt.datetime
    lots: tuple[CountLine, ...]


@attrs.frozen(kw_only=True)
class PlannedLot:
    """What a plan takes of one lot."""

    product: str
    lot: str
    expiry: str | None
    volume: Quantity
    containers_opened: int
    waste: Quantity
    containers: tuple[int, ...]


@attrs.frozen(kw_only=True)
class Excluded:
    """A lot (or one container of it) a plan left out, and why."""

    product: str
    lot: str
    reason: str
    container: int | None = attrs.field(default=None, metadata=wire(omit_if=None))


@attrs.frozen(kw_only=True)
class Shortfall:
    """A product the stock cannot cover: what is needed and what there is."""

    product: str
    needed: Quantity
    available: Quantity


@attrs.frozen(kw_only=True)
class Consumed:
    """What a consume did: its batch and journal entries."""

    batch_id: str
    consumed: bool
    already_consumed: bool
    entries: tuple[int, ...]


@attrs.frozen(kw_only=True)
class PlanResult:
    """A plan of ``stock plan`` (SPEC §4.1), and with *consumed* what ``stock consume`` did."""

    formulation: str
    batches: int
    at: str
    allocations: tuple[PlannedLot, ...]
    excluded: tuple[Excluded, ...]
    shortfalls: tuple[Shortfall, ...]
    findings: tuple[Finding, ...]
    site: str | None = attrs.field(default=None, metadata=wire(omit_if=None))
    consumed: Consumed | None = attrs.field(default=None, metadata=wire(omit_if=None, inline=True))


@attrs.frozen(kw_only=True)
class Transferred:
    """What ``stock transfer`` did."""

    transferred: int
    entries: tuple[int, ...]


@attrs.frozen(kw_only=True)
class Verified:
    """What ``stock verify`` found."""

    sound: bool
    entries: int
    problems: tuple[str, ...]
    unsealed_batches: tuple[str, ...]
    #: The kept head ``--since`` proved, and the entries after it proven.
    since: str | None = attrs.field(default=None, metadata=wire(omit_if=None))
    checked: int | None = attrs.field(default=None, metadata=wire(omit_if=None))
    #: What a ``--since`` run leaves to a full verify.
    not_reproven: tuple[str, ...] = attrs.field(default=(), metadata=wire(omit_if=()))


@attrs.frozen(kw_only=True)
class Head:
    """The chain head of a store (``stock head``)."""

    seq: int
    hash: str
    head: str


@attrs.frozen(kw_only=True)
class Migrated:
    """What ``stock migrate`` copied, and the head both stores share."""

    rows: dict[str, int]
    head: str
    to: str


@attrs.frozen(kw_only=True)
class BatchVerified:
    """A batch's second check recorded (``record verify``)."""

    batch_id: str
    verifier: str
    entry: int


@attrs.frozen(kw_only=True)
class Undone:
    """An administration undone (``administer --undo``)."""

    undone: int
    administration: int
    entry: int


@attrs.frozen(kw_only=True)
class Dose:
    """An ingredient's dose, its amount as given."""

    ingredient: str
    value: float
    unit: str


@attrs.frozen(kw_only=True)
class Administered:
    """What ``administer`` did (``administration`` ``None``: nothing was recorded)."""

    administered: bool
    administration: int | None
    entry: int | None
    batch_id: str
    patient: str
    at: dt.datetime
    volume: Quantity
    area: str | None
    doses: tuple[Dose, ...]
    remaining: Quantity
    bud: dt.datetime | None
    findings: tuple[Finding, ...]


@attrs.frozen(kw_only=True)
class Setting:
    """One setting in force (``mesoformula config``): its value and where it comes from
    (the command line, the environment, a configuration file, or the default)."""

    name: str
    value: str | list[str] | None
    source: str


@attrs.frozen(kw_only=True)
class ConfigReport:
    """What ``mesoformula config`` prints: the configuration file in force (or None) and
    every setting."""

    file: str | None
    settings: tuple[Setting, ...]


__all__ = [
    "Administered",
    "BatchVerified",
    "ConfigReport",
    "Dose",
    "Entry",
    "Error",
    "FileFindings",
    "Findings",
    "Head",
    "History",
    "Imported",
    "LotList",
    "Migrated",
    "Received",
    "ReceivedBox",
    "Refusal",
    "Reports",
    "ScanFinding",
    "Setting",
    "Summary",
    "Transferred",
    "Undone",
    "Verified",
    "Written",
]
