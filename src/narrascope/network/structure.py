"""Structure of a channel graph: strength, PageRank, components, communities with modularity, and how stable the
communities are across seeds and resolutions.

The graph is the union of the chosen relations (weights added). Backends, chosen by measurement
(docs/benchmarks.md, "network"): networkit (MIT; installed by default on x86-64, ``pip install 'narrascope[graph]'``
elsewhere) gives Leiden (Traag, Waltman & van Eck 2019) and a fast PageRank; without it networkx (BSD) gives Louvain
(Blondel et al. 2008) and its PageRank. Components come from scipy. Communities are found on the undirected graph
(w_uv + w_vu); Leiden runs single-threaded with a fixed seed, so results are reproducible.

Stability is reported, not hidden: the partition is recomputed for ``seeds`` seeds at each resolution of
``resolutions``; each run's adjusted Rand index against the reference run (first seed, ``resolution``), its number of
communities and its modularity are listed, and summarised as the mean ARI between seeds at the chosen resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import MissingDependency
from ..reuse.cascades import adjusted_rand_index
from .graphs import ChannelGraph
from .options import BACKENDS, StructureOptions

__all__ = ["BACKENDS", "Structure", "StructureOptions", "backend_available", "measure_structure"]


@dataclass(frozen=True)
class Structure:
    """``nodes``: node, in_strength, out_strength, in_degree, out_degree, pagerank, component (weak),
    strong_component, community. ``stability``: resolution, seed, communities, modularity, ari (to the reference
    partition). ``summary``: backend, method, modularity, communities, components, mean_seed_ari …"""

    nodes: pl.DataFrame
    stability: pl.DataFrame
    summary: dict[str, Any]


def backend_available(name: str) -> bool:
    if name == "networkx":
        return True
    try:
        import networkit  # noqa: F401
    except ImportError:
        return False
    return True


def _backend(name: str) -> str:
    if name == "auto":
        return "networkit" if backend_available("networkit") else "networkx"
    if not backend_available(name):
        raise MissingDependency("networkit", "graph")
    return name


# ------------------------------------------------------------------------------------------------ backends
def _nk_graph(n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray, directed: bool) -> Any:
    """A networkit graph built from arrays in one call; undirected pairs are summed first (u < v)."""
    import networkit as nk

    if not directed:
        a, b = np.minimum(src, tgt), np.maximum(src, tgt)
        pairs, inverse = np.unique(a * n + b, return_inverse=True)
        w = np.bincount(inverse, weights=w)
        src, tgt = pairs // n, pairs % n
    return nk.GraphFromCoo((np.asarray(w, dtype=float), (src.astype(np.uint64), tgt.astype(np.uint64))), n=n,
                           directed=directed, weighted=True)


def _pagerank(backend: str, n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray, damping: float) -> np.ndarray:
    if n == 0:
        return np.zeros(0)
    if backend == "networkit":
        import networkit as nk

        pr = nk.centrality.PageRank(_nk_graph(n, src, tgt, w, True), damp=damping, tol=1e-12,
                                    distributeSinks=nk.centrality.SinkHandling.DistributeSinks)
        pr.run()
        scores = np.asarray(pr.scores(), dtype=float)
        return scores / scores.sum()
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(src.tolist(), tgt.tolist(), w.tolist(), strict=True))
    pr_nx = nx.pagerank(g, alpha=damping, weight="weight", tol=1e-12, max_iter=1000)
    return np.array([pr_nx[i] for i in range(n)])


def _communities(backend: str, n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray, resolution: float,
                 seed: int) -> tuple[np.ndarray, float]:
    """(community of each node, modularity) on the undirected graph."""
    if n == 0:
        return np.zeros(0, dtype=np.int64), math.nan
    if backend == "networkit":
        import networkit as nk

        nk.engineering.setNumberOfThreads(1)
        nk.engineering.setSeed(seed, False)
        g = _nk_graph(n, src, tgt, w, False)
        algo = nk.community.ParallelLeiden(g, iterations=10, randomize=True, gamma=resolution)
        algo.run()
        partition = algo.getPartition()
        labels = np.array(partition.getVector(), dtype=np.int64)
        quality = nk.community.Modularity().getQuality(partition, g) if g.numberOfEdges() else math.nan
        return _relabel(labels), float(quality)
    import networkx as nx

    ug = nx.Graph()
    ug.add_nodes_from(range(n))
    for a, b, x in zip(src.tolist(), tgt.tolist(), w.tolist(), strict=True):
        ug.add_edge(a, b, weight=ug.get_edge_data(a, b, {"weight": 0.0})["weight"] + x)
    parts = nx.community.louvain_communities(ug, weight="weight", resolution=resolution, seed=seed)
    labels = np.zeros(n, dtype=np.int64)
    for i, members in enumerate(parts):
        labels[list(members)] = i
    quality = nx.community.modularity(ug, parts, weight="weight") if ug.number_of_edges() else math.nan
    return _relabel(labels), float(quality)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Communities numbered by size (largest 0), ties by first member: labels that read the same across runs."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(ids.size), key=lambda i: (-counts[i], first[i]))
    mapping = np.empty(ids.max() + 1 if ids.size else 0, dtype=np.int64)
    for new, i in enumerate(order):
        mapping[ids[i]] = new
    return mapping[labels]


# ------------------------------------------------------------------------------------------------ entry point
def measure_structure(graph: ChannelGraph, options: StructureOptions | None = None,
              relations: list[str] | None = None) -> Structure:
    """Strength, degree, PageRank, components and communities of the union of ``relations`` (all by default)."""
    options = options or StructureOptions()
    backend = _backend(options.backend)
    edges = graph.edges if relations is None else graph.edges.filter(pl.col("relation").is_in(relations))
    edges = edges.group_by("source", "target").agg(pl.col("weight").sum().cast(pl.Float64)).sort("source", "target")
    nodes = graph.nodes["node"].to_list()
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    src = np.array([index[s] for s in edges["source"].to_list()], dtype=np.int64)
    tgt = np.array([index[t] for t in edges["target"].to_list()], dtype=np.int64)
    w = edges["weight"].to_numpy().astype(float)
    strength_out = np.bincount(src, weights=w, minlength=n)
    strength_in = np.bincount(tgt, weights=w, minlength=n)
    adjacency = coo_matrix((np.ones(src.size), (src, tgt)), shape=(n, n))
    n_weak, weak = connected_components(adjacency, directed=True, connection="weak") if n else (0, np.zeros(0))
    n_strong, strong = connected_components(adjacency, directed=True, connection="strong") if n else (0, np.zeros(0))
    pagerank = _pagerank(backend, n, src, tgt, w, options.damping)
    reference, modularity = _communities(backend, n, src, tgt, w, options.resolution, 0)
    runs: list[dict[str, Any]] = []
    by_resolution: dict[float, list[np.ndarray]] = {}
    for resolution in sorted({options.resolution, *options.resolutions}):
        for seed in range(options.seeds):
            labels, quality = ((reference, modularity) if (resolution, seed) == (options.resolution, 0)
                               else _communities(backend, n, src, tgt, w, resolution, seed))
            by_resolution.setdefault(resolution, []).append(labels)
            runs.append({"resolution": resolution, "seed": seed, "communities": int(np.unique(labels).size),
                         "modularity": quality, "ari": adjusted_rand_index(reference, labels) if n > 1 else 1.0})
    seed_runs = by_resolution[options.resolution]
    pairs = [adjusted_rand_index(a, b) for a, b in combinations(seed_runs, 2)] if n > 1 else []
    frame = pl.DataFrame({
        "node": nodes, "in_strength": strength_in, "out_strength": strength_out,
        "in_degree": np.bincount(tgt, minlength=n).astype(np.int64),
        "out_degree": np.bincount(src, minlength=n).astype(np.int64),
        "pagerank": pagerank, "component": np.asarray(weak, dtype=np.int64),
        "strong_component": np.asarray(strong, dtype=np.int64), "community": reference,
    }, schema={"node": pl.String, "in_strength": pl.Float64, "out_strength": pl.Float64, "in_degree": pl.Int64,
               "out_degree": pl.Int64, "pagerank": pl.Float64, "component": pl.Int64, "strong_component": pl.Int64,
               "community": pl.Int64})
    summary = {
        "backend": backend, "method": "leiden" if backend == "networkit" else "louvain",
        "nodes": n, "edges": int(src.size), "components": int(n_weak), "strong_components": int(n_strong),
        "communities": int(np.unique(reference).size) if n else 0, "modularity": modularity,
        "resolution": options.resolution, "seeds": options.seeds,
        "mean_seed_ari": float(np.mean(pairs)) if pairs else 1.0,
        "min_seed_ari": float(np.min(pairs)) if pairs else 1.0,
    }
    stability = pl.DataFrame(runs, schema={"resolution": pl.Float64, "seed": pl.Int64, "communities": pl.Int64,
                                           "modularity": pl.Float64, "ari": pl.Float64})
    return Structure(frame, stability.with_columns(pl.col("modularity").fill_nan(None)), summary)
