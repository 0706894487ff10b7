"""Coordination in the store: run on a corpus, save every table in one transaction, load the latest run.

Tables (``result_coordination_<name>``, each with a leading ``result_key``): ``edges``, ``evidence``, ``groups``,
``members``, ``settings``, ``stability`` (columns in docs/formats.md). The key is made of the options, the store's
ingest state, the attributes used for exclusions and, with near-duplicate objects, the reuse run's key — so changing
any of them recomputes, and asking again is instant.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import polars as pl

from ..errors import UsageError
from ..store.results import load_tables
from .exclusions import attributes_fingerprint
from .options import CoordinationOptions
from .pipeline import CoordinationResult, ProgressFn, find_coordination_frame

__all__ = ["GROUP_SCHEMA", "MEMBER_SCHEMA", "SETTING_SCHEMA", "STABILITY_SCHEMA", "TABLES", "empty_tables",
           "find_coordination", "load_coordination", "sort_stability"]

TABLES = ("edges", "evidence", "groups", "members", "settings", "stability")
_INPUT_COLUMNS = ("uid", "platform", "channel_id", "channel", "author", "posted_at", "text", "links", "hashtags",
                  "fwd_from_name", "fwd_from_id", "fwd_from_message_id", "fwd_posted_at")
_UTC = pl.Datetime("us", "UTC")

GROUP_SCHEMA: dict[str, Any] = {
    "group_id": pl.String, "size": pl.Int64, "members": pl.List(pl.String), "labels": pl.List(pl.String),
    "edges": pl.Int64, "weight": pl.Int64, "null_mean": pl.Float64, "p_value": pl.Float64, "significant": pl.Boolean,
    "objects": pl.Int64, "messages": pl.Int64, "median_lag_s": pl.Float64, "first_at": _UTC, "last_at": _UTC,
    "stability": pl.Float64, "stability_min": pl.Float64,
}
MEMBER_SCHEMA: dict[str, Any] = {"group_id": pl.String, "actor": pl.String, "label": pl.String}
SETTING_SCHEMA: dict[str, Any] = {
    "window_s": pl.Int64, "alpha": pl.Float64, "main": pl.Boolean, "reported_edges": pl.Int64, "groups": pl.Int64,
    "significant_groups": pl.Int64, "members": pl.List(pl.String),
}
STABILITY_SCHEMA: dict[str, Any] = {"group_id": pl.String, "window_s": pl.Int64, "alpha": pl.Float64,
                                    "jaccard": pl.Float64, "matched": pl.List(pl.String)}


def empty_tables() -> dict[str, pl.DataFrame]:
    """The six tables with no rows (what a corpus without any co-action gives)."""
    import numpy as np

    from .coaction import observed_coactions
    from .tables import edge_table, evidence_table

    z = np.zeros(0, np.int64)
    co = observed_coactions(z, z, np.zeros(0, np.int32), z, np.zeros(0, np.int8), 60, np.zeros(0, np.uint64))
    edges = edge_table(co.frame, 60, [], []).with_columns(
        pl.lit(None, pl.Float64).alias("null_mean"), pl.lit(None, pl.Int64).alias("null_exceed"),
        pl.lit(None, pl.Float64).alias("p_value"), pl.lit(None, pl.String).alias("p_method"),
        pl.lit(None, pl.Float64).alias("q_value"), pl.lit(None, pl.Boolean).alias("significant"),
        pl.lit(None, pl.String).alias("expected"), pl.lit(None, pl.Boolean).alias("reported"),
        pl.lit(None, pl.String).alias("group_id")).drop("a", "b")
    posts = pl.DataFrame(schema={"post": pl.Int64, "uid": pl.String, "t": pl.Int64})
    return {
        "edges": edges,
        "evidence": evidence_table(co.frame, 60, posts, [], co.objects, None),
        "groups": pl.DataFrame(schema=GROUP_SCHEMA), "members": pl.DataFrame(schema=MEMBER_SCHEMA),
        "settings": pl.DataFrame(schema=SETTING_SCHEMA), "stability": pl.DataFrame(schema=STABILITY_SCHEMA),
    }


def _reuse_inputs(corpus: Any) -> tuple[pl.DataFrame, str]:
    from ..reuse import load_reuse

    runs = corpus.results.list("reuse_cascades")
    result = load_reuse(corpus) if runs else None
    if result is None:
        raise UsageError(f"near_duplicate objects use the latest reuse run, and {corpus.path} has none: run "
                         f"`narrascope reuse --db {corpus.path}` first")
    clusters = result.members.select("uid", pl.col("cascade_id").cast(pl.String).alias("cluster"))
    return clusters, str(runs[-1]["result_key"])


def _store_attributes(corpus: Any) -> pl.DataFrame | None:
    """The store's channel attributes (``narrascope channels set-attributes``); None when none were set."""
    from ..network.attributes import channel_attributes

    frame = channel_attributes(corpus)
    return frame if frame.height else None


def find_coordination(corpus: Any, options: CoordinationOptions | None = None, *,
                      attributes: pl.DataFrame | None = None, refresh: bool = False,
                      progress: ProgressFn | None = None) -> CoordinationResult:
    """Test coordination in a :class:`~narrascope.store.corpus.Corpus` and save the tables
    (``result_coordination_*``); a stored result for the same inputs is loaded instead unless ``refresh``.

    ``attributes`` (``channel_id`` + attribute columns) overrides the store's channel attributes for
    ``options.exclude_by``."""
    options = options or CoordinationOptions()
    if attributes is None:
        attributes = _store_attributes(corpus)
    clusters, reuse_key = (None, "")
    if "near_duplicate" in options.objects:
        clusters, reuse_key = _reuse_inputs(corpus)
    key = options.cache_key(corpus.state_token(), reuse_key,
                            attributes_fingerprint(attributes) if options.exclude_by else "")
    if not refresh:
        cached = _load(corpus, key)
        if cached is not None:
            if not corpus.read_only:
                corpus.results.touch("coordination_groups", key)
            return cached
    messages = corpus.messages(since=options.since, until=options.until, columns=list(_INPUT_COLUMNS))
    result = find_coordination_frame(messages, options, attributes=attributes, clusters=clusters, progress=progress)
    if corpus.read_only:
        return result
    params = {"options": asdict(options), "stats": result.stats, "reuse_key": reuse_key or None}
    # One transaction for all tables: a run killed half-way never becomes "the latest" (load_coordination).
    corpus.results.save_many({f"coordination_{name}": getattr(result, name).to_arrow() for name in TABLES}, key,
                             {"coordination_groups": params})
    return result


def _load(corpus: Any, key: str) -> CoordinationResult | None:
    tables = load_tables(corpus, "coordination", TABLES, key)
    if tables is None:
        return None
    params = corpus.results.params("coordination_groups", key)
    return CoordinationResult(stats={**params.get("stats", {}), "cached": True, "options": params.get("options")},
                              **tables)


def _group_number(column: str) -> pl.Expr:
    return pl.col(column).str.slice(1).cast(pl.Int64)


def sort_stability(frame: pl.DataFrame) -> pl.DataFrame:
    """Stability rows in their contractual order: group number, window, level."""
    return frame.sort(_group_number("group_id"), "window_s", "alpha")


def load_coordination(corpus: Any) -> CoordinationResult | None:
    """The most recently saved coordination result of this store (any options), or None when never run."""
    runs = corpus.results.list("coordination_groups")
    return _load(corpus, runs[-1]["result_key"]) if runs else None
