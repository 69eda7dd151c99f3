"""
Treatment areas (SPEC §9.1): where a dose went.

The vocabulary is :data:`AREAS` (the areas mesotherapy labels and protocols name) plus
the areas a catalog's ``[policy] areas`` adds. Words are matched as people type them:
case-insensitive, accents optional (``decolletage`` is ``décolletage``), spaces or
underscores for hyphens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: The shipped vocabulary, as printed.
AREAS: tuple[str, ...] = (
    "face",
    "scalp",
    "neck",
    "submental",
    "décolletage",
    "abdomen",
    "flanks",
    "thighs",
    "buttocks",
    "arms",
    "knees",
    "hands",
)

_WORDS = re.compile(r"[a-z]+(?:-[a-z]+)*")


def area_key(word: str) -> str:
    """*word* as areas are compared: no accents, case-folded, words joined by hyphens."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return "-".join(re.split(r"[\s_-]+", plain.casefold().strip()))


def is_area_word(word: str) -> bool:
    """Whether *word* can name an area (letters, words joined by hyphens)."""
    return _WORDS.fullmatch(area_key(word)) is not None


def vocabulary(extra: Iterable[str] = ()) -> dict[str, str]:
    """The areas known (shipped and *extra*), keyed by :func:`area_key`, as printed."""
    return {area_key(a): a for a in (*AREAS, *extra)}


def resolve(word: str, extra: Iterable[str] = ()) -> str | None:
    """The area *word* names (as printed), or None when it names none."""
    return vocabulary(extra).get(area_key(word))


def suggestion(word: str, extra: Iterable[str] = ()) -> str:
    """The known areas, the closest first when one is close: for an error message."""
    import difflib  # noqa: PLC0415 - only on the error path

    known = vocabulary(extra)
    near = difflib.get_close_matches(area_key(word), list(known), n=1, cutoff=0.6)
    listed = ", ".join(known.values())
    return (f"did you mean '{known[near[0]]}'? " if near else "") + f"areas: {listed}"


def covered(area: str, areas: Iterable[str]) -> bool:
    """Whether *area* is one of *areas* (compared as :func:`area_key` does)."""
    return area_key(area) in {area_key(a) for a in areas}


__all__ = ["AREAS", "area_key", "covered", "is_area_word", "resolve", "suggestion", "vocabulary"]
