"""Text for people: aligned tables (worksheet, catalog listings, stock lists) and the
one-line rule for text fields (SPEC §8.2)."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
    pad_last: bool = True,
) -> list[str]:
    """
    Return a header line, a dashed rule and one line per row, columns two spaces apart.

    Columns in *right* are right-aligned. With *pad_last* false the last column sets no
    width, so one long cell (a name, a note) does not stretch the rule.
    """
    widths = [max([len(h), *(len(r[n]) for r in rows)]) for n, h in enumerate(header)]
    if not pad_last:
        widths[-1] = len(header[-1])

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if n in right else c.ljust(w)
            for n, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


#: Characters a one-line text field must not hold: C0 and C1 controls (newline, carriage
#: return, tab, escape, DEL ...), line and paragraph separators, and the bidirectional
#: overrides and isolates that can make text display in another order than it is stored.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def control_character(text: str) -> str | None:
    """Return a description of the first control character in *text*, or None."""
    if text.isprintable():  # C speed: every character of _CONTROL is non-printable
        return None
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    names = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", "\x1b": "an escape"}
    if "\ud800" <= char <= "\udfff":
        where = found.start() + 1
        return f"a lone surrogate U+{ord(char):04X} (not valid Unicode) at position {where}"
    return names.get(char, f"the control character U+{ord(char):04X}") + (
        f" at position {found.start() + 1}"
    )


def markdown_text(text: str) -> str:
    """
    One line of Markdown text that renders as the text it is: control characters shown
    escaped, HTML escaped (``<script>``, ``onerror=``), and every character Markdown
    gives a meaning escaped with a backslash (emphasis, code, links, tables, headings),
    so that a name, an id or a message cannot break out of its line, cell or block.
    """
    escaped = html.escape(one_line(text), quote=False)
    return _MARKDOWN.sub(r"\\\g<0>", escaped)


_MARKDOWN = re.compile(r"[\\`*_{}\[\]#|~]")


def fence(text: str) -> str:
    """A code fence longer than any run of backticks in *text* (it cannot be closed early)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def one_line(text: str) -> str:
    """Return *text* with every control character shown as a visible escape (``\\n``),
    so that printed output never carries raw control characters."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_NUMBER = re.compile(r"^[<>~≤≥]?[-+]?\d[\d.,]*%?$")


def print_tokens(line: str) -> list[str]:
    """
    The words of *line* that printing must keep whole: split at spaces only, and a
    number stays with the unit after it (``25 mg/mL``, ``10 mL``), so that a printed
    label never breaks a quantity, a lot number or a date across lines.
    """
    words = line.split()
    tokens: list[str] = []
    for word in words:
        if tokens and _NUMBER.match(tokens[-1]) and not _NUMBER.match(word):
            tokens[-1] = f"{tokens[-1]} {word}"
        else:
            tokens.append(word)
    return tokens


def identity(text: str) -> str:
    """
    A name as identity compares it (SPEC §9.5): NFKC-normalised (full-width letters are
    letters), zero-width and format characters dropped, case-folded, single spaces.
    """
    import unicodedata  # noqa: PLC0415

    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(kept.casefold().split())


__all__ = [
    "control_character",
    "fence",
    "identity",
    "markdown_text",
    "one_line",
    "print_tokens",
    "text_table",
]
