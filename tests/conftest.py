"""Shared fixtures: paths to the shipped examples and test data, the loaded catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from mesoformula.files.catalogs import LoadedCatalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
CATALOG = ROOT / "catalog"

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture(scope="session")
def loaded() -> LoadedCatalog:
    """The shipped catalog, loaded once."""
    return load_catalog()
