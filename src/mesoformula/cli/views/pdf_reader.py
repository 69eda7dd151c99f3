"""
The rendered HTML of a record or a label (:mod:`mesoformula.cli.views.printed`) read
back as the blocks the PDF draws: paragraphs (the title, headings, banners, text),
tables, the label box with its code, and the signature lines.

The reader knows exactly the elements of the package's templates
(``templates/macros.html`` and the pages built from it) and refuses any other with a
:class:`~mesoformula.cli.views.pdf.PdfError`: a template that gains an element the PDF
cannot draw fails its tests, instead of a PDF that silently lacks what the HTML shows.
Text is read as a browser shows it: character references decoded (``&lt;script&gt;``
is drawn as ``<script>``), runs of white space collapsed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Literal

import attrs

Kind = Literal["title", "heading", "banner", "text"]


@attrs.frozen(kw_only=True)
class Paragraph:
    """A paragraph: the document's title, a heading, a banner (said first, in red) or text."""

    text: str
    kind: Kind


@attrs.frozen(kw_only=True)
class Table:
    """A table: its header, its rows, and each column's share of the width."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@attrs.frozen(kw_only=True)
class LabelBox:
    """The label: its lines (text, bold) and the data of its QR code."""

    lines: tuple[tuple[str, bool], ...]
    code: str | None


@attrs.frozen(kw_only=True)
class Signatures:
    """The signature lines of a record, by what each asks for."""

    titles: tuple[str, ...]


Block = Paragraph | Table | LabelBox | Signatures


@attrs.frozen(kw_only=True)
class Document:
    """A printed document: the batch each page names (or None) and its blocks in order."""

    batch_id: str | None
    blocks: tuple[Block, ...]


class TemplateError(ValueError):
    """The HTML holds an element the PDF does not draw."""


#: Elements that only hold others.
_STRUCTURE = frozenset({"html", "thead", "tbody", "figure"})
#: The role of an element by its tag, or for a ``div`` by its class.
_TAGS = {
    "body": "body",
    "h1": "title",
    "h2": "heading",
    "p": "text",
    "table": "table",
    "tr": "row",
    "th": "header_cell",
    "td": "cell",
    "figcaption": "caption",
}
_DIVS = {"label": "label", "line": "line", "sign": "sign"}
#: Roles said another way by a class: a banner paragraph, a bold label line.
_CLASSED = {("text", "banner"): "banner", ("line", "strong"): "strong"}
#: The roles whose element's text is one piece of the document.
_TEXTS = frozenset(
    {"title", "heading", "text", "banner", "header_cell", "cell", "line", "strong", "signature"}
)
_PARAGRAPHS: dict[str, Kind] = {
    "title": "title",
    "heading": "heading",
    "text": "text",
    "banner": "banner",
}


def _text(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class _Reader(HTMLParser):
    """Reads the template's HTML into :class:`Document` blocks (see the module)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.batch_id: str | None = None
        self.blocks: list[Block] = []
        self._head = False
        self._caption = False
        self._roles: list[str] = []
        self._text: list[str] | None = None
        self._widths: tuple[float, ...] = ()
        self._header: list[str] = []
        self._rows: list[tuple[str, ...]] = []
        self._cells: list[str] = []
        self._lines: list[tuple[str, bool]] = []
        self._code: str | None = None
        self._titles: list[str] = []

    def _role(self, tag: str, classes: set[str]) -> str:
        """What the element of *tag* with *classes* is to the PDF."""
        if tag in _STRUCTURE:
            return "structure"
        if tag == "span":  # a token kept whole, or a signature line's title
            return "signature" if self._roles[-1:] == ["sign"] else "structure"
        role = (
            _TAGS.get(tag)
            if tag != "div"
            else next((_DIVS[name] for name in sorted(classes) if name in _DIVS), None)
        )
        if role is None:
            raise TemplateError(f"the template holds <{tag}>, which the PDF does not draw")
        return next((_CLASSED[role, c] for c in sorted(classes) if (role, c) in _CLASSED), role)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {name: value or "" for name, value in attrs}
        if tag == "head" or self._head:  # title, style and meta: not drawn
            self._head = True
            return
        if tag == "img":  # a void element: the label's QR code, by the data it holds
            self._code = given.get("alt", "")
            return
        role = self._role(tag, set(given.get("class", "").split()))
        if role == "body":
            self.batch_id = given.get("data-batch")
        elif role == "table":
            self._widths = tuple(float(w) for w in given.get("data-widths", "").split())
            self._header, self._rows = [], []
        elif role == "row":
            self._cells = []
        self._caption = self._caption or role == "caption"
        if role in _TEXTS:
            self._text = []
        self._roles.append(role)

    def handle_endtag(self, tag: str) -> None:
        if self._head:
            self._head = tag != "head"
            return
        if tag == "img":
            return
        role = self._roles.pop()
        text = _text(self._text or [])
        if role in _TEXTS:
            self._text = None
        if role in _PARAGRAPHS:
            self.blocks.append(Paragraph(text=text, kind=_PARAGRAPHS[role]))
        else:
            getattr(self, f"_end_{role}", self._end_structure)(text)

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._caption:
            self._text.append(data)

    def _end_structure(self, text: str) -> None:
        """An element that holds others and draws nothing itself."""

    def _end_header_cell(self, text: str) -> None:
        self._header.append(text)

    def _end_cell(self, text: str) -> None:
        self._cells.append(text)

    def _end_row(self, text: str) -> None:
        if self._cells:
            self._rows.append(tuple(self._cells))

    def _end_table(self, text: str) -> None:
        self.blocks.append(
            Table(header=tuple(self._header), rows=tuple(self._rows), widths=self._widths)
        )

    def _end_line(self, text: str) -> None:
        self._lines.append((text, False))

    def _end_strong(self, text: str) -> None:
        self._lines.append((text, True))

    def _end_caption(self, text: str) -> None:
        self._caption = False

    def _end_label(self, text: str) -> None:
        self.blocks.append(LabelBox(lines=tuple(self._lines), code=self._code))
        self._lines, self._code = [], None

    def _end_signature(self, text: str) -> None:
        self._titles.append(text)

    def _end_sign(self, text: str) -> None:
        self.blocks.append(Signatures(titles=tuple(self._titles)))
        self._titles = []


def read(html: str) -> Document:
    """The blocks of *html*, a page rendered from the package's templates.

    Raises:
        TemplateError: it holds an element the PDF does not draw.
    """
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Document(batch_id=reader.batch_id, blocks=tuple(reader.blocks))


__all__ = [
    "Block",
    "Document",
    "LabelBox",
    "Paragraph",
    "Signatures",
    "Table",
    "TemplateError",
    "read",
]
