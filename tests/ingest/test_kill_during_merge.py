"""kill -9 while a file's rows are already merged inside the store's open transaction (not only while the reader is
still spooling, which tests/store/test_atomic_kill.py covers): the store must come back exactly as before that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from narrascope import Corpus
from tests.conftest import desktop_message, write_chat

_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from narrascope import Corpus
    from narrascope.store import corpus as store

    db, path, marker = sys.argv[1:4]
    merge = store.Corpus._merge

    def merge_then_hang(self, spool):
        counts = merge(self, spool)  # every row of the file is now in messages, uncommitted
        n = self._con.execute("SELECT count(*) FROM messages").fetchone()[0]
        Path(marker).write_text(str(n))
        time.sleep(120)
        return counts

    store.Corpus._merge = merge_then_hang
    with Corpus.open(db) as corpus:
        corpus.ingest([path])
    """
)


def _state(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    with Corpus.open(db, read_only=True) as c:
        return (c.sql("SELECT * FROM messages ORDER BY uid").rows(),
                c.sql("SELECT * FROM ingests ORDER BY ingest_id").rows(),
                c.sql("SELECT * FROM channels ORDER BY channel_id").rows())


def test_sigkill_inside_the_merge_transaction_leaves_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 6)])
    big = write_chat(tmp_path / "big" / "result.json", [desktop_message(i) for i in range(100, 2100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = _state(db)

    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(db), str(big), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "ingest ended early"
        assert time.monotonic() < deadline, "ingest never reached the merge"
        time.sleep(0.05)
    assert int(marker.read_text()) == 2005  # the big file's rows really were inside the transaction
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert _state(db) == before
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 2000
