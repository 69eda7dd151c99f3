"""
Stock: lots, the append-only ledger on SQLite, allocation and counts.

``from mesoformula.stock import Stock`` opens a store. The names are loaded on first
use, so that reading a stock sheet never imports SQLite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._consume import ConsumeResult
    from .allocation import Allocation, Exclusion, LotState, Need, Plan, Shortfall, allocate
    from .count import CountLine
    from .queries import Entry, LotView
    from .sheet import CountedLot, CountSheet, Lot, OpenedContainer, StockSheet
    from .store import Stock

_WHERE = {
    "Allocation": "allocation",
    "Exclusion": "allocation",
    "LotState": "allocation",
    "Need": "allocation",
    "Plan": "allocation",
    "Shortfall": "allocation",
    "allocate": "allocation",
    "CountedLot": "sheet",
    "CountSheet": "sheet",
    "Lot": "sheet",
    "OpenedContainer": "sheet",
    "StockSheet": "sheet",
    "ConsumeResult": "_consume",
    "CountLine": "count",
    "Entry": "queries",
    "LotView": "queries",
    "Stock": "store",
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
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
