"""
The compounding record and the label as PDF (SPEC §8.8, §9.7), drawn with fpdf2 from the
same rendered HTML as the HTML record and label (:mod:`mesoformula.cli.views.printed`,
read back by :mod:`mesoformula.cli.views.pdf_reader`): one template, the same content.

fpdf2 is pure Python (with fontTools and Pillow) and is imported only when a PDF is
asked for: ``pip install 'mesoformula[pdf]'``. Text is wrapped here, at spaces only, so
that a lot number, a date or a batch id never breaks inside; a token too long for its
cell is set smaller instead. Every page carries the batch id and "page N of M". A label
on a continuous roll (62 mm) is one page as long as its content.

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

from .pdf_reader import Block, LabelBox, Paragraph, Signatures, Table, TemplateError, read
from .printed import A4, LABEL_SIZES, Paper
from .records import batch_html, label_html

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

#: The longest page of a label on a continuous roll, in mm: a longer label (a hostile
#: text thousands of characters long) runs onto more pages of this length. Viewers such
#: as Acrobat open pages of at most 200 in (5080 mm).
ROLL_MAX = 1000.0


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

    def __init__(self, batch_id: str | None, *, paper: Paper, height: float) -> None:
        engine = _fpdf()
        owner = self  # the header draws with the document's font, chosen below

        class Document(engine):  # type: ignore[valid-type,misc]
            def header(self) -> None:
                if batch_id is None:
                    return
                self.set_font(owner.family, "", 7.5)
                self.set_text_color(80)
                width = self.w - self.l_margin - self.r_margin
                self.cell(width / 2, 4, f"Batch {batch_id}", align="L")
                self.cell(width / 2, 4, f"page {self.page_no()} of {{nb}}", align="R")
                self.ln(6)
                self.set_text_color(0)

        self.pdf: FPDF = Document(format=(paper.width, height), unit="mm")
        self.pdf.set_margins(paper.margin, min(paper.margin, 8), paper.margin)
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
        self.base = paper.base
        # What a page keeps free above its bottom margin; none on a roll, which is cut
        # where its content ends (pdf_of measures it).
        self.reserve = 6.0 if paper.height is not None else 0.0
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
        *width* the size shrinks (to 4 pt at least) until it fits. A token wider than the
        line even then (hundreds of characters without a space: no lot number or date)
        is cut where the line ends, at the size given, so that all of it stays on the
        page and legible. Returns the lines and the font size used.
        """
        text = self._printable(text)
        tokens = [t for line in text.splitlines() for t in print_tokens(line)]
        given = size
        while size > 4:
            self.pdf.set_font(self.family, style, size)
            if all(self.pdf.get_string_width(t) <= width for t in tokens):
                break
            size -= 0.5
        self.pdf.set_font(self.family, style, size)
        if any(self.pdf.get_string_width(t) > width for t in tokens):
            size = given  # cut anyway: then at the size it was meant to be read at
            self.pdf.set_font(self.family, style, size)
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current = ""
            for token in self._pieces(print_tokens(paragraph), width):
                candidate = f"{current} {token}" if current else token
                if current and self.pdf.get_string_width(candidate) > width:
                    lines.append(current)
                    current = token
                else:
                    current = candidate
            lines.append(current)
        return lines, size

    def _pieces(self, tokens: list[str], width: float) -> list[str]:
        """*tokens*, a token wider than *width* mm (in the current font) cut into pieces."""
        pieces = []
        for token in tokens:
            if self.pdf.get_string_width(token) <= width:
                pieces.append(token)
                continue
            piece, used = "", 0.0
            for char in token:
                char_width = self.pdf.get_string_width(char)
                if piece and used + char_width > width:
                    pieces.append(piece)
                    piece, used = "", 0.0
                piece += char
                used += char_width
            pieces.append(piece)
        return pieces

    def room(self, height: float) -> None:
        """Start a new page unless *height* mm fit on this one."""
        if self.pdf.get_y() + height > self.bottom:
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

    def heading(self, text: str, *, keep: float = 0.0) -> None:
        """A heading, on the page of the *keep* mm that follow it."""
        self.room(14 + keep)
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
            if self.pdf.get_y() + height > self.bottom:
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

    @property
    def bottom(self) -> float:
        """The lowest point text may reach on a page (the bottom margin kept)."""
        return float(self.pdf.h - self.pdf.b_margin - self.reserve)

    @property
    def page_room(self) -> float:
        """The height a page has for content, under its running head."""
        return self.bottom - float(self.pdf.t_margin) - 6

    def box(self, lines: Sequence[tuple[str, bool]], code: str | None) -> None:
        """
        The label: its *lines* (text, bold) in a frame, and its machine-readable *code* as
        a QR code with the code's text under it. A label that fits on a page is never
        split (a new page when it does not fit here); a longer one runs on, its frame
        drawn around each page's part.
        """
        fitted, caption, height = self._box_layout(lines, code)
        if height <= self.page_room:
            self.room(height)
        top = self.pdf.get_y()
        cursor = top + 2
        for (ls, size), bold in fitted:
            for line in ls:
                top, cursor = self._box_room(top, cursor, size * 0.45)
                self.pdf.set_font(self.family, "B" if bold else "", size)
                self.pdf.set_xy(self.pdf.l_margin + 3, cursor)
                self.pdf.cell(self.width - 6, size * 0.45, line)
                cursor += size * 0.45
        if code is not None and caption is not None:
            top, cursor = self._box_room(top, cursor, _code_height(caption))
            self.qr(code, self.pdf.l_margin + 3, cursor + 1, QR_MM)
            cursor += QR_MM + 1.5
            for line in caption[0]:
                self.pdf.set_font(self.family, "", caption[1])
                self.pdf.set_xy(self.pdf.l_margin + 3, cursor)
                self.pdf.cell(self.width - 6, caption[1] * 0.45, line)
                cursor += caption[1] * 0.45
        self._frame(top, cursor + 2)
        self.pdf.set_xy(self.pdf.l_margin, cursor + 4)

    def _box_layout(
        self, lines: Sequence[tuple[str, bool]], code: str | None
    ) -> tuple[list[tuple[tuple[list[str], float], bool]], tuple[list[str], float] | None, float]:
        """The label's lines fitted to its frame, its code's caption, and its height."""
        fitted = [
            (self.fit(t, self.width - 6, self.base, "B" if bold else ""), bold) for t, bold in lines
        ]
        caption = None if code is None else self.fit(code, self.width - 6, 7)
        text_height = sum(len(ls) * size * 0.45 for (ls, size), _ in fitted)
        return (
            fitted,
            caption,
            text_height + (0.0 if caption is None else _code_height(caption)) + 4,
        )

    def _box_room(self, top: float, cursor: float, height: float) -> tuple[float, float]:
        """The frame's top and the cursor for *height* mm more of the label: on a new
        page, the frame of this one closed, when it does not fit here."""
        if cursor + height <= self.bottom:
            return top, cursor
        self._frame(top, cursor + 2)
        self.pdf.add_page()
        top = self.pdf.get_y()
        return top, top + 2

    def _frame(self, top: float, bottom: float) -> None:
        self.pdf.set_line_width(0.6)
        self.pdf.rect(self.pdf.l_margin, top, self.width, bottom - top)
        self.pdf.set_line_width(0.2)

    def signatures(self, titles: Sequence[str]) -> None:
        """A line to sign on for each of *titles*, side by side, its title under it."""
        self.room(16)
        self.pdf.ln(10)
        y = self.pdf.get_y()
        width = (self.width - 5 * (len(titles) - 1)) / max(len(titles), 1)
        for n, title in enumerate(titles):
            x = self.pdf.l_margin + n * (width + 5)
            self.pdf.line(x, y, x + width, y)
            self.pdf.set_xy(x, y + 0.5)
            self.pdf.set_font(self.family, "", 8)
            self.pdf.cell(width, 4, self._printable(title))

    def draw(self, block: Block, following: Block | None = None) -> None:
        """Draw one block of a document (:mod:`mesoformula.cli.views.pdf_reader`); a
        heading stays on the page of the label that *follows* it."""
        match block:
            case Paragraph(kind="title"):
                self.paragraph(block.text, size=self.base + 4.5, style="B")
                self.pdf.ln(2)
            case Paragraph(kind="heading"):
                keep = 0.0
                if isinstance(following, LabelBox):
                    height = self._box_layout(following.lines, following.code)[2]
                    keep = height if height <= self.page_room - 14 else 0.0
                self.heading(block.text, keep=keep)
            case Paragraph(kind="banner"):
                self.paragraph(block.text, style="B", color=1)
                self.pdf.ln(1)
            case Paragraph():
                self.paragraph(block.text)
            case Table():
                self.table(block.header, block.rows, block.widths or (1,) * len(block.header))
            case LabelBox():
                self.box(block.lines, block.code)
            case Signatures():
                self.signatures(block.titles)

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


def _code_height(caption: tuple[list[str], float]) -> float:
    """The height of a label's QR code with its caption (*caption*: lines, font size)."""
    lines, size = caption
    return QR_MM + 2 + len(lines) * size * 0.45


def _drawn(html: str, paper: Paper, height: float) -> _Pages:
    try:
        document = read(html)
    except TemplateError as error:  # a template and its reader out of step: a bug
        raise PdfError(f"the PDF cannot be drawn: {error}") from None
    pages = _Pages(document.batch_id, paper=paper, height=height)
    for block, following in zip(document.blocks, [*document.blocks[1:], None], strict=True):
        pages.draw(block, following)
    return pages


def pdf_of(html: str, paper: Paper) -> bytes:
    """
    The PDF of *html* (a page rendered from the package's templates) on *paper*. On a
    continuous roll (no height), the page is as long as the content: drawn once on a
    page of :data:`ROLL_MAX` to measure it, then on a page of that length.
    """
    if paper.height is not None:
        return _drawn(html, paper, paper.height).output()
    measured = _drawn(html, paper, ROLL_MAX)
    if measured.pdf.page_no() > 1:
        return measured.output()
    return _drawn(html, paper, float(measured.pdf.get_y()) + paper.margin).output()


def label_pdf(label: Label, size: str = "a6") -> bytes:
    """A batch's label alone, on a page of *size* (``a6``, 105 x 148 mm; ``62mm``, a
    continuous roll; ``4x6in``): more pages only when its text needs them."""
    return pdf_of(label_html(label, size), LABEL_SIZES[size])


def batch_pdf(record: BatchRecord) -> bytes:
    """
    The compounding record on A4 pages, from the HTML record's template: its banners
    (tampered, recalled, void, not released) first, the fields, components, checks at
    compounding, record findings, the label and the signature lines.
    """
    return pdf_of(batch_html(record), A4)


__all__ = [
    "FONT_PLACES",
    "ROLL_MAX",
    "PdfError",
    "batch_pdf",
    "font_file",
    "label_pdf",
    "pdf_of",
]
