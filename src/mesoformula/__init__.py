"""
mesoformula: compose, check and reconcile mesotherapy cocktails.

Typed models (attrs) with unit-safe quantities, a sourced catalog, and checks that
never guess: a number that cannot be checked is reported as not checked.
"""

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
from .exceptions import (
    CatalogError,
    CompositionError,
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

__all__ = [
    "AcceptedRisk",
    "Administration",
    "AllergenGroup",
    "Catalog",
    "CatalogError",
    "CatalogFile",
    "Component",
    "CompositionError",
    "CrossReactivity",
    "Document",
    "DoseLimit",
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
    "__version__",
    "dump",
    "dumps",
    "json_schema",
    "load",
    "load_catalog",
    "loads",
    "parse_quantity",
    "read",
    "validate_file",
    "validate_paths",
]
