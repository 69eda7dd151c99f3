"""
The store in one PostgreSQL database (schema ``public``), through psycopg 3, an optional
dependency imported only when a ``postgresql://`` store is opened. The write lock is a
transaction-scoped advisory lock; the journal's numbers come from a one-row counter.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from mesoformula.exceptions import StockError, StoreUnavailable

from ._engine import Cursor, Engine, Row, redact

if TYPE_CHECKING:
    import psycopg


#: ``?`` placeholders outside quoted text, for PostgreSQL's ``%s``.
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")
#: The tables whose ids PostgreSQL hands out (identity columns), for after a copy.
IDENTITIES = (
    ("lots", "lot_id"),
    ("containers", "container_id"),
    ("imports", "import_id"),
    ("administrations", "administration_id"),
    ("scans", "scan_id"),
    ("events", "event_id"),
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

    def load_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """
        ``COPY`` *rows* in: one statement a table, the rows streamed to the server. An
        ``INSERT`` a row, even batched by ``executemany``, is a statement each for the
        server: the rows of a store of 100,000 lots took 3.5 times as long to load
        (``benchmarks/bench_migrate.py``). An exception raised while *rows* are read ends
        the ``COPY`` with an error; the caller's transaction then rolls back all it loaded.
        """
        import psycopg  # noqa: PLC0415

        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        try:
            with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
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
        if "." in key:  # a nested key, as SQLite's '$.a.b'
            return f"(({column})::json #>> '{{{key.replace('.', ',')}}}')"
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


def open_database(url: str, *, create: bool, readonly: bool) -> tuple[PostgresEngine, int]:
    """
    Connect to the store in the database at *url*; return its engine and schema version
    (0: new). *readonly* runs the session read-only.

    Raises:
        StockError: the database holds another application's tables, or holds no store
            and *create* is false (or *readonly*).
        StoreUnavailable: the server cannot be reached or refuses the login.
    """
    engine = PostgresEngine.connect(url)
    try:
        # Tables first, then the version: a store created meanwhile by another process
        # (its tables and version arrive in one commit) is then never taken for foreign.
        tables = engine.tables()
        version = engine.schema_version()
        if version == 0 and tables:
            raise StockError(
                f"{engine.location}: not a mesoformula stock store (the database holds "
                "another application's tables); nothing was changed"
            )
        if version == 0 and (not create or readonly):
            raise StockError(
                f"{engine.location}: no stock store in this database (run 'mesoformula stock init')"
            )
        if readonly:
            engine.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    except BaseException:
        engine.close()
        raise
    return engine, version


__all__ = ["IDENTITIES", "PostgresEngine", "open_database"]
