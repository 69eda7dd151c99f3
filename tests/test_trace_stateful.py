"""
A hypothesis state machine over trace and recall (SPEC §9.4): batches compounded,
released, given, undone and voided, lots recalled and released, complications recorded,
interleaved at random; after every step the trace of every lot and batch equals a
reference model, a batch counts as recalled exactly when a lot it drew from is, and
nothing traced is tampered. Both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mesoformula.compounding import consume_batch
from mesoformula.files import load
from mesoformula.files.catalogs import load_catalog
from mesoformula.formulation import Formulation
from mesoformula.sheets import StockSheet
from mesoformula.stock import Stock
from mesoformula.stock.events import record_event
from mesoformula.stock.trace import trace_batch, trace_lot

from .conftest import EXAMPLES, run_machine

CATALOG = load_catalog().catalog
HAIR = load(EXAMPLES / "hair-revitalizing.toml", Formulation)
SHEET = load(EXAMPLES / "stock.toml", StockSheet)
PATIENTS = ("P-1", "P-2", "P-3")


class TraceMachine(RuleBasedStateMachine):
    """Random courses against a model of who received what from which lot."""

    new_location: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock.open(self.new_location())
        self.clock = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
        #: batch -> lots (product, lot) it drew from; released; void
        self.lots_of: dict[str, set[tuple[str, str]]] = {}
        self.released: set[str] = set()
        self.void: set[str] = set()
        #: administration number -> (batch, patient, live)
        self.given: dict[int, tuple[str, str, bool]] = {}
        self.recalled: set[tuple[str, str]] = set()

    def teardown(self) -> None:
        self.stock.close()

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=5)
        return self.clock

    @initialize()
    def stocked(self) -> None:
        self.stock.import_sheet(SHEET, CATALOG, at=self.tick(), actor="t")

    @precondition(lambda self: len(self.lots_of) < 6)
    @rule()
    def compound(self) -> None:
        batch_id = f"B{len(self.lots_of) + 1}"
        result, _ = consume_batch(
            self.stock, HAIR, CATALOG, batch_id=batch_id, at=self.tick(), actor="prep"
        )
        if result is None or not result.consumed:  # refused or short: nothing recorded
            return
        self.lots_of[batch_id] = {(a.product, a.lot) for a in result.plan.allocations}

    @precondition(lambda self: any(b not in self.released for b in self.lots_of))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        batch = data.draw(st.sampled_from(sorted(set(self.lots_of) - self.released)))
        if batch in self.void:
            return
        self.stock.verify_batch(batch, verifier="pharmacist", at=self.tick())
        self.released.add(batch)

    @precondition(lambda self: bool(self.released - self.void))
    @rule(data=st.data(), patient=st.sampled_from(PATIENTS))
    def give(self, data: st.DataObject, patient: str) -> None:
        batch = data.draw(st.sampled_from(sorted(self.released - self.void)))
        with self.stock.transaction():
            number, _ = self.stock.give(
                batch, patient=patient, volume_ul=500, doses="{}", at=self.tick(), actor="dr"
            )
        self.given[number] = (batch, patient, True)

    @precondition(lambda self: any(live for _, _, live in self.given.values()))
    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(sorted(n for n, g in self.given.items() if g[2])))
        self.stock.undo_administration(number, reason="charted twice", at=self.tick(), actor="dr")
        batch, patient, _ = self.given[number]
        self.given[number] = (batch, patient, False)

    @precondition(lambda self: bool(set(self.lots_of) - self.void))
    @rule(data=st.data())
    def void_unused(self, data: st.DataObject) -> None:
        batch = data.draw(st.sampled_from(sorted(set(self.lots_of) - self.void)))
        if any(b == batch and live for b, _, live in self.given.values()):
            return  # a batch given from is not voided (undo its doses first)
        self.stock.void(batch, reason="not made", at=self.tick(), actor="prep", kind="destroyed")
        self.void.add(batch)

    @precondition(lambda self: bool(self.lots_of))
    @rule(data=st.data())
    def recall_or_release(self, data: st.DataObject) -> None:
        lot = data.draw(st.sampled_from(sorted(set().union(*self.lots_of.values()))))
        to: Literal["released", "recalled"] = "released" if lot in self.recalled else "recalled"
        lot_id = self.stock.find_lot(lot[1], lot[0])
        self.stock.set_status(lot_id, to, reason="supplier", at=self.tick(), actor="qa")
        (self.recalled.discard if to == "released" else self.recalled.add)(lot)

    @precondition(lambda self: any(live for _, _, live in self.given.values()))
    @rule(data=st.data())
    def complication(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(sorted(n for n, g in self.given.items() if g[2])))
        _, patient, _ = self.given[number]
        at = self.tick()
        record_event(self.stock, patient=patient, kind="nodule", severity="mild", onset=at,
                     at=at, actor="dr", administration=number)  # fmt: skip

    @invariant()
    def trace_is_the_model(self) -> None:
        lots = set().union(set(), *self.lots_of.values())
        for product, lot in sorted(lots):
            trace = trace_lot(self.stock, lot, product=product)
            expected = {b for b, drawn in self.lots_of.items() if (product, lot) in drawn}
            assert expected == {b.batch_id for b in trace.batches}
            live = {p for b, p, alive in self.given.values() if alive and b in expected}
            assert tuple(sorted(live)) == trace.patients
            assert () == trace.tampered
        for batch_id, drawn in self.lots_of.items():
            (traced,) = trace_batch(self.stock, batch_id).batches
            numbers = {n: g[2] for n, g in self.given.items() if g[0] == batch_id}
            assert numbers == {a.number: a.live for a in traced.administrations}
            assert (batch_id in self.void, batch_id in self.released) == (
                traced.void,
                traced.released,
            )
            lot_ids = [self.stock.find_lot(lot, product) for product, lot in sorted(drawn)]
            assert bool(drawn & self.recalled) == bool(self.stock.recalled(lot_ids))


def test_trace_machine(engine: str, request: pytest.FixtureRequest) -> None:
    """The machine on each engine: 25 examples of up to 20 steps, a new store each."""
    run_machine(TraceMachine, engine, request, examples=25, steps=20)
