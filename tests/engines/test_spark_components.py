"""Connected components on Spark (large-star / small-star) against scipy's, on graphs chosen to be hard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrascope.engines.spark.checkpoint import Checkpoints
from narrascope.engines.spark.components import connected_components
from narrascope.reuse.cascades import cluster_labels


def _canonical(n: int, a: np.ndarray, b: np.ndarray) -> dict[int, int]:
    """node → smallest node of its component, for nodes with an edge (scipy's labels made canonical)."""
    labels = cluster_labels(n, a, b)
    smallest = np.full(labels.max(initial=0) + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n))
    nodes = np.unique(np.concatenate([a, b]))
    return dict(zip(nodes.tolist(), smallest[labels[nodes]].tolist(), strict=True))


def _graph(seed: int) -> tuple[int, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 3000
    a = rng.integers(0, n, 1200)
    b = rng.integers(0, n, 1200)
    chain = rng.permutation(n)[:400]  # a long path in random node order: many rounds for label propagation
    star = np.full(50, 7)
    a = np.concatenate([a, chain[:-1], star, [5, 5]])
    b = np.concatenate([b, chain[1:], rng.integers(0, n, 50), [5, 6]])  # a self-loop and a duplicate edge
    return n, a, b


@pytest.mark.slow
def test_components_equal_scipys(spark: Any, tmp_path: Path) -> None:
    n, a, b = _graph(1)
    edges = spark.createDataFrame([(int(x), int(y)) for x, y in zip(a, b, strict=True)], "a long, b long")
    ckpt = Checkpoints(spark, str(tmp_path / "ckpt"))
    found = {r["node"]: r["component"] for r in connected_components(edges, ckpt).collect()}
    assert found == _canonical(n, a, b)
    assert len(ckpt.computed) >= 3 and not ckpt.resumed


@pytest.mark.slow
def test_components_resume_at_the_last_finished_round(spark: Any, tmp_path: Path) -> None:
    n, a, b = _graph(3)
    edges = spark.createDataFrame([(int(x), int(y)) for x, y in zip(a, b, strict=True)], "a long, b long")
    first = Checkpoints(spark, str(tmp_path / "ckpt"))
    want = {r["node"]: r["component"] for r in connected_components(edges, first).collect()}
    again = Checkpoints(spark, str(tmp_path / "ckpt"))
    found = {r["node"]: r["component"] for r in connected_components(edges, again).collect()}
    assert found == want and again.resumed == first.computed and not again.computed
