"""
What the commands on the stock store share: opening the store (``--db``), the time of an
operation (``--at``), who does it (``--actor``), the site (``--site``) and the lot, the
report of an unsound store, and what adds a ``stock`` action's parser beside its handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from typing import Any, TextIO

from mesoformula import _time
from mesoformula.findings import Finding

from ._common import EXIT_FINDINGS, UsageError, finding_line, refusal_json, write_json

#: A command's handler: it runs the command on the parsed arguments and returns the exit code.
Handler = Callable[[argparse.Namespace, TextIO], int]

#: Adds the parser of one ``stock`` action: ``add(name, handler, help)`` returns the parser
#: its arguments are added to (a parser never used when the command line names another
#: action: only the named action's parser is built).
AddAction = Callable[[str, Handler, str], argparse.ArgumentParser]

#: The store when neither ``--db`` nor ``$MESOFORMULA_DB`` names one (SPEC §4).
DEFAULT_DB = "mesoformula.db"


def at_time(args: argparse.Namespace, option: str = "at") -> dt.datetime:
    """The instant of ``--at`` (or another *option*); now when not given."""
    text = getattr(args, option, None)
    flag = "--" + option.replace("_", "-")
    if not text:
        return _time.now()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r}: expected an ISO date-time such as 2026-12-01T10:00"
        ) from None
    if moment.tzinfo is None:
        _one_local_instant(moment, flag, text)
    try:
        instant = _time.utc(moment)  # without an offset: local time
    except _time.InstantRangeError:
        raise UsageError(
            f"{flag} {text!r}: the year must be between 1900 and 2999 (value.range)"
        ) from None
    if writes(args) and instant > _time.now() + dt.timedelta(hours=24):
        raise UsageError(
            f"{flag} {text!r} is more than 24 hours after the clock "
            f"({_time.shown(_time.now())}): a write cannot be dated in the future"
        )
    return instant


def _one_local_instant(moment: dt.datetime, flag: str, text: str) -> None:
    """
    A local time must name one instant: not one the clocks skip (spring forward) nor one
    they pass twice (fall back). Either is a usage error asking for the offset.
    """
    first = moment.replace(fold=0).astimezone(dt.UTC)
    second = moment.replace(fold=1).astimezone(dt.UTC)
    back = first.astimezone().replace(tzinfo=None)
    if back != moment.replace(fold=0):
        raise UsageError(
            f"{flag} {text!r} does not exist in the clinic's time zone (the clocks skip "
            "it): give the time with its offset, e.g. +01:00"
        )
    if first != second:
        raise UsageError(
            f"{flag} {text!r} happens twice in the clinic's time zone (the clocks go "
            "back): give the time with its offset, e.g. +02:00 or +01:00"
        )


#: The commands that write to the store (SPEC §9.5: never dated more than 24 h ahead).
WRITES = frozenset(
    {
        ("stock", "import"),
        ("stock", "receive"),
        ("stock", "consume"),
        ("stock", "count"),
        ("stock", "undo"),
        ("stock", "void"),
        ("stock", "discard"),
        ("stock", "adjust"),
        ("stock", "status"),
        ("stock", "transfer"),
        ("administer", None),
        ("event", "record"),
        ("record", "verify"),
    }
)


def writes(args: argparse.Namespace) -> bool:
    """Whether the command of *args* writes to the store."""
    action = (
        getattr(args, "stock_command", None)
        or getattr(args, "record_command", None)
        or getattr(args, "event_command", None)
    )
    return (getattr(args, "command", None), action) in WRITES


def actor_of(args: argparse.Namespace) -> str:
    """Who does the operation: ``--actor``, else the login name."""
    if getattr(args, "actor", None):
        return str(args.actor)
    import getpass  # noqa: PLC0415 - only commands that write need it

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        return "unknown"


def open_store(args: argparse.Namespace, *, create: bool = False, readonly: bool = False) -> Any:
    """The store of ``--db`` (else ``$MESOFORMULA_DB``, else :data:`DEFAULT_DB`); a store that
    cannot be opened is a usage error."""
    from mesoformula.exceptions import StockError  # noqa: PLC0415
    from mesoformula.stock.store import Stock  # noqa: PLC0415

    path = args.db if args.db is not None else os.environ.get("MESOFORMULA_DB") or DEFAULT_DB
    try:
        return Stock.open(path, create=create, readonly=readonly)
    except StockError as error:
        raise UsageError(str(error)) from None


def site_of(args: argparse.Namespace) -> str | None:
    """
    The site a command works at: ``--site``, else ``$MESOFORMULA_SITE``, else None (a
    listing or plan of every site; a receipt or count at ``main``).
    """
    given = getattr(args, "site", None)
    name = given if given is not None else os.environ.get("MESOFORMULA_SITE") or None
    if name is not None:
        site_name(name, "--site" if given is not None else "MESOFORMULA_SITE")
    return name


#: The longest site name (a site is a short name: "north", "Lyon 2").
SITE_LENGTH = 64


def site_name(name: str, where: str) -> str:
    """
    *name* as a site's name, or a usage error naming *where* it came from: one line, no
    spaces around, at most :data:`SITE_LENGTH` characters, no invisible characters;
    two names that :func:`mesoformula._text.identity` makes one (``Main``, ``main``) are
    one site (:func:`known_site`).
    """
    from mesoformula._text import identity  # noqa: PLC0415

    shown = name if len(name) <= 40 else name[:37] + "..."
    if not name.strip() or name != name.strip() or "\n" in name:
        raise UsageError(f"{where} {shown!r}: a site is a name on one line, without spaces around")
    if len(name) > SITE_LENGTH:
        raise UsageError(f"{where} {shown!r}: a site name has at most {SITE_LENGTH} characters")
    canonical = identity(name)
    if canonical != " ".join(name.casefold().split()):
        raise UsageError(
            f"{where} {shown!r}: a site name holds invisible or compatibility characters; "
            f"write it plainly ({canonical!r})"
        )
    return name


def known_site(stock: Any, name: str | None, args: argparse.Namespace, *, starts: bool) -> None:
    """
    Refuse a site the store does not know (a typo would start a new site, or plan from
    nothing): a command that receives (*starts*) may start one with ``--new-site``.
    """
    from mesoformula._text import identity  # noqa: PLC0415

    if name is None or name == "main":
        return
    known = stock.sites()
    if name in known:
        return
    same = [k for k in [*known, "main"] if identity(k) == identity(name)]
    if same:
        raise UsageError(
            f"site '{name}' is site '{same[0]}' written otherwise: use '{same[0]}' (one site, "
            "one spelling)"
        )
    if starts and getattr(args, "new_site", False):
        return
    sites = ", ".join(known) or "none yet"
    hint = "add --new-site to start receiving there" if starts else "check the name"
    raise UsageError(f"site '{name}' is not in the store (sites: {sites}): {hint}")


def lot_id(stock: Any, args: argparse.Namespace) -> int:
    """The lot of ``--lot`` (``--product``, ``--site``); one the store does not hold is a
    usage error."""
    from mesoformula.exceptions import UnknownEntry  # noqa: PLC0415

    known_site(stock, site_of(args), args, starts=False)
    try:
        return int(stock.find_lot(args.lot, args.product, site_of(args)))
    except UnknownEntry as error:
        raise UsageError(str(error)) from None


def add_site_option(parser: argparse.ArgumentParser, meaning: str, *, starts: bool = False) -> None:
    """``--site`` meaning *meaning*; a command that receives (*starts*) also ``--new-site``."""
    parser.add_argument("--site", metavar="NAME", help=f"{meaning} (default $MESOFORMULA_SITE)")
    if starts:
        add_new_site_option(parser)


def add_new_site_option(parser: argparse.ArgumentParser) -> None:
    """``--new-site``: a site the store does not hold yet may start (see :func:`known_site`)."""
    parser.add_argument(
        "--new-site",
        action="store_true",
        help="allow a site the store does not hold yet (a name it does not know is "
        "refused otherwise: a typo would start a site)",
    )


def unsound(args: argparse.Namespace, error: Exception, out: TextIO) -> int:
    """Report ``stock.unsound``: the store disagrees with its journal; nothing was done."""
    finding = Finding(
        code="stock.unsound",
        severity="error",
        message=f"the store disagrees with its journal, so nothing was done: "
        f"{error}. Run 'mesoformula stock verify' and restore the store from a backup",
    )
    if args.format == "json":
        write_json(refusal_json("stock.unsound", finding.message, (finding,)), out)
    else:
        out.write(finding_line(str(args.db or "store"), finding) + "\n")
    return EXIT_FINDINGS


__all__ = [
    "DEFAULT_DB",
    "AddAction",
    "Handler",
    "actor_of",
    "add_new_site_option",
    "add_site_option",
    "at_time",
    "known_site",
    "lot_id",
    "open_store",
    "site_name",
    "site_of",
    "unsound",
]
