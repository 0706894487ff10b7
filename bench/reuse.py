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
from typing import Any

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
    print(json.dumps({"seconds": time.perf_counter() - t, "messages": df.height, "members": r.members.height,
                      "pairs": r.pairs.height, "cascades": r.cascades.height,
                      "timings": {**r.stats["timings"], **r.stats["stage_seconds"]}}))
"""


def _perturbed(sets: Any, rng: Any, docs: int) -> tuple[Any, Any]:
    """For the first ``docs`` sets A_i: B_i = A_i with a random share of its shingles replaced by fresh hashes, and
    the exact J(A_i, B_i)."""
    import numpy as np

    from narrascope.reuse.shingle import ShingleSets

    rows, exact = [], []
    for i in range(docs):
        a = sets.row(i)
        keep = a[rng.random(a.size) >= rng.uniform(0.0, 0.8)]
        fresh = rng.integers(0, 2**32, size=a.size - keep.size, dtype=np.uint64).astype(np.uint32)
        b = np.unique(np.concatenate([keep, fresh]))
        rows.append(b)
        union = np.union1d(a, b).size
        exact.append(np.intersect1d(a, b).size / union if union else 1.0)
    offsets = np.zeros(docs + 1, dtype=np.int64)
    np.cumsum([r.size for r in rows], out=offsets[1:])
    values = np.concatenate(rows) if rows else np.zeros(0, np.uint32)
    return ShingleSets(values.astype(np.uint32), offsets), np.array(exact)


def minhash_vs_datasketch(n: int, repeat: int) -> list[list[object]]:
    """Both implementations get the same input — the same 32-bit shingle hashes of the same documents (datasketch
    with an identity hash function instead of SHA-1 over bytes) — and the same number of runs (best kept). Their
    hash families differ (multiply-shift vs a Mersenne-prime modulus), so signatures cannot match component by
    component; what must match is what they estimate: on pairs with a known Jaccard similarity, both estimates
    must lie within 5 standard errors of it and err alike on average. The script exits with an error otherwise."""
    import numpy as np
    from datasketch import MinHash

    from narrascope.reuse.minhash import estimate_jaccard, signatures
    from narrascope.reuse.shingle import token_hashes, token_lists, word_shingles
    from narrascope.text.normalize import normalize_many
    from tests.reuse.synthetic import synthetic_messages

    df = synthetic_messages(n, seed=5)
    t = time.perf_counter()
    tokens = token_lists(normalize_many(df.get_column("text").to_arrow()))
    hashes, offsets = token_hashes(tokens)
    sets = word_shingles(hashes, offsets, 3)
    t_shingle = time.perf_counter() - t
    assert sets.n_docs == n, (sets.n_docs, n)
    rows = [sets.row(i) for i in range(n)]  # datasketch's input: the same uint32 hashes, one array per document

    def best(fn: Any) -> tuple[float, float, Any]:
        """(best wall seconds, best CPU seconds, output): both run in this one thread, so CPU time is what other
        load on a shared machine does not inflate."""
        seconds, cpu, out = float("inf"), float("inf"), None
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            seconds, cpu = min(seconds, time.perf_counter() - t), min(cpu, time.process_time() - c)
        return seconds, cpu, out

    ours, ours_cpu, sig = best(lambda: signatures(sets, 128, 1, workers=1))
    theirs, theirs_cpu, minhashes = best(lambda: MinHash.bulk(rows, num_perm=128, hashfunc=int))
    assert sig.shape == (n, 128) and len(minhashes) == n, (sig.shape, len(minhashes))
    # the estimates on pairs with known similarity
    pairs = min(n, 2000)
    other, exact = _perturbed(sets, np.random.default_rng(3), pairs)
    ours_j = estimate_jaccard(sig[:pairs], signatures(other, 128, 1, workers=1))
    theirs_j = np.array([minhashes[i].jaccard(m) for i, m in
                         enumerate(MinHash.bulk([other.row(i) for i in range(pairs)], num_perm=128, hashfunc=int))])
    se = np.sqrt(np.maximum(exact * (1 - exact), 1 / 128) / 128)
    for name, est in (("narrascope", ours_j), ("datasketch", theirs_j)):
        worst = float(np.max(np.abs(est - exact) / se))
        if worst > 5:
            raise SystemExit(f"{name}'s MinHash estimate is {worst:.1f} standard errors off a known Jaccard similarity")
    err_ours, err_theirs = float(np.mean(np.abs(ours_j - exact))), float(np.mean(np.abs(theirs_j - exact)))
    if abs(err_ours - err_theirs) > 0.25 * max(err_ours, err_theirs):
        raise SystemExit(f"mean |estimate − Jaccard|: narrascope {err_ours:.4f}, datasketch {err_theirs:.4f}")
    print(f"same input (uint32 shingle hashes of {n:,} messages), best of {repeat} runs each; on {pairs:,} pairs of "
          f"known Jaccard similarity the mean |estimate − J| is {err_ours:.4f} (narrascope) and {err_theirs:.4f} "
          f"(datasketch), expected {float(np.mean(se)) * 0.8:.4f}")
    shingles = int(sets.values.size)
    return [
        ["narrascope (numpy, 1 core)", f"{n:,}", f"{shingles:,}", f"{ours:.2f}", f"{ours_cpu:.2f}",
         f"{n / ours_cpu:,.0f}", "1.0"],
        ["narrascope incl. normalise + shingle", f"{n:,}", f"{shingles:,}", f"{ours + t_shingle:.2f}", "—",
         "—", "—"],
        ["datasketch MinHash.bulk (same hashes)", f"{n:,}", f"{shingles:,}", f"{theirs:.2f}", f"{theirs_cpu:.2f}",
         f"{n / theirs_cpu:,.0f}", f"{theirs_cpu / ours_cpu:.1f}× narrascope's CPU time"],
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
    # LSH verifies its candidates on the same shingles: whatever it reports within the window is a true pair, and
    # it finds the pairs at or above the threshold with the recall it was configured for (0.95 at the threshold)
    if not ours_window <= found:
        raise SystemExit(f"{len(ours_window - found)} LSH pair(s) within 1 h are below the threshold by exact Jaccard")
    if not found or len(found & ours_window) < 0.85 * len(found):
        raise SystemExit(f"LSH found {len(found & ours_window):,} of the {len(found):,} exact window pairs (< 85 %)")
    if same_cascade < 0.95 * len(found):  # pairs LSH missed are mostly joined through a third message
        raise SystemExit(f"only {same_cascade:,} of the {len(found):,} exact window pairs share a cascade (< 95 %)")
    return [[f"{n:,}", f"{len(found):,}", f"{len(ours_window):,}", f"{len(found & ours_window):,}",
             f"{same_cascade:,}", f"{theirs:.1f}", f"{ours:.1f}", f"{theirs / ours:.1f}×",
             f"{len(ours_pairs) - len(ours_window):,}"]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmark runs")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each MinHash implementation (best kept)")
    args = ap.parse_args()
    sizes = [5_000] if args.quick else [100_000, 300_000, 1_000_000]
    print_table("MinHash signatures (128 permutations, word 3-grams; best of --repeat runs each)",
                ["implementation", "messages", "shingles", "wall s", "CPU s", "messages per CPU s", "CPU ratio"],
                minhash_vs_datasketch(5_000 if args.quick else 200_000, args.repeat))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = str(Path(tmp) / f"messages_{n}.parquet")
            run_child(GENERATE, str(n), data, str(HERE.parent))
            m = run_child(E2E, data, "2")
            out = json.loads(m.output.strip().splitlines()[-1])
            # counts: every message was read, and planted near-copies were found (15 % are copies, a third of
            # them at Jaccard ≥ 0.5)
            assert out["messages"] == n, (out["messages"], n)
            assert 0.02 * n < out["pairs"] and 0 < out["cascades"] <= out["members"] <= n, out
            stages = ", ".join(f"{k} {v:.1f}" for k, v in out["timings"].items())
            rows.append([f"{n:,}", f"{out['seconds']:.1f}", f"{n / out['seconds']:,.0f}",
                         f"{m.peak_rss_mb / 1024:.2f}", f"{out['pairs']:,}", f"{out['cascades']:,}", stages])
    print_table("End-to-end reuse, 2 workers (read the messages from Parquet + find_reuse_frame; peak RSS of that "
                "process, its worker threads included)",
                ["messages", "seconds", "messages/s", "peak RSS GB", "pairs", "cascades", "stage seconds"], rows)
    print_table("All pairs within 1-hour windows (exact Jaccard ≥ 0.5, Python sets) vs LSH pipeline",
                ["messages", "window pairs", "LSH pairs in window", "both", "window pairs in one cascade",
                 "window s", "LSH s", "speed ratio", "LSH pairs beyond 1 h"],
                window_baseline(5_000 if args.quick else 100_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
