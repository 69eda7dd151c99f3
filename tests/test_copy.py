"""
``stock migrate`` (:mod:`mesoformula.stock.copy`) with every table of a store in use:
the same rows, head and verdict on both engines and back, the identity counters going on
after the copied ids, and a copy that fails midway leaving its target empty.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mesoformula.stock import Stock
from mesoformula.stock._postgres import IDENTITIES
from mesoformula.stock.copy import TABLES, copy_store

from .conftest import DATA, EXAMPLES, fresh_database
from .test_postgres import a_day_of_work, run

HAIR = str(EXAMPLES / "hair-revitalizing.toml")
PATIENT = str(EXAMPLES / "patient-P-0042.toml")
GTIN_CATALOG = ("--catalog", str(DATA / "catalog-gtin"))
SCAN = "(01)05012345678900(17)270600(10)LA-77(21)S00{}"
#: Text COPY's text format escapes (a backslash), quotes and non-ASCII: one line, as the
#: command line takes it (a tab or a line break is refused there).
AWKWARD = 'dropped: the vial \\N "twice" \\ on the floor (µ, é)'


def ok(*argv: str) -> str:
    code, out, err = run(*argv)
    assert 0 == code, (argv, out, err)
    return out


def every_table_in_use(location: str) -> None:
    """A day of work, then a scan, a transfer to a second site, a voided batch, an undone
    dose and a complication: a row in every table of the store."""
    a_day_of_work(location)
    db = ("--db", location)
    ok("stock", "receive", "--scan", SCAN.format(1), *GTIN_CATALOG, *db,
       "--at", "2026-12-02T09:00")  # fmt: skip
    ok("stock", "transfer", "--lot", "NS-2610", "--from", "main", "--to", "north",
       "--containers", "2", "--reason", "weekly supply", "--new-site", *db,
       "--at", "2026-12-02T09:30")  # fmt: skip
    ok("stock", "consume", HAIR, "--batch-id", "B-2", *db, "--at", "2026-12-02T10:00")
    ok("stock", "void", "--batch-id", "B-2", "--reason", AWKWARD, "--not-prepared", *db,
       "--at", "2026-12-02T10:30")  # fmt: skip
    ok("administer", "--batch-id", "B-1", "--patient", PATIENT, "--volume", "1 mL", *db,
       "--at", "2026-12-01T11:30")  # fmt: skip
    ok("administer", "--undo", "2", "--reason", "recorded twice", *db,
       "--at", "2026-12-02T11:00")  # fmt: skip
    ok("event", "record", "--patient", "P-0042", "--kind", "bruising", "--severity", "mild",
       "--onset", "2026-12-01T20:00", "--administration", "1", "--description", AWKWARD, *db,
       "--at", "2026-12-02T12:00")  # fmt: skip


def rows_of(location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every copied table (and the seal era), in key order."""
    with Stock.open(location, readonly=True) as stock:
        db = stock.ledger.db
        return {
            table: [tuple(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY {key}")]
            for table, key in (*TABLES, ("seal_era", "from_entry"))
        }


@pytest.mark.clock("2026-12-10T00:00:00+00:00")  # the writes run to 8 December
def test_every_table_both_ways(tmp_path: Path, postgres_server: Path) -> None:
    """SQLite to PostgreSQL and back with a row in every table: the same rows (tabs,
    backslashes, quotes and non-ASCII text too), the same head, both sound; then new
    rows in every table with a generated id go on after the copied ids."""
    sqlite, back = str(tmp_path / "clinic.db"), str(tmp_path / "back.db")
    url = fresh_database(postgres_server)
    every_table_in_use(sqlite)
    rows = rows_of(sqlite)
    assert [] == [table for table, found in rows.items() if not found]
    head, verdict = ok("stock", "head", "--db", sqlite), ok("stock", "verify", "--db", sqlite)
    assert "store is sound" in verdict
    for source, target in ((sqlite, url), (url, back)):
        out = ok("stock", "migrate", "--from", source, "--to", target)
        assert f"both heads are {head.strip()}" in out
        assert (head, verdict) == (
            ok("stock", "head", "--db", target),
            ok("stock", "verify", "--db", target),
        )
        assert rows == rows_of(target)
    with Stock.open(url, readonly=True) as stock:
        identities = stock.ledger.db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ).fetchall()
    assert set(IDENTITIES) == {(str(t), str(c)) for t, c in identities}
    for location in (url, back):  # lots, imports, scans, containers, administrations, events
        db = ("--db", location)
        ok("stock", "import", str(EXAMPLES / "stock.toml"), "--site", "south", "--new-site",
           "--again", *db, "--at", "2026-12-03T09:00")  # fmt: skip
        ok("stock", "receive", "--scan", SCAN.format(2), *GTIN_CATALOG, *db,
           "--at", "2026-12-03T09:00")  # fmt: skip
        ok("stock", "consume", HAIR, "--batch-id", "B-3", *db, "--at", "2026-12-08T10:00")
        ok("record", "verify", "--batch-id", "B-3", "--verifier", "bob", *db,
           "--at", "2026-12-08T10:10")  # fmt: skip
        ok("administer", "--batch-id", "B-3", "--patient", PATIENT, "--volume", "1 mL", *db,
           "--at", "2026-12-08T10:30")  # fmt: skip
        ok("event", "record", "--patient", "P-0042", "--kind", "pain", "--severity", "mild",
           "--onset", "2026-12-08T12:00", "--administration", "4", *db,
           "--at", "2026-12-08T13:00")  # fmt: skip
        assert "store is sound" in ok("stock", "verify", *db)


def _failing_midway(table: str, how: str) -> Any:
    """A stand-in for copy._chunks that fails in the middle of *table*."""
    from mesoformula.stock import copy

    original = copy._chunks

    def chunks(db: Any, name: str, key: str, columns: Any) -> Iterator[list[tuple[Any, ...]]]:
        for chunk in original(db, name, key, columns):
            if name != table:
                yield chunk
                continue
            yield chunk[:1]
            if how == "source":
                raise OSError("the source went away in the middle of the copy")
            yield chunk[:1]  # the same row again: the target refuses its key
            yield chunk[1:]

    return chunks


@pytest.mark.parametrize("target_engine", ["postgresql", "sqlite"])
@pytest.mark.parametrize("how", ["source", "target"])
def test_a_failure_midway_leaves_the_target_empty(
    tmp_path: Path,
    postgres_server: Path,
    monkeypatch: pytest.MonkeyPatch,
    target_engine: str,
    how: str,
) -> None:
    """A copy that fails in the middle of the journal (the source cannot be read on, or
    the target refuses a row), after lots and containers went in: nothing is committed,
    the target holds no row, and the same store then takes a whole copy."""
    from mesoformula.stock import copy

    sqlite = str(tmp_path / "clinic.db")
    a_day_of_work(sqlite)
    if target_engine == "postgresql":
        source, target = sqlite, fresh_database(postgres_server)
    else:
        source, target = fresh_database(postgres_server), str(tmp_path / "back.db")
        ok("stock", "migrate", "--from", sqlite, "--to", source)
    expected = OSError if how == "source" else (sqlite3.IntegrityError, _pg_integrity())
    with monkeypatch.context() as patch:
        patch.setattr(copy, "_chunks", _failing_midway("journal", how))
        with Stock.open(source, readonly=True) as from_, Stock.open(target) as to:
            with pytest.raises(expected):
                copy_store(from_, to)
            assert (0, []) == (to.head()[0], to.lots(used_up=True))  # the same connection
    assert {table: [] for table, _ in TABLES} == {
        table: found for table, found in rows_of(target).items() if table != "seal_era"
    }
    ok("stock", "migrate", "--from", source, "--to", target)
    assert ok("stock", "head", "--db", source) == ok("stock", "head", "--db", target)


def _pg_integrity() -> type[BaseException]:
    import psycopg

    return psycopg.errors.IntegrityError
