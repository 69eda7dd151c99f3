"""
Records of compounding, as data (SPEC §4.1, §6): the compounding record of a batch, the
master formulation record of a formulation, the label (with the pharmacy that prints it
and the directions for use, SPEC §9.7), the method steps.

Pure data and the pure pieces (:func:`make_label`, :func:`method_steps`, :func:`bud_rule`);
:mod:`mesoformula.compounding` builds the records (it reads the store and checksums
formulation files); the JSON forms are in
:mod:`mesoformula.files.wire`; Markdown and printable HTML in
:mod:`mesoformula.cli.views.records`.
"""

from __future__ import annotations

import datetime as dt

import attrs

from . import _time
from ._frozen import FrozenMap
from .bud import EDITION, STORAGE_RANGES, Bud, immediate_use_problem, span, table_row
from .catalog import Catalog
from .findings import Finding
from .formulation import Formulation
from .units import Quantity, days
from .worksheet import Dosing, Worksheet

RECORD_VERSION = 1


@attrs.frozen(kw_only=True)
class MethodStep:
    """One numbered step of a compounding method."""

    number: int
    text: str

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


@attrs.frozen(kw_only=True)
class StorageText:
    """A storage condition and the range it stands for (USP <797>)."""

    condition: str | None
    description: str | None

    @classmethod
    def of(cls, condition: str | None) -> StorageText:
        """The storage text of *condition* (None: not stated)."""
        return cls(condition=condition, description=STORAGE_RANGES.get(condition or "", None))


@attrs.frozen(kw_only=True)
class Pharmacy:
    """The pharmacy that prepares a batch and prints its label (SPEC §9.7)."""

    name: str
    address: str | None = None
    telephone: str | None = None

    @property
    def text(self) -> str:
        """The pharmacy on one line: name, address, telephone."""
        parts = [self.name, self.address, f"tel. {self.telephone}" if self.telephone else None]
        return ", ".join(part for part in parts if part)


@attrs.frozen(kw_only=True)
class Directions:
    """
    How the preparation is given, as its label says (SPEC §9.7): the volume and points of
    one session (as the formulation's administration gives them, the rest computed when
    the worksheet was), the interval and the sessions of the course.
    """

    volume_per_session: Quantity | None
    points_per_session: float | None
    volume_per_point: Quantity | None
    sessions: int
    interval: Quantity | None = None

    @classmethod
    def of(cls, dosing: Dosing, interval: Quantity | None = None) -> Directions:
        """The directions of a worksheet's *dosing*, with the formulation's *interval*."""
        return cls(
            volume_per_session=dosing.volume_per_session,
            points_per_session=dosing.points_per_session,
            volume_per_point=dosing.volume_per_point,
            sessions=dosing.sessions,
            interval=interval,
        )

    @property
    def text(self) -> str:
        """The directions in words: ``4 mL per session in 80 points of 0.05 mL, ...``."""
        session = []
        if self.volume_per_session is not None:
            session.append(f"{_amount(self.volume_per_session)} per session")
        if self.points_per_session is not None:
            of = f" of {_amount(self.volume_per_point)}" if self.volume_per_point else ""
            session.append(f"in {self.points_per_session:g} points{of}")
        parts = [" ".join(session) or "volume and points per session not given"]
        if self.interval is not None:
            parts.append(f"every {span(dt.timedelta(days=days(self.interval)))}")
        parts.append(f"{self.sessions} session{'s' if self.sessions != 1 else ''} in the course")
        return ", ".join(parts)


def _amount(quantity: Quantity) -> str:
    return f"{quantity.value:g} {quantity.unit}"


#: What a label without directions says (the formulation has no administration).
NO_DIRECTIONS = "not given in the formulation"

#: What a label printed without a pharmacy says in its place.
NO_PHARMACY = "NOT SET"


@attrs.frozen(kw_only=True)
class Label:
    """What the label of a batch says."""

    name: str
    actives: tuple[str, ...]
    route: str
    batch_id: str
    bud: dt.datetime | None
    storage: str | None
    total_volume: Quantity
    void: bool = False
    #: The record's stored facts do not verify against their seals (SPEC §9.5).
    tampered: bool = False
    #: A lot the batch drew from is recalled (SPEC §9.4).
    recalled: bool = False
    #: Handling hazards of the actives, from the catalog (``Ingredient.hazard``).
    hazards: tuple[str, ...] = ()
    #: The patient it was compounded for (name and id, or the id), and the prescriber.
    patient: str | None = None
    prescriber: str | None = None
    #: Sessions one batch serves: 1 is a single dose, more a multiple-dose container.
    sessions: int | None = None
    #: What the label's machine-readable code (a QR code) holds: the GS1 element string
    #: of the clinic's GTIN, BUD and batch, or an internal code (``gs1.label_code``).
    code: str | None = None
    #: The pharmacy that prints it (None: not set, and the label says so).
    pharmacy: Pharmacy | None = None
    #: How it is given (None: the formulation does not say, and the label says so).
    directions: Directions | None = None

    @property
    def _doses(self) -> str:
        if self.sessions is None:
            return ""
        if self.sessions <= 1:
            return " (single dose)"
        return f" (multiple dose: {self.sessions} sessions)"

    @property
    def banners(self) -> tuple[str, ...]:
        """What the label says before anything else: tampered, recalled, void."""
        return (
            *(("TAMPERED - DO NOT USE",) if self.tampered else ()),
            *(("RECALLED - DO NOT USE",) if self.recalled else ()),
            *(("VOID - DO NOT USE",) if self.void else ()),
        )

    @property
    def lines(self) -> tuple[str, ...]:
        """The label's lines, as printed: the banners, the name, the details."""
        return (*self.banners, self.name, *self.details)

    @property
    def details(self) -> tuple[str, ...]:
        """The label's lines after its name."""
        directions = NO_DIRECTIONS if self.directions is None else self.directions.text
        return (
            *((f"Patient: {self.patient}",) if self.patient else ()),
            *((f"Prescriber: {self.prescriber}",) if self.prescriber else ()),
            "Contains: " + ("; ".join(self.actives) if self.actives else "-"),
            f"Route: {self.route}",
            f"Total volume: {self.total_volume.value:g} {self.total_volume.unit}{self._doses}",
            f"Directions: {directions}",
            f"Batch: {self.batch_id}",
            "BUD: " + (_time.shown(self.bud) if self.bud else "NOT ASSIGNED - do not release"),
            "Storage: " + (STORAGE_RANGES[self.storage] if self.storage else "not stated"),
            *(f"HAZARD: {hazard}" for hazard in self.hazards),
            "Pharmacy: " + (NO_PHARMACY if self.pharmacy is None else self.pharmacy.text),
        )

    @property
    def text(self) -> str:
        """The label as one text, a line each."""
        return "\n".join(self.lines)


def make_label(
    formulation: Formulation,
    actives: tuple[tuple[str, Quantity], ...],
    total_volume: Quantity,
    *,
    batch_id: str,
    bud: dt.datetime | None,
    hazards: tuple[str, ...] = (),
) -> Label:
    """
    The label of a batch: *actives* are (ingredient, final concentration) pairs,
    *hazards* the handling hazards of its ingredients.
    """
    return Label(
        name=formulation.name,
        actives=tuple(f"{name} {c.value:g} {c.unit}" for name, c in actives),
        route=formulation.route,
        batch_id=batch_id,
        bud=bud,
        storage=formulation.preparation.storage if formulation.preparation else None,
        total_volume=total_volume,
        hazards=hazards,
    )


@attrs.frozen(kw_only=True)
class RecordedFormulation:
    """Which formulation a record is of, and its exact content (checksum)."""

    id: str
    name: str
    version: int
    checksum: str


@attrs.frozen(kw_only=True)
class RecordComponent:
    """One lot drawn into a batch."""

    product: str
    product_name: str | None
    lot: str
    expiry: dt.date | None
    volume: Quantity
    containers_opened: int
    waste: Quantity
    containers: tuple[int | None, ...]
    location: str | None


@attrs.frozen(kw_only=True)
class VoidText:
    """
    A void on a record: the batch must not be used. *kind* says what happened to its
    stock (SPEC §9.5): ``not-prepared`` (returned), ``destroyed`` (used, wasted), None
    for a void from before (reversed).
    """

    at: dt.datetime
    actor: str
    reason: str
    kind: str | None = None

    @property
    def what(self) -> str:
        """What the void means for the stock, for people."""
        if self.kind == "destroyed":
            return "destroyed: made and discarded, everything drawn for it is waste"
        return "not prepared: its stock was returned"


@attrs.frozen(kw_only=True)
class BatchRecord:
    """
    The compounding record of a consumed batch.

    ``worksheet`` is the worksheet as it was recorded with the batch, in its stored JSON
    form (SPEC §4.1 ``compose``): the record shows what was computed then, not now.
    """

    batch_id: str
    compounded_at: dt.datetime
    formulation: RecordedFormulation
    batches: int
    preparer: str
    verifier: str | None
    components: tuple[RecordComponent, ...]
    worksheet: FrozenMap[str, object] | None
    checks: tuple[Finding, ...]
    bud: Bud
    storage: StorageText
    label: Label
    findings: tuple[Finding, ...]
    void: VoidText | None = None
    #: What of the stored record does not verify against its seals (SPEC §9.5): a record
    #: printed with these says TAMPERED first.
    tampered: tuple[str, ...] = ()
    #: The lots it drew from that are recalled now (SPEC §9.4): printed RECALLED first.
    recalled: tuple[str, ...] = ()
    verified_at: dt.datetime | None = None
    patient_id: str | None = None
    patient_name: str | None = None
    prescriber: str | None = None
    #: The pharmacy that prints the record and its label (None: not set).
    pharmacy: Pharmacy | None = None

    @property
    def released(self) -> bool:
        """Verified by a pharmacist other than the preparer, and not void."""
        return self.verifier is not None and self.void is None


@attrs.frozen(kw_only=True)
class MasterProduct:
    """A product a master formulation record draws from."""

    product: str
    name: str
    strengths: FrozenMap[str, str]
    excipients: FrozenMap[str, str]
    sterile: bool
    source: str


@attrs.frozen(kw_only=True)
class MasterRecord:
    """
    The master formulation record (USP <797> §11.1 contents): name and strengths, the
    ingredients with their source products, the calculations for one batch, the method,
    container, storage, the BUD rule, quality checks and source.
    """

    formulation: Formulation
    checksum: str
    worksheet: Worksheet
    products: tuple[MasterProduct, ...]
    method: tuple[MethodStep, ...]
    storage: StorageText
    bud_rule: str
    quality_checks: tuple[str, ...]
    checks: tuple[Finding, ...]
    source: str

    @property
    def dosage_form(self) -> str:
        """The dosage form, from the route."""
        return f"sterile solution for {self.formulation.route} injection"


def bud_rule(formulation: Formulation, *, only_sterile: bool, products: int) -> str:
    """
    The BUD rule a master record states for *formulation* (USP <797> table row), made
    of *products* different products.
    """
    preparation = formulation.preparation
    if preparation is None:
        return "not assignable: the formulation has no [preparation]"
    if preparation.immediate_use:
        why_not = immediate_use_problem(only_sterile=only_sterile, products=products)
        if why_not is not None:
            return f"not assignable: {why_not}"
        return f"immediate use ({EDITION}): administration begins within 4 hours"
    row = table_row(preparation, only_sterile=only_sterile)
    if isinstance(row, Finding):
        rule = row.message
    elif preparation.storage is None:
        rule = "not assignable: no storage given"
    else:
        limit = row.limit(preparation.storage)
        allowed = "no BUD (not allowed)" if limit is None else span(limit)
        rule = f"{EDITION}: {row.description}, {STORAGE_RANGES[preparation.storage]}: {allowed}"
    if preparation.stability is not None:
        rule += f"; stability limit {preparation.stability.value:g} days"
    return rule + (
        "; never later than the expiry of any lot or the in-use date of any opened container used"
    )


def method_steps(worksheet: Worksheet, catalog: Catalog) -> tuple[MethodStep, ...]:
    """The compounding method of a worksheet: draws, q.s., mixing and inspection, label."""
    method = []
    for draw in worksheet.draws:
        product = catalog.products[draw.product]
        method.append(
            f"Draw {draw.draw_volume.value:g} mL of {product.name} ({draw.product}); "
            f"open {draw.containers} {product.container}(s); record lot and expiry."
        )
    if worksheet.diluent is not None:
        method.append(
            f"Add {worksheet.diluent.volume.value:g} mL of "
            f"{catalog.products[worksheet.diluent.product].name} to "
            f"{worksheet.final_volume.value:g} mL (q.s.)."
        )
    method.append("Mix gently; inspect for particles, colour and clarity.")
    method.append("Label (name, actives and concentrations, route, batch, BUD, storage).")
    return tuple(MethodStep(number=n, text=t) for n, t in enumerate(method, start=1))


__all__ = [
    "NO_DIRECTIONS",
    "NO_PHARMACY",
    "RECORD_VERSION",
    "BatchRecord",
    "Directions",
    "Label",
    "MasterProduct",
    "MasterRecord",
    "MethodStep",
    "Pharmacy",
    "RecordComponent",
    "RecordedFormulation",
    "StorageText",
    "VoidText",
    "bud_rule",
    "make_label",
    "method_steps",
]
