"""End to end on synthetic corpora: planted groups found, chance co-action at popular hours not, evidence exact."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from narrascope.coordination import CoordinationOptions, find_coordination_frame
from narrascope.errors import UsageError
from tests.coordination.synthetic import Planted, synthetic_posts


@pytest.fixture(scope="module")
def planted():
    data = synthetic_posts(20_000, 40, 60, seed=11, popular_share=0.4, urls_per_day=20,
                           planted=[Planted(("p1", "p2", "p3"), 20, 30), Planted(("q1", "q2"), 12, 50)])
    options = CoordinationOptions(nulls=200, sweep=True, sweep_windows=(10, 60, 600), sweep_alphas=(0.05,))
    return data, find_coordination_frame(data.messages, options)


@pytest.mark.slow
def test_planted_groups_and_nothing_else(planted):
    _, result = planted
    found = {tuple(m) for m in result.groups.filter(pl.col("significant"))["members"].to_list()}
    assert found == {("p1", "p2", "p3"), ("q1", "q2")}
    reported = result.edges.filter(pl.col("reported"))
    assert set(zip(reported["actor_a"], reported["actor_b"], strict=True)) == {
        ("p1", "p2"), ("p1", "p3"), ("p2", "p3"), ("q1", "q2")}
    chance = result.edges.filter(~pl.col("reported"))
    assert chance.height > 20  # the independent channels did co-act by chance, on the day's news at popular hours
    assert chance["weight"].max() >= 3  # … sometimes more than a fixed threshold of 2 or 3 would allow


@pytest.mark.slow
def test_evidence_points_at_the_messages_behind_each_edge(planted):
    data, result = planted
    msgs = data.messages.select("uid", "channel_id", "posted_at", "text", "links")
    ev = (result.evidence.join(msgs.rename({c: f"{c}_a" for c in msgs.columns if c != "uid"}), left_on="uid_a",
                               right_on="uid")
          .join(msgs.rename({c: f"{c}_b" for c in msgs.columns if c != "uid"}), left_on="uid_b", right_on="uid"))
    assert ev.height == result.evidence.height == result.edges["weight"].sum()
    assert (ev["channel_id_a"] == ev["actor_a"]).all() and (ev["channel_id_b"] == ev["actor_b"]).all()
    lag = (ev["posted_b"] - ev["posted_a"]).dt.total_seconds().abs()
    assert (lag == ev["lag_s"]).all() and (ev["lag_s"] <= 60).all()
    urls = ev.filter(pl.col("kind") == "url")
    assert all(u.replace("https://", "") in [x.replace("https://", "") for x in la]
               for u, la in zip(urls["object"], urls["links_a"], strict=True))


def test_stability_and_settings(planted):
    _, result = planted
    assert result.settings.height == 3 and result.settings["main"].sum() == 1
    groups = result.groups.sort("group_id")
    assert groups["stability"].is_not_null().all()
    p_group = groups.filter(pl.col("members").list.contains("p1"))
    assert p_group["stability"].item() == 1.0  # found identically at 10 s, 60 s and 10 min


@pytest.mark.slow
def test_same_results_with_two_workers(monkeypatch):
    from narrascope.coordination import nulls

    monkeypatch.setattr(nulls, "MIN_PARALLEL_WORK", 0)
    data = synthetic_posts(3_000, 10, 20, seed=2, planted=[Planted(("a", "b"), 8, 20)])
    one = find_coordination_frame(data.messages, CoordinationOptions(nulls=40, workers=1))
    two = find_coordination_frame(data.messages, CoordinationOptions(nulls=40, workers=2))
    for name in ("edges", "evidence", "groups", "members", "settings"):
        assert getattr(one, name).equals(getattr(two, name)), name


def test_no_null_worlds_means_edges_but_no_test():
    data = synthetic_posts(2_000, 8, 20, seed=3, planted=[Planted(("a", "b"), 5, 20)])
    result = find_coordination_frame(data.messages, CoordinationOptions(nulls=0))
    assert result.edges.height > 0 and result.groups.height == 0
    assert result.edges["p_value"].is_null().all() and not result.edges["reported"].any()


def test_a_corpus_without_shared_objects_gives_empty_tables():
    data = synthetic_posts(500, 5, 10, seed=4, url_share=0, text_copy_share=0, forward_share=0)
    result = find_coordination_frame(data.messages, CoordinationOptions(nulls=20, sweep=True))
    assert result.edges.height == result.evidence.height == result.groups.height == 0
    assert result.settings.height == len(CoordinationOptions(sweep=True).windows) * 3


def test_bad_options_are_usage_errors():
    for bad in ({"objects": ("links",)}, {"window": 0}, {"window": 86_400}, {"alpha": 1.5}, {"actors": "bots"},
                {"min_symmetry": 2.0}, {"nulls": -1}):
        with pytest.raises(UsageError):
            CoordinationOptions(**bad)  # type: ignore[arg-type]
    assert CoordinationOptions(window="5m").window == 300  # type: ignore[arg-type]
    assert np.array_equal(CoordinationOptions(objects=("URL", "text", "url")).objects, ("url", "text"))


def test_time_bounds_on_store_and_frame_zones():
    """Stores hand timestamps back as Etc/UTC: `coordination --since` compared them with a UTC instant and crashed.
    The bounds select the same posts whatever the column's zone (naive counts as UTC)."""
    data = synthetic_posts(1_500, 8, 20, seed=5, planted=[Planted(("a", "b"), 5, 20)])
    mid = data.messages["posted_at"].sort()[750]
    bounds = {"since": mid.isoformat(), "until": (mid + (mid - data.messages["posted_at"].min())).isoformat()}
    options = CoordinationOptions(nulls=0, **bounds)
    zones = [data.messages.with_columns(pl.col("posted_at").dt.convert_time_zone("Etc/UTC")),
             data.messages.with_columns(pl.col("posted_at").dt.replace_time_zone(None))]
    expected = find_coordination_frame(data.messages, options).evidence
    assert expected.height > 0
    assert find_coordination_frame(data.messages, CoordinationOptions(nulls=0)).evidence.height > expected.height
    for frame in zones:
        assert find_coordination_frame(frame, options).evidence["uid_a"].equals(expected["uid_a"])
