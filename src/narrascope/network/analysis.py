"""The network analysis end to end: build the channel graph, its structure and (with a group attribute) the mixing
between groups, and keep it all in the store.

:func:`analyse_network` saves seven ``result_network_*`` tables in one transaction (``corpus.results.save_many``)
under a key made of every option, the corpus state, the stored channel attributes and the latest reuse run, so
asking again is instant and anything that changes a row recomputes. :func:`load_network` returns the latest run
(what the report shows).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import UsageError
from ..store.results import load_tables
from .graphs import ChannelGraph, NetworkOptions, channel_graph, latest_reuse
from .mixing import MIXING_VERSION, Mixing, MixingOptions, measure_mixing, sentence
from .structure import Structure, StructureOptions, measure_structure

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["NetworkResult", "analyse_network", "headline", "load_network"]

TABLES = ("nodes", "edges", "evidence", "mixing", "assortativity", "bridges", "stability")


@dataclass(frozen=True)
class NetworkResult:
    """A channel graph with its structure and, when grouped, mixing. ``nodes`` is the graph's node table with the
    structure columns (strength, degree, PageRank, components, community) added."""

    graph: ChannelGraph
    nodes: pl.DataFrame
    structure: Structure
    mixing: Mixing | None
    group: str | None
    key: str
    params: dict[str, Any]

    def relation_totals(self) -> pl.DataFrame:
        """One row per relation: ``relation``, ``edges`` (channel pairs) and ``weight`` (messages behind them)."""
        return (self.graph.edges.group_by("relation").agg(pl.len().alias("edges"), pl.col("weight").sum())
                .sort("relation"))

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table, as stored (``result_network_<name>``)."""
        empty = pl.DataFrame(schema={"relation": pl.String})
        return {
            "nodes": self.nodes, "edges": self.graph.edges, "evidence": self.graph.evidence,
            "mixing": self.mixing.matrix if self.mixing else empty,
            "assortativity": self.mixing.assortativity if self.mixing else empty,
            "bridges": self.mixing.bridges if self.mixing else empty,
            "stability": self.structure.stability,
        }


def analyse_network(corpus: Corpus, options: NetworkOptions | None = None, group: str | None = None,
                    mixing_options: MixingOptions | None = None, structure_options: StructureOptions | None = None,
                    *, refresh: bool = False) -> NetworkResult:
    """Build and analyse the channel graph of ``corpus`` (see the module docstring); ``group`` names a channel
    attribute (e.g. ``location``) for the mixing matrix, assortativity and bridges."""
    options = options or NetworkOptions()
    mixing_options = mixing_options or MixingOptions()
    structure_options = structure_options or StructureOptions()
    reuse_key = latest_reuse(corpus)[0] if {"reuse", "forward"} & set(options.relations) else "-"
    params = {"options": asdict(options), "group": group, "mixing": asdict(mixing_options),
              "structure": asdict(structure_options), "reuse_key": reuse_key}
    key = options.cache_key(corpus.state_token(), corpus.channel_attributes.token(), reuse_key,
                            json.dumps([group, asdict(mixing_options), asdict(structure_options), MIXING_VERSION],
                                       default=list))
    if not refresh:
        cached = _load(corpus, key)
        if cached is not None:
            if not corpus.read_only:
                corpus.results.touch("network_nodes", key)
            return cached
    graph = channel_graph(corpus, options)
    if graph.nodes.is_empty():
        raise UsageError(f"{corpus.path} holds no channels: ingest exports first (`narrascope ingest PATH`)")
    shape = measure_structure(graph, structure_options)
    nodes = graph.nodes.join(shape.nodes, on="node", how="left")
    mixed = measure_mixing(graph, group, mixing_options) if group else None
    params["summary"] = {**shape.summary, "relations": list(options.relations)}
    result = NetworkResult(graph, nodes, shape, mixed, group, key, params)
    if not corpus.read_only:
        corpus.results.save_many({f"network_{n}": t.to_arrow() for n, t in result.tables().items()}, key,
                                 {"network_nodes": params})
    return result


def _load(corpus: Corpus, key: str) -> NetworkResult | None:
    frames = load_tables(corpus, "network", TABLES, key)
    if frames is None:
        return None
    params = corpus.results.params("network_nodes", key)
    structure_columns = ["in_strength", "out_strength", "in_degree", "out_degree", "pagerank", "component",
                         "strong_component", "community"]
    nodes = frames["nodes"]
    graph = ChannelGraph(nodes.drop([c for c in structure_columns if c in nodes.columns]), frames["edges"],
                         frames["evidence"])
    shape = Structure(nodes.select("node", *[c for c in structure_columns if c in nodes.columns]),
                      frames["stability"], params.get("summary", {}))
    group = params.get("group")
    mixed = Mixing(group, frames["mixing"], frames["assortativity"], frames["bridges"]) if group else None
    return NetworkResult(graph, nodes, shape, mixed, group, key, params)


def load_network(corpus: Corpus) -> NetworkResult | None:
    """The most recently saved network analysis of this store, or None when none was run."""
    runs = corpus.results.list("network_nodes")
    return _load(corpus, runs[-1]["result_key"]) if runs else None


def headline(result: NetworkResult, relation: str = "forward") -> list[str]:
    """Sentences for the cross-group cells of one relation's flow matrix (the claim as measured)."""
    if result.mixing is None or result.group is None:
        return []
    rows = result.mixing.matrix.filter((pl.col("relation") == relation) & (pl.col("unit") == "flow")
                                       & (pl.col("source_group") != pl.col("target_group"))
                                       & (pl.col("count") > 0))
    return [sentence(r, relation, result.group) for r in rows.iter_rows(named=True)]
