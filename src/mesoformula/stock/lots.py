"""
Lots and their containers (SPEC §5): finding a lot, opening, drawing, discarding,
adjusting, moving between sites and changing a lot's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesoformula.allocation import to_ul
from mesoformula.exceptions import (
    InsufficientStock,
    StockError,
    UnknownEntry,
)

from .ledger import STATUS_KIND, Ledger, Status

if TYPE_CHECKING:
    pass


def sites(ledger: Ledger) -> list[str]:
    """The sites that hold lots (any lot, used up or not), sorted."""
    rows = ledger.db.execute(f"SELECT DISTINCT {ledger.db.site_of()} FROM lots").fetchall()
    return sorted(str(r[0]) for r in rows)


def find_lot(ledger: Ledger, lot: str, product: str | None = None, site: str | None = None) -> int:
    """
    Return the id of lot number *lot* (of *product*, when lot numbers repeat; at
    *site*, when a lot is held at several sites).

    Raises:
        UnknownEntry: no such lot, or several products or sites have that lot number.
    """
    rows = ledger.db.execute(
        f"SELECT lot_id, product, {ledger.db.site_of()} FROM lots"
        " WHERE lot = ? AND (CAST(? AS TEXT) IS NULL OR product = ?)"
        f" AND (CAST(? AS TEXT) IS NULL OR {ledger.db.site_of()} = ?)",
        (lot, product, product, site, site),
    ).fetchall()
    if not rows:
        what = f" of product '{product}'" if product else ""
        where = f" at site '{site}'" if site else ""
        raise UnknownEntry(f"no lot '{lot}'{what}{where} in the store")
    if len({r[1] for r in rows}) > 1:
        products = ", ".join(sorted({r[1] for r in rows}))
        raise UnknownEntry(
            f"lot '{lot}' exists for several products ({products}): name the product"
        )
    if len(rows) > 1:
        sites = ", ".join(sorted(r[2] for r in rows))
        raise UnknownEntry(f"lot '{lot}' is held at several sites ({sites}): name the site")
    return int(rows[0][0])


def open_container(
    ledger: Ledger, lot_id: int, *, at: dt.datetime, actor: str, reason: str = ""
) -> int:
    """Open one unopened container of a lot; return the container id."""
    with ledger.transaction():
        return ledger.open_container(lot_id, at=at, actor=actor, reason=reason, correlation=None)[1]


def draw(
    ledger: Ledger,
    container_id: int,
    volume_ml: float,
    *,
    at: dt.datetime,
    actor: str,
    reason: str = "",
    correlation: str | None = None,
) -> int:
    """Draw a volume from an opened container (exact to the microlitre)."""
    with ledger.transaction():
        return ledger.draw(
            container_id,
            to_ul(volume_ml),
            at=at,
            actor=actor,
            reason=reason,
            correlation=correlation,
        )


def discard(
    ledger: Ledger,
    lot_id: int,
    *,
    reason: str,
    at: dt.datetime,
    actor: str,
    containers: int = 0,
    container_id: int | None = None,
) -> list[int]:
    """
    Discard unopened containers of a lot, or an opened container (what is left in
    it). A reason is required.
    """
    if not reason.strip():
        raise StockError("a discard needs a reason")
    with ledger.transaction():
        entries = []
        if containers:
            row = ledger.lot_row(lot_id)
            if containers > row[7] or containers < 0:
                raise InsufficientStock(
                    f"lot '{row[2]}' has {row[7]} unopened container(s); "
                    f"cannot discard {containers}"
                )
            entries.append(
                ledger.append(
                    "discard",
                    lot_id,
                    at=at,
                    actor=actor,
                    containers_delta=-containers,
                    reason=reason,
                )
            )
        if container_id is not None:
            owner, _, live = ledger.container(container_id)
            if owner != lot_id or not live:
                raise InsufficientStock(
                    f"container {container_id} is not an open container of lot {lot_id}"
                )
            entries.append(discard_rest(ledger, lot_id, container_id, at=at, actor=actor,
                                        reason=reason))  # fmt: skip
        if not entries:
            raise StockError("say what to discard: containers or an opened container")
        return entries


def discard_rest(
    ledger: Ledger,
    lot_id: int,
    container_id: int,
    *,
    at: dt.datetime,
    actor: str,
    reason: str,
    correlation: str | None = None,
) -> int:
    """
    Discard what is left in opened container *container_id* of lot *lot_id* (the
    caller holds the write lock and knows the container is live); returns the entry.
    """
    _, remaining, _ = ledger.container(container_id)
    return ledger.append(
        "discard",
        lot_id,
        at=at,
        actor=actor,
        container_id=container_id,
        volume_delta=-remaining,
        live_delta=-1,
        reason=reason,
        correlation=correlation,
    )


def adjust(
    ledger: Ledger,
    lot_id: int,
    *,
    reason: str,
    at: dt.datetime,
    actor: str,
    containers_delta: int = 0,
    container_id: int | None = None,
    volume_delta_ml: float = 0.0,
    correlation: str | None = None,
) -> int:
    """Correct a balance with a reason (a count variance, a breakage found late)."""
    if not reason.strip():
        raise StockError("an adjustment needs a reason")
    with ledger.transaction():
        return ledger.adjust(
            lot_id,
            reason=reason,
            at=at,
            actor=actor,
            containers_delta=containers_delta,
            container_id=container_id,
            volume_delta=to_ul(volume_delta_ml),
            correlation=correlation,
        )


def transfer(
    ledger: Ledger,
    lot_id: int,
    *,
    to_site: str,
    containers: int,
    reason: str,
    at: dt.datetime,
    actor: str,
) -> list[int]:
    """
    Move *containers* unopened containers of a lot to another site of the store, in
    one transaction: an ``adjust`` out of the lot at its site and a ``receive`` into
    the same lot number at *to_site* (created there with the same product, expiry,
    reception date, GTIN and container), both naming the other site and sharing one
    correlation (``transfer N``). Opened containers do not travel.

    Raises:
        StockError: the destination is the lot's own site or empty, the lot is not
            released (quarantined and recalled stock stays where it is), the reason
            is empty, or the lot at the destination has another expiry.
        InsufficientStock: the lot holds fewer unopened containers.
    """
    if not to_site.strip() or to_site != to_site.strip():
        raise StockError(f"--to {to_site!r}: a site is a name without surrounding spaces")
    destination = to_site
    if not reason.strip():
        raise StockError("a transfer needs a reason (kept in the journal)")
    if containers < 1:
        raise StockError(f"--containers {containers}: transfer at least one container")
    with ledger.transaction():
        row = ledger.db.execute(
            "SELECT l.lot, l.site, b.status, b.unopened"
            " FROM lots l JOIN lot_balance b USING (lot_id) WHERE l.lot_id = ?",
            (lot_id,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no lot {lot_id} in the store")
        number, site = row["lot"], row["site"]
        if destination == site:
            raise StockError(f"lot '{number}' is at site '{site}' already")
        if row["status"] != "released":
            raise StockError(
                f"lot '{number}' at '{site}' is {row['status']}: quarantined or recalled "
                "stock is not transferred"
            )
        if int(row["unopened"]) < containers:
            raise InsufficientStock(
                f"lot '{number}' at '{site}' has {row['unopened']} unopened container(s), "
                f"not {containers}"
            )
        correlation = f"transfer {ledger.db.peek_entry_id()}"
        entries = [
            ledger.append(
                "adjust",
                lot_id,
                at=at,
                actor=actor,
                containers_delta=-containers,
                reason=f"transfer to {destination}: {reason}",
                correlation=correlation,
            )
        ]
        target = lot_at_site(ledger, lot_id, destination)
        entries.append(
            ledger.append(
                "receive",
                target,
                at=at,
                actor=actor,
                containers_delta=containers,
                reason=f"transfer from {site}: {reason}",
                correlation=correlation,
            )
        )
    return entries


def set_status(
    ledger: Ledger, lot_id: int, status: Status, *, reason: str, at: dt.datetime, actor: str
) -> int:
    """Quarantine, release or recall a lot."""
    with ledger.transaction():
        row = ledger.lot_row(lot_id)
        if row[6] == status:
            raise StockError(f"lot '{row[2]}' is already {status}")
        return ledger.append(
            STATUS_KIND[status],
            lot_id,
            at=at,
            actor=actor,
            status=status,
            status_before=row[6],
            reason=reason,
        )


def lot_at_site(ledger: Ledger, lot_id: int, site: str) -> int:
    """
    The id of lot *lot_id*'s lot number at *site*: the row there, or a new one with
    the same product, expiry, reception date, GTIN and container (a transfer's
    destination); the caller holds the write lock.

    Raises:
        StockError: the lot number is at *site* with another expiry.
    """
    source = ledger.db.execute(
        "SELECT product, lot, expiry FROM lots WHERE lot_id = ?", (lot_id,)
    ).fetchone()
    found = ledger.db.execute(
        "SELECT lot_id, expiry FROM lots WHERE product = ? AND lot = ? AND site = ?",
        (source[0], source[1], site),
    ).fetchone()
    if found is not None:
        if found[1] != source[2]:
            raise StockError(
                f"lot '{source[1]}' is at site '{site}' with expiry {found[1] or 'none'}, "
                f"not {source[2] or 'none'}: check the labels"
            )
        return int(found[0])
    target = int(
        ledger.db.execute(
            "INSERT INTO lots (product, lot, expiry, received, gtin, location, nominal_ul,"
            " single_dose, in_use_days, site)"
            " SELECT product, lot, expiry, received, gtin, NULL, nominal_ul, single_dose,"
            " in_use_days, ? FROM lots WHERE lot_id = ? RETURNING lot_id",
            (site, lot_id),
        ).fetchone()[0]
    )
    ledger.db.execute(
        "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, 0, 'released')",
        (target,),
    )
    return target


def recalled(ledger: Ledger, lot_ids: Sequence[int]) -> list[str]:
    """
    Which of the lots *lot_ids* are recalled now (SPEC §9.4), as "product lot L": a batch
    that drew from one must not be given until the lot is released again.
    """
    if not lot_ids:
        return []
    db = ledger.db
    return [
        f"{r[0]} lot {r[1]}"
        for r in db.execute(
            "SELECT l.product, l.lot FROM lots l JOIN lot_balance b USING (lot_id)"
            f" WHERE {db.in_ids('l.lot_id')} AND b.status = 'recalled' ORDER BY l.product, l.lot",
            (db.ids(sorted(set(lot_ids))),),
        )
    ]


__all__ = [
    "adjust",
    "discard",
    "discard_rest",
    "draw",
    "find_lot",
    "open_container",
    "recalled",
    "set_status",
    "sites",
    "transfer",
]
