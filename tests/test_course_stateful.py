"""
A hypothesis state machine over the course (issue 13): random consume / administer /
undo / void sequences for one patient against a model of what each batch holds.

Invariants after every step: the cumulative course (``course show``'s totals) equals
the sum of the live administrations; a batch never gives more than it holds; a batch
that was given cannot be voided, a void one cannot be given; the store verifies sound
(the chain covers every administration and undo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from mesoformula.administer import administer
from mesoformula.compounding import consume_batch
from mesoformula.course import summarize
from mesoformula.exceptions import StockError
from mesoformula.files import load
from mesoformula.files.catalogs import load_catalog
from mesoformula.formulation import Formulation
from mesoformula.patient import Patient
from mesoformula.sheets import StockSheet
from mesoformula.stock import Stock

from .conftest import EXAMPLES, run_machine

CATALOG = load_catalog().catalog
HAIR = load(EXAMPLES / "hair-revitalizing.toml", Formulation)
PATIENT = load(EXAMPLES / "patient-P-0042.toml", Patient)
SHEET = load(EXAMPLES / "stock.toml", StockSheet)
BATCH_UL = 10_000  # hair-revitalizing makes 10 mL
DEXPANTHENOL_MG_PER_ML = 25.0


class CourseMachine(RuleBasedStateMachine):
    """Random course operations checked against a model of batches and doses."""

    #: Where each example's new store goes (set per engine by the test below).
    new_location: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock.open(self.new_location())
        self.clock = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
        self.batches: dict[str, bool] = {}  # batch id -> void
        self.given: dict[int, tuple[str, int]] = {}  # live administration -> batch, µL

    def teardown(self) -> None:
        self.stock.close()

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=10)
        return self.clock

    def held(self, batch: str) -> int:
        return BATCH_UL - sum(v for b, v in self.given.values() if b == batch)

    @initialize()
    def start(self) -> None:
        self.stock.import_sheet(SHEET, CATALOG, at=self.clock - dt.timedelta(days=7), actor="x")

    @precondition(lambda self: len(self.batches) < 4)
    @rule()
    def consume(self) -> None:
        """Compound and release a batch for the patient."""
        batch = f"B{len(self.batches)}"
        result, findings = consume_batch(
            self.stock, HAIR, CATALOG, batch_id=batch, at=self.tick(), actor="ana",
            patient=PATIENT,
        )  # fmt: skip
        assert result is not None, findings
        if result.consumed:
            self.stock.verify_batch(batch, verifier="bob", at=self.tick())
            self.batches[batch] = False

    @precondition(lambda self: bool(self.batches))
    @rule(data=st.data(), tenths=st.integers(1, 60))
    def give(self, data: st.DataObject, tenths: int) -> None:
        """Give 0.1 to 6 mL from a batch: recorded exactly when the model says it fits."""
        batch = data.draw(st.sampled_from(sorted(self.batches)))
        volume_ul = tenths * 100
        result = administer(
            self.stock, CATALOG, batch_id=batch, patient=PATIENT, volume_ml=volume_ul / 1000,
            at=self.tick(), actor="nurse",
        )  # fmt: skip
        fits = not self.batches[batch] and volume_ul <= self.held(batch)
        assert (result.number is not None) == fits, result.findings
        if result.number is not None:
            self.given[result.number] = (batch, volume_ul)
        else:
            codes = {f.code for f in result.findings if f.severity == "error"}
            assert codes <= {"administer.volume", "administer.unreleased"}, codes

    @precondition(lambda self: bool(self.given))
    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        """Take back a live administration."""
        number = data.draw(st.sampled_from(sorted(self.given)))
        self.stock.undo_administration(
            number, reason="recorded in error", at=self.tick(), actor="x"
        )
        del self.given[number]

    @precondition(lambda self: bool(self.batches))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        """Void a batch: refused while any of it stands as given, or when void already."""
        batch = data.draw(st.sampled_from(sorted(self.batches)))
        allowed = not self.batches[batch] and all(b != batch for b, _ in self.given.values())
        try:
            self.stock.void(batch, reason="test", at=self.tick(), actor="x", kind="not-prepared")
        except StockError:
            assert not allowed
        else:
            assert allowed
            self.batches[batch] = True

    @invariant()
    def the_course_is_the_sum_of_live_administrations(self) -> None:
        summary = summarize(PATIENT.id, self.stock.administrations(patient=PATIENT.id), CATALOG)
        assert sorted(self.given) == sorted(a.number for a in summary.live)
        total_ml = sum(v for _, v in self.given.values()) / 1000
        dexpanthenol = [t.total.value for t in summary.totals if t.ingredient == "dexpanthenol"]
        expected = [] if not self.given else [DEXPANTHENOL_MG_PER_ML * total_ml]
        assert dexpanthenol == pytest.approx(expected, rel=1e-9)

    @invariant()
    def no_batch_gives_more_than_it_holds(self) -> None:
        for batch in self.batches:
            given = sum(
                round(a.volume_ml * 1000)
                for a in self.stock.administrations(batch_id=batch)
                if a.live
            )
            assert 0 <= given <= BATCH_UL

    @invariant()
    def the_store_is_sound(self) -> None:
        assert [] == self.stock.verify()


def test_course_machine(engine: str, request: pytest.FixtureRequest) -> None:
    """The state machine on each engine: 40 examples of up to 20 steps, a new store each."""
    run_machine(CourseMachine, engine, request, examples=40, steps=20)
