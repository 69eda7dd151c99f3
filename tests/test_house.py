"""
The house keeps (issue 26): no module past 500 lines (units.py, the unit registry's
home, may reach 550), every module of the package in exactly one ring of the
import-linter layers contract, and the core of the purity contract is that ring.
Complexity is kept by ruff (C901, at most 12) and the rings by ``lint-imports``.
"""

from __future__ import annotations

import tomllib
from typing import Any

from .conftest import ROOT

PACKAGE = ROOT / "src" / "mesoformula"
#: Modules allowed past the usual limit, and how far.
LIMITS = {"units.py": 550}
LIMIT = 500


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return found


def rings() -> list[list[str]]:
    """The layers of the rings contract, each a list of top-level module names."""
    (layers,) = [c for c in contracts() if c["type"] == "layers"]
    return [[name.strip() for name in layer.split(":")] for layer in layers["layers"]]


def test_no_module_is_past_its_size() -> None:
    over = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines()))
        > LIMITS.get(path.name if path.parent == PACKAGE else "", LIMIT)
    }
    assert {} == over


def test_every_module_is_in_exactly_one_ring() -> None:
    children = sorted(
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").is_file()
    )
    placed = [name for ring in rings() for name in ring]
    assert sorted(placed) == children
    assert len(placed) == len(set(placed))


def test_the_pure_core_is_the_inner_ring() -> None:
    (purity,) = [c for c in contracts() if c["name"].startswith("The core is pure")]
    core = sorted(name.removeprefix("mesoformula.") for name in purity["source_modules"])
    assert sorted(rings()[-1]) == core
