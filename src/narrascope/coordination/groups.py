"""Groups: connected components of the reported edges, their group-level test, and their stability.

A group is a set of at least two actors joined by reported edges (significant after FDR control, at least
``min_weight`` objects, symmetric enough, not expected). Its statistic is the total co-action among its members
(the sum of their pairs' weights); its p-value is the share of null worlds where the same members co-acted at
least as much. Stability compares member sets across the settings of a sweep by Jaccard overlap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["best_jaccard", "components", "group_pvalues"]


def components(a: np.ndarray, b: np.ndarray, n_actors: int) -> list[list[int]]:
    """Member lists (sorted actor codes) of the components with ≥ 2 actors of the graph with edges (a[k], b[k]),
    largest first (ties: by smallest member), so group numbers are deterministic."""
    if a.size == 0:
        return []
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(n_actors, n_actors))
    _, labels = connected_components(graph, directed=False)
    touched = np.unique(np.concatenate([a, b]))
    groups: dict[int, list[int]] = {}
    for node in touched.tolist():
        groups.setdefault(int(labels[node]), []).append(node)
    out = [sorted(g) for g in groups.values() if len(g) >= 2]
    return sorted(out, key=lambda g: (-len(g), g[0]))


def group_pvalues(groups: Sequence[Sequence[int]], a: np.ndarray, b: np.ndarray, observed: np.ndarray,
                  null: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(observed total, null mean, p-value) per group: co-action summed over every measured pair inside it.

    ``a, b, observed`` describe the measured pairs; ``null`` is [world, pair] (None: no test, p = NaN)."""
    obs = np.zeros(len(groups))
    mean = np.full(len(groups), np.nan)
    p = np.full(len(groups), np.nan)
    member = np.full(max(int(a.max()) + 1 if a.size else 0, int(b.max()) + 1 if b.size else 0), -1)
    for g, nodes in enumerate(groups):
        member[list(nodes)] = g
    same = (member[a] == member[b]) & (member[a] >= 0) if a.size else np.zeros(0, bool)
    for g in range(len(groups)):
        inside = same & (member[a] == g)
        obs[g] = observed[inside].sum()
        if null is not None:
            totals = null[:, inside].astype(np.int64).sum(axis=1)
            mean[g] = totals.mean() if totals.size else 0.0
            p[g] = (1.0 + (totals >= obs[g]).sum()) / (1.0 + null.shape[0])
    return obs, mean, p


def best_jaccard(reference: Sequence[int], others: Sequence[Sequence[int]]) -> tuple[float, list[int]]:
    """The highest Jaccard overlap of ``reference`` with any of ``others`` (0 when there are none) and that group."""
    ref = set(reference)
    best, match = 0.0, []
    for other in others:
        o = set(other)
        j = len(ref & o) / len(ref | o)
        if j > best:
            best, match = j, sorted(o)
    return best, match
