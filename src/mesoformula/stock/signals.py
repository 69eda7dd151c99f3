"""
Signals (SPEC §9.4): complications that cluster on one batch or one lot within a
window, so that an outbreak (a mycobacterial infection traced to a batch, a product or
a practice) is seen while the other exposed patients can still be called. Each signal
lists the patients exposed (who received a dose from the batch, or from a batch of the
lot) who have not reported.

A signal: two or more events of one kind in different patients sharing a batch, or a
lot across its batches, or any infection after a batch given to more than one patient.
Events are also grouped by product, preparer and site for the report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import attrs

from mesoformula import _time
from mesoformula._json import JSONObject
from mesoformula.documents import SignalForm, SignalReport
from mesoformula.events import Event

from .events import events
from .store import Stock


@attrs.frozen(kw_only=True)
class Signal:
    """
    A cluster of complications: *kind* of events in *reported* patients after the batch
    or lot *shared* (``batch B`` or ``lot product/L``), and the *exposed* patients who
    received a dose from it and have not reported.
    """

    kind: str
    shared: str
    events: tuple[int, ...]
    reported: tuple[str, ...]
    exposed: tuple[str, ...]

    @property
    def message(self) -> str:
        """The signal in words, for the finding ``signal.cluster``."""
        who = ", ".join(self.exposed) or "none"
        return (
            f"{len(self.events)} {self.kind} event(s) in {len(self.reported)} patient(s) "
            f"({', '.join(self.reported)}) after {self.shared}; exposed and not reported: {who}"
        )


@attrs.frozen(kw_only=True)
class _Exposure:
    """What a batch links an event to: its lots, product, preparer, site, recipients."""

    lots: tuple[str, ...]
    products: tuple[str, ...]
    preparer: str
    site: str
    recipients: tuple[str, ...]


def survey(
    stock: Stock, *, at: dt.datetime, window: dt.timedelta
) -> tuple[list[Signal], JSONObject]:
    """
    The events whose onset is within *window* before *at*: the signals among them, and
    their numbers grouped by batch, lot, product, preparer and site (for the report).
    Each batch the events follow is read once.
    """
    since = _time.utc(at) - window
    found = [e for e in events(stock, since=since) if e.onset <= _time.utc(at)]
    exposure = {b: _exposure(stock, b) for b in sorted({e.batch_id for e in found})}
    return _signals(found, exposure), _groups(found, exposure)


def _signals(found: Sequence[Event], exposure: dict[str, _Exposure]) -> list[Signal]:
    """The signals among *found*, given what each of their batches exposed."""
    lot_recipients: dict[str, set[str]] = defaultdict(set)
    for batch in exposure.values():
        for lot in batch.lots:
            lot_recipients[lot].update(batch.recipients)
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in found:
        groups[(event.kind, f"batch {event.batch_id}")].append(event)
        for lot in exposure[event.batch_id].lots:
            groups[(event.kind, f"lot {lot}")].append(event)
    result = []
    for (kind, shared), grouped in sorted(groups.items()):
        recipients = (
            set(exposure[shared.removeprefix("batch ")].recipients)
            if shared.startswith("batch ")
            else lot_recipients[shared.removeprefix("lot ")]
        )
        signal = _signal(kind, shared, grouped, recipients)
        if signal is not None:
            result.append(signal)
    return result


def _signal(
    kind: str, shared: str, grouped: Sequence[Event], recipients: set[str]
) -> Signal | None:
    """A signal of *grouped*, or None when they do not make one."""
    reported = sorted({e.patient for e in grouped})
    if shared.startswith("lot ") and len({e.batch_id for e in grouped}) < 2:
        return None  # one batch: its own signal says it, a lot signal only across batches
    infection = kind == "infection" and shared.startswith("batch ") and len(recipients) > 1
    if len(reported) < 2 and not infection:
        return None
    return Signal(
        kind=kind,
        shared=shared,
        events=tuple(e.number for e in grouped),
        reported=tuple(reported),
        exposed=tuple(sorted(recipients - set(reported))),
    )


def _exposure(stock: Stock, batch_id: str) -> _Exposure:
    stored = stock.batch(batch_id)
    return _Exposure(
        lots=tuple(sorted({f"{a.product}/{a.lot}" for a in stored.plan.allocations})),
        products=tuple(sorted({a.product for a in stored.plan.allocations})),
        preparer=stored.actor,
        site=stored.snapshot.site or "main",
        recipients=tuple(
            sorted({a.patient for a in stock.administrations(batch_id=batch_id) if a.live})
        ),
    )


def _groups(found: Sequence[Event], exposure: dict[str, _Exposure]) -> JSONObject:
    """The numbers of *found* grouped by batch, lot, product, preparer and site."""
    by: dict[str, dict[str, list[int]]] = {
        k: defaultdict(list) for k in ("batch", "lot", "product", "preparer", "site")
    }
    for event in found:
        batch = exposure[event.batch_id]
        by["batch"][event.batch_id].append(event.number)
        for lot in batch.lots:
            by["lot"][lot].append(event.number)
        for product in batch.products:
            by["product"][product].append(event.number)
        by["preparer"][batch.preparer].append(event.number)
        by["site"][batch.site].append(event.number)
    return {key: dict(sorted(values.items())) for key, values in by.items()}


def report_form(
    at: dt.datetime, window: dt.timedelta, found: Sequence[Signal], grouped: JSONObject
) -> SignalReport:
    """What ``mesoformula signals --format json`` prints."""
    return SignalReport(
        at=at,
        window_days=window / dt.timedelta(days=1),
        signals=tuple(
            SignalForm(
                kind=s.kind,
                shared=s.shared,
                events=s.events,
                reported=s.reported,
                exposed=s.exposed,
                message=s.message,
            )
            for s in found
        ),
        groups=grouped,
    )


__all__ = ["Signal", "report_form", "survey"]
