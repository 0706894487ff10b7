"""Null worlds: each actor's posting times shuffled while its activity profile is kept.

In a null world every post keeps its actor, its objects and its calendar day (UTC); only its time of day is
exchanged with that of another post of the same actor in the same block of ``block_days`` days (a permutation
within (actor, block)). So each actor keeps exactly its number of posts per day and its multiset of times of day
per block — its daily rhythm, "popular hours" included — and the objects of each day stay on that day (news that
everyone shares on one day stays shared that day). What is destroyed is only *which* of its times an actor used for
*which* object: under independence between actors that assignment is exchangeable, so the null's co-action counts
are draws from the distribution of co-action by chance. See docs/methods.md for why this null and not others.

Every world is seeded by (seed, world index), so results do not depend on how worlds are split over workers.
Counts are kept only for the observed edges (an edge never seen has p = 1) as uint16, one matrix per window.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from .coaction import sort_key, window_pairs

__all__ = ["NullPlan", "make_null_plan", "null_counts", "null_times", "world_counts"]

DAY = 86_400
#: Below this many (candidate actions × worlds), starting worker processes costs more than it saves.
MIN_PARALLEL_WORK = 5_000_000


@dataclass
class NullPlan:
    """Everything a null world needs, as compact numpy arrays (cheap to send to worker processes)."""

    rank: np.ndarray  # per candidate action: object rank
    actor: np.ndarray  # per candidate action: actor code
    pool_pos: np.ndarray  # per candidate action: position of its post in the pool arrays
    day: np.ndarray  # per candidate action: UTC day number
    pool_tod: np.ndarray  # per pool post: time of day (s)
    pool_group: np.ndarray  # per pool post: dense (actor, block) group id, float64 for the sort trick
    pool_order: np.ndarray  # pool positions sorted by group (stable)
    edge_codes: np.ndarray  # sorted pair codes (a * n_actors + b) of the edges whose null counts are kept
    n_actors: int
    windows: tuple[int, ...]
    t0: int


def make_null_plan(rank: np.ndarray, actor: np.ndarray, post: np.ndarray, post_actor: np.ndarray,
                   post_t: np.ndarray, edge_codes: np.ndarray, n_actors: int, windows: tuple[int, ...],
                   block_days: int) -> NullPlan:
    """Build the plan: the pool is every post of each (actor, block) that holds at least one candidate action."""
    day_all = post_t // DAY
    block_all = (day_all - (int(day_all.min()) if day_all.size else 0)) // block_days
    n_blocks = int(block_all.max()) + 1 if block_all.size else 1
    group_all = post_actor.astype(np.int64) * n_blocks + block_all
    wanted = np.unique(group_all[post])
    in_pool = np.isin(group_all, wanted)
    pool_index = np.flatnonzero(in_pool)
    position = np.full(post_t.size, -1, np.int64)
    position[pool_index] = np.arange(pool_index.size)
    _, dense = np.unique(group_all[pool_index], return_inverse=True)
    pool_group = dense.astype(np.float64)
    t0 = int(day_all.min()) * DAY if day_all.size else 0
    return NullPlan(
        rank=rank.astype(np.int64), actor=actor.astype(np.int32), pool_pos=position[post], day=day_all[post],
        pool_tod=(post_t[pool_index] % DAY).astype(np.int64), pool_group=pool_group,
        pool_order=np.argsort(pool_group, kind="stable"), edge_codes=np.sort(edge_codes.astype(np.int64)),
        n_actors=n_actors, windows=tuple(windows), t0=t0,
    )


def null_times(plan: NullPlan, rng: np.random.Generator) -> np.ndarray:
    """The candidate actions' times in one null world: same day, a time of day drawn without replacement from
    the actor's own times of day in the same block (a random permutation within each (actor, block) group)."""
    shuffled = np.argsort(plan.pool_group + rng.random(plan.pool_group.size), kind="stable")
    tod = np.empty_like(plan.pool_tod)
    tod[plan.pool_order] = plan.pool_tod[shuffled]
    return plan.day * DAY + tod[plan.pool_pos]


def _one_world(plan: NullPlan, rng: np.random.Generator) -> np.ndarray:
    """Null co-action counts per window (rows) and kept edge (columns) in one null world."""
    n_edges = plan.edge_codes.size
    out = np.zeros((len(plan.windows), n_edges), np.uint16)
    if n_edges == 0 or plan.rank.size < 2:
        return out
    t = null_times(plan, rng)
    key = sort_key(plan.rank, t, plan.t0)
    order = np.argsort(key)
    key, actor, rank = key[order], plan.actor[order], plan.rank[order]
    i, j = window_pairs(key, max(plan.windows))
    keep = actor[i] != actor[j]
    i, j = i[keep], j[keep]
    code = np.minimum(actor[i], actor[j]).astype(np.int64) * plan.n_actors + np.maximum(actor[i], actor[j])
    edge = np.searchsorted(plan.edge_codes, code)
    edge = np.minimum(edge, n_edges - 1)
    found = plan.edge_codes[edge] == code
    edge, lag, r = edge[found], (key[j] - key[i])[found], rank[i][found]
    if edge.size == 0:
        return out
    # closest lag per (edge, object): sort by (edge, object, lag), keep each run's first row
    order = np.lexsort((lag, r, edge))
    edge, r, lag = edge[order], r[order], lag[order]
    first = np.ones(edge.size, bool)
    first[1:] = (edge[1:] != edge[:-1]) | (r[1:] != r[:-1])
    edge, lag = edge[first], lag[first]
    for w, window in enumerate(plan.windows):
        counts = np.bincount(edge[lag <= window], minlength=n_edges)
        out[w] = np.minimum(counts, np.iinfo(np.uint16).max)
    return out


def _worlds(args: tuple[NullPlan, int, list[int]]) -> np.ndarray:
    plan, seed, worlds = args
    return np.stack([_one_world(plan, np.random.default_rng([seed, k])) for k in worlds], axis=1) if worlds else \
        np.zeros((len(plan.windows), 0, plan.edge_codes.size), np.uint16)


def world_counts(plan: NullPlan, seed: int, worlds: list[int]) -> np.ndarray:
    """Counts of the null worlds numbered ``worlds``: uint16 [window, world, edge]. Worlds are seeded by their
    number, so any split of them (over processes, or over Spark partitions) gives the same counts."""
    return _worlds((plan, seed, worlds))


def null_counts(plan: NullPlan, n_worlds: int, seed: int, workers: int = 1) -> np.ndarray:
    """Co-action counts of the kept edges in ``n_worlds`` null worlds: uint16 array [window, world, edge]."""
    worlds = list(range(n_worlds))
    small = plan.rank.size * n_worlds < MIN_PARALLEL_WORK
    if workers <= 1 or n_worlds < 2 * workers or small:
        return _worlds((plan, seed, worlds))
    chunks = [worlds[k::workers] for k in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_worlds, [(plan, seed, c) for c in chunks]))
    out = np.empty((len(plan.windows), n_worlds, plan.edge_codes.size), np.uint16)
    for k, part in enumerate(parts):
        out[:, k::workers, :] = part
    return out
