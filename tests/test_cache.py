"""Tests for the private per-user catalog cache."""

from __future__ import annotations

import io
import pickle
import time
from pathlib import Path

import pytest

from mesoformula.cli import main
from mesoformula.cli._common import cache_directory
from mesoformula.files import _cache
from mesoformula.files.catalogs import load_catalog

from .conftest import DATA


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MESOFORMULA_NO_CACHE", raising=False)
    folder = cache_directory()
    assert tmp_path / "cache" / "mesoformula" == folder
    return folder


class TestCache:
    """The cache gives the same catalog, follows file changes and trusts only private files."""

    def test_same_result(self, cache_home: Path) -> None:
        """A cached load equals a fresh one, and the cache file is private."""
        first = load_catalog(cache=cache_home)
        second = load_catalog(cache=cache_home)
        fresh = load_catalog()
        assert (first.catalog, first.findings) == (fresh.catalog, fresh.findings)
        assert second.catalog == fresh.catalog
        (entry,) = cache_home.glob("catalog-*.pickle")
        assert 0o700 == cache_home.stat().st_mode & 0o777
        assert not entry.stat().st_mode & 0o077

    def test_changed_file_rebuilds(self, cache_home: Path, tmp_path: Path) -> None:
        """Editing a catalog file changes the key: the new content is loaded."""
        folder = tmp_path / "clinic"
        folder.mkdir()
        (folder / "p.toml").write_text((DATA / "catalog-override" / "clinic.toml").read_text())
        before = load_catalog([folder], cache=cache_home)
        text = (folder / "p.toml").read_text().replace("local supplier", "other supplier")
        time.sleep(0.01)
        (folder / "p.toml").write_text(text)
        after = load_catalog([folder], cache=cache_home)
        assert before.catalog.products["sodium-chloride-0.9-10ml"].name.endswith("(local supplier)")
        assert after.catalog.products["sodium-chloride-0.9-10ml"].name.endswith("(other supplier)")

    def test_shared_directory_is_not_trusted(self, cache_home: Path) -> None:
        """A cache directory others can write to is never read."""
        load_catalog(cache=cache_home)
        cache_home.chmod(0o777)
        (entry,) = cache_home.glob("catalog-*.pickle")
        entry.write_bytes(pickle.dumps("planted by someone else"))
        assert load_catalog().catalog == load_catalog(cache=cache_home).catalog
        assert not _cache._private(cache_home)

    def test_corrupt_cache_is_rebuilt(self, cache_home: Path) -> None:
        """A corrupt cache file is ignored and replaced."""
        load_catalog(cache=cache_home)
        (entry,) = cache_home.glob("catalog-*.pickle")
        entry.write_bytes(b"\x80\x05garbage")
        assert load_catalog().catalog == load_catalog(cache=cache_home).catalog
        assert entry.read_bytes() != b"\x80\x05garbage"

    def test_disabled_by_environment(
        self, cache_home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """MESOFORMULA_NO_CACHE turns the cache off."""
        monkeypatch.setenv("MESOFORMULA_NO_CACHE", "1")
        assert cache_directory() is None
        assert 0 == main(["catalog", "list"], out=io.StringIO())
        assert not cache_home.exists()

    def test_runs_with_and_without_a_clinic_catalog_keep_their_entries(
        self, cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two catalogs in turn do not evict each other; the oldest beyond KEEP goes."""
        folder = tmp_path / "clinic"
        folder.mkdir()
        (folder / "p.toml").write_text((DATA / "catalog-override" / "clinic.toml").read_text())
        load_catalog(cache=cache_home)
        (shipped,) = cache_home.glob("catalog-*.pickle")
        load_catalog([folder], cache=cache_home)
        entries = sorted(cache_home.glob("catalog-*.pickle"))
        assert 2 == len(entries)
        load_catalog(cache=cache_home)
        load_catalog([folder], cache=cache_home)
        assert entries == sorted(cache_home.glob("catalog-*.pickle"))  # both hits
        monkeypatch.setattr(_cache, "KEEP", 2)
        third = tmp_path / "third"
        third.mkdir()
        (third / "p.toml").write_text((folder / "p.toml").read_text())
        time.sleep(0.01)
        load_catalog([folder], cache=cache_home)  # the clinic's is the most recent
        load_catalog([third], cache=cache_home)
        left = set(cache_home.glob("catalog-*.pickle"))
        assert 2 == len(left)
        assert shipped not in left  # the least recently used went
        assert set(entries) - {shipped} <= left
