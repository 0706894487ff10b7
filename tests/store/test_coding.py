"""Coding tables: labels replace, undo walks back, notes, imports, adjudications; every call is durable."""

from __future__ import annotations

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.errors import UsageError
from narrascope.store import coding


def _rows(n: int) -> pl.DataFrame:
    return pl.DataFrame([{c: f"{c}{i}" for c in coding.ITEM_COLUMNS} | {"sample_id": f"S{i + 1:04d}"}
                         for i in range(n)])


@pytest.fixture
def store(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        yield corpus


def test_labels_replace_and_undo_walks_back(store):
    key = coding.create_sample(store, _rows(3), name="s", frame="f", lexicon_hash="h")
    coding.set_label(store, key, "S0001", "ana", "1")
    coding.set_label(store, key, "S0002", "ana", "0", note="sarcasm")
    coding.set_label(store, key, "S0001", "ana", "?")  # a later decision replaces the earlier one
    coding.set_label(store, key, "S0001", "bo", "0")
    mine = {r["sample_id"]: r for r in coding.labels(store, key, "ana").to_dicts()}
    assert {k: v["label"] for k, v in mine.items()} == {"S0001": "?", "S0002": "0"}
    assert mine["S0002"]["note"] == "sarcasm"
    assert coding.undo_last(store, key, "ana") == "S0001"  # the most recent decision first
    assert coding.undo_last(store, key, "ana") == "S0002"
    assert coding.undo_last(store, key, "ana") is None
    assert coding.labels(store, key, "bo")["label"].to_list() == ["0"]  # another coder is untouched
    actions = store.sql("SELECT action FROM coding_events ORDER BY seq")["action"].to_list()
    assert actions == ["label", "label", "label", "label", "undo", "undo"]


def test_bad_labels_items_and_names_are_refused(store):
    key = coding.create_sample(store, _rows(1), name="s", frame="f", lexicon_hash="h")
    with pytest.raises(UsageError):
        coding.set_label(store, key, "S0001", "ana", "yes")
    with pytest.raises(UsageError):
        coding.set_label(store, key, "S0999", "ana", "1")
    with pytest.raises(UsageError):
        coding.set_label(store, key, "S0001", "\u0000\n ", "1")
    assert coding.labels(store, key).is_empty()  # nothing half-written


def test_import_and_adjudication(store):
    key = coding.create_sample(store, _rows(2), name="s", frame="f", lexicon_hash="h")
    assert coding.import_labels(store, key, [("S0001", "ana", "1", None), ("S0002", "ana", "0", "n")]) == 2
    coding.set_adjudication(store, key, "S0001", "0", "lead")
    assert coding.adjudications(store, key)["label"].to_list() == ["0"]
    coding.set_adjudication(store, key, "S0001", None, "lead")
    assert coding.adjudications(store, key).is_empty()
    with pytest.raises(UsageError):
        coding.import_labels(store, key, [("S0001", "bo", "1", None), ("S0404", "bo", "1", None)])
    assert coding.labels(store, key, "bo").is_empty()  # the import is one transaction


def test_decisions_survive_reopening(tmp_path):
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as corpus:
        key = coding.create_sample(corpus, _rows(2), name="s", frame="f", lexicon_hash="h")
        coding.set_label(corpus, key, "S0002", "ana", "1")
    with Corpus.open(db, read_only=True) as corpus:
        assert coding.samples(corpus)[0]["labels"] == 1
        assert coding.items(corpus, key)["sample_id"].to_list() == ["S0001", "S0002"]
