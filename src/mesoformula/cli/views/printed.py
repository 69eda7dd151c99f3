"""
Printed documents from one template (SPEC §9.7): the compounding record, the label and
the master formulation record are Jinja2 templates (``src/mesoformula/templates/``)
rendered to HTML with autoescaping on, and the PDF is drawn from that same rendered HTML
(:mod:`mesoformula.cli.views.pdf`), so the two show the same content, word for word.

Why the PDF is read back from the HTML rather than built beside it: the review of issue
30 found the two diverged (ids in one, names in the other) because each formatted the
record on its own. With one template there is one place that says what a record shows;
the PDF reader (:mod:`mesoformula.cli.views.pdf_reader`) knows only the template's few
elements and refuses any other, so the template cannot gain content the PDF would drop.
fpdf2's own ``write_html`` is not used: it breaks a word too long for its cell anywhere
inside it (a lot number split over several lines, measured with fpdf2 2.8), which SPEC
§8.8 forbids; the reader hands each block to the drawing code that keeps tokens whole.

Escaping is Jinja2's: every value is text, escaped when rendered; control characters
are shown as visible escapes (``\\x07``, :func:`mesoformula._text.one_line`) in HTML and
PDF alike. Nothing in the templates is marked safe but the constants of this package
(the Content-Security-Policy) and the CSS string of :func:`css_string`, which escapes
every character that is not an ASCII letter or digit.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

import attrs
from markupsafe import Markup  # Jinja2's own escaping library (a dependency of it)

from mesoformula._text import one_line, print_tokens

if TYPE_CHECKING:  # pragma: no cover
    import jinja2


@attrs.frozen(kw_only=True)
class Paper:
    """
    A page a document is printed on: its size in mm (*height* None: as long as its
    content, a continuous roll), margins, body font size in points, and the CSS
    ``@page`` size the HTML asks the browser for.
    """

    name: str
    width: float
    height: float | None
    margin: float
    base: float
    css: str


#: A4, for records.
A4 = Paper(name="A4", width=210.0, height=297.0, margin=10.0, base=9.5, css="A4")

#: The sizes labels come in (``record label --size``). 62 mm is the width of the
#: continuous rolls of label printers (Brother DK-22205 and the like): the PDF page is
#: as long as the label's content, cut after it, so a label is never split over two
#: pieces; a browser cannot size a page to its content, so the HTML asks for 62 x 100
#: mm (the common die-cut 62 mm label), and longer content runs onto a second one.
LABEL_SIZES = {
    "a6": Paper(name="a6", width=105.0, height=148.0, margin=8.0, base=9.5, css="105mm 148mm"),
    "62mm": Paper(name="62mm", width=62.0, height=None, margin=3.0, base=8.0, css="62mm 100mm"),
    "4x6in": Paper(name="4x6in", width=101.6, height=152.4, margin=8.0, base=9.5, css="4in 6in"),
}

#: No script, nothing fetched: styles inline, images only as data (SPEC §8.2). A
#: constant of the package, so marked safe: the template prints it as it is.
CSP = Markup(
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

#: Characters a browser may break a line after inside a word: a token holding one
#: (a lot number, a date, a batch id) is kept on one line.
_BREAKABLE = re.compile(r"[-/:.,;+_‐-―]")


def tokens(value: object) -> list[str]:
    """The printed tokens of *value* (:func:`print_tokens`), control characters shown."""
    return print_tokens(one_line(str(value)))


def unbreakable(token: str) -> bool:
    """Whether a browser could break *token* (a quantity, or a word with a hyphen)."""
    return " " in token or _BREAKABLE.search(token[:-1]) is not None


def css_string(text: object) -> Markup:
    """*text* as a CSS string: every character outside ASCII letters and digits escaped,
    so it is safe in a style sheet and in HTML alike."""
    escaped = "".join(c if c.isalnum() and c.isascii() else f"\\{ord(c):x} " for c in str(text))
    return Markup(f'"{escaped}"')  # noqa: S704 - nothing but letters, digits and escapes


def qr_uri(data: str) -> str:
    """*data* as a QR code, an SVG data URI (nothing is fetched)."""
    import segno  # noqa: PLC0415 - only for a printed label

    return str(segno.make(data, error="m").svg_data_uri(scale=1, border=4))


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment: the package's ``templates`` folder, autoescaped,
    strict about undefined names. Jinja2 is imported here: only when a page is printed."""
    import jinja2  # noqa: PLC0415 - only when HTML or a PDF is printed

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mesoformula", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(tokens=tokens, one_line=one_line, css_string=css_string, qr_uri=qr_uri)
    env.tests["unbreakable"] = unbreakable
    return env


def render(template: str, **context: Any) -> str:
    """The HTML of *template* with *context* (the page's CSP given)."""
    return environment().get_template(template).render(csp=CSP, **context)


__all__ = [
    "A4",
    "CSP",
    "LABEL_SIZES",
    "Paper",
    "css_string",
    "environment",
    "qr_uri",
    "render",
    "tokens",
    "unbreakable",
]
