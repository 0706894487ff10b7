"""How the interval of a mixing-matrix share was chosen: candidate intervals for a channel-clustered ratio, compared on
development corpora only.

    python bench/mixing_intervals.py [--quick] [--dev-corpora 1000] [--world-corpora 2000] [--no-resampling]

1. Generated corpora (narrascope.network.simulate, the design of the coverage test: 30 inside / 15 abroad channels,
   true rate 0.3) with seeds from 10,000 up — never the pre-registered seeds 0–999 of bench/network.py and
   tests/network/test_coverage.py. Per corpus, y_c / n_c are the forwards from abroad / all forwards of inside
   channel c, exactly what narrascope.network.mixing hands to ratio_interval.
2. Other worlds, drawn at channel level with the generator's law (n_c = 1 + NegBin, p_c ~ Beta, y_c ~ Bin(n_c, p_c);
   or Pareto channel sizes): fewer/more channels, more or less unequal channels and sizes, other rates.

Each candidate's coverage of the known rate, its misses below (interval under the rate) and above, and its mean
width. The chosen interval is the library's (narrascope.stats.cluster_ratio.ratio_interval); "CR3, t(m−1)" is the one
it replaced.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from scipy import stats

sys.path.insert(0, os.path.dirname(__file__))
from _common import print_table  # noqa: E402

from narrascope.network.graphs import ChannelGraph  # noqa: E402
from narrascope.network.simulate import ForwardWorld, simulate_forwards  # noqa: E402
from narrascope.stats.cluster_ratio import (  # noqa: E402
    bell_mccaffrey_df,
    intracluster_correlation,
    ratio_interval,
)

Interval = Callable[[np.ndarray, np.ndarray], tuple[float, float]]
FIRST_DEV_SEED = 10_000


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _logit(r: float, var: float, q: float) -> tuple[float, float]:
    if var <= 0 or r <= 0 or r >= 1:
        return math.nan, math.nan
    centre, half = math.log(r / (1 - r)), q * math.sqrt(var) / (r * (1 - r))
    return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


def _cr(y: np.ndarray, n: np.ndarray, power: float) -> tuple[float, float, np.ndarray]:
    """R, the cluster-robust variance with residuals scaled by (1 − n_c/N)^-power/2 (CR1 when power < 0), weights a_c."""
    total = n.sum()
    r = float(y.sum() / total)
    m = n.size
    a = np.full(m, m / (m - 1)) if power < 0 else 1 / (1 - n / total) ** power
    return r, float(np.sum(a * (y - r * n) ** 2)) / total**2, a


def wald(power: float, df: str = "m-1") -> Interval:
    def interval(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
        r, var, a = _cr(y, n, power)
        if df == "m-1":
            q = float(stats.t.ppf(0.975, n.size - 1))
        else:  # Bell–McCaffrey under the random-effects working model, Satterthwaite's t
            v = n * (1 + (n - 1) * intracluster_correlation(y, n))
            q = float(stats.t.ppf(0.975, bell_mccaffrey_df(n, a, v)))
        return _logit(r, var, q)
    return interval


def chosen(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    _, lo, hi = ratio_interval(y, n)
    return lo, hi


def fieller(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Inverts the one-sample t test of mean(y_c − r n_c) = 0 on m − 1 df (Fieller 1954): a score-type interval."""
    m = n.size
    cov = np.cov(np.vstack([y, n]), ddof=1)
    q = float(stats.t.ppf(0.975, m - 1)) ** 2 / m
    a, b, c = n.mean() ** 2 - q * cov[1, 1], y.mean() * n.mean() - q * cov[0, 1], y.mean() ** 2 - q * cov[0, 0]
    disc = b * b - a * c
    return (0.0, 1.0) if a <= 0 or disc < 0 else ((b - math.sqrt(disc)) / a, (b + math.sqrt(disc)) / a)


def wilson_effective(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Wilson interval on the effective sample size R(1 − R)/V (CR3) with a t(m−1) quantile (Korn & Graubard 1998)."""
    r, var, _ = _cr(y, n, 2)
    if var <= 0:
        return math.nan, math.nan
    size, z = min(float(n.sum()), r * (1 - r) / var), float(stats.t.ppf(0.975, n.size - 1))
    d = 1 + z * z / size
    centre, half = (r + z * z / (2 * size)) / d, z * math.sqrt(r * (1 - r) / size + z * z / (4 * size * size)) / d
    return centre - half, centre + half


def bootstrap(kind: str, resamples: int = 1999) -> Interval:
    """Resampling channels: percentile, BCa (Efron 1987) or bootstrap-t on the logit scale with the CR3 error."""
    def interval(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
        m = n.size
        idx = np.random.default_rng(0).integers(0, m, (resamples, m))
        ys, ns = y[idx], n[idx]
        rs, r = ys.sum(1) / ns.sum(1), float(y.sum() / n.sum())
        if kind == "percentile":
            lo, hi = np.quantile(rs, [0.025, 0.975])
            return float(lo), float(hi)
        if kind == "bca":
            z0 = stats.norm.ppf(np.mean(rs < r) + 0.5 * np.mean(rs == r))
            loo = (y.sum() - y) / (n.sum() - n)
            d = loo.mean() - loo
            acc = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5) if np.any(d) else 0.0
            zs = stats.norm.ppf([0.025, 0.975])
            lo, hi = np.quantile(rs, stats.norm.cdf(z0 + (z0 + zs) / (1 - acc * (z0 + zs))))
            return float(lo), float(hi)
        totals = ns.sum(1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            resid = (ys - rs[:, None] * ns) / (1 - np.minimum(ns / totals, 0.999))
            se = np.sqrt((resid**2).sum(1)) / totals[:, 0] / (rs * (1 - rs))
            t = (np.log(rs / (1 - rs)) - math.log(r / (1 - r))) / se
        t = t[np.isfinite(t)]
        _, var, _ = _cr(y, n, 2)
        s0 = math.sqrt(var) / (r * (1 - r))
        t_lo, t_hi = np.quantile(t, [0.025, 0.975])
        centre = math.log(r / (1 - r))
        return 1 / (1 + math.exp(-(centre - t_hi * s0))), 1 / (1 + math.exp(-(centre - t_lo * s0)))
    return interval


def wild_restricted(resamples: int = 999) -> Interval:
    """Wild cluster restricted bootstrap (Rademacher; MacKinnon & Webb 2017) of the CR3 t, inverted by bisection."""
    def interval(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
        total, m = n.sum(), n.size
        r = float(y.sum() / total)
        signs = np.random.default_rng(0).choice([-1.0, 1.0], (resamples, m))
        a = 1 / (1 - n / total) ** 2

        def t(d: np.ndarray) -> np.ndarray:
            s = d.sum(-1) / total
            e = d - np.multiply.outer(s, n)
            se = np.sqrt((a * e * e).sum(-1)) / total
            return s / np.where(se > 0, se, np.inf)

        def p(r0: float) -> float:
            d = y - r0 * n
            return float((1 + np.sum(np.abs(t(signs * d)) >= abs(float(t(d[None])[0])) - 1e-12)) / (resamples + 1))

        def bound(outside: float) -> float:
            inside = r
            if p(outside) > 0.05:
                return outside
            for _ in range(30):
                mid = (inside + outside) / 2
                inside, outside = (mid, outside) if p(mid) > 0.05 else (inside, mid)
            return (inside + outside) / 2
        return bound(0.0), bound(1.0)
    return interval


CANDIDATES: dict[str, Interval] = {
    "CR3, t(m−1), logit [before]": wald(2),
    "CR1, t(m−1), logit": wald(-1),
    "CR2, t(m−1), logit": wald(1),
    "CR2, Bell–McCaffrey t, logit": wald(1, "bm"),
    "CR2, working-model q, logit [chosen]": chosen,
    "Fieller, t(m−1)": fieller,
    "Wilson, effective n (CR3), t(m−1)": wilson_effective,
    "cluster bootstrap, percentile": bootstrap("percentile"),
    "cluster bootstrap, BCa": bootstrap("bca"),
    "cluster bootstrap-t, logit": bootstrap("t"),
    "wild cluster restricted bootstrap": wild_restricted(),
}
IN_WORLDS = ["CR3, t(m−1), logit [before]", "CR2, t(m−1), logit", "CR2, Bell–McCaffrey t, logit",
             "CR2, working-model q, logit [chosen]", "Fieller, t(m−1)", "Wilson, effective n (CR3), t(m−1)"]


def channel_counts(seed: int, world: ForwardWorld) -> tuple[np.ndarray, np.ndarray]:
    """(y_c, n_c) of the inside channels of one generated corpus."""
    return channel_counts_of(simulate_forwards(seed, world))


def channel_counts_of(graph: ChannelGraph) -> tuple[np.ndarray, np.ndarray]:
    """(y_c, n_c): forwards from abroad and all forwards taken up by each inside channel."""
    inside = graph.nodes.filter(pl.col("location") == "inside")["node"].implode()
    per = (graph.evidence.filter(pl.col("target").is_in(inside))
           .group_by("target").agg(pl.col("source").is_in(inside).not_().sum().alias("y"), pl.len().alias("n"))
           .sort("target"))
    return per["y"].to_numpy().astype(float), per["n"].to_numpy().astype(float)


def _score(fn: Interval, data: list[tuple[np.ndarray, np.ndarray]], rate: float) -> tuple[int, int, int, float]:
    bounds = np.array([fn(y, n) for y, n in data], dtype=float)
    covered = int(np.sum((bounds[:, 0] <= rate) & (rate <= bounds[:, 1])))
    return covered, int(np.sum(bounds[:, 1] < rate)), int(np.sum(bounds[:, 0] > rate)), float(
        np.nanmean(bounds[:, 1] - bounds[:, 0]))


def development(corpora: int, names: list[str]) -> str:
    world = ForwardWorld()
    seeds = range(FIRST_DEV_SEED, FIRST_DEV_SEED + corpora)
    data = [channel_counts(seed, world) for seed in seeds]
    rows = []
    for name in names:
        t = time.perf_counter()
        covered, below, above, width = _score(CANDIDATES[name], data, world.rate)
        lo, hi = stats.binomtest(covered, corpora).proportion_ci(method="wilson")
        rows.append([name, f"{covered}/{corpora} = {100 * covered / corpora:.1f} %", f"{100 * lo:.1f}–{100 * hi:.1f} %",
                     f"{100 * below / corpora:.1f} % / {100 * above / corpora:.1f} %", f"{width:.4f}",
                     f"{time.perf_counter() - t:.0f} s", _load()])
    title = (f"Candidate intervals on development corpora (seeds {seeds.start:,}–{seeds.stop - 1:,}; true rate "
             f"{world.rate}, {world.inside} inside channels)")
    return print_table(title, ["interval", "covered", "95 % CI", "missed below / above", "mean width", "time", "load"],
                       rows)


def _draw(rng: np.random.Generator, m: int, rate: float, kappa: float, mean: float, shape: float,
          pareto: bool) -> tuple[np.ndarray, np.ndarray]:
    if pareto:
        n = np.floor(1 + 5 * (rng.pareto(1.2, m) + 1))
    else:
        n = 1 + rng.negative_binomial(shape, shape / (mean + shape), m).astype(float)
    p = rng.beta(rate * kappa, (1 - rate) * kappa, m)
    return rng.binomial(n.astype(int), p).astype(float), n


WORLDS: list[tuple[str, dict[str, float]]] = [
    ("as the generator", {}), ("10 channels", {"m": 10}), ("15 channels", {"m": 15}), ("60 channels", {"m": 60}),
    ("κ = 1 (very unequal channels)", {"kappa": 1}), ("κ = 20", {"kappa": 20}),
    ("size shape 10 (even sizes)", {"shape": 10}), ("size shape 0.5", {"shape": 0.5}),
    ("size shape 0.25", {"shape": 0.25}), ("Pareto(1.2) sizes", {"pareto": 1}),
    ("10 channels, size shape 0.5", {"m": 10, "shape": 0.5}), ("mean 5 forwards", {"mean": 5}),
    ("mean 200 forwards", {"mean": 200}), ("rate 0.05", {"rate": 0.05}), ("rate 0.1", {"rate": 0.1}),
    ("rate 0.5", {"rate": 0.5}),
]


def worlds(corpora: int) -> str:
    rows = []
    for i, (label, change) in enumerate(WORLDS):
        w = {"m": 30, "rate": 0.3, "kappa": 4.0, "mean": 30.0, "shape": 2.0, "pareto": 0, **change}
        rng = np.random.default_rng(50_000 + i)
        data = [_draw(rng, int(w["m"]), w["rate"], w["kappa"], w["mean"], w["shape"], bool(w["pareto"]))
                for _ in range(corpora)]
        kish = float(np.median([n.sum() ** 2 / (n**2).sum() for _, n in data]))
        cells = []
        for name in IN_WORLDS:
            covered, below, _, width = _score(CANDIDATES[name], data, w["rate"])
            cells.append(f"{100 * covered / corpora:.1f} ({100 * below / corpora:.1f}) {width:.3f}")
        rows.append([label, f"{kish:.1f}", *cells])
    title = (f"Coverage in other worlds, {corpora:,} corpora each: covered % (missed below %) mean width; load "
             f"{_load()}")
    return print_table(title, ["world", "effective channels (Kish)", *IN_WORLDS], rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dev-corpora", type=int, default=1000)
    ap.add_argument("--world-corpora", type=int, default=2000)
    ap.add_argument("--no-resampling", action="store_true", help="leave out the bootstraps (slow on many corpora)")
    args = ap.parse_args()
    names = IN_WORLDS if args.no_resampling else list(CANDIDATES)
    if args.quick:
        development(20, names)
        worlds(20)
        return 0
    development(args.dev_corpora, names)
    if args.world_corpora:
        worlds(args.world_corpora)
    return 0


if __name__ == "__main__":
    sys.exit(main())
