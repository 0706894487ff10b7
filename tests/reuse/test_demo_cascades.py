"""The demo corpus's planted cascades are recovered from the store: adjusted Rand index ≥ 0.9 against the
ground truth, planted origins found as origins; results equal with 1 and 2 workers; results are cached."""

from __future__ import annotations

import json

import polars as pl
import pytest

from narrascope.demo import DemoConfig, generate_demo
from narrascope.reuse import ReuseOptions, find_reuse, load_reuse
from narrascope.reuse.cascades import adjusted_rand_index
from narrascope.store.corpus import Corpus

# a module fixture generates a corpus and runs reuse on it (seconds): every test here waits for it
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("demo")
    manifest = generate_demo(folder, DemoConfig(seed=11, messages=2500))
    db = folder / "c.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([folder / "exports"])
        result = find_reuse(corpus, ReuseOptions(workers=1))
        messages = corpus.messages(columns=["uid", "channel", "message_id", "text"])
    truth = pl.read_csv(manifest.cascades_csv, schema_overrides={"channel_id": pl.String, "message_id": pl.String})
    names = {c["channel_id"]: c["name"] for c in json.loads(manifest.truth_path.read_text())["channels"]}
    truth = truth.with_columns(pl.col("channel_id").replace_strict(names).alias("channel"))
    return {"db": db, "result": result, "messages": messages, "truth": truth}


def _labelled(demo: dict) -> pl.DataFrame:
    texts = demo["messages"].filter(pl.col("text").fill_null("").str.strip_chars() != "")
    truth = demo["truth"].select("channel", "message_id", pl.col("cascade_id").cast(pl.String).alias("true"),
                                 pl.col("relation").alias("true_relation"))
    found = demo["result"].members.select("uid", pl.col("cascade_id").alias("found"), pl.col("relation"))
    return (texts.join(truth, on=["channel", "message_id"], how="left").join(found, on="uid", how="left")
            .with_columns(pl.coalesce("true", "uid").alias("t"), pl.coalesce("found", "uid").alias("f")))


def test_planted_cascades_are_recovered_with_ari_at_least_0_9(demo) -> None:
    frame = _labelled(demo)
    assert frame["true"].is_not_null().sum() == demo["truth"].height  # every planted member is in the store
    ari = adjusted_rand_index(frame["t"].to_numpy(), frame["f"].to_numpy())
    assert ari >= 0.9, ari


def test_planted_origins_are_the_inferred_origins(demo) -> None:
    frame = _labelled(demo)
    origins = frame.filter(pl.col("true_relation") == "origin")
    matched = (origins["relation"] == "origin").sum()
    assert matched / origins.height >= 0.98, (matched, origins.height)
    # each found cascade holding a planted cascade's members names that cascade's origin
    per = frame.filter(pl.col("true").is_not_null() & pl.col("found").is_not_null())
    wrong = per.filter((pl.col("true_relation") == "origin") & (pl.col("relation") != "origin"))
    assert wrong.height <= max(1, origins.height // 50)


def test_forwards_are_linked_by_metadata(demo) -> None:
    frame = _labelled(demo)
    forwards = frame.filter(pl.col("true_relation") == "forward")
    assert forwards.height > 10
    assert (forwards["relation"] == "forward").mean() >= 0.95


def test_results_are_the_same_with_two_workers_and_are_cached(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope.reuse import minhash

    monkeypatch.setattr(minhash, "_JOB_VALUES", 20_000)  # several MinHash jobs, so two processes share the work
    with Corpus.open(demo["db"]) as corpus:
        two = find_reuse(corpus, ReuseOptions(workers=2), refresh=True)
        cached = find_reuse(corpus, ReuseOptions(workers=2))
        latest = load_reuse(corpus)
    one = demo["result"]
    for name in ("pairs", "members", "cascades", "edges", "boilerplate", "passages"):
        assert getattr(one, name).equals(getattr(two, name)), name
    assert cached.stats.get("cached") is True
    assert latest is not None
    assert cached.cascades.equals(one.cascades)
    assert cached.members.equals(one.members)


def test_channel_reuse_edges_are_saved(demo) -> None:
    edges = demo["result"].edges
    linked = demo["result"].members.filter(pl.col("parent_uid").is_not_null())
    assert edges.height > 0 and edges["n"].sum() == linked.height
    with Corpus.open(demo["db"], read_only=True) as corpus:
        stored = corpus.sql("SELECT count(*) AS n FROM result_reuse_edges").item()
    assert stored >= edges.height


def test_inferred_parents_are_the_planted_parents(demo) -> None:
    names = dict(zip(demo["truth"]["channel_id"].to_list(), demo["truth"]["channel"].to_list(), strict=True))
    truth = demo["truth"].filter(pl.col("relation") != "origin").select(
        "channel", "message_id", "relation",
        pl.col("parent_channel_id").cast(pl.String).replace_strict(names).alias("planted_channel"),
        pl.col("parent_message_id").cast(pl.String).alias("planted_message_id"))
    where = demo["messages"].select("uid", "channel", "message_id")
    found = demo["result"].members.select("uid", "parent_uid").join(where, on="uid").join(
        where.select(pl.col("uid").alias("parent_uid"), pl.col("channel").alias("parent_channel"),
                     pl.col("message_id").alias("parent_message_id")), on="parent_uid", how="left")
    frame = truth.join(found, on=["channel", "message_id"], how="left").with_columns(
        ((pl.col("parent_channel") == pl.col("planted_channel"))
         & (pl.col("parent_message_id") == pl.col("planted_message_id"))).fill_null(False).alias("right"))
    share = frame.group_by("relation").agg(pl.col("right").mean()).sort("relation")
    right = dict(share.iter_rows())
    # Forwards must link to the very post they forward. Copies and rewrites: the demo draws 70 % of them from the
    # origin and identical texts cannot be told apart, so agreement is high but does NOT discriminate the
    # closest-earlier-member rule from "the origin is everyone's parent" (that scores 0.95 here, the rule 0.92);
    # the rule itself is tested on hand-made pairs in test_cascades.py.
    assert right["forward"] == 1.0
    assert frame["right"].mean() >= 0.85, right
