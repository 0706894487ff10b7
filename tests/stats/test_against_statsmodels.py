"""The interval functions cross-checked against statsmodels' independent implementations on random inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.stats.intervals import (
    newcombe_diff_interval,
    rate_ratio_interval,
    two_proportion_test,
    wilson_interval,
)

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")
sm_rates = pytest.importorskip("statsmodels.stats.rates")

counts = st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
confidence = st.sampled_from([0.8, 0.9, 0.95, 0.99])


@settings(max_examples=150)
@given(counts, confidence)
def test_wilson_equals_statsmodels(kn, conf):
    k, n = kn
    lo, hi = wilson_interval(k, n, conf)
    ref_lo, ref_hi = sm_proportion.proportion_confint(k, n, alpha=1 - conf, method="wilson")
    assert float(lo) == pytest.approx(ref_lo, abs=1e-9)
    assert float(hi) == pytest.approx(ref_hi, abs=1e-9)


@pytest.mark.slow
@settings(max_examples=150)
@given(counts, counts, confidence)
def test_newcombe_equals_statsmodels(a, b, conf):
    (k1, n1), (k2, n2) = a, b
    _, lo, hi = newcombe_diff_interval(k1, n1, k2, n2, conf)
    ref_lo, ref_hi = sm_proportion.confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff",
                                                              alpha=1 - conf)
    assert float(lo) == pytest.approx(ref_lo, abs=1e-9)
    assert float(hi) == pytest.approx(ref_hi, abs=1e-9)


@pytest.mark.slow
@settings(max_examples=150)
@given(counts, counts)
def test_two_proportion_test_equals_statsmodels(a, b):
    (k1, n1), (k2, n2) = a, b
    if k1 + k2 in (0, n1 + n2):
        return  # pooled variance zero: statsmodels returns nan, narrascope z = 0 (documented)
    z, p = two_proportion_test(k1, n1, k2, n2)
    ref_z, ref_p = sm_proportion.proportions_ztest([k2, k1], [n2, n1])
    assert float(z) == pytest.approx(ref_z, rel=1e-9, abs=1e-9)
    assert float(p) == pytest.approx(ref_p, rel=1e-9, abs=1e-12)


@settings(max_examples=150)
@given(st.integers(1, 5000), st.floats(0.5, 1000), st.integers(1, 5000), st.floats(0.5, 1000), confidence)
def test_rate_ratio_equals_statsmodels_wald_log(c1, t1, c2, t2, conf):
    rr, lo, hi = rate_ratio_interval(c1, t1, c2, t2, conf)
    ref_lo, ref_hi = sm_rates.confint_poisson_2indep(c2, t2, c1, t1, method="wald-log", compare="ratio",
                                                     alpha=1 - conf)
    assert float(rr) == pytest.approx((c2 / t2) / (c1 / t1), rel=1e-12)
    assert float(lo) == pytest.approx(ref_lo, rel=1e-9)
    assert float(hi) == pytest.approx(ref_hi, rel=1e-9)
