"""
``mesoformula stock list``, ``count``, ``history`` and ``transfer``: the lots the store
holds and where, a stocktake of one site, the journal's entries, and unopened containers
moved from one site to another. Each command's parser is built beside its handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from mesoformula import _time
from mesoformula._text import text_table
from mesoformula.exceptions import StockError

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    bounded,
    load_catalog_of,
    print_reports,
    write_json,
)
from ._store import (
    AddAction,
    actor_of,
    add_new_site_option,
    add_site_option,
    at_time,
    known_site,
    lot_id,
    open_store,
    site_name,
    site_of,
)


def _lot_row(v: Any, at: dt.datetime) -> Any:
    """A lot's :class:`~mesoformula.results.LotRow` at *at*."""
    from mesoformula.allocation import expired, usable_ul  # noqa: PLC0415
    from mesoformula.allocation import ml_quantity as ml  # noqa: PLC0415
    from mesoformula.results import LotRow, NotUsable, OpenedContainer  # noqa: PLC0415

    usable, why = usable_ul(v, at)
    return LotRow(
        product=v.product,
        lot=v.lot,
        expiry=v.expiry.isoformat() if v.expiry else None,
        status=v.status,
        expired=expired(v, at),
        unopened=v.unopened,
        opened=tuple(
            OpenedContainer(
                container=c.container_id,
                opened_at=c.opened_at.isoformat(),
                remaining=ml(c.remaining_ul),
            )
            for c in v.opened
        ),
        volume=ml(v.volume_ul),
        usable=ml(usable),
        not_usable=None
        if usable == v.volume_ul
        else NotUsable(volume=ml(v.volume_ul - usable), reason=why),
        location=v.location,
        site=v.site,
    )


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    """``stock list [--expiring-within DAYS] [--product P]``."""
    at = at_time(args)
    with open_store(args, readonly=True) as stock:
        known_site(stock, site_of(args), args, starts=False)
        views = stock.lots(
            [args.product] if args.product else None, used_up=args.used_up, site=site_of(args)
        )
    if args.expiring_within is not None:
        limit = at.date() + dt.timedelta(days=args.expiring_within)
        views = [v for v in views if v.expiry is not None and v.expiry <= limit]
    rows = [_lot_row(v, at) for v in views]
    if args.format == "json":
        from mesoformula.results import LotList  # noqa: PLC0415 - JSON output only

        write_json(LotList(lots=tuple(rows)), out)
        return EXIT_OK
    sites = any(r.site != "main" for r in rows)
    header: tuple[str, ...] = ("product", "lot", "expiry", "status", "unopened", "opened")
    header = (*(("site",) if sites else ()), *header, "usable volume", "not usable")
    table = [
        (
            *((r.site,) if sites else ()),
            r.product,
            r.lot,
            r.expiry or "none",
            r.status + (", expired" if r.expired else ""),
            str(r.unopened),
            ", ".join(f"#{c.container} {c.remaining.value:g} mL" for c in r.opened) or "-",
            f"{r.usable.value:g} mL",
            "-"
            if r.not_usable is None
            else f"{r.not_usable.volume.value:g} mL ({r.not_usable.reason})",
        )
        for r in rows
    ]
    for line in text_table(header, table):
        out.write(line + "\n")
    out.write(f"{len(rows)} lot(s)\n")
    return EXIT_OK


def add_list(add: AddAction) -> None:
    """The parser of ``stock list [--expiring-within DAYS] [--product P] [--site S] [--all]``."""
    listing = add("list", cmd_list, "lots with balances, expiry and status")
    listing.add_argument(
        "--expiring-within",
        type=bounded(0, 36_500, "--expiring-within"),
        metavar="DAYS",
        help="only lots expiring within DAYS of --at (at most 100 years)",
    )
    listing.add_argument("--product", help="only this product")
    add_site_option(listing, "only the lots of this site (else every site)")
    listing.add_argument(
        "--all",
        action="store_true",
        dest="used_up",
        help="also the used-up lots (nothing left); by default only lots that hold something",
    )


def cmd_count(args: argparse.Namespace, out: TextIO) -> int:
    """``stock count COUNTFILE``: record a stocktake."""
    from mesoformula.allocation import to_ml  # noqa: PLC0415
    from mesoformula.exceptions import StockError  # noqa: PLC0415
    from mesoformula.files import read  # noqa: PLC0415
    from mesoformula.results import Counted, CountLine  # noqa: PLC0415
    from mesoformula.sheets import CountSheet  # noqa: PLC0415
    from mesoformula.validate import FileReport  # noqa: PLC0415

    loaded = load_catalog_of(args)
    if not Path(args.file).is_file():
        raise UsageError(f"{args.file}: no such file")
    document = read(args.file, expect="count")
    if not isinstance(document.model, CountSheet):
        return print_reports(
            [FileReport(path=args.file, kind=document.kind, findings=document.findings)],
            args.format,
            out,
        )
    with open_store(args) as stock:
        known_site(stock, document.model.site or site_of(args), args, starts=True)
        try:
            lines = stock.count(
                document.model,
                loaded.catalog,
                actor=getattr(args, "actor", None),
                site=site_of(args),
            )
        except StockError as error:
            out.write(f"count not recorded: {error}\n")
            return EXIT_FINDINGS
    data = tuple(
        CountLine(
            product=line.product,
            lot=line.lot,
            found=line.found,
            expected_unopened=line.expected_unopened,
            counted_unopened=line.counted_unopened,
            expected_opened=tuple(to_ml(v) for v in line.expected_opened_ul),
            counted_opened=tuple(to_ml(v) for v in line.counted_opened_ul),
            entries=tuple(line.entries),
        )
        for line in lines
    )
    if args.format == "json":
        write_json(Counted(counted_at=document.model.counted_at, lots=data), out)
        return EXIT_OK
    for line in data:
        if line.found:
            out.write(f"{line.product} lot {line.lot}: not in the store, received as found\n")
            continue
        variance = line.counted_unopened - line.expected_unopened
        out.write(
            f"{line.product} lot {line.lot}: unopened expected {line.expected_unopened}, "
            f"counted {line.counted_unopened} ({variance:+d}); opened expected "
            f"{list(line.expected_opened)} mL, counted {list(line.counted_opened)} mL; "
            f"{len(line.entries)} adjustment(s)\n"
        )
    return EXIT_OK


def add_count(add: AddAction) -> None:
    """The parser of ``stock count COUNTFILE [--site NAME]``."""
    counting = add("count", cmd_count, "record a stocktake of one site")
    counting.add_argument("file", metavar="COUNTFILE")
    add_site_option(
        counting, "the site counted, when the sheet does not name it (else main)", starts=True
    )


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    """``stock history [--lot L [--product P]] [--batch ID]``."""
    with open_store(args, readonly=True) as stock:
        lot = lot_id(stock, args) if args.lot else None
        entries = stock.history(lot, correlation=args.batch)
    if args.format == "json":
        from mesoformula.results import History  # noqa: PLC0415 - JSON output only

        write_json(History(entries=tuple(entries)), out)
        return EXIT_OK
    for e in entries:
        when = _time.shown(_time.read(e.at))  # the clinic's zone, as everywhere for people
        parts = [f"#{e.entry_id}", when, e.kind, f"{e.product} lot {e.lot}"]
        if e.containers_delta:
            parts.append(f"containers {e.containers_delta:+d}")
        if e.container_id is not None:
            parts.append(f"container {e.container_id} {e.volume_delta_ul / 1000:+g} mL")
        if e.status:
            parts.append(f"status {e.status_before} -> {e.status}")
        if e.undoes:
            parts.append(f"undoes #{e.undoes}")
        parts.append(f"by {e.actor}")
        if e.reason:
            parts.append(f"({e.reason})")
        if e.correlation:
            parts.append(f"[{e.correlation}]")
        out.write("  ".join(parts) + "\n")
    return EXIT_OK


def add_history(add: AddAction) -> None:
    """The parser of ``stock history [--lot L [--product P]] [--batch ID]``."""
    history = add("history", cmd_history, "journal entries")
    history.add_argument("--lot")
    history.add_argument("--product")
    history.add_argument("--batch", metavar="ID", help="entries of one batch")
    add_site_option(history, "the site of --lot, when the lot is at several")


def cmd_transfer(args: argparse.Namespace, out: TextIO) -> int:
    """``stock transfer --lot L --from A --to B --containers N --reason R``."""
    from mesoformula.exceptions import InsufficientStock, UnknownEntry  # noqa: PLC0415

    at, actor = at_time(args), actor_of(args)
    site_name(args.from_site, "--from")
    site_name(args.to_site, "--to")
    with open_store(args) as stock:
        known_site(stock, args.from_site, args, starts=False)
        known_site(stock, args.to_site, args, starts=True)
        try:
            source = stock.find_lot(args.lot, args.product, args.from_site)
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
        try:
            entries = stock.transfer(
                source,
                to_site=args.to_site,
                containers=args.containers,
                reason=args.reason,
                at=at,
                actor=actor,
            )
        except (InsufficientStock, StockError) as error:
            out.write(f"not transferred (nothing was recorded): {error}\n")
            return EXIT_FINDINGS
    if args.format == "json":
        from mesoformula.results import Transferred  # noqa: PLC0415 - JSON output only

        write_json(Transferred(transferred=args.containers, entries=tuple(entries)), out)
    else:
        out.write(
            f"transferred {args.containers} container(s) of lot {args.lot} from "
            f"{args.from_site} to {args.to_site}: journal entries {entries[0]}-{entries[-1]}\n"
        )
    return EXIT_OK


def add_transfer(add: AddAction) -> None:
    """The parser of ``stock transfer --lot L --from A --to B --containers N --reason R``."""
    transfer = add("transfer", cmd_transfer, "move unopened containers of a lot to another site")
    transfer.add_argument("--lot", required=True)
    transfer.add_argument("--product")
    transfer.add_argument("--from", dest="from_site", required=True, metavar="SITE")
    transfer.add_argument("--to", dest="to_site", required=True, metavar="SITE")
    transfer.add_argument("--containers", type=bounded(1, 1_000_000, "--containers"), required=True)
    transfer.add_argument("--reason", required=True, help="why (kept in the journal)")
    add_new_site_option(transfer)


__all__ = [
    "add_count",
    "add_history",
    "add_list",
    "add_transfer",
    "cmd_count",
    "cmd_history",
    "cmd_list",
    "cmd_transfer",
]
