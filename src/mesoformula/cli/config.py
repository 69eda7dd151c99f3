"""
The configuration in force (SPEC §9.7): ``mesoformula.toml`` (or ``[tool.mesoformula]``
in ``pyproject.toml``) in the working folder or a parent fills what the command line and
the environment leave unset; ``mesoformula config`` prints each value and where it comes
from.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._common import EXIT_OK, UsageError, write_json

if TYPE_CHECKING:
    from mesoformula.config import Config
    from mesoformula.results import Setting

#: Where a value comes from when nothing sets it.
DEFAULT = "default"


def config_of(folder: Path | None = None) -> Config | None:
    """
    The configuration in force from *folder* (the working folder by default), or None;
    ``MESOFORMULA_NO_CONFIG`` set means none is read.

    Raises:
        UsageError: the file cannot be used (its message names the file and the key).
    """
    if os.environ.get("MESOFORMULA_NO_CONFIG"):
        return None
    from mesoformula.config import ConfigError, find_config, read_config  # noqa: PLC0415

    path = find_config(folder or Path.cwd())
    if path is None:
        return None
    try:
        return read_config(path)
    except ConfigError as error:
        raise UsageError(f"configuration: {error}") from None


def apply_config(args: argparse.Namespace, config: Config | None) -> None:
    """Fill what the command line and the environment leave unset from *config*."""
    args.config = config
    args.given = {
        key: getattr(args, key, None) or None
        for key in (
            "catalog",
            "db",
            "site",
            "pharmacy_name",
            "pharmacy_address",
            "pharmacy_telephone",
        )
    }
    if config is None:
        return
    if not args.catalog and config.catalogs:
        args.catalog = list(config.catalogs)
    for key, variable in (("db", "MESOFORMULA_DB"), ("site", "MESOFORMULA_SITE")):
        value = getattr(config, key)
        unset = hasattr(args, key) and getattr(args, key) is None
        if unset and value is not None and not os.environ.get(variable):
            setattr(args, key, value)
    for key, value in config.pharmacy:
        option = f"pharmacy_{key}"
        if hasattr(args, option) and getattr(args, option) is None:
            setattr(args, option, value)


def settings(args: argparse.Namespace, config: Config | None) -> list[Setting]:
    """Every setting in force, with its value and where it comes from."""
    from mesoformula.results import Setting  # noqa: PLC0415

    given = getattr(args, "given", {})  # as the command line gave them, before the file
    found = [
        _chosen(config, "catalogs", (given.get("catalog"), "--catalog"), None, []),
        _chosen(config, "db", (given.get("db"), "--db"), "MESOFORMULA_DB", "mesoformula.db"),
        _chosen(config, "site", (given.get("site"), "--site"), "MESOFORMULA_SITE", None),
        _chosen(config, "timezone", (None, ""), "MESOFORMULA_TZ", None),
    ]
    pharmacy = dict(config.pharmacy) if config is not None else {}
    for key in ("name", "address", "telephone"):
        option = given.get(f"pharmacy_{key}")
        value = pharmacy.get(key)
        if option is not None:
            found.append(Setting(name=f"pharmacy.{key}", value=option, source="command line"))
        else:
            source = DEFAULT if value is None or config is None else str(config.path)
            found.append(Setting(name=f"pharmacy.{key}", value=value, source=source))
    return found


def _chosen(
    config: Config | None,
    name: str,
    given: tuple[Any, str],
    variable: str | None,
    default: Any,
) -> Setting:
    """One setting: the command line's (*given*: value and option), else the
    environment's (*variable*), else the file's, else *default*."""
    from mesoformula.results import Setting  # noqa: PLC0415

    value, option = given
    if value is not None and option:
        return Setting(name=name, value=value, source=f"command line ({option})")
    if variable and os.environ.get(variable, "").strip():
        return Setting(name=name, value=os.environ[variable], source=f"environment ({variable})")
    value = getattr(config, name) if config is not None else None
    if config is not None and value is not None:
        shown = list(value) if name == "catalogs" else value
        return Setting(name=name, value=shown, source=str(config.path))
    return Setting(name=name, value=default, source=DEFAULT)


def cmd_config(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula config``: the configuration in force and where each value comes from."""
    from mesoformula.results import ConfigReport  # noqa: PLC0415

    config = getattr(args, "config", None)
    found = settings(args, config)
    if args.format == "json":
        write_json(
            ConfigReport(file=None if config is None else str(config.path), settings=tuple(found)),
            out,
        )
        return EXIT_OK
    out.write(f"configuration file: {config.path if config else 'none (mesoformula.toml)'}\n")
    width = max(len(s.name) for s in found)
    for s in found:
        shown = _shown(s.value)
        out.write(f"  {s.name:<{width}}  {shown}  ({s.source})\n")
    return EXIT_OK


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, list):
        return ", ".join(value) if value else "none (the shipped catalog only)"
    return str(value)


def add_config(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``mesoformula config``."""
    parser = commands.add_parser(
        "config",
        parents=[common],
        help="the configuration in force and where each value comes from",
        description="Print the settings in force (catalogs, store, site, time zone, "
        "pharmacy) and where each comes from: the command line, the environment, "
        "mesoformula.toml or [tool.mesoformula] in pyproject.toml (in this folder or a "
        "parent), or the default.",
    )
    parser.add_argument("--db", metavar="PATH|URL", help="a store, as other commands take it")
    parser.add_argument("--site", metavar="NAME", help="a site, as other commands take it")
    parser.set_defaults(handler=cmd_config)


__all__ = ["add_config", "apply_config", "cmd_config", "config_of", "settings"]
