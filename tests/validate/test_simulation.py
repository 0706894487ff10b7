"""The simulation study (docs/methods.md, "Validation and corrected shares"): with gold-standard coding, the corrected
95 % intervals cover the true share in 93–97 % of simulated studies while the raw share is visibly biased."""

from __future__ import annotations

import pytest

from narrascope.validate.simulate import simulate


@pytest.mark.slow
def test_corrected_intervals_cover_the_true_share_and_raw_shares_do_not():
    r = simulate(600, theta=(0.05, 0.15, 0.3), sens=0.8, spec=0.97, n_coded=400, seed=20261124, replicates=800)
    assert r.studies * r.groups >= 200
    assert 0.93 <= r.rg_coverage <= 0.97, r
    assert 0.93 <= r.ppi_coverage <= 0.97, r
    assert r.raw_coverage < 0.6, r
    assert abs(r.raw_bias) > 5 * abs(r.rg_bias), r
    assert r.rg_mean_abs_error < r.raw_mean_abs_error
    assert r.not_identifiable == 0


@pytest.mark.slow
def test_rare_frame_with_a_noisy_dictionary_is_still_covered():
    r = simulate(600, theta=(0.02, 0.05, 0.1), sens=0.7, spec=0.95, n_coded=400, seed=7, replicates=800)
    assert 0.93 <= r.rg_coverage <= 0.97, r
    assert r.raw_coverage < 0.2 and r.raw_bias > 0.02, r


@pytest.mark.slow
def test_coder_error_biases_the_correction_towards_the_coders_view():
    """Labels flipped 5 % of the time are no gold standard: coverage of the true share collapses (docs say so)."""
    clean = simulate(300, seed=3, replicates=500)
    noisy = simulate(300, seed=3, replicates=500, coder_error=0.05)
    assert noisy.rg_coverage < clean.rg_coverage - 0.15
    assert noisy.rg_bias > 0.02


@pytest.mark.slow
def test_a_known_coder_error_is_corrected_and_covered():
    """Coders wrong on 2 % and 5 % of labels; the estimators are told the rate: coverage back at the nominal 95 %."""
    for e in (0.02, 0.05):
        r = simulate(600, coder_error=e, assumed_coder_error=e, seed=20261125, replicates=800)
        assert r.studies * r.groups >= 200
        assert 0.93 <= r.rg_coverage <= 0.97, (e, r)
        assert 0.93 <= r.ppi_coverage <= 0.97, (e, r)
        assert r.raw_coverage < 0.6, (e, r)
        assert abs(r.raw_bias) > 5 * abs(r.rg_bias), (e, r)
        assert r.rg_mean_abs_error < r.raw_mean_abs_error


@pytest.mark.slow
def test_the_same_coders_without_the_rate_under_cover():
    """Honest the other way: the same 5 % coder error, the estimators not told: coverage far below 95 %."""
    told = simulate(600, coder_error=0.05, assumed_coder_error=0.05, seed=20261125, replicates=800)
    untold = simulate(600, coder_error=0.05, seed=20261125, replicates=800)
    assert untold.rg_coverage < 0.8 and untold.ppi_coverage < 0.8, untold
    assert untold.rg_bias > 0.02 and abs(told.rg_bias) < 0.005
    assert untold.raw_coverage == told.raw_coverage  # same simulated corpora, only the estimator differs
