"""Batches prepared on a pool come back in their order, whatever finishes first; a failure reaches the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from narrascope.reuse.ordered import ordered, release_freed_memory


def _slow_first(i: int) -> int:
    time.sleep(0.02 if i % 3 == 0 else 0.0)  # early items finish last
    return i * i


def test_results_come_in_the_items_order_and_the_items_are_read_lazily() -> None:
    read: list[int] = []

    def items() -> Iterator[int]:
        for i in range(20):
            read.append(i)
            yield i

    with ThreadPoolExecutor(2) as pool:
        out = []
        for value in ordered(pool, _slow_first, items(), ahead=2):
            out.append(value)
            assert len(read) <= len(out) + 2  # never more than `ahead` items beyond the one held
    assert out == [i * i for i in range(20)]


def test_a_failing_batch_raises_in_the_caller() -> None:
    def broken(i: int) -> int:
        if i == 3:
            raise RuntimeError("bad batch")
        return i

    with ThreadPoolExecutor(2) as pool, pytest.raises(RuntimeError, match="bad batch"):
        assert list(ordered(pool, broken, range(10), ahead=1))[:3] == [0, 1, 2]


def test_releasing_freed_memory_is_safe_to_call() -> None:
    release_freed_memory()
