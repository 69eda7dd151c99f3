"""
The use case of ``stock import``: a stock sheet read and checked against the catalog,
its bytes hashed (the same delivery is not received twice), then all its lots received
in one transaction. The command line parses, calls these, and renders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from mesoformula.catalog import Catalog
from mesoformula.findings import Finding
from mesoformula.sheets import StockSheet
from mesoformula.validate import FileReport


@attrs.frozen(kw_only=True)
class StockSheetRead:
    """
    A stock sheet read for import: the sheet (``None`` when it could not be read), its
    findings with its references checked against the catalog, and the SHA-256 of its
    bytes.
    """

    path: str
    kind: str | None
    sheet: StockSheet | None
    findings: tuple[Finding, ...]
    content: str

    @property
    def report(self) -> FileReport:
        """The sheet's findings, as ``validate`` reports a file."""
        return FileReport(path=self.path, kind=self.kind, findings=self.findings)

    @property
    def importable(self) -> bool:
        """The sheet was read and has no error finding."""
        return self.sheet is not None and not any(f.severity == "error" for f in self.findings)

    @property
    def sites(self) -> set[str | None]:
        """The sites its lots name (``None`` for a lot that names none)."""
        return {lot.site for lot in self.sheet.lots} if self.sheet is not None else set()


def read_stock_sheet(path: str, catalog: Catalog) -> StockSheetRead:
    """Read the stock sheet at *path* and check its references against *catalog*."""
    from mesoformula.files import read  # noqa: PLC0415
    from mesoformula.rules.references import stock_reference_findings  # noqa: PLC0415

    document = read(path, expect="stock")
    findings = list(document.findings)
    sheet = document.model if isinstance(document.model, StockSheet) else None
    if sheet is not None:
        findings += stock_reference_findings(sheet, catalog)
    return StockSheetRead(
        path=path,
        kind=document.kind,
        sheet=sheet,
        findings=tuple(findings),
        content=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
    )


def import_stock_sheet(
    stock: Any,
    read: StockSheetRead,
    catalog: Catalog,
    *,
    at: dt.datetime,
    actor: str,
    again: bool = False,
    progress: Callable[[int, int], None] | None = None,
    site: str = "main",
) -> list[int]:
    """
    Receive every lot of an importable sheet (:attr:`StockSheetRead.importable`) into
    *stock* in one transaction; return the journal entries.

    Raises:
        ValueError: the sheet is not importable.
        AlreadyImported: its content was imported before (without *again*).
        StockError: a product not in the catalog, or a lot whose expiry differs.
    """
    if read.sheet is None or not read.importable:
        raise ValueError(f"{read.path}: the sheet has error findings; nothing to import")
    entries: list[int] = stock.import_sheet(
        read.sheet,
        catalog,
        at=at,
        actor=actor,
        correlation=f"import {read.path}",
        content=read.content,
        name=Path(read.path).name,
        again=again,
        progress=progress,
        site=site,
    )
    return entries


__all__ = ["StockSheetRead", "import_stock_sheet", "read_stock_sheet"]
