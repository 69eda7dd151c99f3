"""
Benchmark a clinic group's store on a PostgreSQL server across a network: consumes per
second by 1, 8 and 16 concurrent clients at 0, 10 and 40 ms round trip, each as a ratio
to the 0 ms run with as many clients, and the statements and round trips a consume
costs (issue 28: the "before" of the work that makes a consume one round trip).

Every client reaches the server through ``latency_proxy.py`` (standard library), which
holds back each direction by half the round trip; the 0 ms run goes through it too, so
the proxy's own cost is in the baseline. A client is a process of its own (a clinic's
machine: its own connection, its own CPU time, no shared GIL), started and connected
before it is timed; each runs the library's ``consume_batch`` of
``examples/hair-revitalizing.toml`` (compose, check, BUD, record snapshot, consume) on its
own batch ids, one after another, for ``--seconds`` (10 by default; a consume started
in time is finished). Consumes per second count every consume done between the start
signal and the last client's end. Each run starts from a new lot of each of the four
products, the last ones discarded (``bench_stock.fresh_lot``), so runs start alike.

Statements are counted in each client by a counting wrapper around its engine's
``execute``, ``executemany`` and ``stream`` (every SQL statement the store sends, the
transaction's ``BEGIN`` and ``COMMIT`` included); round trips are counted by the proxy:
each time a client sends after the server last spoke, which is what the network's delay
is paid on.

Run:  python3 tools/throwaway_postgres.py start /tmp/pg    # prints URL
      python benchmarks/bench_network.py --db URL [--seconds 10] [--clients 1 8 16]
          [--round-trips 0 10 40]
      python3 tools/throwaway_postgres.py stop /tmp/pg
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs
from bench_stock import FORMULATION, PLANNED, drop_schema, fresh_lot, scratch_schema
from latency_proxy import LatencyProxy

from mesoformula.stock import Stock
from mesoformula.stock._engine import redact

AT = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)


@attrs.frozen
class Run:
    """One run: so many clients at one round trip."""

    round_trip_ms: int
    clients: int
    consumes: int
    seconds: float
    statements: int
    round_trips: int

    @property
    def rate(self) -> float:
        return self.consumes / self.seconds


def through(url: str, port: int) -> str:
    """*url* with its host and port replaced by the proxy's on 127.0.0.1."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@127.0.0.1:{port}" if user else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def counting(engine: Any, counted: list[int]) -> None:
    """Count every statement *engine* sends into ``counted[0]``."""
    for name in ("execute", "executemany", "stream"):
        method: Callable[..., Any] = getattr(engine, name)

        def counter(*args: Any, _method: Callable[..., Any] = method, **kwargs: Any) -> Any:
            counted[0] += 1
            return _method(*args, **kwargs)

        setattr(engine, name, counter)


def client(pipe: Connection) -> None:
    """
    A client process: on ``("open", url)`` connect, on ``("go", seconds, prefix)`` consume
    batches for *seconds* and answer (consumes, statements), on ``None`` end.
    """
    from mesoformula.compounding import consume_batch
    from mesoformula.files import load
    from mesoformula.files.catalogs import load_catalog
    from mesoformula.formulation import Formulation

    catalog = load_catalog().catalog
    formulation = load(FORMULATION, Formulation)
    stock: Stock | None = None
    counted = [0]
    while (order := pipe.recv()) is not None:
        if order[0] == "open":
            if stock is not None:
                stock.close()
            stock = Stock.open(order[1])
            counting(stock.ledger.db, counted)
            pipe.send("ready")
            continue
        assert stock is not None
        _, seconds, prefix = order
        counted[0] = done = 0
        ends = time.perf_counter() + seconds
        while time.perf_counter() < ends:
            result, findings = consume_batch(
                stock, formulation, catalog, batch_id=f"{prefix}-{done}", at=AT, actor="bench"
            )
            assert result is not None, findings
            assert result.consumed, result.plan.shortfalls
            done += 1
        pipe.send((done, counted[0]))
    if stock is not None:
        stock.close()


def measure(
    pipes: Sequence[Connection], proxy: LatencyProxy, url: str, clients: int, seconds: float
) -> Run:
    """*clients* of the client processes consume through *proxy* for *seconds*."""
    working = pipes[:clients]
    for pipe in working:
        pipe.send(("open", through(url, proxy.port)))
    for pipe in working:
        assert "ready" == pipe.recv()
    prefix = f"N{int(proxy.delay_ms * 2)}-{clients}"
    before = proxy.round_trips
    started = time.perf_counter()
    for number, pipe in enumerate(working):
        pipe.send(("go", seconds, f"{prefix}-{number}"))
    answers = [pipe.recv() for pipe in working]
    elapsed = time.perf_counter() - started
    return Run(
        round_trip_ms=int(proxy.delay_ms * 2),
        clients=clients,
        consumes=sum(a[0] for a in answers),
        seconds=elapsed,
        statements=sum(a[1] for a in answers),
        round_trips=proxy.round_trips - before,
    )


COLUMNS = (
    "round trip",
    "clients",
    "consumes",
    "consumes/s",
    "vs 0 ms",
    "statements/consume",
    "round trips/consume",
)


def table(runs: Sequence[Run]) -> str:
    """The runs as a Markdown table, each rate beside the 0 ms rate of as many clients."""
    base = {r.clients: r.rate for r in runs if r.round_trip_ms == 0}
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in runs:
        ratio = f"{r.rate / base[r.clients]:.2f}x" if r.clients in base else "-"
        lines.append(
            f"| {r.round_trip_ms} ms | {r.clients} | {r.consumes} | {r.rate:.1f} | {ratio} "
            f"| {r.statements / r.consumes:.1f} | {r.round_trips / r.consumes:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", metavar="URL", required=True, help="a PostgreSQL database")
    parser.add_argument("--seconds", type=float, default=10.0, help="each run's length")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--round-trips", type=int, nargs="+", default=[0, 10, 40])
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); {redact(args.db)}")
    store = scratch_schema(args.db)
    target = urlsplit(args.db)
    # spawn: a client must not inherit the proxy's thread and event loop by a fork
    context = multiprocessing.get_context("spawn")
    ends = [context.Pipe() for _ in range(max(args.clients))]
    workers = [context.Process(target=client, args=(child,)) for _, child in ends]
    runs: list[Run] = []
    try:
        Stock.open(store).close()  # the tables
        for worker in workers:
            worker.start()
        for round_trip in args.round_trips:
            target_address = (target.hostname or "127.0.0.1", target.port or 5432)
            with LatencyProxy(target_address, delay_ms=round_trip / 2) as proxy:
                for clients in args.clients:
                    fresh_lot(store, len(runs), PLANNED)
                    runs.append(measure([p for p, _ in ends], proxy, store, clients, args.seconds))
                    print(f"  {round_trip} ms, {clients} client(s): {runs[-1].rate:.1f}/s")
        with Stock.open(store, readonly=True) as stock:
            problems = stock.verify()
        print(f"the store verifies {'sound' if not problems else problems[:3]} after the runs")
    finally:
        for pipe, _ in ends:
            pipe.send(None)
        for worker in workers:
            worker.join(timeout=60)
        drop_schema(args.db)
    print(table(runs))


if __name__ == "__main__":
    main()
