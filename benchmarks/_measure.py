"""
Measuring on a shared, noisy machine: order-balanced A/B pairs, medians and spreads.

Each round runs the baseline and the subject back to back, alternating which goes
first (ABBA...), so that a slow phase of the machine hits both alike. The result is the
ratio of the medians, with the spread of the per-round ratios (lowest..highest).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import attrs


@attrs.frozen
class Pair:
    """Timings of a baseline and a subject measured in the same rounds."""

    baseline: tuple[float, ...]
    subject: tuple[float, ...]

    @property
    def ratio(self) -> float:
        return statistics.median(self.subject) / statistics.median(self.baseline)

    @property
    def spread(self) -> tuple[float, float]:
        ratios = [s / b for s, b in zip(self.subject, self.baseline, strict=True)]
        return min(ratios), max(ratios)

    def line(self, baseline: str, subject: str, target: str = "") -> str:
        low, high = self.spread
        wanted = f"  (target {target})" if target else ""
        return (
            f"{subject}: {ms(self.subject)} vs {baseline}: {ms(self.baseline)} "
            f"= {self.ratio:.2f}x [rounds {low:.2f}..{high:.2f}]{wanted}"
        )


def ms(samples: Sequence[float]) -> str:
    """Median and spread of timings in seconds, as milliseconds."""
    return (
        f"{statistics.median(samples) * 1e3:.1f} ms "
        f"({min(samples) * 1e3:.1f}..{max(samples) * 1e3:.1f})"
    )


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pairs(baseline: Callable[[], object], subject: Callable[[], object], rounds: int) -> Pair:
    """Run both *rounds* times, alternating which goes first; warm both up once."""
    baseline()
    subject()
    base: list[float] = []
    subj: list[float] = []
    for n in range(rounds):
        if n % 2 == 0:
            base.append(timed(baseline))
            subj.append(timed(subject))
        else:
            subj.append(timed(subject))
            base.append(timed(baseline))
    return Pair(tuple(base), tuple(subj))


def environment() -> dict[str, str]:
    """
    The environment for timed processes: bytecode caching on (an installed package has
    its .pyc files; ``PYTHONDONTWRITEBYTECODE=1`` would make every start compile the
    package from source, which no user pays twice), the catalog cache on.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("MESOFORMULA_NO_CACHE", None)
    return env


def process(argv: Sequence[str], *, ok: Sequence[int] = (0, 1)) -> Callable[[], None]:
    """A callable that runs *argv* as a process (output discarded)."""
    env = environment()

    def run() -> None:
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        if done.returncode not in ok:
            raise SystemExit(
                f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}"
            )

    return run


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


__all__ = ["Pair", "environment", "ms", "pairs", "process", "python", "timed"]
