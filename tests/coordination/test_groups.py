"""Groups: components of reported edges, their test, and Jaccard stability."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.coordination.groups import best_jaccard, components, group_pvalues


def test_components_are_deterministic_and_skip_singletons():
    a, b = np.array([5, 1, 2]), np.array([6, 2, 3])
    assert components(a, b, 8) == [[1, 2, 3], [5, 6]]
    assert components(np.array([], int), np.array([], int), 3) == []


def test_group_pvalue_sums_member_pairs_in_each_world():
    groups = [[0, 1, 2]]
    a, b = np.array([0, 0, 1, 3]), np.array([1, 2, 2, 4])
    observed = np.array([5, 1, 4, 100])  # the pair (3, 4) is outside the group
    null = np.array([[1, 0, 1, 50], [5, 3, 2, 0], [0, 0, 0, 0]])
    obs, mean, p = group_pvalues(groups, a, b, observed, null)
    assert obs.tolist() == [10] and mean.tolist() == [pytest.approx(4.0)]
    assert p.tolist() == [pytest.approx((1 + 1) / 4)]  # one world (5+3+2 = 10) reaches 10


def test_best_jaccard():
    assert best_jaccard([1, 2, 3], [[9], [2, 3, 4]]) == (0.5, [2, 3, 4])
    assert best_jaccard([1], []) == (0.0, [])
