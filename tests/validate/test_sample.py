"""Validation samples: allocation, strata bookkeeping, the coder-friendly CSV."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.errors import UsageError
from narrascope.validate.coded import SAMPLE_COLUMNS, check_code
from narrascope.validate.sample import allocate, draw_sample, mark_spans, write_sample_csv

from .helpers import LEXICON, synthetic


@given(st.lists(st.integers(0, 500), min_size=1, max_size=12), st.integers(0, 2000))
def test_allocation_fills_the_budget_within_every_cell(sizes, total):
    nonempty = sum(s > 0 for s in sizes)
    if min(total, sum(sizes)) < nonempty:
        with pytest.raises(UsageError):
            allocate(sizes, total)
        return
    alloc = allocate(sizes, total)
    assert sum(alloc) == min(total, sum(sizes))
    assert all(0 <= a <= s for a, s in zip(alloc, sizes, strict=True))
    assert all(a >= 1 for a, s in zip(alloc, sizes, strict=True) if s > 0)


def test_mark_spans_merges_overlaps():
    assert mark_spans("a riot here", [(2, 6), (4, 6)]) == "a [[riot]] here"
    assert mark_spans("اعتراض و riot", [(0, 6), (9, 13)]) == "[[اعتراض]] و [[riot]]"


def test_sample_is_stratified_with_recorded_probabilities():
    messages, hits, _ = synthetic()
    s = draw_sample(messages, hits, "unrest", 200, lexicon_hash=LEXICON.content_hash, by=["channel"], seed=4)
    assert list(s.columns) == list(SAMPLE_COLUMNS) and len(s) == 200
    assert (s["dictionary"] == "hit").sum() == 100
    n_hit_pop = hits["uid"].n_unique()
    sizes = s.group_by("stratum").agg(pl.col("stratum_size").first().cast(pl.Int64),
                                      pl.col("stratum_sampled").first().cast(pl.Int64), pl.len())
    assert sizes.filter(pl.col("stratum").str.starts_with("hit"))["stratum_size"].sum() == n_hit_pop
    assert sizes.filter(pl.col("stratum").str.starts_with("miss"))["stratum_size"].sum() == len(messages) - n_hit_pop
    assert (sizes["stratum_sampled"] == sizes["len"]).all()
    assert sizes["stratum"].str.contains(r"^(hit|miss)#\d{3}\|channel=Channel \d$").all()
    probs = s["inclusion_probability"].cast(pl.Float64).to_numpy()
    expected = s["stratum_sampled"].cast(pl.Float64).to_numpy() / s["stratum_size"].cast(pl.Float64).to_numpy()
    assert np.allclose(probs, expected, atol=1e-6)
    assert s["uid"].n_unique() == 200 and s["sample_id"].to_list()[:2] == ["S0001", "S0002"]
    row = s.row(0, named=True)
    assert row["check"] == check_code(row["sample_id"], row["uid"], "unrest", LEXICON.content_hash)
    marked = s.filter(pl.col("dictionary") == "hit")["text"].to_list()
    assert all("[[riot]]" in t for t in marked)
    # the same seed draws the same sample; rows are shuffled (hits and non-hits mixed)
    again = draw_sample(messages, hits, "unrest", 200, lexicon_hash=LEXICON.content_hash, by=["channel"], seed=4)
    assert again.equals(s)
    assert s["dictionary"].head(20).n_unique() == 2


def test_sample_csv_is_excel_friendly(tmp_path):
    messages, hits, _ = synthetic(300)
    s = draw_sample(messages, hits, "unrest", 40, lexicon_hash=LEXICON.content_hash)
    path = write_sample_csv(s, tmp_path / "sample.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    assert "شلوغی".encode() in raw


def test_a_frame_without_hits_or_a_tiny_n_is_refused():
    messages, hits, _ = synthetic(300)
    with pytest.raises(UsageError, match="no hit"):
        draw_sample(messages, hits, "economy", 40, lexicon_hash="x")
    with pytest.raises(UsageError, match="strata"):
        draw_sample(messages, hits, "unrest", 4, lexicon_hash="x", by=["channel"])


def test_rows_without_a_url_get_a_link_a_coder_can_follow():
    messages, hits, _ = synthetic(300)
    messages = messages.with_columns(pl.lit(None, dtype=pl.Utf8).alias("url"),
                                     pl.Series("message_id", [str(i + 1) for i in range(300)]),
                                     pl.col("channel_id").str.replace("c", "100"))
    messages = messages.with_columns(pl.when(pl.col("channel_id") == "1002").then(pl.lit("news"))
                                     .otherwise(pl.col("platform")).alias("platform"))
    s = draw_sample(messages, hits, "unrest", 60, lexicon_hash=LEXICON.content_hash, seed=1)
    by_uid = {u: i for i, u in enumerate(messages["uid"])}
    for uid, link in zip(s["uid"], s["link"], strict=True):
        i = by_uid[uid]
        channel = f"100{i % 3}"
        expected = f"news:{channel}/{i + 1}" if channel == "1002" else f"https://t.me/c/{channel}/{i + 1}"
        assert link == expected
