"""
Benchmark: plan and consume against a large store (100,000 lots, 1,000,000 journal
entries by default), reported against a bare SQLite aggregate of the same balances over
the journal, measured in the same run; and the store's size on disk.

The store is generated in bulk (the same hash chain and schema the library writes),
then its cache is rebuilt and verified by the library before anything is timed.

Run:  python benchmarks/bench_stock.py [--lots 100000] [--entries 1000000] [--products 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mesoformula.stock import Need, Stock
from mesoformula.stock.audit import GENESIS, entry_hash

AT = dt.datetime(2026, 12, 1, 10, 0)


def build(path: Path, lots: int, entries: int, products: int) -> None:
    """Write a store of *lots* lots over *products* products and *entries* entries."""
    rng = random.Random(7)
    with Stock.open(path) as stock:
        db = stock.ledger.db
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO lots (lot_id, product, lot, expiry, received, nominal_ul, single_dose,"
            " in_use_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    n,
                    f"product-{n % products}",
                    f"LOT-{n}",
                    (dt.date(2026, 6, 1) + dt.timedelta(days=rng.randrange(900))).isoformat(),
                    "2026-01-01",
                    10_000,
                    0,
                    28,
                )
                for n in range(1, lots + 1)
            ),
        )
        db.executemany(
            "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, 0, 'released')",
            ((n,) for n in range(1, lots + 1)),
        )
        prev = GENESIS
        rows = []
        # Each lot receives containers; the rest of the entries are receives and
        # discards spread over the lots, so that every balance stays positive.
        for entry_id in range(1, entries + 1):
            lot_id = entry_id if entry_id <= lots else rng.randrange(1, lots + 1)
            delta = 50 if entry_id <= lots else rng.choice((1, -1))
            kind = "receive" if delta > 0 else "discard"
            fields = (
                entry_id,
                AT.isoformat(),
                AT.isoformat(),
                "bench",
                kind,
                lot_id,
                None,
                delta,
                0,
                0,
                None,
                None,
                "bench",
                None,
                None,
            )
            digest = entry_hash(prev, fields)
            rows.append((*fields, prev, digest))
            prev = digest
            if len(rows) == 50_000:
                _insert(db, rows)
                rows = []
        _insert(db, rows)
        db.execute("COMMIT")
        stock.rebuild()
        problems = stock.verify()
        assert not problems, problems[:3]


def _insert(db: object, rows: Sequence[tuple[object, ...]]) -> None:
    db.executemany(  # type: ignore[attr-defined]
        "INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id, container_id,"
        " containers_delta, volume_delta, live_delta, status, status_before, reason,"
        " correlation, undoes, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def median(repeat: int, fn: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        build(path, args.lots, args.entries, args.products)
        print(
            f"built {args.lots:,} lots, {args.entries:,} entries "
            f"in {time.perf_counter() - started:.1f} s"
        )
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        print(
            f"store size on disk: {size / 1e6:.1f} MB ({size / args.entries:.0f} bytes per entry)"
        )
        with Stock.open(path) as stock:
            needs = [Need(product=f"product-{n}", volume_ul=25_000) for n in (1, 2, 3)]
            lot_ids = [
                r[0]
                for r in stock.ledger.db.execute(
                    "SELECT lot_id FROM lots"
                    " WHERE product IN ('product-1', 'product-2', 'product-3')"
                )
            ]

            def aggregate() -> object:
                return stock.ledger.db.execute(
                    "SELECT lot_id, SUM(containers_delta) FROM journal WHERE lot_id IN"
                    f" ({','.join(map(str, lot_ids))}) GROUP BY lot_id"
                ).fetchall()

            def plan() -> object:
                return stock.plan(needs, at=AT)

            counter = iter(range(10**9))

            def consume() -> object:
                result = stock.consume(
                    needs,
                    batch_id=f"B{next(counter)}",
                    formulation="f",
                    version=1,
                    checksum="c",
                    batches=1,
                    at=AT,
                    actor="bench",
                )
                assert result.consumed
                return result

            floor = median(args.repeat, aggregate)
            planning = median(args.repeat, plan)
            consuming = median(args.repeat, consume)
            print(f"lots per product: {len(lot_ids) // 3}; a plan covers 3 products")
            print(f"bare SQLite aggregate over the journal: {floor * 1e3:7.2f} ms")
            print(f"plan:    {planning * 1e3:7.2f} ms  = {planning / floor:.2f}x the aggregate")
            print(f"consume: {consuming * 1e3:7.2f} ms  = {consuming / floor:.2f}x the aggregate")
            started = time.perf_counter()
            problems = stock.verify()
            print(
                f"verify of the whole store: {time.perf_counter() - started:.1f} s, "
                f"{len(problems)} problem(s)"
            )


if __name__ == "__main__":
    main()
