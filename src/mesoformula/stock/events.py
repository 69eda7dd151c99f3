"""
Recording and listing complications (SPEC §9.4): an event follows a batch a patient
received a dose from (and the dose, when known), never precedes it, and is sealed in
the journal like an administration, so that ``stock verify`` proves what was reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mesoformula import _time
from mesoformula.events import EVENT_KINDS, SEVERITIES, Event, PriorReaction
from mesoformula.exceptions import EntryOrderError, StockError, UnknownEntry

from .ledger import iso
from .store import Stock

_COLUMNS = (
    "event_id, patient, kind, severity, onset, at, actor, batch_id, administration_id,"
    " organism, description"
)


def record_event(
    stock: Stock,
    *,
    patient: str,
    kind: str,
    severity: str,
    onset: dt.datetime,
    at: dt.datetime,
    actor: str,
    administration: int | None = None,
    batch_id: str | None = None,
    organism: str | None = None,
    description: str = "",
) -> tuple[int, int]:
    """
    Record a complication of *patient* after *administration* (the dose) or *batch_id*
    (one of them); return the event's number and its seal's journal entry.

    Raises:
        StockError: an unknown kind or severity, an organism for what is not an
            infection, neither or both of administration and batch, the dose was given
            to another patient, or the patient received nothing from the batch.
        UnknownEntry: no such administration or batch.
        EntryOrderError: the onset precedes the dose it follows, or comes after *at*.
    """
    if kind not in EVENT_KINDS:
        raise StockError(f"--kind {kind!r}: one of {', '.join(EVENT_KINDS)}")
    if severity not in SEVERITIES:
        raise StockError(f"--severity {severity!r}: one of {', '.join(SEVERITIES)}")
    if organism is not None and kind != "infection":
        raise StockError("--organism goes with --kind infection")
    if (administration is None) == (batch_id is None):
        raise StockError("say what the event followed: --administration N or --batch B")
    if _time.utc(onset) > _time.utc(at):
        raise EntryOrderError(
            f"an onset of {_time.shown(onset)} is after the event is recorded ({_time.shown(at)})"
        )
    with stock.transaction():
        batch, first = _followed(stock, patient, administration, batch_id)
        if _time.utc(onset) < first:
            raise EntryOrderError(
                f"an onset of {_time.shown(onset)} would come before the dose it follows "
                f"({_time.shown(first)})"
            )
        number = int(
            stock.ledger.db.execute(
                f"INSERT INTO events ({_COLUMNS.partition(', ')[2]})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING event_id",
                (
                    patient,
                    kind,
                    severity,
                    iso(onset),
                    iso(at),
                    actor,
                    batch,
                    administration,
                    organism,
                    description,
                ),
            ).fetchone()[0]
        )
        seal = stock.ledger.seal("event", batch, at=at, actor=actor, key=number)
        if seal is None:
            raise StockError(f"batch '{batch}' has no journal entries to seal the event to")
        return number, seal


def _followed(
    stock: Stock, patient: str, administration: int | None, batch_id: str | None
) -> tuple[str, dt.datetime]:
    """The batch an event follows and the earliest dose of it the patient received."""
    doses = [a for a in stock.administrations(patient=patient) if a.live]
    if administration is not None:
        row = stock.ledger.db.execute(
            "SELECT batch_id, patient, at FROM administrations"
            " WHERE administration_id = ? AND kind = 'give'",
            (administration,),
        ).fetchone()
        if row is None:
            raise UnknownEntry(f"no administration {administration} in the store")
        if row[1] != patient:
            raise StockError(
                f"administration {administration} was given to {row[1]}, not {patient}"
            )
        return str(row[0]), _time.read(str(row[2]))
    assert batch_id is not None
    stock.batch(batch_id)  # an unknown batch: UnknownEntry
    given = [a.at for a in doses if a.batch_id == batch_id]
    if not given:
        raise StockError(f"patient {patient} received nothing from batch '{batch_id}'")
    return batch_id, min(given)


def events(
    stock: Stock,
    *,
    patient: str | None = None,
    batch_ids: Sequence[str] | None = None,
    since: dt.datetime | None = None,
) -> list[Event]:
    """The events recorded (of *patient*, after *batch_ids*, with onset from *since*),
    oldest onset first; none on a store from before events (schema 12) not migrated yet."""
    if "events" not in stock.ledger.db.tables():
        return []
    rows = stock.ledger.db.execute(
        f"SELECT {_COLUMNS} FROM events WHERE (CAST(? AS TEXT) IS NULL OR patient = ?)"
        " ORDER BY onset, event_id",
        (patient, patient),
    ).fetchall()
    found = [_event(r) for r in rows]
    if batch_ids is not None:
        found = [e for e in found if e.batch_id in set(batch_ids)]
    if since is not None:
        found = [e for e in found if e.onset >= _time.utc(since)]
    return found


def _event(row: Sequence[object]) -> Event:
    return Event(
        number=int(str(row[0])),
        patient=str(row[1]),
        kind=str(row[2]),
        severity=str(row[3]),
        onset=_time.read(str(row[4])),
        at=_time.read(str(row[5])),
        actor=str(row[6]),
        batch_id=str(row[7]),
        administration=None if row[8] is None else int(str(row[8])),
        organism=None if row[9] is None else str(row[9]),
        description=str(row[10]),
    )


def event_problems(stock: Stock, found: Sequence[Event]) -> list[str]:
    """The seals of *found* that do not hold (empty: every event is what was sealed)."""
    from . import seals  # noqa: PLC0415 - only a listing proves its events

    problems: list[str] = []
    for event in found:
        problems += seals.seal_problems(stock.ledger.db, "event", str(event.number), event.batch_id)
    return problems


def prior_reactions(stock: Stock, patient: str) -> list[PriorReaction]:
    """The allergic reactions *patient* had, each with the ingredients of its batch (as
    the batch was made), for ``patient.prior-reaction``."""
    from mesoformula.course import contents_of  # noqa: PLC0415 - only with reactions

    found = []
    for event in events(stock, patient=patient):
        if event.kind != "allergic-reaction":
            continue
        worksheet = stock.batch(event.batch_id).snapshot.worksheet or {}
        ingredients = tuple(c.ingredient for c in contents_of(worksheet))
        found.append(PriorReaction(event=event, ingredients=ingredients))
    return found


__all__ = [
    "event_problems",
    "events",
    "prior_reactions",
    "record_event",
]
