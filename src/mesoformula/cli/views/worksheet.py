"""
The worksheet in the forms people and programs read: JSON (SPEC §4.1), aligned text to
follow at the hood, and Markdown for records. Pure functions from a
:class:`~mesoformula.composition.Worksheet` to data or strings.
"""

from __future__ import annotations

import math

from mesoformula._text import markdown_text, one_line, text_table
from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.units import Quantity, fmt
from mesoformula.worksheet import Draw, Worksheet


def _volume(worksheet: Worksheet, value: float) -> str:
    resolution = worksheet.resolution.value if worksheet.resolution is not None else None
    if resolution is None:
        return f"{fmt(value)} mL"
    digits = max(0, -math.floor(math.log10(resolution) + 1e-9))
    return f"{value:.{digits}f} mL"


def _amount(q: Quantity | None) -> str:
    return "-" if q is None else str(q)


def _containers(draw: Draw, catalog: Catalog) -> str:
    product = catalog.products.get(draw.product)
    kind = product.container if product is not None else "container"
    plural = "s" if draw.containers != 1 else ""
    return f"{draw.containers} {kind}{plural} of {fmt(draw.container_volume.value)} mL"


Rows = list[tuple[str, ...]]


def _rows(worksheet: Worksheet, catalog: Catalog) -> tuple[Rows, Rows]:
    draws: Rows = []
    for draw in worksheet.draws:
        draws.append(
            (
                draw.product,
                "____________",
                _volume(worksheet, draw.draw_volume.value),
                _containers(draw, catalog),
                _volume(worksheet, draw.waste.value)
                if draw.use == "single-dose"
                else "(multi-dose)",
            )
        )
    if worksheet.diluent is not None:
        draw = worksheet.diluent
        draws.append(
            (
                f"q.s. {draw.product}",
                "____________",
                _volume(worksheet, draw.volume.value),
                _containers(draw, catalog),
                _volume(worksheet, draw.waste.value)
                if draw.use == "single-dose"
                else "(multi-dose)",
            )
        )
    contents: Rows = [
        (
            c.ingredient,
            c.role,
            str(c.concentration),
            str(c.per_batch),
            _amount(c.per_session),
            _amount(c.per_point),
            _amount(c.per_course),
        )
        for c in worksheet.contents
    ]
    return draws, contents


_DRAW_HEADER = ("draw from", "lot", "volume", "containers to open", "waste")
_CONTENT_HEADER = (
    "ingredient",
    "role",
    "concentration",
    "per batch",
    "per session",
    "per point",
    "per course",
)


def _administration(worksheet: Worksheet) -> str | None:
    dosing = worksheet.dosing
    if dosing is None:
        return None
    parts = []
    if dosing.volume_per_session is not None:
        parts.append(f"{dosing.volume_per_session} per session")
    if dosing.points_per_session is not None:
        parts.append(f"{fmt(dosing.points_per_session)} points")
    if dosing.volume_per_point is not None:
        parts.append(f"{dosing.volume_per_point} per point")
    parts.append(f"{dosing.sessions} session{'s' if dosing.sessions != 1 else ''}")
    text = ", ".join(parts)
    if dosing.sessions_per_batch is not None:
        text += f"; the preparation serves {dosing.sessions_per_batch} session(s)"
    return text


#: The banner of a design: no [preparation], so no beyond-use date (SPEC §9.3).
DESIGN = "a design without [preparation]: no beyond-use date can be assigned"


def to_text(
    worksheet: Worksheet,
    catalog: Catalog,
    title: str,
    findings: list[str],
    errors: list[str] | None = None,
) -> str:
    """
    Return the worksheet as aligned text a pharmacist can follow at the hood.

    With *errors* (finding lines of error severity) the sheet starts with
    ``NOT FOR COMPOUNDING: N error(s)`` and lists them (SPEC §8.1).
    """
    draws, contents = _rows(worksheet, catalog)
    resolution = (
        f"syringe resolution {fmt(worksheet.resolution.value)} mL"
        if worksheet.resolution is not None
        else "volumes not rounded"
    )
    errors = errors or []
    banner = (
        [f"NOT FOR COMPOUNDING: {len(errors)} error(s)", *(f"  {f}" for f in errors), ""]
        if errors
        else []
    )
    if not errors and any(" bud.unassigned " in f for f in findings):
        banner = [f"NOT FOR COMPOUNDING: {DESIGN}", ""]
    lines = [
        *banner,
        f"WORKSHEET  {worksheet.formulation} v{worksheet.version}  {one_line(title)}",
        (
            f"{worksheet.batches} batch(es) of {worksheet.final_volume} = "
            f"{worksheet.total_volume} in all; {resolution}"
        ),
        "",
        *text_table(_DRAW_HEADER, draws, right={2}),
        f"{'':>2}total into the preparation: "
        + _volume(
            worksheet,
            sum(d.volume.value for d in worksheet.draws)
            + (worksheet.diluent.volume.value if worksheet.diluent else 0.0),
        ),
        "",
        "The preparation contains",
        *text_table(_CONTENT_HEADER, contents),
    ]
    administration = _administration(worksheet)
    if administration:
        lines += ["", f"Administration: {administration}"]
    if findings:
        lines += ["", "Findings:", *(f"  {f}" for f in findings)]
    lines += ["", "Prepared by: ____________  Checked by: ____________  Date/time: ____________"]
    return "\n".join(lines) + "\n"


def to_markdown(worksheet: Worksheet, catalog: Catalog, title: str, findings: list[Finding]) -> str:
    """Return the worksheet as Markdown (for records and printing)."""
    draws, contents = _rows(worksheet, catalog)

    def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows),
        ]

    errors = [f for f in findings if f.severity == "error"]
    if not errors and any(f.code == "bud.unassigned" for f in findings):
        errors_banner = [f"**NOT FOR COMPOUNDING: {DESIGN}**", ""]
    else:
        errors_banner = []
    banner = (
        [
            f"**NOT FOR COMPOUNDING: {len(errors)} error(s)**",
            "",
            *(f"- `{f.code}` {_md(f.message)}" for f in errors),
            "",
        ]
        if errors
        else errors_banner
    )
    lines = [
        *banner,
        f"# Worksheet: {_md(title)} (`{worksheet.formulation}` v{worksheet.version})",
        "",
        (
            f"{worksheet.batches} batch(es) of {worksheet.final_volume} = "
            f"{worksheet.total_volume} in all."
        ),
        "",
        "## Draws",
        "",
        *table(_DRAW_HEADER, draws),
        "",
        "## Contents",
        "",
        *table(_CONTENT_HEADER, contents),
    ]
    administration = _administration(worksheet)
    if administration:
        lines += ["", f"**Administration:** {administration}"]
    if findings:
        lines += ["", "## Findings", ""]
        lines += [
            f"- **{f.severity}** `{f.code}` {f.location + ': ' if f.location else ''}"
            f"{_md(f.message)}"
            for f in findings
        ]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return markdown_text(text)


__all__ = [
    "Rows",
    "to_markdown",
    "to_text",
]
