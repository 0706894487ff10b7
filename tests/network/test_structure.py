"""Structure: strengths and components by hand, both graph libraries agreeing, communities and their stability."""

from __future__ import annotations

import importlib

import polars as pl
import pytest

from narrascope.errors import MissingDependency
from narrascope.network.graphs import ChannelGraph
from narrascope.network.structure import StructureOptions, backend_available, measure_structure


def _graph(edges: list[tuple[str, str, int]], extra_nodes: tuple[str, ...] = ()) -> ChannelGraph:
    names = sorted({n for e in edges for n in e[:2]} | set(extra_nodes))
    nodes = pl.DataFrame({"node": names, "label": names, "platform": "telegram", "kind": "channel",
                          "in_store": True, "messages": 0})
    frame = pl.DataFrame({"relation": "forward", "source": [e[0] for e in edges], "target": [e[1] for e in edges],
                          "weight": [e[2] for e in edges]})
    return ChannelGraph(nodes, frame, pl.DataFrame())


# Two triangles of heavy ties joined by one light edge, plus an isolated channel.
TWO_TRIANGLES = [("a", "b", 5), ("b", "c", 5), ("c", "a", 5), ("d", "e", 5), ("e", "f", 5), ("f", "d", 5),
                 ("c", "d", 1)]


@pytest.mark.parametrize("backend", ["networkx", "networkit"])
def test_two_triangles(backend):
    if not backend_available(backend):
        pytest.skip(f"{backend} not installed")
    result = measure_structure(_graph(TWO_TRIANGLES, ("z",)), StructureOptions(backend=backend, seeds=3))
    rows = {r["node"]: r for r in result.nodes.iter_rows(named=True)}
    assert rows["c"]["out_strength"] == 6 and rows["c"]["in_strength"] == 5 and rows["d"]["in_strength"] == 6
    assert rows["z"]["in_degree"] == rows["z"]["out_degree"] == 0
    assert result.summary["components"] == 2  # the triangles (joined) and z
    assert rows["a"]["component"] == rows["f"]["component"] != rows["z"]["component"]
    same = {rows[n]["community"] for n in "abc"}, {rows[n]["community"] for n in "def"}
    assert len(same[0]) == len(same[1]) == 1 and same[0] != same[1]
    assert result.summary["mean_seed_ari"] == pytest.approx(1.0)
    assert result.nodes["pagerank"].sum() == pytest.approx(1.0)
    # modularity of the two-triangle split, by hand: m = 31 (undirected weights), e_in = 30/31 of the weight inside,
    # degrees 31 per triangle (15+15+1 counted twice / 2) -> Q = 30/31 − 2·(31/62)² = 0.4677…
    assert result.summary["modularity"] == pytest.approx(30 / 31 - 2 * 0.25, abs=1e-9)
    assert set(result.stability["resolution"]) == {0.5, 1.0, 2.0} and result.stability.height == 9


def test_backends_agree_on_pagerank():
    if not backend_available("networkit"):
        pytest.skip("networkit not installed")
    edges = [("a", "b", 3), ("b", "c", 1), ("c", "a", 2), ("a", "d", 1), ("e", "a", 4)]  # d is dangling
    a = measure_structure(_graph(edges), StructureOptions(backend="networkit", seeds=1))
    b = measure_structure(_graph(edges), StructureOptions(backend="networkx", seeds=1))
    assert a.nodes["pagerank"].to_list() == pytest.approx(b.nodes["pagerank"].to_list(), abs=1e-9)


def test_missing_networkit_is_named(monkeypatch):
    module = importlib.import_module("narrascope.network.structure")  # the package re-exports the function
    monkeypatch.setattr(module, "backend_available", lambda name: name == "networkx")
    with pytest.raises(MissingDependency, match=r"narrascope\[graph\]"):
        measure_structure(_graph(TWO_TRIANGLES), StructureOptions(backend="networkit"))
    assert measure_structure(_graph(TWO_TRIANGLES), StructureOptions(backend="auto")).summary["method"] == "louvain"
