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


def test_save_many_publishes_all_tables_or_none(tmp_path):
    with Corpus.open(tmp_path / "s.duckdb") as c:
        c.results.save_many({"run_a": pa.table({"x": [1]}), "run_b": pa.table({"y": ["one"]})}, "k1")
        assert c.results.load("run_b", "k1").column("y").to_pylist() == ["one"]
        with pytest.raises(UsageError):  # the third name is invalid: fails after two tables were written
            c.results.save_many({"run_a": pa.table({"x": [2]}), "run_b": pa.table({"y": ["two"]}),
                                 "Bad-Name": pa.table({"z": [0]})}, "k2")
        assert not c.results.has("run_a", "k2") and not c.results.has("run_b", "k2")
        assert c.results.load("run_a", "k1").column("x").to_pylist() == [1]


@pytest.mark.slow
def test_a_reuse_run_failing_while_publishing_leaves_the_previous_run_latest(demo_store, tmp_path, monkeypatch):
    import shutil

    from narrascope.reuse import ReuseOptions, find_reuse, load_reuse
    from narrascope.store.results import ResultStore

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store[0], db)
    with Corpus.open(db) as c:
        first = find_reuse(c, ReuseOptions())
        calls = {"n": 0}
        original = ResultStore._replace

        def dies_on_the_third_table(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt  # as a kill or Ctrl-C between tables would
            return original(self, *args, **kwargs)

        monkeypatch.setattr(ResultStore, "_replace", dies_on_the_third_table)
        with pytest.raises(KeyboardInterrupt):
            find_reuse(c, ReuseOptions(threshold=0.7), refresh=True)
        latest = load_reuse(c)
        assert latest is not None
        assert latest.cascades.equals(first.cascades)
        assert len(c.results.list("reuse_pairs")) == 1


@pytest.mark.slow
def test_rows_come_back_in_the_order_saved(tmp_path):
    """The store writes with DuckDB's insertion order off (for memory): the saved order must survive anyway."""
    n = 300_000
    table = pa.table({"i": pa.array(range(n - 1, -1, -1), pa.int64()), "s": [f"row {i % 97}" for i in range(n)]})
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.results.save("ordered", "k2", pa.table({"i": [1, 2], "s": ["other", "key"]}))
        c.results.save("ordered", "k", table)
        c.connection.execute("CHECKPOINT")
    with Corpus.open(tmp_path / "c.duckdb") as c:
        assert c.results.load("ordered", "k").equals(table)


def test_results_of_a_0_1_store_are_recomputed_not_misread(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as c:  # a table as 0.1 wrote it: no row numbers
        c.connection.execute("CREATE TABLE result_old AS SELECT 'k' AS result_key, 1 AS a")
        c.connection.execute("INSERT INTO results VALUES ('old', 'k', now(), '{}', 1, 'f', '0.1.0')")
        assert c.results.load("old", "k").to_pylist() == [{"a": 1}]
        c.results.save("old", "k2", pa.table({"a": [2, 3]}))
        assert c.results.load("old", "k") is None and c.results.load("old", "k2").to_pylist() == [{"a": 2}, {"a": 3}]


def test_corpus_sql_with_parameters_keeps_order_by(tmp_path):
    """DuckDB 1.5's relation API dropped ORDER BY for parameterised queries with insertion order off."""
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.connection.execute("CREATE TABLE t AS SELECT range AS r, 299999 - range AS i, 'k' AS key FROM range(300000)")
        got = c.sql("SELECT i FROM t WHERE key = ? ORDER BY r", ["k"])["i"].to_list()
    assert got == list(range(299_999, -1, -1))


def test_load_tables_gives_a_whole_run_in_saved_order_and_utc(tmp_path):
    from datetime import UTC, datetime

    import polars as pl

    from narrascope.store.results import load_tables

    when = pa.array([datetime(2024, 1, 1, 12, tzinfo=UTC)] * 3, pa.timestamp("us", tz="UTC"))
    first = pa.table({"i": [3, 1, 2], "at": when, "naive": pa.array([1, 2, 3], pa.timestamp("us"))})
    with Corpus.open(tmp_path / "c.duckdb") as c:
        c.results.save_many({"run_a": first, "run_b": pa.table({"x": ["b"]})}, "k")
        c.results.save("run_a", "k2", pa.table({"i": [9], "at": when[:1], "naive": first["naive"][:1]}))
        tables = load_tables(c, "run", ("a", "b"), "k")
        assert load_tables(c, "run", ("a", "b"), "k2") is None  # b was never saved under k2
        c.results.save("run_a", "k3", first, {"options": {"n": 1}, "label": "رسانه"})
        assert c.results.params("run_a", "k3") == {"options": {"n": 1}, "label": "رسانه"}
        assert c.results.params("run_a", "k") == {} and c.results.params("run_a", "nope") == {}
    assert tables is not None and list(tables) == ["a", "b"]
    assert tables["a"]["i"].to_list() == [3, 1, 2] and tables["b"]["x"].to_list() == ["b"]
    assert tables["a"].schema["at"] == pl.Datetime("us", "UTC")  # DuckDB says Etc/UTC
    assert tables["a"].schema["naive"] == pl.Datetime("us")
    assert tables["a"]["at"].to_list() == [datetime(2024, 1, 1, 12, tzinfo=UTC)] * 3
