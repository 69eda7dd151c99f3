"""
The house keeps (issue 26): no module past 500 lines, every module of the package in
exactly one ring of the import-linter layers contract, and the core of the purity
contract is that ring.
Complexity is kept by ruff (C901, at most 12) and the rings by ``lint-imports``.
"""

from __future__ import annotations

import ast
import tomllib
from typing import Any

from .conftest import ROOT

PACKAGE = ROOT / "src" / "mesoformula"
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
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
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


#: What a JSON object built by hand looks like in the source: a literal, a comprehension,
#: or a ``{**a, **b}`` / ``a | b`` merge.
HAND_BUILT = (ast.Dict, ast.List, ast.DictComp, ast.ListComp, ast.SetComp, ast.GeneratorExp)


def _built_by_hand(node: ast.expr) -> bool:
    if isinstance(node, HAND_BUILT):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)


def test_no_json_object_is_built_by_hand_in_the_command_line() -> None:
    """
    Issue 26: every JSON document the command line prints is a result record written by
    the one wire converter (``files.wire``); ``write_json`` is never handed a literal, no
    ``*_json`` function of ``cli/`` (views included) returns one, no function there returns
    a dict it builds, and none is typed to return JSON data (``JSONObject``).
    """
    found = []
    for path in sorted((PACKAGE / "cli").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "write_json"
                and node.args
                and _built_by_hand(node.args[0])
            ):
                found.append(f"{where}:{node.lineno}: write_json of a literal")
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_json"):
                found += [
                    f"{where}:{inner.lineno}: {node.name} returns a literal"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Return)
                    and inner.value is not None
                    and _built_by_hand(inner.value)
                ]
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict | ast.DictComp):
                found.append(f"{where}:{node.lineno}: returns an object built by hand")
            if isinstance(node, ast.FunctionDef) and "JSON" in ast.unparse(node.returns or node):
                found.append(f"{where}:{node.lineno}: {node.name} returns JSON data")
    assert [] == found
