"""
Validation of files against the catalog: what ``mesoformula validate`` does.

Each file is read (every problem reported at once), then checked against the merged
catalog: references for formulations and stock sheets, allergy terms for patients,
integrity for catalog files. Checks that need a patient are not run here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from .catalog import Catalog, CatalogFile
from .files import read
from .files.catalogs import LoadedCatalog
from .files.discovery import expand
from .findings import Finding
from .formulation import Formulation
from .patient import Patient
from .rules.catalog import file_findings
from .rules.references import patient_term_findings, stock_reference_findings
from .stock.sheet import CountSheet, StockSheet


@attrs.frozen(kw_only=True)
class FileReport:
    """The findings of one file (SPEC §4.1 ``files[]``)."""

    path: str
    kind: str | None
    findings: tuple[Finding, ...]


#: Further checks on a readable formulation (compose and patient-independent checks
#: register here); each returns findings with locations into the file.
FormulationCheck = Callable[[Formulation, Catalog], list[Finding]]


def _patient_independent(formulation: Formulation, catalog: Catalog) -> list[Finding]:
    from .rules.checks import check  # noqa: PLC0415 - keeps `import mesoformula.validate` light

    return check(formulation, catalog)[1]


FORMULATION_CHECKS: list[FormulationCheck] = [_patient_independent]


def validate_file(path: str | Path, loaded: LoadedCatalog) -> FileReport:
    """Validate one file against *loaded*; never raises for bad content."""
    document = read(path)
    findings = list(document.findings)
    model = document.model
    catalog = loaded.catalog
    extra: list[Finding] = []
    if isinstance(model, Formulation):
        for check in FORMULATION_CHECKS:
            extra.extend(check(model, catalog))
    elif isinstance(model, Patient):
        extra.extend(patient_term_findings(model, catalog))
    elif isinstance(model, StockSheet | CountSheet):
        extra.extend(stock_reference_findings(model, catalog))
    elif isinstance(model, CatalogFile):
        extra.extend(_catalog_file_findings(Path(path), model, loaded))
    findings.extend(document.locate(extra))
    return FileReport(path=str(path), kind=document.kind, findings=tuple(findings))


def _catalog_file_findings(path: Path, file: CatalogFile, loaded: LoadedCatalog) -> list[Finding]:
    resolved = path.resolve()
    files = [(p, f) for p, f in loaded.files if Path(p).resolve() != resolved]
    files.append((str(path), file))
    catalog, merge = Catalog.from_files(files)
    return [f for p, f in merge if p == str(path)] + file_findings(file, catalog)


def validate_paths(paths: Sequence[str | Path], loaded: LoadedCatalog) -> list[FileReport]:
    """Validate every file *paths* name (see :func:`expand`)."""
    return [validate_file(path, loaded) for path in expand(paths)]


def catalog_reports(loaded: LoadedCatalog, *, include_info: bool = True) -> list[FileReport]:
    """Group the findings of loading the catalog by file, for reporting."""
    grouped: dict[str, list[Finding]] = {}
    for path, finding in loaded.findings:
        if include_info or finding.severity != "info":
            grouped.setdefault(path, []).append(finding)
    return [FileReport(path=p, kind="catalog", findings=tuple(f)) for p, f in grouped.items()]


__all__ = [
    "FORMULATION_CHECKS",
    "FileReport",
    "FormulationCheck",
    "catalog_reports",
    "validate_file",
    "validate_paths",
]
