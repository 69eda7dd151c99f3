"""
The value types of catalog entries: a limit's conditions on the rest of the preparation,
and the converters that make an entry's maps read-only (:mod:`mesoformula.catalog_entries`
uses them and re-exports them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ._fields import Strength
from ._frozen import FrozenMap, frozen_map
from ._validate import validated
from .units import Quantity


@attrs.frozen(kw_only=True)
@validated
class Condition:
    """
    A condition on the rest of the preparation: *ingredient* is present, at a final
    concentration of at least *at_least* when that is given.

    In files a condition is either a bare ingredient id (``"epinephrine"``: any amount)
    or a table ``{ ingredient = "epinephrine", at_least = "0.005 mg/mL" }``. A trace
    never satisfies a threshold condition; a concentration that cannot be compared with
    the threshold (no conversion factor) does not satisfy it either.
    """

    ingredient: str
    at_least: Strength | None = None

    def __str__(self) -> str:
        if self.at_least is None:
            return self.ingredient
        return f"{self.ingredient} at {self.at_least} or more"


# Converters to read-only maps, one per value type (mypy's attrs plugin needs them
# non-generic).
def text_map(data: Mapping[str, str]) -> FrozenMap[str, str]:
    """A read-only copy of *data* (an attrs converter)."""
    return frozen_map(data)


def quantity_map(data: Mapping[str, Quantity]) -> FrozenMap[str, Quantity]:
    """A read-only copy of *data* (an attrs converter)."""
    return frozen_map(data)


def conditions(items: Iterable[str | Condition]) -> tuple[Condition, ...]:
    """Return condition items as :class:`Condition` (a bare id means any amount)."""
    return tuple(c if isinstance(c, Condition) else Condition(ingredient=c) for c in items)


__all__ = ["Condition", "conditions", "quantity_map", "text_map"]
