"""
Complications after a session (SPEC §9.4): what a patient reported, how severe, since
when, and after which batch (and administration, when known). The risks mesotherapy
carries: allergic reactions, tender nodules, mycobacterial infections, bruising,
swelling, rashes, damage to surrounding tissue.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import attrs

from ._json import wire

#: The kinds of complication an event records.
EVENT_KINDS = (
    "allergic-reaction", "nodule", "infection", "bruising", "swelling", "pain", "rash",
    "itching", "nausea", "tissue-damage", "other",
)  # fmt: skip

#: How severe, mildest first.
SEVERITIES = ("mild", "moderate", "severe", "life-threatening")

Severity = Literal["mild", "moderate", "severe", "life-threatening"]


@attrs.frozen(kw_only=True)
class Event:
    """
    A complication a patient reported, as recorded (append-only, sealed).

    Attributes:
        number: The event's number in the store.
        onset: When it began (an aware instant), never before the dose it followed.
        at: When it was recorded, and *actor* who recorded it.
        batch_id: The batch it followed; *administration* the dose, when known.
        organism: For an infection, the organism found (e.g. Mycobacterium abscessus).
    """

    number: int = attrs.field(metadata=wire(key="event"))
    patient: str
    kind: str
    severity: str
    onset: dt.datetime
    at: dt.datetime = attrs.field(metadata=wire(key="recorded_at"))
    actor: str
    batch_id: str
    administration: int | None = None
    organism: str | None = None
    description: str = ""

    @property
    def serious(self) -> bool:
        """Severe or life-threatening."""
        return self.severity in ("severe", "life-threatening")


@attrs.frozen(kw_only=True)
class PriorReaction:
    """
    An allergic reaction a patient had after a batch, with the ingredients that batch
    contained (as it was made): what a later preparation is checked against.
    """

    event: Event
    ingredients: tuple[str, ...]


@attrs.frozen(kw_only=True)
class EventList:
    """What ``event list --format json`` prints: the events, and the seals that fail."""

    events: tuple[Event, ...]
    tampered: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class EventRecorded:
    """What ``event record --format json`` prints: the event and its seal's entry."""

    event: int
    entry: int


__all__ = [
    "EVENT_KINDS",
    "SEVERITIES",
    "Event",
    "EventList",
    "EventRecorded",
    "PriorReaction",
    "Severity",
]
