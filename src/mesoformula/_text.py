"""Aligned text tables for people: the worksheet, catalog listings, stock lists."""

from __future__ import annotations

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
