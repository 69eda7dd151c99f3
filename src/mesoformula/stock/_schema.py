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
from typing import TYPE_CHECKING

from mesoformula.exceptions import StockError, StoreVersionError

if TYPE_CHECKING:
    from ._engine import Engine

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


def check_version(engine: Engine, version: int, *, readonly: bool = False) -> None:
    """
    Refuse a store newer than this library, and (*readonly*) one that needs a migration
    first: a read never migrates.

    Raises:
        StoreVersionError: the store's schema is newer than :data:`SCHEMA_VERSION`.
        StockError: *readonly* and the store's schema is older.
    """
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"{engine.location}: schema version {version} is newer than this mesoformula "
            f"understands ({SCHEMA_VERSION}); upgrade mesoformula"
        )
    if readonly and version < SCHEMA_VERSION:
        raise StockError(
            f"{engine.location}: the store has schema version {version} and needs migrating "
            f"to {SCHEMA_VERSION}; run a writing command first ('mesoformula stock init')"
        )


def migrate(engine: Engine) -> None:
    """
    Bring the store to :data:`SCHEMA_VERSION`, every pending migration in one write
    transaction (another process may migrate the same store at the same moment: the
    version is read again under the write lock).
    """
    version = engine.schema_version()
    check_version(engine, version)
    pending = [(target, sql) for target, sql in migrations(engine.kind) if target > version]
    if not pending:
        return
    # A migration that rebuilds a table others refer to runs with SQLite's foreign
    # keys off (for this connection only), and is checked before it commits.
    rebuilds = any(FOREIGN_KEYS_OFF in sql for _, sql in pending)
    with engine.foreign_keys_off(rebuilds):
        engine.begin_write()
        try:
            version = engine.schema_version()
            for target, sql in pending:
                if target > version:
                    engine.run_migration(sql)
                    engine.set_schema_version(target)
            engine.check_foreign_keys()
        except BaseException:
            engine.rollback()
            raise
        engine.commit()


__all__ = [
    "FOREIGN_KEYS_OFF",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "check_version",
    "migrate",
    "migrations",
    "statements",
]
