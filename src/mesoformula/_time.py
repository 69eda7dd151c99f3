"""
Instants (SPEC §8.4): every moment the library stores is an aware UTC ``datetime``.

A moment given without an offset (a naive ``datetime``, ``--at 2026-12-01T10:00``, a
time in a file) is local time on the machine that reads it. Stored instants are ISO
8601 in UTC with their offset (``2026-12-01T09:00:00+00:00``); a stored text without an
offset (written before schema version 6) is read as local time, as the version that
wrote it meant it. Comparisons are between instants, never between strings.
"""

from __future__ import annotations

import datetime as dt

#: The years an instant may fall in (``value.range`` outside).
YEARS = (1900, 2999)


class InstantRangeError(ValueError):
    """An instant outside :data:`YEARS`."""


def utc(moment: dt.datetime) -> dt.datetime:
    """*moment* as an aware UTC instant (naive means local time), whole seconds.

    Raises:
        InstantRangeError: its year is outside :data:`YEARS` (before or after conversion).
    """
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise InstantRangeError(
            f"{moment.isoformat()}: the year must be between {YEARS[0]} and {YEARS[1]}"
        )
    aware = moment.astimezone() if moment.tzinfo is None else moment
    instant = aware.astimezone(dt.UTC).replace(microsecond=0)
    if not YEARS[0] <= instant.year <= YEARS[1]:
        raise InstantRangeError(
            f"{moment.isoformat()}: the year must be between {YEARS[0]} and {YEARS[1]}"
        )
    return instant


def stored(moment: dt.datetime) -> str:
    """*moment* as the store writes it: UTC, to the second, with its offset."""
    return utc(moment).isoformat(timespec="seconds")


def read(text: str) -> dt.datetime:
    """A stored instant as an aware UTC ``datetime`` (no offset means local time)."""
    moment = dt.datetime.fromisoformat(text)
    aware = moment.astimezone() if moment.tzinfo is None else moment
    return aware.astimezone(dt.UTC)


def local(moment: dt.datetime) -> dt.datetime:
    """An instant in this machine's local time, with its offset (for dates and display)."""
    return (moment.astimezone() if moment.tzinfo is None else moment).astimezone()


def aware(moment: dt.datetime) -> dt.datetime:
    """*moment* with an offset (naive means local time), in UTC; no range check."""
    return (moment.astimezone() if moment.tzinfo is None else moment).astimezone(dt.UTC)


def shown(moment: dt.datetime) -> str:
    """
    *moment* for people (SPEC §9.3), in the clinic's zone (the process's local time,
    which the command line sets from ``MESOFORMULA_TZ``), one form everywhere:
    ``2026-12-01 10:00 CET`` (the zone's abbreviation, or its offset ``UTC+05:30``).
    """
    here = moment.astimezone()  # naive means local time already, as in aware()
    name = here.tzname() or ""
    if not name.isalpha():
        offset = here.strftime("%z")
        name = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{here:%Y-%m-%d %H:%M} {name}"


def now() -> dt.datetime:
    """The current instant, aware UTC, whole seconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


__all__ = [
    "YEARS",
    "InstantRangeError",
    "aware",
    "local",
    "now",
    "read",
    "shown",
    "stored",
    "utc",
]
