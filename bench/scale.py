"""Scale benchmark: reuse and frames over stores of realistic messages (bench/_corpus.py) at growing sizes.

    python bench/scale.py [--sizes 100000,1000000,10000000] [--workdir /tmp/narrascope-scale] [--workers 2]

For each size the store is generated and ingested once (kept in ``--workdir`` and reused by later runs; the
ingest is not timed here, bench/ingest.py measures it). Then, each in a fresh child process:

* **reuse** — ``find_reuse(corpus, ReuseOptions(workers=W), refresh=True)``: the store streamed in document order,
  spill files beside the store, the six result tables saved in one transaction;
* **frames** — ``frame_shares(corpus, lexicon, by=("channel", "month"))`` on the read-only store: every text
  matched (streamed), shares with Wilson intervals per channel-month.

Reported: wall seconds, CPU seconds (all threads: the measure least disturbed by other work on a shared
machine), both per message, the ratio of per-message cost to the smallest size (flat = near-linear time), and
peak RSS of the child (``wait4`` rusage, threads included). The load average is printed with every run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import print_table, run_child  # noqa: E402

REUSE = """
import json, sys, time
from narrascope import Corpus
from narrascope.reuse import ReuseOptions, find_reuse
if __name__ == "__main__":
    t, c = time.perf_counter(), time.process_time()
    with Corpus.open(sys.argv[1]) as corpus:
        r = find_reuse(corpus, ReuseOptions(workers=int(sys.argv[2])), refresh=True)
    relations = dict(r.pairs.group_by("relation").len().iter_rows())
    print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "pairs": r.pairs.height,
                      "cascades": r.cascades.height, "relations": relations, "stages": r.stats["timings"],
                      "stage_cpu": r.stats["cpu_seconds"], "spill_mb": r.stats["workspace_files_mb"]}))
"""

FRAMES = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from _corpus import lexicon
from narrascope import Corpus
from narrascope.frames.prevalence import frame_shares
if __name__ == "__main__":
    lex = lexicon()
    t, c = time.perf_counter(), time.process_time()
    with Corpus.open(sys.argv[1], read_only=True) as corpus:
        shares = frame_shares(corpus, lex, by=("channel", "month"))
    carrying = shares.filter(shares["frame"] == "any frame")
    print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "cells": shares.height,
                      "messages": int(carrying["n"].sum()), "carrying": int(carrying["k"].sum())}))
"""


def store_for(n: int, workdir: Path) -> Path:
    """The store of ``n`` realistic messages, generated and ingested on first use."""
    from _corpus import build_store, generate

    from narrascope import Corpus

    db = workdir / f"realistic-{n}.duckdb"
    done = workdir / f"realistic-{n}.ready"
    if done.exists() and db.exists():
        with Corpus.open(db):  # brings a store built by an older version to the current schema (frames reads it
            pass               # read-only, which cannot migrate)
        return db
    db.unlink(missing_ok=True)
    parts = workdir / f"realistic-{n}-parquet"
    t = time.perf_counter()
    paths = generate(n, parts)
    print(f"generated {n:,} messages in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    build_store(paths, db)
    print(f"loaded them in {time.perf_counter() - t:.0f} s (bulk load, see _corpus.build_store): {db}", flush=True)
    for p in paths:
        p.unlink()
    parts.rmdir()
    done.write_text(str(n))
    return db


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000", help="comma-separated message counts")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/narrascope-scale"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip", default="", help="comma-separated steps to skip: reuse, frames")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    rows: dict[str, list[list[object]]] = {"reuse": [], "frames": []}
    base: dict[str, tuple[float, float]] = {}
    for n in sizes:
        db = store_for(n, args.workdir)
        for step, code, extra in (("reuse", REUSE, [str(args.workers)]), ("frames", FRAMES, ["x", str(HERE)])):
            if step in skip:
                continue
            before = load()
            m = run_child(code, str(db), *extra)
            out = json.loads(m.output.strip().splitlines()[-1])
            per_wall, per_cpu = m.seconds / n * 1e6, out["cpu"] / n * 1e6
            base.setdefault(step, (per_wall, per_cpu))
            detail = (f"{out['pairs']:,} pairs, {out['cascades']:,} cascades, spill {out['spill_mb']:,.0f} MB; "
                      + ", ".join(f"{k} {v:,}" for k, v in sorted(out["relations"].items()))
                      if step == "reuse" else f"{out['cells']:,} cells, {out['carrying']:,} of "
                      f"{out['messages']:,} messages carry a frame")
            rows[step].append([f"{n:,}", f"{m.seconds:,.1f}", f"{out['cpu']:,.1f}", f"{per_wall:,.0f}",
                               f"{per_cpu:,.0f}", f"{per_cpu / base[step][1]:.2f}×", f"{m.peak_rss_mb / 1024:.2f}",
                               f"{before} → {load()}", detail])
            print(f"{step} {n:,}: {json.dumps(out)}", flush=True)
    header = ["messages", "wall s", "CPU s", "wall µs/msg", "CPU µs/msg", "CPU per msg vs smallest",
              "peak RSS GB", "load 1/5/15 min (before → after)", "result"]
    for step in ("reuse", "frames"):
        if rows[step]:
            print_table(f"{step} on realistic stores, {args.workers} workers", header, rows[step])
    return 0


if __name__ == "__main__":
    sys.exit(main())
