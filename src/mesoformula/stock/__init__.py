"""
Stock: lots, the append-only ledger on SQLite, allocation and counts.

``from mesoformula.stock import Stock`` opens a store; the allocation function and the
sheet models are importable without touching SQLite.
"""

from .allocation import Allocation, Exclusion, LotState, Need, Plan, Shortfall, allocate
from .sheet import CountedLot, CountSheet, Lot, OpenedContainer, StockSheet
from .store import ConsumeResult, CountLine, Entry, LotView, Stock, default_path

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
    "default_path",
]
