"""
The store's schema history: packaged migrations, one version number for both engines.

SQLite stores go through every version from 1 (``migrations/NNNN_*.sql``, the version
kept in ``PRAGMA user_version``). PostgreSQL stores start at version 8, the whole schema
in one file (``migrations/postgresql/0008_baseline.sql``), and take each later version
from their own file of the same number; the version is kept in ``schema_version``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")

#: The first line of a SQLite migration that rebuilds a table other tables refer to: it
#: runs with foreign keys off for its connection, checked before it commits (SQLite's
#: procedure for changing a table's key).
FOREIGN_KEYS_OFF = "-- mesoformula: foreign-keys-off"


def migrations(engine: str = "sqlite") -> list[tuple[int, str]]:
    """The packaged migrations of *engine* (``sqlite`` or ``postgresql``), in order."""
    folder = MIGRATIONS if engine == "sqlite" else MIGRATIONS / engine
    found = []
    for path in sorted(folder.glob("*.sql")):
        version = int(path.name.split("_", 1)[0])
        found.append((version, path.read_text(encoding="utf-8")))
    return found


SCHEMA_VERSION = max(v for v, _ in migrations())


def statements(sql: str) -> list[str]:
    """
    Split a migration into statements with SQLite's own parser
    (:func:`sqlite3.complete_statement`): triggers keep their inner semicolons wherever
    ``BEGIN`` stands on its line.
    """
    found: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    if current.strip() and not all(
        not part.strip() or part.strip().startswith("--") for part in current.splitlines()
    ):
        raise ValueError(f"a migration ends inside a statement: {current.strip()[:60]!r}")
    return found


__all__ = ["FOREIGN_KEYS_OFF", "MIGRATIONS", "SCHEMA_VERSION", "migrations", "statements"]
