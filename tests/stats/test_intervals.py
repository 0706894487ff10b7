"""Intervals against published worked examples (Newcombe 1998a, 1998b) and basic invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.stats.intervals import (
    newcombe_diff_interval,
    rate_ratio_interval,
    two_proportion_test,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [  # Newcombe (1998), Stat Med 17:857–872, Table II, method 3 (score interval without continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_examples(k, n, lo, hi):
    got_lo, got_hi = wilson_interval(k, n)
    assert float(got_lo) == pytest.approx(lo, abs=5e-5)
    assert float(got_hi) == pytest.approx(hi, abs=5e-5)


def test_newcombe_difference_matches_published_example():
    # Newcombe (1998), Stat Med 17:873–890, example (a): 56/70 vs 48/80, method 10 → 0.0524 to 0.3339
    d, lo, hi = newcombe_diff_interval(48, 80, 56, 70)
    assert float(d) == pytest.approx(0.2)
    assert float(lo) == pytest.approx(0.0524, abs=5e-5)
    assert float(hi) == pytest.approx(0.3339, abs=5e-5)


@given(st.integers(0, 500), st.integers(0, 500))
def test_wilson_contains_estimate_and_stays_in_unit_interval(k, extra):
    n = k + extra
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= float(lo) <= float(hi) <= 1.0
    if n:
        assert float(lo) - 1e-12 <= k / n <= float(hi) + 1e-12
    else:
        assert (float(lo), float(hi)) == (0.0, 1.0)


def test_wilson_coverage_is_near_nominal():
    rng = np.random.default_rng(3)
    p, n = 0.12, 150
    k = rng.binomial(n, p, size=20_000)
    lo, hi = wilson_interval(k, np.full_like(k, n))
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.93 <= coverage <= 0.97


def test_two_proportion_test_and_rate_ratio():
    z, p = two_proportion_test(10, 100, 30, 100)
    assert float(z) > 3 and float(p) < 0.001
    z0, p0 = two_proportion_test(20, 100, 20, 100)
    assert float(z0) == 0 and float(p0) == pytest.approx(1.0)
    rr, lo, hi = rate_ratio_interval(100, 365, 200, 365)
    assert float(rr) == pytest.approx(2.0)
    assert float(lo) < 2.0 < float(hi)
    # exp(log 2 ± 1.96·sqrt(1/100 + 1/200))
    assert float(lo) == pytest.approx(2 * np.exp(-1.959964 * np.sqrt(0.015)), rel=1e-4)
