"""
The compounding record and the label as PDF (SPEC §8.8), drawn with fpdf2.

fpdf2 is pure Python (with fontTools and Pillow) and is imported only when a PDF is
asked for: ``pip install 'mesoformula[pdf]'``. Text is wrapped here, at spaces only, so
that a lot number, a date or a batch id never breaks inside; a token too long for its
cell is set smaller instead. Every page carries the batch id and "page N of M".

Fonts: a Unicode TrueType font is needed for names and units outside Latin-1 (µ is
in it, ≤ or a Cyrillic patient name are not). ``MESOFORMULA_PDF_FONT`` names one
(a ``.ttf`` file; its bold face beside it as ``*-Bold.ttf`` when there is one);
otherwise DejaVu Sans is looked for where systems install it. Without one, the PDF
core font Helvetica is used, and text it cannot print is refused with a clear
error, never dropped or replaced silently. ``MESOFORMULA_PDF_FONT=builtin`` forces
the core font.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mesoformula._text import print_tokens
from mesoformula.exceptions import MesoformulaError
from mesoformula.records import BatchRecord, Label

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

#: Where systems install DejaVu Sans (Debian/Ubuntu, Fedora, Arch, macOS with Homebrew
#: fonts, Windows with the font installed).
FONT_PLACES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)

#: The side of a label's QR code, quiet zone included, in mm.
QR_MM = 24.0

#: What a record's signature block asks for.
SIGNATURES = ("Prepared by", "Verified by", "Date and time")


class PdfError(MesoformulaError):
    """A PDF cannot be made: no PDF library, or text the font cannot print."""


def font_file() -> Path | None:
    """The Unicode TrueType font to use, or None for the core font (see the module)."""
    chosen = os.environ.get("MESOFORMULA_PDF_FONT", "").strip()
    if chosen == "builtin":
        return None
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise PdfError(f"MESOFORMULA_PDF_FONT={chosen}: no such font file")
        return path
    return next((Path(p) for p in FONT_PLACES if Path(p).is_file()), None)


def _fpdf() -> type[FPDF]:
    try:
        from fpdf import FPDF  # noqa: PLC0415 - only when a PDF is asked for
    except ImportError:
        raise PdfError(
            "PDF output needs fpdf2: pip install 'mesoformula[pdf]' (or use --format html)"
        ) from None
    return FPDF


class _Pages:
    """One PDF document: fonts, the running header, wrapping that never splits a token."""

    def __init__(self, batch_id: str, *, page: str | tuple[float, float], base: float) -> None:
        engine = _fpdf()
        owner = self  # the header draws with the document's font, chosen below

        class Document(engine):  # type: ignore[valid-type,misc]
            def header(self) -> None:
                self.set_font(owner.family, "", 7.5)
                self.set_text_color(80)
                width = self.w - self.l_margin - self.r_margin
                self.cell(width / 2, 4, f"Batch {batch_id}", align="L")
                self.cell(width / 2, 4, f"page {self.page_no()} of {{nb}}", align="R")
                self.ln(6)
                self.set_text_color(0)

        self.pdf: FPDF = Document(format=page, unit="mm")
        self.pdf.set_margins(10, 8, 10)
        self.pdf.set_auto_page_break(auto=False)
        self.pdf.alias_nb_pages("{nb}")
        font = font_file()
        if font is None:
            self.family = "helvetica"
            self.unicode = False
        else:
            self.family = "body"
            self.unicode = True
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            try:
                self.pdf.add_font(self.family, "", str(font))
                self.pdf.add_font(self.family, "B", str(bold if bold.is_file() else font))
            except Exception as error:  # fontTools raises its own errors for a non-font
                raise PdfError(
                    f"the font {font} cannot be read ({type(error).__name__}: {error}): set "
                    "MESOFORMULA_PDF_FONT to a TrueType or OpenType font file"
                ) from None
        self.base = base
        self.pdf.add_page()

    @property
    def width(self) -> float:
        return float(self.pdf.w - self.pdf.l_margin - self.pdf.r_margin)

    def _printable(self, text: str) -> str:
        if self.unicode:
            # A character the font has no glyph for would be dropped silently (a name in
            # CJK script printed as an empty space): refuse instead (SPEC §9.5).
            cmap = getattr(self.pdf.fonts.get(self.family), "cmap", None)
            missing = sorted(
                {c for c in text if cmap is not None and not c.isspace() and ord(c) not in cmap}
            )
            if missing:
                raise PdfError(
                    f"the text {text!r} holds {''.join(missing)!r}, which the PDF font cannot "
                    "draw; set MESOFORMULA_PDF_FONT to a font that has it (for CJK, a Noto "
                    "Sans CJK file) or use --format html"
                )
            return text
        try:
            text.encode("latin-1")
        except UnicodeEncodeError as error:
            bad = text[error.start : error.end]
            raise PdfError(
                f"the text {text!r} holds {bad!r}, which the built-in PDF font cannot print; "
                "set MESOFORMULA_PDF_FONT to a Unicode TrueType font (such as DejaVuSans.ttf) "
                "or use --format html"
            ) from None
        return text

    def fit(self, text: str, width: float, size: float, style: str = "") -> tuple[list[str], float]:
        """
        Wrap *text* into lines of at most *width* mm, breaking at spaces only and never
        between a number and its unit (:func:`print_tokens`); when a token is wider than
        *width* the size shrinks (to 4 pt at least) until it fits. Returns the lines and
        the font size used.
        """
        text = self._printable(text)
        tokens = [t for line in text.splitlines() for t in print_tokens(line)]
        while size > 4:
            self.pdf.set_font(self.family, style, size)
            if all(self.pdf.get_string_width(t) <= width for t in tokens):
                break
            size -= 0.5
        self.pdf.set_font(self.family, style, size)
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current = ""
            for token in print_tokens(paragraph):
                candidate = f"{current} {token}" if current else token
                if current and self.pdf.get_string_width(candidate) > width:
                    lines.append(current)
                    current = token
                else:
                    current = candidate
            lines.append(current)
        return lines, size

    def room(self, height: float) -> None:
        """Start a new page unless *height* mm fit on this one."""
        if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin - 6:
            self.pdf.add_page()

    def paragraph(
        self, text: str, *, size: float | None = None, style: str = "", color: int = 0
    ) -> None:
        size = size or self.base
        lines, used = self.fit(text, self.width, size, style)
        height = used * 0.45
        for line in lines:
            self.room(height)
            self.pdf.set_font(self.family, style, used)
            self.pdf.set_text_color(*((170, 0, 0) if color else (0, 0, 0)))
            self.pdf.cell(self.width, height, line, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0)

    def heading(self, text: str) -> None:
        self.room(14)
        self.pdf.ln(2)
        self.paragraph(text, size=self.base + 2, style="B")
        y = self.pdf.get_y()
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.width, y)
        self.pdf.ln(1.5)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
    ) -> None:
        """A table whose header row repeats on every page it runs onto."""
        columns = [self.width * w / sum(widths) for w in widths]

        def row(cells: Sequence[str], style: str) -> None:
            fitted = [
                self.fit(c, w - 2, self.base - 1, style)
                for c, w in zip(cells, columns, strict=True)
            ]
            heights = [len(lines) * size * 0.42 + 1.5 for lines, size in fitted]
            height = max(heights)
            if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin - 6:
                self.pdf.add_page()
                if style != "B":
                    row(header, "B")
            x, y = self.pdf.l_margin, self.pdf.get_y()
            for (lines, size), w in zip(fitted, columns, strict=True):
                if style == "B":
                    self.pdf.set_fill_color(230)
                    self.pdf.rect(x, y, w, height, style="DF")
                else:
                    self.pdf.rect(x, y, w, height)
                self.pdf.set_font(self.family, style, size)
                for n, line in enumerate(lines):
                    self.pdf.set_xy(x + 1, y + 0.75 + n * size * 0.42)
                    self.pdf.cell(w - 2, size * 0.42, line)
                x += w
            self.pdf.set_xy(self.pdf.l_margin, y + height)

        row(header, "B")
        for cells in rows:
            row(cells, "")
        self.pdf.ln(2)

    def box(self, lines: Sequence[str], *, style_first: str = "", code: str | None = None) -> None:
        """
        The label: its lines in a frame, and its machine-readable *code* as a QR code with
        the code's text under it (a new page when it does not fit).
        """
        fitted = [
            self.fit(line, self.width - 6, self.base, style_first if n == 0 else "")
            for n, line in enumerate(lines)
        ]
        text_height = sum(len(ls) * size * 0.45 for ls, size in fitted)
        caption: tuple[list[str], float] | None = None
        if code is not None:
            caption = self.fit(code, self.width - 6, 7)
        code_height = 0.0 if caption is None else QR_MM + 2 + len(caption[0]) * caption[1] * 0.45
        total = text_height + code_height + 4
        self.room(total)
        x, y = self.pdf.l_margin, self.pdf.get_y()
        self.pdf.set_line_width(0.6)
        self.pdf.rect(x, y, self.width, total)
        self.pdf.set_line_width(0.2)
        cursor = y + 2
        for n, (ls, size) in enumerate(fitted):
            bold = style_first if n == 0 else ""
            for line in ls:
                self.pdf.set_font(self.family, bold, size)
                self.pdf.set_xy(x + 3, cursor)
                self.pdf.cell(self.width - 6, size * 0.45, line)
                cursor += size * 0.45
        if code is not None and caption is not None:
            self.qr(code, x + 3, cursor + 1, QR_MM)
            cursor += QR_MM + 1.5
            for line in caption[0]:
                self.pdf.set_font(self.family, "", caption[1])
                self.pdf.set_xy(x + 3, cursor)
                self.pdf.cell(self.width - 6, caption[1] * 0.45, line)
                cursor += caption[1] * 0.45
        self.pdf.set_xy(self.pdf.l_margin, y + total + 2)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """*data* as a QR code (segno), *size* mm square with its quiet zone, at x, y."""
        import segno  # noqa: PLC0415 - only for a printed label

        rows = list(segno.make(data, error="m").matrix_iter(border=4))
        module = size / len(rows)
        self.pdf.set_fill_color(0)
        for r, row in enumerate(rows):
            for c, dark in enumerate(row):
                if dark:
                    self.pdf.rect(x + c * module, y + r * module, module, module, style="F")
        self.pdf.set_fill_color(255)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def label_pdf(label: Label) -> bytes:
    """A batch's label alone, on an A6 page, 105 x 148 mm (more pages if its text needs them)."""
    pages = _Pages(label.batch_id, page=(105.0, 148.0), base=9.5)
    pages.box(label.lines, style_first="B", code=label.code)
    return pages.output()


def batch_pdf(record: BatchRecord, meta: Sequence[tuple[str, str]], banner: str | None) -> bytes:
    """
    The compounding record on A4 pages: *banner* (void, not released) first, the
    fields *meta*, components, checks at compounding, record findings, the label and
    the signature lines.
    """
    pages = _Pages(record.batch_id, page="A4", base=9.5)
    if banner:
        pages.paragraph(banner, style="B", color=1)
        pages.pdf.ln(1)
    pages.paragraph(f"Compounding record: batch {record.batch_id}", size=14, style="B")
    pages.pdf.ln(2)
    pages.table(("field", "value"), meta, (1, 3))
    pages.heading("Components")
    pages.table(
        ("product", "lot", "expiry", "volume drawn", "opened", "waste"),
        [
            [
                c.product_name or c.product,
                c.lot,
                c.expiry.isoformat() if c.expiry else "none",
                f"{c.volume.value:g} {c.volume.unit}",
                str(c.containers_opened),
                f"{c.waste.value:g} {c.waste.unit}",
            ]
            for c in record.components
        ],
        (4, 1.6, 1.6, 1.4, 1, 1),
    )
    for title, findings, empty in (
        ("Checks at compounding", record.checks, "No findings."),
        ("Record findings", record.findings, "None."),
    ):
        pages.heading(title)
        if not findings:
            pages.paragraph(empty)
            continue
        pages.table(
            ("severity", "code", "message", "accepted because"),
            [[f.severity, f.code, f.message, f.justification or ""] for f in findings],
            (1.1, 1.6, 5, 2),
        )
    pages.heading("Label")
    pages.box(record.label.lines, style_first="B", code=record.label.code)
    pages.room(16)
    pages.pdf.ln(10)
    y = pages.pdf.get_y()
    width = (pages.width - 10) / len(SIGNATURES)
    for n, title in enumerate(SIGNATURES):
        x = pages.pdf.l_margin + n * (width + 5)
        pages.pdf.line(x, y, x + width, y)
        pages.pdf.set_xy(x, y + 0.5)
        pages.pdf.set_font(pages.family, "", 8)
        pages.pdf.cell(width, 4, title)
    return pages.output()


__all__ = ["FONT_PLACES", "PdfError", "batch_pdf", "font_file", "label_pdf"]
