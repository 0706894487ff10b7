"""Binomial and Poisson intervals and tests, vectorised over numpy arrays.

- Wilson score interval for a proportion (Wilson 1927): good coverage even for small n and p near 0 or 1, unlike the
  Wald interval. Brown, Cai & DasGupta (2001) compare the alternatives.
- Newcombe's hybrid score interval for a difference of two independent proportions (Newcombe 1998, method 10),
  built from the two Wilson intervals.
- Two-proportion z-test with the pooled variance.
- Rate ratio of two Poisson counts over exposures, with the log-scale interval exp(log RR ± z·sqrt(1/c1 + 1/c2)).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["newcombe_diff_interval", "rate_ratio_interval", "two_proportion_test", "wilson_interval", "z_value"]

F = NDArray[np.float64]


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    # the standard library's normal quantile: importing scipy.stats for it cost every command ~1 s of start-up
    return float(NormalDist().inv_cdf(0.5 + confidence / 2))


def wilson_interval(k: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[F, F]:
    """Wilson score interval for k successes in n trials. n == 0 gives (0, 1): nothing is known."""
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n_arr > 0, k_arr / n_arr, 0.0)
        denom = 1 + z * z / n_arr
        centre = (p + z * z / (2 * n_arr)) / denom
        half = z * np.sqrt(p * (1 - p) / n_arr + z * z / (4 * n_arr * n_arr)) / denom
        lo = np.where(n_arr > 0, np.clip(centre - half, 0, 1), 0.0)
        hi = np.where(n_arr > 0, np.clip(centre + half, 0, 1), 1.0)
    # The exact bounds at k = 0 and k = n are 0 and 1; floating point can miss them by an ulp.
    lo = np.where(k_arr <= 0, 0.0, lo)
    hi = np.where((k_arr >= n_arr) & (n_arr > 0), 1.0, hi)
    return lo, hi


def newcombe_diff_interval(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike,
                           confidence: float = 0.95) -> tuple[F, F, F]:
    """Difference p2 − p1 with Newcombe's hybrid score interval: (difference, lower, upper)."""
    k1a, n1a, k2a, n2a = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1a > 0, k1a / n1a, np.nan)
        p2 = np.where(n2a > 0, k2a / n2a, np.nan)
    l1, u1 = wilson_interval(k1a, n1a, confidence)
    l2, u2 = wilson_interval(k2a, n2a, confidence)
    d = p2 - p1
    lo = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, lo, hi


def two_proportion_test(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> tuple[F, F]:
    """Pooled two-proportion z-test of p1 == p2: (z, two-sided p-value). NaN where a group is empty."""
    k1a, n1a, k2a, n2a = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1a + k2a) / (n1a + n2a)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1a + 1 / n2a))
        z = (k2a / n2a - k1a / n1a) / se
        z = np.where(se > 0, z, np.where((n1a > 0) & (n2a > 0), 0.0, np.nan))
    from scipy.special import ndtr  # imported where needed: scipy is slow to import

    p = 2 * ndtr(-np.abs(z))
    return z, p


def rate_ratio_interval(c1: ArrayLike, t1: ArrayLike, c2: ArrayLike, t2: ArrayLike,
                        confidence: float = 0.95) -> tuple[F, F, F]:
    """Ratio of rates (c2/t2)/(c1/t1) of Poisson counts over exposures, with its log-scale interval.

    A zero count makes the ratio 0 or infinite; 0.5 is then added to both counts (the usual continuity
    correction) for the interval only.
    """
    c1a, t1a, c2a, t2a = (np.asarray(x, dtype=float) for x in (c1, t1, c2, t2))
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (c2a / t2a) / (c1a / t1a)
        zero = (c1a == 0) | (c2a == 0)
        a = np.where(zero, c1a + 0.5, c1a)
        b = np.where(zero, c2a + 0.5, c2a)
        centre = np.log((b / t2a) / (a / t1a))
        half = z * np.sqrt(1 / a + 1 / b)
    return rr, np.exp(centre - half), np.exp(centre + half)
