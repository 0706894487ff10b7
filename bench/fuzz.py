"""bench/fuzz: the larger fault-injection campaign of issue 15, plus what the guards cost.

    python bench/fuzz.py [--per-pair 3] [--workdir /tmp/narrascope-bench-fuzz] [--quick]

1. Fuzzing: every reader's seed (tests/fuzz/seeds.py) under every mutation class (tests/fuzz/mutate.py), ``--per-pair``
   seeded cases each, a share under odd file names, through ``narrascope ingest`` in-process. Every case must exit
   0 or 2 (never 1, never a hang), refuse in one line, and leave the store unchanged when refused; the table counts
   outcomes per mutation class and lists any case that broke a rule (there must be none).
2. Memory: a 226 KB file nested 100,000 deep, in each JSON-based format, ingested by a child process: exit code and
   peak RSS (it once reached 24 GB).
3. Cost of the guards: a Desktop JSON export parsed by ijson straight from the file and through the reader that
   repairs escapes, repairs lone surrogates and limits depth, in the same process (a ratio, robust to load).
4. Regex lexicons at the limit: compile and first scan of 100 and 300 regex terms (the most a lexicon may hold).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_child  # noqa: E402

from tests.fuzz.harness import cases, run_case  # noqa: E402


def campaign(workdir: Path, per_pair: int) -> None:
    root = workdir / "fuzz"
    shutil.rmtree(root, ignore_errors=True)
    by_class: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    seconds: list[float] = []
    broken: list[str] = []
    started = time.perf_counter()
    for case in cases(per_pair, rng_seed=1132, odd_name_share=0.1):
        outcome = run_case(case, root)
        if outcome.skipped:
            continue
        counts = by_class[case.mutator]
        counts["cases"] += 1
        counts[f"exit {outcome.code}"] += 1
        counts["odd names"] += bool(case.odd_name)
        seconds.append(outcome.seconds)
        if outcome.problems:
            counts["broken"] += 1
            broken += [f"{case.label}: {p}" for p in outcome.problems]
    total = time.perf_counter() - started
    rows = [[m, c["cases"], c["exit 0"], c["exit 2"], c["odd names"], c["broken"]] for m, c in sorted(by_class.items())]
    rows.append(["**all**", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                 sum(r[4] for r in rows), sum(r[5] for r in rows)])
    print_table(f"Fuzzing: {rows[-1][1]:,} mutated inputs, every reader ({total:.0f} s, median "
                f"{statistics.median(seconds) * 1000:.0f} ms and max {max(seconds):.1f} s per ingest; "
                f"load {os.getloadavg()[0]:.1f})",
                ["mutation", "cases", "exit 0 (read)", "exit 2 (one line)", "odd file names", "rules broken"], rows)
    for line in broken:
        print("BROKEN", line)


_DEEP = """
import sys
from narrascope.cli import main
try:
    code = main(["ingest", sys.argv[1], "--db", sys.argv[2], "--no-progress"])
except SystemExit as exc:
    code = exc.code
with open("/proc/self/status") as fh:
    peak_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
print(code, peak_kb)
"""


def memory(workdir: Path) -> None:
    from tests.ingest.test_hostile_inputs import _deep_files

    folder = workdir / "deep"
    shutil.rmtree(folder, ignore_errors=True)
    rows = []
    baseline = workdir / "baseline" / "result.json"
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_text(json.dumps({"name": "c", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "one message"}]}))
    # The child's own peak (VmHWM): ru_maxrss, which run_child reports, keeps the size of the forking parent — this
    # process, grown by the fuzzing above — across exec.
    m = run_child(_DEEP, str(baseline), str(workdir / "deep-baseline.duckdb"))
    code, peak_kb = m.output.strip().splitlines()[-1].split()
    rows.append(["(baseline: a valid one-message export)", f"{baseline.stat().st_size} B", code,
                 f"{m.seconds:.1f}", f"{int(peak_kb) / 1024:.0f}"])
    for fmt, path in _deep_files(folder, 100_000).items():
        m = run_child(_DEEP, str(path), str(workdir / f"deep-{fmt}.duckdb"))
        code, peak_kb = m.output.strip().splitlines()[-1].split()
        rows.append([fmt, f"{path.stat().st_size / 1024:.0f} KB", code, f"{m.seconds:.1f}",
                     f"{int(peak_kb) / 1024:.0f}"])
    print_table(f"A file nested 100,000 deep (load {os.getloadavg()[0]:.1f})",
                ["format", "size", "exit code", "seconds", "peak RSS MB"], rows)


def guard_cost(workdir: Path, messages: int) -> None:
    import ijson

    from narrascope.ingest.json_stream import BUF_SIZE, FixingReader

    rng = random.Random(7)
    words = ["خبر", "امروز", "گزارش", "report", "today", "people", "😀", "\n", "«نقل»"]
    msgs = [{"id": i, "type": "message", "date_unixtime": str(1_700_000_000 + i), "from": "Channel",
             "from_id": "channel1", "text": [" ".join(rng.choices(words, k=30)), {"type": "link", "text": "https://x"}],
             "text_entities": [{"type": "plain", "text": "x"}]} for i in range(messages)]
    path = workdir / "guard.json"
    path.write_text(json.dumps({"name": "c", "type": "public_channel", "id": 1, "messages": msgs},
                               ensure_ascii=True, indent=1))
    size_mb = path.stat().st_size / 1e6

    def plain() -> int:
        with path.open("rb") as fh:
            return sum(1 for _ in ijson.items(fh, "messages.item", buf_size=BUF_SIZE))

    def guarded() -> int:
        with path.open("rb") as fh:
            return sum(1 for _ in ijson.items(FixingReader(fh), "messages.item", buf_size=BUF_SIZE))

    timings: dict[str, list[float]] = {"ijson on the file": [], "ijson through FixingReader": []}
    for _ in range(3):  # interleaved, best of three: the ratio survives other jobs on the machine
        for name, fn in (("ijson on the file", plain), ("ijson through FixingReader", guarded)):
            t0 = time.perf_counter()
            assert fn() == messages
            timings[name].append(time.perf_counter() - t0)
    base = min(timings["ijson on the file"])
    rows = [[name, f"{min(t):.2f}", f"{size_mb / min(t):.0f}", f"{min(t) / base:.2f}"] for name, t in timings.items()]
    print_table(f"Cost of the guards: {size_mb:.0f} MB Desktop JSON (ensure_ascii, emoji as surrogate pairs; load "
                f"{os.getloadavg()[0]:.1f})", ["parse", "seconds (best of 3)", "MB/s", "× plain"], rows)
    path.unlink()


def regex_limit() -> None:
    import pyarrow as pa

    from narrascope.frames.lexicon import parse_lexicon_yaml
    from narrascope.frames.match import Matcher

    texts = pa.array([f"word{i}testing and more words {i}" for i in range(2000)])
    rows = []
    for n in (100, 300):
        terms = "\n".join(f"        - regex: 'word{i}[a-z]+ing'" for i in range(n))
        t0 = time.perf_counter()
        lexicon = parse_lexicon_yaml(f"frames:\n  - id: f\n    terms:\n      en:\n{terms}\n")
        t1 = time.perf_counter()
        Matcher(lexicon).scan(texts)
        t2 = time.perf_counter()
        rows.append([n, f"{t1 - t0:.1f}", f"{t2 - t1:.1f}"])
    print_table(f"Regex terms at the limit (load {os.getloadavg()[0]:.1f})",
                ["regex terms", "load and check (s)", "compile and scan 2,000 texts (s)"], rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-pair", type=int, default=3, help="cases per (reader, mutation) pair")
    ap.add_argument("--workdir", default="/tmp/narrascope-bench-fuzz")
    ap.add_argument("--quick", action="store_true", help="one case per pair, a small guard file")
    args = ap.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    campaign(workdir, 1 if args.quick else args.per_pair)
    memory(workdir)
    guard_cost(workdir, 20_000 if args.quick else 200_000)
    regex_limit()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
