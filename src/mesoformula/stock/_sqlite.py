"""
The store in one SQLite file (the embedded default): the engine, and how its file is
opened: owner-only when created, in WAL mode for writers, and for a user who may only
read it (another user's store) as a snapshot.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mesoformula.exceptions import StockError

from ._engine import Cursor, Engine


def _private(name: str) -> None:
    """Create a new store file readable by its owner only (it holds patients' data), and
    its folder (owner-only too) when that folder is missing but its own parent exists:
    ``--db ~/mesoformula/stock.db`` starts a store where nothing was."""
    folder = Path(name).parent
    if not folder.exists() and folder.parent.is_dir():
        with contextlib.suppress(OSError):  # sqlite3 says what is wrong, in its words
            folder.mkdir(mode=0o700)
    try:
        os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # an existing store keeps its permissions (and another process made it)
    except OSError:
        pass  # sqlite3 reports what is wrong with the path, in its words


#: How much of a store a read-only connection maps into memory (SQLite caps it at its
#: compile-time maximum, 2 GiB by default).
READ_MAP_BYTES = 1 << 30


def _read_only(name: str) -> sqlite3.Connection:
    """
    A read-only connection. A store in a folder this user cannot write (another user's
    store, SPEC §9.5) has no shared-memory file this user may create: it is then read as
    a snapshot of the file as it stands (SQLite's ``immutable``): a write its owner makes
    meanwhile is seen by the next command, not this one.
    """
    uri = Path(name).resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60.0, isolation_level=None)
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        if os.access(Path(name).resolve().parent, os.W_OK):
            raise
        db.close()
        db = sqlite3.connect(
            f"{uri}?mode=ro&immutable=1", uri=True, timeout=60.0, isolation_level=None
        )
    return db


def _write_ahead_log(db: sqlite3.Connection, wait: float = 60.0) -> None:
    """
    Put the store in WAL mode. Changing the journal mode needs the file to itself, and
    SQLite does not wait for that (no busy handler): while another process creates the
    same store, retry until it is done, as long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def connect(name: str, *, create: bool, readonly: bool) -> tuple[SQLiteEngine, int]:
    """
    Open the SQLite store file *name* and return its engine and schema version (0: new).
    A writer gets an owner-only file in WAL mode; *readonly* opens it ``mode=ro``.

    Raises:
        StockError: the path is empty or ``:memory:``, the file does not exist and
            *create* is false (or *readonly*), it is read-only to this user (for a
            writer), it is not a database or it holds another application's tables.
    """
    if not name.strip() or name.strip() == ":memory:":
        raise StockError(
            f"--db {name!r}: a stock store is a file; an empty path or ':memory:' "
            "would keep nothing"
        )
    if (not create or readonly) and not Path(name).exists():
        raise StockError(f"{name}: no stock store here (run 'mesoformula stock init')")
    try:
        if readonly:
            db = _read_only(name)
            # A read-only command (trace, verify, reports) reads its pages through a
            # memory map instead of a system call per page: a trace of thousands of
            # doses reads pages all over a large store. Only readers map the file.
            db.execute(f"PRAGMA mmap_size = {READ_MAP_BYTES}")
        else:
            _private(name)
            if not Path(name).parent.is_dir():
                raise StockError(
                    f"{name}: its folder {Path(name).parent} does not exist (a store's "
                    "folder is created only when its own parent exists)"
                )
            db = sqlite3.connect(name, timeout=60.0, isolation_level=None)
        db.row_factory = sqlite3.Row  # rows by column name (and still by position)
        db.execute("PRAGMA busy_timeout = 60000")
        # One statement, one snapshot: another process may be creating the store
        # right now, and its tables and version arrive in the same commit.
        row = db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table')"
        ).fetchone()
        version = int(row[0])
        foreign = version == 0 and bool(row[1])
        if not foreign and not readonly:
            _write_ahead_log(db)
            db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as error:
        if "readonly" in str(error):
            raise StockError(
                f"{name}: the store is read-only to you (the file or its folder cannot "
                "be written): it can be listed and verified, and nothing was written"
            ) from None
        raise StockError(f"{name}: not a mesoformula stock store ({error})") from None
    if foreign:
        db.close()
        raise StockError(
            f"{name}: not a mesoformula stock store (it holds another application's "
            "tables); nothing was changed"
        )
    return SQLiteEngine(db, name), version


class SQLiteEngine(Engine):
    """A store in one SQLite file."""

    kind = "sqlite"

    def __init__(self, db: sqlite3.Connection, location: str) -> None:
        self.db = db
        self.location = location

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.db.executemany(sql, rows)

    def whole_walk(self) -> None:
        """A walk of the whole store reads each page once: not through the read-only
        memory map, whose pages would stay in the process's resident memory."""
        self.db.execute("PRAGMA mmap_size = 0")

    def begin_write(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self.db.close()

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def run_migration(self, sql: str) -> None:
        from ._schema import statements  # noqa: PLC0415

        for statement in statements(sql):
            self.db.execute(statement)

    def tables(self) -> set[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(r[0]) for r in rows}

    def triggers(self) -> set[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {str(r[0]) for r in rows}

    def columns(self, table: str) -> set[str]:
        return {str(r[1]) for r in self.db.execute(f"PRAGMA table_info({table})")}

    @contextmanager
    def foreign_keys_off(self, needed: bool) -> Iterator[None]:
        if not needed:
            yield
            return
        self.db.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or ignored
        try:
            yield
        finally:
            self.db.execute("PRAGMA foreign_keys = ON")

    def check_foreign_keys(self) -> None:
        broken = self.db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StockError(
                f"{self.location}: the migration left {len(broken)} row(s) whose reference "
                f"points nowhere (first: {tuple(broken[0])}); nothing was changed"
            )

    def integrity_problems(self) -> list[str]:
        return [
            f"SQLite integrity check: {row[0]}"
            for row in self.db.execute("PRAGMA integrity_check")
            if row[0] != "ok"
        ]

    def reserved_entry_id(self) -> int | None:
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
        return None if row is None else int(row[0])

    def next_entry_id(self) -> int:
        return (self.reserved_entry_id() or 0) + 1

    def after_copy(self, last_entry: int) -> None:
        # Explicit ids move sqlite_sequence to the highest; a source whose counter ran
        # further (nothing removed: it verified sound) keeps its number.
        self.db.execute(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'journal'", (last_entry,)
        )

    def json_field(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def in_ids(self, column: str) -> str:
        return f"{column} IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"

    def ids(self, values: Sequence[int]) -> Any:
        return json.dumps([int(v) for v in values])


__all__ = ["SQLiteEngine", "connect"]
