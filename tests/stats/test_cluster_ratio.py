"""The channel-clustered ratio interval: its pieces against hand computation, the matrix formula, the exact t
distribution of equal clusters and brute-force simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from narrascope.stats.cluster_ratio import (
    EXACT_BELOW_DF,
    bell_mccaffrey_df,
    critical_value,
    intracluster_correlation,
    ratio_interval,
)


def _cr2(n: np.ndarray) -> np.ndarray:
    return 1 / (1 - n / n.sum())


def test_intracluster_correlation_by_hand():
    # y = 0, 2, 5 of n = 3, 3, 5: R = 7/11; between mean square Σ n (p − R)² / 2 = 31/33, within Σ n p (1 − p) / 8
    # = 1/12, n0 = (11 − 43/11) / 2 = 39/11; ρ = (31/33 − 1/12) / (31/33 + (39/11 − 1)/12) = 113/152
    assert intracluster_correlation([0, 2, 5], [3, 3, 5]) == pytest.approx(113 / 152)
    assert intracluster_correlation([1, 1, 3], [2, 2, 4]) == 0.0  # within > between: clipped at 0
    assert intracluster_correlation([1, 0, 1], [1, 1, 1]) == 0.0  # one unit per cluster: not identified
    assert intracluster_correlation([0, 3], [3, 3]) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=2, max_size=25), st.floats(0, 1), st.booleans())
def test_bell_mccaffrey_df_matches_the_matrix_formula(sizes, rho, cr3):
    n = np.array(sizes, dtype=float)
    a = _cr2(n) ** (2 if cr3 else 1)
    v = n * (1 + (n - 1) * rho)
    m = n.size
    big_m = np.eye(m) - np.outer(n / n.sum(), np.ones(m))  # ê = M e
    s = np.sqrt(v)[:, None] * (big_m.T @ np.diag(a) @ big_m) * np.sqrt(v)[None, :]
    expected = np.trace(s) ** 2 / np.sum(s * s)
    assert bell_mccaffrey_df(n, a, v) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("m", [4, 10, 30])
def test_equal_clusters_give_student_t_on_m_minus_1_degrees_of_freedom(m):
    # equal sizes: ê_c = e_c − ē and a_c = m/(m − 1), so t = √m ē / s exactly — Student's t on m − 1 df
    n = np.full(m, 7.0)
    for rho in (0.0, 0.4):
        v = n * (1 + 6 * rho)
        assert bell_mccaffrey_df(n, _cr2(n), v) == pytest.approx(m - 1)
        assert critical_value(n, _cr2(n), v, draws=20_000) == pytest.approx(stats.t.ppf(0.975, m - 1), rel=0.01)


def test_critical_value_matches_brute_force_simulation_of_unequal_clusters():
    n = np.array([400.0, 150, 60, 40, 30, 20, 12, 8, 5, 3, 2, 1])
    v = n * (1 + (n - 1) * 0.2)
    a = _cr2(n)
    e = np.random.default_rng(11).standard_normal((200_000, n.size)) * np.sqrt(v)
    total = e.sum(axis=1)
    resid = e - np.outer(total, n / n.sum())
    t = np.abs(total / np.sqrt((a * resid * resid).sum(axis=1)))
    brute = float(np.quantile(t, 0.95))
    q = critical_value(n, a, v, draws=20_000)
    assert q == pytest.approx(brute, rel=0.01)
    # one channel holds most units: far fewer effective degrees of freedom than m − 1, a much larger quantile,
    # though not as large as Satterthwaite's approximation (which over-covers here)
    assert q > stats.t.ppf(0.975, n.size - 1) + 0.3
    assert q < stats.t.ppf(0.975, bell_mccaffrey_df(n, a, v))


def test_many_even_clusters_use_the_t_quantile_on_bell_mccaffrey_degrees_of_freedom():
    n = np.array([20.0, 30, 25] * 60)
    v = n * (1 + (n - 1) * 0.1)
    df = bell_mccaffrey_df(n, _cr2(n), v)
    assert df >= EXACT_BELOW_DF
    assert critical_value(n, _cr2(n), v) == pytest.approx(stats.t.ppf(0.975, df))


def test_ratio_interval_by_hand():
    y, n = np.array([1.0, 4, 2, 6]), np.array([5.0, 6, 4, 9])
    r, lo, hi = ratio_interval(y, n)
    assert r == pytest.approx(13 / 24)
    resid = y - 13 / 24 * n
    var = float(np.sum(resid**2 / (1 - n / 24))) / 24**2  # CR2
    v = n * (1 + (n - 1) * intracluster_correlation(y, n))
    q = critical_value(n, _cr2(n), v)
    half = q * math.sqrt(var) / (r * (1 - r))
    logit = math.log(r / (1 - r))
    assert (lo, hi) == pytest.approx((1 / (1 + math.exp(half - logit)), 1 / (1 + math.exp(-logit - half))))
    assert 0 < lo < r < hi < 1
    assert ratio_interval(y, n) == (r, lo, hi)  # a fixed seed: reproducible


def test_ratio_interval_leaves_out_empty_clusters_and_falls_back_to_wilson():
    assert ratio_interval([1, 4, 0, 2, 6], [5, 6, 0, 4, 9]) == ratio_interval([1, 4, 2, 6], [5, 6, 4, 9])
    r, lo, hi = ratio_interval([0, 0, 0], [5, 3, 2])
    assert r == 0 and lo == 0 and 0 < hi < 1
    assert all(math.isnan(x) for x in ratio_interval([0], [0]))


def test_concentrated_channels_widen_the_interval():
    # same share in every channel and the same total, but one channel holds most units: less information
    even = ratio_interval(np.array([3.0, 2, 4, 3, 2, 4, 3, 3]), np.full(8, 10.0))
    skew = ratio_interval(np.array([20.0, 2, 1, 0, 1, 0, 0, 0]), np.array([66.0, 4, 2, 2, 2, 2, 1, 1]))
    assert skew[2] - skew[1] > even[2] - even[1]
