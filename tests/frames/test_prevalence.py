"""Frame shares and channel reach over hand-built message and hit tables."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from narrascope.errors import UsageError
from narrascope.frames.prevalence import ANY, channel_reach, shares_table
from narrascope.stats.intervals import wilson_interval


def _messages(rows):
    return pl.DataFrame(
        {
            "uid": [r[0] for r in rows],
            "platform": ["telegram"] * len(rows),
            "channel_id": [r[1] for r in rows],
            "channel": [r[1].upper() for r in rows],
            "author": [None] * len(rows),
            "posted_at": [datetime(2024, r[2], 5, 12, tzinfo=UTC) for r in rows],
            "views": [r[3] for r in rows],
        }
    )


MSGS = _messages([
    ("u1", "a", 1, 10), ("u2", "a", 1, 10), ("u3", "a", 1, 80), ("u4", "a", 2, None),
    ("u5", "b", 1, 5), ("u6", "b", 2, 5), ("u7", "b", 2, 5),
])
HITS = pl.DataFrame({"uid": ["u1", "u1", "u3", "u6", "u6"], "frame": ["f1", "f1", "f2", "f1", "f2"]})


def test_shares_by_channel_month_with_counts_zeros_and_any():
    t = shares_table(MSGS, HITS, ["f1", "f2"], ["channel_id", "month"])
    cell = {(r["channel_id"], r["month"], r["frame"]): (r["n"], r["k"]) for r in t.iter_rows(named=True)}
    assert cell[("a", "2024-01", "f1")] == (3, 1)  # u1 hit twice by f1 counts once
    assert cell[("a", "2024-01", "f2")] == (3, 1)
    assert cell[("a", "2024-01", ANY)] == (3, 2)
    assert cell[("a", "2024-02", "f1")] == (1, 0)  # zero cells are present
    assert cell[("b", "2024-02", ANY)] == (2, 1)
    assert len(t) == 4 * 3
    row = t.filter((pl.col("channel_id") == "a") & (pl.col("month") == "2024-01") & (pl.col("frame") == ANY))
    lo, hi = wilson_interval(2, 3)
    assert row["share"][0] == pytest.approx(2 / 3)
    assert (row["lower"][0], row["upper"][0]) == pytest.approx((float(lo), float(hi)))


def test_overall_share_and_period_kinds():
    t = shares_table(MSGS, HITS, ["f1"], [])
    assert t.filter(pl.col("frame") == "f1").select("n", "k").row(0) == (7, 2)
    q = shares_table(MSGS, HITS, ["f1"], ["quarter"])
    assert q["quarter"].unique().to_list() == ["2024Q1"]
    w = shares_table(MSGS, HITS, ["f1"], ["week"])
    assert set(w["week"]) == {"2024-01-01", "2024-02-05"}  # Mondays


def test_weighted_share_uses_views_and_kish_effective_n():
    t = shares_table(MSGS.filter(pl.col("channel_id") == "a"), HITS, ["f2"], [], weight="views")
    row = t.filter(pl.col("frame") == "f2").row(0, named=True)
    assert row["w_share"] == pytest.approx(80 / 100)  # u3 carries 80 of the 100 weighted views
    assert row["n_eff"] == pytest.approx(100**2 / (10**2 + 10**2 + 80**2))
    assert row["n_unweighted"] == 1  # u4 has no view count


def test_channel_reach():
    t = channel_reach(MSGS, HITS, ["f1", "f2"], min_messages=1)
    got = {r["frame"]: (r["channels"], r["carrying"]) for r in t.iter_rows(named=True)}
    assert got == {"f1": (2, 2), "f2": (2, 2), ANY: (2, 2)}
    t2 = channel_reach(MSGS, HITS, ["f1"], min_messages=2)
    assert dict(t2.select("frame", "carrying").iter_rows())["f1"] == 0


def test_bad_groups_are_user_errors():
    with pytest.raises(UsageError, match="cannot group by"):
        shares_table(MSGS, HITS, ["f1"], ["colour"])
    with pytest.raises(UsageError, match="at most one period"):
        shares_table(MSGS, HITS, ["f1"], ["month", "year"])


@pytest.mark.slow
def test_wilson_intervals_cover_a_known_share_across_simulated_samples():
    rng = np.random.default_rng(11)
    covered = 0
    trials = 400
    for _ in range(trials):
        n = 200
        carrying = rng.random(n) < 0.3
        msgs = _messages([(f"m{i}", "a", 1, 1) for i in range(n)])
        hits = pl.DataFrame({"uid": [f"m{i}" for i in np.flatnonzero(carrying)], "frame": ["f"] * int(carrying.sum())},
                            schema={"uid": pl.Utf8, "frame": pl.Utf8})
        row = shares_table(msgs, hits, ["f"], []).filter(pl.col("frame") == "f").row(0, named=True)
        covered += row["lower"] <= 0.3 <= row["upper"]
    assert 0.92 <= covered / trials <= 0.98


def test_messages_without_a_group_value_form_their_own_group():
    msgs = MSGS.with_columns(pl.when(pl.col("uid") == "u1").then(None).otherwise(pl.col("posted_at")).alias("posted_at"),
                             pl.lit(None, dtype=pl.Utf8).alias("lang"))
    t = shares_table(msgs, HITS, ["f1"], ["lang", "month"])
    undated = t.filter((pl.col("month") == "(undated)") & (pl.col("frame") == "f1")).row(0, named=True)
    assert (undated["lang"], undated["n"], undated["k"]) == ("(none)", 1, 1)  # u1 carries f1 and is counted
    total = t.filter(pl.col("frame") == "f1")
    assert total["k"].sum() == 2 and total["n"].sum() == 7


def test_repeated_groups_are_usage_errors_and_reach_accepts_platform() -> None:
    """`frames --by channel,channel` and `--reach 1 --by platform` crashed on a polars duplicate column."""
    from narrascope.frames.prevalence import check_groups

    for by in (["channel", "channel"], ["month", "channel", "month"]):
        with pytest.raises(UsageError, match="once only"):
            check_groups(by)
    messages = pl.DataFrame({"uid": ["a", "b", "c"], "platform": ["telegram", "telegram", "web"],
                             "channel_id": ["1", "2", "3"], "channel": ["x", "y", "z"], "author": [None] * 3,
                             "kind": ["post"] * 3, "lang": [None] * 3,
                             "posted_at": pl.Series([None] * 3, dtype=pl.Datetime("us", "UTC")), "views": [None] * 3})
    hits = pl.DataFrame({"uid": ["a"], "frame": ["f"], "term": ["t"], "start": [0], "end": [1]})
    reach = channel_reach(messages, hits, ["f"], by=["platform"])
    row = reach.filter((pl.col("platform") == "telegram") & (pl.col("frame") == "f")).row(0, named=True)
    assert (row["channels"], row["carrying"]) == (2, 1)


def test_shares_counted_in_batches_equal_shares_over_all_messages(demo_store, tmp_path, monkeypatch):
    """frame_shares streams the store's messages in batches and adds up their counts: the same table as counting
    every message at once — for channels, periods, attributes and weights — with batches far smaller than the
    corpus, the last one partial."""
    import shutil

    from narrascope import Corpus
    from narrascope.cli import main
    from narrascope.frames import prevalence
    from narrascope.frames.lexicon import load_lexicon

    db = tmp_path / "c.duckdb"
    shutil.copy(demo_store[0], db)
    folder = demo_store[0].parent
    assert main(["channels", "set-attributes", str(folder / "channels.csv"), "--db", str(db)]) == 0
    lexicon = load_lexicon(folder / "lexicon.yaml")
    monkeypatch.setattr(prevalence, "SHARE_BATCH_ROWS", 997)
    with Corpus.open(db) as corpus:
        hits = prevalence.frame_hits(corpus, lexicon)
        frames = [f.id for f in lexicon.frames]
        sizes = [b.height for b in prevalence.frame_message_batches(corpus, attributes=["side"])]
        assert len(sizes) > 3 and sizes[-1] < 997 and set(sizes[:-1]) == {997}
        for by, weight in ((("channel", "month"), None), (("side", "quarter"), "views"), ((), "views"),
                           (("lang", "kind"), None)):
            attributes = [b for b in by if b not in prevalence.GROUPS]
            whole = shares_table(prevalence.frame_messages(corpus, attributes=attributes), hits, frames, by,
                                 weight=weight)
            batched = prevalence.frame_shares(corpus, lexicon, by, weight=weight, hits=hits)
            assert whole.height > len(frames) and batched.equals(whole), (by, weight)
            assert sum(sizes) == int(whole.filter(pl.col("frame") == ANY)["n"].sum())
