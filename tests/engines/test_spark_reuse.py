"""Reuse on Spark (local[2]) against the embedded engine: identical pairs, members, cascades, edges, passages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.engines import export_parquet, import_results
from narrascope.engines.results import read_result_manifest
from narrascope.engines.spark.checkpoint import Checkpoints
from narrascope.engines.spark.reuse import SparkReuseSteps, reuse_job
from narrascope.engines.spark.session import SparkOptions
from narrascope.reuse import ReuseOptions, find_reuse, load_reuse
from narrascope.reuse.engine import ReuseSteps
from narrascope.reuse.lsh import posting_keys
from narrascope.reuse.pipeline import TABLES
from narrascope.reuse.scan import BAND_COLUMNS
from narrascope.reuse.shingle import ShingleSets
from narrascope.reuse.spill import Chunking, Partitioned, Workspace, partition_of
from narrascope.reuse.stages import band_rows


def _tables(result: Any) -> dict[str, pl.DataFrame]:
    return {name: getattr(result, name) for name in TABLES}


def _sets(rng: np.random.Generator, n: int, vocabulary: int) -> ShingleSets:
    """``n`` shingle sets drawn from a small vocabulary (many shared values), some empty, some repeated."""
    rows = []
    for i in range(n):
        if i % 17 == 0:
            rows.append(np.zeros(0, np.uint32))
        elif i % 5 == 0 and rows:
            rows.append(rows[-1])  # an exact repeat: a full LSH bucket
        else:
            rows.append(np.unique(rng.integers(0, vocabulary, rng.integers(1, 30)).astype(np.uint32)))
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum([r.size for r in rows], out=offsets[1:])
    return ShingleSets(np.concatenate(rows).astype(np.uint32), offsets)


def _band_index(ws: Workspace, sets: ShingleSets, docs: np.ndarray, options: ReuseOptions) -> Partitioned:
    """An LSH index spilled as a run spills it: batches in document order, rows spread over 3 partitions."""
    bands = Partitioned(ws, "word-bands", BAND_COLUMNS, parts=3, buffer_rows=1000)
    for lo in range(0, docs.size, 250):
        part = np.arange(lo, min(docs.size, lo + 250))
        rows, cols = band_rows(sets.take(part), docs[part], options, options.bands, bands.parts)
        bands.append(rows, **cols)
    bands.flush()
    return bands


def _postings(ws: Workspace, sets: ShingleSets, docs: np.ndarray) -> Partitioned:
    """A posting index of (n-gram, doc) rows, some repeated (a text repeating an n-gram), over 2 partitions."""
    postings = Partitioned(ws, "post5", {"key": "uint64"}, parts=2, buffer_rows=1000)
    grams, owner = sets.values, np.repeat(docs, sets.sizes())
    grams, owner = np.concatenate([grams, grams[::7]]), np.concatenate([owner, owner[::7]])
    postings.append(partition_of(grams, postings.parts), key=posting_keys(grams, owner))
    postings.flush()
    return postings


@pytest.mark.slow
def test_spark_steps_equal_the_embedded_steps(spark: Any, tmp_path: Path) -> None:
    """LSH buckets with capped (chained) ones and empty sets, shared rare n-grams with a keep list, components:
    the Spark steps return what the embedded ones return."""
    embedded, on_spark = ReuseSteps(), SparkReuseSteps(spark, Checkpoints(spark, str(tmp_path / "ckpt")), 3)
    rng = np.random.default_rng(7)
    options = ReuseOptions(threshold=0.4, num_perm=32, max_bucket=6)
    with Workspace(tmp_path / "ws") as ws:
        docs = np.arange(1000, 1900, dtype=np.int64)  # document numbers other than the set rows
        bands = _band_index(ws, _sets(rng, 900, 60), docs, options)
        local, local_stats = embedded.bucket_pairs(bands, options.max_bucket)
        cand, stats = on_spark.bucket_pairs(bands, options.max_bucket)
        assert local_stats.capped_buckets > 0 and len(local) > 100  # chaining and many pairs are exercised
        assert np.array_equal(cand, local)
        assert stats == local_stats

        n_docs = 800
        grams = _sets(np.random.default_rng(8), 700, 300)
        gram_docs = np.sort(np.random.default_rng(9).choice(n_docs, 700, replace=False))
        postings = _postings(ws, grams, gram_docs)
        sizes = np.zeros(n_docs, np.int32)
        sizes[gram_docs] = grams.sizes()
        keep = np.sort((gram_docs[:40:2].astype(np.uint64) << np.uint64(32)) | gram_docs[1:40:2].astype(np.uint64))
        chunking = Chunking(buffer_rows=1000)
        found = []
        for i, listed in enumerate((None, keep)):
            ours = embedded.shared_grams(postings, sizes, 40, 3, 0.03, ws, chunking, listed)
            fresh = SparkReuseSteps(spark, Checkpoints(spark, str(tmp_path / f"grams-{i}")), 2)
            theirs = fresh.shared_grams(postings, sizes, 40, 3, 0.03, ws, chunking, listed)
            assert 1000 < ours.keys.size < 700 * 699 // 4  # the df and min-match limits bite
            assert np.array_equal(ours.keys, theirs.keys) and np.array_equal(ours.rare, theirs.rare)
            found.append(ours.keys.size)
        assert found[1] > found[0]  # the keep list added pairs

    a, b = local[:, 0], local[:, 1]
    labels, spark_labels = embedded.cluster_labels(2000, a, b), on_spark.cluster_labels(2000, a, b)
    assert len(np.unique(labels)) < 2000
    pairs_of = {(x, y) for x, y in zip(labels.tolist(), spark_labels.tolist(), strict=True)}
    assert len(pairs_of) == len(np.unique(labels)) == len(np.unique(spark_labels))  # the same partition


@pytest.mark.slow
def test_reuse_engine_spark_equals_the_embedded_engine_on_the_demo_corpus(
        spark: Any, demo_store: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`narrascope reuse --engine spark` on its own copy of the demo store: the same six tables and output —
    with the passes cut into many small tasks and shingled batches, whose order must join up."""
    monkeypatch.setattr("narrascope.engines.spark.passes.DOCS_PER_TASK", 700)
    monkeypatch.setattr("narrascope.engines.spark.passes.REPS_PER_BATCH", 97)
    embedded, remote = tmp_path / "embedded.duckdb", tmp_path / "remote.duckdb"
    shutil.copy(demo_store[0], embedded)
    shutil.copy(demo_store[0], remote)
    monkeypatch.setenv("NARRASCOPE_SPARK_DIR", str(tmp_path / "work"))
    args = ["reuse", "--refresh", "--json"]
    assert main([*args, "--db", str(embedded)]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--engine", "spark", "--db", str(remote)]) == 0
    theirs = json.loads(capsys.readouterr().out)
    with Corpus.open(embedded, read_only=True) as a, Corpus.open(remote, read_only=True) as b:
        ours, spark_result = load_reuse(a), load_reuse(b)
        entry = b.results.list("reuse_cascades")
    assert ours is not None and spark_result is not None
    assert ours.cascades.height >= 10 and ours.pairs.height > 100
    assert set(ours.pairs["relation"].unique()) >= {"copy", "near_duplicate", "forward"}
    for name, table in _tables(ours).items():
        assert table.equals(_tables(spark_result)[name]), name
    assert json.loads(entry[-1]["params"])["stats"]["engine"] == "spark"
    for row in (local, theirs):  # what the command printed, without the run's own statistics
        row.pop("stats", None)
    assert theirs == local


@pytest.mark.slow
def test_reuse_on_spark_equals_the_embedded_engine_on_200k_messages(spark: Any, parity_store: Path,
                                                                    tmp_path: Path) -> None:
    options = ReuseOptions()
    with Corpus.open(parity_store, read_only=True) as corpus:
        local = find_reuse(corpus, options)
        export_parquet(corpus, tmp_path / "in", rows_per_file=50_000)
        key = options.cache_key(corpus.state_token())
    report = reuse_job(spark, str(tmp_path / "in"), str(tmp_path / "out"), options,
                       checkpoints=str(tmp_path / "ckpt"), spark_options=SparkOptions(partitions=3))
    assert report.manifest.key == key and read_result_manifest(tmp_path / "out").key == key
    copy = tmp_path / "copy.duckdb"
    shutil.copy(parity_store, copy)
    with Corpus.open(copy) as corpus:
        import_results(corpus, tmp_path / "out")
        remote = find_reuse(corpus, options)
    assert remote.stats.get("cached")
    assert local.cascades.height > 1000 and local.passages.height > 0
    assert set(local.pairs["relation"].unique()) >= {"copy", "near_duplicate", "forward", "rewrite", "partial"}
    for name, table in _tables(local).items():
        assert table.equals(_tables(remote)[name]), name
