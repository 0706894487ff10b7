"""Stored analysis results: save/load by key, replace, schema change, atomicity."""

from __future__ import annotations

import pyarrow as pa
import pytest

from narrascope import Corpus
from narrascope.errors import UsageError


def test_save_load_replace_and_list(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as c:
        assert c.results.load("frame_hits", "k") is None
        c.results.save("frame_hits", "k", pa.table({"uid": ["a", "b"], "n": [1, 2]}), {"lexicon": "x"})
        c.results.save("frame_hits", "k2", pa.table({"uid": ["c"], "n": [3]}))
        c.results.save("frame_hits", "k", pa.table({"uid": ["z"], "n": [9]}))
        assert c.results.load("frame_hits", "k").to_pylist() == [{"uid": "z", "n": 9}]
        assert c.results.load("frame_hits", "k2").num_rows == 1
        assert {r["result_key"] for r in c.results.list("frame_hits")} == {"k", "k2"}
        # the rows are a public table too
        assert c.sql("SELECT count(*) AS n FROM result_frame_hits")["n"][0] == 2


def test_changed_row_shape_replaces_old_results(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.results.save("x", "k1", pa.table({"a": [1]}))
        c.results.save("x", "k2", pa.table({"a": [1], "b": ["new column"]}))
        assert c.results.load("x", "k1") is None
        assert c.results.load("x", "k2").column_names == ["a", "b"]


def test_bad_names_rejected_and_state_token_tracks_ingests(tmp_path, chat_file):
    from tests.conftest import desktop_message

    with Corpus.open(tmp_path / "c.duckdb") as c:
        with pytest.raises(UsageError):
            c.results.save("DROP TABLE messages; --", "k", pa.table({"a": [1]}))
        t0 = c.state_token()
        c.ingest([chat_file([desktop_message(1)])])
        assert c.state_token() != t0
