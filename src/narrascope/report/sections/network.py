"""Channel network: the mixing claim as sentences, the graph drawn as a static SVG (layout computed here, groups
coloured, no script), the mixing matrix beside its null expectation, bridge channels and structure.

Reads the latest stored ``narrascope network`` run (:func:`narrascope.network.analysis.load_network`); shows nothing
when none was run. Only presentation is computed here: the layout and the drawing's geometry.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from ...network.analysis import NetworkResult, headline, load_network
from ...network.export import group_colours, layout
from ...network.graphs import ChannelGraph
from ...network.mixing import NONE
from ...store.corpus import Corpus
from ..model import ReportOptions, Section
from ..render import render

ORDER = 50
WIDTH, HEIGHT, MARGIN = 720, 480, 40
LABELS = 12  # channels labelled in the drawing (highest PageRank)


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _drawing(result: NetworkResult) -> dict[str, Any]:
    nodes = result.nodes
    group = result.group
    groups = nodes[group].to_list() if group else [None] * nodes.height
    colours = group_colours(groups)
    pos = layout(ChannelGraph(nodes, result.graph.edges, result.graph.evidence))
    pagerank = nodes["pagerank"].fill_null(0).to_list()
    top = max(pagerank) if pagerank and max(pagerank) > 0 else 1.0
    ranked = set(nodes.sort("pagerank", descending=True, nulls_last=True).head(LABELS)["node"].to_list())

    def xy(node: str) -> tuple[float, float]:
        x, y = pos.get(node, (0.5, 0.5))
        return MARGIN + x * (WIDTH - 2 * MARGIN), MARGIN + y * (HEIGHT - 2 * MARGIN)

    drawn_nodes = []
    for row, g, pr in zip(nodes.iter_rows(named=True), groups, pagerank, strict=True):
        x, y = xy(row["node"])
        r = 4 + 16 * math.sqrt(pr / top)
        label = str(row["label"] or row["node"])
        drawn_nodes.append({"x": round(x, 1), "y": round(y, 1), "r": round(r, 1), "colour": colours.get(g, "#bbb"),
                            "label": label[:24], "label_y": round(y - r - 3, 1), "show_label": row["node"] in ranked,
                            "title": f"{label} ({g or NONE}; {row['kind']}; PageRank {pr:.3f})"})
    pairs = (result.graph.edges.group_by("source", "target")
             .agg(pl.col("weight").sum(), pl.col("relation").unique().sort().str.join(", ")))
    heaviest = max(pairs["weight"].to_list() or [1])
    drawn_edges = []
    for source, target, weight, relations in pairs.sort("weight").iter_rows():
        (x1, y1), (x2, y2) = xy(source), xy(target)
        share = math.log1p(weight) / math.log1p(heaviest)
        drawn_edges.append({"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x2, 1), "y2": round(y2, 1),
                            "width": round(0.5 + 3 * share, 2), "opacity": round(0.15 + 0.5 * share, 2),
                            "colour": "#777", "title": f"{source} → {target}: {weight} ({relations})"})
    counts: dict[str, int] = {}
    for g in groups:
        counts[g or NONE] = counts.get(g or NONE, 0) + 1
    legend = [{"group": g, "colour": colours.get(g, "#bbb"), "nodes": n} for g, n in sorted(counts.items())]
    return {"svg": {"width": WIDTH, "height": HEIGHT, "nodes": drawn_nodes, "edges": drawn_edges},
            "legend": legend if group else []}


def _matrix(result: NetworkResult) -> list[dict[str, Any]]:
    if result.mixing is None:
        return []
    flow = result.mixing.matrix.filter(pl.col("unit") == "flow")
    out = []
    for relation in flow["relation"].unique(maintain_order=True).to_list():
        cells = flow.filter(pl.col("relation") == relation)
        groups = sorted(set(cells["target_group"].to_list()))
        lookup = {(r["source_group"], r["target_group"]): r for r in cells.iter_rows(named=True)}
        rows = []
        for a in groups:
            row_cells = []
            for b in groups:
                c = {k: _clean(v) for k, v in lookup[(a, b)].items()}
                p = c.get("p_value")
                c["p"] = "" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")
                row_cells.append(c)
            rows.append({"group": a, "cells": row_cells})
        out.append({"relation": relation, "groups": groups, "rows": rows})
    return out


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    result = load_network(corpus)
    if result is None:
        return None
    relations = result.graph.edges["relation"].unique(maintain_order=True).to_list()
    summary = {"nodes": result.graph.nodes.height, "external": result.graph.nodes.filter(~pl.col("in_store")).height,
               "relations": relations or ["none"]}
    lines = [line for relation in relations for line in headline(result, relation)]
    structure = {k: _clean(v) for k, v in result.structure.summary.items()}
    stability = (result.structure.stability.filter(pl.col("seed") == 0)
                 .filter(pl.col("resolution") != structure.get("resolution")).to_dicts())
    top = result.nodes.sort("pagerank", descending=True, nulls_last=True).head(options.max_channels)
    drawing = _drawing(result)
    assort = ([{k: _clean(v) for k, v in r.items()} for r in
               result.mixing.assortativity.filter(pl.col("unit") == "flow").iter_rows(named=True)]
              if result.mixing else [])
    assort = [a for a in assort if a.get("r") is not None]
    matrix = _matrix(result)
    bridges = result.mixing.bridges.to_dicts() if result.mixing else []
    html = render("network.html", summary=summary, headline=lines, group=result.group, matrix=matrix,
                  draws=(result.params.get("mixing") or {}).get("draws", 0), assortativity=assort, bridges=bridges,
                  structure=structure, stability=stability, top=top.to_dicts(), **drawing)
    data = {
        "summary": summary, "group": result.group, "headline": lines, "structure": structure,
        "mixing": [{k: _clean(v) for k, v in r.items()} for r in result.mixing.matrix.iter_rows(named=True)]
        if result.mixing else [],
        "assortativity": assort, "bridges": bridges,
        "nodes": [{k: _clean(v) for k, v in r.items()} for r in top.iter_rows(named=True)],
    }
    return Section(id="network", title="Channel network", html=html, data=data)
