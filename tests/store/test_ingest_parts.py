"""One file read in parts on several cores (narrascope.store.ingest_parts) gives the rows, notes and errors of
reading it whole; parts that fail, workers that die and workers of a killed ingest leave no trace.

Most comparisons run the workers in this process (:func:`inline_workers`: the job and outcome still go through
pickle); the ones marked slow start real worker processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from narrascope import Corpus, IngestOptions
from narrascope.errors import InputError
from narrascope.ingest import telegram_chunks
from narrascope.ingest.base import ReadContext
from narrascope.store import ingest_parts
from narrascope.store.ingest_parts import PartJob, PartOutcome, spool_part, spool_parts
from narrascope.store.spool import remove_stale_spools
from tests.conftest import desktop_message, store_state, write_chat

KEY = "ab" * 32


class InlineWorker:
    """:class:`ingest_parts._Worker` run in this process, at once (its job and outcome pickled as a worker's are)."""

    def __init__(self, job: PartJob) -> None:
        self.done_bytes = 0
        self.outcome: PartOutcome | None = None
        self.error: str | None = None
        self.finished = threading.Event()
        try:
            done = spool_part(pickle.loads(pickle.dumps(job)), self._progress)
            self.outcome = pickle.loads(pickle.dumps(done))
        except Exception as exc:  # what a worker would send as its error
            self.error = f"{type(exc).__name__}: {exc}"
        self.finished.set()

    def _progress(self, done: int) -> None:
        self.done_bytes = done

    def stop(self) -> None:
        pass


def inline_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_parts, "_Worker", InlineWorker)


def parts_outcome(path: Path, cores: int, work: Path, whole: Callable[[ReadContext], dict[str, Any]], *,
                  tz: str | None = None, batch: int = 4) -> dict[str, Any]:
    """What the store gets from ``path`` read in up to ``cores`` parts — or, when the parts give up, from
    ``whole(ctx)`` (the whole read on the same context, as the ingest runner does). ``in_parts`` says which."""
    work.mkdir(parents=True, exist_ok=True)
    options = IngestOptions(tz=tz, batch_size=batch)
    ctx = ReadContext(path, options)
    try:
        spool = spool_parts(path, "telegram_json", ctx, options, work / "c.duckdb", KEY, 1, {}, set(), cores=cores)
    except InputError as exc:
        return {"error": str(exc), "type": type(exc).__name__, "in_parts": 0}
    if spool is None:
        assert not list(work.glob(".c.duckdb.ingest-*")), "a failed part left its spool file"
        return {**whole(ctx), "in_parts": 0}
    ctx.closing_notes()
    assert len(spool.files) >= 2 and all(f.exists() for f in spool.files)
    rows = pa.concat_tables([pq.read_table(f) for f in spool.files]).to_pylist()
    assert [pq.read_metadata(f).num_rows for f in spool.files] == list(spool.rows)
    spool.remove()
    return {"rows": rows, "notes": ctx.notes, "channels": ctx.channels, "tz": ctx.tz_used,
            "surrogates": ctx.surrogates, "in_parts": 1}


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is read in parts (2 cores), in 700-byte chunks."""
    monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", 1)
    monkeypatch.setattr(ingest_parts, "CORES", 2)
    monkeypatch.setattr(telegram_chunks, "CHUNK_BYTES", 700)


def _messages(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [desktop_message(i, f"پیام {i} " * (i % 7 + 1), **extra) for i in range(1, n + 1)]


# ----------------------------------------------------------------------------------------------- in this process
def test_duplicates_across_parts_keep_the_last_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     small_parts: None) -> None:
    """A message repeated in a later part, same version, other text: the later copy wins, as in a whole read."""
    messages = _messages(60)
    messages += [dict(desktop_message(5, "second copy"), date_unixtime=messages[4]["date_unixtime"]),
                 desktop_message(7, "edited later", edited=10**10)]
    path = write_chat(tmp_path / "result.json", messages)
    inline_workers(monkeypatch)
    stores = {}
    for name, min_bytes in (("parts", 1), ("whole", 1 << 40)):
        monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", min_bytes)
        db = tmp_path / f"{name}.duckdb"
        with Corpus.open(db) as c:
            r = c.ingest([path], IngestOptions(keep_authors=True)).files[0]
            assert (r.rows_read, r.added, r.duplicates) == (62, 60, 2)
            texts = dict(c.sql("SELECT message_id, text FROM messages WHERE message_id IN ('5', '7')").rows())
            assert texts == {"5": "second copy", "7": "edited later"}
        stores[name] = store_state(db)
    (p_messages, p_ingests, p_channels), (w_messages, w_ingests, w_channels) = stores["parts"], stores["whole"]
    assert p_messages == w_messages and p_channels == w_channels
    assert [row[1:4] + row[6:] for row in p_ingests] == [row[1:4] + row[6:] for row in w_ingests]  # not the times


def test_a_failed_part_is_dropped_and_the_file_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         small_parts: None) -> None:
    """A damaged timestamp near the end: the last part fails, every spool file goes, the whole read reports it."""
    messages = _messages(60)
    messages[55]["date_unixtime"] = "soon"
    path = write_chat(tmp_path / "result.json", messages)
    inline_workers(monkeypatch)
    ctx = ReadContext(path)
    assert spool_parts(path, "telegram_json", ctx, IngestOptions(), tmp_path / "c.duckdb", KEY, 1, {}, set()) is None
    assert not list(tmp_path.glob(".c.duckdb.ingest-*"))
    assert ctx.sha256 is None and ctx.surrogates == 0
    with Corpus.open(tmp_path / "c.duckdb") as c, pytest.raises(InputError, match="message id 56.*soon"):
        c.ingest([path])


def test_a_worker_that_dies_is_noted_and_the_file_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            small_parts: None) -> None:
    class Dead(InlineWorker):
        def __init__(self, job: PartJob) -> None:
            super().__init__(job)
            self.outcome, self.error = None, "MemoryError: out of memory"

    monkeypatch.setattr(ingest_parts, "_Worker", Dead)
    path = write_chat(tmp_path / "result.json", _messages(40))
    with Corpus.open(tmp_path / "c.duckdb") as c:
        r = c.ingest([path]).files[0]
        assert (r.rows_read, r.added) == (40, 40)
        assert r.notes == ["reading on 2 cores failed (MemoryError: out of memory): the file was read on one"]
    assert not list(tmp_path.glob(".c.duckdb.ingest-*"))


def test_progress_counts_every_part_and_ends_at_the_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        small_parts: None) -> None:
    monkeypatch.setattr(telegram_chunks, "CHUNK_BYTES", 256)
    monkeypatch.setattr("narrascope.ingest.json_stream._PROGRESS_EVERY", 512)
    inline_workers(monkeypatch)
    path = write_chat(tmp_path / "result.json", _messages(200))
    seen: list[int] = []
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.ingest([path], progress=lambda unit, done, total: seen.append(done))
    size = path.stat().st_size
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == size


def test_stale_spool_files_of_every_part_are_removed(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    dead = 2**22 + 12345  # above pid_max on common systems: no such process
    stale = [tmp_path / f".c.duckdb.ingest-{dead}.parquet", tmp_path / f".c.duckdb.ingest-{dead}.1.parquet"]
    mine = tmp_path / f".c.duckdb.ingest-{os.getpid()}.2.parquet"
    for f in [*stale, mine]:
        f.write_bytes(b"x")
    remove_stale_spools(db)
    assert [f.exists() for f in stale] == [False, False] and mine.exists()


# ----------------------------------------------------------------------------------------------- worker processes
@pytest.mark.slow
def test_worker_processes_give_the_rows_of_a_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real workers (``python -m narrascope.store.part_worker``), three parts, the store's rows as a whole read's."""
    monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", 1)
    messages = _messages(3000)
    messages[1500]["text"] = "cut \udc00 emoji"  # a lone surrogate, repaired and counted in its part
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 9, "messages": messages}, indent=1))
    options = IngestOptions(batch_size=500)
    ctx = ReadContext(path, options)
    spool = spool_parts(path, "telegram_json", ctx, options, tmp_path / "c.duckdb", KEY, 1, {}, set(), cores=3)
    assert spool is not None and len(spool.files) == 3 and min(spool.rows) > 500
    whole = tmp_path / "whole.duckdb"
    monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", 1 << 40)
    with Corpus.open(whole) as c:
        c.ingest([path], IngestOptions(keep_authors=True))
    monkeypatch.setattr(ingest_parts, "MIN_PART_BYTES", 1)
    monkeypatch.setattr(ingest_parts, "CORES", 3)
    parts = tmp_path / "parts.duckdb"
    with Corpus.open(parts) as c:
        r = c.ingest([path], IngestOptions(keep_authors=True)).files[0]
        assert r.notes == ["1 lone UTF-16 surrogate(s) (text cut inside an emoji) replaced by U+FFFD"]
    assert store_state(parts)[0] == store_state(whole)[0]
    assert ctx.surrogates == 1 and ctx.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    spool.remove()
