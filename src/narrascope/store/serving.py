"""One store shared by the threads of a long-running process (``narrascope serve``).

DuckDB lets one process hold a store file read-write, and that process may use it from many threads through
cursors (each cursor is a connection to the same database instance, so they share its cache and see every
committed write). The rules here:

- **readers** get a :class:`~narrascope.store.corpus.Corpus` over a per-thread cursor, flagged read-only: an
  analysis handed one never caches into the store (``match_corpus`` and ``find_reuse`` skip saving when
  ``read_only``);
- **writes** are short and go through :meth:`SharedStore.writer`, which holds one process-wide lock around a
  single writer cursor: coding decisions, published results. Two writers never race on the ``results`` registry
  or a coding row, and each write is its own transaction, committed before the caller acknowledges it;
- **long jobs** (matching a lexicon, reuse, the search index) get :meth:`SharedStore.job_corpus`: their own cursor
  for the long reads, while their final publication (``results.save_many``) takes the writer lock — so coding
  never waits minutes behind a job, and a job cancelled or killed before publishing leaves nothing behind.

Opened read-only (``serve --read-only``), several processes may read the store at once (a CLI may run beside it);
writes are then refused with :class:`~narrascope.errors.StoreError`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import StoreError
from .corpus import Corpus
from .results import ResultStore

__all__ = ["SERVE_MEMORY_LIMIT", "SharedStore"]

#: DuckDB's buffer limit while serving: many concurrent small queries, not one big merge (ingest uses 256 MB).
SERVE_MEMORY_LIMIT = "1GB"


class _LockedResults(ResultStore):
    """Results whose publication takes the process-wide writer lock (reads do not)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lock: threading.RLock, wrote: Callable[[], None]) -> None:
        super().__init__(con)
        self._lock = lock
        self._wrote = wrote

    def save_many(self, tables: Mapping[str, pa.Table] | Iterable[tuple[str, pa.Table]], key: str,
                  params: dict[str, dict[str, Any] | None] | None = None) -> None:
        with self._lock:
            try:
                super().save_many(tables, key, params)
            finally:
                self._wrote()

    def touch(self, analysis: str, key: str) -> None:
        with self._lock:
            try:
                super().touch(analysis, key)
            finally:
                self._wrote()


class _JobCorpus(Corpus):
    """A corpus view for background jobs: reads on its own cursor, publishes results under the writer lock."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, lock: threading.RLock,
                 wrote: Callable[[], None]) -> None:
        super().__init__(con, path, read_only=False)
        self._lock = lock
        self._wrote = wrote

    @property
    def results(self) -> ResultStore:
        return _LockedResults(self._con, self._lock, self._wrote)

    def close(self) -> None:
        try:
            self._con.close()
        finally:
            self._wrote()  # a job may have written on its own cursor (the search index)


class SharedStore:
    """A store opened once for a multi-threaded server (see the module docstring)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._corpus = Corpus.open(self.path, read_only=read_only, create=False)
        con = self._corpus.connection
        if not read_only:
            con.execute(f"SET memory_limit = '{SERVE_MEMORY_LIMIT}'")
        self._lock = threading.RLock()
        self._cursor_lock = threading.Lock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._writer = self._new_cursor()
        self._closed = False
        self._generation = 0

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        with self._cursor_lock:
            if getattr(self, "_closed", False):
                raise StoreError(f"{self.path} was closed: the server is shutting down")
            cur = self._corpus.connection.cursor()
            self._cursors.append(cur)
            return cur

    def reader(self) -> Corpus:
        """This thread's read-only view of the store (analyses given it never write)."""
        view = getattr(self._local, "view", None)
        if view is None:
            view = Corpus(self._new_cursor(), self.path, read_only=True)
            self._local.view = view
        return view

    def private_reader(self) -> Corpus:
        """A read-only view on a cursor of its own, for a long stream (an export) that must not share the
        thread's cursor with the next request; close it when done."""
        return Corpus(self._new_cursor(), self.path, read_only=True)

    @contextmanager
    def writer(self) -> Iterator[Corpus]:
        """The writer view, under the process-wide lock: keep what runs inside short."""
        if self.read_only:
            raise StoreError(f"{self.path} is served read-only (serve --read-only): restart without it to save "
                             "coding decisions and results")
        with self._lock:
            try:
                yield Corpus(self._writer, self.path, read_only=False)
            finally:
                self._wrote()

    def job_corpus(self) -> Corpus:
        """A corpus for one background job (close it when done): its own cursor; results published under the
        writer lock. On a read-only store the view is read-only and analyses compute without caching."""
        if self.read_only:
            return Corpus(self._new_cursor(), self.path, read_only=True)
        return _JobCorpus(self._new_cursor(), self.path, self._lock, self._wrote)

    @property
    def generation(self) -> int:
        """Bumped after every write this process makes (writer views, published results, a job's corpus closed):
        nobody else can write while the server holds the store (DuckDB locks the file; read-only, nobody
        writes), so a value cached with the generation it was read at is current while the generation is."""
        return self._generation

    def _wrote(self) -> None:
        with self._cursor_lock:
            self._generation += 1

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def state_token(self) -> str:
        return self.reader().state_token()

    def close(self) -> None:
        with self._cursor_lock:
            self._closed = True
            cursors, self._cursors = self._cursors, []
        for cur in cursors:
            with contextlib.suppress(duckdb.Error):  # a cursor of a thread that died mid-query
                cur.close()
        self._corpus.close()
