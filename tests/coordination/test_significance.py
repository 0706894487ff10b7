"""p-values from null worlds, the Poisson tail bound, Benjamini–Hochberg, and the family of pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from narrascope.coordination.significance import (
    MIN_EXCEED,
    benjamini_hochberg,
    edge_pvalues,
    mc_pvalues,
    potential_pairs,
    tail_pvalues,
)

multitest = pytest.importorskip("statsmodels.stats.multitest")


def test_mc_pvalue_counts_the_observed_world():
    null = np.array([[0, 5], [1, 5], [2, 6], [3, 4]])
    p = mc_pvalues(np.array([2, 0]), null)
    assert p.tolist() == [(1 + 2) / 5, 1.0]  # worlds with 2 and 3 reach 2; an edge never observed has p = 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.integers(0, 30))
def test_bh_equals_statsmodels(p, extra):
    p = np.array(p)
    q = benjamini_hochberg(p, p.size + extra)
    padded = np.concatenate([p, np.ones(extra)])  # pairs never observed: p = 1
    ref = multitest.multipletests(padded, method="fdr_bh")[1][: p.size]
    assert np.allclose(q, ref)


def test_bh_refuses_a_family_smaller_than_its_p_values():
    with pytest.raises(ValueError):
        benjamini_hochberg(np.array([0.1, 0.2]), 1)


def test_tail_bound_is_conservative_for_binomial_counts():
    """Counts that are sums of independent co-actions: in the upper tail (where the bound is used: fewer than
    no world reaches the count) it is never below the exact tail."""
    rng = np.random.default_rng(3)
    for n, prob in ((40, 0.01), (200, 0.02), (30, 0.2)):
        null = rng.binomial(n, prob, size=(500, 1))
        for observed in range(int(n * prob) + 1, 15):
            bound = tail_pvalues(np.array([observed]), null, np.array([1]))[0]
            assert bound >= binom.sf(observed - 1, n, prob) * 0.999, (n, prob, observed)


def test_tail_bound_accounts_for_objects_moving_together():
    """Each co-action adds two objects (a link and a text of the same post): φ = 2 keeps the bound valid."""
    rng = np.random.default_rng(4)
    null = 2 * rng.binomial(50, 0.02, size=(500, 1))
    for observed in (4, 6, 8, 10):
        exact = binom.sf(observed // 2 - 1, 50, 0.02)
        assert tail_pvalues(np.array([observed]), null, np.array([2]))[0] >= exact * 0.999
        assert tail_pvalues(np.array([observed]), null, np.array([1]))[0] < exact  # φ = 1 would be anti-conservative


def test_edge_pvalues_switch_to_the_tail_only_beyond_the_worlds():
    null = np.tile(np.arange(20)[:, None], (1, 3))  # 0..19 in 20 worlds
    p, exceed, tail = edge_pvalues(np.array([5, 19, 40]), null, np.array([1, 1, 1]))
    assert exceed.tolist() == [15, 1, 0] and tail.tolist() == [False, False, True]
    assert p[0] == pytest.approx(16 / 21) and p[1] == pytest.approx(2 / 21)
    assert p[2] < 1 / 21  # beyond every world: below the share's floor
    assert MIN_EXCEED == 1


@pytest.mark.slow
def test_pvalues_hold_their_level_on_discrete_counts():
    """Data and worlds from the same Poisson-binomial counts: P(p ≤ t) ≤ t at every t, the floor included."""
    rng = np.random.default_rng(8)
    probs = rng.uniform(0.001, 0.05, size=60)  # 60 objects, each co-acted on by chance with its own probability
    draws = (rng.random((5_000, 201, probs.size)) < probs).sum(axis=2)  # [repetition, world 0 = data, worlds]
    p, _, _ = edge_pvalues(draws[:, 0], draws[:, 1:].T, np.ones(5_000, np.int64))
    for t in (0.002, 0.005, 0.01, 0.05, 0.1, 0.5):
        assert (p <= t).mean() <= t * 1.1 + 0.003, t


def test_potential_pairs_are_pairs_on_one_object_within_a_day():
    rank = np.array([0, 0, 0, 1, 1], np.int64)
    day = np.array([10, 11, 13, 5, 5], np.int64)
    actor = np.array([0, 1, 2, 2, 3], np.int64)
    codes = potential_pairs(rank, day, actor, 10)
    assert codes.tolist() == [0 * 10 + 1, 2 * 10 + 3]  # actor 2 acted on object 0 two days after actor 1
