"""The sorted range self-join equals a brute-force all-pairs oracle; the closest co-action per (pair, object)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.coordination.coaction import candidate_rows, observed_coactions, sort_key, window_pairs

actions = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(0, 400)), min_size=0, max_size=60)


def _brute(rows: list[tuple[int, int, int]], window: int) -> dict[tuple[int, int, int], int]:
    """(a, b, object) -> smallest |Δt| over all pairs of actions by two different actors on that object."""
    best: dict[tuple[int, int, int], int] = {}
    for (o1, a1, t1), (o2, a2, t2) in itertools.combinations(rows, 2):
        if o1 != o2 or a1 == a2 or abs(t1 - t2) > window:
            continue
        key = (min(a1, a2), max(a1, a2), o1)
        best[key] = min(best.get(key, window + 1), abs(t1 - t2))
    return best


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(actions, st.integers(0, 120))
def test_range_join_equals_all_pairs(rows, window):
    obj = np.array([r[0] for r in rows], np.int64)
    actor = np.array([r[1] for r in rows], np.int32)
    t = np.array([r[2] for r in rows], np.int64) + 1_700_000_000
    post = np.arange(len(rows), dtype=np.int64)
    co = observed_coactions(obj, t, actor, post, np.zeros(len(rows), np.int8), window, np.arange(6, dtype=np.uint64))
    got = {(r["a"], r["b"], r["rank"]): r["lag"] for r in co.frame.iter_rows(named=True)}
    assert got == _brute(rows, window)
    for r in co.frame.iter_rows(named=True):  # the evidence pair really is the two actors' posts on that object
        assert actor[r["post_a"]] == r["a"] and actor[r["post_b"]] == r["b"]
        assert obj[r["post_a"]] == obj[r["post_b"]] == r["rank"]
        assert abs(t[r["post_a"]] - t[r["post_b"]]) == r["lag"]
        assert r["lead"] in (-1, r["a"], r["b"]) and (r["lead"] == -1) == (r["lag"] == 0)


def test_window_pairs_never_cross_objects():
    rank = np.array([0, 0, 1, 1], np.int64)
    t = np.array([10, 20, 21, 25], np.int64)
    key = sort_key(rank, t, 0)
    i, j = window_pairs(key, 100)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (2, 3)]


def test_candidate_rows_need_two_actors():
    obj = np.array([1, 1, 2, 2, 3], np.uint64)
    actor = np.array([0, 1, 0, 0, 2], np.int32)
    assert candidate_rows(obj, actor).tolist() == [True, True, False, False, False]
