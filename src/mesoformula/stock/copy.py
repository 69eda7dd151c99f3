"""
Copy a whole store to an empty store of either engine (``mesoformula stock migrate``):
SQLite to PostgreSQL when a clinic group outgrows one file, and back.

Every row is copied with its id, in one write transaction on the target: into PostgreSQL
by ``COPY``, into SQLite by one ``executemany`` a table, the source read as a stream. The
target's hash chain is then verified inside that transaction and its head compared with
the source's, and only then committed. A copy that would not be the same history is rolled
back: the target is left empty, never half-written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from mesoformula.exceptions import LedgerIntegrityError, StockError

from . import audit
from .store import Stock

#: The tables of a store in an order that respects every reference, with their key.
TABLES: tuple[tuple[str, str], ...] = (
    ("lots", "lot_id"),
    ("containers", "container_id"),
    ("journal", "entry_id"),
    ("batches", "batch_id"),
    ("lot_balance", "lot_id"),
    ("container_balance", "container_id"),
    ("imports", "import_id"),
    ("voids", "batch_id"),
    ("verifications", "batch_id"),
    ("administrations", "administration_id"),
    ("scans", "scan_id"),
    ("events", "event_id"),
)

#: Rows read from the source at a time (between two calls of the progress callback).
CHUNK = 5000


@attrs.frozen
class CopyResult:
    """What a copy did: rows per table, and the head both stores now share."""

    rows: dict[str, int]
    head: tuple[int, str]


def copy_store(
    source: Stock, target: Stock, *, progress: Callable[[str, int], None] | None = None
) -> CopyResult:
    """
    Copy *source* into the empty *target* (both open, at the same schema version).

    Raises:
        StockError: the target holds lots or entries already, or the schema versions
            differ (open the source with a writing command first to migrate it).
        LedgerIntegrityError: the source is not sound (nothing is copied), or the copy's
            chain or head differs from the source's (the copy is rolled back).
    """
    if source.schema_version != target.schema_version:
        raise StockError(
            f"{source.path} has schema version {source.schema_version} and {target.path} "
            f"{target.schema_version}: migrate the older one first ('mesoformula stock init')"
        )
    problems = source.verify()
    if problems:
        raise LedgerIntegrityError(
            f"{source.path} is not sound, so it is not copied: " + "; ".join(problems[:5])
        )
    head = source.head()
    src, dst = source.ledger.db, target.ledger.db
    rows: dict[str, int] = {}
    with target.transaction():
        for table, _ in TABLES:
            if dst.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise StockError(
                    f"{target.path} is not empty ({table} holds rows): a store is copied "
                    "into an empty one only; nothing was changed"
                )
        for table, key in TABLES:
            rows[table] = 0
            columns = _columns(src, table)
            chunks = _chunks(src, table, key, columns)
            dst.load_rows(table, columns, _counted(chunks, table, rows, progress))
        dst.execute("DELETE FROM seal_era")
        dst.executemany(
            "INSERT INTO seal_era (from_entry) VALUES (?)",
            [tuple(r) for r in src.execute("SELECT from_entry FROM seal_era")],
        )
        dst.after_copy(src.reserved_entry_id() or 0)
        problems = audit.verify(dst)
        copied = audit.head(dst)
        if problems or copied != head:
            raise LedgerIntegrityError(
                f"the copy into {target.path} is not the same history (head {copied[0]}:"
                f"{copied[1][:12]}..., source {head[0]}:{head[1][:12]}...; "
                + "; ".join(problems[:3])
                + "): it was rolled back"
            )
    dst.analyze()
    return CopyResult(rows=rows, head=head)


def _columns(db: Any, table: str) -> list[str]:
    row = db.execute(f"SELECT * FROM {table} LIMIT 1")
    description = getattr(row, "description", None)
    return [str(d[0]) for d in description or ()]


def _chunks(
    db: Any, table: str, key: str, columns: Sequence[str]
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of *table* in key order, in lists of :data:`CHUNK` (streamed: a
    PostgreSQL source is read through a server-side cursor, not held whole in memory)."""
    rows = db.stream(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")
    while chunk := [tuple(r) for r in itertools.islice(rows, CHUNK)]:
        yield chunk


def _counted(
    chunks: Iterable[list[tuple[Any, ...]]],
    table: str,
    rows: dict[str, int],
    progress: Callable[[str, int], None] | None,
) -> Iterator[tuple[Any, ...]]:
    """The rows of *chunks* one by one, counted into *rows*, *progress* told per chunk."""
    for chunk in chunks:
        yield from chunk
        rows[table] += len(chunk)
        if progress is not None:
            progress(table, len(chunk))


__all__ = ["TABLES", "CopyResult", "copy_store"]
