"""
The one discovery rule: which files a folder holds for mesoformula (SPEC §8.1).

Every entry whose suffix is ``.toml``, ``.yaml``, ``.yml`` or ``.json`` in any case and
that is not a folder, recursively, sorted; broken links and unreadable files are
returned too, so that reading them reports the problem instead of leaving them out; a
sub-folder that cannot be listed is a ``file.io`` finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mesoformula.findings import Finding

from ._lines import SUFFIXES


def discover(folder: Path) -> tuple[list[Path], list[tuple[str, Finding]]]:
    """Return the files in *folder* and a ``file.io`` finding per unlistable sub-folder."""
    found: list[Path] = []
    problems: list[tuple[str, Finding]] = []

    def unreadable(error: OSError) -> None:
        problems.append(
            (
                str(error.filename or folder),
                Finding(
                    code="file.io",
                    severity="error",
                    message=f"cannot list this folder: {error.strerror or error}",
                ),
            )
        )

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        dirs.sort()
        for name in files:
            if os.path.splitext(name)[1].lower() in SUFFIXES:  # noqa: PTH122
                found.append(Path(root) / name)
    return sorted(found), problems


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """
    Return the files *paths* name: files as given, folders by :func:`discover`.

    Raises:
        FileNotFoundError: for a path that does not exist (a broken link named
            directly exists as a name and is reported when read).
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(discover(path)[0])
        elif os.path.lexists(path):
            found.append(path)
        else:
            raise FileNotFoundError(str(path))
    return found


__all__ = ["discover", "expand"]
