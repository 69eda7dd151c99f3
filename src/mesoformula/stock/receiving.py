"""
Receiving stock (SPEC §5): a lot, a whole stock sheet (all or nothing, sealed so that
``--if-new`` can trust its checksum) and scanned boxes (a serial is one box).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mesoformula import _time
from mesoformula.allocation import to_ml, to_ul
from mesoformula.catalog import Catalog, Product
from mesoformula.exceptions import (
    AlreadyImported,
    LedgerIntegrityError,
    StockError,
)
from mesoformula.sheets import Lot, StockSheet

from . import row_checks
from .ledger import MAIN_SITE, STATUS_KIND, Ledger, iso

if TYPE_CHECKING:
    from mesoformula.gs1 import Scan


#: Lots received between two calls of an import's progress callback.
PROGRESS_EVERY = 1000


def receive(
    ledger: Ledger,
    lot: Lot,
    product: Product,
    *,
    at: dt.datetime,
    actor: str,
    reason: str = "received",
    correlation: str | None = None,
    site: str = MAIN_SITE,
) -> list[int]:
    """
    Receive a lot (from a stock sheet): its unopened containers, its opened ones
    and its status, at the lot's site (else *site*). A lot received again adds to
    its balance.

    Raises:
        StockError: when the lot exists with another expiry date.
    """
    with ledger.transaction():
        return receive_lot(
            ledger,
            lot,
            product,
            at=at,
            actor=actor,
            reason=reason,
            correlation=correlation,
            site=site,
        )


def import_sheet(
    ledger: Ledger,
    sheet: StockSheet,
    catalog: Catalog,
    *,
    at: dt.datetime,
    actor: str,
    correlation: str | None = None,
    content: str | None = None,
    name: str = "",
    again: bool = False,
    progress: Callable[[int, int], None] | None = None,
    site: str = MAIN_SITE,
) -> list[int]:
    """
    Receive every lot of a stock sheet in one transaction: all or nothing.

    *content* is the SHA-256 of the sheet's bytes: a sheet imported already is
    refused unless *again* (the same delivery must not be received twice). Its lots
    go to the site each names, else *site*. A lot
    keeps its status unless the sheet states one. *progress* is called with (lots
    just received, all lots) every 1,000 lots.

    Raises:
        AlreadyImported: the same content was imported before (without *again*).
        StockError: a product not in the catalog, or a lot whose expiry differs.
    """
    entries: list[int] = []
    with ledger.transaction():
        if content is not None:
            earlier = ledger.db.execute(
                "SELECT at, name FROM imports WHERE sha256 = ? ORDER BY import_id LIMIT 1",
                (content,),
            ).fetchone()
            if earlier is not None and not again:
                raise AlreadyImported(
                    f"this stock sheet was imported already on {earlier['at']} "
                    f"({earlier['name']}, sha256 {content[:12]}...): importing it again "
                    "would receive its lots twice; use --again if that is meant"
                )
            problems = row_checks.import_problems(ledger.db)
            problems += row_checks.sealed_import_problems(ledger.db)
            if problems:
                raise LedgerIntegrityError(
                    "the record of imported sheets does not verify, so whether this "
                    f"sheet was imported before cannot be told: {problems[0]}"
                )
            import_id = ledger.db.execute(
                "INSERT INTO imports (sha256, name, at, actor, lots) VALUES (?, ?, ?, ?, ?)"
                " RETURNING import_id",
                (content, name, iso(at), actor, len(sheet.lots)),
            ).fetchone()[0]
        for number, lot in enumerate(sheet.lots, 1):
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY, len(sheet.lots))
            product = catalog.products.get(lot.product)
            if product is None:
                raise StockError(f"lot '{lot.lot}': product '{lot.product}' is not in the catalog")
            entries += receive_lot(
                ledger,
                lot,
                product,
                at=at,
                actor=actor,
                reason="received",
                correlation=correlation,
                site=site,
            )
        if content is not None and correlation is not None and entries:
            # The row that --if-new trusts, sealed: a changed checksum is found.
            sealed = ledger.seal("import", correlation, at=at, actor=actor, key=int(import_id))
            entries += [] if sealed is None else [sealed]
    return entries


def receive_scans(
    ledger: Ledger,
    boxes: Sequence[tuple[Scan, Product, int]],
    *,
    at: dt.datetime,
    actor: str,
    site: str = MAIN_SITE,
) -> list[int]:
    """
    Receive scanned boxes (a scan, its product, the unopened containers it stands
    for) in one transaction: all or none. A box with a serial is one container and
    is received once per GTIN.

    Raises:
        ScanError: a serial received before (or twice in *boxes*), or a lot number
            already in the store with another expiry; nothing is received.
    """
    from mesoformula.gs1 import ScanError  # noqa: PLC0415 - only scans need it

    entries: list[int] = []
    with ledger.transaction():
        seen: set[tuple[str, str]] = set()
        for scan, product, containers in boxes:
            if scan.serial is not None:
                key = (scan.gtin, scan.serial)
                if key in seen:
                    raise ScanError(
                        f"the box {scan.gtin} serial {scan.serial} is scanned twice in "
                        "this scan: a serial is one box"
                    )
                earlier = ledger.db.execute(
                    "SELECT at, lot FROM scans WHERE gtin = ? AND serial = ?", key
                ).fetchone()
                if earlier is not None:
                    raise ScanError(
                        f"the box {scan.gtin} serial {scan.serial} was received already "
                        f"on {earlier[0]} (lot {earlier[1]}): a serial is one box"
                    )
                seen.add(key)
            lot = Lot(
                product=product.id,
                lot=scan.lot,
                expiry=scan.expiry,
                containers=containers,
                gtin=scan.gtin,
            )
            reason = "received by scan" + (f", serial {scan.serial}" if scan.serial else "")
            try:
                received = receive_lot(
                    ledger,
                    lot,
                    product,
                    at=at,
                    actor=actor,
                    reason=reason,
                    correlation="scan",
                    site=site,
                )
            except StockError as error:
                raise ScanError(f"the scan of lot {scan.lot}: {error}") from None
            entries += received
            if scan.serial is not None:
                ledger.db.execute(
                    "INSERT INTO scans (gtin, serial, product, lot, at, entry)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (scan.gtin, scan.serial, product.id, scan.lot, iso(at), received[0]),
                )
    return entries


def receive_lot(
    ledger: Ledger,
    lot: Lot,
    product: Product,
    *,
    at: dt.datetime,
    actor: str,
    reason: str,
    correlation: str | None,
    site: str = MAIN_SITE,
) -> list[int]:
    """
    Receive *lot* under the caller's write lock: its row at its site (else *site*),
    created with the product's container facts when new, then an entry for its
    unopened containers, one per opened container, and one for a status the sheet
    states; returns the entries.

    Raises:
        StockError: the lot number is in the store with another expiry (at any site),
            the store has no sites for a site other than ``main``, or an opened
            container holds more than a whole one.
    """
    site = lot.site or site
    here = ledger.db.site_of()
    row = ledger.db.execute(
        f"SELECT lot_id, expiry FROM lots WHERE product = ? AND lot = ? AND {here} = ?",
        (lot.product, lot.lot, site),
    ).fetchone()
    expiry = lot.expiry.isoformat() if lot.expiry else None
    if row is None:
        other = ledger.db.execute(
            # Any other site's row: every row of a lot number has its expiry (no
            # ORDER BY, which would make SQLite scan the product's lots).
            f"SELECT {here}, expiry FROM lots WHERE product = ? AND lot = ? AND {here} <> ?"
            " LIMIT 1",
            (lot.product, lot.lot, site),
        ).fetchone()
        if other is not None and other[1] != expiry:
            raise StockError(
                f"lot '{lot.lot}' of '{lot.product}' is in the store (site {other[0]}) "
                f"with expiry {other[1] or 'none'}, not {expiry or 'none'}: check the label"
            )
        sites = ledger.db.has_sites()
        if not sites and site != MAIN_SITE:
            raise StockError(f"this store has no sites yet: migrate it to receive at '{site}'")
        cursor = ledger.db.execute(
            "INSERT INTO lots (product, lot, expiry, received, gtin, location, nominal_ul,"
            " single_dose, in_use_days" + (", site" if sites else "") + ")"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?" + (", ?" if sites else "") + ") RETURNING lot_id",
            (
                lot.product,
                lot.lot,
                expiry,
                (lot.received or _time.local(at).date()).isoformat(),
                lot.gtin,
                lot.location,
                to_ul(product.volume.value),
                int(product.use == "single-dose"),
                product.in_use_days,
                *([site] if sites else []),
            ),
        )
        lot_id = int(cursor.fetchone()[0])
        ledger.db.execute(
            "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, 0, 'released')",
            (lot_id,),
        )
    else:
        lot_id = int(row[0])
        if row[1] != expiry:
            raise StockError(
                f"lot '{lot.lot}' of '{lot.product}' is in the store with expiry "
                f"{row[1] or 'none'}, not {expiry or 'none'}: check the label"
            )
    entries = []
    if lot.containers:
        entries.append(
            ledger.append(
                "receive",
                lot_id,
                at=at,
                actor=actor,
                containers_delta=lot.containers,
                reason=reason,
                correlation=correlation,
            )
        )
    nominal = int(
        ledger.db.execute("SELECT nominal_ul FROM lots WHERE lot_id = ?", (lot_id,)).fetchone()[0]
    )
    for opened in lot.opened:
        if to_ul(opened.remaining.value) > nominal:
            raise StockError(
                f"lot '{lot.lot}': an opened container holds {opened.remaining}, more than "
                f"a whole container of '{lot.product}' ({to_ml(nominal):g} mL)"
            )
    for opened in lot.opened:
        container_id = ledger.new_container(lot_id, opened.at)
        entries.append(
            ledger.append(
                "receive",
                lot_id,
                at=at,
                actor=actor,
                container_id=container_id,
                volume_delta=to_ul(opened.remaining.value),
                live_delta=1,
                reason=f"{reason} (opened container)",
                correlation=correlation,
            )
        )
    status = ledger.db.execute(
        "SELECT status FROM lot_balance WHERE lot_id = ?", (lot_id,)
    ).fetchone()[0]
    # A lot keeps its status unless the sheet states one (a quarantined lot is not
    # released by a sheet that says nothing); a new lot without one is released.
    if lot.status is not None and lot.status != status:
        entries.append(
            ledger.append(
                STATUS_KIND[lot.status],
                lot_id,
                at=at,
                actor=actor,
                status=lot.status,
                status_before=status,
                reason=reason,
                correlation=correlation,
            )
        )
    return entries


__all__ = [
    "PROGRESS_EVERY",
    "import_sheet",
    "receive",
    "receive_scans",
]
