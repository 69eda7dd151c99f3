"""
The walk of the journal (issue 28): every entry comes with the facts of its lot and its
container in one streamed query, so the statements ``verify`` runs do not grow with the
journal, whatever order lots interleave in; the rows seals attest are read a window of
seals at a time, and what is found does not depend on the window. On both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from mesoformula.stock import Stock, walk

from .test_stock import VIAL, receive
from .test_tamper_corpus import attack, scenario

AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def interleave(stock: Stock, lots: list[int], rounds: int) -> None:
    """*rounds* rounds over *lots*, one lot after the other: open a container, draw."""
    for _ in range(rounds):
        for lot_id in lots:
            container = stock.open_container(lot_id, at=AT, actor="t")
            stock.draw(container, 1.0, at=AT, actor="t")


def statements(stock: Stock, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    """The statements one ``verify`` runs, and what it found."""
    db = stock.ledger.db
    count = 0

    def counted(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            nonlocal count
            count += 1
            return method(*args)

        return run

    with monkeypatch.context() as patch:
        patch.setattr(db, "execute", counted(db.execute))
        patch.setattr(db, "stream", counted(db.stream))
        found = stock.verify()
    return count, found


def test_the_statements_of_verify_do_not_grow_with_the_journal(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the interleaved entries of 12 lots, the same statements (no query per miss)."""
    with Stock.open(location) as stock:
        for number in range(12):
            receive(stock, VIAL, f"V{number}", 8, at=AT)
        lots = [view.lot_id for view in stock.lots()]
        interleave(stock, lots, 2)
        before, found = statements(stock, monkeypatch)
        assert [] == found
        interleave(stock, lots, 4)
        assert (before, []) == statements(stock, monkeypatch)


def test_what_is_found_does_not_depend_on_the_seal_window(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seals read one at a time or all together: the same findings, in the same words."""
    db = scenario(location)
    update = "UPDATE administrations SET volume_ul = 100"
    assert attack(db, "administrations", (update,)) is None
    found = {}
    for window in (1, 2, walk.SEAL_WINDOW):
        monkeypatch.setattr(walk, "SEAL_WINDOW", window)
        with Stock.open(db, readonly=True) as stock:
            found[window] = stock.verify()
    assert found[1] == found[2] == found[walk.SEAL_WINDOW]
    assert any("the administration '1' sealed by entry" in p for p in found[1])
