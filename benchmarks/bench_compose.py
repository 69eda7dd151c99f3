"""
Benchmark: compositions per second over the shipped example formulations, and the cost
of composing relative to reading (parsing and structuring) the same files, measured in
the same run.

Run:  python benchmarks/bench_compose.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from mesoformula.composition import compose
from mesoformula.files import read
from mesoformula.files.catalogs import load_catalog
from mesoformula.formulation import Formulation

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeat: int, fn: Callable[[], None]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    catalog = load_catalog().catalog
    paths = [p for p in sorted((ROOT / "examples").iterdir()) if read(p).kind == "formulation"]
    formulations = [read(p).model for p in paths]
    assert all(isinstance(f, Formulation) for f in formulations)
    n = args.rounds * len(paths)

    def parse() -> None:
        for _ in range(args.rounds):
            for path in paths:
                read(path)

    def compose_all() -> None:
        for _ in range(args.rounds):
            for formulation in formulations:
                compose(formulation, catalog)  # type: ignore[arg-type]

    compose_all()
    parse_time = best_of(args.repeat, parse)
    compose_time = best_of(args.repeat, compose_all)
    print(f"example formulations: {len(paths)} ({', '.join(p.name for p in paths)})")
    print(f"read (parse + structure): {parse_time / n * 1e6:7.1f} us per file")
    print(f"compose:                  {compose_time / n * 1e6:7.1f} us per formulation")
    print(f"compositions per second:  {n / compose_time:,.0f}")
    print(f"ratio compose / read:     {compose_time / parse_time:.2f}x")


if __name__ == "__main__":
    main()
