"""What the network page draws: a stored channel graph laid out for an SVG view (presentation only).

The analysis (edges, evidence, structure, mixing) is :func:`narrascope.network.load_network`'s; this module only
chooses which nodes fit on a screen, places them and gives each a colour class. Layout is computed on the server
(networkx's Kamada–Kawai for components up to 150 nodes, Fruchterman–Reingold with a fixed seed beyond:
a graph always looks the same) and cached per stored run:
the browser gets plain SVG elements — clickable, searchable, testable in the DOM, no WebGL needed on a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from ..network import ChannelGraph

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["COLOURS", "DrawnGraph", "colour_attributes", "draw"]

#: Colour classes in style.css (``.g0`` … ``.g9``); groups past the ninth share ``.g10`` ("other").
COLOURS = 10
#: At most this many nodes are drawn (the most connected ones); the tables below the view list every edge.
MAX_NODES = 250
MAX_EDGES = 1500
SIZE = 1000.0
#: components up to this size are laid out by Kamada–Kawai (O(n²) per step), larger ones by a force layout
KAMADA_KAWAI_NODES = 150
STRUCTURE = ("in_strength", "out_strength", "in_degree", "out_degree", "pagerank", "component", "strong_component",
             "community")


@dataclass(frozen=True)
class DrawnGraph:
    """Geometry of the view: nodes (x, y, r, colour class), edges (line ends, width), the legend, and what was
    left out."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    legend: list[dict[str, Any]]
    total_nodes: int
    total_edges: int
    size: float = SIZE
    notes: list[str] = field(default_factory=list)


def colour_attributes(nodes: pl.DataFrame) -> list[str]:
    """Node columns that make sensible colours: text attributes (location, side, kind, platform …) and the
    structure's communities and components."""
    skip = {"node", "label"}
    out = [c for c, t in nodes.schema.items() if c not in skip and c not in STRUCTURE and t == pl.String]
    return out + [c for c in ("community", "component") if c in nodes.columns]


def _component_layout(g: nx.Graph) -> dict[str, tuple[float, float]]:
    """Positions in [0, 1]² for one connected component."""
    import networkx as nx

    if g.number_of_nodes() == 1:
        return {next(iter(g.nodes)): (0.5, 0.5)}
    if g.number_of_nodes() <= KAMADA_KAWAI_NODES:
        # Kamada–Kawai spreads a small component evenly (a force layout lets one pendant node squeeze the rest);
        # deterministic, from a circular start
        pos = nx.kamada_kawai_layout(g, pos=nx.circular_layout(sorted(g.nodes)), weight=None)
    else:
        pos = nx.spring_layout(g, seed=7, weight="weight", iterations=80, k=2.0 / math.sqrt(g.number_of_nodes()))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return {n: ((x - min(xs)) / span, (y - min(ys)) / span) for n, (x, y) in pos.items()}


def _layout(nodes: list[str], edges: pl.DataFrame) -> dict[str, tuple[float, float]]:
    """Each connected component laid out on its own, in a square whose side grows with the square root of its
    size, packed in rows under the largest: one force layout of a disconnected graph pushes the components to the
    corners and shrinks the one that matters to a dot."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(nodes)
    for source, target, weight in edges.select("source", "target", "weight").iter_rows():
        if source == target:
            continue
        w = math.log1p(float(weight))  # a heavy edge pulls harder, but not so hard that it hides the rest
        g.add_edge(source, target, weight=g.get_edge_data(source, target, {"weight": 0})["weight"] + w)
    parts = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    # the largest component spans the width; the others (sparser, so drawn smaller) fill rows under it
    sides = [math.sqrt(len(c)) * (1.0 if i == 0 else 0.6) for i, c in enumerate(parts)]
    width = max(sides[0], math.sqrt(sum(side * side for side in sides[1:])))  # many small ones: a square grid
    placed: dict[str, tuple[float, float]] = {}
    x = y = row = 0.0
    for part, side in zip(parts, sides, strict=True):
        if x > 0 and x + side > width:
            x, y, row = 0.0, y + row, 0.0
        inner = _component_layout(g.subgraph(part))
        margin = 0.12 * side if len(part) > 1 else 0.5 * side
        for n, (px, py) in inner.items():
            placed[n] = (x + margin + px * (side - 2 * margin) if len(part) > 1 else x + side / 2,
                         y + margin + py * (side - 2 * margin) if len(part) > 1 else y + side / 2)
        x += side
        row = max(row, side)
    extent = max(width, y + row) or 1.0
    pad = 30.0
    scale = (SIZE - 2 * pad) / extent
    return {n: (round(pad + px * scale, 1), round(pad + py * scale, 1)) for n, (px, py) in placed.items()}


def draw(graph: ChannelGraph, nodes: pl.DataFrame, relations: list[str], colour_by: str) -> DrawnGraph:
    """The view of ``relations``' edges between the most connected nodes, coloured by the ``colour_by`` column
    (``nodes`` holds the graph's nodes with their structure columns)."""
    edges = graph.edges.filter(pl.col("relation").is_in(relations))
    strength = (pl.concat([edges.select(pl.col("source").alias("node"), "weight"),
                           edges.select(pl.col("target").alias("node"), "weight")])
                .group_by("node").agg(pl.col("weight").sum().alias("strength")))
    ranked = (nodes.join(strength, on="node", how="left").with_columns(pl.col("strength").fill_null(0))
              .sort(["strength", "node"], descending=[True, False]))
    # a node without any edge of these relations says nothing here, unless nothing has edges at all
    connected = ranked.filter(pl.col("strength") > 0)
    shown = (connected if connected.height else ranked).head(MAX_NODES)
    keep = set(shown["node"].to_list())
    drawn_edges = (edges.filter(pl.col("source").is_in(keep) & pl.col("target").is_in(keep))
                   .sort(["weight", "relation", "source", "target"], descending=[True, False, False, False])
                   .head(MAX_EDGES))
    pos = _layout(shown["node"].to_list(), drawn_edges)
    values = shown[colour_by].cast(pl.String).fill_null("(none)") if colour_by in shown.columns else None
    groups: list[str] = []
    if values is not None:
        counts = values.value_counts(sort=True, name="n")
        groups = [g for g in counts[colour_by].to_list()][: COLOURS]
    klass = {g: f"g{i}" for i, g in enumerate(groups)}
    top = float(shown["strength"].cast(pl.Float64).max() or 1.0) or 1.0  # type: ignore[arg-type]
    out_nodes = []
    for i, row in enumerate(shown.iter_rows(named=True)):
        value = values[i] if values is not None else None
        x, y = pos[row["node"]]
        out_nodes.append({
            "node": row["node"], "label": row.get("label") or row["node"], "x": x, "y": y,
            "r": round(4 + 14 * math.sqrt(float(row["strength"]) / top), 1),
            "colour": klass.get(value, f"g{COLOURS}") if value is not None else "g0", "group": value,
            "kind": row.get("kind"), "in_store": bool(row.get("in_store")), "strength": row["strength"],
            "messages": row.get("messages")})
    heaviest = float(drawn_edges["weight"].cast(pl.Float64).max() or 1.0) if drawn_edges.height else 1.0  # type: ignore[arg-type]
    out_edges = []
    for e in drawn_edges.iter_rows(named=True):
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        out_edges.append({**e, "x1": x1, "y1": y1, "x2": x2, "y2": y2,
                          "width": round(0.8 + 4 * math.log1p(e["weight"]) / math.log1p(heaviest), 2)})
    legend = [{"group": g, "colour": klass[g], "nodes": int((values == g).sum()) if values is not None else 0}
              for g in groups]
    if values is not None and values.n_unique() > COLOURS:
        legend.append({"group": "other", "colour": f"g{COLOURS}", "nodes": int((~values.is_in(groups)).sum())})
    notes = []
    if connected.height > shown.height:
        notes.append(f"showing the {shown.height:,} most connected of {connected.height:,} connected nodes")
    if drawn_edges.height < edges.height:
        notes.append(f"drawing {drawn_edges.height:,} of {edges.height:,} edges (the heaviest between the nodes "
                     "shown); the edge table lists them all")
    return DrawnGraph(out_nodes, out_edges, legend, nodes.height, edges.height, notes=notes)
