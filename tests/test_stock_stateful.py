"""
A hypothesis state machine over the stock store: random receive / open / draw / consume /
discard / undo / count sequences against a model of exact integer balances.

Invariants after every step: no negative balance; the cache equals the fold of the
journal and the hash chain is intact (verify); each product's usable volume equals
the model's, to the microlitre; undo restores the state before; consumption follows
the allocation order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from mesoformula.sheets import CountedLot, CountSheet, Lot
from mesoformula.stock import Need, Stock
from mesoformula.units import Quantity

from .conftest import run_machine
from .test_stock import AMPOULE, CATALOG, VIAL

PRODUCTS = {"vial-100": VIAL, "amp-2": AMPOULE}
NOMINAL = {"vial-100": 100_000, "amp-2": 2000}


class StockMachine(RuleBasedStateMachine):
    """Random ledger operations checked against a model."""

    #: Where each example's new store goes (set per engine by the test below).
    new_location: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock.open(self.new_location())
        self.model: dict[str, int] = {"vial-100": 0, "amp-2": 0}
        self.lots: list[tuple[str, str]] = []
        self.clock = dt.datetime(2026, 12, 1, 8, 0)
        self.batches = 0
        self.undoable: tuple[int, Any] | None = None

    def teardown(self) -> None:
        self.stock.close()

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def snapshot(self) -> Any:
        # A lot registered by a receive that was undone stays known, holding nothing.
        return [
            (v.lot_id, v.unopened, v.status, v.opened)
            for v in self.stock.lots(used_up=True)
            if v.unopened or v.opened or v.status != "released"
        ]

    def last_entry(self) -> int:
        return self.stock.history()[-1].entry_id

    @initialize()
    def start(self) -> None:
        """Every run starts with one lot of each product."""
        for product in PRODUCTS:
            self.receive_lot(product=product, containers=2, months=6)

    @rule(
        product=st.sampled_from(sorted(PRODUCTS)),
        containers=st.integers(1, 4),
        months=st.integers(-1, 12),
    )
    def receive_lot(self, product: str, containers: int, months: int) -> None:
        """Receive a new lot (some already expired)."""
        before = self.snapshot()
        name = f"L{len(self.lots)}"
        expiry = (self.clock + dt.timedelta(days=30 * months)).date()
        self.stock.receive(
            Lot(product=product, lot=name, expiry=expiry, containers=containers),
            PRODUCTS[product],
            at=self.tick(),
            actor="m",
        )
        self.lots.append((product, name))
        self.model[product] += containers * NOMINAL[product]
        self.undoable = (self.last_entry(), before)

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def open_one(self, data: st.DataObject) -> None:
        """Open a container of a multi-dose lot that has one."""
        candidates = [v for v in self.stock.lots(["vial-100"]) if v.unopened > 0]
        if not candidates:
            return
        view = data.draw(st.sampled_from(candidates))
        before = self.snapshot()
        self.stock.open_container(view.lot_id, at=self.tick(), actor="m")
        self.undoable = (self.last_entry(), before)

    @rule(data=st.data())
    def draw_some(self, data: st.DataObject) -> None:
        """Draw part (or all) of an opened container."""
        containers = [c for v in self.stock.lots(used_up=True) for c in v.opened]
        if not containers:
            return
        container = data.draw(st.sampled_from(containers))
        volume = data.draw(st.integers(1, container.remaining_ul))
        before = self.snapshot()
        product = next(v.product for v in self.stock.lots(used_up=True) if container in v.opened)
        self.stock.draw(container.container_id, volume / 1000, at=self.tick(), actor="m")
        self.model[product] -= volume
        self.undoable = (self.last_entry(), before)

    @rule(product=st.sampled_from(sorted(PRODUCTS)), volume=st.integers(1, 150_000))
    def consume(self, product: str, volume: int) -> None:
        """Consume a batch; when stock suffices, the model loses what was taken."""
        at = self.tick()
        self.batches += 1
        plan = self.stock.plan([Need(product=product, volume_ul=volume)], at=at)
        result = self.stock.consume(
            [Need(product=product, volume_ul=volume)],
            batch_id=f"B{self.batches}",
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=at,
            actor="m",
        )
        assert plan.ok == result.consumed
        if result.consumed:
            taken = sum(a.volume_ul + a.waste_ul for a in result.plan.allocations)
            assert volume == sum(a.volume_ul for a in result.plan.allocations)
            self.model[product] -= taken
            self.check_order(result.plan, at)
        self.undoable = None

    def check_order(self, plan: Any, at: dt.datetime) -> None:
        """Unopened containers were opened from the earliest-expiring usable lots first."""
        opened_from = {a.lot_id for a in plan.allocations if a.containers_opened}
        if not opened_from:
            return
        views = {v.lot_id: v for v in self.stock.lots(used_up=True)}
        latest = max(views[i].expiry or dt.date.max for i in opened_from)
        for view in views.values():
            usable = view.status == "released" and (view.expiry is None or view.expiry >= at.date())
            if usable and view.unopened > 0 and view.product == plan.allocations[0].product:
                assert (view.expiry or dt.date.max) >= latest or view.lot_id in opened_from

    @precondition(lambda self: self.lots)
    @rule(data=st.data())
    def discard_one(self, data: st.DataObject) -> None:
        """Discard an unopened container."""
        candidates = [v for v in self.stock.lots(used_up=True) if v.unopened > 0]
        if not candidates:
            return
        view = data.draw(st.sampled_from(candidates))
        before = self.snapshot()
        self.stock.discard(view.lot_id, containers=1, reason="damaged", at=self.tick(), actor="m")
        self.model[view.product] -= view.nominal_ul
        self.undoable = (self.last_entry(), before)

    @precondition(lambda self: self.undoable is not None)
    @rule()
    def undo_last(self) -> None:
        """Undo the last single-entry operation: the state is as before it."""
        assert self.undoable is not None
        entry, before = self.undoable
        self.stock.undo(entry, reason="mistake", at=self.tick(), actor="m")
        assert before == self.snapshot()
        self.model = {p: sum(v.volume_ul for v in self.stock.lots([p])) for p in PRODUCTS}
        self.undoable = None

    @precondition(lambda self: self.lots)
    @rule(data=st.data(), delta=st.integers(-2, 2))
    def count(self, data: st.DataObject, delta: int) -> None:
        """A stocktake of one lot: counted containers become the balance."""
        view = data.draw(st.sampled_from(self.stock.lots(used_up=True)))
        counted = max(0, view.unopened + delta)
        at = self.tick()
        sheet = CountSheet(
            counted_at=at,
            counted_by="m",
            lots=(
                CountedLot(
                    product=view.product,
                    lot=view.lot,
                    containers=counted,
                    opened=tuple(Quantity(c.remaining_ul / 1000, "mL") for c in view.opened),
                ),
            ),
        )
        self.stock.count(sheet, CATALOG)
        after = next(v for v in self.stock.lots(used_up=True) if v.lot_id == view.lot_id)
        assert counted == after.unopened
        self.model[view.product] += (counted - view.unopened) * view.nominal_ul
        self.undoable = None

    @invariant()
    def sound(self) -> None:
        """verify() is clean: cache == fold, hash chain intact."""
        assert [] == self.stock.verify()

    @invariant()
    def exact_and_non_negative(self) -> None:
        """Balances are non-negative and equal the model to the microlitre."""
        for view in self.stock.lots(used_up=True):
            assert view.unopened >= 0
            assert all(c.remaining_ul > 0 for c in view.opened)
        for product, expected in self.model.items():
            assert expected == sum(v.volume_ul for v in self.stock.lots([product]))

    @invariant()
    def holding_lots_are_the_listed_ones(self) -> None:
        """The default listing is exactly the lots that hold something, nothing lost."""
        every = self.stock.lots(used_up=True)
        assert [v for v in every if v.unopened or v.opened] == self.stock.lots()


def test_stock_machine(engine: str, request: pytest.FixtureRequest) -> None:
    """The state machine on each engine: 100 examples of up to 30 steps, a new store each."""
    run_machine(StockMachine, engine, request, examples=100, steps=30)
