"""
Compounding and master formulation records as Markdown and as a self-contained,
printable HTML page (inline style, no script, nothing fetched from the network).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mesoformula import _time
from mesoformula._text import fence, markdown_text, print_tokens
from mesoformula.findings import Finding
from mesoformula.records import NO_PHARMACY, BatchRecord, Label, MasterRecord
from mesoformula.units import Quantity

#: No script, nothing fetched: styles inline, images only as data (SPEC §8.2).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
h2 { font-size: 12pt; margin-top: 1.4em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.meta td:first-child { width: 14em; font-weight: bold; }
.error { color: #a00; font-weight: bold; }
.warning { color: #a60; }
.label { border: 2px solid #000; padding: 0.6em 1em; white-space: pre-line; width: 28em; }
.nw { white-space: nowrap; }
.code { display: block; margin-top: 0.5em; }
.code img { width: 28mm; height: 28mm; image-rendering: pixelated; }
.code span { display: block; font: 8pt monospace; }
.sign { margin-top: 2em; }
.sign span { display: inline-block; width: 16em; border-top: 1px solid #000;
             margin-right: 3em; padding-top: 2px; }
@media print {
  body { margin: 1cm; }
  h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; }
}
"""


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


#: Characters a browser may break a line after inside a word: a token holding one
#: (a lot number, a date, a batch id) is kept on one line.
_BREAKABLE = re.compile(r"[-/:.,;+_‐-―]")


def _text(value: Any) -> str:
    """
    Escaped HTML text whose lot numbers, dates, ids and quantities (``25 mg/mL``)
    never break inside (SPEC §8.8); lines stay lines.
    """
    lines = []
    for line in _q(value).split("\n"):
        lines.append(
            " ".join(
                f'<span class="nw">{html.escape(token)}</span>'
                if " " in token or _BREAKABLE.search(token[:-1])
                else html.escape(token)
                for token in print_tokens(line)
            )
        )
    return "\n".join(lines)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row) + "</tr>" for row in rows)
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _css_string(text: str) -> str:
    """*text* as a CSS string: every character outside plain letters and digits escaped."""
    return '"' + "".join(c if c.isalnum() and c.isascii() else f"\\{ord(c):x} " for c in text) + '"'


def _page(title: str, body: str, batch_id: str | None = None) -> str:
    margins = ""
    if batch_id is not None:
        # Printed, every page repeats the batch id and its number (CSS page margin boxes).
        margins = (
            "@page { margin: 16mm 12mm;"
            f" @top-left {{ content: {_css_string('Batch ' + batch_id)}; font: 9pt sans-serif; }}"
            ' @top-right { content: "page " counter(page) " of " counter(pages);'
            " font: 9pt sans-serif; } }"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{html.escape(title)}</title><style>{_CSS}{margins}</style></head>"
        f"<body>{body}</body></html>\n"
    )


_COMPONENT_HEADER = ("product", "lot", "expiry", "volume drawn", "containers opened", "waste")


def _component_rows(record: BatchRecord) -> list[list[Any]]:
    return [
        [
            c.product,
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


def banner(record: BatchRecord) -> str | None:
    """
    What a record says before anything else: tampered (its stored facts do not verify),
    void, or not released; None otherwise.
    """
    if record.tampered:
        return "TAMPERED - DO NOT USE: " + "; ".join(record.tampered)
    if record.recalled:
        return _recalled(record)
    if record.void is not None:
        return f"VOID - DO NOT USE: {_void(record)}"
    return None if record.released else NOT_RELEASED


def batch_fields(record: BatchRecord) -> list[tuple[str, str]]:
    """The record's fields as printed (blank lines for what is still to be filled in)."""
    return [(name, _q(value)) for name, value in _batch_meta(record, blank="")]


def _recalled(record: BatchRecord) -> str:
    return "RECALLED - DO NOT USE: it was made from " + "; ".join(record.recalled)


def _void(record: BatchRecord) -> str:
    void = record.void
    assert void is not None
    return f"voided {_time.shown(void.at)} by {void.actor} ({void.what}): {void.reason}"


def batch_markdown(record: BatchRecord) -> str:
    """The compounding record as Markdown."""
    lines = [
        *(
            [f"**TAMPERED - DO NOT USE**: {markdown_text('; '.join(record.tampered))}", ""]
            if record.tampered
            else []
        ),
        *([f"**{markdown_text(_recalled(record))}**", ""] if record.recalled else []),
        *(
            [f"**VOID - DO NOT USE**: {markdown_text(_void(record))}", ""]
            if record.void is not None
            else []
        ),
        *([f"**{NOT_RELEASED}**", ""] if record.void is None and not record.released else []),
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


def batch_html(record: BatchRecord) -> str:
    """The compounding record as a self-contained printable HTML page."""
    meta = _html_table(("field", "value"), _batch_meta(record, blank=""), css="meta")
    checks = (
        _html_table(_FINDING_HEADER, _finding_rows(record.checks))
        if record.checks
        else "<p>No findings.</p>"
    )
    problems = (
        _html_table(_FINDING_HEADER, _finding_rows(record.findings))
        if record.findings
        else "<p>None.</p>"
    )
    void = (
        f'<p class="error">VOID - DO NOT USE: {html.escape(_void(record))}</p>'
        if record.void is not None
        else ""
    )
    if record.void is None and not record.released:
        void = f'<p class="error">{html.escape(NOT_RELEASED)}</p>'
    if record.recalled:
        void = f'<p class="error">{html.escape(_recalled(record))}</p>' + void
    if record.tampered:
        void = f'<p class="error">{html.escape(banner(record) or "")}</p>' + void
    body = (
        f"{void}<h1>Compounding record: batch {html.escape(record.batch_id)}</h1>{meta}"
        f"<h2>Components</h2>{_html_table(_COMPONENT_HEADER, _component_rows(record))}"
        f"<h2>Checks at compounding</h2>{checks}"
        f"<h2>Record findings</h2>{problems}"
        f'<h2>Label</h2><div class="label">{_text(record.label.text)}'
        f"{_code_html(record.label)}</div>"
        '<p class="sign"><span>Prepared by</span><span>Verified by</span>'
        "<span>Date and time</span></p>"
    )
    return _page(f"Compounding record {record.batch_id}", body, record.batch_id)


def _code_html(label: Label) -> str:
    """The label's QR code as an inline SVG image (data URI: nothing is fetched)."""
    if label.code is None:
        return ""
    import segno  # noqa: PLC0415 - only for a printed label

    uri = segno.make(label.code, error="m").svg_data_uri(scale=1, border=4)
    return (
        f'<span class="code"><img alt="{html.escape(label.code)}" src="{html.escape(uri)}">'
        f"<span>{_text(label.code)}</span></span>"
    )


def label_html(label: Label) -> str:
    """A batch's label on its own, as a printable HTML page."""
    return _page(
        f"Label {label.batch_id}",
        f'<div class="label">{_text(label.text)}{_code_html(label)}</div>',
        label.batch_id,
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
    meta = _html_table(("field", "value"), _master_meta(record), css="meta")
    method = "".join(f"<li>{html.escape(step.text)}</li>" for step in record.method)
    quality = "".join(f"<li>{html.escape(q)}</li>" for q in record.quality_checks)
    checks = (
        _html_table(_FINDING_HEADER, _finding_rows(record.checks))
        if record.checks
        else "<p>No findings.</p>"
    )
    body = (
        f"<h1>Master formulation record: {html.escape(formulation.name)}</h1>{meta}"
        f"<h2>Ingredients</h2>{_html_table(_INGREDIENT_HEADER, _ingredient_rows(record))}"
        f"<h2>Products</h2>{_html_table(_PRODUCT_HEADER, _product_rows(record))}"
        f"<h2>Method</h2><ol>{method}</ol>"
        f"<h2>Quality checks</h2><ul>{quality}</ul>{checks}"
        f"<p>Source: {html.escape(record.source)}</p>"
    )
    return _page(f"Master formulation record {formulation.id}", body)


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
    "batch_html",
    "batch_markdown",
    "label_html",
    "master_html",
    "master_markdown",
]
