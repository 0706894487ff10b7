"""Frames on Spark (local[2]) against the embedded engine: identical hits, hence identical masks and shares."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.engines import export_parquet
from narrascope.engines.results import read_result_manifest, read_result_table
from narrascope.engines.spark.frames import frames_job, match_batches
from narrascope.engines.spark.session import SparkOptions
from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import frame_hits_key, match_corpus
from tests.engines.synthetic import write_lexicon

ORDER = ["uid", "start", "end", "frame", "term"]


def _sorted(hits: pa.Table | pl.DataFrame) -> pl.DataFrame:
    frame = hits if isinstance(hits, pl.DataFrame) else pl.from_arrow(hits)
    assert isinstance(frame, pl.DataFrame)
    return frame.sort(ORDER)


def _masks(hits: pl.DataFrame) -> set[tuple[str, str]]:
    return set(hits.select("uid", "frame").unique().iter_rows())


def test_the_kernel_is_the_matchers_scan(demo_store: tuple[Path, Any]) -> None:
    """The mapInArrow kernel, called as Spark calls it, yields the embedded engine's rows (uid for row)."""
    lex = load_lexicon(demo_store[1].lexicon_path)
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        batches = list(corpus.text_batches(batch_rows=700))
        local = match_corpus(corpus, lex, use_cache=False)
    out = pa.Table.from_batches(list(match_batches(lex, iter(batches))))
    assert _sorted(out).equals(_sorted(local))


@pytest.mark.slow
def test_frames_engine_spark_equals_the_embedded_engine_on_the_demo_corpus(
        spark: Any, demo_copy: Path, demo_store: tuple[Path, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`narrascope frames --engine spark` against the default engine, each on its own copy of the store."""
    embedded = tmp_path / "embedded.duckdb"
    shutil.copy(demo_copy, embedded)
    monkeypatch.setenv("NARRASCOPE_SPARK_DIR", str(tmp_path / "work"))
    lexicon = str(demo_store[1].lexicon_path)
    args = ["frames", lexicon, "--by", "channel,month", "--json"]
    assert main([*args, "--db", str(embedded)]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--engine", "spark", "--db", str(demo_copy)]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote["rows"] == local["rows"] and len(local["rows"]) > 100
    lex = load_lexicon(lexicon)
    with Corpus.open(embedded, read_only=True) as a, Corpus.open(demo_copy, read_only=True) as b:
        key = frame_hits_key(lex, a, None, None)
        assert key == frame_hits_key(lex, b, None, None)
        ours, theirs = a.results.load("frame_hits", key), b.results.load("frame_hits", key)
        entry = [r for r in b.results.list("frame_hits") if r["result_key"] == key]
    assert ours is not None and theirs is not None and ours.num_rows > 1000
    assert _sorted(theirs).equals(_sorted(ours))
    assert _masks(_sorted(theirs)) == _masks(_sorted(ours))
    assert len(entry) == 1 and '"engine": "spark"' in entry[0]["params"]


@pytest.mark.slow
def test_results_do_not_depend_on_partitions_or_slices(spark: Any, demo_store: tuple[Path, Any],
                                                       tmp_path: Path) -> None:
    lex = load_lexicon(demo_store[1].lexicon_path)
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        export_parquet(corpus, tmp_path / "in", rows_per_file=2500)
    tables = []
    for n, (partitions, slice_bytes) in enumerate(((1, 1 << 40), (5, 100_000))):
        out = tmp_path / f"out{n}"
        report = frames_job(spark, str(tmp_path / "in"), lex, str(out), checkpoints=str(tmp_path / "ckpt"),
                            since="2024-03-15", until="2025-02-01",
                            options=SparkOptions(partitions=partitions, slice_bytes=slice_bytes))
        tables.append(_sorted(read_result_table(out, "frame_hits", read_result_manifest(out).key)))
        assert len(report.computed) == (1 if n == 0 else report.manifest.params["frame_hits"]["slices"]) \
            and not report.resumed
        assert list((tmp_path / "ckpt").iterdir()) == []  # a finished job removes its checkpoints
    with Corpus.open(demo_store[0], read_only=True) as corpus:
        local = match_corpus(corpus, lex, since="2024-03-15", until="2025-02-01")
    assert tables[0].equals(_sorted(local)) and tables[1].equals(_sorted(local))


@pytest.mark.slow
def test_frames_on_spark_equal_the_embedded_engine_on_200k_messages(spark: Any, parity_store: Path,
                                                                   tmp_path: Path) -> None:
    """Every matcher path (variants, inflections, prefixes, wildcards, regex, elongation, exclusions)."""
    lex = load_lexicon(write_lexicon(tmp_path / "lexicon.yaml"))
    with Corpus.open(parity_store, read_only=True) as corpus:
        local = match_corpus(corpus, lex)
        export_parquet(corpus, tmp_path / "in", rows_per_file=60_000)
        key = frame_hits_key(lex, corpus, None, None)
    report = frames_job(spark, str(tmp_path / "in"), lex, str(tmp_path / "out"), checkpoints=str(tmp_path / "ckpt"),
                        options=SparkOptions(slice_bytes=1 << 40))
    assert report.manifest.key == key
    spark_hits = _sorted(read_result_table(tmp_path / "out", "frame_hits", key))
    local_hits = _sorted(local)
    assert local_hits.height > 20_000
    assert set(local_hits["term"].unique()) >= {"turnout-figure", "cool", "uprising", "freedom fight*", "مقاومت"}
    assert spark_hits.equals(local_hits)
    assert _masks(spark_hits) == _masks(local_hits)
