"""
Benchmark ``stock migrate`` (the library's ``copy_store``) between the engines, against a
bare ``COPY`` of the same rows measured in the same run.

A store of ``--lots`` lots (100,000 by default) is imported into SQLite from one sheet.
Each round copies it into a new scratch schema of the PostgreSQL database of ``--db``
and that copy back into a new SQLite file, each copy split into its phases by the
progress callback: the source's verify (before the first rows arrive), the rows, and
after the last rows the counters, the target's verify and ``ANALYZE``. The baselines,
in the same rounds: the same rows read from SQLite with bare ``sqlite3`` and written
by a bare psycopg ``COPY`` into the tables of an empty store (no checks), and read back
from there into a SQLite file by a bare ``executemany``.

Run:  python benchmarks/bench_migrate.py --db postgresql://USER:PASSWORD@HOST:PORT/DB
          [--lots 100000] [--rounds 3] [--store PATH]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import attrs
from bench_stock import AT, command, drop_schema, scratch_schema, sheet

from mesoformula.stock import Stock
from mesoformula.stock._engine import redact
from mesoformula.stock.copy import TABLES, copy_store

T = TypeVar("T")


@attrs.frozen
class Phases:
    """One copy's seconds: before the first rows, the rows, after the last rows."""

    before: float
    rows: float
    after: float

    @property
    def total(self) -> float:
        return self.before + self.rows + self.after


def timed_copy(source: str, target: str) -> Phases:
    """Copy the store at *source* into the new store at *target*, timed by phase."""
    marks: list[float] = []
    with Stock.open(source, readonly=True) as from_, Stock.open(target) as to:
        started = time.perf_counter()
        copy_store(from_, to, progress=lambda _table, _rows: marks.append(time.perf_counter()))
        ended = time.perf_counter()
    return Phases(before=marks[0] - started, rows=marks[-1] - marks[0], after=ended - marks[-1])


def store_columns(path: Path) -> dict[str, str]:
    """The columns of each table of the store at *path* (a SQLite file), as SQL."""
    with sqlite3.connect(path) as db:
        return {
            table: ", ".join(str(row[1]) for row in db.execute(f"PRAGMA table_info({table})"))
            for table, _ in TABLES
        }


def bare_copy_in(sqlite_path: Path, url: str) -> float:
    """Seconds to COPY every table's rows from the SQLite file into an empty store at *url*."""
    import psycopg

    Stock.open(url).close()  # the tables, empty
    columns_of = store_columns(sqlite_path)
    source = sqlite3.connect(sqlite_path)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table, key in TABLES:
            columns = columns_of[table]
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {columns} FROM {table} ORDER BY {key}"):
                    copy.write_row(row)
    seconds = time.perf_counter() - started
    source.close()
    return seconds


def bare_copy_out(url: str, sqlite_path: Path) -> float:
    """Seconds to read every table at *url* into an empty store file (bare executemany)."""
    import psycopg

    Stock.open(str(sqlite_path)).close()  # the tables, empty
    columns_of = store_columns(sqlite_path)
    target = sqlite3.connect(sqlite_path, isolation_level=None)
    started = time.perf_counter()
    target.execute("BEGIN")
    with psycopg.connect(url) as conn:
        for table, key in TABLES:
            columns = columns_of[table]
            marks = ", ".join("?" * len(columns.split(", ")))
            with conn.cursor(name=f"bench_{table}") as cursor:
                cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {key}")
                target.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", iter(cursor)
                )
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    return seconds


def median_line(label: str, samples: list[float]) -> str:
    return f"{label}: {statistics.median(samples):.2f} s ({min(samples):.2f}..{max(samples):.2f})"


def _into(samples: list[T], measure: Callable[..., T], *args: object) -> Callable[[], None]:
    """A step that appends *measure* of *args* to *samples*."""
    return lambda: samples.append(measure(*args))


def _either_first(first: Callable[[], None], second: Callable[[], None], n: int) -> None:
    for step in (first, second) if n % 2 == 0 else (second, first):
        step()


def rounds(url: str, store: Path, folder: Path, count: int) -> None:
    """Copy both ways *count* times beside the bare baselines; print the medians."""
    prefix = f"bench_migrate_{os.getpid()}"
    made: list[str] = []
    to_pg: list[Phases] = []
    back: list[Phases] = []
    bare_in: list[float] = []
    bare_out: list[float] = []
    try:
        for n in range(count):
            names = [f"{prefix}_{n}_copy", f"{prefix}_{n}_bare"]
            made += names
            copy_url, bare_url = (scratch_schema(url, name) for name in names)
            _either_first(
                _into(to_pg, timed_copy, str(store), copy_url),
                _into(bare_in, bare_copy_in, store, bare_url),
                n,
            )
            _either_first(
                _into(back, timed_copy, copy_url, str(folder / f"back-{n}.db")),
                _into(bare_out, bare_copy_out, bare_url, folder / f"bare-{n}.db"),
                n,
            )
    finally:
        drop_schema(url, *made)
    report("SQLite -> PostgreSQL", to_pg, bare_in, "a bare COPY of the same rows")
    report("PostgreSQL -> SQLite", back, bare_out, "a bare executemany of the same rows")


def report(title: str, copies: list[Phases], bare: list[float], baseline: str) -> None:
    total = statistics.median(c.total for c in copies)
    print(f"stock migrate {title}, {len(copies)} round(s):")
    print("  " + median_line("whole copy", [c.total for c in copies]))
    print("  " + median_line("  source verify (before the first rows)", [c.before for c in copies]))
    print("  " + median_line("  rows", [c.rows for c in copies]))
    print("  " + median_line("  target verify, counters, ANALYZE", [c.after for c in copies]))
    print("  " + median_line(baseline, bare))
    print(f"  whole copy = {total / statistics.median(bare):.1f}x {baseline}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", metavar="URL", required=True, help="a PostgreSQL database")
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--store", type=Path, help="keep the SQLite store here; reuse it if present"
    )
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); {redact(args.db)}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        store = args.store or folder / "clinic.db"
        if not store.exists():
            sheet_path = folder / "sheet.toml"
            sheet(sheet_path, args.lots)
            mesoformula = [sys.executable, "-m", "mesoformula"]
            seconds, _ = command(
                [*mesoformula, "stock", "import", str(sheet_path), "--db", str(store), "--at", AT]
            )
            print(f"{args.lots:,} lots imported into SQLite in {seconds:.1f} s")
        with sqlite3.connect(store) as db:
            lots, entries = db.execute(
                "SELECT (SELECT COUNT(*) FROM lots), (SELECT COUNT(*) FROM journal)"
            ).fetchone()
        print(f"the store: {lots:,} lots, {entries:,} journal entries")
        rounds(args.db, store, folder, args.rounds)


if __name__ == "__main__":
    main()
