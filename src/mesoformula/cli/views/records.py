"""
Compounding and master formulation records, and labels, as Markdown and as
self-contained printable HTML pages (inline style, no script, nothing fetched from the
network). The HTML comes from the package's Jinja2 templates
(:mod:`mesoformula.cli.views.printed`), and the PDF is drawn from that same HTML
(:mod:`mesoformula.cli.views.pdf`); what a record shows (its fields, rows and banners)
is said once, here, for the Markdown and the template alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mesoformula import _time
from mesoformula._text import fence, markdown_text
from mesoformula.findings import Finding
from mesoformula.records import NO_PHARMACY, BatchRecord, Label, MasterRecord
from mesoformula.units import Quantity

from .printed import A4, CSP, LABEL_SIZES, render


def _q(value: Any) -> str:
    if isinstance(value, Quantity):
        return f"{value.value:g} {value.unit}"
    if value is None:
        return "-"
    return str(value)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(markdown_text(_q(c)) for c in row) + " |" for row in rows),
    ]


def _rows(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """*rows* as the printed text of each cell."""
    return [[_q(cell) for cell in row] for row in rows]


_COMPONENT_HEADER = ("product", "lot", "expiry", "volume drawn", "containers opened", "waste")


def _component_rows(record: BatchRecord) -> list[list[Any]]:
    """The lots drawn, each product by its name (by its id in a record from before names
    were kept, SPEC §8.8)."""
    return [
        [
            c.product_name or c.product,
            c.lot,
            c.expiry.isoformat() if c.expiry else "none",
            c.volume,
            c.containers_opened,
            c.waste,
        ]
        for c in record.components
    ]


def _finding_rows(findings: Sequence[Finding]) -> list[list[Any]]:
    return [
        [f.severity, f.code, f.location or "", f.message, f.justification or ""] for f in findings
    ]


_FINDING_HEADER = ("severity", "code", "where", "message", "accepted because")


def _batch_meta(record: BatchRecord, *, blank: str) -> list[tuple[str, Any]]:
    formulation = record.formulation
    bud = record.bud
    return [
        ("formulation", f"{formulation.name} ({formulation.id}) version {formulation.version}"),
        ("checksum", formulation.checksum),
        ("compounded at", _time.shown(record.compounded_at)),
        ("batches", record.batches),
        ("preparer", record.preparer),
        ("patient", record.label.patient or blank),
        ("prescriber", record.prescriber or blank),
        (
            "verifier",
            f"{record.verifier} ({_time.shown(record.verified_at)})"
            if record.verifier and record.verified_at
            else blank,
        ),
        (
            "beyond-use date",
            _time.shown(bud.at) if bud.at else "NOT ASSIGNED - do not release",
        ),
        ("BUD governed by", f"{bud.governed_by or '-'}: {bud.reason}"),
        ("storage", record.storage.description or "not stated"),
        ("pharmacy", NO_PHARMACY if record.pharmacy is None else record.pharmacy.text),
    ]


#: The banner of a record no second pharmacist has verified (SPEC §8.3, release).
NOT_RELEASED = "NOT VERIFIED - not released: a pharmacist other than the preparer must verify it"


def banners(record: BatchRecord) -> list[str]:
    """
    What a record says before anything else, in this order: tampered (its stored facts
    do not verify), recalled, void, or not released.
    """
    said = []
    if record.tampered:
        said.append("TAMPERED - DO NOT USE: " + "; ".join(record.tampered))
    if record.recalled:
        said.append("RECALLED - DO NOT USE: it was made from " + "; ".join(record.recalled))
    if record.void is not None:
        said.append(f"VOID - DO NOT USE: {_void(record)}")
    elif not record.released:
        said.append(NOT_RELEASED)
    return said


def _void(record: BatchRecord) -> str:
    void = record.void
    assert void is not None
    return f"voided {_time.shown(void.at)} by {void.actor} ({void.what}): {void.reason}"


def _md_banner(said: str) -> str:
    """A banner in Markdown, in bold; of a tampered or void record, what happened in bold
    and then why: ``**VOID - DO NOT USE**: voided ...``."""
    head, colon, rest = said.partition(": ")
    if head in {"TAMPERED - DO NOT USE", "VOID - DO NOT USE"}:
        return f"**{markdown_text(head)}**{colon}{markdown_text(rest)}"
    return f"**{markdown_text(said)}**"


def batch_markdown(record: BatchRecord) -> str:
    """The compounding record as Markdown."""
    lines = [
        *(line for said in banners(record) for line in (_md_banner(said), "")),
        f"# Compounding record: batch {markdown_text(record.batch_id)}",
        "",
        *_md_table(("field", "value"), _batch_meta(record, blank="________________")),
        "",
        "## Components",
        "",
        *_md_table(_COMPONENT_HEADER, _component_rows(record)),
        "",
        "## Checks at compounding",
        "",
        *(
            _md_table(_FINDING_HEADER, _finding_rows(record.checks))
            if record.checks
            else ["No findings."]
        ),
        "",
        "## Record findings",
        "",
        *(
            _md_table(_FINDING_HEADER, _finding_rows(record.findings))
            if record.findings
            else ["None."]
        ),
        "",
        "## Label",
        "",
        fence(record.label.text) + "text",
        record.label.text,
        fence(record.label.text),
    ]
    return "\n".join(lines) + "\n"


#: What a record's signature block asks for.
SIGNATURES = ("Prepared by", "Verified by", "Date and time")


def batch_html(record: BatchRecord) -> str:
    """The compounding record as a self-contained printable HTML page (and the PDF's
    source, :func:`mesoformula.cli.views.pdf.batch_pdf`)."""
    return render(
        "batch.html",
        title=f"Compounding record {record.batch_id}",
        heading=f"Compounding record: batch {record.batch_id}",
        batch_id=record.batch_id,
        paper=A4,
        banners=banners(record),
        fields=_rows(_batch_meta(record, blank="")),
        component_header=_COMPONENT_HEADER,
        components=_rows(_component_rows(record)),
        finding_header=_FINDING_HEADER,
        checks=_rows(_finding_rows(record.checks)),
        findings=_rows(_finding_rows(record.findings)),
        label=record.label,
        signatures=SIGNATURES,
    )


def label_html(label: Label, size: str = "a6") -> str:
    """A batch's label on its own, as a printable HTML page for paper *size* (a key of
    :data:`~mesoformula.cli.views.printed.LABEL_SIZES`); the PDF's source too."""
    return render(
        "label.html",
        title=f"Label {label.batch_id}",
        batch_id=label.batch_id,
        paper=LABEL_SIZES[size],
        label=label,
    )


def _ingredient_rows(record: MasterRecord) -> list[list[Any]]:
    return [
        [c.ingredient, c.role, c.concentration, c.per_batch, ", ".join(c.products)]
        for c in record.worksheet.contents
    ]


_INGREDIENT_HEADER = ("ingredient", "role", "concentration", "per batch", "from")


def master_markdown(record: MasterRecord) -> str:
    """The master formulation record as Markdown."""
    lines = [
        f"# Master formulation record: {markdown_text(record.formulation.name)}",
        "",
        *_md_table(("field", "value"), _master_meta(record)),
        "",
        "## Ingredients",
        "",
        *_md_table(_INGREDIENT_HEADER, _ingredient_rows(record)),
        "",
        "## Products",
        "",
        *_md_table(_PRODUCT_HEADER, _product_rows(record)),
        "",
        "## Method",
        "",
        *(f"{step.number}. {markdown_text(step.text)}" for step in record.method),
        "",
        "## Quality checks",
        "",
        *(f"- {q}" for q in record.quality_checks),
        "",
        *(
            _md_table(_FINDING_HEADER, _finding_rows(record.checks))
            if record.checks
            else ["No findings."]
        ),
        "",
        f"Source: {record.source}",
    ]
    return "\n".join(lines) + "\n"


def master_html(record: MasterRecord) -> str:
    """The master formulation record as a self-contained printable HTML page."""
    formulation = record.formulation
    return render(
        "master.html",
        title=f"Master formulation record {formulation.id}",
        heading=f"Master formulation record: {formulation.name}",
        batch_id=None,
        paper=A4,
        fields=_rows(_master_meta(record)),
        ingredient_header=_INGREDIENT_HEADER,
        ingredients=_rows(_ingredient_rows(record)),
        product_header=_PRODUCT_HEADER,
        products=_rows(_product_rows(record)),
        method=record.method,
        quality_checks=record.quality_checks,
        finding_header=_FINDING_HEADER,
        checks=_rows(_finding_rows(record.checks)),
        source=record.source,
    )


def _master_meta(record: MasterRecord) -> list[tuple[str, Any]]:
    formulation = record.formulation
    preparation = formulation.preparation
    return [
        ("id and version", f"{formulation.id} v{formulation.version}"),
        ("checksum", record.checksum),
        ("dosage form", record.dosage_form),
        ("final volume", formulation.final_volume),
        (
            "container-closure",
            (preparation.container if preparation else None) or "not specified in the formulation",
        ),
        ("storage", record.storage.description or "not stated"),
        ("sterilization", preparation.method if preparation else "not stated"),
        ("BUD rule", record.bud_rule),
    ]


_PRODUCT_HEADER = ("product", "name", "strengths", "excipients", "sterile")


def _product_rows(record: MasterRecord) -> list[list[Any]]:
    return [
        [p.product, p.name, _kv(p.strengths), _kv(p.excipients), "yes" if p.sterile else "NO"]
        for p in record.products
    ]


def _kv(table: Mapping[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in table.items()) or "-"


__all__ = [
    "CSP",
    "NOT_RELEASED",
    "SIGNATURES",
    "banners",
    "batch_html",
    "batch_markdown",
    "label_html",
    "master_html",
    "master_markdown",
]
