"""Bounded caches a server keeps per app (not per process: two stores served in one process may share a state
token): posting lists of recent searches, and the rows that list and search pages show."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["PostingCache", "RowCache"]


class PostingCache:
    """Posting lists of recent searches, bounded by their bytes (a common word's list on 1 M messages is
    ~1 MB; the oldest go first)."""

    def __init__(self, budget: int = 64 << 20) -> None:
        self._items: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._bytes = 0
        self._budget = budget
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            if key not in self._items and value.nbytes <= self._budget // 4:
                self._items[key] = value
                self._bytes += value.nbytes
                while self._bytes > self._budget:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= old.nbytes
        return value


class RowCache:
    """The shown columns of recently shown messages by rid, for one corpus state (the index's rows never change
    within one), at most ``size`` rows (~1 KB each), least recently used first out. The newest pages and the first
    pages of common words are read again and again; reading a row costs DuckDB about a vector of every column."""

    def __init__(self, size: int = 20_000) -> None:
        self._rows: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._token: str | None = None
        self._size = size
        self._lock = threading.Lock()

    def get(self, token: str, rids: Sequence[int],
            read: Callable[[list[int]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Copies of the rows of ``rids`` (in that order) — those not held read with ``read(missing rids)``,
        which returns them with their ``rid``."""
        wanted = [int(r) for r in rids]
        with self._lock:
            if token != self._token:  # another corpus state: nothing held is current
                self._rows.clear()
                self._token = token
            held = {r: self._rows[r] for r in wanted if r in self._rows}
            for r in held:
                self._rows.move_to_end(r)
        missing = [r for r in wanted if r not in held]
        if missing:
            fresh = {int(row["rid"]): row for row in read(missing)}
            held.update(fresh)
            with self._lock:
                if token == self._token:
                    self._rows.update(fresh)
                    while len(self._rows) > self._size:
                        self._rows.popitem(last=False)
        return [dict(held[r]) for r in wanted if r in held]
