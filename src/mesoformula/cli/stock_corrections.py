"""
``mesoformula stock undo``, ``void``, ``discard``, ``adjust`` and ``status``: the
corrections, each one write with a reason kept in the journal (an entry undone, a batch
voided, containers discarded, a balance corrected, a lot quarantined, released or
recalled). Each command's parser is built beside its handler.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    bounded,
    entry_id,
    parse_signed_volume,
    refusal_json,
    write_json,
)
from ._store import AddAction, actor_of, add_site_option, at_time, lot_id, open_store, site_of


def _write_action(
    args: argparse.Namespace,
    out: TextIO,
    action: Any,
    described: Any = None,
    traced: Any = None,
) -> int:
    """
    Run *action* on the store and report the journal entries it recorded (with what
    *described* says it did, and for a recall the trace *traced* gives); an unknown lot
    or entry is a usage error, a refusal of the store is reported and exits 1.
    """
    from mesoformula.exceptions import StockError, UnknownEntry  # noqa: PLC0415

    with open_store(args) as stock:
        try:
            result = action(stock)
        except UnknownEntry as error:
            raise UsageError(str(error)) from None
        except StockError as error:
            if args.format == "json":
                write_json(refusal_json("stock.refused", str(error)), out)
            else:
                out.write(f"refused: {error}\n")
            return EXIT_FINDINGS
    entries = result if isinstance(result, list) else [result]
    words = described() if described is not None else None
    trace = traced() if traced is not None else None
    if args.format == "json":
        from mesoformula.results import Written  # noqa: PLC0415 - JSON output only
        from mesoformula.stock.trace import trace_form  # noqa: PLC0415

        recalled = None if trace is None else trace_form(trace)
        write_json(Written(entries=tuple(entries), did=words or None, recalled=recalled), out)
    else:
        if words:
            out.write(words + "\n")
        numbers = ", ".join(str(e) for e in entries) or "none"
        out.write(f"recorded journal entr{'ies' if len(entries) != 1 else 'y'} {numbers}\n")
        if trace is not None:
            _write_recall(trace, out)
    return EXIT_OK


def _write_recall(trace: Any, out: TextIO) -> None:
    """What a recall stops: every batch made from the lot, and who received them."""
    from .trace import write_trace  # noqa: PLC0415

    given = [b for b in trace.batches if not b.void]
    out.write(
        f"RECALLED: {len(given)} batch(es) made from this lot must not be given; "
        f"patients who received them: {', '.join(trace.patients) or 'none'}\n"
    )
    write_trace(trace, out)


def cmd_undo(args: argparse.Namespace, out: TextIO) -> int:
    """``stock undo ENTRY --reason R``: a compensating entry; says what it undid."""
    undone: list[Any] = []

    def action(stock: Any) -> Any:
        undone.append(stock.entry(args.entry))
        return stock.undo(args.entry, reason=args.reason, at=at_time(args), actor=actor_of(args))

    return _write_action(args, out, action, described=lambda: _entry_words(undone[0]))


def add_undo(add: AddAction) -> None:
    """The parser of ``stock undo ENTRY --reason R``."""
    undo = add("undo", cmd_undo, "undo a journal entry with a compensating entry")
    undo.add_argument("entry", type=entry_id, metavar="ENTRY")
    undo.add_argument("--reason", required=True, help="why (kept in the journal)")


def _entry_words(entry: Any) -> str:
    """An entry as people read it: kind, product, lot, amount, the original reason."""
    from mesoformula.allocation import to_ml  # noqa: PLC0415

    amounts = []
    if entry.containers_delta:
        amounts.append(f"{entry.containers_delta:+d} container(s)")
    if entry.volume_delta_ul:
        amounts.append(f"{to_ml(entry.volume_delta_ul):+g} mL")
    if entry.status:
        amounts.append(f"status {entry.status_before} -> {entry.status}")
    why = f", reason '{entry.reason}'" if entry.reason else ""
    return (
        f"undid entry {entry.entry_id}: {entry.kind} of {entry.product} lot {entry.lot}"
        f" ({', '.join(amounts) or 'no movement'}) dated {entry.at}{why}"
    )


def cmd_void(args: argparse.Namespace, out: TextIO) -> int:
    """``stock void --batch-id B --reason R (--not-prepared | --destroyed)``."""
    return _write_action(
        args,
        out,
        lambda s: s.void(
            args.batch_id,
            reason=args.reason,
            at=at_time(args),
            actor=actor_of(args),
            kind=args.void_kind,
        ),
    )


def add_void(add: AddAction) -> None:
    """The parser of ``stock void --batch-id B --reason R (--not-prepared | --destroyed)``."""
    void = add(
        "void",
        cmd_void,
        "void a consumed batch (--not-prepared: the stock comes back; --destroyed: it stays "
        "used); its record shows it void",
    )
    void.add_argument("--batch-id", required=True, metavar="ID")
    void.add_argument("--reason", required=True, help="why (kept with the void)")
    how = void.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--not-prepared",
        dest="void_kind",
        action="store_const",
        const="not-prepared",
        help="a recording mistake: the batch was never made, its stock comes back exactly "
        "as it was (unopened containers unopened)",
    )
    how.add_argument(
        "--destroyed",
        dest="void_kind",
        action="store_const",
        const="destroyed",
        help="it was made and discarded: the stock stays used; the record shows "
        "VOID - destroyed and the waste",
    )


def cmd_discard(args: argparse.Namespace, out: TextIO) -> int:
    """``stock discard --lot L (--containers N | --container ID) --reason R``."""
    if not args.containers and args.container is None:
        raise UsageError("say what to discard: --containers N or --container ID")

    def action(stock: Any) -> Any:
        return stock.discard(
            lot_id(stock, args),
            reason=args.reason,
            at=at_time(args),
            actor=actor_of(args),
            containers=args.containers or 0,
            container_id=args.container,
        )

    return _write_action(args, out, action)


def add_discard(add: AddAction) -> None:
    """The parser of ``stock discard --lot L (--containers N | --container ID) --reason R``."""
    discard = add("discard", cmd_discard, "discard unopened containers or an opened container")
    discard.add_argument("--lot", required=True)
    discard.add_argument("--product")
    discard.add_argument("--containers", type=bounded(0, 1_000_000, "--containers"), default=0)
    discard.add_argument("--container", type=entry_id, metavar="ID")
    discard.add_argument("--reason", required=True)
    add_site_option(discard, "the site of --lot, when the lot is at several")


def cmd_adjust(args: argparse.Namespace, out: TextIO) -> int:
    """``stock adjust --lot L (--containers N | --container ID --volume V) --reason R``."""

    if not args.containers and args.container is None:
        raise UsageError("say what to adjust: --containers N or --container ID --volume V")
    if args.container is not None and args.volume is None:
        raise UsageError("--container needs --volume (e.g. --volume -0.5mL or --volume '+1 mL')")
    volume = parse_signed_volume(args.volume) if args.volume is not None else 0.0

    def action(stock: Any) -> Any:
        return stock.adjust(
            lot_id(stock, args),
            reason=args.reason,
            at=at_time(args),
            actor=actor_of(args),
            containers_delta=args.containers or 0,
            container_id=args.container,
            volume_delta_ml=volume,
        )

    return _write_action(args, out, action)


def add_adjust(add: AddAction) -> None:
    """The parser of ``stock adjust --lot L (--containers N | --container ID --volume V)``."""
    adjust = add("adjust", cmd_adjust, "correct a balance with a reason")
    adjust.add_argument("--lot", required=True)
    adjust.add_argument("--product")
    adjust.add_argument(
        "--containers",
        type=bounded(-1_000_000, 1_000_000, "--containers"),
        default=0,
        help="+N or -N unopened",
    )
    adjust.add_argument("--container", type=entry_id, metavar="ID", help="an opened container")
    adjust.add_argument("--volume", metavar="VOLUME", help="signed volume for --container")
    adjust.add_argument("--reason", required=True)
    add_site_option(adjust, "the site of --lot, when the lot is at several")


def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    """``stock status --lot L --to quarantine|released|recalled --reason R``."""
    traced: list[Any] = []

    def action(stock: Any) -> Any:
        entry = stock.set_status(
            lot_id(stock, args), args.to, reason=args.reason, at=at_time(args),
            actor=actor_of(args),
        )  # fmt: skip
        if args.to == "recalled":  # a recall prints what it stops (SPEC §9.4)
            from mesoformula.stock.trace import trace_lot  # noqa: PLC0415

            traced.append(trace_lot(stock, args.lot, product=args.product, site=site_of(args)))
        return entry

    return _write_action(args, out, action, traced=lambda: traced[0] if traced else None)


def add_status(add: AddAction) -> None:
    """The parser of ``stock status --lot L --to quarantine|released|recalled --reason R``."""
    status = add("status", cmd_status, "quarantine, release or recall a lot")
    status.add_argument("--lot", required=True)
    status.add_argument("--product")
    status.add_argument("--to", required=True, choices=["quarantine", "released", "recalled"])
    status.add_argument("--reason", required=True)
    add_site_option(status, "the site of --lot, when the lot is at several")


__all__ = [
    "add_adjust",
    "add_discard",
    "add_status",
    "add_undo",
    "add_void",
    "cmd_adjust",
    "cmd_discard",
    "cmd_status",
    "cmd_undo",
    "cmd_void",
]
