"""
``mesoformula stock ...``: the command-line adapter of the stock store (SPEC §4, §5).

Every command takes ``--db PATH`` (default ``$MESOFORMULA_DB`` or ``./mesoformula.db``),
``--at ISO-DATETIME`` (default now, local time) and ``--actor NAME`` (default the login
name). Exit codes: 0 done, 1 findings with errors or a shortfall or an unsound store,
2 usage (including an unknown lot or entry).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from pathlib import Path
from typing import TextIO

from mesoformula import _time
from mesoformula._text import text_table
from mesoformula.exceptions import StockError

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    load_catalog_of,
    print_reports,
    write_json,
)
from ._progress import Progress
from ._store import (
    actor_of,
    at_time,
    known_site,
    lot_id,
    open_store,
    site_name,
    site_of,
)


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    """``stock init``: create (or migrate) the store."""
    with open_store(args, create=True) as stock:
        out.write(f"stock store ready: {stock.path} (schema version {stock.schema_version})\n")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    """``stock list [--expiring-within DAYS] [--product P]``."""
    from mesoformula.allocation import expired, ml_json, usable_ul  # noqa: PLC0415

    at = at_time(args)
    with open_store(args, readonly=True) as stock:
        known_site(stock, site_of(args), args, starts=False)
        views = stock.lots(
            [args.product] if args.product else None, used_up=args.used_up, site=site_of(args)
        )
    if args.expiring_within is not None:
        limit = at.date() + dt.timedelta(days=args.expiring_within)
        views = [v for v in views if v.expiry is not None and v.expiry <= limit]
    rows = []
    for v in views:
        state = v.status
        if expired(v, at):
            state += ", expired"
        usable, why = usable_ul(v, at)
        rows.append(
            {
                "product": v.product,
                "lot": v.lot,
                "expiry": v.expiry.isoformat() if v.expiry else None,
                "status": v.status,
                "expired": expired(v, at),
                "unopened": v.unopened,
                "opened": [
                    {
                        "container": c.container_id,
                        "opened_at": c.opened_at.isoformat(),
                        "remaining": ml_json(c.remaining_ul),
                    }
                    for c in v.opened
                ],
                "volume": ml_json(v.volume_ul),
                "usable": ml_json(usable),
                "not_usable": None
                if usable == v.volume_ul
                else {**ml_json(v.volume_ul - usable), "reason": why},
                "location": v.location,
                "site": v.site,
                "_state": state,
            }
        )
    if args.format == "json":
        write_json([{k: v for k, v in r.items() if k != "_state"} for r in rows], out)
        return EXIT_OK
    sites = any(r["site"] != "main" for r in rows)
    header: tuple[str, ...] = ("product", "lot", "expiry", "status", "unopened", "opened")
    header = (*(("site",) if sites else ()), *header, "usable volume", "not usable")
    table = [
        (
            *((r["site"],) if sites else ()),
            r["product"],
            r["lot"],
            r["expiry"] or "none",
            r["_state"],
            str(r["unopened"]),
            ", ".join(f"#{c['container']} {c['remaining']['value']:g} mL" for c in r["opened"])
            or "-",
            f"{r['usable']['value']:g} mL",
            "-"
            if r["not_usable"] is None
            else f"{r['not_usable']['value']:g} mL ({r['not_usable']['reason']})",
        )
        for r in rows
    ]
    for line in text_table(header, table):
        out.write(line + "\n")
    out.write(f"{len(rows)} lot(s)\n")
    return EXIT_OK


def cmd_count(args: argparse.Namespace, out: TextIO) -> int:
    """``stock count COUNTFILE``: record a stocktake."""
    from mesoformula.allocation import to_ml  # noqa: PLC0415
    from mesoformula.exceptions import StockError  # noqa: PLC0415
    from mesoformula.files import read  # noqa: PLC0415
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
    data = [
        {
            "product": line.product,
            "lot": line.lot,
            "found": line.found,
            "expected_unopened": line.expected_unopened,
            "counted_unopened": line.counted_unopened,
            "expected_opened": [to_ml(v) for v in line.expected_opened_ul],
            "counted_opened": [to_ml(v) for v in line.counted_opened_ul],
            "entries": list(line.entries),
        }
        for line in lines
    ]
    if args.format == "json":
        counted_at = _time.stored(document.model.counted_at)
        write_json({"counted_at": counted_at, "lots": data}, out)
        return EXIT_OK
    for line in data:
        if line["found"]:
            out.write(f"{line['product']} lot {line['lot']}: not in the store, received as found\n")
            continue
        variance = line["counted_unopened"] - line["expected_unopened"]
        out.write(
            f"{line['product']} lot {line['lot']}: unopened expected {line['expected_unopened']}, "
            f"counted {line['counted_unopened']} ({variance:+d}); opened expected "
            f"{line['expected_opened']} mL, counted {line['counted_opened']} mL; "
            f"{len(line['entries'])} adjustment(s)\n"
        )
    return EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    """``stock history [--lot L [--product P]] [--batch ID]``."""
    import attrs  # noqa: PLC0415

    with open_store(args, readonly=True) as stock:
        lot = lot_id(stock, args) if args.lot else None
        entries = stock.history(lot, correlation=args.batch)
    if args.format == "json":
        write_json([attrs.asdict(e) for e in entries], out)
        return EXIT_OK
    for e in entries:
        parts = [f"#{e.entry_id}", e.at, e.kind, f"{e.product} lot {e.lot}"]
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


def _head(text: str) -> tuple[int, str]:
    """A kept head ``SEQ:SHA256``; anything else (empty, malformed, a sequence past what a
    store can hold, a hash at 0 other than the empty chain's) is a usage error."""
    from mesoformula.stock.seals import GENESIS  # noqa: PLC0415

    seq, _, digest = text.strip().partition(":")
    shown = text if len(text) <= 80 else text[:77] + "..."
    if (
        not seq.isascii()
        or not seq.isdigit()
        or len(seq) > 18
        or not re.fullmatch(r"[0-9a-f]{64}", digest)
        or (int(seq) == 0 and digest != GENESIS)
    ):
        raise UsageError(f"--expect-head {shown!r}: expected SEQ:SHA256 as 'stock head' prints it")
    return int(seq), digest


def cmd_head(args: argparse.Namespace, out: TextIO) -> int:
    """``stock head``: the chain head ``SEQ:SHA256`` to keep elsewhere."""
    with open_store(args, readonly=True) as stock:
        seq, digest = stock.head()
    if args.format == "json":
        write_json({"seq": seq, "hash": digest, "head": f"{seq}:{digest}"}, out)
    else:
        out.write(f"{seq}:{digest}\n")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    """``stock verify [--expect-head SEQ:SHA256]``: prove the store sound."""
    expected = _head(args.expect_head) if args.expect_head is not None else None
    with open_store(args, readonly=True) as stock:
        progress = Progress("verifying entries", stock.head()[0], fmt=args.format)
        try:
            problems = stock.verify(expect_head=expected, progress=progress.step)
        finally:
            progress.finish()
        entries = stock.head()[0]
        unsealed = stock.unsealed_batches()
    if args.format == "json":
        write_json(
            {
                "sound": not problems,
                "entries": entries,
                "problems": problems,
                "unsealed_batches": unsealed,
            },
            out,
        )
    else:
        for problem in problems:
            out.write(f"PROBLEM: {problem}\n")
        if unsealed:
            out.write(
                f"NOT COVERED: {len(unsealed)} batch(es) consumed before seals existed "
                f"(schema 5): their movements are proven, their compounding records are "
                f"not: {', '.join(unsealed)}\n"
            )
        out.write(
            f"{entries} journal entries; "
            + ("store is sound\n" if not problems else f"{len(problems)} problem(s)\n")
        )
    return EXIT_FINDINGS if problems else EXIT_OK


def cmd_rebuild(args: argparse.Namespace, out: TextIO) -> int:
    """``stock rebuild``: rebuild the balance cache from the journal."""
    with open_store(args) as stock:
        stock.rebuild()
        problems = stock.verify()
    out.write("cache rebuilt from the journal\n" if not problems else "\n".join(problems) + "\n")
    return EXIT_FINDINGS if problems else EXIT_OK


__all__ = [
    "cmd_count",
    "cmd_head",
    "cmd_history",
    "cmd_init",
    "cmd_list",
    "cmd_rebuild",
    "cmd_verify",
]


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
        write_json({"transferred": args.containers, "entries": entries}, out)
    else:
        out.write(
            f"transferred {args.containers} container(s) of lot {args.lot} from "
            f"{args.from_site} to {args.to_site}: journal entries {entries[0]}-{entries[-1]}\n"
        )
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    """``stock migrate --from SRC --to DST``: copy a store into an empty one, heads checked."""
    from mesoformula.stock.copy import copy_store  # noqa: PLC0415
    from mesoformula.stock.store import Stock  # noqa: PLC0415

    if args.target is None:
        args.target = os.environ.get("MESOFORMULA_DB") or None
        if args.target is None:
            raise UsageError("stock migrate needs --to (or $MESOFORMULA_DB): the store to fill")
    if args.source == args.target:
        raise UsageError("--from and --to name the same store")
    try:
        source = Stock.open(args.source, create=False, readonly=True)
    except StockError as error:
        raise UsageError(f"--from: {error}") from None
    with source:
        try:
            target = Stock.open(args.target, create=True)
        except StockError as error:
            raise UsageError(f"--to: {error}") from None
        with target:
            progress = Progress("copying rows", 0, fmt=args.format)
            try:
                result = copy_store(source, target, progress=lambda _, n: progress.advance(n))
            except StockError as error:  # unsound source, non-empty target, a differing copy
                progress.finish()
                out.write(f"not copied (nothing was written to --to): {error}\n")
                return EXIT_FINDINGS
            progress.finish()
            target_path = target.path
    head = f"{result.head[0]}:{result.head[1]}"
    if args.format == "json":
        write_json({"rows": result.rows, "head": head, "to": target_path}, out)
    else:
        out.write(
            f"copied {result.rows['journal']} journal entries and {result.rows['lots']} lot(s) "
            f"to {target_path}; both heads are {head}\n"
        )
    return EXIT_OK
