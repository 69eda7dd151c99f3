"""
PostgreSQL as the store's engine, beyond the suite both engines run: copying stores
between engines, connection failures, a server stopped in the middle of a run of
consumes, read-only sessions, and the SQLite store's migration to sites.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesoformula.cli import main
from mesoformula.exceptions import LedgerIntegrityError, StockError, StoreUnavailable
from mesoformula.sheets import Lot
from mesoformula.stock import Stock, _schema
from mesoformula.stock._schema import SCHEMA_VERSION, migrations
from mesoformula.stock.copy import copy_store

from .conftest import EXAMPLES, _throwaway, fresh_database, started_server
from .test_stock import AT, VIAL


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        code = main(list(argv), out=out)
    finally:
        sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def a_day_of_work(location: str) -> None:
    """Receive, consume for a patient, release, administer, count: a store with history."""
    for argv in (
        ("stock", "import", str(EXAMPLES / "stock.toml"), "--at", "2026-11-25T09:00"),
        ("stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"), "--batch-id", "B-1",
         "--patient", str(EXAMPLES / "patient-P-0042.toml"), "--at", "2026-12-01T10:00"),
        ("record", "verify", "--batch-id", "B-1", "--verifier", "bob",
         "--at", "2026-12-01T10:30"),
        ("administer", "--batch-id", "B-1", "--patient", str(EXAMPLES / "patient-P-0042.toml"),
         "--volume", "4 mL", "--at", "2026-12-01T11:00"),
        ("stock", "count", str(EXAMPLES / "count.toml")),
    ):  # fmt: skip
        code, out, err = run(*argv, "--db", location)
        assert 0 == code, (argv, out, err)


class TestCopyBetweenEngines:
    """stock migrate: SQLite to PostgreSQL and back, heads equal, targets never half-written."""

    @pytest.mark.clock("2026-12-10T00:00:00+00:00")  # its writes run to 8 December
    def test_round_trip_keeps_the_history(self, tmp_path: Path, postgres_server: Path) -> None:
        sqlite, back = str(tmp_path / "clinic.db"), str(tmp_path / "back.db")
        url = fresh_database(postgres_server)
        a_day_of_work(sqlite)
        head = run("stock", "head", "--db", sqlite)[1].strip()
        code, out, _ = run("stock", "migrate", "--from", sqlite, "--to", url)
        assert (0, True) == (code, f"both heads are {head}" in out)
        assert head == run("stock", "head", "--db", url)[1].strip()
        assert "store is sound" in run("stock", "verify", "--db", url)[1]
        code, out, _ = run("stock", "migrate", "--from", url, "--to", back)
        assert (0, head) == (code, run("stock", "head", "--db", back)[1].strip())
        # The copies are the same store: records, courses and new work carry on.
        for location in (url, back):
            assert "B-1" in run("record", "batch", "--batch-id", "B-1", "--db", location)[1]
            course = run("course", "show", "--patient", str(EXAMPLES / "patient-P-0042.toml"),
                         "--db", location)[1]  # fmt: skip
            assert "1 administration(s)" in course
            code, out, _ = run(
                "stock", "consume", str(EXAMPLES / "hair-revitalizing.toml"),
                "--batch-id", "B-2", "--at", "2026-12-08T10:00", "--db", location,
            )  # fmt: skip
            assert 0 == code, out
            assert "store is sound" in run("stock", "verify", "--db", location)[1]

    def test_a_target_that_is_not_empty_is_refused(
        self, tmp_path: Path, postgres_server: Path
    ) -> None:
        sqlite = str(tmp_path / "clinic.db")
        url = fresh_database(postgres_server)
        a_day_of_work(sqlite)
        run("stock", "import", str(EXAMPLES / "stock.toml"), "--db", url)
        before = run("stock", "head", "--db", url)[1]
        code, out, _ = run("stock", "migrate", "--from", sqlite, "--to", url)
        assert (1, True) == (code, "not empty" in out)
        assert before == run("stock", "head", "--db", url)[1]

    def test_an_unsound_source_is_not_copied(self, tmp_path: Path, postgres_server: Path) -> None:
        sqlite = str(tmp_path / "clinic.db")
        url = fresh_database(postgres_server)
        a_day_of_work(sqlite)
        with Stock.open(sqlite) as stock:
            stock.ledger.db.execute("UPDATE lot_balance SET unopened = unopened + 1")
        code, out, _ = run("stock", "migrate", "--from", sqlite, "--to", url)
        assert (1, True) == (code, "not sound" in out)
        with Stock.open(url) as target:
            assert (0, 0) == (target.head()[0], len(target.lots(used_up=True)))

    def test_a_copy_that_differs_is_rolled_back(
        self, tmp_path: Path, postgres_server: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If the copied chain were not the source's (here: a row lost on the way), the
        target's transaction is rolled back and it stays empty."""
        from mesoformula.stock import copy

        sqlite = str(tmp_path / "clinic.db")
        a_day_of_work(sqlite)
        url = fresh_database(postgres_server)
        original = copy._chunks

        def lossy(db, table, key, columns):  # type: ignore[no-untyped-def]
            for chunk in original(db, table, key, columns):
                yield chunk[:-1] if table == "journal" else chunk

        monkeypatch.setattr(copy, "_chunks", lossy)
        with Stock.open(sqlite, readonly=True) as source, Stock.open(url) as target:
            with pytest.raises(LedgerIntegrityError, match="rolled back"):
                copy_store(source, target)
            assert (0, []) == (target.head()[0], target.lots(used_up=True))


class TestConnectionFailures:
    """A clear message and exit 2, never a traceback or exit 3, never the password."""

    def test_wrong_password_unreachable_server_missing_database(
        self, postgres_server: Path
    ) -> None:
        tool = _throwaway()
        good = tool.url(postgres_server)
        wrong = good.replace(tool.PASSWORD, "not-the-password")
        port = good.rsplit(":", 1)[1].split("/")[0]
        nowhere = good.replace(f":{port}/", ":1/")
        missing = good.rsplit("/", 1)[0] + "/no_such_database"
        for url, words in (
            (wrong, "password authentication failed"),
            (nowhere, "cannot connect"),
            (missing, "does not exist"),
        ):
            code, out, err = run("stock", "list", "--db", url)
            assert 2 == code, (url, out, err)
            assert words in err, err
            assert "Traceback" not in err
            assert "not-the-password" not in err
            assert tool.PASSWORD not in err

    def test_a_read_command_creates_nothing(self, postgres_server: Path) -> None:
        url = fresh_database(postgres_server)
        code, _, err = run("stock", "list", "--db", url)
        assert (2, True) == (code, "stock init" in err)
        with pytest.raises(StockError, match="stock init"):
            Stock.open(url, create=False)
        assert 0 == run("stock", "init", "--db", url)[0]
        # A read-only session refuses writes.
        with Stock.open(url, readonly=True) as stock, pytest.raises(Exception, match="read-only"):
            stock.ledger.db.execute("INSERT INTO seal_era (from_entry) VALUES (7)")

    def test_another_applications_database_is_refused(self, postgres_server: Path) -> None:
        import psycopg

        url = fresh_database(postgres_server)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE patients (id INTEGER)")
        code, _, err = run("stock", "init", "--db", url)
        assert (2, True) == (code, "another application's tables" in err)


# --------------------------------------------------------------------------- the fault test

CONSUMER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from mesoformula.exceptions import StoreUnavailable
    from mesoformula.stock import Need, Stock
    url, batches = sys.argv[1], int(sys.argv[2])
    number, stock = 0, None
    while number < batches:
        try:
            if stock is None:
                stock = Stock.open(url)
            result = stock.consume(
                [Need(product="vial-100", volume_ul=10_000)], batch_id=f"B{number}",
                formulation="f", version=1, checksum="c", batches=1,
                at=dt.datetime(2026, 12, 1, 10), actor="x")
            assert result.consumed
            print("OK", number, result.already, flush=True)
            number += 1
        except StoreUnavailable as error:
            print("DOWN", number, str(error).splitlines()[0], flush=True)
            try:
                stock.close()
            except Exception:
                pass
            stock = None
            time.sleep(0.1)
    print("DONE", flush=True)
    """
)


@pytest.fixture
def own_server() -> Iterator[Path]:
    """A server of the test's own, to be stopped and started (others keep theirs)."""
    with started_server("mesoformula-pg-fault-") as folder:
        yield folder


def test_server_stopped_immediately_during_consumes(tmp_path: Path, own_server: Path) -> None:
    """
    `pg_ctl stop -m immediate` in the middle of 120 consumes, then a restart: every
    consume happened whole or not at all, no batch id twice, the store verifies sound,
    and a command run while the server is down exits 2 with a clear message.
    """
    tool = _throwaway()
    url = tool.url(own_server)
    with Stock.open(url) as stock:
        stock.receive(
            Lot(product="vial-100", lot="V1", expiry=dt.date(2027, 6, 30), containers=20),
            VIAL,
            at=AT,
            actor="t",
        )
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    batches = 120
    consumer = subprocess.Popen(
        [sys.executable, str(script), url, str(batches)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert consumer.stdout is not None
    lines: list[str] = []
    while len(lines) < 30:  # a run of consumes under way
        lines.append(consumer.stdout.readline().strip())
    tool.pg_ctl(own_server, "stop", "-m", "immediate")
    code, out, err = run("stock", "list", "--db", url)
    assert 2 == code, (out, err)
    assert "cannot connect" in err
    time.sleep(1.0)
    tool.pg_ctl(own_server, "start")
    rest, errors = consumer.communicate(timeout=300)
    lines += rest.splitlines()
    assert 0 == consumer.returncode, errors
    assert "DONE" == lines[-1]
    assert any(line.startswith("DOWN") for line in lines), lines  # it did see the outage
    with Stock.open(url) as stock:
        assert [] == stock.verify()
        recorded = [
            r[0] for r in stock.ledger.db.execute("SELECT batch_id FROM batches").fetchall()
        ]
        assert sorted(recorded) == sorted(f"B{n}" for n in range(batches))  # each once
        for number in range(batches):
            entries = stock.history(correlation=f"B{number}")
            drawn = -sum(e.volume_delta_ul for e in entries if e.kind == "draw")
            assert 10_000 == drawn, (number, entries)  # whole, never partial or twice
        assert 2_000_000 - batches * 10_000 == sum(v.volume_ul for v in stock.lots())


# --------------------------------------------------------------------------- SQLite to sites


def test_a_store_of_schema_8_migrates_to_sites_keeping_its_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite store made before sites: lots rebuilt with their site, ids and hashes kept."""
    path = str(tmp_path / "old.db")
    with monkeypatch.context() as old:
        old.setattr(
            _schema, "migrations", lambda kind="sqlite": [m for m in migrations(kind) if m[0] <= 8]
        )
        a_day_of_work(path)
        with Stock.open(path) as stock:
            assert 8 == stock.schema_version
            head, lots = stock.head(), [(v.lot_id, v.lot, v.unopened) for v in stock.lots()]
    with Stock.open(path) as stock:
        assert SCHEMA_VERSION == stock.schema_version  # every migration since, sites first
        assert head == stock.head()
        assert lots == [(v.lot_id, v.lot, v.unopened) for v in stock.lots()]
        assert {"main"} == {v.site for v in stock.lots(used_up=True)}
        assert [] == stock.verify()
        assert [] == stock.ledger.db.execute("PRAGMA foreign_key_check").fetchall()
        assert 1 == stock.ledger.db.execute("PRAGMA foreign_keys").fetchone()[0]
    move = ("--lot", "LA-2611", "--from", "main", "--to", "north", "--new-site")
    code, out, _ = run("stock", "transfer", *move, "--containers", "1", "--reason", "x",
                       "--db", path)  # fmt: skip
    assert 0 == code, out


def test_store_unavailable_is_a_stock_error() -> None:
    """Callers that catch StockError also catch a lost server (and ConnectionError)."""
    assert issubclass(StoreUnavailable, StockError)
    assert issubclass(StoreUnavailable, ConnectionError)
