"""Benchmark: the Spark engine (local[2]) against the embedded engine, and how Spark's work divides over partitions.

    python bench/spark.py [--messages 1000000] [--scale-messages 200000] [--partitions 1,2,4,8]
                          [--analyses frames,reuse,coordination] [--scale-analyses frames,reuse]
                          [--workdir /tmp/narrascope-bench-spark] [--quick]

1. A store of N synthetic messages (tests/engines/synthetic.py: Persian/English, frame terms in their variants,
   copies, forwards, rewrites) is built once and kept in ``--workdir``; its Parquet export is timed (the data
   movement the Spark engine adds).
2. **Engines at N messages**: each of ``--analyses`` (frames, reuse, coordination) with the embedded engine (2 threads
   or workers) and as a Spark job in ``local[2]`` on the export, each in a fresh child process: wall seconds and the
   peak RSS of the child's whole process tree (Python driver + JVM + Spark's Python workers; sampled every 0.2 s
   with psutil); both must give the same number of rows (hits, pairs, edges).
3. **Scaling**: each of ``--scale-analyses`` as a Spark job on a store of ``--scale-messages`` messages with the
   input repartitioned into 1, 2, 4, 8 partitions. Per-task executor run time comes from Spark's event log (no
   timing code in the job): the partitioned stages' summed task time should stay flat (the work only divides), the
   per-partition time fall as 1/p, and wall time fall until the two cores are busy. Task-seconds per million
   messages feed the paper estimate in docs/benchmarks.md.

The load average is printed with every timing: the machine is shared, so wall times move with other people's work;
task-seconds and ratios within one run are the numbers to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import print_table  # noqa: E402

# The analyses compared; "rows" is what both engines must agree on (frame hits, reuse pairs, coordination edges).
EMBEDDED = """
import json, sys, time
from narrascope import Corpus
from narrascope.coordination import CoordinationOptions, find_coordination
from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import match_corpus
from narrascope.reuse import ReuseOptions, find_reuse
analysis, db, lexicon = sys.argv[1:4]
t = time.perf_counter()
with Corpus.open(db, read_only=True) as corpus:
    if analysis == "frames":
        rows = match_corpus(corpus, load_lexicon(lexicon), workers=2).num_rows
    elif analysis == "reuse":
        rows = find_reuse(corpus, ReuseOptions(workers=2)).pairs.height
    else:
        options = CoordinationOptions(objects=("url", "text", "forward", "hashtags"), nulls=100, workers=2)
        rows = find_coordination(corpus, options).edges.height
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows}))
"""

SPARK = """
import json, sys, time
t0 = time.perf_counter()
from narrascope.coordination import CoordinationOptions
from narrascope.engines.spark.coordination import coordination_job
from narrascope.engines.spark.frames import frames_job
from narrascope.engines.spark.reuse import reuse_job
from narrascope.engines.spark.session import SparkOptions, spark_session
from narrascope.frames import load_lexicon
from narrascope.reuse import ReuseOptions
analysis, source, lexicon, out, ckpt, partitions, events = sys.argv[1:8]
conf = (("spark.eventLog.enabled", "true"), ("spark.eventLog.dir", events), ("spark.eventLog.compress", "false"),
        ("spark.eventLog.rolling.enabled", "false")) if events != "-" else ()
options = SparkOptions(master="local[2]", partitions=int(partitions) or None, slice_bytes=1 << 50, conf=conf)
spark = spark_session(options)
t1 = time.perf_counter()
if analysis == "frames":
    report = frames_job(spark, source, load_lexicon(lexicon), out, checkpoints=ckpt, options=options)
    rows = report.manifest.rows["frame_hits"]
elif analysis == "reuse":
    report = reuse_job(spark, source, out, ReuseOptions(), checkpoints=ckpt, spark_options=options)
    rows = report.manifest.rows["reuse_pairs"]
else:
    chosen = CoordinationOptions(objects=("url", "text", "forward", "hashtags"), nulls=100)
    report = coordination_job(spark, source, out, chosen, checkpoints=ckpt, spark_options=options)
    rows = report.manifest.rows["coordination_edges"]
t2 = time.perf_counter()
spark.stop()
print(json.dumps({"seconds": t2 - t0, "job_seconds": t2 - t1, "session_seconds": t1 - t0, "rows": rows}))
"""


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    with contextlib.suppress(psutil.NoSuchProcess):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
    return total


def run_tree(code: str, *args: str) -> dict[str, Any]:
    """Run ``python -c code args`` and measure wall time and the peak RSS of its whole process tree."""
    import psutil

    load_before = _load()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=err)
        proc = psutil.Process(child.pid)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code_ = child.wait()
        done.set()
        sampler.join()
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if code_ != 0:
            raise RuntimeError(f"benchmark step failed:\n{err.read().decode()[-3000:]}")
        result = json.loads(out.read().decode().strip().splitlines()[-1])
    return {**result, "wall": seconds, "peak_rss_mb": peak / 2**20, "load": f"{load_before} → {_load()}"}


def build_store(workdir: Path, messages: int) -> Path:
    """The synthetic store of ``messages`` messages (kept between runs)."""
    from tests.engines.synthetic import synthetic_store

    folder = workdir / f"store-{messages}"
    db = folder / "corpus.duckdb"
    if not db.exists():
        shutil.rmtree(folder, ignore_errors=True)
        t = time.perf_counter()
        synthetic_store(folder, messages)
        print(f"built {db} in {time.perf_counter() - t:.0f} s (load {_load()})", flush=True)
    return db


def export(db: Path, folder: Path) -> dict[str, Any]:
    from narrascope import Corpus
    from narrascope.engines import export_parquet

    load = _load()
    t = time.perf_counter()
    with Corpus.open(db, read_only=True) as corpus:
        manifest = export_parquet(corpus, folder, rows_per_file=500_000)
    seconds = time.perf_counter() - t
    size = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
    return {"seconds": seconds, "messages": manifest.messages, "mb": size / 1e6, "load": f"{load} → {_load()}"}


def task_times(events: Path) -> list[dict[str, Any]]:
    """Per stage: task count and executor run times (ms) from a Spark event log folder."""
    stages: dict[int, list[float]] = {}
    names: dict[int, str] = {}
    for log in (p for p in events.rglob("*") if p.is_file()):
        for line in log.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event.get("Event") == "SparkListenerTaskEnd":
                metrics = event.get("Task Metrics") or {}
                stages.setdefault(event["Stage ID"], []).append(metrics.get("Executor Run Time", 0) / 1000)
            elif event.get("Event") == "SparkListenerStageCompleted":
                names[event["Stage Info"]["Stage ID"]] = event["Stage Info"]["Stage Name"]
    return [{"stage": s, "name": names.get(s, ""), "tasks": len(t), "sum": sum(t), "max": max(t)}
            for s, t in sorted(stages.items())]


def _scaling_stage(analysis: str, stages: list[dict[str, Any]], p: int) -> dict[str, Any]:
    """The stages that do the analysis's per-partition work: frames, the repartitioned matching stage; reuse, every
    stage run with at least p tasks summed (the windows, self-joins and aggregations over the spilled rows, which
    are hash-partitioned into max(p, rows / 500,000) tasks)."""
    if analysis == "frames":
        return max((s for s in stages if s["tasks"] == p), key=lambda s: s["sum"])
    with_p = [s for s in stages if s["tasks"] >= p]
    return {"sum": sum(s["sum"] for s in with_p), "max": max((s["max"] for s in with_p), default=0.0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--scale-messages", type=int, default=200_000)
    ap.add_argument("--partitions", default="1,2,4,8")
    ap.add_argument("--analyses", default="frames,reuse,coordination", help="compared at --messages")
    ap.add_argument("--scale-analyses", default="frames,reuse", help="run with 1, 2, 4, 8 partitions")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/narrascope-bench-spark"))
    ap.add_argument("--quick", action="store_true", help="20,000 messages, partitions 1 and 2: checks the script runs")
    args = ap.parse_args()
    if args.quick:
        args.messages, args.scale_messages, args.partitions = 20_000, 20_000, "1,2"
    from narrascope.engines.spark.session import java_available, pyspark_available

    if not (pyspark_available() and java_available()):
        print("skipped: needs pyspark (pip install 'narrascope[spark]') and a Java runtime")
        return 0
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    from tests.engines.synthetic import write_lexicon

    lexicon = str(write_lexicon(work / "lexicon.yaml"))
    print(f"load average at start {_load()} on {os.cpu_count()} cores", flush=True)

    analyses = [a for a in args.analyses.split(",") if a]
    if analyses:
        db = build_store(work, args.messages)
        source = work / f"export-{args.messages}"
        moved = export(db, source)
        print_table(f"Parquet export of {moved['messages']:,} messages", ["seconds", "MB written", "load (1/5/15 min)"],
                    [[f"{moved['seconds']:.1f}", f"{moved['mb']:.0f}", moved["load"]]])
        table = []
        for analysis in analyses:
            local = run_tree(EMBEDDED, analysis, str(db), lexicon)
            ckpt = tempfile.mkdtemp(prefix="bench-spark-ckpt-")
            remote = run_tree(SPARK, analysis, str(source), lexicon, str(work / f"out-{analysis}"), ckpt, "0", "-")
            shutil.rmtree(ckpt, ignore_errors=True)
            assert local["rows"] == remote["rows"], (analysis, local, remote)
            print(f"{analysis}: embedded {json.dumps(local)}; spark {json.dumps(remote)}", flush=True)
            table += [[analysis, "embedded (2 threads/workers)", f"{local['wall']:.1f}", "—",
                       f"{local['peak_rss_mb']:,.0f}", f"{local['rows']:,}", local["load"]],
                      [analysis, "Spark local[2] (job on the export)", f"{remote['wall']:.1f}",
                       f"{remote['session_seconds']:.1f}", f"{remote['peak_rss_mb']:,.0f}", f"{remote['rows']:,}",
                       remote["load"]]]
        print_table(f"{args.messages:,} messages: embedded engine vs Spark local[2]",
                    ["analysis", "engine", "wall s", "of which session start s", "peak RSS MB (process tree)",
                     "rows (hits / pairs / edges)", "load (1/5/15 min) before → after"], table)

    db = build_store(work, args.scale_messages)
    source = work / f"export-{args.scale_messages}"
    if not (source / "_narrascope.json").exists():
        export(db, source)
    for analysis in [a for a in args.scale_analyses.split(",") if a]:
        rows = []
        for p in [int(x) for x in args.partitions.split(",")]:
            events = Path(tempfile.mkdtemp(prefix="bench-spark-events-"))
            ckpt = tempfile.mkdtemp(prefix="bench-spark-ckpt-")
            run = run_tree(SPARK, analysis, str(source), lexicon, str(work / f"out-{analysis}-p{p}"), ckpt, str(p),
                           str(events))
            stages = task_times(events)
            shutil.rmtree(events, ignore_errors=True)
            shutil.rmtree(ckpt, ignore_errors=True)
            work_stage = _scaling_stage(analysis, stages, p)
            per_core = work_stage["sum"] / args.scale_messages * 1e6
            total = sum(s["sum"] for s in stages)
            rows.append([p, f"{run['job_seconds']:.1f}", f"{work_stage['sum']:.1f}", f"{work_stage['sum'] / p:.1f}",
                         f"{work_stage['max']:.1f}", f"{per_core:.0f}", f"{total:.1f}", f"{run['peak_rss_mb']:,.0f}",
                         run["load"]])
            print(f"{analysis} partitions {p}: {json.dumps(run)}; stages {stages}", flush=True)
        print_table(f"Spark local[2] {analysis} job on {args.scale_messages:,} messages, input in p partitions",
                    ["p", "job wall s", "partitioned task-s (sum)", "per partition s (mean)", "slowest partition s",
                     "partitioned task-s per 1 M messages", "all task-s", "peak RSS MB (tree)",
                     "load (1/5/15 min) before → after"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
