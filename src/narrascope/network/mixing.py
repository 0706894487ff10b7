"""Mixing between attribute groups: how much of a relation's flow runs between which groups, with intervals, against
a degree-preserving null; assortativity; bridge channels.

For one relation, every evidence message is a unit of **flow** from its source channel to its target channel (unit
``edge`` counts each connected channel pair once instead). The mixing matrix ``M[g, h]`` counts the units from group
g to group h; its headline reading is the share of what reaches group h that comes from g, ``M[g, h] / Σ_g' M[g', h]``.

* **Interval** — units cluster within channels (one channel forwards a lot, from the same places), so they are not
  independent draws. The share is a ratio estimator over the target channels of h (cluster = the channel whose
  message is the evidence), ``R = Σ_c y_c / Σ_c n_c``, with its channel-clustered interval from
  :func:`narrascope.stats.cluster_ratio.ratio_interval` (CR2 variance, critical value under a random-effects
  working model of unequal channels, logit scale). Simulated coverage: docs/methods.md.
* **Null** — a configuration model (Molloy & Reed 1995): the targets of all units are permuted at random, so every
  channel keeps its out- and in-strength (how often it is taken up, how often it takes up) and only who-links-to-whom
  is forgotten; self-loops created by the shuffle are repaired by swapping targets with random other units
  (the edge swap of Maslov & Sneppen 2002). ``expected`` is the mean over ``draws`` null worlds and the p-value is
  two-sided, ``min(1, 2 · min(P(null ≥ obs), P(null ≤ obs)))`` with the usual +1 correction.
* **Assortativity** — Newman's (2003) r for a categorical attribute on the normalised matrix e:
  ``(Σ_i e_ii − Σ_i a_i b_i) / (1 − Σ_i a_i b_i)`` (a row sums, b column sums), with a delete-one-channel
  jackknife interval and its null distribution.
* **Bridges** — channels carrying the most cross-group flow, as source or target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from ..errors import UsageError
from ..stats.cluster_ratio import ratio_interval
from .options import MixingOptions

__all__ = ["NONE", "Mixing", "MixingOptions", "assortativity", "measure_mixing", "mixing_frames", "ratio_interval", "sentence"]

NONE = "(none)"
UNITS = ("flow", "edge")
MIXING_VERSION = "mixing-2"
"""part of the key of stored network results: bump when the matrix's rows change (2: the CR2 working-model interval)"""


@dataclass(frozen=True)
class Mixing:
    """``matrix``: relation, unit, source_group, target_group, count, share (of the target group's incoming),
    lower, upper, share_total, total_lower, total_upper, expected, expected_share, null_lower, null_upper, ratio
    (count / expected), p_value, channels (target channels behind the interval). ``assortativity``: relation, unit,
    r, lower, upper, expected_r, p_value. ``bridges``: relation, node, label, group, cross_out, cross_in, cross,
    share (of all cross-group units that touch the channel), partners."""

    attribute: str
    matrix: pl.DataFrame
    assortativity: pl.DataFrame
    bridges: pl.DataFrame


# ------------------------------------------------------------------------------------------------ assortativity
def assortativity(matrix: np.ndarray) -> float:
    """Newman's r of a (groups × groups) count matrix; nan when undefined (one group holds all flow)."""
    total = matrix.sum()
    if total <= 0:
        return math.nan
    e = matrix / total
    ab = float(np.sum(e.sum(axis=1) * e.sum(axis=0)))
    return math.nan if ab >= 1 - 1e-12 else (float(np.trace(e)) - ab) / (1 - ab)


# ------------------------------------------------------------------------------------------------ null model
def _null_counts(src: np.ndarray, tgt: np.ndarray, src_group: np.ndarray, tgt_group: np.ndarray, groups: int,
                 draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, groups, groups) counts of null worlds: targets permuted, self-loops repaired by swaps."""
    units = src.size
    out = np.zeros((draws, groups, groups), dtype=np.int64)
    for d in range(draws):
        perm = rng.permutation(units)
        t, tg = tgt[perm], tgt_group[perm]
        for i in np.flatnonzero(src == t):
            for _ in range(200):  # a channel holding most stubs on both sides may leave a loop: it stays
                j = int(rng.integers(units))
                if src[i] != t[j] and src[j] != t[i]:
                    t[i], t[j] = t[j], t[i]
                    tg[i], tg[j] = tg[j], tg[i]
                    break
        out[d] = np.bincount(src_group * groups + tg, minlength=groups * groups).reshape(groups, groups)
    return out


def _p_two_sided(null: np.ndarray, observed: np.ndarray) -> np.ndarray:
    draws = null.shape[0]
    ge = (1 + (null >= observed[None] - 1e-9).sum(axis=0)) / (1 + draws)
    le = (1 + (null <= observed[None] + 1e-9).sum(axis=0)) / (1 + draws)
    return np.minimum(1.0, 2 * np.minimum(ge, le))


# ------------------------------------------------------------------------------------------------ one relation
def _units(evidence: pl.DataFrame, unit: str) -> pl.DataFrame:
    if unit == "edge":
        return evidence.select("source", "target").unique(maintain_order=True)
    return evidence.select("source", "target")


def mixing_frames(units: pl.DataFrame, groups: pl.DataFrame, options: MixingOptions | None = None,
                  labels: list[str] | None = None) -> tuple[pl.DataFrame, dict[str, float], pl.DataFrame]:
    """Mixing of ``units`` (one row per unit: source, target node) between the groups of ``groups`` (node, group).

    Returns (matrix rows, assortativity dict, per-node cross-group flow). Nodes without a group are in
    :data:`NONE`. The pure core of :func:`mixing`, also used by the tests and the coverage benchmark."""
    options = options or MixingOptions()
    g = groups.select("node", pl.col("group").cast(pl.String).fill_null(NONE))
    labels = labels or sorted(set(g["group"].to_list()) | ({NONE} if units.height else set()))
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    u = (units.join(g.rename({"node": "source", "group": "sg"}), on="source", how="left")
         .join(g.rename({"node": "target", "group": "tg"}), on="target", how="left")
         .with_columns(pl.col("sg").fill_null(NONE), pl.col("tg").fill_null(NONE)))
    sg = np.array([index[x] for x in u["sg"].to_list()], dtype=np.int64)
    tg = np.array([index[x] for x in u["tg"].to_list()], dtype=np.int64)
    observed = np.bincount(sg * k + tg, minlength=k * k).reshape(k, k) if k else np.zeros((0, 0), np.int64)
    codes = pl.concat([u["source"], u["target"]]).unique(maintain_order=True)
    code = {n: i for i, n in enumerate(codes.to_list())}
    src = np.array([code[x] for x in u["source"].to_list()], dtype=np.int64)
    tgt = np.array([code[x] for x in u["target"].to_list()], dtype=np.int64)
    rng = np.random.default_rng(options.seed)
    null = (_null_counts(src, tgt, sg, tg, k, options.draws, rng) if options.draws and src.size
            else np.zeros((0, k, k), dtype=np.int64))
    # per target channel: incoming units from each source group (the clusters of the intervals)
    per_target = np.zeros((len(code), k), dtype=np.int64)
    np.add.at(per_target, (tgt, sg), 1)
    target_group = np.full(len(code), -1, dtype=np.int64)
    target_group[tgt] = tg
    incoming = per_target.sum(axis=1)
    col = observed.sum(axis=0)
    total = observed.sum()
    rows = []
    for a in range(k):
        for b in range(k):
            in_b = target_group == b
            share, lo, hi = ratio_interval(per_target[in_b, a], incoming[in_b], options.confidence)
            y_total = np.where(target_group == b, per_target[:, a], 0)
            share_total, tlo, thi = ratio_interval(y_total, incoming, options.confidence)
            row = {"source_group": labels[a], "target_group": labels[b], "count": int(observed[a, b]),
                   "share": share, "lower": lo, "upper": hi, "share_total": share_total, "total_lower": tlo,
                   "total_upper": thi, "channels": int(np.sum(incoming[in_b] > 0))}
            if null.shape[0]:
                cell = null[:, a, b].astype(float)
                expected = float(cell.mean())
                denominator = float(col[b]) if col[b] else math.nan
                row.update(expected=expected, expected_share=expected / denominator,
                           null_lower=float(np.quantile(cell, (1 - options.confidence) / 2)) / denominator,
                           null_upper=float(np.quantile(cell, (1 + options.confidence) / 2)) / denominator,
                           ratio=(observed[a, b] / expected) if expected > 0 else math.nan,
                           p_value=float(_p_two_sided(null[:, a, b], np.array(observed[a, b]))))
            rows.append(row)
    matrix = pl.DataFrame(rows, schema=_MATRIX_SCHEMA) if rows else pl.DataFrame(schema=_MATRIX_SCHEMA)
    matrix = matrix.with_columns(pl.col(c).fill_nan(None) for c, t in _MATRIX_SCHEMA.items() if t == pl.Float64)
    summary = _assortativity_summary(observed, null, per_target, target_group, options.confidence)
    summary["units"] = float(total)
    cross = u.filter(pl.col("sg") != pl.col("tg"))
    ends = pl.concat([cross.select(pl.col("source").alias("node"), pl.col("target").alias("partner"),
                                   pl.lit(1).alias("out"), pl.lit(0).alias("in")),
                      cross.select(pl.col("target").alias("node"), pl.col("source").alias("partner"),
                                   pl.lit(0).alias("out"), pl.lit(1).alias("in"))])
    per_node = ends.group_by("node").agg(pl.col("out").sum().cast(pl.Int64).alias("cross_out"),
                                         pl.col("in").sum().cast(pl.Int64).alias("cross_in"),
                                         pl.col("partner").n_unique().cast(pl.Int64).alias("partners"))
    per_node = per_node.with_columns((pl.col("cross_out") + pl.col("cross_in")).alias("cross"))
    per_node = per_node.with_columns((pl.col("cross") / max(cross.height, 1)).alias("share"))
    return matrix, summary, per_node.sort(["cross", "node"], descending=[True, False])


_MATRIX_SCHEMA: dict[str, pl.DataType] = {
    "source_group": pl.String(), "target_group": pl.String(), "count": pl.Int64(), "share": pl.Float64(),
    "lower": pl.Float64(), "upper": pl.Float64(), "share_total": pl.Float64(), "total_lower": pl.Float64(),
    "total_upper": pl.Float64(), "channels": pl.Int64(), "expected": pl.Float64(), "expected_share": pl.Float64(),
    "null_lower": pl.Float64(), "null_upper": pl.Float64(), "ratio": pl.Float64(), "p_value": pl.Float64(),
}


def _assortativity_summary(observed: np.ndarray, null: np.ndarray, per_target: np.ndarray,
                           target_group: np.ndarray, confidence: float) -> dict[str, float]:
    r = assortativity(observed)
    active = np.flatnonzero(per_target.sum(axis=1) > 0)
    lo = hi = math.nan
    if active.size > 2 and not math.isnan(r):
        k = observed.shape[0]
        loo = []
        for c in active:  # delete-one-channel jackknife: the channel's incoming units leave the matrix
            reduced = observed.astype(float).copy()
            reduced[:, target_group[c]] -= per_target[c]
            loo.append(assortativity(reduced))
        values = np.array([v for v in loo if not math.isnan(v)])
        if values.size > 2 and k > 1:
            m = values.size
            se = math.sqrt((m - 1) / m * float(np.sum((values - values.mean()) ** 2)))
            t = float(stats.t.ppf(0.5 + confidence / 2, m - 1))
            lo, hi = max(-1.0, r - t * se), min(1.0, r + t * se)
    out = {"r": r, "lower": lo, "upper": hi, "expected_r": math.nan, "p_value": math.nan}
    if null.shape[0] and not math.isnan(r):
        rs = np.array([assortativity(m) for m in null])
        rs = rs[~np.isnan(rs)]
        if rs.size:
            out["expected_r"] = float(rs.mean())
            out["p_value"] = float(_p_two_sided(rs[:, None], np.array([r]))[0])
    return out


# ------------------------------------------------------------------------------------------------ a graph
def measure_mixing(graph: object, attribute: str, options: MixingOptions | None = None,
           relations: list[str] | None = None) -> Mixing:
    """Mixing of each relation of a :class:`~narrascope.network.graphs.ChannelGraph` between the groups of a node
    attribute (a channel attribute such as ``location``), for both units (flow, edge)."""
    from .graphs import ChannelGraph

    assert isinstance(graph, ChannelGraph)
    options = options or MixingOptions()
    if attribute not in graph.nodes.columns:
        have = ", ".join(graph.attributes) or "none: `narrascope channels set-attributes FILE` sets them"
        raise UsageError(f"no channel attribute {attribute!r} to group by (attributes: {have})")
    groups = graph.nodes.select("node", pl.col(attribute).alias("group"))
    labels = sorted(set(groups["group"].fill_null(NONE).to_list()))
    matrices, summaries, bridges = [], [], []
    for relation in relations or graph.edges["relation"].unique(maintain_order=True).to_list():
        evidence = graph.evidence.filter(pl.col("relation") == relation)
        for unit in UNITS:
            matrix, summary, per_node = mixing_frames(_units(evidence, unit), groups, options, labels)
            head = [pl.lit(relation).alias("relation"), pl.lit(unit).alias("unit")]
            matrices.append(matrix.select(*head, pl.all()))
            summaries.append({"relation": relation, "unit": unit, **summary})
            if unit == "flow":
                bridges.append(per_node.head(options.bridges).select(pl.lit(relation).alias("relation"), pl.all()))
    names = graph.nodes.select("node", "label", pl.col(attribute).fill_null(NONE).alias("group"))
    bridge_schema = {"relation": pl.String, "node": pl.String, "cross_out": pl.Int64, "cross_in": pl.Int64,
                     "partners": pl.Int64, "cross": pl.Int64, "share": pl.Float64}
    bridge_frame = (pl.concat(bridges, how="vertical_relaxed") if bridges else pl.DataFrame(schema=bridge_schema))
    bridge_frame = bridge_frame.join(names, on="node", how="left").select(
        "relation", "node", "label", "group", "cross_out", "cross_in", "cross", "share", "partners")
    schema = {"relation": pl.String, "unit": pl.String, "r": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
              "expected_r": pl.Float64, "p_value": pl.Float64, "units": pl.Float64}
    assort = pl.DataFrame(summaries, schema=schema).with_columns(
        pl.col(c).fill_nan(None) for c in ("r", "lower", "upper", "expected_r", "p_value"))
    empty = pl.DataFrame(schema={"relation": pl.String, "unit": pl.String, **_MATRIX_SCHEMA})
    return Mixing(attribute, pl.concat(matrices) if matrices else empty, assort, bridge_frame)


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.0f}\u202f%"


def _p(p: float | None) -> str:
    if p is None or p != p:
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def sentence(row: dict[str, object], relation: str, attribute: str) -> str:
    """A matrix row as a sentence: "31 % of forwards reaching inside channels come from abroad channels (95 % CI
    25 %–38 %); 12 % expected if links ignored location (p < 0.001)"."""
    plural = {"forward": "forwards", "reuse": "reuses", "mention": "mentions", "link": "links", "reply": "replies"}
    text = (f"{_pct(row['share'])} of {plural.get(relation, relation)} reaching {row['target_group']} channels come "  # type: ignore[arg-type]
            f"from {row['source_group']} channels (95\u202f% CI {_pct(row['lower'])}–{_pct(row['upper'])})")  # type: ignore[arg-type]
    if row.get("expected_share") is not None:
        text += f"; {_pct(row['expected_share'])} expected if links ignored {attribute} ({_p(row['p_value'])})"  # type: ignore[arg-type]
    return text
