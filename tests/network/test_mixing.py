"""Mixing matrix, its configuration-model null and assortativity on a graph small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.network.mixing import MixingOptions, assortativity, mixing_frames, ratio_interval, sentence

# Forwards (one row per forwarded message), source = the channel forwarded FROM, target = the forwarding channel.
#   A1 (abroad) → I2 (inside)  twice
#   A1 (abroad) → A2 (abroad)  once
#   I1 (inside) → I3 (inside)  once
# A1 and I1 only send, I2, I3 and A2 only receive: no shuffle can make a self-loop, so the configuration model is a
# uniform permutation of the four target stubs [I2, I2, A2, I3] over the source stubs [A1, A1, A1, I1].
UNITS = pl.DataFrame({"source": ["A1", "A1", "A1", "I1"], "target": ["I2", "I2", "A2", "I3"]})
GROUPS = pl.DataFrame({"node": ["A1", "A2", "I1", "I2", "I3"],
                       "group": ["abroad", "abroad", "inside", "inside", "inside"]})


def _cell(matrix: pl.DataFrame, a: str, b: str) -> dict:
    return matrix.filter((pl.col("source_group") == a) & (pl.col("target_group") == b)).row(0, named=True)


@pytest.mark.slow
def test_hand_computed_matrix_and_null_expectation():
    matrix, summary, bridges = mixing_frames(UNITS, GROUPS, MixingOptions(draws=20000, seed=3))
    ai = _cell(matrix, "abroad", "inside")
    # Observed: abroad→inside 2, abroad→abroad 1, inside→inside 1, inside→abroad 0.
    assert [_cell(matrix, a, b)["count"] for a, b in
            [("abroad", "inside"), ("abroad", "abroad"), ("inside", "inside"), ("inside", "abroad")]] == [2, 1, 1, 0]
    # Share of the forwards reaching inside channels (3: two to I2, one to I3) that come from abroad: 2/3.
    assert ai["share"] == pytest.approx(2 / 3)
    assert ai["share_total"] == pytest.approx(2 / 4)
    # Null: out-strength abroad 3, inside 1; in-strength inside 3, abroad 1; 4 units.
    # E[abroad→inside] = 3·3/4 = 2.25 (A2's stub lands on I1 with probability 1/4, count 3; else count 2);
    # expected share of inside's incoming = 2.25/3 = 0.75; E[inside→abroad] = 1·1/4 = 0.25.
    assert ai["expected"] == pytest.approx(2.25, abs=0.02)
    assert ai["expected_share"] == pytest.approx(0.75, abs=0.01)
    assert _cell(matrix, "inside", "abroad")["expected"] == pytest.approx(0.25, abs=0.02)
    # P(null ≤ 2) = 3/4 and P(null ≥ 2) = 1, so the two-sided p is min(1, 2·0.75) = 1.
    assert ai["p_value"] == pytest.approx(1.0)
    # P(inside→abroad ≤ 0) = 3/4, P(≥ 0) = 1: p = 1 as well; and the observed 0 is below the 0.25 expected.
    assert _cell(matrix, "inside", "abroad")["ratio"] == 0
    # Newman's r: e = [[1/4, 2/4], [0, 1/4]], a = (3/4, 1/4), b = (1/4, 3/4), Σ a_i b_i = 3/16 + 3/16 = 3/8,
    # r = (1/2 − 3/8) / (1 − 3/8) = 0.2.
    assert summary["r"] == pytest.approx(0.2)
    # Bridges: cross-group units are the two A1→I2 forwards; A1 and I2 each touch both of them.
    top = bridges.filter(pl.col("cross") > 0).sort("node")
    assert top["node"].to_list() == ["A1", "I2"] and top["share"].to_list() == [1.0, 1.0]


def test_edge_unit_counts_each_channel_pair_once():
    edges = UNITS.unique()
    matrix, _, _ = mixing_frames(edges, GROUPS, MixingOptions(draws=0))
    # pairs A1→I2, A1→A2, I1→I3: abroad→inside 1 of the 2 pairs reaching inside
    assert _cell(matrix, "abroad", "inside")["count"] == 1
    assert _cell(matrix, "abroad", "inside")["share"] == pytest.approx(1 / 2)
    assert matrix["expected"].is_null().all()


def test_null_repairs_self_loops_and_keeps_strengths():
    # a channel that both sends and receives: the shuffle may pair its stubs; repaired worlds keep every degree
    units = pl.DataFrame({"source": ["a", "a", "b", "c", "c", "d"], "target": ["b", "c", "a", "a", "d", "b"]})
    groups = pl.DataFrame({"node": list("abcd"), "group": ["x", "x", "y", "y"]})
    matrix, _, _ = mixing_frames(units, groups, MixingOptions(draws=4000, seed=1))
    # the null keeps each group's out-strength (row sums) and in-strength (column sums) exactly
    expected = {(r["source_group"], r["target_group"]): r["expected"] for r in matrix.iter_rows(named=True)}
    observed = {(r["source_group"], r["target_group"]): r["count"] for r in matrix.iter_rows(named=True)}
    for g in ("x", "y"):
        assert sum(v for (a, _), v in expected.items() if a == g) == pytest.approx(
            sum(v for (a, _), v in observed.items() if a == g))
        assert sum(v for (_, b), v in expected.items() if b == g) == pytest.approx(
            sum(v for (_, b), v in observed.items() if b == g))


def test_ratio_interval_falls_back_to_wilson_at_zero_and_needs_flow():
    r, lo, hi = ratio_interval(np.array([0, 0, 0]), np.array([5, 3, 2]))
    assert r == 0 and lo == 0 and 0 < hi < 1
    assert all(math.isnan(v) for v in ratio_interval(np.array([0]), np.array([0])))
    r, lo, hi = ratio_interval(np.array([1, 4, 2, 6]), np.array([5, 6, 4, 9]))
    assert r == pytest.approx(13 / 24) and lo < r < hi


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=4, max_size=4))
def test_assortativity_is_one_for_a_diagonal_matrix_and_bounded(counts):
    m = np.array(counts, dtype=float).reshape(2, 2)
    r = assortativity(m)
    if m.sum() and not math.isnan(r):
        assert -1 - 1e-9 <= r <= 1 + 1e-9
    if m[0, 1] == m[1, 0] == 0 and m[0, 0] and m[1, 1]:
        assert r == pytest.approx(1.0)


def test_sentence_reads_like_the_claim():
    matrix, _, _ = mixing_frames(UNITS, GROUPS, MixingOptions(draws=500, seed=3))
    text = sentence(_cell(matrix, "abroad", "inside"), "forward", "location")
    assert text.startswith("67\u202f% of forwards reaching inside channels come from abroad channels (95\u202f% CI ")
    assert "75\u202f% expected if links ignored location (p = 1.000)" in text
