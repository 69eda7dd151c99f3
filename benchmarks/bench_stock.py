"""
Benchmark the stock store at scale, as whole commands, against a baseline measured in
the same run (this machine is shared and noisy: read the ratios).

1. A history-heavy store: the products of ``examples/hair-revitalizing.toml`` carry
   ``--used-up`` lots that were received and used up (100,000 by default) and a few
   that hold stock; other products fill the journal to ``--entries`` entries (1,000,000
   by default). ``mesoformula stock plan`` and ``mesoformula stock consume`` of the
   example, each a whole process, are timed against a Python process that runs the
   bare SQL such a command needs (the balances of the lots of those products that hold
   something).
2. ``mesoformula stock verify`` of that store, and of one with the same lots and a
   quarter of the entries: time and peak memory (maximum resident set size).
   Verify streams the journal: its memory must not grow with the number of entries.
3. ``mesoformula stock import`` of one sheet of ``--sheet-lots`` lots (100,000 by
   default, over 4 MiB) into a new store, against a Python process that inserts the
   same lots with the bare SQL.

The stores are generated in bulk with the library's own hash chain and facts, and
verified by the library before anything is timed.

Plan and consume are timed in order-balanced rounds against the bare SQL (``_measure``):
the ratio of the medians, with the lowest and highest ratio of a round.

With ``--db postgresql://USER:PASSWORD@HOST:PORT/DBNAME`` it compares the engines
instead, beside each other in the same run (SQLite in a temporary file, PostgreSQL in a
scratch schema of that database, dropped at the end):

4. a store of ``--engine-lots`` lots (100,000 by default) of the plan's products, built
   by ``import`` on SQLite and copied to PostgreSQL by the library's ``stock migrate``;
   ``mesoformula stock plan`` of the example as a whole command on each, in balanced
   rounds (PostgreSQL / SQLite);
5. consume throughput: ``--consumes`` batches (400 by default) of 1 mL of water for
   injection (a new lot of 100,000 containers each round, the last one discarded) by 1
   client and by 8 concurrent client processes (library ``Stock.consume``, one
   connection each), on each engine: batches per second, and PostgreSQL / SQLite.

Run:  python benchmarks/bench_stock.py [--entries 1000000] [--used-up 100000] [--repeat 5]
      python benchmarks/bench_stock.py --db postgresql://... [--engine-lots 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _measure import environment, pairs, process

from mesoformula import _time
from mesoformula.allocation import to_ul
from mesoformula.catalog import Product
from mesoformula.files.catalogs import load_catalog
from mesoformula.stock import Stock
from mesoformula.stock.seals import GENESIS, entry_hash, facts_of

ROOT = Path(__file__).resolve().parents[1]
FORMULATION = ROOT / "examples" / "hair-revitalizing.toml"
PLANNED = (
    "lidocaine-hcl-2pct-5ml",
    "dexpanthenol-250mg-ml-2ml",
    "biotin-0.5mg-ml-2ml",
    "sodium-chloride-0.9-10ml",  # the diluent
)
RECEIVED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
AT = "2026-12-01T10:00"
FILLER_PRODUCTS = 1_000


def build(path: Path, entries: int, used_up: int, filler_lots: int) -> int:
    """Write a store: *used_up* used-up and 5 live lots per planned product, filler lots
    of other products, and receive/discard entries up to *entries* entries."""
    catalog = load_catalog().catalog
    planned = [catalog.products[p] for p in PLANNED]
    rng = random.Random(7)
    lots: list[tuple[int, Product, int]] = []  # lot id, product, containers received
    lot_id = 0
    for product in planned:
        for n in range(used_up // len(planned) + 5):
            lot_id += 1
            lots.append((lot_id, product, 2 if n >= 5 else 50))
    first_used_up = {lot for lot, _, received in lots if received == 2}
    filler = [
        Product(
            id=f"filler-{n}",
            name=f"Filler {n}",
            container="vial",
            use="multi-dose",
            sterile=True,
            volume=planned[0].volume,
            in_use_days=28,
        )
        for n in range(FILLER_PRODUCTS)
    ]
    for n in range(filler_lots):
        lot_id += 1
        lots.append((lot_id, filler[n % FILLER_PRODUCTS], 50))
    with Stock.open(path) as stock:
        db = stock.ledger.db
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO lots (lot_id, product, lot, expiry, received, nominal_ul, single_dose,"
            " in_use_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    lot,
                    product.id,
                    f"LOT-{lot}",
                    (dt.date(2028, 1, 1) + dt.timedelta(days=rng.randrange(900))).isoformat(),
                    "2026-01-05",
                    to_ul(product.volume.value),
                    int(product.use == "single-dose"),
                    product.in_use_days,
                )
                for lot, product, _ in lots
            ),
        )
        db.executemany(
            "INSERT INTO lot_balance (lot_id, unopened, status) VALUES (?, 0, 'released')",
            ((lot,) for lot, _, _ in lots),
        )
        facts = {lot: facts_of(db, lot, None) for lot, _, _ in lots}
        at = _time.stored(RECEIVED)
        prev = GENESIS
        rows: list[tuple[object, ...]] = []
        entry_id = 0

        def append(lot: int, kind: str, delta: int) -> None:
            nonlocal prev, entry_id
            entry_id += 1
            fields: tuple[object, ...] = (entry_id, at, at, "bench", kind, lot, None, delta)
            fields += (0, 0, None, None, "bench", None, None)
            digest = entry_hash(prev, fields, facts[lot])
            rows.append((*fields, prev, digest, facts[lot]))
            prev = digest
            if len(rows) == 50_000:
                _insert(db, rows)
                rows.clear()

        for lot, _, received in lots:
            append(lot, "receive", received)
            if lot in first_used_up:
                append(lot, "discard", -received)  # used up
        fillers = [lot for lot, product, _ in lots if product.id.startswith("filler-")]
        while entry_id < entries:
            lot = rng.choice(fillers)
            append(lot, "discard" if entry_id % 2 else "receive", -1 if entry_id % 2 else 1)
        _insert(db, rows)
        db.execute("COMMIT")
        stock.rebuild()
        problems = stock.verify()
        assert not problems, problems[:3]
    return entry_id


def _insert(db: object, rows: Sequence[tuple[object, ...]]) -> None:
    db.executemany(  # type: ignore[attr-defined]
        "INSERT INTO journal (entry_id, at, recorded, actor, kind, lot_id, container_id,"
        " containers_delta, volume_delta, live_delta, status, status_before, reason,"
        " correlation, undoes, prev_hash, hash, facts)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


BARE_INSERT = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE lots (product TEXT, lot TEXT, expiry TEXT, containers INTEGER)")
with db:
    db.executemany(
        "INSERT INTO lots VALUES (?, ?, ?, ?)",
        ((sys.argv[2], f"SHEET-{n}", "2029-06-30", 10) for n in range(int(sys.argv[3]))),
    )
"""


def sheet(path: Path, lots: int) -> None:
    """A stock sheet of *lots* lots of the plan's products."""
    with path.open("w", encoding="utf-8") as out:
        out.write('format = "mesoformula.stock/1"\n')
        for n in range(lots):
            out.write(
                f'\n[[lots]]\nproduct = "{PLANNED[n % len(PLANNED)]}"\nlot = "SHEET-{n}"\n'
                'expiry = 2029-06-30\ncontainers = 10\nlocation = "bench"\n'
            )


BARE_SQL = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute(
    "SELECT l.lot_id, l.expiry, b.unopened FROM lots l JOIN lot_balance b USING (lot_id)"
    " WHERE l.product IN (?, ?, ?, ?) AND (b.unopened > 0 OR EXISTS (SELECT 1 FROM containers c"
    " JOIN container_balance cb USING (container_id) WHERE c.lot_id = l.lot_id AND cb.live = 1))",
    sys.argv[2:6],
).fetchall()
assert rows
"""


def command(argv: Sequence[str]) -> tuple[float, int]:
    """Run *argv* as a process: wall time in seconds and its peak memory (KiB, Linux)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvpe(argv[0], list(argv), environment())
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return elapsed, int(usage.ru_maxrss)


#: The product the throughput clients consume: one lot of many containers, so that a
#: consume measures the store's write path, not a plan over thousands of lots.
CONSUMED = "water-for-injection-10ml"

CLIENT = """
import datetime as dt, sys
from mesoformula.stock import Need, Stock
location, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with Stock.open(location) as stock:
    for number in range(first, first + count):
        result = stock.consume([Need(product=sys.argv[4], volume_ul=1000)],
            batch_id=f"T-{number}", formulation="f", version=1, checksum="c", batches=1,
            at=dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), actor="bench")
        assert result.consumed and not result.already
"""


def scratch_schema(url: str, name: str = "") -> str:
    """A new, empty schema *name* (``bench_PID`` by default) in the database of *url*; the
    URL that works in it."""
    import psycopg

    name = name or f"bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{name}"


def drop_schema(url: str, *names: str) -> None:
    """Drop the schemas *names* (``bench_PID`` by default) of the database of *url*."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for name in names or (f"bench_{os.getpid()}",):
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def fresh_lot(location: str, number: int, products: Sequence[str] = (CONSUMED,)) -> None:
    """
    Give the throughput round a new lot of each of *products* to consume from, the last
    ones discarded: every round starts from the same state (a consume re-derives the lots
    it could take from, and a lot's history grows with every consume: rounds on one lot
    would not compare).
    """
    from mesoformula.sheets import Lot

    catalog = load_catalog().catalog
    at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)  # before the clients' consumes (10:00)
    over = dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC)  # after them
    with Stock.open(location) as stock:
        for view in stock.lots(list(products)):
            stock.discard(
                view.lot_id, containers=view.unopened, reason="round over", at=over, actor="bench"
            )
            for container in view.opened:
                stock.discard(
                    view.lot_id,
                    container_id=container.container_id,
                    reason="round over",
                    at=over,
                    actor="bench",
                )
        for product in products:
            stock.receive(
                Lot(product=product, lot=f"ROUND-{number}", expiry=dt.date(2029, 6, 30),
                    containers=100_000),
                catalog.products[product],
                at=at,
                actor="bench",
            )  # fmt: skip


def throughput(location: str, clients: int, consumes: int, first: int) -> float:
    """Batches per second: *consumes* batches by *clients* concurrent processes."""
    import subprocess

    fresh_lot(location, first)
    share = consumes // clients
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, location, str(first + n * share), str(share),
             CONSUMED],
            env=environment(),
        )
        for n in range(clients)
    ]  # fmt: skip
    for worker in workers:
        if worker.wait() != 0:
            raise SystemExit(f"a consume client exited {worker.returncode}")
    return share * clients / (time.perf_counter() - started)


def compare_engines(url: str, lots: int, consumes: int, rounds: int) -> None:
    """Sections 4 and 5 of the docstring: PostgreSQL beside SQLite, in the same run."""
    from mesoformula.stock._engine import redact
    from mesoformula.stock.copy import copy_store

    mesoformula = [sys.executable, "-m", "mesoformula"]
    pg = scratch_schema(url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = str(Path(folder) / "engines.db")
            sheet_path = Path(folder) / "sheet.toml"
            sheet(sheet_path, lots)
            with sheet_path.open("a", encoding="utf-8") as out:  # what the clients consume
                out.write(
                    f'\n[[lots]]\nproduct = "{CONSUMED}"\nlot = "THROUGHPUT"\n'
                    "expiry = 2029-06-30\ncontainers = 100000\n"
                )
            seconds, _ = command(
                [*mesoformula, "stock", "import", str(sheet_path), "--db", sqlite, "--at", AT]
            )
            print(f"engines: {lots:,} lots imported into SQLite in {seconds:.1f} s")
            started = time.perf_counter()
            with Stock.open(sqlite, readonly=True) as source, Stock.open(pg) as target:
                copy_store(source, target)
            print(
                f"engines: copied to PostgreSQL ({redact(url)}, scratch schema) by stock "
                f"migrate in {time.perf_counter() - started:.1f} s; heads match"
            )
            plans = pairs(
                process([*mesoformula, "stock", "plan", str(FORMULATION), "--db", sqlite,
                         "--at", AT]),
                process([*mesoformula, "stock", "plan", str(FORMULATION), "--db", pg,
                         "--at", AT]),
                rounds,
            )  # fmt: skip
            print(plans.line(f"SQLite, {lots:,} lots", f"PostgreSQL stock plan, {lots:,} lots"))
            first = 0
            for clients in (1, 8):
                rates: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
                for n in range(3):  # balanced: which engine goes first alternates
                    order = ("sqlite", "postgresql") if n % 2 == 0 else ("postgresql", "sqlite")
                    for engine in order:
                        where = sqlite if engine == "sqlite" else pg
                        rates[engine].append(throughput(where, clients, consumes, first))
                        first += consumes
                median = {e: sorted(r)[1] for e, r in rates.items()}
                print(
                    f"consume throughput, {clients} client(s), {consumes} batches: "
                    f"SQLite {median['sqlite']:.0f}/s "
                    f"({min(rates['sqlite']):.0f}..{max(rates['sqlite']):.0f}), "
                    f"PostgreSQL {median['postgresql']:.0f}/s "
                    f"({min(rates['postgresql']):.0f}..{max(rates['postgresql']):.0f}) "
                    f"= {median['postgresql'] / median['sqlite']:.2f}x SQLite's rate"
                )
            for location in (sqlite, pg):
                with Stock.open(location, readonly=True) as stock:
                    problems = stock.verify()
                    if problems:
                        raise SystemExit(f"{redact(location)} is not sound: {problems[:3]}")
            print("engines: both stores verify sound after the run")
    finally:
        drop_schema(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--used-up", type=int, default=100_000)
    parser.add_argument("--filler-lots", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sheet-lots", type=int, default=100_000)
    parser.add_argument("--db", metavar="URL", help="compare with PostgreSQL at URL instead")
    parser.add_argument("--engine-lots", type=int, default=100_000)
    parser.add_argument("--consumes", type=int, default=400)
    args = parser.parse_args()
    if args.db:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
        compare_engines(args.db, args.engine_lots, args.consumes, max(args.repeat, 5))
        return
    mesoformula = [sys.executable, "-m", "mesoformula"]
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "big.db", Path(folder) / "small.db"
        started = time.perf_counter()
        sizes = {
            big: build(big, args.entries, args.used_up, args.filler_lots),
            small: build(small, args.entries // 4, args.used_up, args.filler_lots),
        }
        print(f"built two stores in {time.perf_counter() - started:.0f} s")
        print(
            f"history-heavy store: {sizes[big]:,} entries, {args.used_up:,} used-up lots "
            f"of the 4 products of the plan, {args.filler_lots:,} lots of other products; "
            f"{big.stat().st_size / 1e6:.0f} MB"
        )
        plan = [*mesoformula, "stock", "plan", str(FORMULATION), "--db", str(big), "--at", AT]
        bare = process([sys.executable, "-c", BARE_SQL, str(big), *PLANNED])
        consume = [*mesoformula, "stock", "consume", str(FORMULATION), "--db", str(big)]
        batches = iter(range(10_000))

        def consume_one() -> None:
            process([*consume, "--at", AT, "--batch-id", f"BENCH-{next(batches)}"])()

        rounds = max(args.repeat, 5)
        planning = pairs(bare, process(plan), rounds)
        print(planning.line("bare SQL in a Python process", "stock plan (whole command)", "<= 2x"))
        consuming = pairs(bare, consume_one, rounds)
        print(consuming.line("bare SQL in a Python process", "stock consume (whole command)"))
        sheet_path = Path(folder) / "sheet.toml"
        sheet(sheet_path, args.sheet_lots)
        fresh = Path(folder) / "fresh.db"
        importing, _ = command(
            [*mesoformula, "stock", "import", str(sheet_path), "--db", str(fresh), "--at", AT]
        )
        bare_db = str(Path(folder) / "bare.db")
        insert = [sys.executable, "-c", BARE_INSERT, bare_db, PLANNED[0], str(args.sheet_lots)]
        bare_insert, _ = command(insert)
        print(
            f"stock import of one sheet of {args.sheet_lots:,} lots "
            f"({sheet_path.stat().st_size / 1e6:.1f} MB): {importing:.1f} s "
            f"= {importing / bare_insert:.1f}x a bare SQL insert of the same lots "
            f"({bare_insert:.2f} s)"
        )
        for path in (small, big):
            seconds, peak = command([*mesoformula, "stock", "verify", "--db", str(path)])
            print(
                f"stock verify of {sizes[path]:>9,} entries: {seconds:6.1f} s, "
                f"peak memory {peak / 1024:6.1f} MiB"
            )


if __name__ == "__main__":
    main()
