"""The row cache of list and search pages: rows in the order asked, copies, bounded, one corpus state at a time."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="the web tests need the web extra: pip install -e '.[web,test]'")

from narrascope.web.caches import RowCache  # noqa: E402


class _Store:
    """Rows whose text names the corpus state they were read in; counts the rids read."""

    def __init__(self) -> None:
        self.state = "s1"
        self.read: list[list[int]] = []

    def rows(self, rids: list[int]) -> list[dict]:
        self.read.append(list(rids))
        return [{"rid": r, "text": f"{self.state}:{r}"} for r in sorted(rids)]


def test_rows_come_in_the_order_asked_and_only_missing_ones_are_read():
    store, cache = _Store(), RowCache(size=100)
    assert [r["rid"] for r in cache.get("s1", [5, 1, 3], store.rows)] == [5, 1, 3]
    assert [r["text"] for r in cache.get("s1", [3, 4, 1], store.rows)] == ["s1:3", "s1:4", "s1:1"]
    assert store.read == [[5, 1, 3], [4]]
    assert cache.get("s1", [], store.rows) == [] and store.read[-1] == [4]


def test_callers_get_copies():
    store, cache = _Store(), RowCache()
    cache.get("s1", [1], store.rows)[0]["spans"] = [(0, 1)]  # what a page adds to its rows
    assert cache.get("s1", [1], store.rows) == [{"rid": 1, "text": "s1:1"}]


def test_least_recently_used_rows_go_first():
    store, cache = _Store(), RowCache(size=3)
    cache.get("s1", [1, 2, 3], store.rows)
    cache.get("s1", [1], store.rows)  # 1 used again: 2 is now the oldest
    cache.get("s1", [4], store.rows)
    cache.get("s1", [1, 3, 4], store.rows)
    assert store.read == [[1, 2, 3], [4]]
    cache.get("s1", [2], store.rows)
    assert store.read[-1] == [2]


def test_another_corpus_state_reads_every_row_again():
    store, cache = _Store(), RowCache()
    cache.get("s1", [1, 2], store.rows)
    store.state = "s2"
    assert [r["text"] for r in cache.get("s2", [1, 2], store.rows)] == ["s2:1", "s2:2"]
    assert store.read == [[1, 2], [1, 2]]
