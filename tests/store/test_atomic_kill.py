"""kill -9 in the middle of reading a file leaves the store readable and exactly as before that file (the kill
inside the merge transaction is tests/ingest/test_kill_during_merge.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from narrascope import Corpus
from tests.conftest import desktop_message, write_chat

_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope import Corpus, IngestOptions

    db, path, marker = sys.argv[1:4]

    def progress(unit, done, total):
        # Past half of the file, batches are already spooled: signal the test, then wait to be killed.
        if done > total // 2 and not Path(marker).exists():
            Path(marker).write_text("mid-file")
            time.sleep(120)

    with Corpus.open(db) as corpus:
        corpus.ingest([path], IngestOptions(batch_size=200), progress=progress)
    """
)


def _state(db):
    with Corpus.open(db, read_only=True) as c:
        return (
            c.sql("SELECT * FROM messages ORDER BY uid").rows(),
            c.sql("SELECT * FROM ingests ORDER BY ingest_id").rows(),
            c.sql("SELECT * FROM channels ORDER BY channel_id").rows(),
        )


def test_sigkill_mid_file_leaves_store_unchanged(tmp_path):
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 11)])
    big = write_chat(tmp_path / "big" / "result.json",
                     [desktop_message(i, f"پیام شماره {i} " * 20) for i in range(100, 20_100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = _state(db)

    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(db), str(big), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "ingest process ended early"
        assert time.monotonic() < deadline, "ingest never reached the middle of the file"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert _state(db) == before
    # and the store is still writable afterwards
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 20_000
