"""
``mesoformula stock init``, ``verify``, ``head``, ``migrate`` and ``rebuild``: the store
itself, created, proven sound against its journal's chain, copied whole into another
store and its balance cache rebuilt. Each command's parser is built beside its handler.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import TextIO

from mesoformula.exceptions import StockError

from ._common import EXIT_FINDINGS, EXIT_OK, UsageError, write_json
from ._progress import Progress
from ._store import AddAction, open_store


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    """``stock init``: create (or migrate) the store."""
    with open_store(args, create=True) as stock:
        out.write(f"stock store ready: {stock.path} (schema version {stock.schema_version})\n")
    return EXIT_OK


def add_init(add: AddAction) -> None:
    """The parser of ``stock init``."""
    add("init", cmd_init, "create the store (or migrate it forward)")


def _head(text: str, option: str = "--expect-head") -> tuple[int, str]:
    """A kept head ``SEQ:SHA256``; anything else (empty, malformed, a sequence past what a
    store can hold, a hash at 0 other than the empty chain's) is a usage error."""
    from mesoformula.stock.seals import GENESIS  # noqa: PLC0415

    seq, _, digest = text.strip().partition(":")
    shown = text if len(text) <= 80 else text[:77] + "..."
    if (
        not seq.isascii()
        or not seq.isdigit()
        or len(seq) > 18
        or not re.fullmatch(r"[0-9a-f]{64}", digest)
        or (int(seq) == 0 and digest != GENESIS)
    ):
        raise UsageError(f"{option} {shown!r}: expected SEQ:SHA256 as 'stock head' prints it")
    return int(seq), digest


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    """``stock verify [--expect-head SEQ:SHA256 | --since SEQ:SHA256]``: prove the store sound."""
    expected = _head(args.expect_head) if args.expect_head is not None else None
    since = _head(args.since, "--since") if args.since is not None else None
    with open_store(args, readonly=True) as stock:
        entries = stock.head()[0]
        total = entries - (since[0] if since else 0)
        progress = Progress("verifying entries", total, fmt=args.format)
        try:
            problems = stock.verify(expect_head=expected, since=since, progress=progress.step)
        finally:
            progress.finish()
        unsealed = stock.unsealed_batches()
    if args.format == "json":
        from mesoformula.results import Verified  # noqa: PLC0415 - JSON output only
        from mesoformula.stock.audit import SINCE_LEAVES  # noqa: PLC0415

        verified = Verified(
            sound=not problems,
            entries=entries,
            problems=tuple(problems),
            unsealed_batches=tuple(unsealed),
            since=None if since is None else f"{since[0]}:{since[1]}",
            checked=None if since is None else max(entries - since[0], 0),
            not_reproven=() if since is None else SINCE_LEAVES,
        )
        write_json(verified, out)
    else:
        _verify_text(out, problems, unsealed, entries, since)
    return EXIT_FINDINGS if problems else EXIT_OK


def _verify_text(
    out: TextIO,
    problems: list[str],
    unsealed: list[str],
    entries: int,
    since: tuple[int, str] | None,
) -> None:
    """What ``stock verify`` found, as text: problems, what is not covered, the outcome."""
    for problem in problems:
        out.write(f"PROBLEM: {problem}\n")
    if unsealed:
        out.write(
            f"NOT COVERED: {len(unsealed)} batch(es) consumed before seals existed "
            f"(schema 5): their movements are proven, their compounding records are "
            f"not: {', '.join(unsealed)}\n"
        )
    outcome = f"{len(problems)} problem(s)\n" if problems else ""
    if since is None:
        out.write(f"{entries} journal entries; " + (outcome or "store is sound\n"))
        return
    from mesoformula.stock.audit import SINCE_LEAVES  # noqa: PLC0415

    for left in SINCE_LEAVES:
        out.write(f"NOT RE-PROVEN (--since; a full verify proves it): {left}\n")
    out.write(
        f"{entries} journal entries; the head {since[0]} and the {max(entries - since[0], 0)} "
        "after it checked; " + (outcome or "sound since the head\n")
    )


def add_verify(add: AddAction) -> None:
    """The parser of ``stock verify [--expect-head SEQ:SHA256 | --since SEQ:SHA256]``."""
    verify = add("verify", cmd_verify, "prove the store sound: chain, facts, cache, triggers")
    head = verify.add_mutually_exclusive_group()
    head.add_argument(
        "--expect-head",
        metavar="SEQ:SHA256",
        help="a head printed by 'stock head' and kept elsewhere: prove history up to it intact",
    )
    head.add_argument(
        "--since",
        metavar="SEQ:SHA256",
        help="a head printed by 'stock head' and kept elsewhere: prove it, and only what "
        "came after it (what that leaves to a full verify is printed)",
    )


def cmd_head(args: argparse.Namespace, out: TextIO) -> int:
    """``stock head``: the chain head ``SEQ:SHA256`` to keep elsewhere."""
    with open_store(args, readonly=True) as stock:
        seq, digest = stock.head()
    if args.format == "json":
        from mesoformula.results import Head  # noqa: PLC0415 - JSON output only

        write_json(Head(seq=seq, hash=digest, head=f"{seq}:{digest}"), out)
    else:
        out.write(f"{seq}:{digest}\n")
    return EXIT_OK


def add_head(add: AddAction) -> None:
    """The parser of ``stock head``."""
    add("head", cmd_head, "print the chain head SEQ:SHA256, to keep elsewhere")


def cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    """``stock migrate --from SRC --to DST``: copy a store into an empty one, heads checked."""
    from mesoformula.stock.copy import copy_store  # noqa: PLC0415
    from mesoformula.stock.store import Stock  # noqa: PLC0415

    if args.target is None:
        args.target = os.environ.get("MESOFORMULA_DB") or None
        if args.target is None:
            raise UsageError("stock migrate needs --to (or $MESOFORMULA_DB): the store to fill")
    if args.source == args.target:
        raise UsageError("--from and --to name the same store")
    try:
        source = Stock.open(args.source, create=False, readonly=True)
    except StockError as error:
        raise UsageError(f"--from: {error}") from None
    with source:
        try:
            target = Stock.open(args.target, create=True)
        except StockError as error:
            raise UsageError(f"--to: {error}") from None
        with target:
            progress = Progress("copying rows", 0, fmt=args.format)
            try:
                result = copy_store(source, target, progress=lambda _, n: progress.advance(n))
            except StockError as error:  # unsound source, non-empty target, a differing copy
                progress.finish()
                out.write(f"not copied (nothing was written to --to): {error}\n")
                return EXIT_FINDINGS
            progress.finish()
            target_path = target.path
    head = f"{result.head[0]}:{result.head[1]}"
    if args.format == "json":
        from mesoformula.results import Migrated  # noqa: PLC0415 - JSON output only

        write_json(Migrated(rows=result.rows, head=head, to=target_path), out)
    else:
        out.write(
            f"copied {result.rows['journal']} journal entries and {result.rows['lots']} lot(s) "
            f"to {target_path}; both heads are {head}\n"
        )
    return EXIT_OK


def add_migrate(add: AddAction) -> None:
    """The parser of ``stock migrate --from SRC [--to DST]``."""
    migrate = add(
        "migrate",
        cmd_migrate,
        "copy a whole store into an empty one (SQLite to PostgreSQL, or back); heads checked",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="PATH|URL")
    migrate.add_argument(
        "--to",
        dest="target",
        metavar="PATH|URL",
        help="the empty store to copy into (default $MESOFORMULA_DB)",
    )


def cmd_rebuild(args: argparse.Namespace, out: TextIO) -> int:
    """``stock rebuild``: rebuild the balance cache from the journal."""
    with open_store(args) as stock:
        stock.rebuild()
        problems = stock.verify()
    out.write("cache rebuilt from the journal\n" if not problems else "\n".join(problems) + "\n")
    return EXIT_FINDINGS if problems else EXIT_OK


def add_rebuild(add: AddAction) -> None:
    """The parser of ``stock rebuild``."""
    add("rebuild", cmd_rebuild, "rebuild the balance cache from the journal")


__all__ = [
    "add_head",
    "add_init",
    "add_migrate",
    "add_rebuild",
    "add_verify",
    "cmd_head",
    "cmd_init",
    "cmd_migrate",
    "cmd_rebuild",
    "cmd_verify",
]
