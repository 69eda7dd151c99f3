"""
The arguments of ``mesoformula stock ...``, ``record ...``, ``administer`` and ``course``
(built only when named): the options every command on the store takes, and the
registration of the ``stock`` actions, whose own parsers are built beside their handlers.

Every command on the store takes ``--db PATH`` (default ``$MESOFORMULA_DB`` or
``./mesoformula.db``), ``--at ISO-DATETIME`` (default now, local time) and ``--actor NAME``
(default the login name). Exit codes of ``stock``: 0 done, 1 findings with errors or a
shortfall or an unsound store, 2 usage (including an unknown lot or entry).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from ._store import AddAction, Handler
from .course import add_administer, add_course
from .events import add_event
from .record import add_record
from .signals import add_signals
from .stock_batches import add_consume, add_plan
from .stock_corrections import add_adjust, add_discard, add_status, add_undo, add_void
from .stock_lots import add_count, add_history, add_list, add_transfer
from .stock_receiving import add_export, add_import, add_receive
from .stock_store import add_head, add_init, add_migrate, add_rebuild, add_verify
from .trace import add_trace

#: The actions of ``stock``; a command line that names one builds only its parser.
STOCK_ACTIONS = frozenset(
    {
        "init", "import", "receive", "export", "list", "plan", "consume", "count", "history",
        "undo", "void", "discard", "adjust", "status", "verify", "head", "rebuild", "transfer",
        "migrate",
    }
)  # fmt: skip

#: What adds the parser of each ``stock`` action, in the order ``stock --help`` lists them.
STOCK_PARSERS: tuple[Callable[[AddAction], None], ...] = (
    add_init, add_import, add_receive, add_export, add_list, add_plan, add_consume, add_count,
    add_history, add_undo, add_void, add_discard, add_adjust, add_status, add_transfer,
    add_verify, add_head, add_migrate, add_rebuild,
)  # fmt: skip


def store_options() -> argparse.ArgumentParser:
    """The options every command on the store takes: ``--db``, ``--at`` and ``--actor``."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--db",
        metavar="PATH|URL",
        default=None,
        help="the store: a SQLite file or postgresql://USER@HOST:PORT/DBNAME "
        "(default $MESOFORMULA_DB or ./mesoformula.db)",
    )
    store.add_argument(
        "--at", metavar="ISO-DATETIME", help="the time of the operation (default now)"
    )
    store.add_argument("--actor", metavar="NAME", help="who does it (default the login name)")
    return store


def _add_stock(
    commands: Any, parents: list[argparse.ArgumentParser], only: set[str] | None
) -> None:
    """
    Register ``mesoformula stock ACTION``: every action, or with *only* the actions it
    names (the parser of any other action is built but never used).
    """
    stock = commands.add_parser(
        "stock", help="lots, plans, consumption and counts (SQLite or PostgreSQL)"
    )
    actions = stock.add_subparsers(dest="stock_command", metavar="ACTION")
    actions.required = True

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        if only is not None and name not in only:
            return argparse.ArgumentParser(add_help=False)  # not named: never used
        parser: argparse.ArgumentParser = actions.add_parser(
            name, parents=parents, help=help_text, description=help_text
        )
        parser.set_defaults(handler=handler)
        return parser

    for add_parser in STOCK_PARSERS:
        add_parser(add)


def add_commands(
    commands: Any, common: argparse.ArgumentParser, argv: Sequence[str] | None = None
) -> None:
    """
    Register ``mesoformula stock ...``, ``record ...``, ``administer`` and ``course``.

    When *argv* names a stock action (and asks for no help), only that action's parser
    is built: a stock command starts without building the fifteen others.
    """
    words = list(argv or ())
    after = words[words.index("stock") + 1 : words.index("stock") + 2] if "stock" in words else []
    only = (
        set(after)
        if after and after[0] in STOCK_ACTIONS and not {"-h", "--help"} & set(words)
        else None
    )
    parents = [common, store_options()]
    _add_stock(commands, parents, only)
    add_administer(commands, parents)
    add_trace(commands, parents)
    add_event(commands, parents)
    add_signals(commands, parents)
    add_course(commands, parents)
    add_record(commands, common, parents)


__all__ = [
    "add_commands",
]
