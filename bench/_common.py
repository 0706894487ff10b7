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
    peak_tree_rss_mb: float = 0.0
    """With ``tree=True``: the largest sum of RSS over the child and every process it started, sampled every
    100 ms (an upper bound: pages shared between them count once per process)."""


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            with open(f"{task.path}/children") as fh:
                kids += [int(k) for k in fh.read().split()]
    except OSError:
        pass
    return kids


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS (KiB) of ``root`` and its descendants (Linux /proc; 0 elsewhere)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
        todo += _children(pid)
    return total


def run_child(code: str, *args: str, env: dict[str, str] | None = None, tree: bool = False) -> Measurement:
    """Run ``python -c code args…`` in a fresh process; peak RSS comes from wait4's rusage of that child alone
    (the largest single process of its tree); ``tree=True`` also samples the sum over the child and its children.

    The child's output goes to temporary files, not pipes: waiting on a child that fills a pipe (~64 KB) hangs."""
    with tempfile.TemporaryFile() as out_fh, tempfile.TemporaryFile() as err_fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out_fh, stderr=err_fh,
                                env={**os.environ, **(env or {})})
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if tree else 0)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
            time.sleep(0.1)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out_fh.seek(0)
        err_fh.seek(0)
        out, err = out_fh.read().decode(), err_fh.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed (exit status {proc.returncode}):\n{err}")
    # ru_maxrss is in KiB on Linux
    return Measurement(seconds, usage.ru_maxrss / 1024, out, peak_tree / 1024)


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
