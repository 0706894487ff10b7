"""`narrascope serve` as a user runs it: under a terminal it prints its address, serves, and stops on Ctrl-C;
binding beyond loopback warns; a missing extra is one line naming the pip command."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from narrascope.errors import MissingDependency
from tests.terminal import _env, run_cli

ADDRESS = re.compile(r"narrascope serving (\S+) at (http://127\.0\.0\.1:(\d+)/)")


@pytest.mark.slow
def test_serve_under_a_terminal_prints_its_address_and_stops_on_ctrl_c(demo_copy):
    db, _ = demo_copy
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", "0"],
                            cwd=db.parent, env=_env(None), stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    output = b""
    try:
        deadline = time.monotonic() + 60
        match = None
        while time.monotonic() < deadline and match is None:
            output += os.read(master, 4096)
            match = ADDRESS.search(output.decode("utf-8", "replace"))
        assert match, output.decode("utf-8", "replace")
        assert match.group(1) == str(db)
        response = httpx.get(match.group(2), timeout=30)
        assert response.status_code == 200 and "Corpus overview" in response.text
        assert httpx.get(match.group(2), headers={"host": "rebinding.example"}, timeout=30).status_code == 421
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
        try:
            while chunk := os.read(master, 4096):
                output += chunk
        except OSError:
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = output.decode("utf-8", "replace")
    assert code == 0, text
    assert "Traceback" not in text and "internal error" not in text


@pytest.mark.slow
def test_check_and_the_warning_beyond_loopback(demo_copy):
    db, _ = demo_copy
    code, out, err = run_cli(["serve", "--db", str(db), "--port", "0", "--check"], db.parent)
    assert code == 0, err
    assert "checked: every page answered" in out
    code, out, err = run_cli(["serve", "--db", str(db), "--port", "0", "--host", "0.0.0.0", "--check"], db.parent)
    assert code == 0, err
    assert "warning: listening on 0.0.0.0" in err


@pytest.mark.slow
def test_a_missing_store_is_one_line(tmp_path):
    code, out, err = run_cli(["serve", "--db", str(tmp_path / "nope.duckdb"), "--check"], tmp_path)
    assert code == 2 and err.strip().startswith("error: no corpus store") and len(err.strip().splitlines()) == 1


def test_missing_web_extra_names_the_pip_command(monkeypatch):
    import importlib.util

    from narrascope import web

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "starlette" else real(name, *a))
    with pytest.raises(MissingDependency) as info:
        web.require_web()
    assert "pip install 'narrascope[web]'" in str(info.value)
    from narrascope.cli import main

    assert main(["serve", "--check"]) == 2


@pytest.mark.slow
def test_a_store_held_by_another_process(demo_copy):
    """A command holding the store: serve says so in one line; with --read-only beside read-only readers it runs."""
    from narrascope import Corpus

    db, _ = demo_copy
    with Corpus.open(db):  # as `narrascope ingest` would hold it
        code, out, err = run_cli(["serve", "--db", str(db), "--port", "0", "--check"], db.parent)
    assert code == 2 and "in use by another process" in err and len(err.strip().splitlines()) == 1
    with Corpus.open(db, read_only=True):  # a read-only command running beside it
        code, out, err = run_cli(["serve", "--db", str(db), "--port", "0", "--read-only", "--check"], db.parent)
    assert code == 0, err
