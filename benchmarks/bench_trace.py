"""
Benchmark ``mesoformula trace --lot`` at scale (issue 27, SPEC §9.4), as a whole command,
against a baseline measured in the same run (this machine is shared and noisy: read the
ratio as well as the seconds).

The store: the history-heavy store of ``bench_stock.py`` (``--entries`` journal entries,
1,000,000 by default, and ``--used-up`` used-up lots of the plan's products, 100,000 by
default, beside filler lots), then ``--batches`` batches of
``examples/hair-revitalizing.toml`` compounded by the library (200 by default) and
``--administrations`` doses given from them (100,000 by default), each sealed in the
journal as ``administer`` seals it. The store is verified sound before anything is
timed.

Timed: ``mesoformula trace --lot L`` of the lidocaine lot the batches drew from (every
batch, every dose, every seal of them checked), against ``mesoformula --version`` (the
cost of starting the command at all). Target: under 1 s.

Run:  python benchmarks/bench_trace.py [--entries 1000000] [--used-up 100000]
      [--batches 200] [--administrations 100000] [--repeat 5] [--store PATH]

``--store PATH`` keeps the built store there and reuses it when it already exists (the
build takes minutes; the lot traced is found again from the store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_stock import FORMULATION, build, command

from mesoformula import _time
from mesoformula.compounding import consume_batch
from mesoformula.files import load
from mesoformula.files.catalogs import load_catalog
from mesoformula.formulation import Formulation
from mesoformula.stock import Stock

LIDOCAINE = "lidocaine-hcl-2pct-5ml"
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def give(path: Path, batches: int, administrations: int) -> tuple[str, int]:
    """Compound *batches* batches and give *administrations* doses from them, sealed; the
    lidocaine lot drawn from most, and the batches that drew from it."""
    catalog = load_catalog().catalog
    formulation = load(FORMULATION, Formulation)
    drawn: dict[str, int] = {}
    with Stock.open(path) as stock:
        made = []
        for number in range(batches):
            at = START + dt.timedelta(minutes=number)
            result, findings = consume_batch(
                stock, formulation, catalog, batch_id=f"T-{number}", at=at, actor="bench"
            )
            assert result is not None, findings
            assert result.consumed, result.plan.shortfalls
            made.append((f"T-{number}", at))
            for allocation in result.plan.allocations:
                if allocation.product == LIDOCAINE:
                    drawn[allocation.lot] = drawn.get(allocation.lot, 0) + 1
        given_at = START + dt.timedelta(days=1)
        with stock.transaction():
            for number in range(administrations):
                batch, _ = made[number % len(made)]
                stock.give(batch, patient=f"P-{number % 20_000}", volume_ul=100, doses="{}",
                           at=given_at, actor="bench")  # fmt: skip
    lot = max(drawn, key=lambda key: drawn[key])
    return lot, drawn[lot]


def _traced_lot(path: Path) -> tuple[str, int]:
    """The lidocaine lot of a kept store drawn by the most batches, and their number."""
    with sqlite3.connect(path) as db:
        lot, batches = db.execute(
            "SELECT l.lot, COUNT(DISTINCT j.correlation) FROM journal j"
            " JOIN lots l ON l.lot_id = j.lot_id JOIN batches b ON b.batch_id = j.correlation"
            " WHERE l.product = ? GROUP BY l.lot ORDER BY 2 DESC LIMIT 1",
            (LIDOCAINE,),
        ).fetchone()
    return str(lot), int(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--used-up", type=int, default=100_000)
    parser.add_argument("--filler-lots", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--administrations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, help="keep the store here; reuse it if present")
    args = parser.parse_args()
    mesoformula = [sys.executable, "-m", "mesoformula"]
    with tempfile.TemporaryDirectory() as folder:
        path = args.store or Path(folder) / "trace.db"
        started = time.perf_counter()
        if path.exists():
            entries, (lot, batches) = 0, _traced_lot(path)
        else:
            entries = build(path, args.entries, args.used_up, args.filler_lots)
            lot, batches = give(path, args.batches, args.administrations)
        with Stock.open(path) as stock:
            problems = stock.verify()
            assert not problems, problems[:3]
            head = stock.head()[0]
            lots = len(stock.lots(used_up=True))
        made = "verified" if entries == 0 else f"built ({entries:,} entries before the batches)"
        print(
            f"{made} in {time.perf_counter() - started:.0f} s: {lots:,} lots, {head:,} journal "
            f"entries, {batches} batches drew from the lot traced, {path.stat().st_size / 1e6:.0f}"
            " MB"
        )
        trace = [*mesoformula, "trace", "--lot", lot, "--product", LIDOCAINE, "--db", str(path)]
        baseline = [*mesoformula, "--version"]
        timings: list[tuple[float, float]] = []
        for _ in range(max(args.repeat, 3)):
            timings.append((command(baseline)[0], command(trace)[0]))
        base = statistics.median(t[0] for t in timings)
        traced = statistics.median(t[1] for t in timings)
        print(
            f"trace --lot {lot} ({batches} batches, every dose and seal checked): "
            f"median {traced:.2f} s (target < 1 s) = {traced / base:.1f}x "
            f"'mesoformula --version' ({base:.2f} s); {_time.shown(_time.now())}"
        )


if __name__ == "__main__":
    main()
