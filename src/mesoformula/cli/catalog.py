"""``mesoformula catalog list`` and ``catalog show``."""

from __future__ import annotations

import argparse
from typing import TextIO

from ._common import EXIT_OK, UsageError, load_catalog_of, write_json


def cmd_catalog_list(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula catalog list [--class C] [--allergen G] [--kind K]``"""
    from mesoformula import catalog_browse  # noqa: PLC0415
    from mesoformula.cli.views import catalog as catalog_view  # noqa: PLC0415

    loaded = load_catalog_of(args)
    listing = catalog_browse.listing(
        loaded.catalog, klass=args.klass, allergen=args.allergen, kinds=args.kind
    )
    if args.format == "json":
        write_json(listing, out)
    else:
        out.write(catalog_view.listing_text(listing))
    return EXIT_OK


def cmd_catalog_show(args: argparse.Namespace, out: TextIO) -> int:
    """``mesoformula catalog show ID``"""
    from mesoformula import catalog_browse  # noqa: PLC0415
    from mesoformula.cli.views import catalog as catalog_view  # noqa: PLC0415

    loaded = load_catalog_of(args)
    try:
        shown = catalog_browse.show(loaded.catalog, args.id)
    except LookupError as missing:
        raise UsageError(str(missing.args[0])) from None
    if args.format == "json":
        write_json(shown, out)
    else:
        out.write(catalog_view.show_text(shown))
    return EXIT_OK


__all__ = [
    "cmd_catalog_list",
    "cmd_catalog_show",
]
