"""Coordination benchmark: the co-action join against the two methods users have, the null worlds' cost, and the
test's statistics (level on corpora without planted coordination, power by intensity).

``python bench/coordination.py [--quick] [--parts exact,big,neardup,nulls,level,power] [--corpora 200]``; prints
markdown tables for docs/benchmarks.md. Parts:

Synthetic posts (tests/coordination/synthetic.py): one channel per 2,000 posts, 30 % of channels posting around a
popular hour, each post with a link (30 %), a copied text (15 %) or a forward (10 %) of that day, popularity
∝ 1/(rank + 20) over the day's objects; 365 days and n/2,000 objects a day at scale (about 75 posts a day on the
day's top link at 10 M posts), 90 days and n/10,000 objects a day in the comparison (so pairs co-act often).

- ``exact``: co-action on exact objects (url, text, forward; 60 s window) on the same synthetic posts by narrascope,
  by coordination-network-toolkit's method (an SQLite self-join within the window, written here after its published
  approach) and by CooRTweet's per-object self-join (written here in pandas); asserts the three edge sets (pairs and
  their distinct-object counts) are identical;
- ``big``: narrascope alone on 10 M posts (read from Parquet → edges): seconds and peak RSS;
- ``neardup``: near-duplicate co-action on 1 M messages via a reuse run's clusters;
- ``nulls``: 200 null worlds on 1 M posts with 2 workers;
- ``level``: corpora from the demo generator with no planted coordination: share with any reported group at
  α = 0.05, with its 95 % Wilson interval (aggregator and family tagged; and with the aggregator untagged);
- ``power``: corpora with the planted groups at several intensities: how often each group is found.

Timed steps run in child processes (peak RSS = that process's ru_maxrss; worker processes not added); the load
average is recorded before and after each, as the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import print_table, run_child  # noqa: E402

GENERATE = """
import sys
sys.path.insert(0, sys.argv[4])
from tests.coordination.synthetic import synthetic_posts
n, days, per_day = int(sys.argv[1]), int(sys.argv[5]), int(sys.argv[6])
data = synthetic_posts(n, max(50, n // 2000), days, seed=int(sys.argv[3]), urls_per_day=per_day)
data.messages.write_parquet(sys.argv[2])
"""

OURS = """
import json, sys, time
import polars as pl
from narrascope.coordination import CoordinationOptions, find_coordination_frame
if __name__ == "__main__":
    t = time.perf_counter()
    df = pl.read_parquet(sys.argv[1])
    r = find_coordination_frame(df, CoordinationOptions(objects=("url", "text", "forward"), window=60,
                                                        nulls=int(sys.argv[3]), workers=int(sys.argv[4])))
    seconds = time.perf_counter() - t
    if sys.argv[2] != "-":
        r.edges.select("actor_a", "actor_b", "weight").write_parquet(sys.argv[2])
    print(json.dumps({"seconds": seconds, "edges": r.edges.height, "actions": r.stats["actions"],
                      "candidates": r.stats["candidate_actions"], "timings": r.stats["timings"]}))
"""

ACTIONS = '''
def actions(path):
    """(actor, object, ts) rows from the synthetic columns: raw link, raw text, forward source + id."""
    import polars as pl
    df = pl.read_parquet(path)
    t = pl.col("posted_at").dt.epoch("s").alias("ts")
    urls = df.select(pl.col("channel_id").alias("actor"), pl.col("links").alias("object"), t).explode("object")
    texts = df.select(pl.col("channel_id").alias("actor"), ("x" + pl.col("text")).alias("object"), t)
    fwd = df.select(pl.col("channel_id").alias("actor"),
                    ("f" + pl.col("fwd_from_id") + "/" + pl.col("fwd_from_message_id")).alias("object"), t)
    return pl.concat([urls, texts, fwd]).drop_nulls().unique()
'''

CNT = ACTIONS + """
import json, sqlite3, sys, time
import polars as pl
if __name__ == "__main__":
    rows = actions(sys.argv[1])
    t = time.perf_counter()
    con = sqlite3.connect(sys.argv[3])
    con.execute("CREATE TABLE action (user_id TEXT, object TEXT, ts INTEGER)")
    con.executemany("INSERT INTO action VALUES (?, ?, ?)", rows.iter_rows())
    con.execute("CREATE INDEX action_object_ts ON action (object, ts)")
    # the toolkit's co-link/co-retweet query shape: a self-join on the object within the time window
    result = con.execute(
        "SELECT a.user_id, b.user_id, count(DISTINCT a.object) FROM action a JOIN action b "
        "ON b.object = a.object AND b.ts BETWEEN a.ts - 60 AND a.ts + 60 "
        "WHERE a.user_id < b.user_id GROUP BY a.user_id, b.user_id").fetchall()
    seconds = time.perf_counter() - t
    pl.DataFrame(result, schema=["actor_a", "actor_b", "weight"], orient="row").write_parquet(sys.argv[2])
    print(json.dumps({"seconds": seconds, "edges": len(result)}))
"""

COORTWEET = ACTIONS + """
import json, sys, time
import pandas as pd
if __name__ == "__main__":
    rows = actions(sys.argv[1]).to_pandas()
    t = time.perf_counter()
    # CooRTweet: join the shares of each object with themselves, keep pairs of accounts within the time window
    pairs = rows.merge(rows, on="object", suffixes=("_a", "_b"))
    pairs = pairs[(pairs.actor_a < pairs.actor_b) & ((pairs.ts_a - pairs.ts_b).abs() <= 60)]
    edges = pairs.groupby(["actor_a", "actor_b"]).object.nunique().rename("weight").reset_index()
    seconds = time.perf_counter() - t
    edges.to_parquet(sys.argv[2])
    print(json.dumps({"seconds": seconds, "edges": len(edges), "joined_rows": int(len(pairs))}))
"""

REUSE_GENERATE = """
import sys
sys.path.insert(0, sys.argv[3])
from tests.reuse.synthetic import synthetic_messages
# messages a minute apart; a derived message rewrites one of the 60 before it (bursts of near-copies)
synthetic_messages(int(sys.argv[1]), seed=11, locality=60).write_parquet(sys.argv[2])
"""

REUSE_RUN = """
import json, sys, time
import polars as pl
from narrascope.reuse.pipeline import ReuseOptions, find_reuse_frame
if __name__ == "__main__":
    t = time.perf_counter()
    df = pl.read_parquet(sys.argv[1])
    r = find_reuse_frame(df, ReuseOptions(workers=2))
    r.members.select("uid", pl.col("cascade_id").alias("cluster")).write_parquet(sys.argv[2])
    print(json.dumps({"seconds": time.perf_counter() - t, "clustered": r.members.height}))
"""

NEARDUP = """
import json, sys, time
import polars as pl
from narrascope.coordination import CoordinationOptions, find_coordination_frame
if __name__ == "__main__":
    t = time.perf_counter()
    df = pl.read_parquet(sys.argv[1])
    clusters = pl.read_parquet(sys.argv[2])
    r = find_coordination_frame(df, CoordinationOptions(objects=("near_duplicate",), window=3600, nulls=0),
                                clusters=clusters)
    print(json.dumps({"seconds": time.perf_counter() - t, "edges": r.edges.height, "actions": r.stats["actions"],
                      "timings": r.stats["timings"]}))
"""


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def exact(n: int, tmp: Path) -> list[list[object]]:
    import polars as pl

    data = tmp / f"posts_{n}.parquet"
    run_child(GENERATE, str(n), str(data), "5", str(HERE.parent), "90", str(max(20, n // 10_000)))
    rows, frames = [], {}
    for name, code, extra in (("narrascope (sorted range self-join, numpy)", OURS, ["0", "1"]),
                              ("coordination-network-toolkit method (SQLite self-join)", CNT, [str(tmp / "cnt.db")]),
                              ("CooRTweet method (per-object self-join, pandas)", COORTWEET, [])):
        out_path = tmp / f"edges_{len(frames)}.parquet"
        before = _load()
        m = run_child(code, str(data), str(out_path), *extra)
        result = json.loads(m.output.strip().splitlines()[-1])
        frames[name] = pl.read_parquet(out_path).select("actor_a", "actor_b", pl.col("weight").cast(pl.Int64)).sort(
            "actor_a", "actor_b")
        rows.append([name, f"{n:,}", f"{result['seconds']:.2f}", f"{m.seconds:.1f}", f"{m.peak_rss_mb:,.0f}",
                     f"{result['edges']:,}", f"{before} → {_load()}"])
    reference = next(iter(frames.values()))
    for name, frame in frames.items():
        assert frame.equals(reference), f"{name}: edge set differs from narrascope's"
    base = float(rows[0][2])
    for r in rows:
        r.insert(3, f"{float(r[2]) / base:.1f}×")
    return rows


def big(n: int, tmp: Path) -> list[list[object]]:
    data = tmp / f"posts_{n}.parquet"
    t = time.perf_counter()
    run_child(GENERATE, str(n), str(data), "7", str(HERE.parent), "365", str(max(200, n // 2000)))
    generated = time.perf_counter() - t
    before = _load()
    m = run_child(OURS, str(data), "-", "0", "1")
    out = json.loads(m.output.strip().splitlines()[-1])
    stages = ", ".join(f"{k} {v:.1f}" for k, v in out["timings"].items())
    return [[f"{n:,}", f"{out['actions']:,}", f"{out['candidates']:,}", f"{out['edges']:,}", f"{out['seconds']:.1f}",
             f"{m.peak_rss_mb / 1024:.2f}", stages, f"{generated:.0f}", f"{before} → {_load()}"]]


def neardup(n: int, tmp: Path) -> list[list[object]]:
    data, clusters = tmp / f"reuse_{n}.parquet", tmp / f"clusters_{n}.parquet"
    run_child(REUSE_GENERATE, str(n), str(data), str(HERE.parent))
    before = _load()
    reuse = run_child(REUSE_RUN, str(data), str(clusters))
    reuse_out = json.loads(reuse.output.strip().splitlines()[-1])
    mid = _load()
    m = run_child(NEARDUP, str(data), str(clusters))
    out = json.loads(m.output.strip().splitlines()[-1])
    return [[f"{n:,}", f"{reuse_out['clustered']:,}", f"{reuse_out['seconds']:.1f}", f"{out['seconds']:.1f}",
             f"{out['edges']:,}", f"{m.peak_rss_mb / 1024:.2f}", f"{before} → {mid} → {_load()}"]]


def nulls(n: int, worlds: int, tmp: Path) -> list[list[object]]:
    data = tmp / f"posts_{n}.parquet"
    if not data.exists():
        run_child(GENERATE, str(n), str(data), "9", str(HERE.parent), "365", str(max(200, n // 2000)))
    rows = []
    for workers in (1, 2):
        before = _load()
        m = run_child(OURS, str(data), "-", str(worlds), str(workers))
        out = json.loads(m.output.strip().splitlines()[-1])
        rows.append([f"{n:,}", f"{worlds}", f"{workers}", f"{out['candidates']:,}", f"{out['edges']:,}",
                     f"{out['timings']['nulls']:.1f}", f"{out['seconds']:.1f}", f"{m.peak_rss_mb / 1024:.2f}",
                     f"{before} → {_load()}"])
    return rows


def _corpus(args: tuple[int, float, tuple[str, ...], int]) -> dict[str, object]:
    """Run one demo corpus: which planted groups were found, and whether any group was reported."""
    import polars as pl

    from narrascope.coordination import CoordinationOptions, find_coordination_frame
    from narrascope.demo import DemoConfig
    from narrascope.demo.records import demo_messages

    seed, intensity, exclude, messages = args
    frame, stream = demo_messages(DemoConfig(seed=seed, messages=messages, coordination=intensity, html_channels=0))
    attributes = pl.DataFrame([{"channel_id": s.channel_id, "type": s.channel_type, "owner": s.owner}
                               for s in stream.channels])
    result = find_coordination_frame(frame, CoordinationOptions(nulls=200, exclude_by=exclude), attributes=attributes)
    groups = result.groups.filter(pl.col("significant")) if result.groups.height else result.groups
    found = [set(m) for m in groups["members"].to_list()] if groups.height else []
    planted = {g["id"]: set(g["channel_ids"]) for g in stream.cast.truth()["groups"]}
    exact = {gid: any(f == members for f in found) for gid, members in planted.items()}
    return {"any": bool(found), "exact": exact}


def _map(jobs: list[tuple[int, float, tuple[str, ...], int]]) -> list[dict[str, object]]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_corpus, jobs, chunksize=2))


def level(corpora: int, messages: int) -> list[list[object]]:
    from narrascope.stats.intervals import wilson_interval

    rows = []
    for label, exclude in (("aggregator and family tagged (type=aggregator, owner)", ("type=aggregator", "owner")),
                           ("family tagged (owner); aggregator left to the symmetry filter", ("owner",))):
        before, t = _load(), time.perf_counter()
        out = _map([(seed, 0.0, exclude, messages) for seed in range(10_000, 10_000 + corpora)])
        hits = sum(bool(o["any"]) for o in out)
        lo, hi = wilson_interval(hits, corpora)
        rows.append([label, f"{corpora}", f"{hits}", f"{hits / corpora:.3f}", f"{float(lo):.3f}–{float(hi):.3f}",
                     f"{time.perf_counter() - t:.0f}", f"{before} → {_load()}"])
    return rows


def power(corpora: int, messages: int, intensities: list[float]) -> list[list[object]]:
    from narrascope.demo.cast import GROUPS
    from narrascope.stats.intervals import wilson_interval

    rows = []
    for intensity in intensities:
        out = _map([(seed, intensity, ("owner",), messages) for seed in range(20_000, 20_000 + corpora)])
        row: list[object] = [f"{intensity:g}"]
        for g in GROUPS:
            k = sum(bool(o["exact"][g.id]) for o in out)  # type: ignore[index]
            lo, hi = wilson_interval(k, corpora)
            rate = g.events_per_month * intensity * messages / 6000
            row.append(f"{rate:.2f}/month: {k / corpora:.2f} ({float(lo):.2f}–{float(hi):.2f})")
        rows.append(row)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmark runs")
    ap.add_argument("--parts", default="exact,big,neardup,nulls,level,power")
    ap.add_argument("--corpora", type=int, default=200, help="corpora for the level (and, /5, power) study")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    q = args.quick
    with tempfile.TemporaryDirectory(prefix="narrascope-bench-coordination-") as name:
        tmp = Path(name)
        if "exact" in parts:
            print_table("Co-action on exact objects (url, text, forward; 60 s window): identical edge sets",
                        ["method", "posts", "seconds (join)", "time ratio", "seconds (process)", "peak RSS MB",
                         "edges", "load 1/5/15 min"], exact(20_000 if q else 200_000, tmp))
        if "big" in parts:
            print_table("narrascope co-action at scale (read Parquet → edges; nulls 0)",
                        ["posts", "actions", "candidate actions", "edges", "seconds", "peak RSS GB", "stage seconds",
                         "generation s", "load 1/5/15 min"], big(200_000 if q else 10_000_000, tmp))
        if "neardup" in parts:
            print_table("Near-duplicate co-action via reuse clusters (reuse run with 2 workers, then coordination with "
                        "a 1 h window)",
                        ["messages", "clustered messages", "reuse seconds", "coordination seconds", "edges",
                         "peak RSS GB (coordination)", "load 1/5/15 min"], neardup(30_000 if q else 1_000_000, tmp))
        if "nulls" in parts:
            print_table("Null worlds (url, text, forward; 60 s window)",
                        ["posts", "null worlds", "workers", "candidate actions", "edges", "null seconds",
                         "total seconds", "peak RSS GB", "load 1/5/15 min"],
                        nulls(50_000 if q else 1_000_000, 20 if q else 200, tmp))
    if "level" in parts:
        n, messages = (10 if q else args.corpora), 3000
        print_table(f"Level: demo corpora without planted coordination ({messages} base posts each, 200 null "
                    "worlds, α = 0.05): share with any reported group, 95 % Wilson interval",
                    ["tags", "corpora", "with a group", "share", "95 % interval", "seconds", "load 1/5/15 min"],
                    level(n, messages))
    if "power" in parts:
        from narrascope.demo.cast import GROUPS

        messages = 3000 if q else 6000
        n = 4 if q else max(10, args.corpora // 5)
        intensities = [0.1, 1.0] if q else [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0]
        print_table(f"Power: share of {n} demo corpora where each planted group is found exactly (its members, "
                    "no more, no fewer), by campaign rate; 95 % Wilson intervals",
                    ["intensity", *[f"group {g.id} ({len(g.members)} channels, within {g.spread_s} s)"
                                    for g in GROUPS]], power(n, messages, intensities))
    return 0


if __name__ == "__main__":
    sys.exit(main())
