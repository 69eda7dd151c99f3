"""
A private per-user cache of the loaded catalog, so that a command does not parse and
structure every catalog file on each start.

The cache is a pickle, which executes code when loaded, so it is only ever read from a
directory and a file owned by the current user and writable by nobody else
(``$XDG_CACHE_HOME/mesoformula`` or ``~/.cache/mesoformula``, created ``0700``). The key
covers the mesoformula version, its modules and the path, size and modification time of
every catalog file; an entry is named by a checksum of the key and keeps the key itself,
so that it is used only for exactly that key. Any problem with the cache is ignored:
the catalog is then loaded from the files.

Several entries are kept (the :data:`KEEP` most recently used), so that two checkouts,
two versions, or runs with and without ``--catalog`` do not evict each other; a hit
refreshes its entry's time, and the least recently used beyond that number go.
"""

from __future__ import annotations

import binascii
import contextlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from mesoformula._version import __version__

T = TypeVar("T")

#: Cached catalogs kept at most (each a few hundred kB).
KEEP = 16


def _key(paths: Sequence[Path]) -> str:
    """
    What the cached value depends on, as text: the version, the package's own modules
    (the pickled models change with the code: an edited checkout never reads a catalog
    pickled by another) and every catalog file, each by path, size and modification
    time. The entry keeps this text and is used only when it is equal.
    """
    parts = [__version__]
    package = Path(__file__).parents[1]
    for module in sorted(package.rglob("*.py")):
        info = module.stat()
        parts.append(f"{module.relative_to(package)}|{info.st_size}|{info.st_mtime_ns}")
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            parts.append(f"{path}|missing")
            continue
        parts.append(f"{path.resolve()}|{info.st_size}|{info.st_mtime_ns}")
    return "\n".join(parts)


def _name(key: str) -> str:
    """The entry's file name: a checksum of the key (binascii: no hashlib at start-up)."""
    return f"catalog-{binascii.crc32(key.encode()):08x}-{len(key):x}.pickle"


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else."""
    try:
        info = path.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):  # pragma: no cover - not on POSIX: never trust
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cached(folder: Path, paths: Sequence[Path], build: Callable[[], T]) -> T:
    """Return the value cached in *folder* for *paths*, or *build* it and cache it."""
    key = _key(paths)
    target = folder / _name(key)
    if _private(folder) and _private(target):
        found: T | None = None
        try:
            with target.open("rb") as handle:
                entry = pickle.load(handle)  # noqa: S301 - private to this user, see above
            if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
                found = entry[1]
        except Exception:
            found = None
        if found is not None:
            with contextlib.suppress(OSError):
                os.utime(target)  # most recently used
            return found
    value = build()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return value
        _prune(folder, KEEP - 1)
        descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(descriptor, "wb") as out:
            pickle.dump((key, value), out, protocol=pickle.HIGHEST_PROTOCOL)
        Path(temporary).replace(target)
    except Exception:
        return value
    return value


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the *keep* most recently used entries."""
    entries = []
    for entry in folder.glob("catalog-*.pickle"):
        try:
            entries.append((entry.stat().st_mtime_ns, entry))
        except OSError:
            continue
    for _, old in sorted(entries, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


__all__ = [
    "KEEP",
    "cached",
]
