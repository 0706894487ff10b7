"""Edge and evidence tables of one window, built from the closest co-actions (:class:`.coaction.CoActions`).

Edge columns: the two actors (a < b by id) and labels; ``weight`` = distinct objects co-acted on; ``n_<kind>`` per
object kind; ``a_leads``/``b_leads``/``ties`` = objects where that actor acted first (directed leader/follower
counts); median and smallest lag; first and last co-action; ``objects_a``/``objects_b`` = distinct objects each
actor co-acted on with *anyone*; ``symmetry`` = weight / max(objects_a, objects_b) — the edge's share of the busier
actor's co-action, small when one hyperactive actor (an aggregator) co-acts with everybody a little.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from .objects import KIND_CODES

__all__ = ["EDGE_KEYS", "edge_table", "evidence_table"]

EDGE_KEYS = ("a", "b")
_KIND_NAMES = {v: k for k, v in KIND_CODES.items()}


def _within(co: pl.DataFrame, window: int) -> pl.DataFrame:
    return co.filter(pl.col("lag") <= window)


def edge_table(co: pl.DataFrame, window: int, actor_ids: Sequence[str], labels: Sequence[str]) -> pl.DataFrame:
    """One row per actor pair with co-action within ``window`` (see the module docstring), sorted by (a, b)."""
    rows = _within(co, window)
    per_actor = (pl.concat([rows.select(pl.col("a").alias("actor"), "rank"), rows.select(pl.col("b").alias("actor"),
                                                                                          "rank")])
                 .unique().group_by("actor").len("objects"))
    kinds = [(pl.col("kind") == code).sum().alias(f"n_{name}") for name, code in KIND_CODES.items()]
    edges = rows.group_by("a", "b").agg(
        pl.len().alias("weight"), *kinds,
        (pl.col("lead") == pl.col("a")).sum().alias("a_leads"), (pl.col("lead") == pl.col("b")).sum().alias("b_leads"),
        (pl.col("lead") == -1).sum().alias("ties"),
        pl.col("lag").median().alias("median_lag_s"), pl.col("lag").min().alias("min_lag_s"),
        pl.col("t_first").min().alias("first"), pl.col("t_first").max().alias("last"),
    )
    edges = (edges.join(per_actor.rename({"actor": "a", "objects": "objects_a"}), on="a")
             .join(per_actor.rename({"actor": "b", "objects": "objects_b"}), on="b")
             .with_columns((pl.col("weight") / pl.max_horizontal("objects_a", "objects_b")).alias("symmetry"))
             .sort("a", "b"))
    actors = _actor_frame(actor_ids, labels)
    return (edges.join(actors.rename({"code": "a", "id": "actor_a", "label": "label_a"}), on="a")
            .join(actors.rename({"code": "b", "id": "actor_b", "label": "label_b"}), on="b")
            .with_columns(_utc("first").alias("first_at"), _utc("last").alias("last_at"))
            .drop("first", "last").sort("a", "b"))


def _actor_frame(actor_ids: Sequence[str], labels: Sequence[str] | None = None) -> pl.DataFrame:
    return pl.DataFrame({"code": pl.Series(range(len(actor_ids)), dtype=pl.Int32),
                         "id": pl.Series(list(actor_ids), dtype=pl.String),
                         "label": pl.Series(list(labels if labels is not None else actor_ids), dtype=pl.String)})


def _utc(column: str) -> pl.Expr:
    return pl.from_epoch(column, time_unit="s").dt.replace_time_zone("UTC")


def evidence_table(co: pl.DataFrame, window: int, posts: pl.DataFrame, actor_ids: Sequence[str],
                   object_hashes: np.ndarray, labels: pl.DataFrame | None) -> pl.DataFrame:
    """One row per (edge, object) within ``window``: the closest pair of messages (uid and time of each side), the
    lag, who acted first, and the object (kind and readable label where ``labels`` (obj, label) has it)."""
    rows = _within(co, window)
    actors = _actor_frame(actor_ids).drop("label")
    side = posts.select("post", "uid", "t")
    objects = pl.DataFrame({"rank": np.arange(object_hashes.size, dtype=np.int64), "obj": object_hashes})
    kinds = pl.DataFrame({"kind": pl.Series(list(_KIND_NAMES), dtype=pl.Int8),
                          "kind_name": pl.Series(list(_KIND_NAMES.values()), dtype=pl.String)})
    out = (rows.join(side.rename({"post": "post_a", "uid": "uid_a", "t": "t_a"}), on="post_a")
           .join(side.rename({"post": "post_b", "uid": "uid_b", "t": "t_b"}), on="post_b")
           .join(objects, on="rank", how="left").join(kinds, on="kind", how="left")
           .join(actors.rename({"code": "a", "id": "actor_a"}), on="a")
           .join(actors.rename({"code": "b", "id": "actor_b"}), on="b")
           .join(actors.rename({"code": "lead", "id": "leader"}), on="lead", how="left"))
    if labels is not None:
        out = out.join(labels.select("obj", "label"), on="obj", how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.String).alias("label"))
    return (out.sort("a", "b", "t_first", "rank")
            .select("actor_a", "actor_b", pl.col("kind_name").alias("kind"), pl.col("label").alias("object"),
                    "uid_a", "uid_b", _utc("t_a").alias("posted_a"), _utc("t_b").alias("posted_b"),
                    pl.col("lag").alias("lag_s"), "leader"))
