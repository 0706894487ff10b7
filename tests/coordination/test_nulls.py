"""Null worlds keep each actor's activity profile exactly and are the same whatever the number of workers."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from narrascope.coordination.nulls import DAY, make_null_plan, null_counts, null_times


def _plan(block_days: int = 7, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_posts, n_actors = 600, 5
    post_actor = rng.integers(0, n_actors, n_posts).astype(np.int32)
    # actor 0 posts only between 20:00 and 20:05 ("popular hours"); the others any time
    tod = np.where(post_actor == 0, 72_000 + rng.integers(0, 300, n_posts), rng.integers(0, DAY, n_posts))
    post_t = 1_700_006_400 + rng.integers(0, 60, n_posts) * DAY + tod
    post = np.arange(n_posts, dtype=np.int64)  # every post acts on one object (rank = post % 40)
    rank = post % 40
    codes = np.array([a * n_actors + b for a in range(n_actors) for b in range(a + 1, n_actors)], np.int64)
    plan = make_null_plan(rank, post_actor[post], post, post_actor, post_t, codes, n_actors, (60, 600), block_days)
    return plan, post_actor, post_t


def test_a_null_world_keeps_days_and_each_actors_times_of_day_per_block():
    plan, post_actor, post_t = _plan()
    t = null_times(plan, np.random.default_rng(1))
    assert not np.array_equal(t, post_t)  # times did move
    assert np.array_equal(t // DAY, post_t // DAY)  # every post stays on its day
    block = (post_t // DAY - (post_t // DAY).min()) // 7
    for actor in range(5):
        for b in np.unique(block):
            mine = (post_actor == actor) & (block == b)
            assert Counter((t[mine] % DAY).tolist()) == Counter((post_t[mine] % DAY).tolist())
    zero = post_actor == 0
    assert ((t[zero] % DAY >= 72_000) & (t[zero] % DAY < 72_300)).all()  # popular hours stay popular hours


@pytest.mark.slow
def test_worlds_do_not_depend_on_workers_and_follow_the_seed(monkeypatch):
    from narrascope.coordination import nulls

    monkeypatch.setattr(nulls, "MIN_PARALLEL_WORK", 0)  # really start the worker processes
    plan, _, _ = _plan()
    one = null_counts(plan, 8, seed=5, workers=1)
    two = null_counts(plan, 8, seed=5, workers=2)
    other = null_counts(plan, 8, seed=6, workers=1)
    assert one.shape == (2, 8, 10) and one.dtype == np.uint16
    assert np.array_equal(one, two)
    assert not np.array_equal(one, other)
    assert (one[1] >= one[0]).all()  # a wider window never counts less


@pytest.mark.parametrize("block_days", [1, 365])
def test_block_length_is_respected(block_days):
    plan, post_actor, post_t = _plan(block_days)
    t = null_times(plan, np.random.default_rng(2))
    if block_days == 1:  # one-day blocks: each actor's times of day of that day are only reordered
        for actor in range(5):
            for d in np.unique(post_t // DAY):
                mine = (post_actor == actor) & (post_t // DAY == d)
                assert sorted(t[mine].tolist()) == sorted(post_t[mine].tolist())
    else:
        assert np.array_equal(np.sort(t % DAY), np.sort(post_t % DAY))
