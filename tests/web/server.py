"""Start ``narrascope serve`` as a user does (a child process), read the address it prints, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["running_server", "start_server", "stop_server"]


def start_server(db: Path, *extra: str, timeout: float = 60) -> tuple[subprocess.Popen[str], str]:
    """``python -m narrascope serve --db DB --port 0 --json``; returns (process, base URL without the slash)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", "0", "--json",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + timeout
    buf = ""
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"serve exited with {proc.wait()}: {err[-2000:]}")
        buf += line
        try:
            info = json.loads(buf)
        except json.JSONDecodeError:
            continue
        return proc, info["url"].rstrip("/")
    proc.kill()
    raise RuntimeError("serve printed no address in time")


def stop_server(proc: subprocess.Popen[str]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


@contextmanager
def running_server(db: Path, *extra: str) -> Iterator[str]:
    proc, url = start_server(db, *extra)
    try:
        yield url
    finally:
        stop_server(proc)
