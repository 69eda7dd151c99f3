"""
The whole error tree of mesoformula.

Every error is a :class:`MesoformulaError` and also the builtin a caller would
naturally catch::

    MesoformulaError
    ├── UnitError(ValueError)              a quantity string or table is not acceptable
    ├── FileError(ValueError)              a file cannot be read: carries its findings
    ├── CatalogError(LookupError)          an id the catalog does not hold
    └── StockError                         the store refuses an operation
        ├── StoreVersionError(RuntimeError)   the database is newer than this library
        ├── LedgerIntegrityError(RuntimeError) the journal was tampered with
        ├── InsufficientStock(ValueError)  a consume would need more than is there
        ├── UnknownEntry(LookupError)      a journal entry, lot or batch id not found
        └── StoreUnavailable(ConnectionError) the database server cannot be reached, refused
                                           the login or went away (nothing was committed)

Errors say where (``components[1].volume``), what was expected and what came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .findings import Finding


class MesoformulaError(Exception):
    """Base class of every error raised by mesoformula."""


class UnitError(MesoformulaError, ValueError):
    """A quantity cannot be accepted; ``code`` is the finding code (``unit.*``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)  # the arguments again: errors pickle
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class FileError(MesoformulaError, ValueError):
    """A file could not be loaded; ``findings`` lists every problem found in it."""

    def __init__(self, path: str, findings: Sequence[Finding]) -> None:
        super().__init__(path, tuple(findings))  # the arguments again: errors pickle
        self.path = path
        self.findings = tuple(findings)

    def __str__(self) -> str:
        first = self.findings[0].message if self.findings else "unreadable file"
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        return f"{self.path}: {first}{more}"


class CatalogError(MesoformulaError, LookupError):
    """An id that the catalog does not hold."""


class StockError(MesoformulaError):
    """Base class of the errors raised by the stock store."""


class StoreVersionError(StockError, RuntimeError):
    """The database was written by a newer version of mesoformula."""


class LedgerIntegrityError(StockError, RuntimeError):
    """The journal's hash chain or its balances do not agree."""


class EntryOrderError(StockError, ValueError):
    """A journal entry dated before an entry it depends on (SPEC §8.4)."""


class AlreadyImported(StockError):  # noqa: N818 - reads as what happened
    """A stock sheet whose content was imported before (the same SHA-256)."""


class InsufficientStock(StockError, ValueError):  # noqa: N818 - the domain's own name
    """A consumption would need more stock than is usable."""


class StoreUnavailable(StockError, ConnectionError):  # noqa: N818 - reads as a state
    """The store's database server cannot be reached, refused the login, or went away in
    the middle of a command: the transaction under way was not committed."""


class UnknownEntry(StockError, LookupError):  # noqa: N818 - reads as a noun like KeyError
    """A journal entry, lot or batch that the store does not hold."""


__all__ = [
    "AlreadyImported",
    "CatalogError",
    "EntryOrderError",
    "FileError",
    "InsufficientStock",
    "LedgerIntegrityError",
    "MesoformulaError",
    "StockError",
    "StoreUnavailable",
    "StoreVersionError",
    "UnitError",
    "UnknownEntry",
]
