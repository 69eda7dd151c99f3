"""
``mesoformula stock import``, ``receive`` and ``export``: lots come into the store from a
stock sheet or by their boxes' GS1 scans, and go out of it as a stock sheet. Each
command's parser is built beside its handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mesoformula import _time
from mesoformula.exceptions import AlreadyImported, LedgerIntegrityError, StockError
from mesoformula.findings import Finding

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    bounded,
    finding_line,
    load_catalog_of,
    print_reports,
    write_json,
)
from ._progress import Progress
from ._store import (
    AddAction,
    actor_of,
    add_site_option,
    at_time,
    known_site,
    open_store,
    site_of,
    unsound,
)

if TYPE_CHECKING:  # pragma: no cover
    from mesoformula.catalog import Product
    from mesoformula.gs1 import Scan

    #: A box received: its scan, the product of its GTIN, the containers it stands for.
    Box = tuple[Scan, Product, int]


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """``stock import STOCKFILE``: receive every lot of a stock sheet, all or nothing."""
    from mesoformula.intake import import_stock_sheet, read_stock_sheet  # noqa: PLC0415
    from mesoformula.results import Imported  # noqa: PLC0415

    loaded = load_catalog_of(args)
    if not Path(args.file).is_file():
        raise UsageError(f"{args.file}: no such file")
    sheet = read_stock_sheet(args.file, loaded.catalog)
    if sheet.sheet is None or not sheet.importable:
        return print_reports([sheet.report], args.format, out)
    at, actor = at_time(args), actor_of(args)
    lots = len(sheet.sheet.lots)
    progress = Progress("receiving lots", lots, fmt=args.format)
    with open_store(args, create=True) as stock:
        for name in {site_of(args), *sheet.sites}:
            known_site(stock, name, args, starts=True)
        try:
            entries = import_stock_sheet(
                stock,
                sheet,
                loaded.catalog,
                at=at,
                actor=actor,
                again=args.again,
                progress=progress.step,
                site=site_of(args) or "main",
            )
        except AlreadyImported as error:
            progress.finish()
            if not args.if_new:
                out.write(f"not imported (nothing was recorded): {error}\n")
                return EXIT_FINDINGS
            if args.format == "json":
                write_json(Imported(imported=0, entries=(), already_imported=True), out)
            else:
                out.write(f"already imported, nothing done: {str(error).partition(': ')[0]}\n")
            return EXIT_OK
        except LedgerIntegrityError as error:
            progress.finish()
            return unsound(args, error, out)
        except StockError as error:
            progress.finish()
            out.write(f"not imported (nothing was recorded): {error}\n")
            return EXIT_FINDINGS
    progress.finish()
    if args.format == "json":
        write_json(Imported(imported=lots, entries=tuple(entries), already_imported=False), out)
    else:
        out.write(f"received {lots} lot(s): {len(entries)} journal entries\n")
    return EXIT_OK


def add_import(add: AddAction) -> None:
    """The parser of ``stock import STOCKFILE [--again | --if-new] [--site NAME]``."""
    importing = add("import", cmd_import, "receive the lots of a stock sheet")
    importing.add_argument("file", metavar="STOCKFILE")
    again = importing.add_mutually_exclusive_group()
    again.add_argument(
        "--again",
        action="store_true",
        help="import a sheet whose content was imported before (receives its lots again)",
    )
    add_site_option(
        importing, "the site that receives the lots a sheet does not place (else main)", starts=True
    )
    again.add_argument(
        "--if-new",
        action="store_true",
        help="import the sheet only if its content was not imported before; else do "
        "nothing and exit 0 (a script can run twice)",
    )


def _scan_texts(args: argparse.Namespace) -> list[str]:
    """The scans of ``--scan`` (repeatable) and ``--scans FILE`` (``-``: standard input)."""
    texts = list(args.scan or [])
    if args.scans:
        if args.scans == "-":
            lines = sys.stdin.read().split("\n")
        else:
            path = Path(args.scans)
            if not path.is_file():
                raise UsageError(f"--scans {args.scans}: no such file")
            try:
                lines = path.read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError) as error:
                raise UsageError(f"--scans {args.scans}: cannot be read ({error})") from None
        # One scan a line; not splitlines(), which also splits at the group separator
        # (ASCII 29) that ends a scan's variable-length fields.
        texts += [line.rstrip("\r") for line in lines if line.strip()]
    if not texts:
        raise UsageError("give --scan TEXT (repeatable) or --scans FILE ('-' for standard input)")
    return texts


def _read_box(text: str, catalog: Any, args: argparse.Namespace, at: dt.datetime) -> Box | Finding:
    """
    The box a scan stands for, ``(scan, product, containers)``; or the error finding
    that refuses it: a scan that cannot be read, a GTIN no product carries, a serial
    given ``--containers`` other than 1, a box expired at *at*.
    """
    from mesoformula.gs1 import ScanError, read_scan  # noqa: PLC0415

    try:
        scan = read_scan(text)
    except ScanError as error:
        return Finding(code="scan.invalid", severity="error", message=str(error))
    product = catalog.product_by_gtin(scan.gtin)
    if product is None:
        return Finding(
            code="ref.product",
            severity="error",
            message=f"no product of the catalog carries GTIN {scan.gtin}: add "
            "its gtin to the product in the clinic's catalog",
        )
    if scan.serial is not None and args.containers not in (None, 1):
        return Finding(
            code="scan.invalid",
            severity="error",
            message=f"the scan has a serial ({scan.serial}): it is one box, not "
            f"--containers {args.containers}",
        )
    if scan.expiry < _time.local(at).date():
        return Finding(
            code="scan.expired",
            severity="error",
            message=f"{product.name} lot {scan.lot} expired on "
            f"{scan.expiry.isoformat()} (the box's AI 17), before "
            f"{_time.shown(at)}: an expired box is not received; quarantine or "
            "return it",
        )
    return scan, product, args.containers or 1


def _not_received(
    args: argparse.Namespace, findings: list[tuple[int, Finding]], out: TextIO
) -> int:
    """Report the scans refused (number 0: the receipt as a whole): nothing was recorded."""
    if args.format == "json":
        from mesoformula.results import Received, ScanFinding  # noqa: PLC0415 - JSON output only

        said = tuple(ScanFinding(scan=n or None, finding=f) for n, f in findings)
        write_json(Received(received=(), findings=said), out)
    else:
        for n, finding in findings:
            out.write(finding_line(f"scan {n}" if n else "scans", finding) + "\n")
        out.write("not received: nothing was recorded\n")
    return EXIT_FINDINGS


def _print_received(
    args: argparse.Namespace, boxes: list[Box], entries: list[int], out: TextIO
) -> int:
    """Report the boxes received and the journal entries that record them."""
    from mesoformula.results import Received, ReceivedBox  # noqa: PLC0415

    received = tuple(
        ReceivedBox(
            product=product.id,
            gtin=scan.gtin,
            lot=scan.lot,
            expiry=scan.expiry.isoformat(),
            serial=scan.serial,
            containers=containers,
        )
        for scan, product, containers in boxes
    )
    if args.format == "json":
        write_json(Received(received=received, entries=tuple(entries)), out)
        return EXIT_OK
    for box in received:
        serial = f", serial {box.serial}" if box.serial else ""
        out.write(
            f"received {box.containers} x {box.product} lot {box.lot} (exp {box.expiry}{serial})\n"
        )
    out.write(f"{len(received)} scan(s): {len(entries)} journal entries\n")
    return EXIT_OK


def cmd_receive(args: argparse.Namespace, out: TextIO) -> int:
    """``stock receive --scan TEXT [--containers N]``: receive boxes by their GS1 scan."""
    from mesoformula.gs1 import ScanError  # noqa: PLC0415

    texts = _scan_texts(args)
    loaded = load_catalog_of(args)
    at = at_time(args)
    boxes: list[Box] = []
    findings: list[tuple[int, Finding]] = []
    for number, text in enumerate(texts, 1):
        box = _read_box(text, loaded.catalog, args, at)
        if isinstance(box, Finding):
            findings.append((number, box))
        else:
            boxes.append(box)
    if not findings:
        actor = actor_of(args)
        with open_store(args, create=True) as stock:
            known_site(stock, site_of(args), args, starts=True)
            try:
                entries = stock.receive_scans(
                    boxes, at=at, actor=actor, site=site_of(args) or "main"
                )
            except ScanError as error:
                findings.append(
                    (0, Finding(code="scan.invalid", severity="error", message=str(error)))
                )
    if findings:
        return _not_received(args, findings, out)
    return _print_received(args, boxes, entries, out)


def add_receive(add: AddAction) -> None:
    """The parser of ``stock receive (--scan TEXT | --scans FILE) [--containers N]``."""
    receive = add("receive", cmd_receive, "receive boxes by their GS1 scan (GTIN, expiry, lot)")
    receive.add_argument(
        "--scan",
        action="append",
        metavar="TEXT",
        help="a GS1 element string, printed (01)...(17)...(10)... or as scanned (repeatable)",
    )
    receive.add_argument(
        "--scans", metavar="FILE", help="scans one per line, as a scanner types them ('-': stdin)"
    )
    receive.add_argument(
        "--containers",
        type=bounded(1, 100_000, "--containers"),
        default=None,
        help="unopened containers a scan without a serial stands for (default 1)",
    )
    add_site_option(receive, "the site that receives the boxes (else main)", starts=True)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """``stock export``: the store's lots as a stock sheet (TOML, or JSON)."""
    from mesoformula.files import dumps  # noqa: PLC0415

    with open_store(args, readonly=True) as stock:
        sheet = stock.export()
    out.write(dumps(sheet, "json" if args.format == "json" else "toml"))
    return EXIT_OK


def add_export(add: AddAction) -> None:
    """The parser of ``stock export``."""
    add("export", cmd_export, "write the store's lots as a stock sheet")


__all__ = [
    "add_export",
    "add_import",
    "add_receive",
    "cmd_export",
    "cmd_import",
    "cmd_receive",
]
