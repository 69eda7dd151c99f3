"""The public API, checked mechanically (after trio's test_exports)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import mesoformula
import mesoformula.stock


def public_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(mesoformula.__path__, "mesoformula.")
        if not info.name.rsplit(".", 1)[-1].startswith("_") or info.name.endswith("__main__")
    )


class TestExports:
    """What `import mesoformula` offers is sorted, importable and documented."""

    def test_all_is_sorted(self) -> None:
        """__all__ of the package and of mesoformula.stock are sorted."""
        assert sorted(mesoformula.__all__) == mesoformula.__all__
        assert sorted(mesoformula.stock.__all__) == mesoformula.stock.__all__

    def test_every_name_resolves_and_is_documented(self) -> None:
        """Every exported name exists and has a docstring (classes and functions)."""
        for package in (mesoformula, mesoformula.stock):
            for name in package.__all__:
                value = getattr(package, name)
                if inspect.isclass(value) or inspect.isfunction(value):
                    assert inspect.getdoc(value), f"{package.__name__}.{name} has no docstring"

    def test_every_module_has_a_docstring(self) -> None:
        """Every module says what it is for."""
        for name in public_modules():
            if name.endswith("__main__"):
                continue
            module = importlib.import_module(name)
            assert module.__doc__, f"{name} has no module docstring"

    def test_public_functions_are_documented(self) -> None:
        """Every public function and class of every public module has a docstring."""
        missing = []
        for name in public_modules():
            if name.endswith("__main__"):
                continue
            module = importlib.import_module(name)
            for attribute, value in vars(module).items():
                if attribute.startswith("_") or getattr(value, "__module__", None) != name:
                    continue
                if (inspect.isclass(value) or inspect.isfunction(value)) and not inspect.getdoc(
                    value
                ):
                    missing.append(f"{name}.{attribute}")
        assert [] == missing

    def test_version(self) -> None:
        """The version is a string like 0.1.0."""
        assert mesoformula.__version__.count(".") == 2


def test_api_reference_names_every_export() -> None:
    """docs/reference/python-api.md mentions every name of mesoformula.__all__."""
    from pathlib import Path

    page = (
        Path(__file__).resolve().parents[1] / "docs" / "reference" / "python-api.md"
    ).read_text()
    missing = [
        name for name in mesoformula.__all__ if name != "__version__" and f"`{name}" not in page
    ]
    assert [] == missing


def test_errors_pickle() -> None:
    """Errors cross process boundaries (multiprocessing, task queues) intact."""
    import pickle

    from mesoformula.exceptions import FileError, UnitError
    from mesoformula.findings import Finding

    unit = pickle.loads(pickle.dumps(UnitError("unit.invalid", "bad")))
    assert ("unit.invalid", "bad") == (unit.code, str(unit))
    finding = Finding(code="file.io", severity="error", message="cannot read")
    error = pickle.loads(pickle.dumps(FileError("x.toml", [finding])))
    assert ("x.toml", (finding,), "x.toml: cannot read") == (error.path, error.findings, str(error))


def test_schema_properties_carry_no_attrs_docstring() -> None:
    """The generated JSON Schema does not describe every property with attrs' own
    Attribute docstring."""
    import json

    from mesoformula.files.schema import json_schema

    assert "Read-only representation of an attribute" not in json.dumps(json_schema("catalog"))


def test_no_import_cycle() -> None:
    """No module of mesoformula imports, through any chain, a module that imports it
    (type-checking imports aside): data flows one way."""
    grimp = pytest.importorskip("grimp")  # comes with import-linter, in the test extra

    graph = grimp.build_graph("mesoformula", exclude_type_checking_imports=True)
    cycles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    ]
    assert [] == cycles


def test_the_api_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``pycon`` example of docs/reference/python-api.md runs and prints what the
    page says (doctest), from the repository's folder."""
    import doctest
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "reference" / "python-api.md").read_text(encoding="utf-8")
    examples = "\n".join(re.findall(r"```pycon\n(.*?)```", page, re.DOTALL))
    assert examples.count(">>>") >= 20
    monkeypatch.chdir(root)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(examples, {}, "python-api.md", str(root), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert (0, test.examples.__len__()) == (runner.failures, runner.tries)


def test_load_catalog_takes_one_path_or_several(tmp_path: Any) -> None:
    """A string is one path, not a sequence of one-character paths (it walked '/' before)."""
    from mesoformula.files.catalogs import load_catalog

    folder = "examples/protocols"
    root = Path(__file__).resolve().parents[1]
    one = load_catalog(str(root / folder))
    several = load_catalog([root / folder])
    with pytest.raises(ValueError, match="an empty path names no catalog"):
        load_catalog("")
    assert (
        ("lipolysis-network",) == one.catalog.policy.protocols == several.catalog.policy.protocols
    )


def test_a_component_with_two_quantities_is_refused() -> None:
    """In Python as in a file: exactly one of volume, amount or concentration."""
    from mesoformula.units import Quantity

    with pytest.raises(ValueError, match="give exactly one of volume, amount or concentration"):
        mesoformula.Component(product="p", volume=Quantity(1.0, "mL"), amount=Quantity(2.0, "mg"))
    with pytest.raises(ValueError, match=r"\(got none\)"):
        mesoformula.Component(product="p")
