"""A dictionary that keeps only its most recently used entries: the bounded caches of the
corpus-wide stages, which meet each document in several pairs but must not keep them all."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class RecentCache(Generic[Value]):
    """`get(key, make)` returns the cached value or makes, keeps and returns it.

    >>> cache = RecentCache(2)
    >>> [cache.get(key, lambda: key * 10) for key in (1, 2, 1, 3)]
    [10, 20, 10, 30]
    >>> sorted(cache.entries)  # 2 was the least recently used
    [1, 3]
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        value = self.entries[key] = make()
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return value
