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
from narrascope.reuse.lsh import band_keys, lsh_pairs, shared_gram_pairs
from narrascope.reuse.minhash import signatures
from narrascope.reuse.pipeline import TABLES
from narrascope.reuse.shingle import ShingleSets


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


@pytest.mark.slow
def test_spark_candidates_and_passage_pairs_equal_the_embedded_steps(spark: Any, tmp_path: Path) -> None:
    """Banding with capped (chained) buckets, empty sets, and shared rare n-grams: the same pairs and stats."""
    rng = np.random.default_rng(7)
    sets = _sets(rng, 900, 60)
    docs = np.arange(1000, 1900, dtype=np.int64)  # document numbers other than the set rows
    options = ReuseOptions(threshold=0.4, num_perm=32, max_bucket=6)
    steps = SparkReuseSteps(spark, Checkpoints(spark, str(tmp_path / "ckpt")), partitions=3)
    cand, stats = steps.candidates(sets, docs, options)
    bands, rows = options.bands
    local, local_stats = lsh_pairs(band_keys(signatures(sets, options.num_perm, options.seed), bands, rows), docs,
                                   options.max_bucket)
    assert local_stats.capped_buckets > 0 and len(local) > 100  # chaining and many pairs are exercised
    assert np.array_equal(cand, local)
    assert stats == local_stats
    grams = _sets(np.random.default_rng(8), 700, 300)
    spark_pairs = steps.shared_gram_pairs(grams, 40, 3)
    local_pairs = shared_gram_pairs(grams, 40, 3)
    assert len(local_pairs) > 1000 and len(local_pairs) < 700 * 699 // 4  # the df and min-match limits bite
    assert np.array_equal(spark_pairs, local_pairs)


@pytest.mark.slow
def test_reuse_engine_spark_equals_the_embedded_engine_on_the_demo_corpus(
        spark: Any, demo_store: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`narrascope reuse --engine spark` on its own copy of the demo store: the same six tables and output."""
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
