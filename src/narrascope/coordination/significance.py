"""The test: Monte Carlo p-values against null worlds, the hypothesis family, Benjamini–Hochberg.

- An edge's p-value is the share of null worlds with at least as much co-action as observed, counting the
  observed world among them: p = (1 + #{null ≥ observed}) / (1 + worlds) — valid for any number of worlds, but
  never below 1/(worlds + 1). Benjamini–Hochberg over m pairs needs p ≤ α·k/m, far below that floor in a corpus
  of hundreds of channels, so when no world reaches the observed count the tail is bounded instead
  (:func:`tail_pvalues`): co-action counts are sums of rare, nearly independent events, each adding at most φ
  objects (φ = the most objects two of the pair's posts can share), so P(X ≥ x) ≤ P(Poisson(μ⁺) ≥ ⌈x/φ⌉), with μ⁺
  an upper 99 % bound of the null mean from the same worlds. Replacing only the floor value keeps the p-value valid:
  for t ≥ 1/(worlds + 1), P(p ≤ t) ≤ P(share ≤ t) ≤ t; below it, P(p ≤ t) ≤ P(bound ≤ t) ≤ t.
- The family of hypotheses is every actor pair that *could* co-act in some null world: pairs sharing an object
  on days at most one apart (null worlds keep each post's day, so no other pair can ever co-act). The family
  depends on objects and days only, never on times, so choosing it does not bias the p-values; pairs in it that
  never co-acted have p = 1 and count in the Benjamini–Hochberg denominator.
- Expected pairs (tagged by attributes, :mod:`.exclusions`) form a family of their own, so tagging an aggregator
  changes neither the threshold nor the discoveries among the other pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv
from scipy.stats import poisson

from .coaction import window_pairs

__all__ = ["MIN_EXCEED", "benjamini_hochberg", "edge_pvalues", "mc_pvalues", "potential_pairs", "tail_pvalues"]

#: Below this many null worlds reaching the observed count (none: the share is at its floor), the tail bound is used.
MIN_EXCEED = 1


def mc_pvalues(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """p-values of ``observed`` [edge] against ``null`` [world, edge]; an edge observed 0 times has p = 1."""
    worlds = null.shape[0]
    exceed = (null >= observed[None, :]).sum(axis=0)
    p = (1.0 + exceed) / (1.0 + worlds)
    return np.where(observed > 0, p, 1.0)


def tail_pvalues(observed: np.ndarray, null: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Upper bounds of P(X ≥ observed) from a Poisson tail: μ⁺ = φ/worlds · (upper 99 % Poisson bound of the
    null total / φ); P(Poisson(μ⁺) ≥ ⌈observed/φ⌉)."""
    worlds = max(null.shape[0], 1)
    phi = np.maximum(phi.astype(np.float64), 1.0)
    total = null.astype(np.float64).sum(axis=0)
    mu_up = phi / worlds * gammaincinv(total / phi + 1.0, 0.99)
    events = np.ceil(observed / phi)
    return np.where(observed > 0, poisson.sf(events - 1, mu_up), 1.0)


def edge_pvalues(observed: np.ndarray, null: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                    np.ndarray]:
    """(p-value, worlds reaching the observed count, whether the tail bound was used) per edge: the share of null
    worlds when at least one of them reaches the observed count, else the tail bound (the only one of the two that
    can go below 1/(worlds + 1); it may also be above it when the bound is loose — then it is the conservative one)."""
    exceed = (null >= observed[None, :]).sum(axis=0)
    share = mc_pvalues(observed, null)
    tail = (exceed < MIN_EXCEED) & (observed > 0)
    p = share.copy()
    if tail.any():
        p[tail] = tail_pvalues(observed[tail], null[:, tail], phi[tail])
    return p, exceed, tail


def benjamini_hochberg(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """BH-adjusted p-values (q-values): reject where q ≤ α controls the FDR at α (Benjamini & Hochberg 1995).

    ``m`` is the family's size when ``p`` lists only part of it (the rest having p = 1); it must be ≥ len(p)."""
    n = p.size
    m = n if m is None else m
    if m < n:
        raise ValueError(f"family size {m} is smaller than the {n} p-values given")
    if n == 0:
        return np.zeros(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def potential_pairs(rank: np.ndarray, day: np.ndarray, actor: np.ndarray, n_actors: int) -> np.ndarray:
    """Sorted unique pair codes (a * n_actors + b, a < b) of actors acting on one object on days ≤ 1 apart."""
    if rank.size < 2:
        return np.zeros(0, np.int64)
    # one row per (object, day, actor); a range join of width one day on the (object, day) key
    rows = np.unique(np.stack([rank.astype(np.int64), day.astype(np.int64), actor.astype(np.int64)]), axis=1)
    r, d, a = rows
    key = (r << 32) | (d - int(d.min()))
    i, j = window_pairs(key, 1)
    keep = a[i] != a[j]
    i, j = i[keep], j[keep]
    codes = np.minimum(a[i], a[j]) * n_actors + np.maximum(a[i], a[j])
    return np.unique(codes)
