"""One file on every core: a reader's parts (:class:`~narrascope.ingest.reader.PartReader`) are read at the same
time, each into its own spool file — the first by this process, the others by worker processes — and merged in
file order as if they were one.

Why processes: decoding JSON and building columns hold the GIL, so threads would take turns on one core. Why
workers started as ``python -m narrascope.store.part_worker`` and not by :mod:`multiprocessing`: its spawn and
forkserver methods import the caller's main module again in each worker, which runs a script without a
``__main__`` guard twice; and forking a process that holds DuckDB and thread pools is unsafe. A worker gets its job
(pickled) on stdin and sends progress and its outcome on stdout; it exits as soon as its stdin closes, so workers
never outlive a killed ingest (their spool files, named after this process, are removed at the next open).

Nothing a part yields is trusted alone: rows wait in the part's spool file, and its notes, time zone and repaired
surrogates are merged into the :class:`~narrascope.ingest.base.ReadContext` in file order only when every part
succeeded — the notes then come in the order reading the file whole gives. When any part fails (a quirk the fast
path hands over, or an error whose position only a whole read can name), the spool files are dropped and the
caller reads the file whole, which gives its rows, notes and errors exactly.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import NarrascopeError
from ..ingest.base import IngestOptions, ReadContext
from ..ingest.detect import part_reader
from ..ingest.reader import PartFailed
from ..models import Channel
from .batches import column_batches
from .pseudonym import Pseudonymiser
from .spool import Spool, spool_path, write_spool

__all__ = ["MIN_PART_BYTES", "PartJob", "PartOutcome", "spool_part", "spool_parts", "worker_main"]

#: Files are cut into parts of at least this size (a worker costs ~0.5 s of CPU to start: imports).
MIN_PART_BYTES = 32 << 20
#: Parts at most: one per core, up to this.
MAX_PARTS = 8
#: Cores to read on.
CORES = os.cpu_count() or 1
_POLL = 0.2
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory narrascope is imported from


@dataclass(frozen=True)
class PartJob:
    """What reading one part needs (pickled to a worker)."""

    fmt: str
    part: Any
    path: Path
    options: IngestOptions
    key: str
    ingest_id: int
    known: dict[tuple[str, str], str]
    names: frozenset[tuple[str, str]]
    channels: dict[tuple[str, str], Channel]
    spool: Path


@dataclass
class PartOutcome:
    """A part's result: its rows (in its spool file) and what it would have added to the read context."""

    rows: int = 0
    notes: list[str] = field(default_factory=list)
    tz_used: str | None = None
    surrogates: int = 0
    failed: bool = False


def spool_part(job: PartJob, progress: Callable[[int], None] | None = None) -> PartOutcome:
    """Read one part into its spool file (uids, pseudonyms, script columns: the rows as the store keeps them)."""
    module = part_reader(job.fmt)
    assert module is not None
    ctx = ReadContext(job.path, job.options, progress)
    ctx.channels = dict(job.channels)
    pseudo = Pseudonymiser(job.key, keep=job.options.keep_authors)
    batches = module.read_column_part(job.part, ctx, job.options.batch_size)
    try:
        rows = write_spool(column_batches(batches, ctx, job.ingest_id, pseudo, job.known, set(job.names)),
                           job.spool)
    except (PartFailed, NarrascopeError):
        job.spool.unlink(missing_ok=True)
        return PartOutcome(failed=True)
    return PartOutcome(rows, ctx.notes, ctx.tz_used, ctx.surrogates)


# ----------------------------------------------------------------------------------------------- the caller's side
class _Abandon(Exception):
    """A part failed: the others are not worth finishing."""


class _WorkerError(Exception):
    """A worker process ended without an outcome (a bug, or killed): the file is read whole, and the log says so."""


class _Worker:
    """A worker process reading one part; a thread listens to what it sends."""

    def __init__(self, job: PartJob) -> None:
        self.job = job
        self.done_bytes = 0
        self.outcome: PartOutcome | None = None
        self.error: str | None = None
        self.finished = threading.Event()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop(), after the process ended)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                          if p)}
        self._proc = subprocess.Popen([sys.executable, "-m", "narrascope.store.part_worker"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._stderr, env=env)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin: IO[bytes] = self._proc.stdin
        pickle.dump(job, self._stdin)
        self._stdin.flush()  # stdin stays open: its end tells the worker to stop
        self._thread = threading.Thread(target=self._listen, args=(self._proc.stdout,), daemon=True,
                                        name="narrascope-part")
        self._thread.start()

    def _listen(self, out: IO[bytes]) -> None:
        try:
            while True:
                kind, value = pickle.load(out)
                if kind == "progress":
                    self.done_bytes = value
                elif kind == "done":
                    self.outcome = value
                    return
                else:
                    self.error = value
                    return
        except Exception as exc:  # the worker died without a word (its stderr may say why), or sent nonsense
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            self.error = f"{type(exc).__name__}: {exc}" + (f"; its last words: {lines[-1]}" if lines else "")
        finally:
            self.finished.set()

    def stop(self) -> None:
        """End the worker (closing its stdin makes it exit; a kill if it does not)."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._thread.join()
        self._stderr.close()


def _hash(path: Path, into: list[str]) -> None:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)  # releases the GIL: a third core's worth of work costs the readers little
    into.append(h.hexdigest())


def spool_parts(path: Path, fmt: str, ctx: ReadContext, options: IngestOptions, db: Path, key: str,
                ingest_id: int, known: dict[tuple[str, str], str], names: set[tuple[str, str]],
                cores: int | None = None) -> Spool | None:
    """Spool the file at ``path`` in parts on every core; None when it is read whole instead (small, one core,
    a reader without parts, a layout the parts cannot follow, or a part that failed). ``ctx`` gets the notes,
    time zone, surrogates and SHA-256 that reading the file whole would give it."""
    module = part_reader(fmt)
    size = path.stat().st_size
    n = min(cores or CORES, size // MIN_PART_BYTES, MAX_PARTS)
    if module is None or n < 2:
        return None
    parts = module.column_parts(path, ctx, n)
    if parts is None:
        return None
    jobs = [PartJob(fmt, part, path, options, key, ingest_id, known, frozenset(names), dict(ctx.channels),
                    spool_path(db, k)) for k, part in enumerate(parts)]
    digest: list[str] = []
    hasher = threading.Thread(target=_hash, args=(path, digest), daemon=True, name="narrascope-hash")
    hasher.start()
    workers: list[_Worker] = []
    files = Spool(tuple(job.spool for job in jobs), ())
    try:
        for job in jobs[1:]:
            workers.append(_Worker(job))
        outcomes = _run(jobs[0], workers, ctx.progress, size)
    except (_WorkerError, OSError) as exc:  # OSError: a worker could not be started
        ctx.note(f"reading on {len(jobs)} cores failed ({exc}): the file was read on one")
        outcomes = None
    except BaseException:
        for w in workers:
            w.stop()
        files.remove()
        raise
    finally:
        for w in workers:
            w.stop()
        hasher.join()
    if outcomes is None or any(o.failed for o in outcomes):
        files.remove()
        return None
    spool = Spool(files.files, tuple(o.rows for o in outcomes))
    for o in outcomes:
        for note in o.notes:
            ctx.note(note)
        ctx.tz_used = ctx.tz_used or o.tz_used
        ctx.surrogates += o.surrogates
    ctx.sha256 = digest[0]
    return spool


def _run(first: PartJob, workers: list[_Worker], progress: Callable[[int], None] | None,
         size: int) -> list[PartOutcome] | None:
    """The first part here while the workers read theirs; None as soon as any part fails."""
    own = [0]

    def report(done: int | None = None) -> None:
        if done is not None:
            own[0] = done
        for w in workers:
            if w.finished.is_set():
                if w.outcome is None:
                    raise _WorkerError(w.error)
                if w.outcome.failed:
                    raise _Abandon
        if progress is not None:
            progress(min(own[0] + sum(w.done_bytes for w in workers), size))

    try:
        outcome = spool_part(first, report)
        if outcome.failed:
            return None
        while not all(w.finished.wait(_POLL) for w in workers):
            report()
        report()
        if progress is not None:
            progress(size)  # the workers' last words on progress are throttled
    except _Abandon:
        first.spool.unlink(missing_ok=True)
        return None
    except _WorkerError:
        first.spool.unlink(missing_ok=True)
        raise
    return [outcome, *(w.outcome for w in workers if w.outcome is not None)]


# ----------------------------------------------------------------------------------------------- the worker's side
def worker_main() -> None:
    """A worker process (:mod:`.part_worker`): read the job on stdin, send ("progress", bytes)… then ("done", outcome) or ("error", text) on stdout."""
    stdin = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the messages
    job: PartJob = pickle.load(stdin)
    gc.freeze()  # the imported modules' objects are never garbage: full collections need not walk them

    def watch() -> None:  # the caller closed stdin (done, or gone): stop at once
        stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    last = [0.0]

    def send(kind: str, value: Any) -> None:
        pickle.dump((kind, value), out)
        out.flush()

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= _POLL:
            last[0] = now
            send("progress", done)

    try:
        outcome = spool_part(job, progress)
    except BaseException as exc:
        send("error", f"{type(exc).__name__}: {exc}")
        raise
    send("done", outcome)

