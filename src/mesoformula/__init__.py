"""
mesoformula: compose, check and reconcile mesotherapy cocktails.

Typed models (attrs) with unit-safe quantities, a sourced catalog, and checks that
never guess: a number that cannot be checked is reported as not checked.

The names below are the public API; each is imported on first use (PEP 562), so
``import mesoformula`` costs almost nothing and ``validate`` never loads the SQLite store.
The house: a pure core (:mod:`.units`, :mod:`.findings`, the models, :mod:`.composition`,
:mod:`.rules`, :mod:`.bud`, :mod:`.allocation`), an edge that reads and writes
(:mod:`.files`, :mod:`.stock`), and the command line (:mod:`.cli`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .administer import AdministerResult, course_summary
    from .administer import administer as administer_dose
    from .allocation import Need, Plan
    from .bud import Bud, assign_bud
    from .catalog import Catalog, Ingredient, Product
    from .composition import compose
    from .compounding import batch_record, consume_batch, master_record, plan_batch
    from .course import CourseSummary
    from .exceptions import (
        CatalogError,
        FileError,
        InsufficientStock,
        MesoformulaError,
        StockError,
        UnitError,
        UnknownEntry,
    )
    from .fhir import medication_of
    from .files import dumps, load, read
    from .files.catalogs import LoadedCatalog, load_catalog
    from .files.schema import json_schema
    from .findings import Finding
    from .formulation import AcceptedRisk, Administration, Component, Formulation, Preparation
    from .patient import Patient
    from .rules.checks import check
    from .stock.store import Stock
    from .units import Quantity, parse_quantity
    from .validate import FileReport, validate_file, validate_paths
    from .worksheet import Worksheet

_WHERE = {
    "AcceptedRisk": "formulation",
    "AdministerResult": "administer",
    "CourseSummary": "course",
    "InsufficientStock": "exceptions",
    "Need": "allocation",
    "Plan": "allocation",
    "Stock": "stock.store",
    "StockError": "exceptions",
    "UnknownEntry": "exceptions",
    "administer_dose": "administer",
    "course_summary": "administer",
    "medication_of": "fhir",
    "plan_batch": "compounding",
    "Administration": "formulation",
    "Bud": "bud",
    "Catalog": "catalog",
    "CatalogError": "exceptions",
    "Component": "formulation",
    "FileError": "exceptions",
    "FileReport": "validate",
    "Finding": "findings",
    "Formulation": "formulation",
    "Ingredient": "catalog",
    "LoadedCatalog": "files.catalogs",
    "MesoformulaError": "exceptions",
    "Patient": "patient",
    "Preparation": "formulation",
    "Product": "catalog",
    "Quantity": "units",
    "UnitError": "exceptions",
    "Worksheet": "worksheet",
    "assign_bud": "bud",
    "batch_record": "compounding",
    "check": "rules.checks",
    "compose": "composition",
    "consume_batch": "compounding",
    "dumps": "files",
    "json_schema": "files.schema",
    "load": "files",
    "load_catalog": "files.catalogs",
    "master_record": "compounding",
    "parse_quantity": "units",
    "read": "files",
    "validate_file": "validate",
    "validate_paths": "validate",
}


#: Public names that differ from their name in their module: a function may not share
#: the name of a submodule (``import mesoformula.administer`` rebinds the package's name).
_ALIASES = {"administer_dose": "administer"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mesoformula' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), _ALIASES.get(name, name))
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "AcceptedRisk",
    "AdministerResult",
    "Administration",
    "Bud",
    "Catalog",
    "CatalogError",
    "Component",
    "CourseSummary",
    "FileError",
    "FileReport",
    "Finding",
    "Formulation",
    "Ingredient",
    "InsufficientStock",
    "LoadedCatalog",
    "MesoformulaError",
    "Need",
    "Patient",
    "Plan",
    "Preparation",
    "Product",
    "Quantity",
    "Stock",
    "StockError",
    "UnitError",
    "UnknownEntry",
    "Worksheet",
    "__version__",
    "administer_dose",
    "assign_bud",
    "batch_record",
    "check",
    "compose",
    "consume_batch",
    "course_summary",
    "dumps",
    "json_schema",
    "load",
    "load_catalog",
    "master_record",
    "medication_of",
    "parse_quantity",
    "plan_batch",
    "read",
    "validate_file",
    "validate_paths",
]
