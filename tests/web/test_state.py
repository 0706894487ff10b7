"""What the server keeps between requests: values cached per store generation are read again after a write."""

from __future__ import annotations

import pyarrow as pa
import pytest

from narrascope import Corpus
from tests.conftest import desktop_message, write_chat

pytest.importorskip("starlette", reason="the web tests need the web extra: pip install -e '.[web,test]'")

from narrascope.store.serving import SharedStore  # noqa: E402
from narrascope.web.state import WebState  # noqa: E402


@pytest.fixture
def web(tmp_path):
    write_chat(tmp_path / "a" / "result.json", [desktop_message(1, "one"), desktop_message(2, "two")])
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([tmp_path / "a"])
    store = SharedStore(tmp_path / "c.duckdb")
    yield WebState(store=store, host="127.0.0.1")
    store.close()


def _probe(n: int) -> pa.Table:
    return pa.table({"x": list(range(n))})


def test_results_registry_is_read_again_after_each_write(web):
    store = web.store
    assert web.result_runs("probe") == [] and "probe" not in web.analyses()
    generation = store.generation
    web.result_runs()
    assert store.generation == generation  # reading writes nothing
    with store.writer() as writer:
        writer.results.save_many({"probe": _probe(2)}, "k1")
    assert [r["result_key"] for r in web.result_runs("probe")] == ["k1"] and "probe" in web.analyses()
    job = store.job_corpus()  # a background job publishes under the writer lock
    job.results.save_many({"probe": _probe(3), "other": _probe(1)}, "k2")
    assert [r["result_key"] for r in web.result_runs("probe")] == ["k1", "k2"]
    assert web.analyses() >= {"probe", "other"}
    job.close()
    assert store.generation > generation


def test_a_failed_write_still_invalidates(web):
    store = web.store
    web.result_runs()
    generation = store.generation
    with pytest.raises(RuntimeError), store.writer() as writer:
        writer.results.save_many({"probe": _probe(1)}, "k1")
        raise RuntimeError("after the commit")
    assert store.generation > generation
    assert [r["result_key"] for r in web.result_runs("probe")] == ["k1"]
