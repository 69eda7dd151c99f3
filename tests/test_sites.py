"""Sites: lots held at the sites of a clinic group, transfers, per-site plans and counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest

from mesoformula.cli import main
from mesoformula.exceptions import InsufficientStock, StockError, UnknownEntry
from mesoformula.sheets import CountedLot, CountSheet, Lot
from mesoformula.stock import Need, Stock

from .conftest import EXAMPLES
from .test_stock import AMPOULE, AT, CATALOG, VIAL

RECEIVED = ("--at", "2026-11-25T09:00")


@pytest.fixture
def store(location: str) -> Iterator[Stock]:
    with Stock.open(location) as stock:
        yield stock


def receive(stock: Stock, lot: str, containers: int, site: str, product: object = VIAL) -> None:
    stock.receive(
        Lot(product=product.id, lot=lot, expiry=dt.date(2027, 6, 30), containers=containers),  # type: ignore[attr-defined]
        product,  # type: ignore[arg-type]
        at=AT,
        actor="t",
        site=site,
    )


def run(location: str, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    command, *rest = argv
    return main(["stock", command, "--db", location, *rest], out=out), out.getvalue()


class TestSitesInTheStore:
    """The library: a lot number at several sites, plans and consumption per site."""

    def test_a_lot_number_at_two_sites_is_two_lots(self, store: Stock) -> None:
        receive(store, "V1", 2, "main")
        receive(store, "V1", 3, "north")
        assert {("main", 2), ("north", 3)} == {(v.site, v.unopened) for v in store.lots()}
        assert [3] == [v.unopened for v in store.lots(site="north")]
        with pytest.raises(UnknownEntry, match="several sites"):
            store.find_lot("V1")
        assert store.find_lot("V1", site="north") != store.find_lot("V1", site="main")

    def test_plan_and_consume_take_from_the_site_only(self, store: Stock) -> None:
        receive(store, "V1", 1, "main")
        receive(store, "V2", 1, "north")
        need = [Need(product="vial-100", volume_ul=150_000)]
        assert not store.plan(need, at=AT, site="north").ok  # 100 mL there
        assert store.plan(need, at=AT).ok  # every site: 200 mL
        result = store.consume(
            [Need(product="vial-100", volume_ul=30_000)],
            batch_id="B-N",
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=AT,
            actor="t",
            site="north",
        )
        assert result.consumed
        assert ["V2"] == [a.lot for a in result.plan.allocations]
        assert [] == store.verify()

    def test_transfer_moves_unopened_containers_and_verifies(self, store: Stock) -> None:
        receive(store, "V1", 5, "main")
        entries = store.transfer(
            store.find_lot("V1"), to_site="north", containers=2, reason="supply", at=AT, actor="t"
        )
        assert 2 == len(entries)
        assert {("main", 3), ("north", 2)} == {(v.site, v.unopened) for v in store.lots()}
        kinds = [(e.kind, e.containers_delta) for e in store.history()][-2:]
        assert [("adjust", -2), ("receive", 2)] == kinds
        assert {e.correlation for e in store.history()[-2:]} == {f"transfer {entries[0]}"}
        # Back again: the lot at main is the destination's row, found not duplicated.
        store.transfer(
            store.find_lot("V1", site="north"),
            to_site="main",
            containers=2,
            reason="returned",
            at=AT,
            actor="t",
        )
        assert {("main", 5), ("north", 0)} == {
            (v.site, v.unopened) for v in store.lots(used_up=True)
        }
        assert [] == store.verify()

    def test_transfer_refusals_record_nothing(self, store: Stock) -> None:
        receive(store, "V1", 2, "main")
        lot = store.find_lot("V1")
        before = len(store.history())
        with pytest.raises(InsufficientStock):
            store.transfer(lot, to_site="north", containers=3, reason="x", at=AT, actor="t")
        with pytest.raises(StockError, match="already"):
            store.transfer(lot, to_site="main", containers=1, reason="x", at=AT, actor="t")
        with pytest.raises(StockError, match="reason"):
            store.transfer(lot, to_site="north", containers=1, reason=" ", at=AT, actor="t")
        with pytest.raises(StockError, match="spaces"):
            store.transfer(lot, to_site=" north", containers=1, reason="x", at=AT, actor="t")
        store.set_status(lot, "quarantine", reason="QC", at=AT, actor="t")
        with pytest.raises(StockError, match="quarantine"):
            store.transfer(lot, to_site="north", containers=1, reason="x", at=AT, actor="t")
        assert before + 1 == len(store.history())  # only the status change
        assert [] == store.verify()

    def test_a_count_is_of_one_site(self, store: Stock) -> None:
        receive(store, "V1", 4, "main")
        receive(store, "V1", 4, "north")
        sheet = CountSheet(
            counted_at=AT,
            counted_by="c",
            site="north",
            lots=(
                CountedLot(product="vial-100", lot="V1", containers=3),
                CountedLot(product="amp-2", lot="A9", containers=2, expiry=dt.date(2027, 1, 1)),
            ),
        )
        lines = store.count(sheet, CATALOG)
        assert [False, True] == [line.found for line in lines]
        balances = {(v.site, v.lot): v.unopened for v in store.lots()}
        assert {("main", "V1"): 4, ("north", "V1"): 3, ("north", "A9"): 2} == balances
        assert [] == store.verify()

    def test_a_lot_moved_to_another_site_behind_the_journal_is_found(self, store: Stock) -> None:
        receive(store, "V1", 2, "north")
        receive(store, "A1", 2, "main", product=AMPOULE)
        assert [] == store.verify()
        store.ledger.db.execute("UPDATE lots SET site = 'main' WHERE lot = 'V1'")
        store.ledger.db.execute("UPDATE lots SET site = 'south' WHERE lot = 'A1'")
        problems = store.verify()
        assert 2 == sum("is not what the journal recorded" in p for p in problems), problems


class TestSiteCommands:
    """The command line: --site, MESOFORMULA_SITE and stock transfer."""

    def test_a_group_day(self, location: str, monkeypatch: pytest.MonkeyPatch) -> None:
        sheet = str(EXAMPLES / "stock.toml")
        assert 0 == run(location, "import", sheet, *RECEIVED)[0]
        code, text = run(location, "import", sheet, "--site", "nrth", "--again", *RECEIVED)
        assert 2 == code  # a site the store does not know: a typo must not start a site
        assert (
            0
            == run(
                location, "import", sheet, "--site", "north", "--new-site", "--again", *RECEIVED
            )[0]
        )
        code, text = run(
            location,
            "transfer",
            "--lot",
            "NS-2610",
            "--from",
            "main",
            "--to",
            "north",
            "--containers",
            "2",
            "--reason",
            "weekly supply",
            "--at",
            "2026-11-26T09:00",
        )
        assert (0, True) == (code, "transferred 2 container(s)" in text)
        code, text = run(location, "list", "--site", "north", "--format", "json")
        lots = json.loads(text)["lots"]
        assert {"north"} == {lot["site"] for lot in lots}
        assert 22 == next(lot["unopened"] for lot in lots if lot["lot"] == "NS-2610")
        # A lot held at two sites needs --site (or MESOFORMULA_SITE) to be named.
        gone = ("--lot", "NS-2610", "--containers", "1", "--reason", "broken")
        assert 2 == run(location, "discard", *gone)[0]
        monkeypatch.setenv("MESOFORMULA_SITE", "north")
        assert 0 == run(location, "discard", *gone)[0]
        code, text = run(location, "list", "--product", "sodium-chloride-0.9-10ml")
        assert "north" in text
        assert "main" not in text
        monkeypatch.delenv("MESOFORMULA_SITE")
        code, text = run(location, "list", "--product", "sodium-chloride-0.9-10ml")
        assert "main" in text
        assert "north" in text
        plan = ("plan", str(EXAMPLES / "hair-revitalizing.toml"), "--at", "2026-12-01T10:00")
        assert 0 == run(location, *plan, "--site", "north")[0]
        assert 2 == run(location, *plan, "--site", "nowhere")[0]  # not a site of the store
        assert 2 == run(location, *plan, "--site", " north")[0]
        assert (0, True) == (
            run(location, "verify")[0],
            "store is sound" in run(location, "verify")[1],
        )

    def test_transfer_refused_exits_1_and_records_nothing(self, location: str) -> None:
        assert 0 == run(location, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)[0]
        entries = len(json.loads(run(location, "history", "--format", "json")[1])["entries"])
        move = ("transfer", "--lot", "NS-2610", "--from", "main", "--to", "north", "--new-site")
        assert 2 == run(location, *move[:-1], "--containers", "1", "--reason", "x")[0]
        code, text = run(location, *move, "--containers", "999", "--reason", "x")
        assert (1, True) == (code, "nothing was recorded" in text)
        assert 2 == run(location, *move, "--containers", "0", "--reason", "x")[0]
        assert 2 == run(location, "transfer", "--lot", "NOPE", "--from", "main", "--to", "n",
                        "--containers", "1", "--reason", "x")[0]  # fmt: skip
        assert entries == len(
            json.loads(run(location, "history", "--format", "json")[1])["entries"]
        )
