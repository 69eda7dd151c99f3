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

from ._common import entry_id
from ._store import AddAction, Handler
from .course import cmd_administer, cmd_course_show
from .record import cmd_record_batch, cmd_record_label, cmd_record_master, cmd_record_verify
from .stock_batches import add_consume, add_plan
from .stock_corrections import add_adjust, add_discard, add_status, add_undo, add_void
from .stock_lots import add_count, add_history, add_list, add_transfer
from .stock_receiving import add_export, add_import, add_receive
from .stock_store import add_head, add_init, add_migrate, add_rebuild, add_verify

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

    administer = commands.add_parser(
        "administer",
        parents=parents,
        help="record a dose given to a patient from a consumed batch (or undo one)",
        description="Record a dose given from a released batch, after every check of the "
        "course: BUD, patient, what remains, dose and course limits, minimum intervals, "
        "allergies. Refused (exit 1, nothing recorded) on an error. --undo N --reason "
        "takes back administration N recorded in error (a compensating row).",
    )
    administer.add_argument("--batch-id", metavar="ID")
    administer.add_argument("--patient", metavar="PATIENT", help="patient file")
    administer.add_argument("--volume", metavar="VOLUME", help="the volume given, e.g. '4 mL'")
    administer.add_argument(
        "--area",
        metavar="AREA",
        help="where the dose went: face, scalp, neck, submental, décolletage, abdomen, flanks, "
        "thighs, buttocks, arms, knees, hands, or an area of the catalog's [policy]",
    )
    administer.add_argument(
        "--undo", type=entry_id, metavar="N", help="take back administration N (with --reason)"
    )
    administer.add_argument("--reason", help="why the administration is undone")
    administer.set_defaults(handler=cmd_administer)
    course = commands.add_parser("course", help="a patient's course as the store recorded it")
    course_actions = course.add_subparsers(dest="course_command", metavar="ACTION")
    course_actions.required = True
    show_course = course_actions.add_parser(
        "show",
        parents=parents,
        help="sessions, cumulative dose against course limits, earliest next session",
        description="A patient's course: every administration, the cumulative dose per "
        "ingredient against each course limit, and the earliest next session under each "
        "minimum interval. Read-only.",
    )
    show_course.add_argument("--patient", required=True, metavar="PATIENT", help="patient file")
    show_course.set_defaults(handler=cmd_course_show)

    record = commands.add_parser("record", help="compounding and master formulation records")
    kinds = record.add_subparsers(dest="record_command", metavar="KIND")
    kinds.required = True
    batch = kinds.add_parser(
        "batch",
        parents=parents,
        help="the compounding record of a consumed batch, with lots and beyond-use date",
    )
    batch.add_argument("--batch-id", required=True, metavar="ID")
    batch.add_argument(
        "--formulation", metavar="FILE", help="prove this file is the recorded version"
    )
    batch.set_defaults(handler=cmd_record_batch, markdown=True, html=True, pdf=True, fhir=True)
    label = kinds.add_parser(
        "label",
        parents=parents,
        help="the label of a consumed batch on its own (text, json, html, pdf)",
    )
    label.add_argument("--batch-id", required=True, metavar="ID")
    label.set_defaults(handler=cmd_record_label, html=True, pdf=True)
    for printed in (batch, label):
        printed.add_argument(
            "--output",
            metavar="FILE",
            help="write the document to FILE (needed for --format pdf on a terminal)",
        )
    release = kinds.add_parser(
        "verify",
        parents=parents,
        help="release a consumed batch: a pharmacist other than the preparer verifies it",
    )
    release.add_argument("--batch-id", required=True, metavar="ID")
    release.add_argument("--verifier", required=True, metavar="NAME")
    release.set_defaults(handler=cmd_record_verify)
    master = kinds.add_parser(
        "master", parents=[common], help="the master formulation record of a formulation"
    )
    master.add_argument("formulation", metavar="FORMULATION")
    master.set_defaults(handler=cmd_record_master, markdown=True, html=True)


__all__ = [
    "add_commands",
]
