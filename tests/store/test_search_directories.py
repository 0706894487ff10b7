"""The search index's directories in memory agree with the index's tables."""

from __future__ import annotations

import pytest

from narrascope.store import search, search_directories
from narrascope.store.browse import MessageFilter
from tests.store import test_search


@pytest.fixture
def store(tmp_path, monkeypatch):
    with test_search.indexed_store(tmp_path, monkeypatch) as corpus:
        yield corpus


def test_uid_directory_in_memory_agrees_with_the_table(store):
    directory = search_directories.uid_directory(store)
    for uid, rowid in store.connection.execute("SELECT uid, rowid FROM messages").fetchall():
        assert directory.rowid(uid) == rowid == search.message_hint(store, None, uid)
    assert directory.rowid("f" * 32) is None  # hex, but no such message
    assert directory.rowid("not hex at all, but long enough") is None
    assert directory.rowid("abc") is None


def test_channel_directory_answers_channel_filters_like_sql(store):
    directory = search_directories.channel_directory(store)
    channels = [r[0] for r in store.connection.execute("SELECT DISTINCT channel_id FROM messages").fetchall()]
    assert len(directory.codes) == len(test_search.TEXTS)
    for picked in [[c] for c in channels] + [channels, [channels[0], channels[0]], ["no-such-channel"]]:
        filt = MessageFilter(channels=tuple(picked))
        rids = directory.rids(picked)
        assert rids.tolist() == search.page(store, None, filt, columns=("uid",), limit=100)["rid"].to_list()
        assert len(rids) == search.count(store, None, filt)
        for text in ("بروند", "seed*", "covid-19 cases", "grapes, نیست"):
            query = search.parse_query(text)
            assert (directory.keep(search.matching_rids(store, query), picked).tolist()
                    == search.matching_rids(store, query, filt).tolist())
