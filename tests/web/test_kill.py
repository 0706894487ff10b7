"""Kill the server (SIGKILL) while a coder is coding: every decision it acknowledged is in the store afterwards."""

from __future__ import annotations

import os
import re
import signal
import threading

import httpx
import polars as pl
import pytest

from narrascope import Corpus
from narrascope.frames import load_lexicon
from narrascope.store import coding
from narrascope.validate import sample_corpus
from tests.web.server import start_server

pytestmark = pytest.mark.slow


def test_acknowledged_decisions_survive_kill_9(demo_copy):
    db, manifest = demo_copy
    lexicon = load_lexicon(db.parent / "lexicon.yaml")
    with Corpus.open(db) as corpus:
        rows = sample_corpus(corpus, lexicon, "resistance", 200)
        key = coding.create_sample(corpus, rows, name="kill", frame="resistance", lexicon_hash=lexicon.content_hash)
    items = rows["sample_id"].to_list()
    proc, url = start_server(db)
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            page = client.get(f"/validate/{key}/code", params={"coder": "ana"}).text
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)

            def code() -> None:
                for i, item in enumerate(items):
                    if stop.is_set():
                        return
                    label = "1" if i % 3 else "0"
                    try:
                        response = client.post(f"/validate/{key}/label", headers={"x-csrf-token": token},
                                               data={"coder": "ana", "item": item, "label": label})
                    except httpx.HTTPError:
                        return  # the server died mid-request: this decision was never acknowledged
                    assert response.status_code == 200, response.text[-500:]
                    assert f"saved {item} = {label}" in response.text
                    acknowledged.append((item, label))

            worker = threading.Thread(target=code)
            worker.start()
            while len(acknowledged) < 40 and worker.is_alive():
                threading.Event().wait(0.01)
            os.kill(proc.pid, signal.SIGKILL)  # mid-coding: requests are in flight
            stop.set()
            worker.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert 40 <= len(acknowledged) < len(items), "the kill should land mid-coding"
    with Corpus.open(db) as corpus:  # opening replays DuckDB's write-ahead log
        stored = coding.labels(corpus, key, "ana")
    saved = dict(zip(stored["sample_id"].to_list(), stored["label"].to_list(), strict=True))
    lost = [(item, label) for item, label in acknowledged if saved.get(item) != label]
    assert not lost, f"{len(lost)} acknowledged decisions lost: {lost[:5]}"
    # nothing beyond what was sent either: at most the one request in flight when the kill landed
    assert len(saved) - len(acknowledged) in (0, 1)
    assert isinstance(stored, pl.DataFrame)
