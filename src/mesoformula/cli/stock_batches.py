"""
``mesoformula stock plan`` and ``consume``: which lots a formulation's batches would use,
and consuming them for a batch, all or nothing and once per batch id. Each command's
parser is built beside its handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any, TextIO

from mesoformula import _time
from mesoformula.exceptions import LedgerIntegrityError, StockError
from mesoformula.findings import Finding

from ._common import (
    ANNOUNCED,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    bounded,
    catalog_warnings,
    finding_line,
    read_formulation,
    refusal_json,
    write_json,
)
from ._store import (
    AddAction,
    actor_of,
    add_site_option,
    at_time,
    known_site,
    open_store,
    site_of,
    unsound,
)


def _worksheet(
    args: argparse.Namespace, out: TextIO
) -> tuple[Any, Any, Any, list[Any], int | None]:
    """Read, compose and check the formulation; on read problems print and return a code."""
    from mesoformula.rules.checks import check  # noqa: PLC0415

    if args.batches < 1:
        raise UsageError(f"--batches must be at least 1 (got {args.batches})")
    formulation, loaded, code, document = read_formulation(args, out)
    if code is not None:
        return None, None, None, [], code
    worksheet, found = check(formulation, loaded.catalog, batches=args.batches)
    findings = document.locate(found)
    return formulation, loaded, worksheet, findings, None


def _pins(
    args: argparse.Namespace, stock: Any, catalog: Any, used: set[str], out: TextIO
) -> dict[str, str] | None:
    """
    The lots ``--scan`` pins (product -> lot number); None, the problems printed, when a
    scan cannot be read, names no product of the formulation or a lot not in the store.
    """
    from mesoformula.exceptions import UnknownEntry  # noqa: PLC0415
    from mesoformula.gs1 import ScanError, read_scan  # noqa: PLC0415

    pins: dict[str, str] = {}
    problems = []
    for number, text in enumerate(args.scan or [], 1):
        try:
            scan = read_scan(text)
        except ScanError as error:
            problems.append((number, "scan.invalid", str(error)))
            continue
        product = catalog.product_by_gtin(scan.gtin)
        if product is None:
            problems.append((number, "ref.product", f"no product carries GTIN {scan.gtin}"))
        elif product.id not in used:
            problems.append(
                (number, "scan.invalid", f"the formulation draws nothing from {product.id}")
            )
        elif product.id in pins and pins[product.id] != scan.lot:
            problems.append((number, "scan.invalid", f"two lots of {product.id} scanned: give one"))
        else:
            try:
                stock.find_lot(scan.lot, product.id, site_of(args))
            except UnknownEntry as error:
                problems.append((number, "scan.invalid", str(error)))
                continue
            pins[product.id] = scan.lot
    for number, code, message in problems:
        finding = Finding(code=code, severity="error", message=message)
        out.write(finding_line(f"scan {number}", finding) + "\n")
    return None if problems else pins


def _products_of(worksheet: Any) -> set[str]:
    """The products a worksheet draws from, its diluent's included."""
    return {
        d.product for d in [*worksheet.draws, *([worksheet.diluent] if worksheet.diluent else [])]
    }


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    """``stock plan FORMULATION [--batches N]``: allocate, change nothing."""
    from mesoformula.stock.reconcile import needs_of, plan_findings  # noqa: PLC0415

    formulation, loaded, worksheet, findings, code = _worksheet(args, out)
    if code is not None:
        return code
    at = at_time(args)
    with open_store(args, readonly=True) as stock:
        pins = _pins(args, stock, loaded.catalog, _products_of(worksheet), out)
        if pins is None:
            out.write("not planned: a scan is wrong\n")
            return EXIT_FINDINGS
        try:
            known_site(stock, site_of(args), args, starts=False)
            plan = stock.plan(needs_of(worksheet), at=at, pins=pins, site=site_of(args))
        except LedgerIntegrityError as error:
            return unsound(args, error, out)
    findings = [*findings, *plan_findings(plan)]
    return _print_plan(
        plan, formulation=formulation.id, args=args, at=at, findings=findings, out=out
    )


def _formulation_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``stock plan`` and ``consume`` share: the formulation, how many
    batches, the site and the scanned boxes that pin lots."""
    parser.add_argument("formulation", metavar="FORMULATION")
    parser.add_argument("--batches", type=bounded(1, 1_000, "--batches"), default=1)
    add_site_option(parser, "take stock from this site's lots only (else from every site)")
    parser.add_argument(
        "--scan",
        action="append",
        metavar="TEXT",
        help="a scanned box (GS1): take its product from that lot only (repeatable)",
    )


def add_plan(add: AddAction) -> None:
    """The parser of ``stock plan FORMULATION [--batches N] [--site NAME] [--scan TEXT]``."""
    _formulation_arguments(
        add("plan", cmd_plan, "which lots a formulation would use; changes nothing")
    )


def _consumed_line(extra: Any) -> str:
    """What a consume did (a :class:`~mesoformula.results.Consumed`), in words (never a
    Python value)."""
    batch = extra.batch_id
    entries = ", ".join(str(e) for e in extra.entries) or "none"
    if not extra.consumed:
        return f"batch {batch}: not consumed, nothing was recorded\n"
    if extra.already_consumed:
        return f"batch {batch} was consumed already: nothing changed (journal entries {entries})\n"
    return f"batch {batch}: journal entries {entries}\n"


def _print_plan(
    plan: Any,
    *,
    formulation: str,
    args: argparse.Namespace,
    at: dt.datetime,
    findings: list[Any],
    out: TextIO,
    extra: Any = None,
) -> int:
    """
    Print a plan (or, with *extra*, what a consume did: its batch and journal entries)
    with its findings; exits 1 on a shortfall or an error finding.
    """
    from mesoformula.allocation import to_ml  # noqa: PLC0415

    failed = bool(plan.shortfalls) or any(f.severity == "error" for f in findings)
    site = site_of(args)
    if args.format == "json":
        from mesoformula.files.wire import plan_result  # noqa: PLC0415

        planned = plan_result(
            plan,
            formulation=formulation,
            batches=args.batches,
            at=at,
            findings=findings,
            site=site,
            consumed=extra,
        )
        write_json(planned, out)
        return EXIT_FINDINGS if failed else EXIT_OK
    where = "" if site is None else f", site {site}"
    head = "STOCK PLAN" if not extra else "CONSUMED" if extra.consumed else "NOT CONSUMED"
    out.write(f"{head}  {formulation} x{args.batches} at {_time.shown(at)}{where}\n")
    for a in plan.allocations:
        expiry = a.expiry.isoformat() if a.expiry else "no expiry"
        waste = f", waste {to_ml(a.waste_ul):g} mL" if a.waste_ul else ""
        out.write(
            f"  {a.product}  lot {a.lot} (exp {expiry}): {to_ml(a.volume_ul):g} mL, "
            f"{a.containers_opened} container(s) to open{waste}\n"
        )
    for e in plan.excluded:
        out.write(f"  passed over: {e.product} lot {e.lot}: {e.reason}\n")
    for s in plan.shortfalls:
        out.write(
            f"  SHORT: {s.product}: need {to_ml(s.needed_ul):g} mL, "
            f"usable {to_ml(s.available_ul):g} mL\n"
        )
    for finding in findings:
        if finding.code not in ANNOUNCED:  # said on standard error when the catalog loaded
            out.write(finding_line(args.formulation, finding) + "\n")
    if extra:
        out.write(_consumed_line(extra))
    return EXIT_FINDINGS if failed else EXIT_OK


def _patient_of(args: argparse.Namespace, out: TextIO) -> Any:
    """The patient of ``--patient`` (None without one; False, reported, when unreadable)."""
    if not args.patient:
        return None
    from .course import read_patient  # noqa: PLC0415

    return read_patient(args.patient, out, "not consumed") or False


def _stock_refused(args: argparse.Namespace, error: StockError, out: TextIO) -> int:
    """Report a consume the store refused (a shortfall, an unknown site, ...): nothing
    was recorded."""
    if args.format == "json":
        write_json(refusal_json("stock.refused", f"not consumed: {error}"), out)
    else:
        out.write(f"not consumed: {error}\n")
    return EXIT_FINDINGS


def _formulation_refused(args: argparse.Namespace, findings: list[Any], out: TextIO) -> int:
    """Report a consume refused for the formulation's error findings: nothing was recorded."""
    if args.format == "json":
        write_json(
            refusal_json(
                "consume.refused",
                "not consumed: the formulation has error findings; nothing was recorded",
                findings,
            ),
            out,
        )
        return EXIT_FINDINGS
    for finding in findings:
        if finding.severity == "error":
            out.write(finding_line(args.formulation, finding) + "\n")
    out.write(
        "not consumed: the formulation has error findings (fix them, or accept a risk in "
        "the formulation with a written justification)\n"
    )
    return EXIT_FINDINGS


def cmd_consume(args: argparse.Namespace, out: TextIO) -> int:
    """``stock consume FORMULATION --batch-id ID``: atomic, idempotent."""
    from mesoformula.compounding import consume_batch  # noqa: PLC0415
    from mesoformula.stock.reconcile import plan_findings  # noqa: PLC0415

    if args.batches < 1:
        raise UsageError(f"--batches must be at least 1 (got {args.batches})")
    formulation, loaded, code, document = read_formulation(args, out)
    if code is not None:
        return int(code)
    at, actor = at_time(args), actor_of(args)
    patient = _patient_of(args, out)
    if patient is False:
        return EXIT_FINDINGS
    with open_store(args) as stock:
        if args.scan:
            from mesoformula.composition import compose  # noqa: PLC0415

            used = _products_of(compose(formulation, loaded.catalog, batches=args.batches))
            pins = _pins(args, stock, loaded.catalog, used, out)
            if pins is None:
                out.write("not consumed: a scan is wrong (nothing was recorded)\n")
                return EXIT_FINDINGS
        else:
            pins = None
        known_site(stock, site_of(args), args, starts=False)
        try:
            result, findings = consume_batch(
                stock,
                formulation,
                loaded.catalog,
                batch_id=args.batch_id,
                batches=args.batches,
                at=at,
                actor=actor,
                started_at=at_time(args, "started_at") if args.started_at else None,
                patient=patient or None,
                prescriber=args.prescriber,
                pins=pins,
                site=site_of(args),
                notes=catalog_warnings(loaded),
            )
        except LedgerIntegrityError as error:
            return unsound(args, error, out)
        except StockError as error:
            return _stock_refused(args, error, out)
    findings = document.locate(findings)
    if result is None:
        return _formulation_refused(args, findings, out)
    findings = [*findings, *plan_findings(result.plan)]
    from mesoformula.results import Consumed  # noqa: PLC0415

    extra = Consumed(
        batch_id=result.batch_id,
        consumed=result.consumed,
        already_consumed=result.already,
        entries=tuple(result.entries),
    )
    return _print_plan(
        result.plan,
        formulation=formulation.id,
        args=args,
        at=at,
        findings=findings,
        out=out,
        extra=extra,
    )


def add_consume(add: AddAction) -> None:
    """The parser of ``stock consume FORMULATION --batch-id ID``, with what ``plan`` takes."""
    parser = add("consume", cmd_consume, "consume a batch: all lots or none, once per batch id")
    _formulation_arguments(parser)
    parser.add_argument("--batch-id", required=True, metavar="ID")
    parser.add_argument(
        "--patient",
        metavar="PATIENT",
        help="compound for this patient (file): patient checks run first, errors refuse",
    )
    parser.add_argument("--prescriber", metavar="NAME", help="kept with the batch")
    parser.add_argument(
        "--started-at",
        metavar="ISO-DATETIME",
        help="when preparation began (default --at): an immediate-use BUD runs from it",
    )


__all__ = [
    "add_consume",
    "add_plan",
    "cmd_consume",
    "cmd_plan",
]
