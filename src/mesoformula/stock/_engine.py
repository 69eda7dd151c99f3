"""
The database under the store: SQLite (the embedded default) or PostgreSQL, behind one
small interface, so that the ledger, the queries and the audit are written once.

The store's SQL is written once, with ``?`` placeholders, in the subset both engines
read alike; what differs is here: connecting, the write lock, the schema version, the
journal's id counter, the append-only triggers, the integrity check, two JSON helpers.

**Concurrency.** Every write runs in one transaction that first takes the store's
single write lock, by the engine's own means: SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's
transaction-scoped advisory lock (``pg_advisory_xact_lock``), released by the server at
commit, rollback or when the connection dies. Writes are serial because the journal is
a hash chain (each entry names the hash of the one before); reads never wait (SQLite's
WAL, PostgreSQL's MVCC). No Python-side lock is involved.

PostgreSQL is reached through psycopg 3, an optional dependency imported only when a
``postgresql://`` store is opened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol


class Cursor(Protocol):
    """What the store reads from a statement's result (both drivers' cursors)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...

    @property
    def description(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Row(tuple[Any, ...]):
    """A result row read by position or by column name, like :class:`sqlite3.Row`."""

    _names: dict[str, int]

    def __new__(cls, values: Iterable[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


class Engine:
    """One connection to a store's database."""

    kind: ClassVar[str]
    #: Where the store is, for messages (a path, or a URL without its password).
    location: str
    _sites: bool = False
    _areas: bool = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def load_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """
        Insert *rows* (values of *columns*, ids included) into *table*, in the caller's
        transaction: a bulk load (a store's copy), read from *rows* as they come. Here one
        ``executemany`` of them all, which SQLite runs in-process; PostgreSQL's engine
        uses ``COPY``.
        """
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def whole_walk(self) -> None:
        """Prepare to read the whole store once (verify): nothing to do by default."""

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of a long result, read as they are used (memory stays flat)."""
        return iter(self.execute(sql, params))

    def begin_write(self) -> None:
        """Begin a transaction holding the store's write lock."""
        raise NotImplementedError

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def close(self) -> None:
        raise NotImplementedError

    # -- the schema
    def schema_version(self) -> int:
        raise NotImplementedError

    def set_schema_version(self, version: int) -> None:
        raise NotImplementedError

    def run_migration(self, sql: str) -> None:
        raise NotImplementedError

    def tables(self) -> set[str]:
        raise NotImplementedError

    def triggers(self) -> set[str]:
        raise NotImplementedError

    def columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def integrity_problems(self) -> list[str]:
        return []

    def site_of(self, alias: str = "") -> str:
        """The SQL of a lot's site: its column, or ``'main'`` on a store before sites."""
        if not self.has_sites():
            return "'main'"
        return f"{alias}.site" if alias else "site"

    def has_sites(self) -> bool:
        """Whether the lots have a site (schema version 9 and later)."""
        if not self._sites:  # asked again until true: a migration may add the column
            self._sites = "site" in self.columns("lots")
        return self._sites

    def has_areas(self) -> bool:
        """Whether administrations have an area (schema version 10 and later)."""
        if not self._areas:  # asked again until true: a migration may add the column
            self._areas = "area" in self.columns("administrations")
        return self._areas

    @contextmanager
    def foreign_keys_off(self, needed: bool) -> Iterator[None]:
        """Foreign keys off around a table rebuild (SQLite); nothing elsewhere."""
        yield

    def check_foreign_keys(self) -> None:
        """Raise when a rebuild left a row whose reference points nowhere."""

    # -- the journal's numbering: gapless, never reused
    def reserved_entry_id(self) -> int | None:
        """The highest journal entry number ever handed out (None when not kept)."""
        raise NotImplementedError

    def next_entry_id(self) -> int:
        """The next journal entry's number; the caller holds the write lock."""
        raise NotImplementedError

    def after_copy(self, last_entry: int) -> None:
        """After rows were copied in with their ids: the counters continue after them."""
        raise NotImplementedError

    def analyze(self) -> None:
        """After a bulk load, committed: statistics for the planner, where it needs them."""

    def peek_entry_id(self) -> int:
        """The number the next entry will have, without handing it out."""
        return (self.reserved_entry_id() or 0) + 1

    # -- SQL that differs
    def json_field(self, column: str, key: str) -> str:
        """An SQL expression reading text member *key* of the JSON in *column*."""
        raise NotImplementedError

    def in_ids(self, column: str) -> str:
        """SQL that *column* is one of the ids of one parameter (``?``, see :meth:`ids`)."""
        raise NotImplementedError

    def ids(self, values: Sequence[int]) -> Any:
        """The parameter :meth:`in_ids` reads."""
        raise NotImplementedError


def redact(text: str) -> str:
    """
    *text* (a PostgreSQL URL, or a message quoting one) without any password: the
    user-info of every URL (up to its last ``@``, any case of the scheme) and every
    ``password=`` parameter.
    """

    def user_only(match: re.Match[str]) -> str:
        user = match.group(2).partition(":")[0]
        hidden = ":***" if ":" in match.group(2) else ""
        return f"{match.group(1)}{user}{hidden}@"

    text = re.sub(r"(?i)(postgres(?:ql)?://)([^/?#\s]*)@", user_only, text)
    return re.sub(r"(?i)(password\s*=\s*)('[^']*'|[^&\s]+)", r"\1***", text)


def is_postgres(location: str) -> bool:
    """Whether *location* names a PostgreSQL store (a ``postgresql://`` URL, any case)."""
    return location.lower().startswith(("postgresql://", "postgres://"))


__all__ = [
    "Cursor",
    "Engine",
    "Row",
    "is_postgres",
    "redact",
]
