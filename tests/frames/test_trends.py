"""Change points and period comparison on series with known structure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from narrascope.errors import UsageError
from narrascope.frames.prevalence import ANY
from narrascope.frames.trends import activity_series, change_points, compare_periods, share_series


def test_change_points_find_a_planted_shift_and_not_noise():
    rng = np.random.default_rng(5)
    flat = rng.normal(0, 1, 40)
    assert change_points(flat) == []
    shifted = np.concatenate([rng.normal(0, 1, 20), rng.normal(6, 1, 20)])
    assert change_points(shifted) == [20]


def _corpus(rng, months, per_month, share_fn):
    uids, ts, hit_uids = [], [], []
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for m in range(months):
        for i in range(per_month(m)):
            uid = f"m{m}-{i}"
            uids.append(uid)
            ts.append(start + timedelta(days=30.4 * m + rng.random() * 28))
            if rng.random() < share_fn(m):
                hit_uids.append(uid)
    msgs = pl.DataFrame({"uid": uids, "posted_at": ts, "channel_id": ["c"] * len(uids), "platform": ["t"] * len(uids)})
    hits = pl.DataFrame({"uid": hit_uids, "frame": ["f"] * len(hit_uids)}, schema={"uid": pl.Utf8, "frame": pl.Utf8})
    return msgs, hits


def test_share_series_marks_the_month_where_the_share_jumps():
    rng = np.random.default_rng(2)
    msgs, hits = _corpus(rng, 24, lambda m: 300, lambda m: 0.05 if m < 14 else 0.25)
    s = share_series(msgs, hits, "f", period="month")
    assert s.filter(pl.col("change"))["month"].to_list() == ["2024-03"]  # month index 14


def test_activity_change_and_period_comparison():
    rng = np.random.default_rng(4)
    msgs, hits = _corpus(rng, 24, lambda m: 100 if m < 12 else 250, lambda m: 0.1 if m < 12 else 0.2)
    act = activity_series(msgs, period="month", by=["channel_id"])
    assert act.filter(pl.col("change"))["month"].to_list() == ["2024-01"]
    cmp = compare_periods(msgs, hits, ["f"], months=12)
    row = cmp.filter(pl.col("frame") == "f").row(0, named=True)
    assert row["n1"] + row["n2"] == msgs.height
    assert 0.05 < row["diff_lower"] < row["diff"] < row["diff_upper"]
    assert row["p_value"] < 1e-6
    assert row["rate_ratio_lower"] > 2.0 and row["rate_ratio"] == pytest.approx(2.5, rel=0.1)


@pytest.mark.slow
def test_no_change_means_difference_interval_covers_zero_usually():
    covered = 0
    for seed in range(60):
        rng = np.random.default_rng(100 + seed)
        msgs, hits = _corpus(rng, 24, lambda m: 50, lambda m: 0.2)
        row = compare_periods(msgs, hits, ["f"], months=12).filter(pl.col("frame") == "f").row(0, named=True)
        covered += row["diff_lower"] <= 0 <= row["diff_upper"]
    assert covered >= 52  # ≈ 95 % of 60, allowing sampling noise


def test_any_frame_series_counts_messages_with_at_least_one_frame():
    from narrascope.frames.prevalence import ANY

    rng = np.random.default_rng(9)
    msgs, hits = _corpus(rng, 6, lambda m: 50, lambda m: 0.3)
    other = hits.head(5).with_columns(pl.lit("g").alias("frame"))
    both = pl.concat([hits, other])
    s = share_series(msgs, both, ANY, period="month")
    assert s["k"].sum() == hits["uid"].n_unique()


def test_unobserved_months_before_the_data_do_not_count_as_quiet():
    """18 months of steady activity compared as 12 vs 12: the earlier window has only 6 observed months, and its
    rate must be messages per *observed* day (rate ratio ≈ 1, not ≈ 2)."""
    rng = np.random.default_rng(12)
    msgs, hits = _corpus(rng, 18, lambda m: 200, lambda m: 0.1)
    row = compare_periods(msgs, hits, ["f"], months=12).filter(pl.col("frame") == "f").row(0, named=True)
    assert row["start_clipped"] and row["start"] == datetime(2023, 1, 1, tzinfo=UTC)
    assert row["rate_ratio_lower"] < 1.0 < row["rate_ratio_upper"], row
    assert row["rate1"] == pytest.approx(row["rate2"], rel=0.15)
    full = compare_periods(*_corpus(rng, 24, lambda m: 100, lambda m: 0.1), ["f"], months=12).row(0, named=True)
    assert (full["recent_start"] - full["start"]).days >= 360  # 24 observed months: (almost) nothing clipped
    late = compare_periods(msgs, hits, ["f"], months=24).filter(pl.col("frame") == "f").row(0, named=True)
    assert late["n1"] == 0 and late["rate_ratio"] != late["rate_ratio"]  # NaN: no earlier data at all


@pytest.mark.slow
def test_trend_report_is_the_pure_functions_on_the_store_plus_the_undated_count(tmp_path):
    from narrascope import Corpus
    from narrascope.frames.lexicon import parse_lexicon_yaml
    from narrascope.frames.prevalence import frame_hits, frame_messages
    from narrascope.frames.trends import TrendOptions, trend_report

    lexicon = parse_lexicon_yaml("frames:\n- id: riot\n  terms:\n    en: [riot]\n")
    db = tmp_path / "t.duckdb"
    rng = np.random.default_rng(2)
    with Corpus.open(db) as corpus:
        for i in range(400):
            at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=2 * i) if i % 40 else None
            text = "a riot today" if rng.random() < (0.1 if i < 200 else 0.4) else "a calm day"
            corpus.connection.execute(
                "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, script, "
                "lang, source_file, ingest_id) VALUES (?, 'telegram', ?, ?, ?, 'post', ?, ?, NULL, NULL, 'f', 1)",
                [f"u{i}", f"c{i % 2}", f"C{i % 2}", str(i), at, text])
    with Corpus.open(db, read_only=True) as corpus:
        report = trend_report(corpus, lexicon, TrendOptions(months=6))
        messages = frame_messages(corpus)
        hits = frame_hits(corpus, lexicon)
    dated = messages.filter(pl.col("posted_at").is_not_null())
    assert report.series["riot"].equals(share_series(dated, hits, "riot"))
    assert report.series[ANY].equals(share_series(dated, hits, ANY))
    assert report.comparison.equals(compare_periods(dated, hits, ["riot"], months=6))
    undated = messages.filter(pl.col("posted_at").is_null())
    assert report.undated["messages"] == undated.height == 10
    assert report.undated["riot"] == hits.join(undated, on="uid", how="semi")["uid"].n_unique()
    assert report.dated == 390
    data = report.to_dict()
    assert data["undated"]["messages"] == 10 and data["series"]["riot"][0]["month"] == "2022-01"
    with pytest.raises(UsageError, match="no frame 'nope'"):
        trend_report(None, lexicon, TrendOptions(frame="nope"))  # checked before the store is read
