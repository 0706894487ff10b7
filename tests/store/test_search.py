"""The search index: terms in matching form, the matcher's word boundaries, filters, rebuilds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope import Corpus
from narrascope.errors import UsageError
from narrascope.frames.lexicon import Frame, Lexicon, make_term
from narrascope.frames.match import Matcher
from narrascope.store import search
from narrascope.store.browse import MessageFilter
from tests.conftest import desktop_message, write_chat

TEXTS = [
    "آنها میخواهند بروند",           # no ZWNJ
    "آنها می‌خواهند بروند",          # ZWNJ
    "آنها می خواهند بروند",          # space
    "آنها ميخواهند بروند",           # Arabic yeh
    "آنها مـی‌خواهـند بروند",        # tatweel + ZWNJ
    "کتابخواهند نیست",               # the word inside another word: no match
    "The Seeds of change; seedless grapes",
    "covid-19 cases rise",
]


@contextmanager
def indexed_store(tmp_path, monkeypatch) -> Iterator[Corpus]:
    """A store of TEXTS in two channels with its search index (also used by test_search_directories)."""
    monkeypatch.setattr(search, "BATCH_ROWS", 3)  # several batches and slices even for a handful of messages
    monkeypatch.setattr(search, "INDEX_SLICE", 2)
    msgs = [desktop_message(i + 1, t) for i, t in enumerate(TEXTS)]
    write_chat(tmp_path / "a" / "result.json", msgs[:5], name="Alpha", chat_id=1)
    write_chat(tmp_path / "b" / "result.json", msgs[5:], name="Beta", chat_id=2)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([tmp_path / "a", tmp_path / "b"])
        search.build_index(corpus)
        yield corpus


@pytest.fixture
def store(tmp_path, monkeypatch):
    with indexed_store(tmp_path, monkeypatch) as corpus:
        yield corpus


def _texts(corpus, uids):
    return [corpus.by_uid([u])["text"][0] for u in uids]


@pytest.mark.slow
@pytest.mark.parametrize("query", ["می‌خواهند", "میخواهند", "ميخـواهند", "مي‌خـواهند", "می خواهند"])
def test_persian_forms_are_one_term(store, query):
    total, uids = search.search(store, search.parse_query(query))
    assert total == 5
    assert "کتابخواهند نیست" not in _texts(store, uids)


def test_prefix_phrase_punctuation_and_alternatives(store):
    assert search.search(store, search.parse_query("seed*"))[0] == 1  # Seeds, seedless (one message)
    assert search.search(store, search.parse_query("seedl*"))[0] == 1
    assert search.search(store, search.parse_query("seedx*"))[0] == 0
    assert search.search(store, search.parse_query("seeds"))[0] == 1
    assert search.search(store, search.parse_query("seeds of change"))[0] == 1
    assert search.search(store, search.parse_query("of seeds"))[0] == 0  # a phrase keeps its order
    assert search.search(store, search.parse_query("change seedless"))[0] == 0  # ";" between: not the phrase
    assert search.search(store, search.parse_query("covid-19"))[0] == 1
    assert search.search(store, search.parse_query("covid-19 cases"))[0] == 1
    assert search.search(store, search.parse_query("covid 19"))[0] == 0  # "-" is not a space
    assert search.search(store, search.parse_query("covid-19 cases rise"))[0] == 1
    assert search.search(store, search.parse_query("covid-19 rise cases"))[0] == 0
    assert search.search(store, search.parse_query("آنها میخواهند بروند"))[0] == 5
    assert search.search(store, search.parse_query("آنها میخواهند برو*"))[0] == 5
    assert search.search(store, search.parse_query("grapes, نیست"))[0] == 2
    assert search.search(store, search.parse_query(" , ;"))[0] == 0


@pytest.mark.slow
def test_every_message_is_indexed_across_batches(store):
    docs = store.sql("SELECT count(*) AS n FROM search_docs")["n"][0]
    assert docs == store.sql("SELECT count(*) AS n FROM messages")["n"][0] == len(TEXTS)
    assert store.sql("SELECT min(rid) AS lo, max(rid) AS hi FROM search_docs").row(0) == (0, len(TEXTS) - 1)


def test_filters_and_paging(store):
    query = search.parse_query("بروند")
    assert search.search(store, query)[0] == 5
    beta = store.sql("SELECT DISTINCT channel_id FROM messages WHERE channel = 'Beta'")["channel_id"][0]
    assert search.search(store, query, MessageFilter(channels=(beta,)))[0] == 0
    total, page = search.search(store, query, limit=2, offset=4)
    assert total == 5 and len(page) == 1


def test_uid_directory_finds_every_message_row(store):
    rows = store.connection.execute("SELECT uid, rowid FROM messages").fetchall()
    for uid, rowid in rows:
        assert search.message_hint(store, None, uid) == rowid
    assert search.message_hint(store, None, "no-such-uid") is None
    rid, uid = store.connection.execute("SELECT rid, uid FROM search_docs WHERE rid = 3").fetchone()
    assert search.message_hint(store, rid, uid) == dict(rows)[uid]
    assert search.message_hint(store, rid + 1, uid) is None  # a wrong rid is no hint


@pytest.mark.parametrize("vector", [1, 2, 2048])
def test_rows_by_rid_in_ranges_or_runs_are_the_same_rows(store, monkeypatch, vector):
    monkeypatch.setattr(search, "VECTOR", vector)  # 1: every rid its own run; 2048: one range
    everything = search.page(store, None, columns=("uid", "text"), limit=100)
    picked = [0, 1, 4, 7]
    rows = search._rows_by_rid(store, picked, "rid, uid, text")
    assert rows["rid"].to_list() == picked
    assert rows["uid"].to_list() == [everything["uid"][i] for i in picked]


@pytest.mark.slow
def test_stale_index_is_refused_until_rebuilt(store, tmp_path):
    write_chat(tmp_path / "c" / "result.json", [desktop_message(1, "seeds again")], name="Gamma", chat_id=3)
    store.ingest([tmp_path / "c"])
    assert not search.index_status(store)["ready"]
    with pytest.raises(UsageError):
        search.search(store, search.parse_query("seeds"))
    search.build_index(store)
    assert search.search(store, search.parse_query("seeds"))[0] == 2


def test_cancelled_build_keeps_the_previous_index(store, tmp_path):
    before = search.index_status(store)
    write_chat(tmp_path / "d" / "result.json", [desktop_message(1, "new text")], name="Delta", chat_id=4)
    store.ingest([tmp_path / "d"])

    def cancel(phase, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search.build_index(store, cancel)
    after = store.sql("SELECT count(*) AS n FROM search_docs")["n"][0]
    assert after == before["docs"] and not search.index_status(store)["ready"]


WORDS = ["میخواهند", "می‌خواهند", "ميخواهند", "seeds", "Seed", "کتاب", "کتاب‌ها", "covid-19", "a.b", "های"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(docs=st.lists(st.lists(st.sampled_from(WORDS + [" ", ", ", "\u200c"]), max_size=8).map("".join),
                     min_size=1, max_size=8),
       term=st.sampled_from(WORDS + ["seed*", "کتاب*", "می خواهند", "seeds کتاب", "seeds کتاب*", "covid-19 seeds",
                                     "a.b seeds", "seeds seeds seeds", "میخواهند, seeds", "seeds, های"]))
def test_search_agrees_with_the_frames_matcher(tmp_path_factory, docs, term):
    """Whatever the texts, the index finds exactly the messages the frames matcher finds for the term."""
    folder = tmp_path_factory.mktemp("hyp")
    write_chat(folder / "x" / "result.json", [desktop_message(i + 1, t or ".") for i, t in enumerate(docs)])
    # (Telegram exports' service rows are not in the index: lists never show them)
    with Corpus.open(folder / "c.duckdb") as corpus:
        corpus.ingest([folder / "x"])
        search.build_index(corpus)
        query = search.parse_query(term)
        total, uids = search.search(corpus, query, limit=1000)
        rows = corpus.sql("SELECT uid, text FROM messages ORDER BY uid")
    alternatives = tuple(make_term(t.strip(), "und") for t in term.split(",") if t.strip())  # any may match
    matcher = Matcher(Lexicon((Frame("q", "q", "", alternatives),)))
    hit_rows = set(matcher.scan(pa.array(rows["text"].to_list(), pa.string())).column("row").to_pylist())
    expected = {rows["uid"][i] for i in hit_rows}
    assert set(uids) == expected
    assert len(uids) == len(set(uids)) == total  # each message once, however many words of it match


_GLUE_ALPHABET = "کتابمیروم۱۲۹0159abcXYZé-_ ‌.،ـ" + "\u064b"


@given(st.text(alphabet=_GLUE_ALPHABET, max_size=30) | st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_split_glued_one_equals_the_arrow_kernels(text: str) -> None:
    """The one-string split a search term takes puts spaces exactly where the index's Arrow kernels do."""
    assert search.split_glued_one(text) == search.split_glued(pa.array([text]))[0].as_py()


def test_split_glued_one_splits_digits_and_latin_glued_to_persian() -> None:
    assert search.split_glued_one("۹متر") == "۹ متر"
    assert search.split_glued_one("iPhoneها") == "iPhone ها"
    assert search.split_glued_one("covid19") == "covid19"
