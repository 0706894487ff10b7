"""Krippendorff's α against the worked examples of Krippendorff (2011), "Computing Krippendorff's
Alpha-Reliability" (Annenberg School for Communication, departmental paper 43), sections A–C, and the example of the
Wikipedia article "Krippendorff's alpha" (§ A computational example)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.validate.agreement import agreement_report, bootstrap_alpha, krippendorff_alpha, value_counts

N = None


def test_binary_two_coders_section_a():
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(krippendorff_alpha(data), 3) == 0.095


def test_nominal_two_coders_section_b():
    data = [[1, 1, 2, 2, 4, 3, 3, 3, 5, 4, 4, 1], [2, 1, 2, 2, 2, 3, 3, 3, 5, 4, 4, 4]]
    assert round(krippendorff_alpha(data), 3) == 0.692


def test_nominal_four_coders_missing_values_section_c():
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
            [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
    assert round(krippendorff_alpha(data), 3) == 0.743


def test_wikipedia_three_coders_example():
    data = [[N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
            [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
            [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4]]
    assert round(krippendorff_alpha(data), 3) == 0.691


def test_perfect_agreement_is_one_and_no_variation_is_undefined():
    assert krippendorff_alpha([[1, 0, 1, 0], [1, 0, 1, 0]]) == 1.0
    assert np.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0, 1, None]), min_size=8, max_size=8), min_size=2, max_size=4),
       st.randoms(use_true_random=False))
def test_alpha_ignores_the_order_of_coders_and_units(matrix, rnd):
    shuffled = [row[:] for row in matrix]
    rnd.shuffle(shuffled)
    order = list(range(8))
    rnd.shuffle(order)
    shuffled = [[row[i] for i in order] for row in shuffled]
    a, b = krippendorff_alpha(matrix), krippendorff_alpha(shuffled)
    assert (np.isnan(a) and np.isnan(b)) or abs(a - b) < 1e-12


def test_bootstrap_interval_holds_alpha_and_report_lists_disagreements():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 2, 200)
    a = np.where(rng.random(200) < 0.1, 1 - truth, truth)
    b = np.where(rng.random(200) < 0.1, 1 - truth, truth)
    counts, _ = value_counts([a.tolist(), b.tolist()])
    alpha = krippendorff_alpha(counts=counts)
    lo, hi = bootstrap_alpha(counts, replicates=500, seed=1)
    assert lo < alpha < hi and hi - lo < 0.3
    items = pl.DataFrame({
        "sample_id": [f"S{i:04d}" for i in range(200)] * 2, "uid": [str(i) for i in range(200)] * 2,
        "coder": ["ann"] * 200 + ["bob"] * 200, "label": np.concatenate([a, b]).astype(np.int8),
    })
    report = agreement_report(items, bootstrap=200)
    assert abs(report["alpha"] - alpha) < 1e-12
    assert len(report["disagreements"]) == int((a != b).sum())
    assert set(report["disagreements"][0]["labels"]) == {"ann", "bob"}
