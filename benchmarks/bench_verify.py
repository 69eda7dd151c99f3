"""
Benchmark ``mesoformula stock verify`` (issue 28), as whole commands, against a baseline
measured in the same run: ``mesoformula --version``, the cost of starting a command at
all (this machine is shared and noisy: read the ratios as well as the seconds).

The store: the history-heavy store of ``bench_stock.py`` (``--entries`` journal entries,
200,000 by default; ``--used-up`` used-up lots of the plan's products, 20,000 by default;
``--filler-lots`` lots of other products, 20,000 by default, whose entries interleave at
random: what a bounded cache of lot facts thrashed on), then ``--batches`` batches
compounded by the library and ``--administrations`` doses given from them, each sealed
in the journal (50 and 5,000 by default), so that the walk proves seals too.

Timed, in ``--repeat`` rounds (3 by default; the median, with the lowest and highest):

1. ``stock verify`` of the whole store: seconds, entries a second, peak memory (maximum
   resident set size), and the ratio to ``--version``;
2. ``stock verify --since HEAD`` of the head ``--tail`` entries before the end (1,000 by
   default): seconds, the ratio to ``--version``, and how many times faster than 1.

With ``--db postgresql://USER:PASSWORD@HOST:PORT/DBNAME`` the same store is also copied
into a scratch schema of that database (the library's ``stock migrate``; dropped at the
end) and 1 and 2 are timed on it, beside SQLite in the same rounds.

Run:  python benchmarks/bench_verify.py [--entries 200000] [--tail 1000] [--repeat 3]
      python benchmarks/bench_verify.py --db postgresql://... [--store PATH]

``--store PATH`` keeps the built SQLite store there and reuses it when it exists.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_stock import build, command, drop_schema, scratch_schema
from bench_trace import give

from mesoformula import _time
from mesoformula.stock import Stock


def since_head(path: Path, tail: int) -> tuple[str, int]:
    """The head *tail* entries before the end of the store at *path* (``SEQ:SHA256``)."""
    with sqlite3.connect(path) as db:
        (last,) = db.execute("SELECT MAX(entry_id) FROM journal").fetchone()
        seq = max(int(last) - tail, 1)
        (digest,) = db.execute("SELECT hash FROM journal WHERE entry_id = ?", (seq,)).fetchone()
    return f"{seq}:{digest}", int(last)


def copy_to(path: Path, url: str) -> str:
    """The store at *path* copied into a scratch schema of *url*; the URL that reads it."""
    from mesoformula.stock.copy import copy_store

    target = scratch_schema(url)
    started = time.perf_counter()
    with Stock.open(str(path), readonly=True) as source, Stock.open(target) as copy:
        copy_store(source, copy)
    print(f"copied to PostgreSQL (scratch schema) in {time.perf_counter() - started:.0f} s")
    return target


def spread(samples: list[float], unit: str = "s", digits: int = 2) -> str:
    """The median of *samples* with their lowest and highest."""
    return (
        f"{statistics.median(samples):.{digits}f} {unit} "
        f"({min(samples):.{digits}f}..{max(samples):.{digits}f})"
    )


def measure(stores: dict[str, str], kept: str, entries: int, rounds: int, tail: int) -> None:
    """Sections 1 and 2 of the docstring on each store, in the same rounds."""
    mesoformula = [sys.executable, "-m", "mesoformula"]
    timings: dict[str, list[float]] = {"baseline": []}
    peaks: dict[str, list[int]] = {}
    for engine in stores:
        timings[f"{engine} full"], timings[f"{engine} since"] = [], []
        peaks[engine] = []
    for number in range(rounds):
        order = list(stores) if number % 2 == 0 else list(reversed(stores))
        timings["baseline"].append(command([*mesoformula, "--version"])[0])
        for engine in order:
            verify = [*mesoformula, "stock", "verify", "--db", stores[engine]]
            seconds, peak = command(verify)
            timings[f"{engine} full"].append(seconds)
            peaks[engine].append(peak)
            timings[f"{engine} since"].append(command([*verify, "--since", kept])[0])
    base = statistics.median(timings["baseline"])
    print(f"mesoformula --version: {spread(timings['baseline'])}")
    for engine in stores:
        full = statistics.median(timings[f"{engine} full"])
        since = statistics.median(timings[f"{engine} since"])
        print(
            f"{engine}: stock verify of {entries:,} entries: {spread(timings[f'{engine} full'])}"
            f" = {entries / full:,.0f} entries/s, {full / base:.0f}x --version; peak memory "
            f"{max(peaks[engine]) / 1024:.0f} MiB"
        )
        print(
            f"{engine}: stock verify --since (the last {tail:,} entries): "
            f"{spread(timings[f'{engine} since'])} = {since / base:.1f}x --version; "
            f"{full / since:.0f}x faster than the full verify"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--used-up", type=int, default=20_000)
    parser.add_argument("--filler-lots", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--administrations", type=int, default=5_000)
    parser.add_argument("--tail", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", metavar="URL", help="also on PostgreSQL at URL")
    parser.add_argument("--store", type=Path, help="keep the store here; reuse it if present")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); {_time.shown(_time.now())}")
    with tempfile.TemporaryDirectory() as folder:
        path = args.store or Path(folder) / "verify.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.entries, args.used_up, args.filler_lots)
            give(path, args.batches, args.administrations)
            print(f"built in {time.perf_counter() - started:.0f} s")
        kept, entries = since_head(path, args.tail)
        with Stock.open(str(path), readonly=True) as stock:
            lots = len(stock.lots(used_up=True))
        print(f"store: {entries:,} entries, {lots:,} lots, {path.stat().st_size / 1e6:.0f} MB")
        stores = {"SQLite": str(path)}
        try:
            if args.db:
                stores["PostgreSQL"] = copy_to(path, args.db)
            measure(stores, kept, entries, max(args.repeat, 1), args.tail)
        finally:
            if args.db:
                drop_schema(args.db)


if __name__ == "__main__":
    main()
