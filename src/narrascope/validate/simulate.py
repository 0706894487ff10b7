"""Simulation study of the corrected shares: do the intervals cover the true share as often as they claim?

One simulated study (all of them vectorised at once): G groups of ``group_size`` messages; each message carries the
frame with its group's probability θ_g (the *true share* is θ_g: the propensity the raw share's Wilson interval
also targets); the dictionary finds a carrying message with probability ``sens`` and fires on a non-carrying one
with probability 1 − ``spec``. A validation sample of ``n_coded`` messages is drawn without replacement, half from
the hits and half from the non-hits (the design of :mod:`.sample`); coders label each sampled message with its true
status, flipped with probability ``coder_error``. The estimators are the library's own (:mod:`.score`,
:mod:`.correct`) applied to the simulated counts, told that coders err at ``assumed_coder_error``. With
``coder_error`` = 0 the coded labels are the gold standard; with coder error the estimators that are not told
(``assumed_coder_error`` = 0) target the coders' notion of the frame, not the truth, and coverage of θ_g falls; told
the rate, they correct the coded proportions and every draw of them by (q − e)/(1 − 2e) — the second table in
docs/methods.md shows both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..stats.intervals import wilson_interval
from .correct import ppi_estimate, ppi_interval, rg_interval
from .score import check_coder_error, coder_corrected, sens_spec

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """Coverage of θ_g by each 95% interval and mean bias of each estimate, over studies × groups."""

    studies: int
    groups: int
    raw_coverage: float
    rg_coverage: float
    ppi_coverage: float
    raw_bias: float
    rg_bias: float
    ppi_bias: float
    raw_mean_abs_error: float
    rg_mean_abs_error: float
    rg_mean_width: float
    ppi_mean_width: float
    not_identifiable: int


def _sequential_hypergeometric(rng: np.random.Generator, counts: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Multivariate hypergeometric over the last axis (categories), vectorised over studies (first axis)."""
    out = np.zeros_like(counts)
    remaining_total = counts.sum(axis=1)
    left = draws.copy()
    for c in range(counts.shape[1] - 1):
        rest = remaining_total - counts[:, c]
        take = rng.hypergeometric(counts[:, c], rest, left)
        out[:, c] = take
        left = left - take
        remaining_total = rest
    out[:, -1] = left
    return out


def simulate(
    studies: int = 1000,
    *,
    theta: Sequence[float] = (0.05, 0.15, 0.3),
    group_size: int = 4000,
    sens: float = 0.8,
    spec: float = 0.97,
    n_coded: int = 400,
    coder_error: float = 0.0,
    assumed_coder_error: float = 0.0,
    seed: int = 0,
    confidence: float = 0.95,
    replicates: int = 1000,
) -> SimulationResult:
    """Run ``studies`` simulated validation studies and score the raw, Rogan–Gladen and PPI intervals. Coders
    flip labels with probability ``coder_error``; the estimators correct for ``assumed_coder_error``."""
    told = check_coder_error(assumed_coder_error)
    rng = np.random.default_rng(seed)
    th = np.asarray(theta, dtype=float)
    g = len(th)
    n_g = np.full((studies, g), group_size, dtype=np.int64)
    carriers = rng.binomial(n_g, th)
    tp = rng.binomial(carriers, sens)
    fp = rng.binomial(n_g - carriers, 1 - spec)
    fn = carriers - tp
    tn = n_g - carriers - fp
    hits_g = tp + fp
    n_hit = hits_g.sum(axis=1)
    n_all = n_g.sum(axis=1)
    want_hit = np.minimum(n_hit, n_coded // 2)
    want_miss = np.minimum(n_all - n_hit, n_coded - want_hit)
    # coded hit items per (group, true status), then per group
    hit_cats = _sequential_hypergeometric(rng, np.concatenate([tp, fp], axis=1), want_hit)
    miss_cats = _sequential_hypergeometric(rng, np.concatenate([fn, tn], axis=1), want_miss)
    s_tp, s_fp = hit_cats[:, :g], hit_cats[:, g:]
    s_fn, s_tn = miss_cats[:, :g], miss_cats[:, g:]
    # coders: a true item is labelled 1 with probability 1 − e, a false one with probability e
    lab_hit = rng.binomial(s_tp, 1 - coder_error) + rng.binomial(s_fp, coder_error)
    lab_miss = rng.binomial(s_fn, 1 - coder_error) + rng.binomial(s_tn, coder_error)

    # whole-sample accuracy (one hit stratum, one non-hit stratum) and the library's interval machinery
    # the labels' proportions and their Jeffreys draws, each corrected for the coder error the estimator is told
    ppv = coder_corrected(lab_hit.sum(axis=1) / want_hit, told)
    fo = coder_corrected(lab_miss.sum(axis=1) / want_miss, told)
    ppv_d = coder_corrected(rng.beta(lab_hit.sum(axis=1)[:, None] + 0.5,
                                     (want_hit - lab_hit.sum(axis=1))[:, None] + 0.5, size=(studies, replicates)), told)
    fo_d = coder_corrected(rng.beta(lab_miss.sum(axis=1)[:, None] + 0.5,
                                    (want_miss - lab_miss.sum(axis=1))[:, None] + 0.5, size=(studies, replicates)),
                           told)
    pi = n_hit / n_all
    se_, sp_, _ = sens_spec(pi, ppv, 1 - fo)
    raw = hits_g / n_g
    j = (se_ + sp_ - 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rg = np.where(j > 0, (raw + sp_[:, None] - 1) / j, np.nan)
    rg_lo, rg_hi, _ = rg_interval(hits_g, n_g, pi, ppv_d, fo_d, rng, confidence)
    identifiable = np.asarray(np.isfinite(rg).all(axis=1), dtype=bool)
    raw_lo, raw_hi = wilson_interval(hits_g, n_g, confidence)

    # PPI per group from the group's own coded items
    m_hit_g, m_miss_g = s_tp + s_fp, s_fn + s_tn
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv_g = coder_corrected(lab_hit / m_hit_g, told)
        fo_g = coder_corrected(lab_miss / m_miss_g, told)
    ppi = ppi_estimate(raw, ppv_g, 1 - fo_g)
    ppi_lo, ppi_hi = np.full(raw.shape, np.nan), np.full(raw.shape, np.nan)
    for c in range(g):
        pd_ = coder_corrected(rng.beta(lab_hit[:, c, None] + 0.5, (m_hit_g - lab_hit)[:, c, None] + 0.5,
                                       size=(studies, replicates)), told)
        fd_ = coder_corrected(rng.beta(lab_miss[:, c, None] + 0.5, (m_miss_g - lab_miss)[:, c, None] + 0.5,
                                       size=(studies, replicates)), told)
        ppi_lo[:, c], ppi_hi[:, c] = ppi_interval(hits_g[:, c], n_g[:, c], pd_, fd_, rng, confidence)
    ppi_ok = np.asarray(np.isfinite(ppi) & (m_hit_g > 0) & (m_miss_g > 0), dtype=bool)

    truth = np.broadcast_to(th, raw.shape)
    ok = identifiable[:, None] & np.ones_like(raw, dtype=bool)
    rg_clip = np.clip(rg, 0, 1)
    return SimulationResult(
        studies=studies, groups=g,
        raw_coverage=float(np.mean((raw_lo <= truth) & (truth <= raw_hi))),
        rg_coverage=float(np.mean(((rg_lo <= truth) & (truth <= rg_hi))[ok])),
        ppi_coverage=float(np.mean(((ppi_lo <= truth) & (truth <= ppi_hi))[ppi_ok])),
        raw_bias=float(np.mean(raw - truth)),
        rg_bias=float(np.mean((rg_clip - truth)[ok])),
        ppi_bias=float(np.mean((ppi - truth)[ppi_ok])),
        raw_mean_abs_error=float(np.mean(np.abs(raw - truth))),
        rg_mean_abs_error=float(np.mean(np.abs(rg_clip - truth)[ok])),
        rg_mean_width=float(np.mean((rg_hi - rg_lo)[ok])),
        ppi_mean_width=float(np.mean((ppi_hi - ppi_lo)[ppi_ok])),
        not_identifiable=int((~identifiable).sum()),
    )
