"""Tests for the stock store: ledger rules, exactness, concurrency, crashes, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesoformula.catalog import Catalog, CatalogFile, Product
from mesoformula.cli import main
from mesoformula.exceptions import InsufficientStock, StockError, StoreVersionError, UnknownEntry
from mesoformula.sheets import CountedLot, CountSheet, Lot, OpenedContainer
from mesoformula.stock import Need, Stock
from mesoformula.stock._schema import SCHEMA_VERSION
from mesoformula.units import Quantity

from .conftest import EXAMPLES, drop_trigger, integrity_errors

#: When the example stock arrived: before every dated operation of the tests.
RECEIVED = ("--at", "2026-11-25T09:00")

AT = dt.datetime(2026, 12, 1, 10, 0)
AT_TEXT = AT.isoformat()

VIAL = Product(
    id="vial-100",
    name="Vial 100 mL",
    container="vial",
    use="multi-dose",
    sterile=True,
    volume=Quantity(100.0, "mL"),
    in_use_days=28,
)
AMPOULE = Product(
    id="amp-2",
    name="Ampoule 2 mL",
    container="ampoule",
    use="single-dose",
    sterile=True,
    volume=Quantity(2.0, "mL"),
)
CATALOG, _ = Catalog.from_files([("t", CatalogFile(products=(VIAL, AMPOULE)))])


@pytest.fixture
def store(location: str) -> Iterator[Stock]:
    """A new store on the engine under test (both engines: see conftest)."""
    with Stock.open(location) as stock:
        yield stock


def receive(
    stock: Stock,
    product: Product,
    lot: str,
    containers: int,
    expiry: dt.date | None = dt.date(2027, 6, 30),
    at: dt.datetime = AT,
) -> None:
    stock.receive(
        Lot(product=product.id, lot=lot, expiry=expiry, containers=containers),
        product,
        at=at,
        actor="t",
    )


def total_ul(stock: Stock, product: str) -> int:
    return sum(view.volume_ul for view in stock.lots([product]))


class TestLedger:
    """Journal rules: append-only, hash chain, cache == fold, exact quantities."""

    def test_thousand_draws_leave_exactly_zero(self, store: Stock) -> None:
        """A thousand draws of 0.1 mL from 100 mL leave exactly 0."""
        receive(store, VIAL, "V1", 1)
        container = store.open_container(store.find_lot("V1"), at=AT, actor="t")
        for _ in range(1000):
            store.draw(container, 0.1, at=AT, actor="t")
        assert [] == store.lots()  # used up: listed only when asked
        (view,) = store.lots(used_up=True)
        assert (0, ()) == (view.volume_ul, view.opened)
        assert [] == store.verify()
        with pytest.raises(InsufficientStock):
            store.draw(container, 0.1, at=AT, actor="t")

    def test_database_refuses_update_and_delete(self, store: Stock) -> None:
        """The journal's triggers refuse UPDATE and DELETE."""
        receive(store, VIAL, "V1", 1)
        with pytest.raises(integrity_errors(), match="append-only"):
            store.ledger.db.execute("UPDATE journal SET containers_delta = 99")
        with pytest.raises(integrity_errors(), match="append-only"):
            store.ledger.db.execute("DELETE FROM journal")
        if store.engine == "postgresql":  # TRUNCATE skips row triggers: it has its own
            with pytest.raises(integrity_errors(), match="append-only"):
                store.ledger.db.execute("TRUNCATE journal CASCADE")

    def test_verify_detects_tampering_and_deletion(self, store: Stock) -> None:
        """With the triggers dropped, a changed entry and a deleted one are both found."""
        for n in range(3):
            receive(store, VIAL, f"V{n}", 2)
        assert [] == store.verify()
        drop_trigger(store, "journal_no_update")
        drop_trigger(store, "journal_no_delete")
        store.ledger.db.execute("UPDATE journal SET containers_delta = 9 WHERE entry_id = 1")
        problems = store.verify()
        assert any("entry 1 was changed" in p for p in problems)
        assert any("lot 1: cached balance" in p for p in problems)
        store.ledger.db.execute("DELETE FROM journal WHERE entry_id = 2")
        assert any("entries 2..2 are missing" in p for p in store.verify())
        store.ledger.db.execute("DELETE FROM journal WHERE entry_id = 3")
        assert any("missing from the end" in p for p in store.verify())

    def test_cache_is_rebuildable(self, store: Stock) -> None:
        """A corrupted cache is found by verify and rebuilt from the journal."""
        receive(store, VIAL, "V1", 3)
        store.ledger.db.execute("UPDATE lot_balance SET unopened = 7")
        assert store.verify()
        store.rebuild()
        assert [] == store.verify()
        assert 3 == store.lots()[0].unopened

    def test_undo_is_a_compensating_entry(self, store: Stock) -> None:
        """Undo appends an entry that restores the balance; the original stays; no double undo."""
        receive(store, VIAL, "V1", 3)
        lot_id = store.find_lot("V1")
        (entry,) = store.discard(lot_id, containers=1, reason="dropped", at=AT, actor="t")
        store.undo(entry, reason="it was not dropped", at=AT, actor="t")
        assert 3 == store.lots()[0].unopened
        assert ["receive", "discard", "undo"] == [e.kind for e in store.history()]
        with pytest.raises(StockError, match="undone already"):
            store.undo(entry, reason="again", at=AT, actor="t")
        with pytest.raises(StockError, match="is an undo"):
            store.undo(3, reason="an undo of an undo", at=AT, actor="t")
        with pytest.raises(UnknownEntry):
            store.undo(99, reason="no such entry", at=AT, actor="t")

    def test_undo_refused_when_it_would_go_negative(self, store: Stock) -> None:
        """Undoing a receive whose containers were used since is refused."""
        receive(store, VIAL, "V1", 1)
        store.open_container(store.find_lot("V1"), at=AT, actor="t")
        with pytest.raises(InsufficientStock):
            store.undo(1, reason="receive undone", at=AT, actor="t")

    def test_status_and_discard(self, store: Stock) -> None:
        """Quarantine, release and recall are journal entries; discard needs a reason."""
        receive(store, VIAL, "V1", 2)
        lot_id = store.find_lot("V1")
        store.set_status(lot_id, "quarantine", reason="cloudy", at=AT, actor="t")
        assert "quarantine" == store.lots()[0].status
        with pytest.raises(StockError, match="already"):
            store.set_status(lot_id, "quarantine", reason="x", at=AT, actor="t")
        with pytest.raises(StockError, match="reason"):
            store.discard(lot_id, containers=1, reason=" ", at=AT, actor="t")
        with pytest.raises(InsufficientStock):
            store.discard(lot_id, containers=3, reason="x", at=AT, actor="t")

    def test_expiry_mismatch_refused(self, store: Stock) -> None:
        """A lot received again with another expiry is refused."""
        receive(store, VIAL, "V1", 1)
        with pytest.raises(StockError, match="expiry"):
            receive(store, VIAL, "V1", 1, expiry=dt.date(2030, 1, 1))

    def test_opened_containers_received(self, store: Stock) -> None:
        """A stock sheet's opened container is received with its remaining volume."""
        store.receive(
            Lot(
                product="vial-100",
                lot="V1",
                containers=1,
                opened=(OpenedContainer(at=AT, remaining=Quantity(12.4, "mL")),),
            ),
            VIAL,
            at=AT,
            actor="t",
        )
        (view,) = store.lots()
        assert (1, 12_400) == (view.unopened, view.opened[0].remaining_ul)


class TestConsume:
    """Consumption: atomic, idempotent, single-dose waste, shortfalls change nothing."""

    def test_consume_records_everything(self, store: Stock) -> None:
        """Opening, draw and single-dose waste are recorded under the batch id."""
        receive(store, AMPOULE, "A1", 5)
        result = store.consume(
            [Need(product="amp-2", volume_ul=3000)],
            batch_id="B1",
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=AT,
            actor="t",
        )
        assert result.consumed
        kinds = [e.kind for e in store.history(correlation="B1")]
        assert ["open", "draw", "open", "draw", "discard", "seal"] == kinds
        assert 2 * 2000 == 10_000 - total_ul(store, "amp-2")  # 3 mL drawn + 1 mL waste
        assert [] == store.verify()

    def test_idempotent(self, store: Stock) -> None:
        """Consuming the same batch id again changes nothing."""
        receive(store, VIAL, "V1", 1)
        args = {
            "batch_id": "B1",
            "formulation": "f",
            "version": 1,
            "checksum": "c",
            "batches": 1,
            "at": AT,
            "actor": "t",
        }
        first = store.consume([Need(product="vial-100", volume_ul=5000)], **args)  # type: ignore[arg-type]
        again = store.consume([Need(product="vial-100", volume_ul=5000)], **args)  # type: ignore[arg-type]
        assert (False, True) == (first.already, again.already)
        assert first.entries == again.entries
        assert 95_000 == total_ul(store, "vial-100")
        with pytest.raises(StockError, match="already consumed"):
            store.consume(
                [Need(product="vial-100", volume_ul=5000)],
                **{**args, "checksum": "other"},  # type: ignore[arg-type]
            )

    def test_shortfall_changes_nothing(self, store: Stock) -> None:
        """A short batch records nothing and says what is short."""
        receive(store, VIAL, "V1", 1)
        result = store.consume(
            [Need(product="vial-100", volume_ul=150_000)],
            batch_id="B1",
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=AT,
            actor="t",
        )
        assert not result.consumed
        assert 1 == len(store.history())
        with pytest.raises(UnknownEntry):
            store.batch("B1")


class TestSchema:
    """The schema is versioned and migrated forward."""

    def test_version_and_newer_refused(self, location: str) -> None:
        """The store keeps the schema version; a newer database is refused."""
        with Stock.open(location) as stock:
            assert SCHEMA_VERSION == stock.schema_version
            stock.ledger.db.set_schema_version(99)
        with pytest.raises(StoreVersionError):
            Stock.open(location)

    def test_missing_store(self, location: str) -> None:
        """Opening a missing store without create is a clear error."""
        with pytest.raises(StockError, match="stock init"):
            Stock.open(location, create=False)

    def test_wal(self, tmp_path: Path) -> None:
        """A SQLite store runs in WAL mode (readers never wait for the writer)."""
        with Stock.open(tmp_path / "stock.db") as store:
            assert "wal" == store.ledger.db.execute("PRAGMA journal_mode").fetchone()[0]


# --------------------------------------------------------------------------- processes


def _consume_worker(
    path: str, batch: str, need_ul: int, queue: multiprocessing.Queue[tuple[str, bool]]
) -> None:
    with Stock.open(path) as stock:
        result = stock.consume(
            [Need(product="vial-100", volume_ul=need_ul)],
            batch_id=batch,
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=AT,
            actor=batch,
        )
        queue.put((batch, result.consumed))


def test_eight_processes_consume_at_once(location: str) -> None:
    """8 processes consume 30 mL each from 200 mL at once: 6 succeed, 2 fail cleanly, sound."""
    path = location
    with Stock.open(path) as stock:
        receive(stock, VIAL, "V1", 2)
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[str, bool]] = context.Queue()
    workers = [
        context.Process(target=_consume_worker, args=(path, f"B{n}", 30_000, queue))
        for n in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert 0 == worker.exitcode
    results = dict(queue.get(timeout=10) for _ in workers)
    succeeded = [b for b, ok in results.items() if ok]
    assert 6 == len(succeeded)
    with Stock.open(path) as stock:
        assert 200_000 - 6 * 30_000 == total_ul(stock, "vial-100")
        assert [] == stock.verify()
        drawn = -sum(e.volume_delta_ul for e in stock.history() if e.kind == "draw")
        assert 6 * 30_000 == drawn


def test_eight_processes_create_a_store_and_import_one_sheet_at_once(location: str) -> None:
    """A new store opened by 8 commands at once: none fails, the sheet is received once."""
    db = location
    argv = [sys.executable, "-m", "mesoformula", "stock", "import", str(EXAMPLES / "stock.toml")]
    argv += ["--db", db, *RECEIVED]
    processes = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [0] + [1] * 7 == sorted(code for code, _, _ in outcomes), outcomes
    assert all("locked" not in out + err for _, out, err in outcomes)
    assert 7 == sum("imported already" in out for _, out, _ in outcomes)
    with Stock.open(db) as stock:
        assert 12 == len(stock.lots(used_up=True))
        assert [] == stock.verify()


CRASHER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from mesoformula.stock import Need, Stock
    from mesoformula.stock.ledger import Ledger as S
    original = S.append
    count = [0]
    def slow(self, *args, **kwargs):
        count[0] += 1
        if count[0] == 3:
            print("MID-CONSUME", flush=True)
            time.sleep(60)
        return original(self, *args, **kwargs)
    S.append = slow
    with Stock.open(sys.argv[1]) as stock:
        stock.consume([Need(product="amp-2", volume_ul=5000)], batch_id="CRASH",
                      formulation="f", version=1, checksum="c", batches=1,
                      at=dt.datetime(2026, 12, 1, 10), actor="x")
    """
)


def test_sigkill_mid_consume_is_all_or_nothing(tmp_path: Path, location: str) -> None:
    """A consumer killed with SIGKILL in the middle leaves nothing behind; verify passes."""
    path = location
    with Stock.open(path) as stock:
        receive(stock, AMPOULE, "A1", 5)
        before = total_ul(stock, "amp-2")
    script = tmp_path / "crash.py"
    script.write_text(CRASHER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert "MID-CONSUME" in process.stdout.readline()
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    with Stock.open(path) as stock:
        assert before == total_ul(stock, "amp-2")
        assert 1 == len(stock.history())
        assert [] == stock.verify()
        # the store is usable afterwards
        result = stock.consume(
            [Need(product="amp-2", volume_ul=5000)],
            batch_id="CRASH",
            formulation="f",
            version=1,
            checksum="c",
            batches=1,
            at=AT,
            actor="x",
        )
        assert result.consumed


# --------------------------------------------------------------------------- CLI


class TestStockCommands:
    """A day at the pharmacy, as a user runs it."""

    def run(self, db: str, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        command, *rest = argv
        return main(["stock", command, "--db", str(db), *rest], out=out), out.getvalue()

    def test_used_up_lots_are_listed_only_when_asked(self, location: str) -> None:
        """A used-up lot leaves list and plan (history stays); --all shows it."""
        db = location
        self.run(db, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)
        at = ("--at", "2026-12-01T10:00")
        gone = ("--lot", "DX-2501", "--containers", "4", "--reason", "expired")
        assert 0 == self.run(db, "discard", *gone, *at)[0]
        listed = self.run(db, "list", *at)[1]
        assert "DX-2501" not in listed
        assert "11 lot(s)" in listed
        assert "DX-2501" in self.run(db, "list", "--all", *at)[1]
        code, text = self.run(db, "plan", str(EXAMPLES / "hair-revitalizing.toml"), *at)
        assert 0 == code
        assert "DX-2501" not in text
        assert "DX-2501" in self.run(db, "history", "--lot", "DX-2501")[1]

    def test_day_at_the_pharmacy(self, location: str) -> None:
        """init, import, list, plan, consume (twice), count, history, verify, export."""
        db = location
        at = ["--at", "2026-12-01T10:00"]
        assert 0 == self.run(db, "init")[0]
        assert (
            0 == self.run(db, "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00")[0]
        )
        code, text = self.run(db, "list", *at)
        assert 0 == code
        assert "released, expired" in text
        code, text = self.run(
            db, "plan", str(EXAMPLES / "hair-revitalizing.toml"), *at, "--format", "json"
        )
        plan = json.loads(text)
        assert 0 == code
        assert [] == plan["shortfalls"]
        assert {
            "product": "dexpanthenol-250mg-ml-2ml",
            "lot": "DX-2501",
            "reason": "expired",
        } in plan["excluded"]
        assert 15 == len(
            json.loads(self.run(db, "history", "--format", "json")[1])["entries"]
        )  # plan changed nothing
        code, text = self.run(
            db, "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--batch-id", "B-1", *at
        )
        assert 0 == code
        assert "batch B-1: journal entries " in text
        code, text = self.run(
            db, "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--batch-id", "B-1", *at
        )
        assert "batch B-1 was consumed already: nothing changed" in text
        assert 0 == self.run(db, "count", str(EXAMPLES / "count.toml"))[0]
        code, text = self.run(db, "history", "--lot", "DX-2604")
        assert "one ampoule found broken" in text
        assert (0, True) == (
            self.run(db, "verify")[0],
            "store is sound" in self.run(db, "verify")[1],
        )
        code, text = self.run(db, "export")
        assert 'lot = "DX-2604"' in text
        assert "containers = 8" in text  # 10 - 1 consumed - 1 broken

    def test_shortfall_exits_1(self, location: str) -> None:
        """A plan against an empty store exits 1 with stock.shortfall findings."""
        db = location
        self.run(db, "init")
        code, text = self.run(
            db, "plan", str(EXAMPLES / "hair-revitalizing.toml"), "--format", "json"
        )
        assert 1 == code
        assert "stock.shortfall" in {f["code"] for f in json.loads(text)["findings"]}

    def test_unsafe_is_not_consumed(self, location: str) -> None:
        """A formulation with error findings is not consumed."""
        db = location
        self.run(db, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)
        code, text = self.run(
            db, "consume", str(EXAMPLES / "unsafe-cocktail.toml"), "--batch-id", "X"
        )
        assert 1 == code
        assert "not consumed" in text

    def test_actions_and_usage(self, location: str) -> None:
        """discard, status, undo; unknown lots and a missing store are usage errors."""
        db = location
        assert 2 == self.run(db, "list")[0]  # no store yet
        self.run(db, "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00")
        assert (
            0
            == self.run(
                db, "discard", "--lot", "DX-2501", "--containers", "4", "--reason", "expired"
            )[0]
        )
        assert (
            0
            == self.run(
                db, "status", "--lot", "LM-2512", "--to", "released", "--reason", "QC passed"
            )[0]
        )
        assert 0 == self.run(db, "undo", "15", "--reason", "wrong lot")[0]
        assert 1 == self.run(db, "undo", "15", "--reason", "again")[0]  # undone already
        assert 2 == self.run(db, "undo", "15")[0]  # every undo needs --reason
        assert (
            2 == self.run(db, "discard", "--lot", "NOPE", "--containers", "1", "--reason", "x")[0]
        )
        assert (
            2
            == self.run(db, "plan", str(EXAMPLES / "hair-revitalizing.toml"), "--at", "yesterday")[
                0
            ]
        )
        assert 0 == self.run(db, "verify")[0]


class TestCount:
    """Stocktakes: variances at the moment of the count, movements since kept."""

    def sheet(self, *lots: CountedLot, at: dt.datetime = AT) -> CountSheet:
        return CountSheet(counted_at=at, counted_by="counter", lots=lots)

    def test_movements_during_the_count_are_kept(self, store: Stock) -> None:
        """Counted 5 at 10:00; 2 discarded at 10:30; the count is recorded at 10:00: 3 left."""
        receive(store, VIAL, "V1", 6)
        lot_id = store.find_lot("V1")
        store.discard(
            lot_id, containers=2, reason="broken", at=AT + dt.timedelta(minutes=30), actor="t"
        )
        (line,) = store.count(
            self.sheet(CountedLot(product="vial-100", lot="V1", containers=5)), CATALOG
        )
        assert (6, 5) == (line.expected_unopened, line.counted_unopened)
        assert 3 == store.lots()[0].unopened
        assert [] == store.verify()

    def test_uncounted_lots_untouched(self, store: Stock) -> None:
        """A lot not on the count sheet keeps its balance and gets no entry."""
        receive(store, VIAL, "V1", 3)
        receive(store, VIAL, "V2", 4)
        store.count(self.sheet(CountedLot(product="vial-100", lot="V1", containers=1)), CATALOG)
        balances = {v.lot: v.unopened for v in store.lots()}
        assert {"V1": 1, "V2": 4} == balances
        assert ["receive"] == [e.kind for e in store.history(store.find_lot("V2"))]

    def test_found_lot_and_containers(self, store: Stock) -> None:
        """A lot the store did not know is received as found; opened containers reconciled."""
        receive(store, VIAL, "V1", 1, at=AT - dt.timedelta(days=1))
        store.open_container(store.find_lot("V1"), at=AT - dt.timedelta(hours=2), actor="t")
        counted = (
            CountedLot(
                product="vial-100",
                lot="V1",
                containers=0,
                opened=(Quantity(50.0, "mL"), Quantity(20.0, "mL")),
            ),
            CountedLot(product="vial-100", lot="NEW", containers=2, expiry=dt.date(2027, 1, 31)),
        )
        lines = store.count(self.sheet(*counted), CATALOG)
        assert [False, True] == [line.found for line in lines]
        views = {v.lot: v for v in store.lots()}
        assert [50_000, 20_000] == [c.remaining_ul for c in views["V1"].opened]
        assert (2, dt.date(2027, 1, 31)) == (views["NEW"].unopened, views["NEW"].expiry)
        assert [] == store.verify()

    def test_missing_container_discarded(self, store: Stock) -> None:
        """An opened container the count did not find is discarded with a reason."""
        receive(store, VIAL, "V1", 1, at=AT - dt.timedelta(days=1))
        store.open_container(store.find_lot("V1"), at=AT - dt.timedelta(hours=2), actor="t")
        store.count(self.sheet(CountedLot(product="vial-100", lot="V1", containers=0)), CATALOG)
        assert () == store.lots(used_up=True)[0].opened
        assert "not found in stocktake" == store.history()[-1].reason

    def test_inconsistent_count_records_nothing(self, store: Stock) -> None:
        """A count lower than what moved since is refused; nothing of the sheet is recorded."""
        receive(store, VIAL, "V1", 3)
        receive(store, VIAL, "V2", 3)
        store.discard(
            store.find_lot("V2"), containers=3, reason="x", at=AT + dt.timedelta(hours=1), actor="t"
        )
        before = len(store.history())
        sheet = self.sheet(
            CountedLot(product="vial-100", lot="V1", containers=1),
            CountedLot(product="vial-100", lot="V2", containers=1),  # 3 expected, 3 gone since
        )
        with pytest.raises(InsufficientStock):
            store.count(sheet, CATALOG)
        assert before == len(store.history())

    def test_found_lot_of_unknown_product(self, store: Stock) -> None:
        """A found lot must be of a catalog product."""
        with pytest.raises(StockError, match="not in the catalog"):
            store.count(self.sheet(CountedLot(product="nope", lot="X", containers=1)), CATALOG)


class TestStockCommandErrors:
    """Refusals are reported with exit 1 and change nothing; bad numbers are usage errors."""

    def run(self, db: str, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        command, *rest = argv
        return main(["stock", command, "--db", str(db), *rest], out=out), out.getvalue()

    def test_expiry_mismatch_on_import(self, tmp_path: Path, location: str) -> None:
        """Importing a lot again with another expiry is refused as a whole."""
        db = location
        self.run(db, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)
        changed = tmp_path / "changed.toml"
        changed.write_text(
            (EXAMPLES / "stock.toml").read_text().replace("2029-06-30", "2031-01-01")
        )
        entries = len(json.loads(self.run(db, "history", "--format", "json")[1])["entries"])
        code, text = self.run(db, "import", str(changed), *RECEIVED)
        assert 1 == code
        assert "not imported" in text
        assert entries == len(json.loads(self.run(db, "history", "--format", "json")[1])["entries"])

    def test_batch_id_reused_for_another_formulation(self, location: str) -> None:
        """A batch id already used for another formulation is refused."""
        db = location
        self.run(db, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)
        hair, vitamins = EXAMPLES / "hair-revitalizing.toml", EXAMPLES / "vitamin-b-complex.yaml"
        assert 0 == self.run(db, "consume", str(hair), "--batch-id", "B", "--at", AT_TEXT)[0]
        code, text = self.run(db, "consume", str(vitamins), "--batch-id", "B", "--at", AT_TEXT)
        assert 1 == code
        assert "already consumed" in text

    def test_out_of_range_numbers(self, location: str) -> None:
        """Ids and counts beyond what the store holds are usage errors."""
        db = location
        self.run(db, "init")
        assert 2 == self.run(db, "undo", "99999999999999999999999", "--reason", "r")[0]
        assert 2 == self.run(db, "discard", "--lot", "L", "--containers", "-1", "--reason", "x")[0]

    def test_adjust(self, location: str) -> None:
        """stock adjust corrects containers or an opened container's volume, with a reason."""
        db = location
        self.run(db, "import", str(EXAMPLES / "stock.toml"), *RECEIVED)
        assert (
            0
            == self.run(
                db,
                "adjust",
                "--lot",
                "TH-2605",
                "--container",
                "1",
                "--volume=-0.2 mL",
                "--reason",
                "spilled",
            )[0]
        )
        assert (
            0
            == self.run(
                db, "adjust", "--lot", "TH-2605", "--containers", "-1", "--reason", "broken"
            )[0]
        )
        (lot,) = json.loads(
            self.run(db, "list", "--product", "thiamine-hcl-100mg-ml-2ml-mdv", "--format", "json")[
                1
            ]
        )["lots"]
        assert (2, 1.0) == (lot["unopened"], lot["opened"][0]["remaining"]["value"])
        assert (
            1
            == self.run(db, "adjust", "--lot", "TH-2605", "--containers", "-9", "--reason", "x")[0]
        )
        assert (
            2 == self.run(db, "adjust", "--lot", "TH-2605", "--container", "1", "--reason", "x")[0]
        )
        assert 0 == self.run(db, "verify")[0]


def test_require_sound(location: str) -> None:
    """require_sound passes on a sound store and raises LedgerIntegrityError otherwise."""
    from mesoformula.exceptions import LedgerIntegrityError

    with Stock.open(location) as stock:
        receive(stock, VIAL, "V1", 2)
        stock.require_sound()
        stock.ledger.db.execute("UPDATE lot_balance SET unopened = 5")
        with pytest.raises(LedgerIntegrityError, match="cached balance"):
            stock.require_sound()
