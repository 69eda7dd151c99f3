"""
Start-up cost per command group (issue 28), against a bare Python start measured in the
same run: each command runs on a tiny input, so what it costs beyond ``python -c pass``
is the price of starting mesoformula (imports, the parser, the configuration, opening
the catalog or the store).

Groups: ``validate`` (one small formulation), ``stock read`` (``stock list`` of an empty
store) and ``stock write`` (``stock import`` of a one-lot sheet into a new store). Each
command and the bare start are run in interleaved rounds; the CPU time of each process
(user + system, from ``wait4``: steadier than the wall clock on a shared machine) and its
wall time are kept, and the medians compared.

``--check`` makes it a gate (CI runs it): exit 1 when a group's median CPU time beyond
the bare start exceeds its budget (:data:`BUDGET_MS`).

Run:  python benchmarks/bench_startup.py [--rounds 15] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The most CPU milliseconds a group may cost beyond a bare Python start (the median).
BUDGET_MS = {"validate": 250.0, "stock read": 250.0, "stock write": 350.0}


def _one(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run *argv*; return its (CPU ms, wall ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}")
    return (usage.ru_utime + usage.ru_stime) * 1000, wall


def commands(folder: Path) -> dict[str, list[str]]:
    """The command of each group, on inputs made in *folder*."""
    mesoformula = [sys.executable, "-m", "mesoformula"]
    empty = folder / "empty.db"
    subprocess.run([*mesoformula, "stock", "init", "--db", str(empty)], check=True,
                   capture_output=True)  # fmt: skip
    sheet = folder / "one.toml"
    sheet.write_text(
        'format = "mesoformula.stock/1"\n[[lots]]\nproduct = "lidocaine-hcl-2pct-5ml"\n'
        'lot = "S-1"\nexpiry = 2029-06-30\ncontainers = 1\n',
        encoding="utf-8",
    )
    return {
        "bare python": [sys.executable, "-c", "pass"],
        "validate": [*mesoformula, "validate", str(ROOT / "examples" / "hair-revitalizing.toml")],
        "stock read": [*mesoformula, "stock", "list", "--db", str(empty)],
        "stock write": [*mesoformula, "stock", "import", str(sheet), "--db", "NEW"],
    }


def measure(rounds: int) -> dict[str, tuple[float, float]]:
    """The median (CPU ms, wall ms) of each command over *rounds* interleaved rounds."""
    env = {**os.environ, "MESOFORMULA_NO_CONFIG": "1"}
    with tempfile.TemporaryDirectory() as folder:
        runs = commands(Path(folder))
        kept: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for n in range(rounds):
            for name, given in runs.items():
                argv = [str(Path(folder) / f"new-{n}.db") if a == "NEW" else a for a in given]
                kept[name].append(_one(argv, env))
    return {
        name: (statistics.median(c for c, _ in got), statistics.median(w for _, w in got))
        for name, got in kept.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="exit 1 over a budget")
    args = parser.parse_args()
    medians = measure(args.rounds)
    bare_cpu, bare_wall = medians["bare python"]
    print(f"bare python: {bare_cpu:.0f} ms CPU, {bare_wall:.0f} ms wall (median of {args.rounds})")
    over = []
    for name, budget in BUDGET_MS.items():
        cpu, wall = medians[name]
        extra = cpu - bare_cpu
        verdict = "ok" if extra <= budget else "OVER BUDGET"
        print(
            f"{name:<12} {cpu:6.0f} ms CPU ({extra:+.0f} ms beyond bare python, budget "
            f"{budget:.0f}: {verdict}), {wall:.0f} ms wall ({wall / bare_wall:.1f}x bare)"
        )
        if extra > budget:
            over.append(name)
    return 1 if args.check and over else 0


if __name__ == "__main__":
    raise SystemExit(main())
