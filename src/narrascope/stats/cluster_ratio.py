"""An interval for a ratio of sums over clusters, R = Σ_c y_c / Σ_c n_c, when the units within a cluster are not
independent draws (the share of a channel group's incoming forwards that come from another group: y_c of the n_c
forwards of channel c).

* **Variance** — the linearised (Taylor) cluster-robust variance of a ratio in its CR2 form (Bell & McCaffrey 2002):
  ``V = Σ_c (y_c − R n_c)² / (1 − n_c/N) / N²``, N = Σ_c n_c. Dividing by 1 − n_c/N (the cluster's leverage) makes V
  unbiased when the units are independent; the plain sandwich is biased downwards when a few clusters are large.
* **Reference distribution** — with unequal clusters, V rests on fewer than m − 1 effective degrees of freedom, so
  t(m − 1) is too narrow when a few clusters hold most units. Bell & McCaffrey (2002) take the distribution of the
  t statistic under a *working model* of the units; Imbens & Kolesár (2016) recommend a random-effects working
  model, Var(y_c − R n_c) ∝ n_c (1 + (n_c − 1) ρ), with the intra-cluster correlation ρ estimated (here by the
  one-way ANOVA estimator for binary data, Ridout, Demétrio & Firth 1999). Their Satterthwaite approximation, a t
  quantile on ``(tr S)² / tr(S²)`` degrees of freedom, over-covers when one or two clusters dominate (the t
  statistic's numerator and V are then far from independent): here the critical value is the exact quantile of
  |t| under the same normal working model, by Monte Carlo (1,000 draws, a fixed seed, so intervals are
  reproducible). Given the draws of the residuals' part that is independent of the numerator, the numerator is
  integrated out exactly (a Rao–Blackwellised estimate of the tail probability), so the quantile is smooth in the
  data. Where the Bell–McCaffrey degrees of freedom are 100 or more, their t quantile is used directly: the two
  then agree to about 0.01.
* **Scale** — the interval ``R ± q·√V`` is taken on the logit scale (the delta method: √V / (R (1 − R))) and
  transformed back, so it stays inside (0, 1). Where R is 0 or 1, or V is 0, a Wilson interval with the number of
  clusters as the sample size is used (one observation per cluster: conservative).

Measured coverage and the alternatives compared: docs/methods.md ("Channel networks"), bench/mixing_intervals.py.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from .intervals import wilson_interval

__all__ = ["bell_mccaffrey_df", "critical_value", "intracluster_correlation", "ratio_interval"]

DRAWS = 1000
"""Monte Carlo draws of the working model behind each critical value"""
EXACT_BELOW_DF = 100.0
"""the critical value is simulated where the Bell–McCaffrey degrees of freedom are below this; t quantile above"""
_CHUNK = 2_000_000
"""draws × clusters held in memory at once"""
_Q_MAX = 100.0


def intracluster_correlation(y: ArrayLike, n: ArrayLike) -> float:
    """One-way ANOVA estimator of the intra-cluster correlation of binary units (y_c successes of n_c per cluster),
    clipped to [0, 1]; 0 where it is not identified (fewer than two clusters, or every cluster holds one unit)."""
    ya, na = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    m, total = na.size, float(na.sum())
    if m < 2 or total <= m:
        return 0.0
    r = float(ya.sum()) / total
    p = ya / na
    between = float(np.sum(na * (p - r) ** 2)) / (m - 1)
    within = float(np.sum(ya - ya * p)) / (total - m)
    n0 = (total - float(np.sum(na * na)) / total) / (m - 1)
    denominator = between + (n0 - 1) * within
    return 0.0 if denominator <= 0 else min(1.0, max(0.0, (between - within) / denominator))


def _pieces(n: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Shares w_c = n_c/N, regression of the residuals on the numerator β_c, and Var(numerator) under the model."""
    w = n / n.sum()
    total = float(v.sum())
    return w, v / total - w, total


def bell_mccaffrey_df(n: ArrayLike, a: ArrayLike, v: ArrayLike) -> float:
    """Satterthwaite degrees of freedom of the variance Σ_c a_c ê_c² (ê_c = y_c − R n_c) when the cluster residuals
    are independent with variances ∝ v_c: (tr S)² / tr(S²), in O(m) (S = Σ^½ Mᵀ A M Σ^½, M = I − w 1ᵀ)."""
    na, aa, va = (np.asarray(x, dtype=float) for x in (n, a, v))
    w, _, total = _pieces(na, va)
    q, r = total * w - va, -va  # off-diagonal part of M Σ Mᵀ: w qᵀ + r wᵀ (rank two)
    diag_q = total * w * w - 2 * va * w
    trace = float(np.sum(aa * (va + diag_q)))
    qaw, qar = float(np.sum(q * aa * w)), float(np.sum(q * aa * r))
    waw, war = float(np.sum(w * aa * w)), float(np.sum(w * aa * r))
    square = (float(np.sum(aa * aa * va * va)) + 2 * float(np.sum(aa * aa * va * diag_q))
              + qaw * qaw + 2 * qar * waw + war * war)
    return trace * trace / square if square > 0 else math.inf


def critical_value(n: ArrayLike, a: ArrayLike, v: ArrayLike, confidence: float = 0.95, draws: int = DRAWS,
                   seed: int = 0) -> float:
    """q with P(|t| > q) = 1 − confidence for t = Σ_c e_c / √(Σ_c a_c ê_c²) when e_c ~ N(0, v_c) independently
    (see the module docstring). Monte Carlo over the part of ê independent of the numerator, which is integrated out."""
    na, aa, va = (np.asarray(x, dtype=float) for x in (n, a, v))
    alpha = 1 - confidence
    df = bell_mccaffrey_df(na, aa, va)
    if df >= EXACT_BELOW_DF:
        return float(special.stdtrit(df, 1 - alpha / 2))
    w, beta, total = _pieces(na, va)
    sd = math.sqrt(total)
    # ê = β S + ξ with S = Σ e (the numerator) independent of ξ; Σ a ê² = S² A + 2 S B + C
    big_a = float(np.sum(aa * beta * beta))
    rng = np.random.default_rng(seed)
    b_parts, c_parts = [], []
    for start in range(0, draws, max(1, _CHUNK // na.size)):
        rows = min(draws - start, max(1, _CHUNK // na.size))
        e = rng.standard_normal((rows, na.size)) * np.sqrt(va)
        xi = e - np.outer(e.sum(axis=1), w + beta)
        b_parts.append(xi @ (aa * beta))
        c_parts.append((xi * xi) @ aa)
    b, c = np.concatenate(b_parts), np.concatenate(c_parts)

    def tail(q: float) -> float:
        """P(|t| > q): S² (1 − q² A) − 2 q² B S − q² C > 0 with S ~ N(0, total), for each draw of (B, C)."""
        q2 = q * q
        d = 1 - q2 * big_a
        disc = q2 * q2 * b * b + d * q2 * c
        root = np.sqrt(np.maximum(disc, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            if abs(d) < 1e-12:  # linear: B S < −C/2
                p = np.where(b != 0, special.ndtr(-c / (2 * np.abs(b) * sd)), 0.0)
            elif d > 0:  # outside the roots
                p = special.ndtr((q2 * b - root) / d / sd) + special.ndtr(-(q2 * b + root) / d / sd)
            else:  # between them
                r1, r2 = (q2 * b - root) / d, (q2 * b + root) / d
                p = np.where(disc > 0, special.ndtr(np.maximum(r1, r2) / sd) - special.ndtr(np.minimum(r1, r2) / sd),
                             0.0)
        return float(np.mean(p))

    if tail(_Q_MAX) > alpha:
        return _Q_MAX
    # the tail falls from 1 at q = 0 to 0 as q grows
    return float(optimize.brentq(lambda q: tail(q) - alpha, 1e-6, _Q_MAX, xtol=1e-6))


def ratio_interval(y: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """(R, lower, upper) for R = Σy / Σn over clusters (see the module docstring); clusters with n = 0 are left out,
    and no units at all give nan."""
    ya, na = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    keep = na > 0
    ya, na = ya[keep], na[keep]
    total = float(na.sum())
    m = int(na.size)
    if total == 0:
        return math.nan, math.nan, math.nan
    r = float(ya.sum()) / total
    a = 1 / (1 - np.minimum(na / total, 0.999))  # CR2: each residual as if its cluster's leverage were removed
    var = float(np.sum(a * (ya - r * na) ** 2)) / total**2 if m > 1 else 0.0
    if m < 2 or var <= 0 or r <= 0 or r >= 1:
        lo, hi = wilson_interval(np.array([r * m]), np.array([float(m)]), confidence)
        return r, float(lo[0]), float(hi[0])
    rho = intracluster_correlation(ya, na)
    q = critical_value(na, a, na * (1 + (na - 1) * rho), confidence)
    logit = math.log(r / (1 - r))
    half = q * math.sqrt(var) / (r * (1 - r))
    return r, 1 / (1 + math.exp(-(logit - half))), 1 / (1 + math.exp(-(logit + half)))
