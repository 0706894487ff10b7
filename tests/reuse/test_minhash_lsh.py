"""MinHash and LSH against theory: estimate errors, the S-curve of candidate rates, band choice, buckets."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.reuse.lsh import band_keys, candidate_probability, choose_bands, lsh_pairs
from narrascope.reuse.minhash import estimate_jaccard, signatures
from narrascope.reuse.shingle import ShingleSets

GRID = np.round(np.arange(0.0, 1.01, 0.1), 2)


def _pairs_with_jaccard(s_values: np.ndarray, per_s: int, union: int, seed: int) -> tuple[ShingleSets, np.ndarray]:
    """Set pairs (2k, 2k+1) whose exact Jaccard is round(s·union)/union, from fresh random 32-bit values."""
    rng = np.random.default_rng(seed)
    owners, values, exact = [], [], []
    doc = 0
    for s in s_values:
        shared = int(round(s * union))
        only = union - shared
        for _ in range(per_s):
            pool = rng.choice(2**32, size=union + only, replace=False).astype(np.uint32)
            common, a_only, b_only = pool[:shared], pool[shared : shared + only // 2], pool[shared + only // 2 :]
            b_only = b_only[: only - a_only.size]
            for part in (np.concatenate([common, a_only]), np.concatenate([common, b_only])):
                owners.append(np.full(part.size, doc))
                values.append(part)
                doc += 1
            exact.append(shared / union)
    return ShingleSets.from_pairs(np.concatenate(owners), np.concatenate(values), doc), np.array(exact)


@pytest.fixture(scope="module")
def grid_pairs() -> tuple[ShingleSets, np.ndarray, np.ndarray]:
    sets, exact = _pairs_with_jaccard(GRID, per_s=3000, union=60, seed=42)
    return sets, exact, signatures(sets, 128, seed=7)


def test_choose_bands_is_the_largest_r_that_reaches_the_recall_at_the_threshold() -> None:
    for threshold in (0.3, 0.5, 0.7, 0.9):
        bands, rows = choose_bands(threshold, 128, 0.95)
        assert bands * rows <= 128
        assert candidate_probability(threshold, bands, rows) >= 0.95
        assert candidate_probability(threshold, 128 // (rows + 1), rows + 1) < 0.95
    assert choose_bands(0.5, 128) == (42, 3)


@pytest.mark.slow
def test_minhash_estimates_err_as_theory_says(grid_pairs) -> None:
    _, exact, sig = grid_pairs
    est = estimate_jaccard(sig[0::2], sig[1::2])
    for s in np.unique(exact):
        err = est[exact == s] - s
        sd = np.sqrt(s * (1 - s) / 128)
        assert abs(err.mean()) < 0.01, (s, err.mean())  # unbiased
        if 0 < s < 1:
            assert 0.85 * sd < err.std() < 1.15 * sd, (s, err.std(), sd)  # binomial spread of 128 trials
        else:
            assert np.all(err == 0)


@pytest.mark.slow
def test_lsh_candidate_rate_follows_the_s_curve_within_3_points(grid_pairs) -> None:
    _, exact, sig = grid_pairs
    for bands, rows in ((42, 3), (16, 8), (32, 4)):
        keys = band_keys(sig, bands, rows)
        candidate = np.any(keys[0::2] == keys[1::2], axis=1)
        for s in np.unique(exact):
            measured = candidate[exact == s].mean()
            assert abs(measured - candidate_probability(s, bands, rows)) <= 0.03, (bands, rows, s, measured)


def test_lsh_pairs_groups_by_band_keys_and_chains_huge_buckets() -> None:
    keys = np.array([[1, 9], [1, 8], [2, 8], [3, 7]], dtype=np.uint64)
    pairs, stats = lsh_pairs(keys, np.arange(4))
    assert pairs.tolist() == [[0, 1], [1, 2]]
    assert stats.capped_buckets == 0
    big = np.zeros((6, 1), dtype=np.uint64)  # one bucket of 6 documents
    pairs, stats = lsh_pairs(big, np.arange(10, 16), max_bucket=3)
    assert pairs.tolist() == [[10, 11], [11, 12], [12, 13], [13, 14], [14, 15]]
    assert stats.capped_buckets == 1 and stats.largest_bucket == 6
    pairs, _ = lsh_pairs(big, np.arange(6), max_bucket=10)
    assert len(pairs) == 15


@pytest.mark.slow
def test_signatures_do_not_depend_on_workers_or_job_size() -> None:
    from narrascope.reuse import minhash

    sets, _ = _pairs_with_jaccard(np.array([0.5]), per_s=4000, union=40, seed=3)
    one = signatures(sets, 64, seed=1, workers=1)
    old = minhash._JOB_VALUES
    minhash._JOB_VALUES = 50_000  # several jobs, so two workers really split the work
    try:
        two = signatures(sets, 64, seed=1, workers=2)
    finally:
        minhash._JOB_VALUES = old
    assert np.array_equal(one, two)
    assert np.array_equal(one[0], signatures(sets.take(np.array([0])), 64, seed=1)[0])
