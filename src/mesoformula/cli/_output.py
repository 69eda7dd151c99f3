"""
The output contract of the command line (SPEC §9.7): the JSON text, the running
command's output name and ``format``, and refusals as their one JSON document.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, TextIO


def json_text(data: object) -> str:
    """
    *data* as the JSON text ``--format json`` prints: two-space indents, non-ASCII as
    is, a final newline. orjson writes it when installed (20 times faster on a large
    report; numbers in the shortest form, ``1e16`` for ``1e+16``: the same data);
    the standard library writes what orjson cannot (integers beyond 64 bits).
    """
    try:
        import orjson  # noqa: PLC0415 - only when JSON is written
    except ImportError:  # pragma: no cover - PyPy, or a platform without its wheel
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def refusal_json(code: str, message: str, findings: Sequence[Any] = ()) -> Any:
    """The one JSON document of a refusal (SPEC §9.5), a :class:`~mesoformula.results.Refusal`."""
    from mesoformula.results import Error, Refusal  # noqa: PLC0415 - JSON output only

    return Refusal(error=Error(code=code, message=message), findings=tuple(findings))


#: The output the running command prints (SPEC §9.7: its ``format`` and schema), set by
#: :func:`mesoformula.cli.main` from the command line; None: no output contract (a JSON
#: Schema, a FHIR resource).
OUTPUT: ContextVar[str | None] = ContextVar("mesoformula_output", default=None)

#: The outputs SPEC §9.7 names by their command; any other is ``COMMAND-ACTION``.
_NAMED = {
    ("stock", "plan"): "plan",
    ("stock", "consume"): "consume",
    ("record", "batch"): "record",
    ("course", "show"): "course",
}

#: Where argparse keeps each command's action.
_ACTIONS = ("stock_command", "record_command", "course_command", "event_command",
            "catalog_command", "export_command")  # fmt: skip


def output_name(args: argparse.Namespace) -> str | None:
    """The name of the output *args* asks for (``trace``, ``stock-list``), or None for a
    command whose JSON follows another standard (``schema``, ``export``, ``--format fhir``,
    ``--format sarif``)."""
    if args.command in {"schema", "export", "completion"} or args.format in {"fhir", "sarif"}:
        return None
    if args.command == "administer" and getattr(args, "undo", None) is not None:
        return "administer-undo"
    action = next((getattr(args, a) for a in _ACTIONS if getattr(args, a, None)), None)
    if action is None:
        return str(args.command)
    return _NAMED.get((args.command, action), f"{args.command}-{action}")


def write_json(data: object, out: TextIO, output: str | None = None) -> None:
    """
    Print *data* (a result record, or JSON data) through the one wire converter, with the
    ``format`` of its output (*output*, else the running command's; a refusal's own).
    """
    out.write(json_text(output_data(data, output)))


def output_data(data: object, output: str | None = None) -> Any:
    """*data* as the JSON data of *output* (see :func:`write_json`)."""
    from mesoformula.files.outputs import stamped  # noqa: PLC0415 - JSON output only
    from mesoformula.files.wire import to_wire  # noqa: PLC0415 - JSON output only
    from mesoformula.results import Refusal  # noqa: PLC0415 - JSON output only

    name = "refusal" if isinstance(data, Refusal) else output or OUTPUT.get()
    wired = to_wire(data)
    return wired if name is None else stamped(wired, name)


__all__ = ["OUTPUT", "json_text", "output_data", "output_name", "refusal_json", "write_json"]
