"""Reuse benchmark: MinHash vs datasketch, end-to-end reuse at 100 k / 300 k / 1 M messages (2 workers),
and the all-pairs-within-1-hour baseline (coordination-network-toolkit's method) at 100 k messages. (Realistic
message lengths and stores of up to 10 M messages: bench/scale.py.)

``python bench/reuse.py [--quick]``; prints markdown tables for docs/benchmarks.md. Messages come from
tests/reuse/synthetic.py (random vocabulary, 15 % planted near-copies with Jaccard spread over 0–1).
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, sys.argv[3])
from tests.reuse.synthetic import synthetic_messages
synthetic_messages(int(sys.argv[1]), seed=11).write_parquet(sys.argv[2])
"""

E2E = """
import json, sys, time
import polars as pl
from narrascope.reuse.pipeline import ReuseOptions, find_reuse_frame
if __name__ == "__main__":
    t = time.perf_counter()
    df = pl.read_parquet(sys.argv[1])
    r = find_reuse_frame(df, ReuseOptions(workers=int(sys.argv[2])))
    print(json.dumps({"seconds": time.perf_counter() - t, "pairs": r.pairs.height, "cascades": r.cascades.height,
                      "timings": {**r.stats["timings"], **r.stats["stage_seconds"]}}))
"""


def minhash_vs_datasketch(n: int) -> list[list[object]]:
    from datasketch import MinHash

    from narrascope.reuse.minhash import signatures
    from narrascope.reuse.shingle import token_hashes, token_lists, word_shingles
    from narrascope.text.normalize import normalize_many
    from tests.reuse.synthetic import synthetic_messages

    df = synthetic_messages(n, seed=5)
    t = time.perf_counter()
    tokens = token_lists(normalize_many(df.get_column("text").to_arrow()))
    hashes, offsets = token_hashes(tokens)
    sets = word_shingles(hashes, offsets, 3)
    t_shingle = time.perf_counter() - t
    t = time.perf_counter()
    signatures(sets, 128, 1, workers=1)
    ours = time.perf_counter() - t
    subset = min(n, 20_000)
    batches = [[int(v).to_bytes(4, "little") for v in sets.row(i)] for i in range(subset)]
    t = time.perf_counter()
    MinHash.bulk(batches, num_perm=128)
    theirs = (time.perf_counter() - t) * n / subset
    shingles = int(sets.values.size)
    return [
        ["narrascope (numpy, 1 core)", f"{n:,}", f"{shingles:,}", f"{ours:.2f}", f"{n / ours:,.0f}", "1.0"],
        ["narrascope incl. normalise + shingle", f"{n:,}", f"{shingles:,}", f"{ours + t_shingle:.2f}",
         f"{n / (ours + t_shingle):,.0f}", "—"],
        [f"datasketch MinHash.bulk (measured on {subset:,})", f"{n:,}", f"{shingles:,}", f"{theirs:.2f}",
         f"{n / theirs:,.0f}", f"{ours / theirs:.3f} (×{theirs / ours:.0f} slower)"],
    ]


def window_baseline(n: int, threshold: float = 0.5) -> list[list[object]]:
    """All pairs within 1-hour windows by exact Jaccard (Python sets) vs the LSH pipeline, same shingles."""
    import numpy as np
    import polars as pl

    from narrascope.reuse.pipeline import ReuseOptions, find_reuse_frame
    from narrascope.reuse.shingle import char_shingles, token_hashes, token_lists, word_shingles
    from narrascope.text.normalize import normalize_many
    from tests.reuse.synthetic import synthetic_messages

    df = synthetic_messages(n, seed=13, locality=120)
    options = ReuseOptions(threshold=threshold, boilerplate=False, passage_min_tokens=10**9)
    t = time.perf_counter()
    result = find_reuse_frame(df, options)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    tokens = token_lists(normalize_many(df.get_column("text").to_arrow()))
    hashes, offsets = token_hashes(tokens)
    ntok = np.diff(offsets)
    everyone = np.arange(n)
    chars = char_shingles(tokens, options.char_ngram, everyone)
    words = word_shingles(hashes, offsets, options.word_ngram)
    cset = [set(chars.row(i).tolist()) for i in range(n)]
    wset = [set(words.row(i).tolist()) for i in range(n)]
    when = df.get_column("posted_at").dt.epoch("s").to_numpy()
    found: set[tuple[int, int]] = set()
    lo = 0
    for j in range(n):
        while when[j] - when[lo] > 3600:
            lo += 1
        for i in range(lo, j):
            short = min(ntok[i], ntok[j]) < options.short_tokens
            a, b = (cset[i], cset[j]) if short else (wset[i], wset[j])
            inter = len(a & b)
            if inter and inter / (len(a) + len(b) - inter) >= threshold:
                found.add((i, j))
    theirs = time.perf_counter() - t
    uid = {u: k for k, u in enumerate(df.get_column("uid").to_list())}
    pairs = result.pairs.filter(pl.col("relation").is_in(["near_duplicate", "copy"]))
    ours_pairs = {(uid[a], uid[b]) for a, b in zip(pairs["a_uid"], pairs["b_uid"], strict=True)}
    ours_window = {p for p in ours_pairs if when[p[1]] - when[p[0]] <= 3600}
    cascade = dict(zip(result.members["uid"].to_list(), result.members["cascade_id"].to_list(), strict=True))
    uids = df.get_column("uid").to_list()
    same_cascade = sum(1 for i, j in found if cascade.get(uids[i], -1) == cascade.get(uids[j], -2))
    return [[f"{n:,}", f"{len(found):,}", f"{len(ours_window):,}", f"{len(found & ours_window):,}",
             f"{same_cascade:,}", f"{theirs:.1f}", f"{ours:.1f}", f"{theirs / ours:.1f}×",
             f"{len(ours_pairs) - len(ours_window):,}"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmark runs")
    args = ap.parse_args()
    sizes = [10_000, 30_000] if args.quick else [100_000, 300_000, 1_000_000]
    print_table("MinHash signatures (128 permutations, word 3-grams)",
                ["implementation", "messages", "shingles", "seconds", "messages/s", "time ratio"],
                minhash_vs_datasketch(20_000 if args.quick else 200_000))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = str(Path(tmp) / f"messages_{n}.parquet")
            run_child(GENERATE, str(n), data, str(HERE.parent))
            m = run_child(E2E, data, "2")
            out = json.loads(m.output.strip().splitlines()[-1])
            stages = ", ".join(f"{k} {v:.1f}" for k, v in out["timings"].items())
            rows.append([f"{n:,}", f"{out['seconds']:.1f}", f"{n / out['seconds']:,.0f}",
                         f"{m.peak_rss_mb / 1024:.2f}", f"{out['pairs']:,}", f"{out['cascades']:,}", stages])
    print_table("End-to-end reuse, 2 workers (read the messages from Parquet + find_reuse_frame; peak RSS of that "
                "process, its worker threads included)",
                ["messages", "seconds", "messages/s", "peak RSS GB", "pairs", "cascades", "stage seconds"], rows)
    print_table("All pairs within 1-hour windows (exact Jaccard ≥ 0.5, Python sets) vs LSH pipeline",
                ["messages", "window pairs", "LSH pairs in window", "both", "window pairs in one cascade",
                 "window s", "LSH s", "speed ratio", "LSH pairs beyond 1 h"],
                window_baseline(10_000 if args.quick else 100_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
