"""Co-action: two actors acting on the same object at most Δ seconds apart (a *sliding* window, not time bins).

The join is relational and vectorised: actions are sorted by (object, time) on one int64 key
``object_rank << 32 | seconds``; for every action a binary search finds the end of its window
(``key + Δ``), and the pairs in between are expanded with ``np.repeat`` — a sorted range self-join, the work
proportional to the number of pairs inside windows, never to all pairs of an object. The same kernel runs
in every null world (:mod:`.nulls`), so observed and null co-action are counted identically.

Per (actor pair, object) only the closest pair of actions is kept (the *evidence*): an edge's weight is the
number of distinct objects its two actors co-acted on; windows narrower than the widest one are answered by
filtering the closest lags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..errors import UsageError

__all__ = ["CoActions", "PAIR_LIMIT", "candidate_rows", "closest_per_pair_object", "observed_coactions",
           "window_pairs"]

#: Co-action pairs one join may expand; beyond it the window or the objects are too broad to be meaningful.
PAIR_LIMIT = 400_000_000


def sort_key(rank: np.ndarray, t: np.ndarray, t0: int) -> np.ndarray:
    """int64 key ordering actions by (object rank, time)."""
    rel = t - t0
    if rel.size and (int(rel.max()) >= 1 << 32 or int(rank.max()) >= 1 << 30):
        raise UsageError("the corpus spans more than 136 years or a billion objects: filter it with --since/--until")
    return (rank.astype(np.int64) << 32) | rel.astype(np.int64)


def window_pairs(key: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i < j, of a *sorted* key array with key[j] − key[i] ≤ window (same object, since
    objects are 2^32 s apart in the key)."""
    n = key.size
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    idx = np.arange(n, dtype=np.int64)
    ends = np.searchsorted(key, key + window, side="right")
    counts = ends - idx - 1
    total = int(counts.sum())
    if total > PAIR_LIMIT:
        raise UsageError(f"{total:,} co-action pairs within the window: too many to count; use a shorter --window "
                         "or leave very common objects (e.g. hashtags) out of --objects")
    i = np.repeat(idx, counts)
    starts = np.cumsum(counts) - counts
    j = i + 1 + (np.arange(total, dtype=np.int64) - np.repeat(starts, counts))
    return i, j


def candidate_rows(obj: np.ndarray, actor: np.ndarray) -> np.ndarray:
    """Boolean mask of actions whose object was acted on by at least two distinct actors (only those can co-act)."""
    if obj.size == 0:
        return np.zeros(0, bool)
    frame = pl.DataFrame({"obj": obj, "actor": actor}).with_row_index("row")
    keep = frame.with_columns(pl.col("actor").n_unique().over("obj").alias("n")).filter(pl.col("n") >= 2)["row"]
    mask = np.zeros(obj.size, bool)
    mask[keep.to_numpy()] = True
    return mask


def closest_per_pair_object(pair: np.ndarray, rank: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Positions of the smallest lag of each (pair, object), as a boolean mask over the inputs."""
    if pair.size == 0:
        return np.zeros(0, bool)
    order = np.lexsort((lag, rank, pair))
    p, r = pair[order], rank[order]
    first = np.ones(order.size, bool)
    first[1:] = (p[1:] != p[:-1]) | (r[1:] != r[:-1])
    mask = np.zeros(order.size, bool)
    mask[order[first]] = True
    return mask


@dataclass
class CoActions:
    """The closest co-action of every (actor pair, object) within the widest window: one row each, columns
    ``a, b`` (actor codes, a < b), ``rank`` (object), ``kind``, ``lag`` (s), ``lead`` (actor code that acted
    first; -1 for a tie), ``post_a, post_b`` (post index of a's and b's action), ``t_first`` (earlier time)."""

    frame: pl.DataFrame
    objects: np.ndarray  # rank -> object hash (uint64)


def observed_coactions(rank: np.ndarray, t: np.ndarray, actor: np.ndarray, post: np.ndarray, kind: np.ndarray,
                       window: int, objects: np.ndarray) -> CoActions:
    """Co-actions among candidate actions (sorted by rank, then time) within ``window`` seconds."""
    t0 = int(t.min()) if t.size else 0
    key = sort_key(rank, t, t0)
    order = np.argsort(key, kind="stable")
    key, rank, t, actor, post, kind = key[order], rank[order], t[order], actor[order], post[order], kind[order]
    i, j = window_pairs(key, window)
    keep = actor[i] != actor[j]
    i, j = i[keep], j[keep]
    a = np.minimum(actor[i], actor[j])
    b = np.maximum(actor[i], actor[j])
    lag = t[j] - t[i]
    n_actors = int(actor.max()) + 1 if actor.size else 1
    pair = a.astype(np.int64) * n_actors + b
    best = closest_per_pair_object(pair, rank[i], lag)
    i, j, a, b, lag = i[best], j[best], a[best], b[best], lag[best]
    a_first = actor[i] == a
    frame = pl.DataFrame({
        "a": a.astype(np.int32), "b": b.astype(np.int32), "rank": rank[i], "kind": kind[i], "lag": lag,
        "lead": np.where(lag == 0, -1, actor[i]).astype(np.int32),
        "post_a": np.where(a_first, post[i], post[j]), "post_b": np.where(a_first, post[j], post[i]),
        "t_first": t[i],
    }).sort(["a", "b", "rank"])
    return CoActions(frame, objects)
