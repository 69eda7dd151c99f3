"""
Time (issue 12, SPEC §8.4): instants stored in UTC with their offset, compared as
instants, and no journal entry dated before an entry it depends on.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesoformula import _time
from mesoformula.cli import main
from mesoformula.exceptions import EntryOrderError, StockError
from mesoformula.sheets import Lot
from mesoformula.stock import Stock

from .conftest import EXAMPLES
from .test_stock import AMPOULE, VIAL

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    assert code != 3, out.getvalue()
    return code, out.getvalue()


def stocked(folder: Path, at: str) -> str:
    """A store in *folder* holding the example stock, received at *at*."""
    db = str(folder / "s.db")
    assert 0 == run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", db, "--at", at)[0]
    return db


def consume(db: str, batch_id: str, at: str) -> tuple[int, str]:
    """Consume the hair example as *batch_id* at *at*."""
    formulation = str(EXAMPLES / "hair-revitalizing.toml")
    return run("stock", "consume", formulation, "--db", db, "--batch-id", batch_id, "--at", at)


class TestInstants:
    def test_naive_is_local_and_stored_in_utc(self) -> None:
        moment = dt.datetime(2026, 12, 1, 10, 0)
        assert moment.astimezone().astimezone(dt.UTC) == _time.utc(moment)
        assert _time.stored(moment).endswith("+00:00")

    def test_an_offset_is_kept_as_the_same_instant(self) -> None:
        moment = dt.datetime.fromisoformat("2026-12-01T09:00:00-05:00")
        assert "2026-12-01T14:00:00+00:00" == _time.stored(moment)

    @pytest.mark.parametrize("year", [1, 1899, 3000, 9999])
    def test_years_outside_1900_2999(self, year: int) -> None:
        with pytest.raises(_time.InstantRangeError):
            _time.utc(dt.datetime(year, 6, 1, tzinfo=dt.UTC))

    def test_a_legacy_text_without_offset_reads_as_local(self) -> None:
        assert dt.datetime(2026, 12, 1, 10).astimezone() == _time.read("2026-12-01T10:00:00")

    @given(st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2998, 1, 1)))
    def test_stored_text_order_is_instant_order(self, moment: dt.datetime) -> None:
        """Stored texts sort as the instants they name (one offset, one width)."""
        later = moment + dt.timedelta(seconds=1)
        assert _time.stored(moment) < _time.stored(later)
        assert _time.utc(moment) == _time.read(_time.stored(moment))


class TestStocktakeWithAnOffset:
    """A count at 09:00-05:00 is 14:00 UTC: a draw at 12:00 UTC is before it."""

    def test_no_phantom_stock(self, tmp_path: Path) -> None:
        db = stocked(tmp_path, "2026-12-01T06:00:00+00:00")
        code, _ = consume(db, "B", "2026-12-01T12:00:00+00:00")
        assert 0 == code
        product = ("--product", "dexpanthenol-250mg-ml-2ml")
        at = ("--at", "2026-12-01T13:00:00+00:00")
        listed = json.loads(run("stock", "list", "--db", db, "--format", "json", *product, *at)[1])[
            "lots"
        ]
        unopened = {row["lot"]: row["unopened"] for row in listed}
        count = tmp_path / "count.toml"
        count.write_text(
            'format = "mesoformula.count/1"\n'
            "counted_at = 2026-12-01T09:00:00-05:00\n"
            'counted_by = "A. Pharmacist"\n'
            "[[lots]]\n"
            'product = "dexpanthenol-250mg-ml-2ml"\n'
            'lot = "DX-2604"\n'
            f"containers = {unopened['DX-2604']}\n",
            encoding="utf-8",
        )
        code, text = run("stock", "count", str(count), "--db", db)
        assert 0 == code, text
        # what was counted is what the store held at 14:00 UTC: no variance, no entry
        left = unopened["DX-2604"]
        assert f"unopened expected {left}, counted {left} (+0)" in text
        assert "; 0 adjustment(s)" in text
        data = json.loads(run("stock", "history", "--db", db, "--format", "json")[1])["entries"]
        assert not any(e["correlation"].startswith("count") for e in data if e["correlation"])


class TestOrdering:
    """Each dependency refused when backdated; nothing written on refusal."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Stock:
        stock = Stock.open(tmp_path / "s.db")
        stock.receive(
            Lot(product=VIAL.id, lot="V", expiry=dt.date(2029, 1, 1), containers=2),
            VIAL,
            at=T0,
            actor="t",
        )
        return stock

    def test_opening_before_receipt(self, store: Stock) -> None:
        head = store.head()
        with pytest.raises(EntryOrderError, match="before the lot's receipt"):
            store.open_container(store.find_lot("V"), at=T0 - dt.timedelta(days=1), actor="t")
        assert head == store.head()

    def test_draw_before_opening(self, store: Stock) -> None:
        container = store.open_container(
            store.find_lot("V"), at=T0 + dt.timedelta(hours=2), actor="t"
        )
        with pytest.raises(EntryOrderError, match="before the opening of container"):
            store.draw(container, 1.0, at=T0 + dt.timedelta(hours=1), actor="t")

    def test_undo_before_what_it_undoes(self, store: Stock) -> None:
        entries = store.discard(
            store.find_lot("V"),
            containers=1,
            reason="broken",
            at=T0 + dt.timedelta(hours=3),
            actor="t",
        )
        with pytest.raises(EntryOrderError, match="which it undoes"):
            store.undo(entries[0], reason="no", at=T0 + dt.timedelta(hours=2), actor="t")
        store.undo(entries[0], reason="no", at=T0 + dt.timedelta(hours=3), actor="t")
        assert [] == store.verify()

    def test_consume_before_receipt_from_the_command_line(self, tmp_path: Path) -> None:
        db = stocked(tmp_path, "2026-11-25T09:00")
        head = run("stock", "head", "--db", db)[1]
        code, text = consume(db, "B", "2025-01-01T10:00")
        assert 1 == code
        assert "before the lot's receipt" in text
        assert head == run("stock", "head", "--db", db)[1]


OPERATION = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 2), st.integers(0, 96)),
    st.tuples(st.just("open"), st.integers(0, 2), st.integers(0, 96)),
    st.tuples(st.just("draw"), st.integers(0, 5), st.integers(0, 96)),
    st.tuples(st.just("discard"), st.integers(0, 2), st.integers(0, 96)),
    st.tuples(st.just("status"), st.integers(0, 2), st.integers(0, 96)),
    st.tuples(st.just("undo"), st.integers(1, 40), st.integers(0, 96)),
)


def _apply(stock: Stock, operation: tuple[str, int, int]) -> None:
    kind, target, hours = operation
    at = T0 + dt.timedelta(hours=hours)
    lots = [f"L{target}", "AMP"]
    if kind == "receive":
        product = VIAL if target < 2 else AMPOULE
        lot = Lot(product=product.id, lot=lots[0], expiry=dt.date(2029, 1, 1), containers=2)
        stock.receive(lot, product, at=at, actor="t")
    elif kind == "open":
        stock.open_container(stock.find_lot(lots[0]), at=at, actor="t")
    elif kind == "draw":
        stock.draw(target + 1, 0.5, at=at, actor="t")
    elif kind == "discard":
        stock.discard(stock.find_lot(lots[0]), containers=1, reason="r", at=at, actor="t")
    elif kind == "status":
        stock.set_status(stock.find_lot(lots[0]), "quarantine", reason="r", at=at, actor="t")
    else:
        stock.undo(target, reason="r", at=at, actor="t")


def _dependencies_respected(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    wrong = []
    receipts: dict[int, dt.datetime] = {}
    for entry_id, at, kind, lot_id, container_id, undoes in db.execute(
        "SELECT entry_id, at, kind, lot_id, container_id, undoes FROM journal ORDER BY entry_id"
    ):
        moment = _time.read(at)
        if kind == "receive":
            receipts[lot_id] = min(moment, receipts.get(lot_id, moment))
        elif lot_id not in receipts or moment < receipts[lot_id]:
            wrong.append(f"entry {entry_id} before its lot's receipt")
        if container_id is not None and kind not in ("open", "receive"):
            opened = db.execute(
                "SELECT opened_at FROM containers WHERE container_id = ?", (container_id,)
            ).fetchone()[0]
            if moment < _time.read(opened):
                wrong.append(f"entry {entry_id} before its container's opening")
        if undoes is not None:
            undone = db.execute("SELECT at FROM journal WHERE entry_id = ?", (undoes,)).fetchone()
            if moment < _time.read(undone[0]):
                wrong.append(f"entry {entry_id} before the entry it undoes")
    db.close()
    return wrong


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPERATION, min_size=1, max_size=25))
def test_interleavings_never_date_an_entry_before_its_dependency(
    operations: list[tuple[str, int, int]],
) -> None:
    """Any interleaving of dated operations: refused ones change nothing, none backdates."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.db"
        with Stock.open(path) as stock:
            for operation in operations:
                head = stock.head()
                try:
                    _apply(stock, operation)
                except StockError:
                    assert head == stock.head()  # a refusal writes nothing
            assert [] == stock.verify()
        assert [] == _dependencies_respected(path)


class TestAStoreFromV1:
    """A v1 store (schema 1, naive local times) opens, migrates and verifies (§8.4)."""

    @pytest.fixture
    def db(self, tmp_path: Path) -> str:
        path = tmp_path / "v1.db"
        dump = (Path(__file__).parent / "data" / "stores" / "v1.sql").read_text(encoding="utf-8")
        con = sqlite3.connect(path)
        con.executescript(dump)  # the rows v1 wrote, in a new file
        con.close()
        return str(path)

    def test_migrates_keeps_its_history_and_verifies(
        self, db: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        raw = sqlite3.connect(db)
        before = raw.execute("SELECT entry_id, hash FROM journal ORDER BY entry_id").fetchall()
        assert 1 == raw.execute("PRAGMA user_version").fetchone()[0]
        raw.close()
        code, _ = run("stock", "verify", "--db", db)  # read-only: it will not migrate
        assert 2 == code
        assert "run a writing command first" in capsys.readouterr().err
        assert 0 == run("stock", "init", "--db", db)[0]
        code, text = run("stock", "verify", "--db", db)
        assert 0 == code, text
        assert "NOT COVERED: 1 batch(es)" in text
        assert "V1-B" in text
        raw = sqlite3.connect(db)
        after = raw.execute("SELECT entry_id, hash FROM journal ORDER BY entry_id").fetchall()
        raw.close()
        assert before == after  # every entry kept with its hash: a kept head still proves

    @pytest.mark.clock("2026-12-05T00:00:00+00:00")  # its writes run to 2 December
    def test_new_entries_are_utc_and_ordered_against_legacy_times(self, db: str) -> None:
        assert 0 == run("stock", "init", "--db", db)[0]
        # the v1 receipt is 2026-11-25T09:00 local time: a batch before it is refused
        code, text = consume(db, "EARLY", "2026-11-24T09:00")
        assert 1 == code
        assert "before the lot's receipt" in text
        code, _ = consume(db, "NEW", "2026-12-02T10:00")
        assert 0 == code
        history = json.loads(
            run("stock", "history", "--db", db, "--batch", "NEW", "--format", "json")[1]
        )["entries"]
        assert all(e["at"].endswith("+00:00") for e in history)
        assert 0 == run("record", "batch", "--batch-id", "V1-B", "--db", db)[0]
        code, text = run("stock", "verify", "--db", db)
        assert 0 == code, text


def test_an_opened_container_with_an_offset_imports_and_plans(tmp_path: Path) -> None:
    """An aware opening time in a sheet is an instant like any other (was exit 3)."""
    sheet = tmp_path / "sheet.toml"
    sheet.write_text(
        'format = "mesoformula.stock/1"\n[[lots]]\nproduct = "thiamine-hcl-100mg-ml-2ml-mdv"\n'
        'lot = "TH-1"\nexpiry = 2029-05-31\ncontainers = 2\n[[lots.opened]]\n'
        'at = 2026-11-30T10:00:00-05:00\nremaining = "1.5 mL"\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "s.db")
    assert 0 == run("stock", "import", str(sheet), "--db", db, "--at", "2026-11-30T16:00Z")[0]
    listed = json.loads(
        run("stock", "list", "--db", db, "--format", "json", "--at", "2026-12-01")[1]
    )["lots"]
    (opened,) = listed[0]["opened"]
    assert "2026-11-30T15:00:00+00:00" == opened["opened_at"]
    code, _ = run(
        "stock",
        "plan",
        str(EXAMPLES / "vitamin-b-complex.yaml"),
        "--db",
        db,
        "--at",
        "2026-12-01T10:00",
    )
    assert code in (0, 1)  # a plan (short of other products), never an internal error
