"""Objects of messages: URL normalisation, text keys, forwards, hashtag sets, reuse clusters."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.coordination.objects import KIND_CODES, extract_actions, normalise_url, object_labels
from narrascope.errors import UsageError


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.Example.com/a/b/?utm_source=x&id=3#frag", "example.com/a/b?id=3"),
    ("http://example.com:80/", "example.com"),
    ("HTTPS://t.me/s/chan/123", "t.me/chan/123"),
    ("telegram.me/chan/5", "t.me/chan/5"),
    ("https://EX.com/Path?x=1&utm_medium=2&y=2", "ex.com/Path?x=1&y=2"),  # paths keep their case
    ("https://ex.com/a?fbclid=1", "ex.com/a"),
    ("  ", None),
])
def test_urls_are_normalised(url, expected):
    assert normalise_url(url) == expected


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"(https?://)?(www\.)?[a-zA-Z]{1,8}\.(com|ir|me)(/[a-zA-Z0-9]{0,5}){0,3}/?(\?[a-z_]{1,6}=[a-z0-9]{0,3}(&[a-z_]{1,6}=[0-9]{0,3}){0,2})?(#[a-z]{0,4})?", fullmatch=True))
def test_normalising_is_idempotent(url):
    once = normalise_url(url)
    assert once is not None and normalise_url(once) == once


def _frame() -> pl.DataFrame:
    t = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rows = [
        {"uid": "u1", "channel_id": "c1", "channel": "One", "posted_at": t, "text": "Hello world, a long enough text",
         "links": ["https://www.x.com/a?utm_source=tg", "x.com/a"], "hashtags": ["#Iran", "#news"],
         "fwd_from_id": None, "fwd_from_name": None, "fwd_from_message_id": None},
        {"uid": "u2", "channel_id": "c2", "channel": "Two", "posted_at": t, "text": "hello   world, a long ENOUGH text",
         "links": ["http://x.com/a/"], "hashtags": ["#news", "#iran"],
         "fwd_from_id": None, "fwd_from_name": "Source", "fwd_from_message_id": None},
        {"uid": "u3", "channel_id": "c3", "channel": "Three", "posted_at": t, "text": "short",
         "links": [], "hashtags": [], "fwd_from_id": "99", "fwd_from_name": "Source", "fwd_from_message_id": "7"},
        {"uid": "u4", "channel_id": "c3", "channel": "Three", "posted_at": None, "text": "undated but long enough text",
         "links": ["x.com/a"], "hashtags": [], "fwd_from_id": None, "fwd_from_name": None, "fwd_from_message_id": None},
    ]
    return pl.DataFrame(rows)


def test_actions_share_objects_across_spellings():
    acts = extract_actions(_frame(), ("url", "text", "forward", "hashtags"), min_text_chars=10)
    frame = pl.DataFrame({"post": acts.post, "kind": acts.kind, "obj": acts.obj, "actor": acts.actor})
    uids = acts.posts["uid"].to_list()
    assert "u4" not in uids  # undated: cannot co-act
    by_kind = {k: frame.filter(pl.col("kind") == code) for k, code in KIND_CODES.items()}
    assert by_kind["url"].height == 2 and by_kind["url"]["obj"].n_unique() == 1  # u1's two spellings: one object
    assert by_kind["text"].height == 2 and by_kind["text"]["obj"].n_unique() == 1  # "short" is under 10 chars
    assert by_kind["hashtags"]["obj"].n_unique() == 1  # the same set, in another order and case
    assert by_kind["forward"].height == 2 and by_kind["forward"]["obj"].n_unique() == 2  # by name vs by id + message
    assert acts.actors == ["c1", "c2", "c3"] and acts.labels == ["One", "Two", "Three"]


def test_labels_show_the_normalised_url_and_the_original_text():
    frame = _frame()
    acts = extract_actions(frame, ("url", "text"), min_text_chars=10)
    labels = object_labels(frame, acts.posts, ("url", "text"), 10, None)
    assert set(labels["label"].to_list()) == {"x.com/a", "Hello world, a long enough text"}


def test_near_duplicates_need_clusters_and_media_a_hash_column():
    with pytest.raises(UsageError, match="reuse"):
        extract_actions(_frame(), ("near_duplicate",))
    clusters = pl.DataFrame({"uid": ["u1", "u3"], "cluster": ["k", "k"]})
    acts = extract_actions(_frame(), ("near_duplicate",), clusters=clusters)
    assert acts.size == 2 and len(set(acts.obj.tolist())) == 1
    with pytest.raises(UsageError, match="media_hash"):
        extract_actions(_frame(), ("media",))
    hashed = _frame().with_columns(pl.Series("media_hash", ["h1", "h1", None, None]))
    assert extract_actions(hashed, ("media",)).size == 2


def test_authors_as_actors():
    frame = _frame().with_columns(pl.Series("author", ["p1", "p1", None, "p2"]))
    acts = extract_actions(frame, ("url",), actors="author")
    assert acts.actors == ["p1"] and acts.size == 2
