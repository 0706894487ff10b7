"""Spool files: a unit's rows in Parquet beside the store, written before its merge transaction opens.

A unit is spooled into one file, or one file per part when it is read on several cores
(:mod:`~narrascope.store.ingest_parts`); :class:`Spool` lists them in file order and gives the SQL relation of
their rows, numbered across the files as if they were one (the merge keeps the last copy of a message by that
number). Spool files are named after the process that writes them (``.<store>.ingest-<pid>.<part>.parquet``), so
the files of a killed process are recognised and removed at the next open.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..models import MESSAGE_SCHEMA
from ..text.script import with_script_columns

__all__ = ["Spool", "SpoolWriter", "remove_stale_spools", "spool_path", "write_spool"]

_NAME = re.compile(r"\.ingest-(\d+)(?:\.\d+)?\.parquet")


def spool_path(db: Path, part: int = 0) -> Path:
    """Where this process spools part ``part`` of a unit for the store at ``db``."""
    return db.with_name(f".{db.name}.ingest-{os.getpid()}.{part}.parquet")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_spools(db: Path) -> None:
    """Spool files left by killed processes (their pid is gone) are deleted at open."""
    prefix = f".{db.name}"
    for f in db.parent.glob(f".{db.name}.ingest-*.parquet"):
        m = _NAME.fullmatch(f.name[len(prefix):])
        if m and not _pid_alive(int(m.group(1))):
            f.unlink(missing_ok=True)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True)
class Spool:
    """A unit's spool files in file order, with their row counts."""

    files: tuple[Path, ...]
    rows: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.rows)

    def relation(self) -> str:
        """SQL: every spooled row."""
        names = ", ".join("'" + _sql_str(f) + "'" for f in self.files)
        return f"read_parquet([{names}])"

    def numbered(self) -> str:
        """SQL: every spooled row with ``file_row_number``, its number counted across the files in order."""
        selects = []
        offset = 0
        for f, n in zip(self.files, self.rows, strict=True):
            selects.append(f"SELECT * REPLACE (file_row_number + {offset} AS file_row_number) "
                           f"FROM read_parquet('{_sql_str(f)}', file_row_number = true)")
            offset += n
        return f"({' UNION ALL '.join(selects)})"

    def remove(self) -> None:
        for f in self.files:
            f.unlink(missing_ok=True)


class SpoolWriter:
    """Script columns and Parquet encoding of each batch on a second thread (both release the GIL), so that the
    reader's Python work on the calling thread and this work share the cores. At most two batches wait."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="narrascope-spool", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with pq.ParquetWriter(self._path, MESSAGE_SCHEMA, compression="zstd") as writer:
                while (table := self._queue.get()) is not None and not self._stop:
                    writer.write_table(with_script_columns(table))
        except BaseException as exc:  # handed to the calling thread at its next put or at close
            self._error = exc

    def _put(self, item: pa.Table | None) -> None:
        while True:
            if self._error is not None:
                raise self._error
            if not self._thread.is_alive():
                return
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def write(self, table: pa.Table) -> None:
        self._put(table)

    def close(self) -> None:
        """Wait for every batch to be written; re-raise the writer's failure."""
        self._put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop after the batch in hand (the reader failed); the spool is deleted by the caller."""
        self._stop = True
        with contextlib.suppress(queue.Full):  # a full queue: the writer takes a batch and sees the flag
            self._queue.put_nowait(None)
        self._thread.join()


def write_spool(tables: Iterator[pa.Table], path: Path) -> int:
    """Write the tables (script columns added) to the spool file at ``path``; returns the number of rows."""
    writer = SpoolWriter(path)
    rows = 0
    try:
        for table in tables:
            rows += table.num_rows
            writer.write(table)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return rows
