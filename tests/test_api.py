"""The public API, checked mechanically (after trio's test_exports)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

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
