"""Coordination on Spark (local[2]) against the embedded engine: identical edges, evidence, groups and sweeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from narrascope import Corpus
from narrascope.coordination import CoordinationOptions, find_coordination
from narrascope.coordination.results import TABLES
from narrascope.engines.spark.coordination import coordination_job
from narrascope.engines.spark.session import SparkOptions
from tests.engines.conftest import assert_same_tables, command_on_both_engines, job_via_dataset


@pytest.mark.slow
def test_coordination_engine_spark_equals_the_embedded_engine_on_the_demo_corpus(
        spark: Any, demo_store: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`narrascope coordination --engine spark` (the demo's planted groups, sweep included) on its own store copy."""
    embedded, remote = command_on_both_engines(
        ["coordination", "--nulls", "100", "--sweep", "--sweep-windows", "30s,5m"], demo_store[0], tmp_path,
        monkeypatch, capsys)
    options = CoordinationOptions(nulls=100, sweep=True, sweep_windows=(30, 300))
    with Corpus.open(embedded, read_only=True) as a, Corpus.open(remote, read_only=True) as b:
        ours, spark_result = find_coordination(a, options), find_coordination(b, options)
        entry = b.results.list("coordination_groups")
    assert ours.stats.get("cached") and spark_result.stats.get("cached")  # both read back from their store
    assert_same_tables(ours, spark_result, TABLES)
    assert ours.groups.height >= 3 and ours.evidence.height > 100  # the demo's planted groups, with evidence
    assert json.loads(entry[-1]["params"])["stats"]["engine"] == "spark"


@pytest.mark.slow
def test_coordination_on_spark_equals_the_embedded_engine_on_200k_messages(spark: Any, parity_store: Path,
                                                                          tmp_path: Path) -> None:
    options = CoordinationOptions(objects=("url", "text", "forward", "hashtags"), nulls=40, sweep=True,
                                  sweep_windows=(10, 300), sweep_alphas=(0.01, 0.1))
    local, remote = job_via_dataset(
        parity_store, tmp_path, lambda corpus: find_coordination(corpus, options),
        lambda corpus: options.cache_key(corpus.state_token(), "", ""),
        lambda source, out, ckpt: coordination_job(spark, source, out, options, checkpoints=ckpt,
                                                   spark_options=SparkOptions(partitions=3)))
    assert local.edges.height > 50 and local.evidence.height > 1000 and local.groups.height >= 3
    assert_same_tables(local, remote, TABLES)
