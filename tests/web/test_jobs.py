"""Background jobs: progress, cancelling, and a store that stays as it was when a job is cancelled."""

from __future__ import annotations

import threading
import time

import pytest

from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import frame_hits_key
from narrascope.reuse import ReuseOptions
from narrascope.store.serving import SharedStore
from narrascope.web.jobs import Job, JobCancelled, JobManager
from narrascope.web.state import WebState
from narrascope.web.views_cascades import _run_reuse
from narrascope.web.views_frames import match_job


def _wait(job: Job, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while job.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not job.active, f"job {job.label} still {job.status}"


def test_progress_raises_once_cancelled():
    job = Job("1", "x", "x")
    job.progress(5, 10, "phase")
    assert job.fraction == 0.5 and job.phase == "phase"
    job.cancel_event.set()
    with pytest.raises(JobCancelled):
        job.progress(6, 10)


def test_jobs_run_one_at_a_time_and_report_failures():
    manager = JobManager()
    started = threading.Event()
    release = threading.Event()

    def slow(job: Job) -> str:
        started.set()
        release.wait(10)
        return "ok"

    def broken(job: Job) -> None:
        raise ValueError("boom")

    first = manager.submit("a", "first", slow)
    second = manager.submit("a", "second", broken)
    assert started.wait(10)
    assert first.status == "running" and second.status == "queued"
    release.set()
    _wait(second)
    assert first.status == "done" and first.result == "ok"
    assert second.status == "failed" and "boom" in (second.error or "")
    manager.shutdown()


@pytest.mark.slow
def test_a_cancelled_match_publishes_nothing(demo_copy, monkeypatch):
    db, _ = demo_copy
    # a lexicon no other test matched (the shared demo store may hold the demo lexicon's matches already)
    source = (db.parent / "lexicon.yaml").read_text(encoding="utf-8").replace("label: '", "label: 'jobs test: ", 1)
    (db.parent / "fresh.yaml").write_text(source, encoding="utf-8")
    lexicon = load_lexicon(db.parent / "fresh.yaml")
    store = SharedStore(db)
    web = WebState(store=store, host="127.0.0.1")
    try:
        key = frame_hits_key(lexicon, store.reader(), None, None)
        assert not store.reader().results.has("frame_hits", key)
        gate = threading.Event()
        web.jobs.submit("block", "blocker", lambda job: gate.wait(10))  # the match job waits behind it
        job = match_job(web, lexicon)
        web.jobs.cancel(job.id)
        gate.set()
        _wait(job)
        assert job.status == "cancelled"
        # cancelled while running: the progress callback stops it after its batch, before anything is saved
        import narrascope.web.views_frames as views

        real = views.match_corpus
        running: list[Job] = []

        def cancel_then_match(*args, **kwargs):
            running[0].cancel_event.set()  # the user presses cancel while the matcher runs
            return real(*args, **kwargs)

        monkeypatch.setattr(views, "match_corpus", cancel_then_match)
        gate.clear()
        web.jobs.submit("block", "blocker", lambda job: gate.wait(10))
        job = match_job(web, lexicon)
        running.append(job)
        gate.set()
        _wait(job)
        assert job.status == "cancelled"
        assert not store.reader().results.has("frame_hits", key)
        monkeypatch.setattr(views, "match_corpus", real)
        done = match_job(web, lexicon)
        _wait(done)
        assert done.status == "done" and store.reader().results.has("frame_hits", key)
    finally:
        web.jobs.shutdown()
        store.close()


@pytest.mark.slow
def test_cancelling_reuse_stops_its_process_and_saves_nothing(demo_copy):
    db, _ = demo_copy
    store = SharedStore(db)
    web = WebState(store=store, host="127.0.0.1")
    try:
        before = store.reader().results.list("reuse_cascades")
        job = _run_reuse(web, ReuseOptions(threshold=0.45))
        deadline = time.monotonic() + 60
        while "finding reuse" not in job.phase and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the child process is running
        web.jobs.cancel(job.id)
        _wait(job)
        assert job.status == "cancelled"
        assert store.reader().results.list("reuse_cascades") == before
        again = _run_reuse(web, ReuseOptions(threshold=0.45))
        _wait(again, 300)
        assert again.status == "done", again.error
        assert len(store.reader().results.list("reuse_cascades")) == len(before) + 1
    finally:
        web.jobs.shutdown()
        store.close()
