"""
Progress on long work where a person waits (validating thousands of files, importing a
large sheet, verifying a large store): one line on the terminal's standard error,
redrawn at most ten times a second and cleared at the end. Silent when standard error
is not a terminal (CI, a pipe, a file) and with ``--format json``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Redraw at most this often (seconds).
INTERVAL = 0.1


class Progress:
    """``what: done/total (percent)`` on a terminal; nothing anywhere else."""

    def __init__(
        self, what: str, total: int, *, fmt: str = "text", stream: TextIO | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.what = what
        self.total = max(total, 0)
        self.done = 0
        self.enabled = fmt != "json" and _is_terminal(self.stream)
        self._drawn = 0.0
        self._width = 0

    def advance(self, count: int = 1) -> None:
        """Count *count* more units done; redraw when it is time."""
        self.done += count
        if self.enabled and time.monotonic() - self._drawn >= INTERVAL:
            self._draw()

    def step(self, count: int, total: int) -> None:
        """A callback for the library: *count* more done of *total* (which may grow)."""
        self.total = total
        self.advance(count)

    def _draw(self) -> None:
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        line = f"{self.what}: {self.done:,}/{self.total:,}{share}"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)
        self._drawn = time.monotonic()

    def finish(self) -> None:
        """Clear the line (the command's own output follows)."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


__all__ = ["INTERVAL", "Progress"]
