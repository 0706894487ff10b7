"""Corrected shares: raw and corrected side by side, with warnings where the correction cannot be trusted."""

from __future__ import annotations

import numpy as np
import polars as pl

from narrascope.frames.prevalence import ANY, shares_table
from narrascope.validate.coded import CodedSample
from narrascope.validate.correct import corrected_shares
from narrascope.validate.sample import draw_sample
from narrascope.validate.score import accuracy

from .helpers import LEXICON, synthetic


def _coded(messages, hits, truth, n=400, seed=1, flip=None) -> CodedSample:
    s = draw_sample(messages, hits, "unrest", n, lexicon_hash=LEXICON.content_hash, by=["channel"], seed=seed)
    truth_of = {f"{i:032x}": int(t) for i, t in enumerate(truth)}
    labels = [truth_of[u] if flip is None else flip(truth_of[u], d) for u, d in zip(s["uid"], s["dictionary"],
                                                                                      strict=True)]
    items = s.select(
        "sample_id", "uid", "frame", (pl.col("dictionary") == "hit").alias("hit"), "stratum",
        pl.col("stratum_size").cast(pl.Int64), pl.col("stratum_sampled").cast(pl.Int64),
        pl.col("matched_terms").str.split(" | ").alias("terms"), pl.lit("ann").alias("coder"),
        pl.Series("label", labels, dtype=pl.Int8), pl.lit("mem").alias("source"), pl.lit(0).cast(pl.Int64).alias("row"))
    return CodedSample(items=items, lexicon_hash=LEXICON.content_hash)


def test_raw_and_corrected_side_by_side():
    messages, hits, truth = synthetic(6000, seed=3)
    coded = _coded(messages, hits, truth)
    out = corrected_shares(messages, hits, ["unrest", "economy"], ["channel"], coded)
    raw = shares_table(messages, hits, ["unrest", "economy"], ["channel"])
    assert out.select(raw.columns).equals(raw)
    unrest = out.filter(pl.col("frame") == "unrest")
    assert unrest["corrected"].null_count() == 0 and unrest["ppi"].null_count() == 0
    assert (unrest["corrected_lower"] <= unrest["corrected"]).all() and (unrest["corrected"] <=
                                                                           unrest["corrected_upper"]).all()
    # truth per channel: the corrected shares are closer to it than the raw ones
    true_share = pl.DataFrame({"channel": messages["channel"], "t": truth.astype(float)}).group_by(
        "channel").agg(pl.col("t").mean()).sort("channel")["t"].to_numpy()
    corr, rawv = unrest.sort("channel")["corrected"].to_numpy(), unrest.sort("channel")["share"].to_numpy()
    assert np.abs(corr - true_share).mean() < 0.5 * np.abs(rawv - true_share).mean()
    others = out.filter(pl.col("frame").is_in(["economy", ANY]))
    assert others["corrected"].null_count() == len(others)
    assert others["warning"].str.contains("no coded sample|validate frames").all()


def test_a_perfect_dictionary_changes_nothing():
    messages, hits, truth = synthetic(3000, seed=4)
    truth = np.isin(np.arange(3000), [int(u, 16) for u in hits["uid"]])
    out = corrected_shares(messages, hits, ["unrest"], [], _coded(messages, hits, truth, n=200))
    row = out.filter(pl.col("frame") == "unrest").row(0, named=True)
    assert abs(row["corrected"] - row["share"]) < 1e-12 and abs(row["ppi"] - row["share"]) < 1e-12


def test_not_identifiable_when_the_dictionary_is_no_better_than_chance():
    messages, hits, truth = synthetic(3000, seed=5)
    coded = _coded(messages, hits, truth, flip=lambda t, d: int(d != "hit"))  # coders contradict every hit
    acc = accuracy(coded.consensus("unrest"), "unrest")
    assert acc.sensitivity + acc.specificity <= 1
    out = corrected_shares(messages, hits, ["unrest"], ["channel"], coded).filter(pl.col("frame") == "unrest")
    assert out["corrected"].null_count() == len(out)
    assert out["corrected_lower"].null_count() == len(out)
    assert out["warning"].str.contains("not identifiable").all()


def test_groups_with_few_coded_items_get_a_warning_and_no_ppi():
    messages, hits, truth = synthetic(3000, seed=6)
    out = corrected_shares(messages, hits, ["unrest"], ["channel", "month"], _coded(messages, hits, truth, n=60))
    unrest = out.filter(pl.col("frame") == "unrest")
    few = unrest.filter(pl.col("coded") < 10)
    assert len(few) > 0
    assert few["ppi"].null_count() == len(few)
    assert few["warning"].str.contains("coded item").all()
    assert unrest["corrected"].null_count() == 0


def test_ppi_weights_strata_by_their_size_within_the_group():
    """Strata by channel, groups by month: channel A's hits are nearly all true, channel B's nearly all false, and
    A dominates month 1 while B dominates month 2. The month's PPV must weight each channel stratum by its size in
    that month (N̂_hg = m_hg·N_h/n_h); weighting by the whole stratum N_h pulls both months to the same mixture."""
    from datetime import UTC, datetime

    rng = np.random.default_rng(8)
    rows, truth, hit = [], [], []
    for month, (n_a, n_b) in ((1, (900, 100)), (2, (100, 900))):
        for ch, count in (("A", n_a), ("B", n_b)):
            for _ in range(count):
                is_hit = rng.random() < 0.5
                hit.append(is_hit)
                truth.append(int(rng.random() < (0.95 if ch == "A" else 0.05)) if is_hit else 0)
                rows.append((ch, datetime(2024, month, 1 + int(rng.integers(0, 27)), tzinfo=UTC)))
    n = len(rows)
    uids = [f"{i:032x}" for i in range(n)]
    messages = pl.DataFrame({
        "uid": uids, "platform": ["telegram"] * n, "channel_id": [r[0] for r in rows],
        "channel": [r[0] for r in rows], "author": [None] * n, "kind": ["post"] * n, "lang": ["en"] * n,
        "posted_at": [r[1] for r in rows], "views": [1] * n, "text": ["riot here"] * n, "url": [None] * n,
    }, schema_overrides={"author": pl.Utf8, "url": pl.Utf8})
    idx = np.flatnonzero(hit)
    hits = pl.DataFrame({"uid": [uids[i] for i in idx], "frame": ["unrest"] * len(idx), "term": ["riot"] * len(idx),
                         "start": [0] * len(idx), "end": [4] * len(idx)},
                        schema_overrides={"start": pl.Int32, "end": pl.Int32})
    s = draw_sample(messages, hits, "unrest", 1200, lexicon_hash=LEXICON.content_hash, by=["channel"], seed=2)
    truth_of = dict(zip(uids, truth, strict=True))
    items = s.select(
        "sample_id", "uid", "frame", (pl.col("dictionary") == "hit").alias("hit"), "stratum",
        pl.col("stratum_size").cast(pl.Int64), pl.col("stratum_sampled").cast(pl.Int64),
        pl.col("matched_terms").str.split(" | ").alias("terms"), pl.lit("ann").alias("coder"),
        pl.Series("label", [truth_of[u] for u in s["uid"]], dtype=pl.Int8), pl.lit("mem").alias("source"),
        pl.lit(0).cast(pl.Int64).alias("row"))
    coded = CodedSample(items=items, lexicon_hash=LEXICON.content_hash)
    out = corrected_shares(messages, hits, ["unrest"], ["month"], coded).filter(pl.col("frame") == "unrest")
    true_share = (pl.DataFrame({"month": messages["posted_at"].dt.strftime("%Y-%m"), "t": truth})
                  .group_by("month").agg(pl.col("t").mean()).sort("month")["t"].to_numpy())
    ppi = out.sort("month")["ppi"].to_numpy()
    assert np.abs(ppi - true_share).max() < 0.03, (ppi, true_share)
    assert (out["ppi_lower"].to_numpy() <= true_share).all() and (true_share <= out["ppi_upper"].to_numpy()).all()


def test_tied_items_enter_corrected_shares_as_half_labels():
    """Two coders who split on some false positives: the corrected shares keep those items (as ½) and land between
    what either coder alone gives, instead of dropping them (which would side with neither and flatter precision)."""
    messages, hits, truth = synthetic(6000, seed=3)
    ann = _coded(messages, hits, truth)
    false_hits = ann.items.filter(pl.col("hit") & (pl.col("label") == 0))["sample_id"].head(10).to_list()
    bob_items = ann.items.with_columns(
        pl.lit("bob").alias("coder"),
        pl.when(pl.col("sample_id").is_in(false_hits)).then(1).otherwise(pl.col("label")).cast(pl.Int8).alias("label"))
    bob = CodedSample(bob_items, ann.lexicon_hash)
    both = CodedSample(pl.concat([ann.items, bob_items]), ann.lexicon_hash)

    def unrest(coded: CodedSample) -> dict:
        return corrected_shares(messages, hits, ["unrest"], [], coded).filter(pl.col("frame") == "unrest").row(
            0, named=True)

    a, b, ab = unrest(ann), unrest(bob), unrest(both)
    assert ab["coded"] == a["coded"] == b["coded"]  # no item dropped
    for column in ("corrected", "ppi"):
        assert min(a[column], b[column]) < ab[column] < max(a[column], b[column]), column
