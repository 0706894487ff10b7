"""Generated forward networks with a known cross-group rate: the ground truth behind the coverage of mixing intervals.

A corpus has ``inside`` and ``abroad`` channels. Each inside channel c has its own propensity p_c to forward from
abroad, drawn from a Beta distribution with mean ``rate`` (``concentration`` κ = a + b: small κ, very unequal
channels); it makes n_c forwards (1 + negative binomial with mean ``mean_forwards``, so sizes are skewed), each from
abroad with probability p_c, the source channel drawn by a popularity that is itself skewed (Dirichlet weights), else
from another inside channel. Abroad channels forward too (half from each side), which the estimand ignores. The
known value is ``rate``: the expected share of forwards reaching inside channels that come from abroad channels, for
channels drawn from this population — what the interval of the mixing matrix must cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from .graphs import ChannelGraph

__all__ = ["ForwardWorld", "simulate_forwards"]


@dataclass(frozen=True)
class ForwardWorld:
    """Parameters of :func:`simulate_forwards`."""

    inside: int = 30
    abroad: int = 15
    rate: float = 0.3
    concentration: float = 4.0
    mean_forwards: float = 30.0
    dispersion: float = 2.0
    """negative-binomial shape of the number of forwards per channel (smaller: more skewed)"""
    popularity: float = 0.7
    """Dirichlet concentration of source popularity (smaller: a few sources get most forwards)"""


def _sources(rng: np.random.Generator, names: list[str], weights: np.ndarray, k: int, exclude: str | None) -> list[str]:
    if exclude is not None and exclude in names:
        keep = [i for i, n in enumerate(names) if n != exclude]
        names = [names[i] for i in keep]
        weights = weights[keep] / weights[keep].sum()
    return [names[i] for i in rng.choice(len(names), size=k, p=weights)] if k else []


def simulate_forwards(seed: int, world: ForwardWorld | None = None) -> ChannelGraph:
    """One generated corpus as a channel graph (nodes with ``location``, forward edges and evidence)."""
    world = world or ForwardWorld()
    rng = np.random.default_rng(seed)
    inside = [f"in{i:03d}" for i in range(world.inside)]
    abroad = [f"ab{i:03d}" for i in range(world.abroad)]
    pop_in = rng.dirichlet(np.full(world.inside, world.popularity))
    pop_ab = rng.dirichlet(np.full(world.abroad, world.popularity))
    a = world.rate * world.concentration
    b = (1 - world.rate) * world.concentration
    p_mean = world.mean_forwards / (world.mean_forwards + world.dispersion)
    sources: list[str] = []
    targets: list[str] = []
    for channel in inside + abroad:
        n = 1 + int(rng.negative_binomial(world.dispersion, 1 - p_mean))
        p = rng.beta(a, b) if channel in inside else 0.5
        from_abroad = int(rng.binomial(n, p))
        sources += _sources(rng, abroad, pop_ab, from_abroad, channel)
        sources += _sources(rng, inside, pop_in, n - from_abroad, channel)
        targets += [channel] * n
    start = datetime(2024, 1, 1, tzinfo=UTC)
    times = [start + timedelta(seconds=int(s)) for s in rng.integers(0, 365 * 86400, len(targets))]
    evidence = pl.DataFrame({
        "relation": "forward", "source": sources, "target": targets,
        "uid": [f"sim{seed}-{i}" for i in range(len(targets))], "source_uid": None, "detail": None,
        "posted_at": times, "lag_s": None,
    }, schema={"relation": pl.String, "source": pl.String, "target": pl.String, "uid": pl.String,
               "source_uid": pl.String, "detail": pl.String, "posted_at": pl.Datetime("us", "UTC"),
               "lag_s": pl.Float64})
    nodes = pl.DataFrame({"node": inside + abroad, "label": inside + abroad, "platform": "telegram",
                          "kind": "channel", "in_store": True, "messages": 0,
                          "location": ["inside"] * world.inside + ["abroad"] * world.abroad})
    edges = (evidence.group_by("relation", "source", "target")
             .agg(pl.len().cast(pl.Int64).alias("weight"), pl.col("posted_at").min().alias("first_at"),
                  pl.col("posted_at").max().alias("last_at"), pl.col("lag_s").median().alias("median_lag_s")))
    return ChannelGraph(nodes=nodes, edges=edges, evidence=evidence)
