"""Run every benchmark in bench/ in turn: ``python bench/run.py [--quick] [NAME …]``.

Each benchmark prints markdown tables (paste them into docs/benchmarks.md after a run on the reference machine) and
checks itself: narrascope and every baseline must give the same answer on the same input, and counts must add up; a
benchmark that finds a disagreement exits non-zero, and so does this runner. ``--quick`` runs every benchmark at a
small size (CI runs it after the tests): it checks the benchmarks and their agreement, not the speed. Each line of the
closing summary gives a benchmark's wall time and the CPU time of its processes (robust to other load).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Small sizes for --quick: each benchmark's own checks run, in a couple of minutes in all. Working folders are
#: fresh temporary ones, so nothing from an earlier run is reused.
QUICK_ARGS = {
    "coordination.py": ["--quick", "--parts", "exact"],
    "csv_encoding.py": ["--files", "100"],
    "frames.py": ["--messages", "5000", "--pandas-subset", "100", "--re-subset", "500", "--long-mb", "0.1",
                  "--repeat", "1"],
    "frames_coverage.py": ["--corpora", "3", "--messages", "500"],
    "fuzz.py": ["--quick", "--workdir", "{tmp}/fuzz"],
    "ingest.py": ["--gb", "0.01", "--workdir", "{tmp}/ingest"],
    "mixing_intervals.py": ["--quick"],
    "network.py": ["--quick"],
    "page_encoding.py": ["--pages", "1"],
    "reuse.py": ["--quick", "--repeat", "1"],
    "scale.py": ["--sizes", "20000", "--workdir", "{tmp}/scale"],
    "validation.py": ["--studies", "50"],
    "web_load.py": ["--messages", "2000", "--clients", "4", "--seconds", "5", "--workdir", "{tmp}/web"],
    "spark.py": ["--quick", "--analyses", "frames", "--scale-analyses", "", "--workdir", "{tmp}/spark"],
}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks and their agreement")
    ap.add_argument("only", nargs="*", help="benchmark names (e.g. ingest frames)")
    args = ap.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")
    if args.only:
        unknown = set(args.only) - {p.stem for p in scripts}
        if unknown:
            ap.error(f"no benchmark named {', '.join(sorted(unknown))}")
        scripts = [p for p in scripts if p.stem in args.only]
    summary = []
    failed = []
    with tempfile.TemporaryDirectory(prefix="narrascope-bench-") as tmp:
        for script in scripts:
            print(f"\n## {script.stem}\n", flush=True)
            extra = [a.format(tmp=tmp) for a in QUICK_ARGS.get(script.name, [])] if args.quick else []
            wall, cpu = time.perf_counter(), _cpu_seconds()
            code = subprocess.call([sys.executable, str(script), *extra])
            wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
            summary.append(f"{script.stem}: {'ok' if code == 0 else f'FAILED (exit {code})'}, {wall:.0f} s wall, "
                           f"{cpu:.0f} s CPU")
            if code != 0:
                failed.append(script.stem)
    print("\n## summary\n")
    print("\n".join(summary))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
