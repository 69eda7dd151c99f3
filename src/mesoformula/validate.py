"""
Validation of files against the catalog: what ``mesoformula validate`` does.

Each file is read (every problem reported at once), then checked against the merged
catalog: references for formulations and stock sheets, allergy terms for patients,
integrity for catalog files. Checks that need a patient are not run here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .catalog import Catalog, CatalogFile
from .files import belongs, read
from .files.catalogs import LoadedCatalog, shipped_catalog_dir
from .files.discovery import expand
from .findings import Finding
from .formulation import Formulation
from .patient import Patient
from .rules.catalog import file_findings
from .rules.checks import check
from .rules.references import patient_term_findings, stock_reference_findings
from .sheets import CountSheet, StockSheet

if TYPE_CHECKING:
    from .course import Administration
    from .events import PriorReaction


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


def validate_file(
    path: str | Path, loaded: LoadedCatalog, *, skip_foreign: bool = False
) -> FileReport:
    """
    Validate one file against *loaded*; never raises for bad content. With
    *skip_foreign*, a file that is not a mesoformula file (see :func:`belongs`) is not
    validated: its report is one ``file.skipped`` info, so it is counted, not hidden.
    """
    if skip_foreign and not belongs(path):
        skipped = Finding(
            code="file.skipped",
            severity="info",
            message='not a mesoformula file (no top-level format = "mesoformula.…"): not validated',
        )
        return FileReport(path=str(path), kind=None, findings=(skipped,))
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
    shipped = shipped_catalog_dir().resolve()
    house = None if shipped in resolved.parents else len(files) - 1
    catalog, merge = Catalog.from_files(files, house_from=house)
    return [f for p, f in merge if p == str(path)] + file_findings(file, catalog)


#: Files a worker process is worth starting for: below this, one process is faster.
FILES_PER_JOB = 100

_worker_catalog: LoadedCatalog | None = None


def _validate_chunk(work: tuple[Sequence[str], bool]) -> list[FileReport]:
    """A worker's share: (paths, skip_foreign); the catalog came with the fork."""
    assert _worker_catalog is not None
    paths, skip_foreign = work
    return [validate_file(path, _worker_catalog, skip_foreign=skip_foreign) for path in paths]


def default_jobs() -> int:
    """Worker processes for many files: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def validate_paths(
    paths: Sequence[str | Path],
    loaded: LoadedCatalog,
    *,
    jobs: int = 1,
    skip_foreign: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileReport]:
    """
    Validate every file *paths* name (see :func:`expand`), in their order.

    With *jobs* > 1 and at least :data:`FILES_PER_JOB` files a job, the files are shared
    among that many worker processes (forked, so each has the loaded catalog without
    reading it again); the reports are the same, in the same order. Where processes
    cannot be forked, one process validates them all. *skip_foreign*: see
    :func:`validate_file`. *progress* is called with (files just done, all files).
    """
    files = [str(path) for path in expand(paths)]
    workers = min(jobs, len(files) // FILES_PER_JOB)
    if workers >= 2:
        import multiprocessing  # noqa: PLC0415 - only for many files
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        reports = []
        for path in files:
            reports.append(validate_file(path, loaded, skip_foreign=skip_foreign))
            if progress is not None:
                progress(1, len(files))
        return reports
    global _worker_catalog  # noqa: PLW0603 - handed to the forked workers
    _worker_catalog = loaded
    # Chunks of at most 50 files, in order: the work spreads evenly and progress moves.
    size = min(50, -(-len(files) // workers))
    chunks = [files[n : n + size] for n in range(0, len(files), size)]
    reports = []
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_validate_chunk, [(chunk, skip_foreign) for chunk in chunks]):
                reports.extend(part)
                if progress is not None:
                    progress(len(part), len(files))
        return reports
    finally:
        _worker_catalog = None


def catalog_reports(loaded: LoadedCatalog, *, include_info: bool = True) -> list[FileReport]:
    """Group the findings of loading the catalog by file, for reporting."""
    grouped: dict[str, list[Finding]] = {}
    for path, finding in loaded.findings:
        if include_info or finding.severity != "info":
            grouped.setdefault(path, []).append(finding)
    return [FileReport(path=p, kind="catalog", findings=tuple(f)) for p, f in grouped.items()]


def check_files(
    formulation_path: str,
    patient_path: str,
    loaded: LoadedCatalog,
    *,
    course_of: Callable[[str], Sequence[Administration]] | None = None,
    at: dt.datetime | None = None,
    reactions_of: Callable[[str], Sequence[PriorReaction]] | None = None,
) -> list[FileReport]:
    """
    ``mesoformula check``: a formulation against a patient (SPEC §8.1, §9.1). Returns
    the catalogs' problems that are not mere info first, then the formulation's report
    (every check, the patient's included) and the patient file's report (its own
    problems and unknown terms). *course_of* gives a patient's recorded course (by
    id) so that the planned course is checked on top of it from *at*; *reactions_of*
    their recorded allergic reactions (``patient.prior-reaction``). A patient file
    that cannot be read leaves the patient checks not run, said as an error.
    """
    patient_doc = read(patient_path, expect="patient")
    formulation_doc = read(formulation_path, expect="formulation")
    patient = patient_doc.model if isinstance(patient_doc.model, Patient) else None
    patient_findings = list(patient_doc.findings)
    if patient is not None:
        patient_findings += patient_doc.locate(patient_term_findings(patient, loaded.catalog))
    formulation_findings = list(formulation_doc.findings)
    if isinstance(formulation_doc.model, Formulation):
        if patient is None:
            formulation_findings.append(
                Finding(
                    code="file.schema",
                    severity="error",
                    message="the patient file cannot be read, so the patient-specific checks "
                    "were not run",
                )
            )
        course = None if patient is None or course_of is None else course_of(patient.id)
        reactions = () if patient is None or reactions_of is None else reactions_of(patient.id)
        _, found = check(
            formulation_doc.model, loaded.catalog, patient, course=course, at=at,
            reactions=reactions,
        )  # fmt: skip
        formulation_findings += formulation_doc.locate(found)
    return [
        *catalog_reports(loaded, include_info=False),
        FileReport(
            path=formulation_path, kind=formulation_doc.kind, findings=tuple(formulation_findings)
        ),
        FileReport(path=patient_path, kind=patient_doc.kind, findings=tuple(patient_findings)),
    ]


__all__ = [
    "FILES_PER_JOB",
    "FORMULATION_CHECKS",
    "FileReport",
    "FormulationCheck",
    "catalog_reports",
    "check_files",
    "default_jobs",
    "validate_file",
    "validate_paths",
]
