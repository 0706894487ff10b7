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

from .ordered import release_freed_memory

__all__ = ["RELATIONS", "STRENGTH", "adjusted_rand_index", "build_cascades", "cluster_labels", "reuse_edges"]

#: Relations of a pair, strongest first.
RELATIONS = ("forward", "copy", "near_duplicate", "rewrite", "partial")
STRENGTH = {r: len(RELATIONS) - i for i, r in enumerate(RELATIONS)}
#: Relations of a cascade member to its parent (``indirect``: no verified pair with an earlier member).
MEMBER_RELATIONS = (*RELATIONS, "indirect")
_INDIRECT, _ORIGIN = len(RELATIONS), len(RELATIONS) + 1  # codes of a member's relation: MEMBER_RELATIONS, "origin"
_MEMBER_LABELS = (*MEMBER_RELATIONS, "origin")


def cluster_labels(n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of every document (singletons included)."""
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n_docs, n_docs))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def build_cascades(docs: pl.DataFrame, pairs: pl.DataFrame, labels: np.ndarray | None = None,
                   previews: pl.Series | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(members, cascades) from ``docs`` (doc, uid, channel_id, channel, message_id, posted_at, preview; ``doc``
    ascending and in time order; ``preview`` is read for origins only) and ``pairs`` (a, b with a < b, relation,
    similarity); ``labels``: the component of each of ``docs`` when already known (any labels inducing the
    components of ``pairs``), else :func:`cluster_labels`; ``previews``: instead of a ``preview`` column, those
    of the origins alone, in the order of their rows (a caller that read them for the origins only).

    Everything is worked out on row positions and numbers; the strings (uids, channel ids) are gathered once,
    into the output columns — joins carrying them over millions of members cost gigabytes at 10 M messages."""
    doc = docs.get_column("doc").to_numpy()
    a = np.searchsorted(doc, pairs.get_column("a").to_numpy())
    b = np.searchsorted(doc, pairs.get_column("b").to_numpy())
    if labels is None:
        labels = cluster_labels(docs.height, a, b)
    labels = np.asarray(labels, dtype=np.int64)
    keep = np.flatnonzero(np.bincount(labels, minlength=int(labels.max(initial=-1)) + 1)[labels] > 1)
    if keep.size == 0:
        return _empty_members(), _empty_cascades()
    component = labels[keep]
    _, at, inverse = np.unique(component, return_index=True, return_inverse=True)
    origin = keep[at][inverse]  # the earliest member of each member's component (positions are in time order)
    parent, code, similarity = _best_parents(docs.height, a, b, pairs)
    parent, code, similarity = parent[keep], code[keep], similarity[keep]
    is_origin = keep == origin
    direct = parent >= 0
    code[is_origin] = _ORIGIN
    code[~is_origin & ~direct] = _INDIRECT
    parent = np.where(is_origin, -1, np.where(direct, parent, origin))
    similarity[is_origin] = np.nan

    def at_rows(column: str, rows: np.ndarray) -> pl.Series:
        return docs.get_column(column).gather(pl.Series(rows).set(pl.Series(rows < 0), None))

    def of_members(column: str) -> pl.Series:
        # when every row is a member (the engine passes only those), the column itself: a gather copies strings
        return docs.get_column(column) if keep.size == docs.height else at_rows(column, keep)

    posted = of_members("posted_at")
    frame = pl.DataFrame({
        "cascade": inverse.astype(np.int64),
        "cascade_id": docs.get_column("uid").str.slice(0, 12).gather(origin),  # short strings are stored inline
        "uid": of_members("uid"), "channel_id": of_members("channel_id"), "channel": of_members("channel"),
        "message_id": of_members("message_id"), "posted_at": posted,
        "relation": pl.Series(code).replace_strict(dict(enumerate(_MEMBER_LABELS)), return_dtype=pl.String),
        "code": code,
        "parent_uid": at_rows("uid", parent), "parent_channel_id": at_rows("channel_id", parent),
        "direct_parent": pl.Series(direct).set(pl.Series(is_origin), None),
        "similarity": pl.Series(similarity).fill_nan(None),
        "lag_origin_s": (posted - at_rows("posted_at", origin)).dt.total_seconds(),
        "lag_parent_s": (posted - at_rows("posted_at", parent)).dt.total_seconds(),
        "doc": doc[keep],
    })
    members = frame.select(*_empty_members().columns)
    origins = keep[at]
    summary = _summaries(frame, at)
    release_freed_memory()  # its working arrays (tens of MB each) stay in malloc's heap otherwise
    summary = summary.with_columns(
        at_rows("uid", origins).alias("origin_uid"), at_rows("channel_id", origins).alias("origin_channel_id"),
        at_rows("channel", origins).alias("origin_channel"),
        at_rows("preview", origins).alias("preview") if previews is None
        else previews.gather(np.searchsorted(np.sort(origins), origins)).alias("preview"))
    return members, summary.select(*_empty_cascades().columns).sort(
        ["size", "channels", "first_at", "cascade_id"], descending=[True, True, False, False])


def _best_parents(n: int, a: np.ndarray, b: np.ndarray, pairs: pl.DataFrame) -> tuple[np.ndarray, np.ndarray,
                                                                                       np.ndarray]:
    """For each row: its parent among the earlier rows it is paired with (-1: none) — strongest relation, then
    highest similarity, then the latest — with that pair's relation code and similarity."""
    strength = pairs.get_column("relation").replace_strict(STRENGTH, return_dtype=pl.Int8).to_numpy()
    sim = pairs.get_column("similarity").fill_null(np.nan).to_numpy().astype(np.float64)
    # lexsort's last key is the primary one; a missing similarity ranks first (polars' nulls-first default before)
    order = np.lexsort((-a, np.nan_to_num(-sim, nan=-np.inf), -strength, b))
    first = order[np.r_[True, b[order][1:] != b[order][:-1]]] if order.size else order
    parent = np.full(n, -1, dtype=np.int64)
    code = np.full(n, _INDIRECT, dtype=np.int8)
    similarity = np.full(n, np.nan)
    parent[b[first]] = a[first]
    code[b[first]] = len(RELATIONS) - strength[first]
    similarity[b[first]] = sim[first]
    return parent, code, similarity


def _summaries(frame: pl.DataFrame, origin_rows: np.ndarray) -> pl.DataFrame:
    """One row per cascade (``frame``'s ``cascade`` 0 … k−1; ``origin_rows``: the row of each one's origin), in
    cascade order. In numpy over the members: a polars group-by into a million and more cascades held several
    hundred MB more at 10 M messages."""
    cascade = frame.get_column("cascade").to_numpy()
    k = origin_rows.size
    size = np.bincount(cascade, minlength=k)
    channel = frame.get_column("channel_id").cast(pl.Categorical).to_physical().to_numpy()
    order = np.lexsort((channel, cascade))
    c, ch = cascade[order], channel[order]
    channels = np.bincount(c[np.r_[True, (c[1:] != c[:-1]) | (ch[1:] != ch[:-1])]], minlength=k)
    posted = frame.get_column("posted_at")
    dated = posted.is_not_null().to_numpy()
    at = posted.to_physical().fill_null(0).to_numpy()
    first = np.full(k, np.iinfo(np.int64).max)
    last = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(first, cascade[dated], at[dated])
    np.maximum.at(last, cascade[dated], at[dated])
    # Members without a date make "earliest" unknowable: the origin is then only the first dated or listed post.
    undated = np.bincount(cascade[~dated], minlength=k)
    lag_s = frame.get_column("lag_origin_s")
    known = lag_s.is_not_null().to_numpy()
    lag = lag_s.fill_null(0).to_numpy()
    span = np.full(k, np.iinfo(np.int64).min)
    np.maximum.at(span, cascade[known], lag[known])
    code = frame.get_column("code").to_numpy()
    late = known & (code != _ORIGIN)
    lc, ll = cascade[late], lag[late]
    o = np.lexsort((ll, lc))
    lc, ll = lc[o], ll[o]
    n = np.bincount(lc, minlength=k)
    start = np.cumsum(n) - n
    lo, hi = (np.minimum(start + d, max(ll.size - 1, 0)) for d in ((n - 1) // 2, n // 2))
    median = np.where(n > 0, (ll[lo].astype(float) + ll[hi]) / 2, np.nan) if ll.size else np.full(k, np.nan)

    def nullable(values: np.ndarray, present: np.ndarray, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
        return pl.Series(values).set(pl.Series(~present), None).cast(dtype)

    has_date, has_lag = undated < size, np.bincount(cascade[known], minlength=k) > 0
    return pl.DataFrame({
        "cascade_id": frame.get_column("cascade_id").gather(origin_rows),
        "size": size.astype(np.int64), "channels": channels.astype(np.int64),
        "first_at": nullable(first, has_date, posted.dtype), "last_at": nullable(last, has_date, posted.dtype),
        "undated": undated.astype(np.int64), "span_s": nullable(span, has_lag, pl.Int64),
        "median_lag_s": pl.Series(median).fill_nan(None),
        **{f"n_{r}": np.bincount(cascade[code == i], minlength=k).astype(np.int64)
           for i, r in enumerate(MEMBER_RELATIONS)},
    })


def reuse_edges(members: pl.DataFrame) -> pl.DataFrame:
    """Channel-level edges: ``target`` (the reusing channel) reused ``source`` (the parent's channel).

    Worked out on sorted integer codes: a polars group-by over millions of linked members and as many channel
    pairs held about twice the members table again at 10 M messages."""
    linked = np.flatnonzero(members.get_column("parent_uid").is_not_null().to_numpy())
    if linked.size == 0:
        return _empty_edges()
    # numpy arrays of the linked members: filtering the frame copied its strings. Channels are few (a categorical
    # is near free); cascades many (ranked: a categorical of millions of ids would stay in polars' string cache).
    source, target = (members.get_column(c).cast(pl.Categorical).to_physical().to_numpy()[linked].astype(np.int64)
                      for c in ("parent_channel_id", "channel_id"))
    cascade = members.get_column("cascade_id").rank("dense").to_numpy()[linked].astype(np.int64)
    lag = members.get_column("lag_parent_s").cast(pl.Float64).fill_null(np.nan).to_numpy()[linked]
    relation = members.get_column("relation").replace_strict(
        {r: i for i, r in enumerate(RELATIONS)}, default=len(RELATIONS), return_dtype=pl.Int8).to_numpy()[linked]
    order = np.lexsort((lag, target, source))  # NaN (no lag) sorts last within an edge
    s, t, lag = source[order], target[order], lag[order]
    starts = np.flatnonzero(np.r_[True, (s[1:] != s[:-1]) | (t[1:] != t[:-1])])
    n = np.diff(np.r_[starts, s.size])
    dated = n - np.add.reduceat(np.isnan(lag).astype(np.int64), starts)
    lo, hi = starts + np.maximum(dated - 1, 0) // 2, starts + dated // 2
    median = np.where(dated > 0, (lag[lo] + lag[hi]) / 2, np.nan)
    # distinct cascades per edge: runs of (source, target, cascade) in that order
    by_cascade = np.lexsort((cascade, target, source))
    s2, t2, c2 = source[by_cascade], target[by_cascade], cascade[by_cascade]
    new_edge = np.r_[True, (s2[1:] != s2[:-1]) | (t2[1:] != t2[:-1])]
    new_run = new_edge | np.r_[True, c2[1:] != c2[:-1]]
    cascades = np.add.reduceat(new_run.astype(np.int64), np.flatnonzero(new_edge))
    rel = relation[order]
    first = pl.Series(linked[order[starts]])
    frame = pl.DataFrame({
        "source_channel_id": members.get_column("parent_channel_id").gather(first),
        "target_channel_id": members.get_column("channel_id").gather(first),
        "n": n.astype(np.int64),
        "median_lag_s": pl.Series(median).fill_nan(None),
        "cascades": cascades.astype(np.int64),
        **{f"n_{r}": np.add.reduceat((rel == i).astype(np.int64), starts) for i, r in enumerate(RELATIONS)},
    })
    return frame.sort(["n", "source_channel_id", "target_channel_id"], descending=[True, False, False])


def _empty_edges() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "source_channel_id": pl.String, "target_channel_id": pl.String, "n": pl.Int64, "median_lag_s": pl.Float64,
        "cascades": pl.Int64, **{f"n_{r}": pl.Int64 for r in RELATIONS}})


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
