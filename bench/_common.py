"""Shared benchmark plumbing: run a step in a child process and measure its wall time and peak RSS."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float
    output: str


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> Measurement:
    """Run ``python -c code args…`` in a fresh process; peak RSS comes from wait4's rusage of that child alone.

    The child's output goes to temporary files, not pipes: waiting on a child that fills a pipe (~64 KB) hangs."""
    with tempfile.TemporaryFile() as out_fh, tempfile.TemporaryFile() as err_fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out_fh, stderr=err_fh,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out_fh.seek(0)
        err_fh.seek(0)
        out, err = out_fh.read().decode(), err_fh.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{err}")
    # ru_maxrss is in KiB on Linux
    return Measurement(seconds, usage.ru_maxrss / 1024, out)


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, header: list[str], rows: list[list[object]]) -> str:
    """A GitHub-markdown table (also what docs/benchmarks.md holds)."""
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    return text


def dump_json(path: str, data: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
