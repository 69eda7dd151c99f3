"""Shared fixtures: paths to the shipped examples and test data, the loaded catalog."""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, settings

from mesoformula.files.catalogs import LoadedCatalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
CATALOG = ROOT / "catalog"

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")

#: The clock every test runs at unless it says otherwise (``@pytest.mark.clock``): the
#: morning of the examples' compounding day. Tests never read today's date, so the
#: suite passes on any date (CI also runs it with the real clock moved years ahead).
CLOCK = "2026-12-01T08:00:00+00:00"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``clock`` marker."""
    config.addinivalue_line(
        "markers", "clock(instant): the instant the test's clock starts at (ISO 8601)"
    )


@pytest.fixture(autouse=True)
def fixed_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """
    Every test runs on a fixed clock that ticks from :data:`CLOCK` (or the instant of its
    ``clock`` marker): what the library calls "now" never depends on the day it runs.
    """
    marker = request.node.get_closest_marker("clock")
    instant = marker.args[0] if marker is not None else CLOCK
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture
def in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository's root, outside GitHub Actions (no ``GITHUB_WORKSPACE``):
    the CI formats name files relative to the working folder."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def loaded() -> LoadedCatalog:
    """The shipped catalog, loaded once."""
    return load_catalog()


# --------------------------------------------------------------------------- engines

#: The engines every stock test runs against.
ENGINES = ("sqlite", "postgresql")


def _throwaway() -> Any:
    sys.path.insert(0, str(ROOT / "tools"))
    import throwaway_postgres

    return throwaway_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Path]:
    """
    A throwaway PostgreSQL server: the one ``.ci/run`` started (its folder in
    ``MESOFORMULA_TEST_POSTGRES``), or one started here from the machine's binaries and
    stopped at the end. Skipped only where no binaries exist, and never under ``CI=true``.
    """
    given = os.environ.get("MESOFORMULA_TEST_POSTGRES")
    if given:
        yield Path(given)
        return
    with started_server("mesoformula-pg-") as folder:
        yield folder


@contextlib.contextmanager
def started_server(prefix: str) -> Iterator[Path]:
    """Start a throwaway server in a new folder; stop it and remove the folder after."""
    tool = _throwaway()
    if tool.bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and no PostgreSQL server binaries: CI must provide them")
        pytest.skip("no PostgreSQL server binaries on this machine (pg_config --bindir)")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    tool.start(folder)
    try:
        yield folder
    finally:
        tool.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


_DATABASES = itertools.count(1)


def fresh_database(server: Path) -> str:
    """A new, empty database on *server*, owned by the test role; its URL."""
    import psycopg

    tool = _throwaway()
    # A process id recurs across runs on one server: the random part keeps names apart.
    name = f"t{os.getpid()}_{next(_DATABASES)}_{secrets.token_hex(4)}"
    with psycopg.connect(tool.url(server), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return str(tool.url(server, name))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of the store under test."""
    return str(request.param)


@pytest.fixture
def location(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a new, empty store lives: a SQLite file, or a fresh PostgreSQL database."""
    if engine == "sqlite":
        return str(tmp_path / "stock.db")
    return fresh_database(request.getfixturevalue("postgres_server"))


def integrity_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a refused UPDATE or DELETE raises, on either engine."""
    import sqlite3

    import psycopg

    return (sqlite3.IntegrityError, psycopg.errors.IntegrityError)


def drop_trigger(store: Any, name: str) -> None:
    """Drop an append-only trigger behind the library's back (a tamper test's attacker)."""
    table = name.rsplit("_no_", 1)[0]
    suffix = "" if store.engine == "sqlite" else f" ON {table}"
    store.ledger.db.execute(f"DROP TRIGGER {name}{suffix}")


def drop_append_only(store: Any, table: str) -> None:
    """Drop every append-only trigger of *table* (update, delete and, on PostgreSQL, truncate)."""
    for what in ("update", "delete", "truncate"):
        name = f"{table}_no_{what}"
        if name in store.ledger.db.triggers():
            drop_trigger(store, name)


def store_locations(engine: str, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A maker of new, empty store locations on *engine* (one per state-machine example)."""
    if engine == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="mesoformula-stock-"))
        request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        numbers = itertools.count(1)
        return lambda: str(folder / f"s{next(numbers)}.db")
    server = request.getfixturevalue("postgres_server")
    return lambda: fresh_database(server)


def run_machine(
    machine: type[Any], engine: str, request: pytest.FixtureRequest, examples: int, steps: int
) -> None:
    """Run a stock state machine on *engine*, each example on a new store."""
    from hypothesis import settings
    from hypothesis.stateful import run_state_machine_as_test

    on_engine = type(
        f"{machine.__name__}On{engine.title()}",
        (machine,),
        {"new_location": staticmethod(store_locations(engine, request))},
    )
    run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
        on_engine,
        settings=settings(max_examples=examples, stateful_step_count=steps, deadline=None),
    )
