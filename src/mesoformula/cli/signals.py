"""
``mesoformula signals``: clusters of complications by batch and lot within a window
(SPEC §9.4), with the exposed patients who have not reported. Exit codes: 0 no signal,
1 a signal (so that a clinic can run it from cron), 2 usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any, TextIO

from mesoformula import _time

from ._common import EXIT_FINDINGS, EXIT_OK, UsageError, write_json
from ._store import at_time, open_store

#: A window: a number of days, hours or weeks.
_WINDOW = re.compile(r"(\d{1,4})([dhw])")
_UNITS = {"d": "days", "h": "hours", "w": "weeks"}


def window_of(text: str) -> dt.timedelta:
    """``30d``, ``48h`` or ``2w`` as a duration; anything else is a usage error."""
    match = _WINDOW.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise UsageError(f"--window {text!r}: a number of days, hours or weeks, such as 30d")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def cmd_signals(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula signals [--window 30d] [--at T]``."""
    from mesoformula.stock.signals import report_form, survey  # noqa: PLC0415

    window = window_of(args.window)
    at = at_time(args)
    with open_store(args, readonly=True) as stock:
        found, grouped = survey(stock, at=at, window=window)
    code = EXIT_FINDINGS if found else EXIT_OK
    if args.format == "json":
        write_json(report_form(at, window, found, grouped), out)
        return code
    for signal in found:
        out.write(f"warning signal.cluster {signal.message}\n")
    days = window / dt.timedelta(days=1)
    out.write(
        f"{len(found)} signal(s) among {sum(len(v) for v in grouped['batch'].values())} "
        f"event(s) with onset in the {days:g} day(s) before {_time.shown(at)}\n"
    )
    return code


def add_signals(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``mesoformula signals``, beside its handler."""
    parser = commands.add_parser(
        "signals",
        parents=parents,
        help="clusters of complications by batch and lot (exit 1 on a signal)",
        description="Complications whose onset is within the window, grouped by batch, lot, "
        "product, preparer and site. Two or more events of one kind in different patients "
        "sharing a batch or a lot, or an infection after a batch given to more than one "
        "patient, is a signal (signal.cluster), listing the exposed patients who have not "
        "reported. Read-only; exit 1 when there is a signal.",
    )
    parser.add_argument(
        "--window", default="30d", metavar="DURATION", help="how far back (default 30d)"
    )
    parser.set_defaults(handler=cmd_signals)


__all__ = ["add_signals", "cmd_signals", "window_of"]
