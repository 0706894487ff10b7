"""Channel networks: which graph library, how fast the null model is, and whether mixing intervals cover.

    python bench/network.py [--quick] [--corpora 200] [--louvain-max 20000] [--parts libraries,null,coverage]

1. Graph libraries on random directed weighted graphs (a few hubs, as channel graphs have): networkit (MIT) PageRank
   and ParallelLeiden against networkx (BSD) PageRank and Louvain, same graph, same process; import times apart.
2. The configuration-model null of the mixing matrix: 1,000 null worlds over 10^4–10^5 flow units.
3. Coverage of the 95 % interval of "share of forwards reaching inside channels that come from abroad" over
   generated corpora with a known rate (narrascope.network.simulate): 200 corpora (the pre-registered seeds 0–199)
   and 1,000, with the mean width, next to the interval it replaced on the same corpora. How the interval was
   chosen (on other seeds): bench/mixing_intervals.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import polars as pl

sys.path.insert(0, os.path.dirname(__file__))
from _common import print_table  # noqa: E402
from mixing_intervals import CANDIDATES, channel_counts_of  # noqa: E402

from narrascope.network.mixing import MixingOptions, measure_mixing, mixing_frames  # noqa: E402
from narrascope.network.simulate import ForwardWorld, simulate_forwards  # noqa: E402
from narrascope.stats.intervals import wilson_interval  # noqa: E402


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _random_graph(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, n) + 1
    src = rng.choice(n, m, p=popularity / popularity.sum())
    tgt = rng.integers(0, n, m)
    keep = src != tgt
    pairs, counts = np.unique(src[keep] * n + tgt[keep], return_counts=True)
    return pairs // n, pairs % n, counts.astype(float)


def _time(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def libraries(sizes: list[tuple[int, int]], louvain_max: int) -> str:
    from narrascope.network import structure as st  # the module (the package exports measure_structure)

    t_nk, _ = _time(__import__, "networkit")
    t_nx, _ = _time(__import__, "networkx")
    rows = []
    for n, m in sizes:
        src, tgt, w = _random_graph(n, m, 1)
        pr_nk, a = _time(st._pagerank, "networkit", n, src, tgt, w, 0.85)
        pr_nx, b = _time(st._pagerank, "networkx", n, src, tgt, w, 0.85)
        leiden, (_, q_leiden) = _time(st._communities, "networkit", n, src, tgt, w, 1.0, 0)
        if np.abs(a - b).max() > 1e-6:  # same graph, same damping: the two PageRanks must agree
            raise SystemExit(f"PageRank: networkit and networkx differ by {np.abs(a - b).max():.1e} on {n:,} nodes")
        if n <= louvain_max:
            louvain, (_, q_louvain) = _time(st._communities, "networkx", n, src, tgt, w, 1.0, 0)
            lv = f"{louvain:.2f} s (Q {q_louvain:.3f})"
            if q_leiden < q_louvain - 0.02:  # different algorithms: Leiden's partition must be at least as good
                raise SystemExit(f"Leiden's modularity {q_leiden:.3f} is below Louvain's {q_louvain:.3f}")
        else:
            lv = f"not run (> {louvain_max:,} nodes)"
        rows.append([f"{n:,} / {src.size:,}", f"{pr_nk:.3f} s", f"{pr_nx:.3f} s", f"{np.abs(a - b).max():.1e}",
                     f"{leiden:.2f} s (Q {q_leiden:.3f})", lv, _load()])
    title = (f"Graph libraries (import: networkit {t_nk:.2f} s, networkx {t_nx:.2f} s; Leiden single-threaded, "
             "10 iterations)")
    return print_table(title, ["nodes / edges", "PageRank networkit", "PageRank networkx", "max |Δ PageRank|",
                               "Leiden (networkit)", "Louvain (networkx)", "load"], rows)


def null_model(unit_counts: list[int], draws: int) -> str:
    rows = []
    for units in unit_counts:
        world = ForwardWorld(inside=200, abroad=100, mean_forwards=units / 300)
        graph = simulate_forwards(1, world)
        groups = graph.nodes.select("node", pl.col("location").alias("group"))
        t, _ = _time(mixing_frames, graph.evidence.select("source", "target"), groups, MixingOptions(draws=draws))
        rows.append([f"{graph.evidence.height:,}", draws, f"{t:.1f} s", _load()])
    return print_table("Configuration-model null of the mixing matrix (300 channels, one core)",
                       ["flow units", "null worlds", "time", "load"], rows)


def coverage(counts: list[int]) -> str:
    """The library's interval (measure_mixing) and, on the same corpora, the one it replaced (CR3, t(m−1))."""
    world = ForwardWorld()
    before = CANDIDATES["CR3, t(m−1), logit [before]"]
    rows = []
    for corpora in counts:
        t = time.perf_counter()
        hits = {"after": 0, "before": 0}
        below = {"after": 0, "before": 0}
        widths: dict[str, list[float]] = {"after": [], "before": []}
        for seed in range(corpora):
            graph = simulate_forwards(seed, world)
            result = measure_mixing(graph, "location", MixingOptions(draws=0), relations=["forward"])
            row = result.matrix.filter((pl.col("unit") == "flow") & (pl.col("source_group") == "abroad")
                                       & (pl.col("target_group") == "inside")).row(0, named=True)
            y, n = channel_counts_of(graph)
            if abs(row["share"] - y.sum() / n.sum()) > 1e-12:
                raise SystemExit(f"seed {seed}: the mixing share {row['share']} is not Σy/Σn of the inside channels")
            for name, (lo, hi) in (("after", (row["lower"], row["upper"])), ("before", before(y, n))):
                hits[name] += lo <= world.rate <= hi
                below[name] += hi < world.rate
                widths[name].append(hi - lo)
        elapsed = time.perf_counter() - t
        for name in ("before", "after"):
            lo, hi = wilson_interval(np.array([hits[name]]), np.array([corpora]))
            label = "CR3, t(m−1) (before)" if name == "before" else "CR2, working-model q (after)"
            rows.append([f"{corpora:,} (seeds 0–{corpora - 1})", label,
                         f"{hits[name]}/{corpora} = {100 * hits[name] / corpora:.1f} %",
                         f"{100 * lo[0]:.1f}–{100 * hi[0]:.1f} %",
                         f"{100 * below[name] / corpora:.1f} % / "
                         f"{100 * (corpora - hits[name] - below[name]) / corpora:.1f} %",
                         f"{np.mean(widths[name]):.4f}", f"{elapsed:.0f} s (both)", _load()])
    title = (f"Coverage of the 95 % interval (true rate {world.rate}, {world.inside} inside / {world.abroad} abroad "
             f"channels, Beta concentration {world.concentration})")
    return print_table(title, ["corpora", "interval", "covered", "95 % CI of the coverage", "missed below / above",
                               "mean width", "time", "load"], rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--corpora", type=int, default=200)
    ap.add_argument("--louvain-max", type=int, default=20_000)
    ap.add_argument("--parts", default="libraries,null,coverage", help="comma-separated: libraries, null, coverage")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    if args.quick:
        if "libraries" in parts:
            libraries([(2_000, 10_000)], args.louvain_max)
        if "null" in parts:
            null_model([10_000], 100)
        if "coverage" in parts:
            coverage([20])
        return 0
    if "libraries" in parts:
        libraries([(2_000, 10_000), (20_000, 100_000), (200_000, 1_000_000)], args.louvain_max)
    if "null" in parts:
        null_model([10_000, 100_000], 1000)
    if "coverage" in parts:
        coverage(sorted({args.corpora, 1000}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
