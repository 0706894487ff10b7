"""A Spark job killed with SIGKILL resumes from its checkpoints and gives the same result as an unbroken run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.engines import export_parquet
from narrascope.engines.results import MANIFEST, read_result_table
from narrascope.engines.spark.frames import frames_job
from narrascope.engines.spark.session import SparkOptions
from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import frame_hits_key, match_corpus
from tests.engines.conftest import kill_at_checkpoint

# The driver: a checkpointed slice per few input files (the demo corpus' 19 months), one partition each.
CHILD = """
import sys
from narrascope.engines.spark.frames import frames_job
from narrascope.engines.spark.session import SparkOptions, spark_session
from narrascope.frames import load_lexicon
options = SparkOptions(master="local[2]", slice_bytes=int(sys.argv[5]), partitions=1)
frames_job(spark_session(options), sys.argv[1], load_lexicon(sys.argv[2]), sys.argv[3], checkpoints=sys.argv[4],
           options=options)
"""


@pytest.mark.slow
def test_a_killed_job_resumes_from_its_checkpoints(spark: Any, demo_store: tuple[Path, Any], tmp_path: Path) -> None:
    lexicon_path = demo_store[1].lexicon_path
    lex = load_lexicon(lexicon_path)
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        export_parquet(corpus, tmp_path / "in")
        key = frame_hits_key(lex, corpus, None, None)
        local = match_corpus(corpus, lex)
    source, out, ckpt = (str(tmp_path / name) for name in ("in", "out", "ckpt"))
    slice_bytes = sum(p.stat().st_size for p in (tmp_path / "in").rglob("*.parquet")) // 6  # about 6 slices
    finished = kill_at_checkpoint(CHILD, [source, str(lexicon_path), out, ckpt, str(slice_bytes)],
                                  tmp_path / "ckpt" / f"frames-{key}" / "hits-slice-00001")
    assert len(finished) >= 2 and not (tmp_path / "out" / MANIFEST).exists()

    report = frames_job(spark, source, lex, out, checkpoints=ckpt,
                        options=SparkOptions(slice_bytes=slice_bytes, partitions=1))
    assert set(finished) <= set(report.resumed)  # nothing finished before the kill is done again
    assert len(report.resumed) + len(report.computed) >= 5 and report.computed
    resumed = read_result_table(tmp_path / "out", "frame_hits", key)
    order = ["uid", "start", "end", "frame", "term"]
    assert pl.from_arrow(resumed).sort(order).equals(pl.from_arrow(local).sort(order))  # type: ignore[union-attr]


REUSE_CHILD = """
import sys
from narrascope.engines.spark.reuse import reuse_job
from narrascope.engines.spark.session import SparkOptions, spark_session
from narrascope.reuse import ReuseOptions
options = SparkOptions(master="local[2]", partitions=2)
reuse_job(spark_session(options), sys.argv[1], sys.argv[2], ReuseOptions(), checkpoints=sys.argv[3],
          spark_options=options)
"""


@pytest.mark.slow
def test_a_killed_reuse_job_resumes_from_its_checkpoints(spark: Any, demo_store: tuple[Path, Any],
                                                         tmp_path: Path) -> None:
    """Killed once the first LSH candidates are checkpointed: the rerun reads the finished stages back (the
    passes' among them), repeats the driver's work on them, computes the rest and writes the embedded engine's
    tables."""
    from narrascope.engines.spark.reuse import reuse_job
    from narrascope.reuse import ReuseOptions, find_reuse
    from narrascope.reuse.pipeline import TABLES

    options = ReuseOptions()
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        export_parquet(corpus, tmp_path / "in")
        key = options.cache_key(corpus.state_token())
        local = find_reuse(corpus, options, refresh=True)
    source, out, ckpt = (str(tmp_path / name) for name in ("in", "out", "ckpt"))
    finished = kill_at_checkpoint(REUSE_CHILD, [source, out, ckpt],
                                  tmp_path / "ckpt" / f"reuse-{key}" / "word-bands-pairs")
    # the passes, the word band index built from their word sets and its candidate pairs (the demo has no texts
    # short enough for character shingles)
    assert {"sorted", "lines", "matching", "reps", "shingled", "word-bands", "word-bands-pairs"} <= set(finished)
    assert not (tmp_path / "out" / MANIFEST).exists()

    report = reuse_job(spark, source, out, options, checkpoints=ckpt, spark_options=SparkOptions(partitions=2))
    assert set(finished) <= set(report.resumed) and report.computed
    for name in TABLES:
        table = pl.from_arrow(read_result_table(tmp_path / "out", f"reuse_{name}", key))
        assert isinstance(table, pl.DataFrame)
        # the store's reader names the zone Etc/UTC, a dataset UTC: the same instants
        expected = getattr(local, name).with_columns(pl.col(pl.Datetime("us", "Etc/UTC")).dt.convert_time_zone("UTC"))
        assert table.equals(expected), name
