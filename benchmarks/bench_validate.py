"""
Benchmark: validating many formulation files against the tomllib parse floor, and the
cold start of one-file validate against a bare Python start. Ratios are measured in
the same run, so a noisy shared machine affects both sides alike.

Run:  python benchmarks/bench_validate.py [--files 1000] [--repeat 5]
Targets (issue 2): validate <= 1.5x the parse floor; cold start <= 2.5x python -c pass.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from mesoformula.files import read
from mesoformula.files.catalogs import load_catalog
from mesoformula.formulation import Formulation
from mesoformula.rules.checks import check
from mesoformula.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = (ROOT / "examples" / "hair-revitalizing.toml").read_text()


def make_files(folder: Path, count: int) -> list[Path]:
    """Write *count* formulation files, each a variant of the shipped example (~1 KB)."""
    paths = []
    for n in range(count):
        text = TEMPLATE.replace('id = "hair-revitalizing"', f'id = "bench-{n}"').replace(
            'volume = "1 mL"', f'volume = "{1 + (n % 7) / 10} mL"'
        )
        path = folder / f"f{n:05d}.toml"
        path.write_text(text)
        paths.append(path)
    return paths


def best_of(repeat: int, fn: Callable[[], None]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return min(timings)


def median_run(argv: list[str], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=False, capture_output=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--starts", type=int, default=21)
    args = parser.parse_args()

    loaded = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_files(folder, args.files)

        def parse_only() -> None:
            for path in paths:
                with path.open("rb") as handle:
                    tomllib.load(handle)

        def validate() -> None:
            reports = validate_paths([folder], loaded)
            assert len(reports) == len(paths)
            assert not any(f.severity == "error" for r in reports for f in r.findings)

        def read_only() -> None:
            for path in paths:
                read(path)

        models = [read(p).model for p in paths]
        assert all(isinstance(m, Formulation) for m in models)

        def checks_only() -> None:
            for model in models:
                check(model, loaded.catalog)  # type: ignore[arg-type]

        validate()  # warm caches (unit parser, converter hooks)
        floor = best_of(args.repeat, parse_only)
        reading = best_of(args.repeat, read_only)
        checking = best_of(args.repeat, checks_only)
        ours = best_of(args.repeat, validate)
        per_file = 1e6 / len(paths)
        print(f"files: {len(paths)}, {paths[0].stat().st_size} bytes each")
        print(f"tomllib parse floor: {floor * 1e3:8.1f} ms  ({floor * per_file:.0f} us/file)")
        print(f"mesoformula validate: {ours * 1e3:7.1f} ms  ({ours * per_file:.0f} us/file)")
        print(f"  of which read (parse + structure): {reading * per_file:.0f} us/file")
        print(
            f"  of which compose + checks: {checking * per_file:.0f} us/file "
            f"({len(paths) / checking:,.0f} checks per second)"
        )
        print(f"ratio read / parse floor: {reading / floor:.2f}x")
        print(f"ratio validate / parse floor: {ours / floor:.2f}x  (target <= 1.5x)")

        one = str(paths[0])
        bare = median_run([sys.executable, "-c", "pass"], args.starts)
        cold = median_run([sys.executable, "-m", "mesoformula", "validate", one], args.starts)
        print(f"python -c pass: {bare * 1e3:.1f} ms; validate one file: {cold * 1e3:.1f} ms")
        print(f"ratio cold start / bare python: {cold / bare:.2f}x  (target <= 2.5x)")
        floor_argv = [sys.executable, "-c", "import attrs, cattrs, cattrs.gen, tomllib, argparse"]
        deps = median_run(floor_argv, args.starts)
        print(
            f"for context, importing the required packages alone: {deps * 1e3:.1f} ms "
            f"= {deps / bare:.2f}x bare python"
        )


if __name__ == "__main__":
    main()
