"""Consuming a batch: allocate, then record every draw, opening and waste at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

import attrs

from mesoformula._json import JSONObject
from mesoformula.allocation import LotState, Need, Plan, allocate
from mesoformula.exceptions import LedgerIntegrityError, StockError

from . import audit
from .ledger import Ledger, iso
from .queries import Queries, plan_from_json, plan_to_json


@attrs.frozen(kw_only=True)
class ConsumeResult:
    """What :meth:`Stock.consume` did: the plan, and whether it was already consumed."""

    batch_id: str
    plan: Plan
    consumed: bool
    already: bool
    entries: tuple[int, ...]


#: The journal entries a consumption writes under its batch id: all a void may undo.
BATCH_KINDS = frozenset({"open", "draw", "discard"})

#: The correlations the ledger writes for its own work (SPEC §9.5): a scanned receipt,
#: an import, a stocktake, a transfer. A batch id never takes one of these forms, so a
#: batch's entries are never anything else's.
INTERNAL_CORRELATIONS = ("scan",)
INTERNAL_PREFIXES = ("import ", "count ", "transfer ")


def batch_id_problem(batch_id: str) -> str | None:
    """Why *batch_id* cannot name a batch (an internal correlation's form), or None."""
    key = " ".join(batch_id.split()).casefold()
    if not key:
        return "a batch id cannot be empty"
    if key in INTERNAL_CORRELATIONS or key.startswith(INTERNAL_PREFIXES):
        return (
            f"batch id '{batch_id}' has the form of the ledger's own correlations ('scan', "
            "'import ...', 'count ...', 'transfer ...'): choose another batch id"
        )
    return None


def pinned(states: Sequence[LotState], pins: Mapping[str, str] | None) -> list[LotState]:
    """*states* with each pinned product (product -> lot number) reduced to that lot."""
    if not pins:
        return list(states)
    return [s for s in states if s.product not in pins or s.lot == pins[s.product]]


def sound_plan(
    ledger: Ledger,
    queries: Queries,
    needs: Sequence[Need],
    *,
    at: dt.datetime,
    pins: Mapping[str, str] | None,
    site: str | None,
    chain: bool,
) -> Plan:
    """
    Allocate *needs* from the cached balances, then prove against the journal the lots
    the plan would take from (with *chain*, every entry of theirs against the hash
    chain): a plan costs what it uses, not what the store holds. A lot it passes over is
    not touched, so a cache made wrong behind the journal's back can at worst hide stock
    (the plan takes another lot), never give what the journal does not hold.

    Raises:
        LedgerIntegrityError: a lot the plan takes from is unsound; nothing is planned.
    """
    products = sorted({n.product for n in needs})
    states = queries.states(products, site) if products else []
    plan = allocate(needs, pinned(states, pins), at=at)
    used = sorted({a.lot_id for a in plan.allocations})
    problems = audit.unsound_lots(ledger.db, used, chain=chain)
    if problems:
        raise LedgerIntegrityError("; ".join(problems))
    return plan


def consume(
    ledger: Ledger,
    queries: Queries,
    needs: Sequence[Need],
    *,
    batch_id: str,
    formulation: str,
    version: int,
    checksum: str,
    batches: int,
    at: dt.datetime,
    actor: str,
    record: JSONObject | None = None,
    pins: Mapping[str, str] | None = None,
    site: str | None = None,
) -> ConsumeResult:
    """
    The work of :meth:`mesoformula.stock.Stock.consume` (see there), on one connection;
    *pins* (product -> lot number) restrict a product to one lot (a scanned box), *site*
    to the lots of one site.

    Raises:
        StockError: *batch_id* has the form of an internal correlation.
    """
    problem = batch_id_problem(batch_id)
    if problem is not None:
        raise StockError(problem)
    with ledger.transaction():
        existing = ledger.db.execute(
            "SELECT formulation, checksum, plan, batches FROM batches WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        if existing is not None:
            if (existing[0], existing[1]) != (formulation, checksum):
                raise StockError(
                    f"batch '{batch_id}' was already consumed for formulation '{existing[0]}' "
                    "with different content: use a new batch id"
                )
            if int(existing[3]) != batches:
                raise StockError(
                    f"batch '{batch_id}' was already consumed as {existing[3]} batch(es), not "
                    f"{batches}: use a new batch id"
                )
            return ConsumeResult(
                batch_id=batch_id,
                plan=plan_from_json(existing[2]),
                consumed=True,
                already=True,
                entries=tuple(e.entry_id for e in queries.history(correlation=batch_id)),
            )
        plan = sound_plan(ledger, queries, needs, at=at, pins=pins, site=site, chain=True)
        if not plan.ok:
            return ConsumeResult(
                batch_id=batch_id, plan=plan, consumed=False, already=False, entries=()
            )
        entries: list[int] = []
        resolved = []
        for allocation in plan.allocations:
            takes = []
            for take in allocation.takes:
                container_id = take.container_id
                if take.opens:
                    entry, container_id = ledger.open_container(
                        allocation.lot_id, at=at, actor=actor, reason="", correlation=batch_id
                    )
                    entries.append(entry)
                assert container_id is not None
                entries.append(
                    ledger.draw(
                        container_id,
                        take.volume_ul,
                        at=at,
                        actor=actor,
                        reason="",
                        correlation=batch_id,
                    )
                )
                if take.waste_ul:
                    entries.append(
                        ledger.append(
                            "discard",
                            allocation.lot_id,
                            at=at,
                            actor=actor,
                            container_id=container_id,
                            volume_delta=-take.waste_ul,
                            live_delta=-1,
                            reason="single-dose remainder",
                            correlation=batch_id,
                        )
                    )
                takes.append(attrs.evolve(take, container_id=container_id))
            resolved.append(attrs.evolve(allocation, takes=tuple(takes)))
        plan = attrs.evolve(plan, allocations=tuple(resolved))
        ledger.db.execute(
            "INSERT INTO batches (batch_id, formulation, version, checksum, batches, at,"
            " actor, plan, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch_id,
                formulation,
                version,
                checksum,
                batches,
                iso(at),
                actor,
                json.dumps(plan_to_json(plan)),
                json.dumps(record or {}),
            ),
        )
        seal = ledger.seal("batch", batch_id, at=at, actor=actor)
        if seal is not None:
            entries.append(seal)
        return ConsumeResult(
            batch_id=batch_id, plan=plan, consumed=True, already=False, entries=tuple(entries)
        )


__all__ = ["ConsumeResult", "consume"]
