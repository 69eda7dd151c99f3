"""Tests for mesoformula.bud: every row of the USP <797> table, boundaries, minimums."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from mesoformula.bud import EDITION, ContainerUse, LotUse, assign_bud
from mesoformula.formulation import Preparation
from mesoformula.units import Quantity

AT = dt.datetime(2026, 12, 1, 10, 0)  # naive: local time, as a pharmacist types it


def local(moment: dt.datetime) -> dt.datetime:
    """A naive moment as the aware local instant the BUD is given in (SPEC §8.4)."""
    return moment.astimezone()


H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

ROWS = [
    # category, method, sterility tested, cat-3 requirements, only sterile, room, fridge, freezer
    (1, "aseptic", False, False, True, 12 * H, 24 * H, None),
    (2, "aseptic", False, False, True, 4 * D, 10 * D, 45 * D),
    (2, "aseptic", False, False, False, 1 * D, 4 * D, 45 * D),
    (2, "aseptic", True, False, True, 30 * D, 45 * D, 60 * D),
    (2, "terminal-sterilization", False, False, True, 14 * D, 28 * D, 45 * D),
    (2, "terminal-sterilization", True, False, True, 45 * D, 60 * D, 90 * D),
    (3, "aseptic", True, True, True, 60 * D, 90 * D, 120 * D),
    (3, "terminal-sterilization", True, True, True, 90 * D, 120 * D, 180 * D),
]


def preparation(category: int, method: str, tested: bool, cat3: bool, storage: str) -> Preparation:
    return Preparation(
        category=category,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
        sterility_tested=tested,
        category_3_requirements=cat3,
        storage=storage,  # type: ignore[arg-type]
    )


class TestTable:
    """Every row and storage of SPEC §6."""

    @pytest.mark.parametrize(
        ("category", "method", "tested", "cat3", "sterile", "room", "fridge", "freezer"), ROWS
    )
    def test_row(
        self,
        category: int,
        method: str,
        tested: bool,
        cat3: bool,
        sterile: bool,
        room: dt.timedelta,
        fridge: dt.timedelta,
        freezer: dt.timedelta | None,
    ) -> None:
        """Each storage gives the table's BUD, governed by usp797, to the hour."""
        for storage, expected in (("room", room), ("refrigerator", fridge), ("freezer", freezer)):
            bud = assign_bud(
                preparation(category, method, tested, cat3, storage),
                compounded_at=AT,
                only_sterile=sterile,
            )
            if expected is None:
                assert (None, "bud.unassigned") == (bud.at, bud.findings[0].code)
            else:
                assert (local(AT + expected), "usp797") == (bud.at, bud.governed_by)
                assert EDITION in bud.reason

    def test_storage_changes_the_bud(self) -> None:
        """The same category 2 preparation: 4 d at room, 10 d refrigerated, 45 d frozen."""
        spans = [
            assign_bud(
                preparation(2, "aseptic", False, False, s), compounded_at=AT, only_sterile=True
            ).at
            for s in ("room", "refrigerator", "freezer")
        ]
        assert [local(AT + 4 * D), local(AT + 10 * D), local(AT + 45 * D)] == spans

    def test_exact_hour(self) -> None:
        """Category 1 at room temperature: exactly 12 hours after compounding, to the second."""
        bud = assign_bud(
            preparation(1, "aseptic", False, False, "room"), compounded_at=AT, only_sterile=True
        )
        assert local(dt.datetime(2026, 12, 1, 22, 0, 0)) == bud.at

    def test_category_3_needs_its_requirements(self) -> None:
        """Category 3 without sterility testing or its requirements is not assigned."""
        bud = assign_bud(
            preparation(3, "aseptic", True, False, "room"), compounded_at=AT, only_sterile=True
        )
        assert None is bud.at
        assert "category 3" in bud.findings[0].message


class TestMinimum:
    """The earliest of table, stability, lot expiry and in-use dates governs."""

    PREP = preparation(2, "aseptic", False, False, "refrigerator")  # 10 days

    def test_lot_expiry_end_of_day(self) -> None:
        """A lot expiring in 3 days governs, through the end of its expiry day."""
        bud = assign_bud(
            self.PREP,
            compounded_at=AT,
            only_sterile=True,
            lots=[
                LotUse(product="p", lot="L1", expiry=dt.date(2026, 12, 4)),
                LotUse(product="q", lot="L2", expiry=None),
            ],
        )
        assert (local(dt.datetime(2026, 12, 4, 23, 59, 59)), "lot-expiry") == (
            bud.at,
            bud.governed_by,
        )
        assert "L1" in bud.reason

    def test_in_use_date(self) -> None:
        """A vial opened 25 days ago with 28 in-use days governs (3 days left)."""
        container = ContainerUse(
            product="p", lot="L1", container_id=7, opened_at=AT - 25 * D, in_use_days=28
        )
        bud = assign_bud(self.PREP, compounded_at=AT, only_sterile=True, containers=[container])
        assert (local(AT + 3 * D), "in-use") == (bud.at, bud.governed_by)

    def test_stability(self) -> None:
        """A 2-day stability limit governs."""
        prep = Preparation(category=2, storage="refrigerator", stability=Quantity(2.0, "d"))
        bud = assign_bud(prep, compounded_at=AT, only_sterile=True)
        assert (local(AT + 2 * D), "stability") == (bud.at, bud.governed_by)

    def test_minimum_of_all(self) -> None:
        """With several limits, the earliest wins."""
        bud = assign_bud(
            Preparation(category=2, storage="refrigerator", stability=Quantity(5.0, "d")),
            compounded_at=AT,
            only_sterile=True,
            lots=[LotUse(product="p", lot="L1", expiry=dt.date(2026, 12, 8))],
            containers=[
                ContainerUse(
                    product="p", lot="L2", container_id=1, opened_at=AT - 27 * D, in_use_days=28
                )
            ],
        )
        assert (local(AT + 1 * D), "in-use") == (bud.at, bud.governed_by)

    def test_immediate_use(self) -> None:
        """Immediate use: 4 hours from the start of preparation."""
        bud = assign_bud(
            Preparation(immediate_use=True), compounded_at=AT, only_sterile=True, products=3
        )
        assert (local(AT + 4 * H), "usp797") == (bud.at, bud.governed_by)
        assert "immediate use" in bud.reason

    @pytest.mark.parametrize(
        ("only_sterile", "products", "why"),
        [
            (False, 2, "every component to be sterile"),
            (True, 4, "at most 3 different sterile products, and 4 are used"),
            (True, None, "the number used is not known"),
        ],
    )
    def test_immediate_use_is_not_granted(
        self, only_sterile: bool, products: int | None, why: str
    ) -> None:
        """A non-sterile component or more than 3 products: no immediate-use BUD (§8.9)."""
        bud = assign_bud(
            Preparation(immediate_use=True),
            compounded_at=AT,
            only_sterile=only_sterile,
            products=products,
        )
        assert (None, "bud.unassigned") == (bud.at, bud.findings[0].code)
        assert why in bud.reason

    def test_bud_limited_finding(self) -> None:
        """The assigned BUD is reported as bud.limited (info) naming what governed it."""
        bud = assign_bud(self.PREP, compounded_at=AT, only_sterile=True)
        (finding,) = bud.findings
        assert ("bud.limited", "info") == (finding.code, finding.severity)
        assert "governed by usp797" in finding.message


class TestUnassigned:
    """Missing preparation data: no date, a finding that says why."""

    @pytest.mark.parametrize(
        ("prep", "why"),
        [
            (None, "no [preparation]"),
            (Preparation(storage="room"), "no category"),
            (Preparation(category=2), "no storage"),
        ],
    )
    def test_missing(self, prep: Preparation | None, why: str) -> None:
        """Each missing piece is named; nothing is guessed."""
        bud = assign_bud(prep, compounded_at=AT, only_sterile=True)
        assert (None, None) == (bud.at, bud.governed_by)
        (finding,) = bud.findings
        assert ("bud.unassigned", "error") == (finding.code, finding.severity)
        assert why in finding.message


class TestDaylightSaving:
    """Across a daylight-saving change a BUD is never lengthened (SPEC §8.4)."""

    @pytest.fixture
    def new_york(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        yield
        monkeypatch.undo()
        time.tzset()

    @pytest.mark.parametrize(
        ("compounded", "expected"),
        [
            # spring forward: same wall-clock time (23 hours elapsed), not 11:00
            ("2027-03-13T10:00:00-05:00", "2027-03-14T10:00:00-04:00"),
            # fall back: 24 hours elapsed (09:00), not the wall-clock 10:00 (25 hours)
            ("2027-11-06T10:00:00-04:00", "2027-11-07T09:00:00-05:00"),
        ],
    )
    def test_one_day_across_a_change(self, new_york: None, compounded: str, expected: str) -> None:
        prep = Preparation(category=2, storage="room", stability=Quantity(1.0, "d"))
        at = dt.datetime.fromisoformat(compounded)
        bud = assign_bud(prep, compounded_at=at, only_sterile=True)
        assert bud.at is not None
        assert (expected, "stability") == (bud.at.isoformat(), bud.governed_by)
