"""
The configuration file (SPEC §9.7): ``mesoformula.toml`` in the working folder or a
parent, or a ``[tool.mesoformula]`` table in a ``pyproject.toml`` there, may set the
catalogs, the store, the site, the clinic's time zone and the pharmacy printed on
labels. The command line and the environment win over it (``mesoformula config`` says
where each value in force comes from).

```toml
catalogs = ["clinic-catalog/"]      # relative to this file's folder
db = "stock/clinic.db"              # a path (relative to this file) or postgresql://...
site = "north"
timezone = "Europe/Paris"

[pharmacy]
name = "Pharmacie du Parc"
address = "12 rue du Parc, 69006 Lyon"
telephone = "+33 4 78 00 00 00"
```
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Final

import attrs

#: The file names looked for, in each folder from the working folder up.
NAMES: Final = ("mesoformula.toml", "pyproject.toml")

#: The keys a configuration may set, with what each is.
KEYS: Final = {
    "catalogs": "catalog folders or files merged over the shipped catalog, in order",
    "db": "the stock store: a SQLite file or a postgresql:// URL",
    "site": "the site a command works at",
    "timezone": "the clinic's time zone (an IANA name), for times shown to people",
    "pharmacy": "the pharmacy printed on labels: name, address, telephone",
}

#: The keys of ``[pharmacy]``.
PHARMACY_KEYS: Final = ("name", "address", "telephone")


class ConfigError(ValueError):
    """A configuration file that cannot be used: the message names the file and the key."""


@attrs.frozen(kw_only=True)
class Config:
    """What a configuration file sets (``None``: not set there); *path* is the file."""

    path: Path
    catalogs: tuple[str, ...] | None = None
    db: str | None = None
    site: str | None = None
    timezone: str | None = None
    pharmacy: tuple[tuple[str, str], ...] = ()


def find_config(start: Path) -> Path | None:
    """The configuration in force from folder *start*: the first ``mesoformula.toml``, or
    ``pyproject.toml`` with a ``[tool.mesoformula]`` table, from *start* up; else None."""
    for folder in (start, *start.parents):
        own = folder / NAMES[0]
        if own.is_file():
            return own
        project = folder / NAMES[1]
        if project.is_file() and _has_table(project):
            return project
    return None


def _has_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # another tool's file we cannot read is not ours to judge
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("mesoformula"), dict)


def read_config(path: Path) -> Config:
    """
    The configuration in *path*; relative catalog and store paths are resolved against
    the file's folder.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or sets an unknown key or a
            value of the wrong type (the message names the file and the key).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    table = data.get("tool", {}).get("mesoformula", {}) if path.name == NAMES[1] else data
    where = f"{path} [tool.mesoformula]" if path.name == NAMES[1] else str(path)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(KEYS)})"
        )
    folder = path.parent
    catalogs = table.get("catalogs")
    if catalogs is not None:
        if not isinstance(catalogs, list) or not all(_text(c) for c in catalogs):
            raise ConfigError(f"{where}: 'catalogs' is a list of folder or file paths")
        catalogs = tuple(os.path.normpath(folder / c) for c in catalogs)
    return Config(
        path=path,
        catalogs=catalogs,
        db=_store(table.get("db"), folder, where),
        site=_one(table, "site", where),
        timezone=_one(table, "timezone", where),
        pharmacy=_pharmacy(table.get("pharmacy"), where),
    )


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value


def _one(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not _text(value):
        raise ConfigError(f"{where}: '{key}' is one line of text (got {value!r})")
    return value


def _store(value: object, folder: Path, where: str) -> str | None:
    if value is None:
        return None
    if not _text(value):
        raise ConfigError(f"{where}: 'db' is a file path or a postgresql:// URL (got {value!r})")
    text = str(value)
    return text if "://" in text else os.path.normpath(folder / text)


def _pharmacy(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'pharmacy' is a table of {', '.join(PHARMACY_KEYS)}")
    unknown = sorted(set(value) - set(PHARMACY_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} in [pharmacy] "
            f"(known: {', '.join(PHARMACY_KEYS)})"
        )
    for key, text in value.items():
        if not _text(text):
            raise ConfigError(f"{where}: pharmacy.{key} is one line of text (got {text!r})")
    return tuple((key, str(value[key])) for key in PHARMACY_KEYS if key in value)


__all__ = ["KEYS", "NAMES", "Config", "ConfigError", "find_config", "read_config"]
