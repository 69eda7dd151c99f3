"""
The sitting (SPEC §9.1): every administration to one patient within the sitting window
(default 24 hours, rolling). A patient is harmed by what reaches them in one visit, not
by one file: session, per-kg, epinephrine and additive limits are judged over the
sitting, and ``min_interval`` is measured between sittings.

Pure functions over recorded administrations (:class:`~mesoformula.course.Administration`):

* :func:`windows_at`: the groups of administrations a dose at an instant shares a
  window with (one group when doses are recorded in the order given);
* :func:`sittings`: a patient's live administrations grouped into sittings, each
  holding every administration less than the window after its first;
* :func:`same_sitting`: whether two instants are one sitting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from . import _time
from .catalog import DEFAULT_WINDOW

if TYPE_CHECKING:  # the course builds on the sitting, not the other way round
    from .course import Administration


def same_sitting(a: dt.datetime, b: dt.datetime, window: dt.timedelta) -> bool:
    """Whether instants *a* and *b* are less than *window* apart (one sitting)."""
    return abs(_time.aware(a) - _time.aware(b)) < window


def windows_at(
    administrations: Iterable[Administration], at: dt.datetime, window: dt.timedelta
) -> list[tuple[Administration, ...]]:
    """
    The live administrations that share a sitting window with a dose at *at*: for every
    window of length *window* that contains *at*, the administrations in it, keeping the
    largest groups only (a group inside another adds nothing to check).

    Recorded in the order given, every earlier dose of the sitting lies in the window
    that ends at *at*, and that is the one group. A dose recorded late (dated before
    doses already recorded) may share a window with earlier doses and another with
    later ones: each group is checked, so no window ever holds more than a limit.
    """
    moment = _time.aware(at)
    near = sorted(
        (a for a in administrations if a.live and same_sitting(a.at, moment, window)),
        key=lambda a: (_time.aware(a.at), a.number),
    )
    starts = sorted({moment, *(_time.aware(a.at) for a in near if _time.aware(a.at) <= moment)})
    groups: list[tuple[Administration, ...]] = []
    for start in starts:
        group = tuple(a for a in near if start <= _time.aware(a.at) < start + window)
        numbers = {a.number for a in group}
        if any(numbers <= {a.number for a in other} for other in groups):
            continue
        groups = [g for g in groups if not {a.number for a in g} <= numbers]
        groups.append(group)
    return groups or [()]


def sittings(
    administrations: Iterable[Administration], window: dt.timedelta
) -> list[tuple[Administration, ...]]:
    """
    The live *administrations* grouped into sittings, in time order: a sitting starts
    with the first administration after the previous sitting and holds every
    administration less than *window* after that first one.
    """
    ordered = sorted(
        (a for a in administrations if a.live), key=lambda a: (_time.aware(a.at), a.number)
    )
    found: list[list[Administration]] = []
    for administration in ordered:
        if found and _time.aware(administration.at) - _time.aware(found[-1][0].at) < window:
            found[-1].append(administration)
        else:
            found.append([administration])
    return [tuple(s) for s in found]


def sittings_apart(
    administrations: Sequence[Administration], at: dt.datetime, window: dt.timedelta
) -> list[tuple[Administration, ...]]:
    """The sittings of *administrations* that are not the sitting of *at* (none of theirs
    is within the window of *at*), before or after it, in time order."""
    return [
        s
        for s in sittings(administrations, window)
        if not any(same_sitting(a.at, at, window) for a in s)
    ]


__all__ = ["DEFAULT_WINDOW", "same_sitting", "sittings", "sittings_apart", "windows_at"]
