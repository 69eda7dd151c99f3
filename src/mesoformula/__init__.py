"""
mesoformula: compose, check and reconcile mesotherapy cocktails.

Typed models (attrs) with unit-safe quantities, a sourced catalog, and checks that
never guess: a number that cannot be checked is reported as not checked.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .catalog import (
    AllergenGroup,
    Catalog,
    CatalogFile,
    CrossReactivity,
    DoseLimit,
    Incompatibility,
    Ingredient,
    LoadedCatalog,
    PolicyLimit,
    Product,
    load_catalog,
)
from .checks import check
from .compose import Content, Draw, Worksheet, compose
from .exceptions import (
    CatalogError,
    FileError,
    MesoformulaError,
    UnitError,
)
from .files import Document, dump, dumps, load, loads, read
from .findings import Finding
from .formulation import AcceptedRisk, Administration, Component, Formulation, Preparation
from .patient import Patient
from .schema import json_schema
from .stock.sheet import Lot, OpenedContainer, StockSheet
from .units import Quantity, parse_quantity
from .validate import FileReport, validate_file, validate_paths

if TYPE_CHECKING:
    from .bud import Bud, assign_bud
    from .records import batch_record, consume_batch, master_record

# Loaded on first use: records need the SQLite store, which `validate` never does.
_LAZY = {
    "Bud": "bud",
    "assign_bud": "bud",
    "batch_record": "records",
    "consume_batch": "records",
    "master_record": "records",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mesoformula' has no attribute {name!r}")
    import importlib  # noqa: PLC0415 - only for the lazy names

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "AcceptedRisk",
    "Administration",
    "AllergenGroup",
    "Bud",
    "Catalog",
    "CatalogError",
    "CatalogFile",
    "Component",
    "Content",
    "CrossReactivity",
    "Document",
    "DoseLimit",
    "Draw",
    "FileError",
    "FileReport",
    "Finding",
    "Formulation",
    "Incompatibility",
    "Ingredient",
    "LoadedCatalog",
    "Lot",
    "MesoformulaError",
    "OpenedContainer",
    "Patient",
    "PolicyLimit",
    "Preparation",
    "Product",
    "Quantity",
    "StockSheet",
    "UnitError",
    "Worksheet",
    "__version__",
    "assign_bud",
    "batch_record",
    "check",
    "compose",
    "consume_batch",
    "dump",
    "dumps",
    "json_schema",
    "load",
    "load_catalog",
    "loads",
    "master_record",
    "parse_quantity",
    "read",
    "validate_file",
    "validate_paths",
]
