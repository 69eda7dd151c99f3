"""Tests for mesoformula.allocation: the pure, deterministic FEFO allocation."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mesoformula.allocation import ContainerState, LotState, Need, allocate, container_until

AT = dt.datetime(2026, 12, 1, 10, 0)


def lot(
    lot_id: int,
    *,
    expiry: dt.date | None = dt.date(2027, 6, 30),
    unopened: int = 5,
    containers: tuple[ContainerState, ...] = (),
    status: str = "released",
    single_dose: bool = False,
    nominal_ul: int = 10_000,
    received: dt.date | None = dt.date(2026, 1, 1),
    in_use_days: int | None = 28,
) -> LotState:
    return LotState(
        lot_id=lot_id,
        product="p",
        lot=f"L{lot_id}",
        expiry=expiry,
        received=received,
        status=status,
        unopened=unopened,
        containers=containers,
        nominal_ul=nominal_ul,
        single_dose=single_dose,
        in_use_days=in_use_days,
    )


def opened(container_id: int, remaining: int, days_ago: int = 1) -> ContainerState:
    return ContainerState(
        container_id=container_id,
        opened_at=AT - dt.timedelta(days=days_ago),
        remaining_ul=remaining,
    )


class TestOrder:
    """SPEC §5 order: in-use opened containers, then expiry, received, lot id."""

    def test_opened_container_first(self) -> None:
        """An opened container in its in-use period is used before an earlier-expiring lot."""
        plan = allocate(
            [Need(product="p", volume_ul=1000)],
            [
                lot(1, expiry=dt.date(2027, 1, 1)),
                lot(2, expiry=dt.date(2027, 12, 1), containers=(opened(9, 5000),)),
            ],
            at=AT,
        )
        assert [(2, 9)] == [(a.lot_id, t.container_id) for a in plan.allocations for t in a.takes]

    def test_earliest_expiry_then_received_then_id(self) -> None:
        """Earliest expiry first; ties by received date, then lot id; no expiry last."""
        lots = [
            lot(1, expiry=None),
            lot(2, expiry=dt.date(2027, 3, 1), received=dt.date(2026, 5, 1)),
            lot(3, expiry=dt.date(2027, 3, 1), received=dt.date(2026, 4, 1)),
            lot(4, expiry=dt.date(2027, 3, 1), received=dt.date(2026, 4, 1)),
            lot(5, expiry=dt.date(2027, 2, 1)),
        ]
        plan = allocate([Need(product="p", volume_ul=10_000 * 5 * 4 + 1)], lots, at=AT)
        assert [5, 3, 4, 2, 1] == [a.lot_id for a in plan.allocations]

    def test_deterministic(self) -> None:
        """The same input gives the same plan, whatever the order of the lots."""
        lots = [lot(i, expiry=dt.date(2027, 1 + i % 12, 1)) for i in range(1, 10)]
        need = [Need(product="p", volume_ul=123_456)]
        assert allocate(need, lots, at=AT) == allocate(need, list(reversed(lots)), at=AT)


class TestExclusions:
    """Lots passed over are reported with their reason."""

    def test_reasons(self) -> None:
        """expired, quarantine, recalled, in-use-expired and empty are each reported."""
        lots = [
            lot(1, expiry=dt.date(2026, 11, 30)),
            lot(2, status="quarantine"),
            lot(3, status="recalled"),
            lot(4, unopened=0, containers=(opened(7, 5000, days_ago=40),)),
            lot(5, unopened=0),
            lot(6),
        ]
        plan = allocate([Need(product="p", volume_ul=1000)], lots, at=AT)
        assert [
            (1, "expired"),
            (2, "quarantine"),
            (3, "recalled"),
            (4, "in-use-expired"),
            (5, "empty"),
        ] == [(e.lot_id, e.reason) for e in plan.excluded]
        assert [6] == [a.lot_id for a in plan.allocations]

    def test_usable_through_the_end_of_the_expiry_day(self) -> None:
        """A lot expiring today is usable until 23:59:59 today."""
        plan = allocate(
            [Need(product="p", volume_ul=1000)],
            [lot(1, expiry=AT.date())],
            at=AT.replace(hour=23, minute=59),
        )
        assert plan.ok
        later = allocate(
            [Need(product="p", volume_ul=1000)],
            [lot(1, expiry=AT.date())],
            at=AT + dt.timedelta(days=1),
        )
        assert ["expired"] == [e.reason for e in later.excluded]

    def test_in_use_period_is_earlier_of_expiry_and_opening(self) -> None:
        """An opened container lasts until the earlier of expiry and opening + in-use days."""
        state = lot(1, expiry=dt.date(2026, 12, 5))
        container = opened(1, 100, days_ago=1)
        assert dt.datetime.combine(
            dt.date(2026, 12, 5), dt.time.max
        ).astimezone() == container_until(state, container)
        state = lot(1, expiry=dt.date(2027, 12, 5))
        assert container.opened_at + dt.timedelta(days=28) == container_until(state, container)


class TestContainers:
    """Single-dose containers whole; shortfalls."""

    def test_single_dose_waste(self) -> None:
        """6 mL from 5 mL ampoules: two opened, 4 mL waste."""
        plan = allocate(
            [Need(product="p", volume_ul=6000)], [lot(1, single_dose=True, nominal_ul=5000)], at=AT
        )
        (allocation,) = plan.allocations
        assert (2, 4000, 6000) == (
            allocation.containers_opened,
            allocation.waste_ul,
            allocation.volume_ul,
        )

    def test_shortfall(self) -> None:
        """Not enough usable stock: a shortfall with needed and available, no allocation."""
        plan = allocate([Need(product="p", volume_ul=60_000)], [lot(1, unopened=5)], at=AT)
        assert not plan.ok
        assert (60_000, 50_000) == (plan.shortfalls[0].needed_ul, plan.shortfalls[0].available_ul)
        assert () == plan.allocations

    def test_unknown_product_is_short(self) -> None:
        """A product with no lot at all is short by everything."""
        plan = allocate([Need(product="q", volume_ul=1)], [lot(1)], at=AT)
        assert 0 == plan.shortfalls[0].available_ul


@given(
    expiries=st.lists(
        st.none() | st.dates(dt.date(2026, 12, 1), dt.date(2028, 1, 1)), min_size=1, max_size=6
    ),
    need=st.integers(1, 200_000),
)
def test_fefo_monotone(expiries: list[dt.date | None], need: int) -> None:
    """No later-expiring lot is used while an earlier-expiring one keeps unopened stock."""
    lots = [lot(i + 1, expiry=e, unopened=2) for i, e in enumerate(expiries)]
    plan = allocate([Need(product="p", volume_ul=need)], lots, at=AT)
    if not plan.ok:
        return
    used = {a.lot_id: a.containers_opened for a in plan.allocations}

    def key(state: LotState) -> tuple[bool, dt.date]:
        return (state.expiry is None, state.expiry or dt.date.max)

    for state in lots:
        for other in lots:
            if key(other) < key(state) and state.lot_id in used:
                assert used.get(other.lot_id, 0) == other.unopened, (state, other)
    assert need == sum(a.volume_ul for a in plan.allocations)
