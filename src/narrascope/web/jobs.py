"""Long work off the request path: one worker thread runs jobs in turn, pages poll their progress, any can be cancelled.

A job is a function ``run(job)`` that reports progress through :meth:`Job.progress` — which raises
:class:`JobCancelled` once the user cancelled — and returns a JSON-able summary. Jobs publish their results the
one way analyses do, atomically (``corpus.results.save_many`` or one transaction), so a job cancelled or killed
before the end leaves the store as it was. Work that cannot report progress from inside (reuse) runs in a child
process that cancelling terminates (:func:`run_in_child`). One worker: the machine this runs on has two cores and
the server must stay responsive.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import NarrascopeError

__all__ = ["Job", "JobCancelled", "JobManager", "run_in_child"]


class JobCancelled(Exception):
    """Raised inside a job when the user cancelled it."""


@dataclass
class Job:
    id: str
    kind: str
    label: str
    status: str = "queued"  # queued, running, done, failed, cancelled
    phase: str = ""
    done: int = 0
    total: int | None = None
    error: str | None = None
    result: Any = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    on_cancel: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def progress(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        """Report progress; raises :class:`JobCancelled` when the user cancelled."""
        if self.cancel_event.is_set():
            raise JobCancelled()
        self.done, self.total = int(done), (int(total) if total else None)
        if phase is not None:
            self.phase = phase

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise JobCancelled()

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started


class JobManager:
    """Runs jobs one at a time on a worker thread; keeps the last few for their pages."""

    def __init__(self, keep: int = 50) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrascope-job")
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, label: str, run: Callable[[Job], Any], *, dedupe_key: str | None = None) -> Job:
        """Queue ``run``; with ``dedupe_key``, an active job of the same key is returned instead of a new one."""
        with self._lock:
            if dedupe_key is not None:
                for job in self._jobs.values():
                    if job.active and getattr(job, "_key", None) == dedupe_key:
                        return job
            job = Job(id=str(next(self._ids)), kind=kind, label=label)
            job._key = dedupe_key  # type: ignore[attr-defined]
            self._jobs[job.id] = job
            old = [j for j in self._jobs.values() if not j.active]
            for j in old[: max(0, len(self._jobs) - self._keep)]:
                del self._jobs[j.id]
        self._pool.submit(self._run, job, run)
        return job

    def _run(self, job: Job, run: Callable[[Job], Any]) -> None:
        if job.cancel_event.is_set():
            job.status, job.finished = "cancelled", time.time()
            return
        job.status, job.started = "running", time.time()
        try:
            job.result = run(job)
            job.status = "done"
        except JobCancelled:
            job.status = "cancelled"
        except NarrascopeError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # a bug: shown on the job's page, not swallowed
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: int(j.id), reverse=True)

    def active(self, kind: str | None = None) -> list[Job]:
        return [j for j in self.all() if j.active and (kind is None or j.kind == kind)]

    def cancel(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is not None and job.active:
            job.cancel_event.set()
            for hook in job.on_cancel:
                hook()
        return job

    def shutdown(self) -> None:
        for job in self.all():
            self.cancel(job.id)
        self._pool.shutdown(wait=True, cancel_futures=True)


def run_in_child(job: Job, target: Callable[..., None], *args: Any, poll: float = 0.2) -> None:
    """Run ``target(*args)`` in a fresh (spawned) process; terminate it if the job is cancelled. The child
    communicates through files named in ``args``; a non-zero exit raises."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=target, args=args, daemon=True)
    proc.start()
    try:
        while proc.is_alive():
            if job.cancel_event.is_set():
                proc.terminate()
                proc.join(5)
                raise JobCancelled()
            proc.join(poll)
    finally:
        if proc.is_alive():
            proc.kill()
    if proc.exitcode != 0:
        raise RuntimeError(f"the child process of job {job.label!r} exited with code {proc.exitcode}")
