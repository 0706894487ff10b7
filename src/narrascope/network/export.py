"""Writing channel graphs: GEXF 1.3 (for Gephi), GraphML, Parquet or CSV tables; and a layout for drawings.

GEXF is written here with lxml rather than networkx's writer, which cannot hold several relations' parallel edges
with their own attributes and writes times as plain dates: every node carries its attributes (channel attributes,
kind, messages, strength, PageRank, community) and a spell from its first to its last edge; every edge its relation
(also as the GEXF 1.3 edge ``kind``), weight, first/last time, median lag and a spell; ``viz:color`` by group and
``viz:position`` from :func:`layout`, so Gephi opens it drawn, and its timeline animates it. GraphML is networkx's
writer over :meth:`ChannelGraph.to_networkx`. Files are written to a temporary sibling and moved into place.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from lxml import etree

from .._version import __version__
from ..errors import UsageError
from .graphs import ChannelGraph

__all__ = ["FORMATS", "PALETTE", "check_output", "group_colours", "layout", "write_graph"]

FORMATS = (".gexf", ".graphml", ".csv", ".parquet")
GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"
#: Okabe–Ito colours (distinguishable with colour-vision deficiencies), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
NO_GROUP_COLOUR = "#BBBBBB"


def group_colours(values: list[str | None]) -> dict[str | None, str]:
    """A colour per group value, in sorted order; missing values grey."""
    groups = sorted({v for v in values if v is not None and v != "(none)"})
    colours: dict[str | None, str] = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    colours[None] = colours["(none)"] = NO_GROUP_COLOUR
    return colours


def layout(graph: ChannelGraph, seed: int = 1) -> dict[str, tuple[float, float]]:
    """Node positions in [0, 1]² from a force-directed layout (Fruchterman–Reingold, networkx) on the undirected
    graph with log-scaled weights, so one heavy edge does not collapse the drawing. Deterministic for a seed."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(graph.nodes["node"].to_list())
    pairs = (graph.edges.with_columns(pl.min_horizontal("source", "target").alias("a"),
                                      pl.max_horizontal("source", "target").alias("b"))
             .group_by("a", "b").agg(pl.col("weight").sum()))
    g.add_weighted_edges_from((a, b, 1 + math.log(w)) for a, b, w in pairs.iter_rows())
    if g.number_of_nodes() == 0:
        return {}
    pos = nx.spring_layout(g, seed=seed, weight="weight", iterations=200)
    xy = np.array(list(pos.values()), dtype=float).reshape(-1, 2)
    lo, span = xy.min(axis=0), np.maximum(np.ptp(xy, axis=0), 1e-9)
    xy = (xy - lo) / span
    return {node: (float(x), float(y)) for node, (x, y) in zip(pos, xy, strict=True)}


# ------------------------------------------------------------------------------------------------ GEXF
def _gexf_type(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "long"
    if dtype.is_float():
        return "double"
    if dtype == pl.Boolean:
        return "boolean"
    return "string"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return _when(v)
    return str(v)


def _when(v: datetime) -> str:
    return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _declare(parent: etree._Element, cls: str, frame: pl.DataFrame, skip: set[str]) -> list[tuple[str, str]]:
    attributes = etree.SubElement(parent, f"{{{GEXF_NS}}}attributes", {"class": cls, "mode": "static"})
    declared = []
    for i, (name, dtype) in enumerate(frame.schema.items()):
        if name in skip:
            continue
        etree.SubElement(attributes, f"{{{GEXF_NS}}}attribute", {"id": f"{cls[0]}{i}", "title": name,
                                                                   "type": _gexf_type(dtype)})
        declared.append((f"{cls[0]}{i}", name))
    return declared


def _attvalues(element: etree._Element, row: dict[str, Any], declared: list[tuple[str, str]]) -> None:
    values = etree.SubElement(element, f"{{{GEXF_NS}}}attvalues")
    for aid, name in declared:
        v = row.get(name)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        etree.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": aid, "value": _value(v)})


def _spell(element: etree._Element, start: datetime | None, end: datetime | None) -> None:
    if start is None and end is None:
        return
    spells = etree.SubElement(element, f"{{{GEXF_NS}}}spells")
    attrs = {k: v.astimezone(UTC).strftime("%Y-%m-%d") for k, v in (("start", start), ("end", end)) if v is not None}
    etree.SubElement(spells, f"{{{GEXF_NS}}}spell", attrs)


def _gexf(graph: ChannelGraph, nodes: pl.DataFrame, group: str | None) -> bytes:
    root = etree.Element(f"{{{GEXF_NS}}}gexf", nsmap={None: GEXF_NS, "viz": VIZ_NS}, version="1.3")
    meta = etree.SubElement(root, f"{{{GEXF_NS}}}meta",
                            lastmodifieddate=datetime.now(UTC).strftime("%Y-%m-%d"))
    etree.SubElement(meta, f"{{{GEXF_NS}}}creator").text = f"narrascope {__version__}"
    etree.SubElement(meta, f"{{{GEXF_NS}}}description").text = (
        "channel graph; edges point from the channel taken up to the channel that took it up; relations: "
        + ", ".join(graph.edges["relation"].unique(maintain_order=True).to_list()))
    # Spells by day (xsd:date): what networkx's reader accepts and enough for Gephi's timeline; exact times are the
    # first_at / last_at attributes.
    g = etree.SubElement(root, f"{{{GEXF_NS}}}graph", defaultedgetype="directed", mode="dynamic", timeformat="date")
    node_decl = _declare(g, "node", nodes, {"node", "label"})
    edges = graph.edges
    edge_decl = _declare(g, "edge", edges, {"source", "target", "weight"})
    spans = pl.concat([edges.select(pl.col("source").alias("node"), "first_at", "last_at"),
                       edges.select(pl.col("target").alias("node"), "first_at", "last_at")]).group_by("node").agg(
        pl.col("first_at").min(), pl.col("last_at").max())
    span = {r[0]: (r[1], r[2]) for r in spans.iter_rows()}
    colours = group_colours(nodes[group].to_list()) if group and group in nodes.columns else {}
    pos = layout(graph)
    xml_nodes = etree.SubElement(g, f"{{{GEXF_NS}}}nodes")
    for row in nodes.iter_rows(named=True):
        n = etree.SubElement(xml_nodes, f"{{{GEXF_NS}}}node", id=str(row["node"]), label=str(row["label"] or row["node"]))
        _attvalues(n, row, node_decl)
        _spell(n, *span.get(row["node"], (None, None)))
        colour = colours.get(row.get(group)) if group else None
        if colour:
            etree.SubElement(n, f"{{{VIZ_NS}}}color", r=str(int(colour[1:3], 16)), g=str(int(colour[3:5], 16)),
                             b=str(int(colour[5:7], 16)))
        if row["node"] in pos:
            x, y = pos[row["node"]]
            etree.SubElement(n, f"{{{VIZ_NS}}}position", x=f"{1000 * x:.2f}", y=f"{1000 * y:.2f}", z="0.0")
    xml_edges = etree.SubElement(g, f"{{{GEXF_NS}}}edges")
    for i, row in enumerate(edges.iter_rows(named=True)):
        e = etree.SubElement(xml_edges, f"{{{GEXF_NS}}}edge", id=str(i), source=str(row["source"]),
                             target=str(row["target"]), weight=str(row["weight"]), kind=str(row["relation"]))
        _attvalues(e, row, edge_decl)
        _spell(e, row["first_at"], row["last_at"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ------------------------------------------------------------------------------------------------ files
def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _tables(graph: ChannelGraph, nodes: pl.DataFrame, extra: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {"nodes": nodes, "edges": graph.edges, "evidence": graph.evidence, **extra}


def check_output(target: Path) -> bool:
    """Raise a one-line error for an output path ``write_graph`` cannot write; True when it names a folder (an
    existing one, or a path without suffix whose parent exists)."""
    as_dir = target.is_dir() or (target.suffix == "" and not target.exists())
    if not as_dir and target.suffix.lower() not in FORMATS:
        raise UsageError(f"-o {target}: choose a .gexf, .graphml, .csv or .parquet file, or a folder for Parquet "
                         "tables")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"folder {parent} does not exist: create it or choose another -o path")
    return as_dir


def write_graph(graph: ChannelGraph, output: str | Path, *, nodes: pl.DataFrame | None = None,
                group: str | None = None, extra: dict[str, pl.DataFrame] | None = None) -> list[Path]:
    """Write ``graph`` by the suffix of ``output``: ``.gexf``, ``.graphml``; ``.csv`` / ``.parquet`` write
    ``<stem>.nodes``, ``.edges``, ``.evidence`` (and ``extra`` tables) beside it; a folder (an existing one, or a
    path without suffix, created) gets ``nodes.parquet``, ``edges.parquet`` … inside. ``nodes`` replaces the graph's node table
    (e.g. with structure columns added). Returns the files written."""
    target = Path(output)
    nodes = graph.nodes if nodes is None else nodes
    as_dir = check_output(target)
    folder = target if as_dir else target.parent
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    if as_dir or target.suffix.lower() in (".csv", ".parquet"):
        suffix = ".parquet" if as_dir else target.suffix.lower()
        for name, table in _tables(graph, nodes, extra or {}).items():
            path = folder / f"{name}{suffix}" if as_dir else folder / f"{target.stem}.{name}{suffix}"
            if suffix == ".csv":
                flat = table.with_columns(pl.col(c).cast(pl.String) for c, t in table.schema.items()
                                          if isinstance(t, pl.List))
                _atomic(path, lambda p, t=flat: t.write_csv(p))  # type: ignore[misc]
            else:
                _atomic(path, lambda p, t=table: t.write_parquet(p))  # type: ignore[misc]
            written.append(path)
        return written
    if target.suffix.lower() == ".gexf":
        data = _gexf(graph, nodes, group)
        _atomic(target, lambda p: p.write_bytes(data))
    else:
        import networkx as nx

        g = ChannelGraph(nodes, graph.edges, graph.evidence).to_networkx()
        _atomic(target, lambda p: nx.write_graphml(g, p))
    return [target]
