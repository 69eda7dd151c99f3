"""The stock sheet (SPEC §2.4): lots to receive or exported from a store."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

import attrs

from mesoformula._fields import NonNegative, VolumeOrEmpty
from mesoformula._validate import validated

STOCK_FORMAT: Final = "mesoformula.stock/1"
COUNT_FORMAT: Final = "mesoformula.count/1"
LotStatus = Literal["released", "quarantine", "recalled"]


@attrs.frozen(kw_only=True)
@validated
class OpenedContainer:
    """A container of a lot that has been punctured, with what is left in it."""

    at: dt.datetime
    remaining: VolumeOrEmpty


@attrs.frozen(kw_only=True)
@validated
class Lot:
    """
    One lot of a product.

    Attributes:
        product: Product id.
        lot: Lot number as printed.
        expiry: Expiry date; the lot is usable through the end of that day. None
            means it does not expire (allocated last).
        containers: Unopened containers.
        opened: Opened containers with their opening time and remaining volume.
        location: Where it is kept.
        status: ``released``, ``quarantine`` or ``recalled``; None (not given): a new lot is
            released, a lot the store has keeps its status.
        gtin: GS1 GTIN, if known.
        received: Date received.
        site: The site that holds the lot (a clinic of the group); None: the command's
            ``--site``, else ``main``.
    """

    product: str
    lot: str
    expiry: dt.date | None = None
    containers: NonNegative = 0
    opened: tuple[OpenedContainer, ...] = ()
    location: str | None = None
    status: LotStatus | None = None
    gtin: str | None = None
    received: dt.date | None = None
    site: str | None = None


@attrs.frozen(kw_only=True)
@validated
class StockSheet:
    """A stock sheet (``format = "mesoformula.stock/1"``)."""

    format: Literal["mesoformula.stock/1"] = STOCK_FORMAT
    lots: tuple[Lot, ...] = ()


@attrs.frozen(kw_only=True)
@validated
class CountedLot:
    """
    What a stocktake found of one lot.

    Attributes:
        product: Product id.
        lot: Lot number.
        containers: Unopened containers counted.
        opened: Remaining volume of each opened container counted, oldest first.
        expiry: Expiry date, needed only for a lot the store does not know (found).
        reason: Reason recorded with any variance.
    """

    product: str
    lot: str
    containers: NonNegative = 0
    opened: tuple[VolumeOrEmpty, ...] = ()
    expiry: dt.date | None = None
    reason: str = "stocktake variance"


@attrs.frozen(kw_only=True)
@validated
class CountSheet:
    """
    A stocktake (``format = "mesoformula.count/1"``).

    Counts are compared with what the store expected at ``counted_at``; movements
    recorded after that moment are kept, and lots not listed are left untouched. A count
    is of one site (``site``; None: the command's ``--site``, else ``main``): the lots
    of other sites are not touched, and a lot found is received at that site.
    """

    format: Literal["mesoformula.count/1"] = COUNT_FORMAT
    counted_at: dt.datetime
    counted_by: str
    lots: tuple[CountedLot, ...] = ()
    site: str | None = None


__all__ = [
    "COUNT_FORMAT",
    "STOCK_FORMAT",
    "CountSheet",
    "CountedLot",
    "Lot",
    "LotStatus",
    "OpenedContainer",
    "StockSheet",
]
