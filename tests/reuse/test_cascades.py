"""Cascades from pairs: origin, parents, lags, channel edges; the adjusted Rand index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from narrascope.reuse import ReuseOptions, find_reuse_frame
from narrascope.reuse.cascades import adjusted_rand_index, build_cascades, reuse_edges

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_ari_on_known_examples() -> None:
    # Hubert & Arabie's index: worked values (also what scikit-learn documents for these labelings)
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.5714285714285714)
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    rng = np.random.default_rng(1)
    assert abs(adjusted_rand_index(rng.integers(0, 5, 5000), rng.integers(0, 5, 5000))) < 0.01


def _docs(n: int, channels: list[str]) -> pl.DataFrame:
    return pl.DataFrame({
        "doc": list(range(n)), "uid": [f"u{i:02d}xxxxxxxxxxxx" for i in range(n)], "channel_id": channels,
        "channel": channels, "message_id": [str(i) for i in range(n)],
        "posted_at": [T0 + timedelta(minutes=10 * i) for i in range(n)], "preview": [f"text {i}" for i in range(n)],
    }).with_columns(pl.col("posted_at").dt.cast_time_unit("us"))


def _pairs(rows: list[tuple[int, int, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"a": pl.Int64, "b": pl.Int64, "relation": pl.String, "similarity": pl.Float64},
                        orient="row")


def test_origin_parents_lags_and_edges() -> None:
    docs = _docs(6, ["A", "B", "C", "B", "D", "E"])
    pairs = _pairs([(0, 1, "forward", 1.0), (0, 2, "near_duplicate", 0.7), (1, 2, "near_duplicate", 0.9),
                    (2, 3, "rewrite", 0.4), (4, 5, "copy", 1.0)])
    members, cascades = build_cascades(docs, pairs)
    assert cascades["size"].to_list() == [4, 2]
    m = {r["uid"][:3]: r for r in members.iter_rows(named=True)}
    assert m["u00"]["relation"] == "origin" and m["u00"]["parent_uid"] is None
    assert m["u01"]["relation"] == "forward" and m["u01"]["parent_uid"].startswith("u00")
    assert m["u02"]["parent_uid"].startswith("u01")  # the most similar earlier member, not the origin
    assert m["u02"]["lag_origin_s"] == 1200 and m["u02"]["lag_parent_s"] == 600
    assert m["u03"]["relation"] == "rewrite" and m["u03"]["direct_parent"] is True
    first = cascades.row(0, named=True)
    assert first["origin_channel_id"] == "A" and first["n_forward"] == 1 and first["n_near_duplicate"] == 1
    edges = reuse_edges(members)
    row = edges.filter((pl.col("source_channel_id") == "A") & (pl.col("target_channel_id") == "B")).row(0, named=True)
    assert row["n"] == 1 and row["n_forward"] == 1 and row["median_lag_s"] == 600


def test_a_member_linked_only_to_later_posts_is_indirect() -> None:
    docs = _docs(3, ["A", "B", "C"])
    members, _ = build_cascades(docs, _pairs([(0, 2, "copy", 1.0), (1, 2, "copy", 1.0)]))
    m = {r["uid"][:3]: r for r in members.iter_rows(named=True)}
    assert m["u01"]["relation"] == "indirect" and m["u01"]["direct_parent"] is False
    assert m["u01"]["parent_uid"].startswith("u00")


def test_messages_in_no_pair_are_left_out() -> None:
    docs = _docs(5, ["A", "B", "C", "D", "E"])
    members, cascades = build_cascades(docs, _pairs([(1, 3, "copy", 1.0)]))
    assert members["uid"].str.slice(0, 3).to_list() == ["u01", "u03"]
    assert members["channel_id"].to_list() == ["B", "D"] and members["lag_origin_s"].to_list() == [0, 1200]
    assert cascades.row(0, named=True)["origin_uid"].startswith("u01") and cascades["preview"].to_list() == ["text 1"]


def test_previews_may_come_for_the_origins_alone() -> None:
    docs = _docs(6, ["A", "B", "C", "D", "E", "F"])
    pairs = _pairs([(3, 4, "copy", 1.0), (0, 5, "copy", 1.0), (1, 2, "copy", 1.0), (2, 5, "forward", 1.0)])
    _, whole = build_cascades(docs, pairs)
    _, alone = build_cascades(docs.drop("preview"), pairs, previews=pl.Series(["text 0", "text 3"]))
    assert alone.equals(whole) and sorted(whole["preview"].to_list()) == ["text 0", "text 3"]


def test_forwards_link_to_the_original_in_the_named_channel() -> None:
    text = "Breaking: the bridge over the river reopened today after two years of repairs, officials said."
    frame = pl.DataFrame({
        "uid": ["o1", "x1", "f1", "f2"], "channel_id": ["100", "200", "300", "400"],
        "channel": ["Origin News", "Other", "Fan Club", "Fans 2"], "message_id": ["1", "1", "1", "1"],
        "posted_at": [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2), T0 + timedelta(hours=3)],
        "text": [text, "something else entirely, unrelated to the bridge story at all", text, text],
        "fwd_from_name": [None, None, "Origin News", None], "fwd_from_id": [None, None, None, "100"],
    })
    result = find_reuse_frame(frame, ReuseOptions())
    forwards = result.pairs.filter(pl.col("relation") == "forward")
    assert sorted(zip(forwards["a_uid"], forwards["b_uid"], strict=True)) == [("o1", "f1"), ("o1", "f2")]
    members = result.members
    assert members.filter(pl.col("uid") == "o1")["relation"].item() == "origin"
    assert set(members.filter(pl.col("relation") == "forward")["uid"]) == {"f1", "f2"}


def test_since_and_until_restrict_the_messages() -> None:
    text = "the same announcement about the water supply was repeated by several channels today"
    frame = pl.DataFrame({
        "uid": ["a", "b", "c"], "channel_id": ["1", "2", "3"], "message_id": ["1", "1", "1"],
        "posted_at": [T0, T0 + timedelta(days=2), T0 + timedelta(days=4)], "text": [text] * 3,
    })
    assert find_reuse_frame(frame).members.height == 3
    since = (T0 + timedelta(days=1)).isoformat()
    until = (T0 + timedelta(days=3)).isoformat()
    assert find_reuse_frame(frame, ReuseOptions(since=since)).members["uid"].to_list() == ["b", "c"]
    assert find_reuse_frame(frame, ReuseOptions(since=since, until=until)).members.height == 0
    # every form the other commands' --since accept (one parser, narrascope.dates): basic dates, bare hours, Z
    day1 = T0 + timedelta(days=1)
    for form in (day1.strftime("%Y%m%d"), day1.strftime("%Y-%m-%dT%H"), day1.strftime("%Y-%m-%dT%H:%M:%SZ")):
        assert find_reuse_frame(frame, ReuseOptions(since=form)).members["uid"].to_list() == ["b", "c"], form


def test_options_are_validated_and_every_field_is_a_cli_flag() -> None:
    from dataclasses import fields

    from narrascope.cli import cli
    from narrascope.errors import UsageError

    with pytest.raises(UsageError, match="since"):
        ReuseOptions(since="yesterday")
    with pytest.raises(UsageError, match="threshold"):
        ReuseOptions(threshold=0.0)
    flags = {p.name for p in cli.commands["reuse"].params}
    assert {f.name for f in fields(ReuseOptions)} <= flags
    assert ReuseOptions().cache_key("i1-1") == ReuseOptions(workers=2).cache_key("i1-1")
    assert ReuseOptions().cache_key("i1-1") != ReuseOptions(threshold=0.6).cache_key("i1-1")
