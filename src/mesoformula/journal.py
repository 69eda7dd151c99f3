"""
One journal entry as the store reads it back (``stock history``): a plain record, apart
from the result records so that reading the journal costs nothing more.
"""

from __future__ import annotations

import attrs


@attrs.frozen(kw_only=True)
class Entry:
    """One journal entry (``stock history``)."""

    entry_id: int
    at: str
    recorded: str
    actor: str
    kind: str
    lot_id: int
    product: str
    lot: str
    container_id: int | None
    containers_delta: int
    volume_delta_ul: int
    live_delta: int
    status: str | None
    status_before: str | None
    reason: str
    correlation: str | None
    undoes: int | None


__all__ = ["Entry"]
