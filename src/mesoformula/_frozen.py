"""An immutable, hashable mapping for the values of frozen models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """
    A read-only mapping that can be hashed (its values must be hashable).

    Frozen models hold these instead of dicts, so that ``product.strengths[x] = y``
    raises and ``hash(product)`` works. Insertion order is kept.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))

    def get(self, key: K, default: Any = None) -> Any:  # faster than Mapping.get
        """Return the value of *key*, or *default*."""
        return self._data.get(key, default)


def frozen_map(data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> FrozenMap[K, V]:
    """Return *data* as a :class:`FrozenMap` (the same object if it already is one)."""
    return data if isinstance(data, FrozenMap) else FrozenMap(data)


__all__ = [
    "FrozenMap",
    "frozen_map",
]
