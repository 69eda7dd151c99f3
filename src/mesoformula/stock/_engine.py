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

import itertools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from mesoformula.exceptions import StockError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg


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


#: ``?`` placeholders outside quoted text, for PostgreSQL's ``%s``.
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")
#: The tables whose ids PostgreSQL hands out (identity columns), for after a copy.
IDENTITIES = (
    ("lots", "lot_id"),
    ("containers", "container_id"),
    ("imports", "import_id"),
    ("administrations", "administration_id"),
    ("scans", "scan_id"),
)
#: Rows a server-side cursor fetches at a time.
STREAM_PAGE = 5000
_STREAMS = itertools.count(1)
#: The advisory lock key of the store's write lock (any constant; "meso" in ASCII).
WRITE_LOCK = 0x6D65736F


class PostgresEngine(Engine):
    """A store in one PostgreSQL database (schema ``public``)."""

    kind = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any], location: str) -> None:
        self.conn = conn
        self.location = location
        self._sql: dict[str, str] = {}

    @classmethod
    def connect(cls, url: str) -> PostgresEngine:
        """
        Connect to the database of *url*.

        Raises:
            StockError: psycopg is not installed.
            StoreUnavailable: the server cannot be reached or refuses the login.
        """
        try:
            import psycopg  # noqa: PLC0415 - only for a PostgreSQL store
        except ImportError:
            raise StockError(
                f"{redact(url)}: a PostgreSQL store needs psycopg: "
                "pip install 'mesoformula[postgres]'"
            ) from None
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=15)
        except psycopg.Error as error:
            raise StoreUnavailable(
                f"{redact(url)}: cannot connect to the PostgreSQL server: {_first_line(error)}"
            ) from None
        conn.row_factory = _row_factory
        conn.adapters.register_loader("numeric", _integral_numeric_loader(psycopg))
        return cls(conn, redact(url))

    def _translate(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = _PLACEHOLDER.sub(
                lambda m: "%s" if m.group() == "?" else "%%" if m.group() == "%" else m.group(),
                sql,
            )
            self._sql[sql] = found
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        import psycopg  # noqa: PLC0415

        try:
            return self.conn.execute(self._translate(sql), tuple(params))
        except psycopg.OperationalError as error:
            raise self._lost(error) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        import psycopg  # noqa: PLC0415

        try:
            with self.conn.cursor() as cursor:
                cursor.executemany(self._translate(sql), [tuple(r) for r in rows])
        except psycopg.OperationalError as error:
            raise self._lost(error) from None

    def _lost(self, error: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"{self.location}: the PostgreSQL server went away or refused the work: "
            f"{_first_line(error)}; the transaction was not committed"
        )

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """
        A server-side cursor, fetched in pages: a client cursor would hold a whole
        journal in memory. Inside the caller's transaction, or a read-only one of its own.
        """
        import psycopg  # noqa: PLC0415

        name = f"mesoformula_stream_{next(_STREAMS)}"
        try:
            with self.conn.transaction(), self.conn.cursor(name=name) as cursor:
                cursor.itersize = STREAM_PAGE
                cursor.execute(self._translate(sql), tuple(params))
                yield from cursor
        except psycopg.OperationalError as error:
            raise self._lost(error) from None

    def begin_write(self) -> None:
        self.execute("BEGIN")
        self.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    def rollback(self) -> None:
        if not self.conn.closed and not self.conn.broken:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def schema_version(self) -> int:
        if "schema_version" not in self.tables():
            return 0
        row = self.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def set_schema_version(self, version: int) -> None:
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (int(version),))

    def run_migration(self, sql: str) -> None:
        self.conn.execute(sql.encode())  # several statements; no parameters

    def tables(self) -> set[str]:
        rows = self.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in rows}

    def triggers(self) -> set[str]:
        rows = self.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in rows}

    def columns(self, table: str) -> set[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def reserved_entry_id(self) -> int | None:
        row = self.execute("SELECT last_entry FROM journal_counter").fetchone()
        return None if row is None else int(row[0])

    def next_entry_id(self) -> int:
        row = self.execute(
            "UPDATE journal_counter SET last_entry = last_entry + 1 RETURNING last_entry"
        ).fetchone()
        return int(row[0])

    def after_copy(self, last_entry: int) -> None:
        self.execute("UPDATE journal_counter SET last_entry = ?", (last_entry,))
        for table, key in IDENTITIES:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'),"
                f" COALESCE(MAX({key}), 1), MAX({key}) IS NOT NULL) FROM {table}"
            )

    def analyze(self) -> None:
        # A copied store has no statistics until autovacuum gets to it; meanwhile the
        # planner guesses, and a plan's query may scan every lot (measured: 3.7 ms
        # against 0.06 ms a plan on 20,000 lots).
        self.execute("ANALYZE")

    def json_field(self, column: str, key: str) -> str:
        return f"(({column})::json ->> '{key}')"

    def in_ids(self, column: str) -> str:
        # An array parameter: the planner uses the column's index (a set-returning
        # function in IN would be estimated at 100 rows and may scan the table).
        return f"{column} = ANY(CAST(? AS BIGINT[]))"

    def ids(self, values: Sequence[int]) -> Any:
        return [int(v) for v in values]


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    names = {column.name: number for number, column in enumerate(description)}
    return lambda values: Row(values, names)


def _integral_numeric_loader(psycopg: Any) -> Any:
    """SUM over BIGINT is NUMERIC in PostgreSQL: read whole numbers as int, like SQLite."""
    from decimal import Decimal  # noqa: PLC0415

    class Loader(psycopg.adapt.Loader):  # type: ignore[misc]
        def load(self, data: Any) -> Any:
            value = Decimal(bytes(data).decode())
            return int(value) if value == value.to_integral_value() else float(value)

    return Loader


def _first_line(error: BaseException) -> str:
    text = redact(str(error).strip())
    return text.splitlines()[0] if text else type(error).__name__


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
    "PostgresEngine",
    "Row",
    "SQLiteEngine",
    "is_postgres",
    "redact",
]
