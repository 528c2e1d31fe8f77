"""Small helpers over sequences: the one chunking helper of the bulk paths, and de-duplication."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, in order: keys per `IN (...)` query, rows per
    statement, numbers per outside call."""
    if size < 1:
        raise ValueError(f"chunk size must be positive: {size}")
    items: Sequence[T] = values if isinstance(values, list | tuple) else list(values)
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def unique_list(values: Iterable[T]) -> list[T]:
    """The values without repeats, in their first order."""
    return list(dict.fromkeys(values))
