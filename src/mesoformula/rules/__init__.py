"""
The rules: pure functions from a composed preparation (and a patient) to findings.

* :mod:`.checks` runs them all (:func:`check`, :func:`check_preparation`) and applies
  accepted risks;
* :mod:`.doses` dose limits, additive groups, actives without a limit;
* :mod:`.compat` incompatibilities, no-admixture, withdrawn ingredients;
* :mod:`.patient` allergies and pregnancy;
* :mod:`.references` ids a file names that the catalog does not hold;
* :mod:`.catalog` the integrity of a catalog file.

The names below are imported on first use (PEP 562), so that importing one rule module
does not import them all.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "accept_risks": "checks",
    "check": "checks",
    "check_preparation": "checks",
    "file_findings": "catalog",
    "patient_term_findings": "references",
    "reference_findings": "references",
    "stock_reference_findings": "references",
}

__all__ = [
    "accept_risks",
    "check",
    "check_preparation",
    "file_findings",
    "patient_term_findings",
    "reference_findings",
    "stock_reference_findings",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
