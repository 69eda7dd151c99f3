"""
Loading catalogs: the shipped catalog, then each user folder or file, merged in order,
with the findings of every file (SPEC §2.3). Catalog folders are read whole by one rule
(:func:`discover`); the merged result is cached per user (:mod:`._cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from mesoformula.catalog import Catalog, CatalogFile
from mesoformula.findings import Finding
from mesoformula.rules.catalog import file_findings

from . import Document, read
from .discovery import discover


def shipped_catalog_dir() -> Path:
    """Return the folder of the shipped catalog (in the wheel, or the source tree)."""
    packaged = Path(__file__).parents[1] / "_catalog"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "catalog"


@attrs.frozen(kw_only=True)
class LoadedCatalog:
    """
    A merged catalog with the files it was built from and their findings.

    Attributes:
        catalog: The merged catalog.
        files: (path, file) in load order.
        findings: (path, finding) pairs: read problems, overrides, integrity.
    """

    catalog: Catalog
    files: tuple[tuple[str, CatalogFile], ...]
    findings: tuple[tuple[str, Finding], ...]


def load_catalog(
    extra: str | Path | Sequence[str | Path] = (),
    *,
    shipped: bool = True,
    cache: Path | None = None,
) -> LoadedCatalog:
    """
    Load the shipped catalog and then each folder (or file) of *extra*, in order: one
    path (``load_catalog("clinic-catalog/")``) or a sequence of them.

    A file that cannot be read contributes its findings and nothing else. Findings
    come back paired with the file they concern.

    Raises ``ValueError`` for an empty path (it would name the working folder).

    With *cache* (a directory private to the user; the command line passes
    ``~/.cache/mesoformula``) the merged result is kept there, keyed by the version and the
    modules of mesoformula and the path, size and modification time of every catalog
    file; any change rebuilds it.
    """
    if isinstance(extra, str | Path):  # one path, not the characters of one
        extra = [extra]
    if any(not str(item).strip() for item in extra):
        raise ValueError("load_catalog: an empty path names no catalog (it would read '.')")
    paths: list[Path] = []
    problems: list[tuple[str, Finding]] = []
    folders = [shipped_catalog_dir()] if shipped else []
    house_from = 0
    for n, item in enumerate([*folders, *map(Path, extra)]):
        if item.is_dir():
            found, unlisted = discover(item)
            paths.extend(found)
            problems.extend(unlisted)
        else:
            paths.append(item)
        if n == 0 and shipped:
            house_from = len(paths)
    if cache is not None:
        from . import _cache  # noqa: PLC0415 - only when caching

        loaded = _cache.cached(cache, paths, lambda: _load(paths, house_from))
    else:
        loaded = _load(paths, house_from)
    if problems:
        loaded = attrs.evolve(loaded, findings=(*problems, *loaded.findings))
    return loaded


def _load(paths: Sequence[Path], house_from: int) -> LoadedCatalog:
    files: list[tuple[str, CatalogFile]] = []
    documents: dict[str, Document] = {}
    findings: list[tuple[str, Finding]] = []
    for path in paths:
        document = read(path, expect="catalog")
        findings.extend((str(path), f) for f in document.findings)
        if isinstance(document.model, CatalogFile):
            files.append((str(path), document.model))
            documents[str(path)] = document
    shipped = sum(1 for p in paths[:house_from] if str(p) in documents)
    catalog, merge_findings = Catalog.from_files(files, house_from=shipped)
    findings.extend(merge_findings)
    for path_name, file in files:
        integrity = file_findings(file, catalog)
        findings.extend((path_name, f) for f in documents[path_name].locate(integrity))
    return LoadedCatalog(catalog=catalog, files=tuple(files), findings=tuple(findings))


__all__ = [
    "LoadedCatalog",
    "load_catalog",
    "shipped_catalog_dir",
]
