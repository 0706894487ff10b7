"""The chunked engine gives exactly the tables of one big chunk, whatever the chunk sizes, on the frame and the
store paths; a failed run leaves no spill files and no result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from narrascope.reuse import ReuseOptions, find_reuse, find_reuse_frame, load_reuse
from narrascope.reuse.pipeline import TABLES
from narrascope.reuse.spill import Chunking

from .graded import graded_corpus
from .synthetic import synthetic_messages

WHOLE = Chunking(docs=10**9, parts=1, pairs=10**9, buffer_rows=10**9)
TINY = [Chunking(docs=7, parts=3, pairs=5, buffer_rows=11), Chunking(docs=1, parts=5, pairs=1, buffer_rows=1),
        Chunking(docs=64, parts=2, pairs=33, buffer_rows=200)]


def _mixed_corpus() -> pl.DataFrame:
    """Every path at once: short and long near-copies, rewrites and quotes (graded set), forwards named by
    metadata, channel signatures and formulaic openings, exact copies, undated posts, punctuation-only posts."""
    synthetic = synthetic_messages(600, seed=3, channels=6).with_columns(
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(pl.col("text") + "\n🆔 @channel_sig")
        .otherwise(pl.col("text")).alias("text"))
    graded = graded_corpus(seed=5, families=2, bands=((50, 100), (300, 800))).select(synthetic.columns)
    t0 = datetime(2024, 6, 1, tzinfo=UTC)
    story = " ".join(f"word{i}" for i in range(40))
    extra = pl.DataFrame({
        "uid": [f"x{i}" for i in range(8)], "channel_id": ["c0001", "c0002", "c0003", "c0001", "c0004", "c0005",
                                                           "c0005", "c0006"],
        "channel": ["channel 1", "channel 2", "channel 3", "channel 1", "channel 4", "channel 5", "channel 5",
                    "channel 6"],
        "message_id": [f"x{i}" for i in range(8)],
        "posted_at": [t0 + timedelta(minutes=i) for i in range(6)] + [None, None],
        "text": [story, story, story.upper(), "!!! ...", "؟؟ ،،", story + " tail", "", story],
        "fwd_from_name": [None, "channel 1", None, None, None, None, None, None],
        "fwd_from_id": [None, None, "c0001", None, None, None, None, None],
    })
    return pl.concat([synthetic, graded, extra], how="diagonal_relaxed")


def _assert_equal(one: object, two: object) -> None:
    for name in TABLES:
        a, b = getattr(one, name), getattr(two, name)
        assert a.equals(b), name


@pytest.mark.slow
def test_tiny_chunks_give_exactly_the_tables_of_one_chunk() -> None:
    frame = _mixed_corpus()
    whole = find_reuse_frame(frame, ReuseOptions(), chunking=WHOLE)
    relations = set(whole.pairs.get_column("relation").to_list())
    assert {"forward", "copy", "near_duplicate", "rewrite"} <= relations  # the corpus exercises every route
    assert whole.boilerplate.height > 0 and whole.passages.height > 0
    for chunking in TINY:
        _assert_equal(whole, find_reuse_frame(frame, ReuseOptions(), chunking=chunking))


@pytest.mark.slow
def test_the_store_streams_to_the_same_tables_as_the_frame(tmp_path: Path) -> None:
    from narrascope import Corpus

    frame = _mixed_corpus()
    path = tmp_path / "messages.parquet"
    frame.with_columns(pl.lit("telegram").alias("platform")).write_parquet(path)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert not corpus.ingest([path]).failed
        stored = corpus.messages(columns=["uid", "channel_id", "channel", "message_id", "posted_at", "text",
                                          "fwd_from_name", "fwd_from_id", "fwd_posted_at"])
        streamed = find_reuse(corpus, ReuseOptions(), chunking=TINY[0])
        again = find_reuse(corpus, ReuseOptions(), refresh=True, chunking=WHOLE)
    _assert_equal(find_reuse_frame(stored, ReuseOptions(), chunking=WHOLE), streamed)
    _assert_equal(streamed, again)
    assert not list(tmp_path.glob(".narrascope-reuse-*"))  # spill folders beside the store are gone


def test_a_failing_run_leaves_no_spill_files_and_no_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope import Corpus
    from narrascope.reuse import passages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    frame = synthetic_messages(300, seed=1).with_columns(pl.lit("telegram").alias("platform"))
    path = tmp_path / "m.parquet"
    frame.write_parquet(path)
    monkeypatch.setattr(passages, "passage_measures", broken)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert not corpus.ingest([path]).failed
        with pytest.raises(RuntimeError, match="disk full"):
            find_reuse(corpus, ReuseOptions(), chunking=Chunking(docs=50, parts=2))
        assert load_reuse(corpus) is None
    with pytest.raises(RuntimeError, match="disk full"):
        find_reuse_frame(frame, ReuseOptions(), workdir=tmp_path / "work")
    assert not list(tmp_path.glob(".narrascope-reuse-*")) and not list((tmp_path / "work").iterdir())


@pytest.mark.parametrize("workers", [2, 3])
def test_results_do_not_depend_on_the_number_of_workers(workers: int) -> None:
    # several batches, spill partitions and chunks of pairs, so that every step has pieces to share out
    frame = synthetic_messages(1500, seed=9)
    chunking = Chunking(docs=300, parts=3, pairs=40)
    one = find_reuse_frame(frame, ReuseOptions(workers=1), chunking=chunking)
    many = find_reuse_frame(frame, ReuseOptions(workers=workers), chunking=chunking)
    assert {"near_duplicate", "rewrite"} <= set(one.pairs_by_relation()) and one.passages.height > 0
    _assert_equal(one, many)
