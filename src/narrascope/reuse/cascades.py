"""Cascades: connected reuse as stories, each with an inferred origin, parents, lags and channel-level edges.

Verified pairs are the edges of a graph over messages; its connected components (union-find through
:func:`scipy.sparse.csgraph.connected_components`) with two or more messages are the cascades.

Inference, and the assumptions it rests on:

* **origin** — the earliest member by ``posted_at`` (ties broken by channel and message id; ``undated`` counts
  members without a date, for which the origin cannot be established). This assumes the
  platforms' timestamps are comparable (stored in UTC; a reader that had to guess an export's time zone says so
  in the ingest log) and, above all, that the true origin was collected: a story that began in a channel outside
  the corpus gets, as its "origin", its earliest *observed* post.
* **parent** — like passim's ``src``: among the earlier members a message has a verified pair with, the closest
  one: strongest relation first (forward > copy > near-duplicate > rewrite > partial), then highest similarity,
  then the latest (the most recent earlier version). A member whose verified pairs all point to later messages
  gets the origin as parent, relation ``indirect`` and ``direct_parent = false``.
* **lags** — seconds from the origin and from the parent.

Channel-level **reuse edges** aggregate member → parent links: channel A reused channel B ``n`` times, with the
median lag and the forward / copy / near-duplicate / rewrite / partial split, for the network analyses.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["RELATIONS", "STRENGTH", "adjusted_rand_index", "build_cascades", "cluster_labels", "reuse_edges"]

#: Relations of a pair, strongest first.
RELATIONS = ("forward", "copy", "near_duplicate", "rewrite", "partial")
STRENGTH = {r: len(RELATIONS) - i for i, r in enumerate(RELATIONS)}
#: Relations of a cascade member to its parent (``indirect``: no verified pair with an earlier member).
MEMBER_RELATIONS = (*RELATIONS, "indirect")


def cluster_labels(n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of every document (singletons included)."""
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n_docs, n_docs))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def build_cascades(docs: pl.DataFrame, pairs: pl.DataFrame,
                   labels: np.ndarray | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(members, cascades) from ``docs`` (doc, uid, channel_id, channel, message_id, posted_at, preview; ``doc``
    in time order) and ``pairs`` (a, b with a < b, relation, similarity); ``labels``: the component of each of
    ``docs`` when already known (any labels inducing the components of ``pairs``), else :func:`cluster_labels`."""
    n = docs.height
    if labels is None:
        labels = cluster_labels(n, pairs.get_column("a").to_numpy(), pairs.get_column("b").to_numpy())
    frame = docs.with_columns(pl.Series("component", labels))
    frame = frame.filter(pl.len().over("component") > 1)
    if frame.height == 0:
        return _empty_members(), _empty_cascades()
    origin = frame.group_by("component").agg(pl.col("doc").min().alias("origin_doc"))
    frame = frame.join(origin, on="component")
    ranked = pairs.with_columns(pl.col("relation").replace_strict(STRENGTH, return_dtype=pl.Int8).alias("strength"))
    best = (
        ranked.sort(["b", "strength", "similarity", "a"], descending=[False, True, True, True])
        .group_by("b", maintain_order=True)
        .first()
        .select(pl.col("b").alias("doc"), pl.col("a").alias("parent_doc"), "relation", "similarity")
    )
    frame = frame.join(best, on="doc", how="left")
    is_origin = pl.col("doc") == pl.col("origin_doc")
    frame = frame.with_columns(
        pl.when(is_origin).then(None).otherwise(pl.col("parent_doc").is_not_null()).alias("direct_parent"),
        pl.when(is_origin).then(None).otherwise(pl.coalesce("parent_doc", "origin_doc")).alias("parent_doc"),
        pl.when(is_origin).then(pl.lit("origin"))
        .otherwise(pl.coalesce("relation", pl.lit("indirect"))).alias("relation"),
        pl.when(is_origin).then(None).otherwise(pl.col("similarity")).alias("similarity"),
    )
    lookup = docs.select(pl.col("doc"), pl.col("uid"), pl.col("channel_id"), pl.col("posted_at"))
    frame = (
        frame.join(lookup.rename({"doc": "origin_doc", "uid": "origin_uid", "channel_id": "origin_channel_id",
                                  "posted_at": "origin_posted_at"}), on="origin_doc", how="left")
        .join(lookup.rename({"doc": "parent_doc", "uid": "parent_uid", "channel_id": "parent_channel_id",
                             "posted_at": "parent_posted_at"}), on="parent_doc", how="left")
    )
    frame = frame.with_columns(
        pl.col("origin_uid").str.slice(0, 12).alias("cascade_id"),
        (pl.col("posted_at") - pl.col("origin_posted_at")).dt.total_seconds().alias("lag_origin_s"),
        (pl.col("posted_at") - pl.col("parent_posted_at")).dt.total_seconds().alias("lag_parent_s"),
    )
    members = frame.sort("doc").select(
        "cascade_id", "uid", "channel_id", "channel", "message_id", "posted_at", "relation", "parent_uid",
        "parent_channel_id", "direct_parent", "similarity", "lag_origin_s", "lag_parent_s", "doc",
    )
    return members, _summaries(members, frame)


def _summaries(members: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    counts = [pl.col("relation").eq(r).sum().cast(pl.Int64).alias(f"n_{r}") for r in MEMBER_RELATIONS]
    previews = frame.filter(pl.col("doc") == pl.col("origin_doc")).select("cascade_id", "preview")
    out = (
        members.group_by("cascade_id")
        .agg(
            pl.len().cast(pl.Int64).alias("size"),
            pl.col("channel_id").n_unique().cast(pl.Int64).alias("channels"),
            pl.col("uid").sort_by("doc").first().alias("origin_uid"),
            pl.col("channel_id").sort_by("doc").first().alias("origin_channel_id"),
            pl.col("channel").sort_by("doc").first().alias("origin_channel"),
            pl.col("posted_at").min().alias("first_at"),
            pl.col("posted_at").max().alias("last_at"),
            # Members without a date make "earliest" unknowable: the origin is then only the first dated or listed post.
            pl.col("posted_at").null_count().cast(pl.Int64).alias("undated"),
            pl.col("lag_origin_s").max().alias("span_s"),
            pl.col("lag_origin_s").filter(pl.col("relation") != "origin").median().alias("median_lag_s"),
            *counts,
        )
        .join(previews, on="cascade_id", how="left")
    )
    return out.sort(["size", "channels", "first_at", "cascade_id"], descending=[True, True, False, False])


def reuse_edges(members: pl.DataFrame) -> pl.DataFrame:
    """Channel-level edges: ``target`` (the reusing channel) reused ``source`` (the parent's channel)."""
    linked = members.filter(pl.col("parent_uid").is_not_null())
    counts = [pl.col("relation").eq(r).sum().cast(pl.Int64).alias(f"n_{r}") for r in RELATIONS]
    return (
        linked.group_by(pl.col("parent_channel_id").alias("source_channel_id"),
                        pl.col("channel_id").alias("target_channel_id"))
        .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("lag_parent_s").median().alias("median_lag_s"),
             pl.col("cascade_id").n_unique().cast(pl.Int64).alias("cascades"), *counts)
        .sort(["n", "source_channel_id", "target_channel_id"], descending=[True, False, False])
    )


def _empty_members() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "cascade_id": pl.String, "uid": pl.String, "channel_id": pl.String, "channel": pl.String,
        "message_id": pl.String, "posted_at": pl.Datetime("us", "UTC"), "relation": pl.String,
        "parent_uid": pl.String, "parent_channel_id": pl.String, "direct_parent": pl.Boolean,
        "similarity": pl.Float64, "lag_origin_s": pl.Int64, "lag_parent_s": pl.Int64, "doc": pl.Int64,
    })


def _empty_cascades() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "cascade_id": pl.String, "size": pl.Int64, "channels": pl.Int64, "origin_uid": pl.String,
        "origin_channel_id": pl.String, "origin_channel": pl.String, "first_at": pl.Datetime("us", "UTC"),
        "last_at": pl.Datetime("us", "UTC"), "undated": pl.Int64, "span_s": pl.Int64, "median_lag_s": pl.Float64,
        **{f"n_{r}": pl.Int64 for r in MEMBER_RELATIONS}, "preview": pl.String,
    })


def adjusted_rand_index(labels_true: np.ndarray, labels_pred: np.ndarray) -> float:
    """Hubert & Arabie's adjusted Rand index of two labelings, from their contingency table."""
    labels_true, labels_pred = np.asarray(labels_true), np.asarray(labels_pred)
    if labels_true.shape != labels_pred.shape:
        raise ValueError("the two labelings must have the same length")
    n = labels_true.size
    if n < 2:
        return 1.0
    _, t = np.unique(labels_true, return_inverse=True)
    _, p = np.unique(labels_pred, return_inverse=True)
    cells = np.unique(t.astype(np.int64) * (int(p.max()) + 1) + p, return_counts=True)[1]

    def pairs(counts: np.ndarray) -> float:
        c = counts.astype(float)
        return float((c * (c - 1) / 2).sum())

    index = pairs(cells)
    rows, cols = pairs(np.bincount(t)), pairs(np.bincount(p))
    expected = rows * cols / (n * (n - 1) / 2)
    maximum = (rows + cols) / 2
    if maximum == expected:  # both labelings are all singletons or one cluster: identical structure
        return 1.0
    return (index - expected) / (maximum - expected)
