"""Coordination on Spark (local[2]) against the embedded engine: identical edges, evidence, groups and sweeps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.coordination import CoordinationOptions, find_coordination
from narrascope.coordination.results import TABLES
from narrascope.engines import export_parquet, import_results
from narrascope.engines.results import read_result_manifest
from narrascope.engines.spark.coordination import coordination_job
from narrascope.engines.spark.session import SparkOptions


def _tables(result: Any) -> dict[str, pl.DataFrame]:
    return {name: getattr(result, name) for name in TABLES}


@pytest.mark.slow
def test_coordination_engine_spark_equals_the_embedded_engine_on_the_demo_corpus(
        spark: Any, demo_store: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`narrascope coordination --engine spark` (the demo's planted groups, sweep included) on its own store copy."""
    embedded, remote = tmp_path / "embedded.duckdb", tmp_path / "remote.duckdb"
    shutil.copy(demo_store[0], embedded)
    shutil.copy(demo_store[0], remote)
    monkeypatch.setenv("NARRASCOPE_SPARK_DIR", str(tmp_path / "work"))
    args = ["coordination", "--nulls", "100", "--sweep", "--sweep-windows", "30s,5m", "--json"]
    assert main([*args, "--db", str(embedded)]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--engine", "spark", "--db", str(remote)]) == 0
    theirs = json.loads(capsys.readouterr().out)
    options = CoordinationOptions(nulls=100, sweep=True, sweep_windows=(30, 300))
    with Corpus.open(embedded, read_only=True) as a, Corpus.open(remote, read_only=True) as b:
        ours, spark_result = find_coordination(a, options), find_coordination(b, options)
        entry = b.results.list("coordination_groups")
    assert ours.stats.get("cached") and spark_result.stats.get("cached")  # both read back from their store
    for name, table in _tables(ours).items():
        assert table.equals(_tables(spark_result)[name]), name
    assert ours.groups.height >= 3 and ours.evidence.height > 100  # the demo's planted groups, with evidence
    assert json.loads(entry[-1]["params"])["stats"]["engine"] == "spark"
    for row in (local, theirs):  # what the command printed, without the run's own statistics
        row.pop("stats", None)
    assert theirs == local


@pytest.mark.slow
def test_coordination_on_spark_equals_the_embedded_engine_on_200k_messages(spark: Any, parity_store: Path,
                                                                          tmp_path: Path) -> None:
    options = CoordinationOptions(objects=("url", "text", "forward", "hashtags"), nulls=40, sweep=True,
                                  sweep_windows=(10, 300), sweep_alphas=(0.01, 0.1))
    with Corpus.open(parity_store, read_only=True) as corpus:
        local = find_coordination(corpus, options)
        export_parquet(corpus, tmp_path / "in", rows_per_file=50_000)
        key = options.cache_key(corpus.state_token(), "", "")
    report = coordination_job(spark, str(tmp_path / "in"), str(tmp_path / "out"), options,
                              checkpoints=str(tmp_path / "ckpt"), spark_options=SparkOptions(partitions=3))
    assert report.manifest.key == key and read_result_manifest(tmp_path / "out").key == key
    copy = tmp_path / "copy.duckdb"
    shutil.copy(parity_store, copy)
    with Corpus.open(copy) as corpus:
        import_results(corpus, tmp_path / "out")
        remote = find_coordination(corpus, options)
    assert remote.stats.get("cached")
    assert local.edges.height > 50 and local.evidence.height > 1000 and local.groups.height >= 3
    for name, table in _tables(local).items():
        assert table.equals(_tables(remote)[name]), name
