"""kill -9 in the middle of a file's ingest — while it is read and spooled, or inside the merge transaction — leaves
the store readable and exactly as before that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from narrascope import Corpus
from tests.conftest import desktop_message, store_state, write_chat

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


def _kill_at_marker(script: str, db: Path, path: Path, marker: Path) -> str:
    """Run ``script`` on (db, path, marker) in a child process, SIGKILL it once it wrote the marker; return that text."""
    proc = subprocess.Popen([sys.executable, "-c", script, str(db), str(path), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text()):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "ingest process ended early"
        assert time.monotonic() < deadline, "ingest never reached the point to kill it at"
        time.sleep(0.05)
    text = marker.read_text()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return text


def test_sigkill_mid_file_leaves_store_unchanged(tmp_path):
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 11)])
    big = write_chat(tmp_path / "big" / "result.json",
                     [desktop_message(i, f"پیام شماره {i} " * 20) for i in range(100, 20_100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = store_state(db)

    _kill_at_marker(_SCRIPT, db, big, tmp_path / "marker")
    assert store_state(db) == before
    # and the store is still writable afterwards
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 20_000


_MERGE_SCRIPT = textwrap.dedent(
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


def test_sigkill_inside_the_merge_transaction_leaves_store_unchanged(tmp_path):
    """The kill lands after the file's rows are merged into ``messages`` inside the open transaction."""
    db = tmp_path / "c.duckdb"
    small = write_chat(tmp_path / "small" / "result.json", [desktop_message(i) for i in range(1, 6)])
    big = write_chat(tmp_path / "big" / "result.json", [desktop_message(i) for i in range(100, 2100)],
                     name="Big Channel", chat_id=4242)
    with Corpus.open(db) as c:
        c.ingest([small])
    before = store_state(db)
    rows_inside = _kill_at_marker(_MERGE_SCRIPT, db, big, tmp_path / "marker")
    assert int(rows_inside) == 2005  # the big file's rows really were inside the transaction
    assert store_state(db) == before
    with Corpus.open(db) as c:
        assert c.ingest([big]).files[0].added == 2000
