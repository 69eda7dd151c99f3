"""
Wire forms (SPEC §4.1): core results as JSON-ready data, each shape defined once, for the
command line's ``--format json`` and for what the store keeps with a batch.
"""

from __future__ import annotations

from typing import Any

from mesoformula.units import Quantity, to_json
from mesoformula.worksheet import Content, Draw, Worksheet


def _q(q: Quantity | None) -> dict[str, float | str] | None:
    return to_json(q) if q is not None else None


def _draw_json(draw: Draw) -> dict[str, Any]:
    return {
        "product": draw.product,
        "ingredient": draw.ingredient,
        "volume": to_json(draw.volume),
        "draw_volume": to_json(draw.draw_volume),
        "containers": draw.containers,
        "use": draw.use,
        "waste": to_json(draw.waste),
        "rounding_error": draw.rounding_error,
    }


def _content_json(content: Content) -> dict[str, Any]:
    return {
        "ingredient": content.ingredient,
        "role": content.role,
        "concentration": to_json(content.concentration),
        "per_batch": to_json(content.per_batch),
        "total": to_json(content.total),
        "per_session": _q(content.per_session),
        "per_point": _q(content.per_point),
        "per_course": _q(content.per_course),
        "products": list(content.products),
    }


def to_data(worksheet: Worksheet, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the worksheet in the JSON shape of SPEC §4.1 ``compose``."""
    dosing = worksheet.dosing
    return {
        "formulation": worksheet.formulation,
        "version": worksheet.version,
        "batches": worksheet.batches,
        "final_volume": to_json(worksheet.final_volume),
        "total_volume": to_json(worksheet.total_volume),
        "resolution": _q(worksheet.resolution),
        "draws": [_draw_json(d) for d in worksheet.draws],
        "diluent": _draw_json(worksheet.diluent) if worksheet.diluent is not None else None,
        "ingredients": [_content_json(c) for c in worksheet.contents],
        "administration": None
        if dosing is None
        else {
            "volume_per_session": _q(dosing.volume_per_session),
            "points_per_session": dosing.points_per_session,
            "volume_per_point": _q(dosing.volume_per_point),
            "sessions": dosing.sessions,
            "sessions_per_batch": dosing.sessions_per_batch,
        },
        "findings": findings,
    }


__all__ = ["to_data"]
