"""Run every benchmark in bench/ in turn: ``python bench/run.py [--quick]``.

Each benchmark prints markdown tables; paste them into docs/benchmarks.md after a run on the reference machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_ARGS = {
    "ingest.py": ["--gb", "0.1", "--workdir", "/tmp/narrascope-bench-quick"],
    "frames.py": ["--messages", "100000"],
    "frames_coverage.py": ["--corpora", "20"],
    "reuse.py": ["--quick"],
    "scale.py": ["--sizes", "20000", "--workdir", "/tmp/narrascope-bench-quick"],
    "coordination.py": ["--quick"],
    "validation.py": ["--studies", "200"],
    "network.py": ["--quick"],
    "fuzz.py": ["--quick"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks run")
    ap.add_argument("only", nargs="*", help="benchmark names (e.g. ingest frames)")
    args = ap.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_") and p.name != "run.py")
    if args.only:
        scripts = [p for p in scripts if p.stem in args.only]
    failed = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        extra = QUICK_ARGS.get(script.name, []) if args.quick else []
        failed += subprocess.call([sys.executable, str(script), *extra]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
