"""
Stock: lots, the append-only ledger on SQLite, allocation and counts.

``from mesoformula.stock import Stock`` opens a store. The names are loaded on first
use, so that reading a stock sheet never imports SQLite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesoformula.allocation import (
        Allocation,
        Exclusion,
        LotState,
        Need,
        Plan,
        Shortfall,
        allocate,
    )
    from mesoformula.sheets import CountedLot, CountSheet, Lot, OpenedContainer, StockSheet

    from ._consume import ConsumeResult
    from .count import CountLine
    from .queries import Entry, LotView
    from .store import Stock

_WHERE = {
    "Allocation": "mesoformula.allocation",
    "Exclusion": "mesoformula.allocation",
    "LotState": "mesoformula.allocation",
    "Need": "mesoformula.allocation",
    "Plan": "mesoformula.allocation",
    "Shortfall": "mesoformula.allocation",
    "allocate": "mesoformula.allocation",
    "CountedLot": "mesoformula.sheets",
    "CountSheet": "mesoformula.sheets",
    "Lot": "mesoformula.sheets",
    "OpenedContainer": "mesoformula.sheets",
    "StockSheet": "mesoformula.sheets",
    "ConsumeResult": "mesoformula.stock._consume",
    "CountLine": "mesoformula.stock.count",
    "Entry": "mesoformula.stock.queries",
    "LotView": "mesoformula.stock.queries",
    "Stock": "mesoformula.stock.store",
}

__all__ = [
    "Allocation",
    "ConsumeResult",
    "CountLine",
    "CountSheet",
    "CountedLot",
    "Entry",
    "Exclusion",
    "Lot",
    "LotState",
    "LotView",
    "Need",
    "OpenedContainer",
    "Plan",
    "Shortfall",
    "Stock",
    "StockSheet",
    "allocate",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mesoformula.stock' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
