"""Accuracy from a coded sample against hand-computed values, per-term precision, and the coverage of the
sensitivity/specificity intervals."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.stats.intervals import wilson_interval
from narrascope.validate.coded import CodedSample
from narrascope.validate.score import accuracy, score, term_precision


def _consensus(strata: list[tuple[str, bool, int, list[int], list[list[str]] | None]]) -> pl.DataFrame:
    """strata: (name, hit side, N_h, labels of the coded items, matched terms per item)."""
    rows = []
    for name, hit, size, labels, terms in strata:
        for i, label in enumerate(labels):
            rows.append({"frame": "f", "sample_id": f"{name}{i}", "uid": f"{name}{i}", "hit": hit, "stratum": name,
                         "stratum_size": size, "stratum_sampled": len(labels), "label": label,
                         "terms": terms[i] if terms else []})
    return pl.DataFrame(rows, schema_overrides={"label": pl.Int8, "terms": pl.List(pl.Utf8)})


def test_accuracy_by_hand_one_stratum_per_side():
    cons = _consensus([("hit#001", True, 100, [1] * 40 + [0] * 10, None),
                       ("miss#001", False, 900, [1] * 5 + [0] * 45, None)])
    acc = accuracy(cons, "f")
    assert acc.population == 1000 and acc.population_hits == 100 and acc.hit_share == pytest.approx(0.1)
    assert acc.precision.estimate == pytest.approx(0.8) and acc.npv.estimate == pytest.approx(0.9)
    lo, hi = wilson_interval(40, 50)
    assert (acc.precision.lower, acc.precision.upper) == pytest.approx((float(lo), float(hi)))
    theta = 0.1 * 0.8 + 0.9 * 0.1  # true positives + false negatives, as shares of all messages
    assert acc.true_share == pytest.approx(theta)
    assert acc.sensitivity == pytest.approx(0.08 / theta)
    assert acc.specificity == pytest.approx(0.81 / (0.81 + 0.02))
    assert acc.sensitivity_lower < acc.sensitivity < acc.sensitivity_upper
    assert acc.specificity_lower < acc.specificity < acc.specificity_upper
    assert not acc.warnings


def test_stratified_precision_weights_strata_by_population_size():
    cons = _consensus([("hit#001", True, 300, [1] * 10 + [0] * 10, None), ("hit#002", True, 100, [1] * 20, None),
                       ("miss#001", False, 600, [0] * 20, None)])
    acc = accuracy(cons, "f")
    assert acc.precision.estimate == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    assert acc.precision.n_eff == pytest.approx(400**2 / (300**2 / 20 + 100**2 / 20))


def test_term_precision_lists_the_false_firing_terms_first():
    cons = _consensus([("hit#001", True, 50, [1, 1, 0, 0, 1],
                        [["riot"], ["riot", "protest"], ["protest"], ["protest"], ["riot"]]),
                       ("miss#001", False, 500, [0, 0], None)])
    t = term_precision(cons, "f")
    assert t.select("term", "coded", "true", "false").rows() == [("protest", 3, 1, 2), ("riot", 3, 3, 0)]
    assert t["precision"].to_list() == pytest.approx([1 / 3, 1.0])
    lo, hi = wilson_interval(1, 3)
    assert (t["lower"][0], t["upper"][0]) == pytest.approx((float(lo), float(hi)))


@pytest.mark.slow
def test_sensitivity_and_specificity_intervals_cover_at_about_the_nominal_rate():
    """400 simulated validations of a dictionary with sens 0.8, spec 0.97 on a frame of share 0.15 (N = 12,000,
    200 coded hits and 200 coded non-hits): the intervals should cover the process values about 95 % of the time."""
    rng = np.random.default_rng(31)
    n, theta, sens, spec = 12_000, 0.15, 0.8, 0.97
    covered = np.zeros(2)
    runs = 400
    for _ in range(runs):
        truth = rng.random(n) < theta
        hit = np.where(truth, rng.random(n) < sens, rng.random(n) < 1 - spec)
        hit_idx, miss_idx = np.flatnonzero(hit), np.flatnonzero(~hit)
        h = rng.choice(hit_idx, 200, replace=False)
        m = rng.choice(miss_idx, 200, replace=False)
        cons = _consensus([("hit#001", True, len(hit_idx), truth[h].astype(int).tolist(), None),
                           ("miss#001", False, len(miss_idx), truth[m].astype(int).tolist(), None)])
        acc = accuracy(cons, "f")
        covered += [acc.sensitivity_lower <= sens <= acc.sensitivity_upper,
                    acc.specificity_lower <= spec <= acc.specificity_upper]
    rate = covered / runs
    assert ((rate >= 0.92) & (rate <= 0.98)).all(), rate


def _two_coders(hit_labels: list[tuple[int, int]], miss_labels: list[tuple[int, int]]) -> CodedSample:
    """Two coders (ann, bob) labelling the same items: one hit stratum of 100 and one non-hit stratum of 900."""
    rows = []
    for side, labels, size in (("hit#001", hit_labels, 100), ("miss#001", miss_labels, 900)):
        for i, pair in enumerate(labels):
            for coder, label in zip(("ann", "bob"), pair, strict=True):
                rows.append({"sample_id": f"{side}-{i}", "uid": f"{side}-{i}", "frame": "f", "hit": side.startswith("hit"),
                             "stratum": side, "stratum_size": size, "stratum_sampled": len(labels),
                             "terms": ["riot"] if side.startswith("hit") else [], "coder": coder, "label": label,
                             "source": f"{coder}.csv", "row": i + 2})
    items = pl.DataFrame(rows, schema_overrides={"label": pl.Int8, "terms": pl.List(pl.Utf8)})
    return CodedSample(items, "hash")


def test_tied_items_count_half_instead_of_vanishing():
    """The demo situation: two coders, four items they split on — exactly the dictionary's false positives. Dropping
    the ties made precision jump from 96 % to 100 %; every label is used instead."""
    hit = [(1, 1)] * 96 + [(0, 1)] * 4  # ann: the 4 are false positives; bob calls them true
    miss = [(0, 0)] * 95 + [(1, 1)] * 5
    both = _two_coders(hit, miss)
    cons = both.consensus("f")
    ties = cons.filter(pl.col("majority").is_null())
    assert len(ties) == 4 and ties["label"].to_list() == [0.5] * 4  # kept, as half
    precision = accuracy(cons, "f").precision
    assert precision.coded == 100 and precision.estimate == pytest.approx(0.98)
    ann = CodedSample(both.items.filter(pl.col("coder") == "ann"), "hash")
    bob = CodedSample(both.items.filter(pl.col("coder") == "bob"), "hash")
    alone = [accuracy(c.consensus("f"), "f").precision.estimate for c in (ann, bob)]
    assert alone == pytest.approx([0.96, 1.0])
    assert min(alone) < precision.estimate < max(alone)  # no jump to 100 %: between the two coders
    report = score(both, bootstrap=200)
    assert any("4 item(s) have tied labels" in w and "half" in w for w in report["frames"][0]["warnings"])
    worst = report["frames"][0]["terms"][0]
    assert worst["term"] == "riot" and worst["false"] == pytest.approx(2.0)


@pytest.mark.slow
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60))
def test_two_coder_precision_is_the_mean_of_each_coders(hit: list[tuple[int, int]]) -> None:
    """With every item labelled by both coders, the soft-label precision is the average of the coders' own."""
    both = _two_coders(hit, [(0, 0)] * 10)
    one = [accuracy(CodedSample(both.items.filter(pl.col("coder") == c), "hash").consensus("f"), "f")
           .precision.estimate for c in ("ann", "bob")]
    assert accuracy(both.consensus("f"), "f").precision.estimate == pytest.approx(sum(one) / 2)
