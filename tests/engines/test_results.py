"""Result datasets and their import: one transaction, same key and Arrow types as the embedded engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from narrascope import Corpus
from narrascope.engines import import_results
from narrascope.engines.results import MANIFEST, ResultManifest, read_result_table, write_result_dataset
from narrascope.errors import UsageError
from narrascope.frames import load_lexicon
from narrascope.frames.corpus_match import frame_hits_key, match_corpus


def _dataset(db: Path, lexicon_path: Path, out: Path) -> tuple[ResultManifest, pa.Table]:
    """A frames result dataset written from the embedded engine's own hits."""
    lex = load_lexicon(lexicon_path)
    with Corpus.open(db, read_only=True) as corpus:
        hits = match_corpus(corpus, lex, use_cache=False)
        manifest = ResultManifest(analysis="frames", key=frame_hits_key(lex, corpus, None, None),
                                  state_token=corpus.state_token(), tables=["frame_hits"],
                                  rows={"frame_hits": hits.num_rows}, params={"frame_hits": {"engine": "test"}})
    write_result_dataset(out, manifest, {"frame_hits": hits})
    return manifest, hits


def test_imported_hits_are_what_the_store_would_have_cached(demo_copy: Path, demo_store, tmp_path: Path) -> None:
    manifest, hits = _dataset(demo_copy, demo_store[1].lexicon_path, tmp_path / "res")
    lex = load_lexicon(demo_store[1].lexicon_path)
    with Corpus.open(demo_copy) as corpus:
        import_results(corpus, tmp_path / "res")
        assert corpus.results.has("frame_hits", manifest.key)
        stored = corpus.results.load("frame_hits", manifest.key)
        assert stored is not None and stored.schema == hits.schema and stored.equals(hits)
        # frames, show, trends and the report now read these rows: the cache key is the embedded engine's
        entry = [r for r in corpus.results.list("frame_hits") if r["result_key"] == manifest.key]
        assert json.loads(entry[0]["params"]) == {"engine": "test"}
        assert match_corpus(corpus, lex).equals(hits)


def test_an_import_keeps_the_embedded_engines_earlier_results(demo_copy: Path, demo_store, tmp_path: Path) -> None:
    """Same Arrow types, same schema fingerprint: imported rows join the table instead of replacing it."""
    lex = load_lexicon(demo_store[1].lexicon_path)
    with Corpus.open(demo_copy) as corpus:
        ranged = match_corpus(corpus, lex, since="2025-01-01")  # saved by the embedded engine under another key
        ranged_key = frame_hits_key(lex, corpus, "2025-01-01", None)
    _dataset(demo_copy, demo_store[1].lexicon_path, tmp_path / "res")
    with Corpus.open(demo_copy) as corpus:
        import_results(corpus, tmp_path / "res")
        kept = corpus.results.load("frame_hits", ranged_key)
        assert kept is not None and kept.equals(ranged)


def test_results_of_another_store_state_are_refused(demo_copy: Path, demo_store, tmp_path: Path, chat_file) -> None:
    manifest, _ = _dataset(demo_copy, demo_store[1].lexicon_path, tmp_path / "res")
    with Corpus.open(demo_copy) as corpus:
        from tests.conftest import desktop_message

        corpus.ingest([chat_file([desktop_message(1, "one more")])])
        with pytest.raises(UsageError, match="export again"):
            import_results(corpus, tmp_path / "res")
        assert not corpus.results.has("frame_hits", manifest.key)


def test_incomplete_or_foreign_datasets_are_refused(demo_copy: Path, demo_store, tmp_path: Path) -> None:
    manifest, _ = _dataset(demo_copy, demo_store[1].lexicon_path, tmp_path / "res")
    with Corpus.open(demo_copy) as corpus:
        (tmp_path / "res" / MANIFEST).rename(tmp_path / "manifest.json")
        with pytest.raises(UsageError, match="no finished result dataset"):
            import_results(corpus, tmp_path / "res")
        (tmp_path / "manifest.json").rename(tmp_path / "res" / MANIFEST)
        shutil.rmtree(tmp_path / "res" / "frame_hits")
        with pytest.raises(UsageError, match="incomplete"):
            import_results(corpus, tmp_path / "res")
        assert not corpus.results.has("frame_hits", manifest.key)
    text = json.loads((tmp_path / "res" / MANIFEST).read_text(encoding="utf-8"))
    (tmp_path / "res" / MANIFEST).write_text(json.dumps({**text, "format": "something-else"}), encoding="utf-8")
    with Corpus.open(demo_copy) as corpus, pytest.raises(UsageError, match="not a narrascope result dataset"):
        import_results(corpus, tmp_path / "res")


def test_rows_of_two_runs_in_one_table_are_refused(tmp_path: Path) -> None:
    manifest = ResultManifest(analysis="frames", key="k1", state_token="i1-1", tables=["frame_hits"])
    hits = pa.table({"uid": ["a"], "frame": ["f"], "term": ["t"], "start": pa.array([0], pa.int32()),
                     "end": pa.array([1], pa.int32())})
    write_result_dataset(tmp_path, manifest, {"frame_hits": hits})
    assert read_result_table(tmp_path, "frame_hits", "k1").equals(hits)
    other = hits.add_column(0, "result_key", pa.array(["k2"]))
    pq.write_table(other, tmp_path / "frame_hits" / "part-1.parquet")
    with pytest.raises(UsageError, match="another result key"):
        read_result_table(tmp_path, "frame_hits", "k1")


def test_types_are_brought_to_the_embedded_engines(tmp_path: Path) -> None:
    """Spark writes int32 as INT32 but strings may come back as large or view strings: the import casts."""
    manifest = ResultManifest(analysis="frames", key="k", state_token="s", tables=["frame_hits"])
    loose = pa.table({"uid": pa.array(["a"], pa.large_string()), "term": ["t"], "frame": ["f"],
                      "start": pa.array([3], pa.int64()), "end": pa.array([5], pa.int64()), "extra": [1]})
    write_result_dataset(tmp_path, manifest, {"frame_hits": loose})
    table = read_result_table(tmp_path, "frame_hits", "k")
    assert table.column_names == ["uid", "frame", "term", "start", "end"]
    assert pl.from_arrow(table).row(0) == ("a", "f", "t", 3, 5)


def test_unknown_tables_are_refused(tmp_path: Path) -> None:
    manifest = ResultManifest(analysis="x", key="k", state_token="s", tables=["nonsense"])
    write_result_dataset(tmp_path, manifest, {"nonsense": pa.table({"a": [1]})})
    with pytest.raises(UsageError, match="unknown result table"):
        read_result_table(tmp_path, "nonsense")
