"""Run the narrascope CLI as a user does: in a pseudo-terminal (progress bars, colours) or piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

__all__ = ["run_cli", "run_in_terminal"]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "TERM", "COLUMNS", "FORCE_COLOR"}}
    env.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"})
    env.update(extra or {})
    return env


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                    timeout: float = 120) -> tuple[int, str]:
    """``python -m narrascope ARGS`` with stdin, stdout and stderr on a pty; returns (exit code, all output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "narrascope", *args], cwd=cwd, env=_env(env),
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side of the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=timeout)
    return code, b"".join(chunks).decode("utf-8", "replace")


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> tuple[int, str, str]:
    """``python -m narrascope ARGS`` with stdout and stderr piped; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "narrascope", *args], cwd=cwd, env=_env(env),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr
