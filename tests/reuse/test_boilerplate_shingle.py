"""Boilerplate detection and shingling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.reuse import ReuseOptions, find_reuse_frame
from narrascope.reuse.boilerplate import boilerplate_lines, drop_channel_ngrams
from narrascope.reuse.shingle import (
    ShingleSets,
    char_shingles,
    intersection_sizes,
    sorted_unique,
    token_hashes,
    token_lists,
    word_shingles,
)
from narrascope.text.normalize import normalize_many


def _run(texts: list[str], channels: list[str], **options: object) -> tuple[pl.DataFrame, dict]:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    frame = pl.DataFrame({"uid": [f"u{i:02d}" for i in range(len(texts))], "channel_id": channels,
                          "message_id": [str(i) for i in range(len(texts))],
                          "posted_at": [t0 + timedelta(hours=i) for i in range(len(texts))], "text": texts})
    result = find_reuse_frame(frame, ReuseOptions(**options))  # type: ignore[arg-type]
    return result.boilerplate, result.stats


def test_channel_signatures_are_boilerplate_and_reposts_are_not() -> None:
    texts = [f"story number {i} about topic {i * 7}\n🆔 @my_channel" for i in range(20)]
    texts += ["the same story posted again and again"] * 6  # one text six times: not boilerplate
    texts += [f"other channel {i}\n🆔 @my_channel" for i in range(3)]  # the line, but in another channel
    channels = ["a"] * 26 + ["b"] * 3
    lines, stats = _run(texts, channels, boilerplate_min_messages=5, line_max_share=0.02)
    # lines are in matching form, where "_" reads as a space (hashtags: issue 10 §2)
    assert lines.rows() == [("a", "🆔 @my channel", 20)]
    assert stats["messages_with_boilerplate"] == 20 and stats["boilerplate_lines"] == 1
    assert stats["exact_copies"] == 5  # the repost, five times after its first post
    off, stats = _run(texts, channels, boilerplate=False)
    assert off.height == 0 and stats["messages_with_boilerplate"] == 0



def test_lines_in_memory_are_the_lines_the_engine_finds() -> None:
    texts = [f"story number {i} about topic {i * 7}\n🆔 @my_channel" for i in range(20)]
    texts += ["the same story posted again and again"] * 6  # one text six times: not boilerplate
    texts += [f"other channel {i}\n🆔 @my_channel" for i in range(3)]  # the line, but in another channel
    texts += [f"Read more: site\nitem {i} of the b list\njoin us @b_news" for i in range(9)]
    channels = ["a"] * 26 + ["b"] * 12
    result = boilerplate_lines(pl.Series(texts), pl.Series(channels), min_messages=5, max_share=0.02)
    engine, _ = _run(texts, channels, boilerplate_min_messages=5, line_max_share=0.02)
    assert result.lines.rows() == engine.rows()
    assert result.lines.rows()[0] == ("a", "🆔 @my channel", 20)  # matching form: "_" reads as a space
    matching = result.matching.to_pylist()
    assert matching[0] == "story number 0 about topic 0"
    assert matching[20] == "the same story posted again and again"
    assert matching[26] == "other channel 0 🆔 @my channel"
    assert matching[29] == "item 0 of the b list"  # b's two furniture lines, in 9 of its 12 texts
    assert {line for ch, line, _ in result.lines.rows() if ch == "b"} == {"read more: site", "join us @b news"}
    assert result.full.to_pylist()[0] == "story number 0 about topic 0 🆔 @my channel"
    assert result.dropped_lines.tolist()[:2] == [1, 1] and result.dropped_lines[20] == 0
    off = boilerplate_lines(pl.Series(texts), pl.Series(channels), enabled=False)
    assert off.lines.height == 0 and off.matching.to_pylist()[0] == off.full.to_pylist()[0]

def test_signature_lines_do_not_link_unrelated_posts_of_a_channel() -> None:
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(words[i * 20 : i * 20 + 3]) + "\nfollow our channel for the latest news @my_channel"
             for i in range(20)]
    with_filter = find_reuse_frame(pl.DataFrame({
        "uid": [f"u{i}" for i in range(20)], "channel_id": ["a"] * 20, "posted_at": [None] * 20, "text": texts}))
    assert with_filter.pairs.height == 0
    without = find_reuse_frame(pl.DataFrame({
        "uid": [f"u{i}" for i in range(20)], "channel_id": ["a"] * 20, "posted_at": [None] * 20, "text": texts}),
        ReuseOptions(boilerplate=False))
    assert without.pairs.height > 0


def test_channel_ngram_boilerplate_is_removed_but_never_empties_a_message() -> None:
    sets = ShingleSets.from_pairs(np.array([0, 0, 1, 1, 2, 3]), np.array([7, 1, 7, 2, 7, 7], dtype=np.uint32), 4)
    codes = np.array([0, 0, 0, 1])
    out, removed = drop_channel_ngrams(sets, codes, np.ones(4, bool), min_messages=3, max_share=0.5)
    assert removed == 1
    assert [out.row(i).tolist() for i in range(4)] == [[1], [2], [7], [7]]


def test_persian_spelling_variants_give_identical_shingles() -> None:
    texts = ["مردم می‌گویند کتاب‌ها در ایران گران شده است", "مردم ميگويند كتاب ها در ايران گران شده است"]
    tokens = token_lists(normalize_many(texts))
    hashes, offsets = token_hashes(tokens)
    words = word_shingles(hashes, offsets, 3)
    chars = char_shingles(tokens, 5, np.array([0, 1]))
    assert np.array_equal(words.row(0), words.row(1)) and words.sizes()[0] == 6
    assert np.array_equal(chars.row(0), chars.row(1))


def test_short_texts_get_one_shingle_and_empty_texts_none() -> None:
    tokens = token_lists(normalize_many(["hello", "", "a b c d"]))
    hashes, offsets = token_hashes(tokens)
    words = word_shingles(hashes, offsets, 3)
    assert words.sizes().tolist() == [1, 0, 2]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sets(st.integers(0, 40), max_size=15), min_size=2, max_size=12), st.data())
def test_intersection_sizes_match_python_sets(rows, data) -> None:
    owner = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)]).astype(np.int64)
    values = np.concatenate([np.array(sorted(r), dtype=np.uint32) for r in rows])
    sets = ShingleSets.from_pairs(owner, values, len(rows))
    pairs = np.array(data.draw(st.lists(st.tuples(st.integers(0, len(rows) - 1), st.integers(0, len(rows) - 1)),
                                        min_size=1, max_size=20)))
    expected = [len(rows[a] & rows[b]) if a != b else len(rows[a]) for a, b in pairs]
    got = intersection_sizes(sets, np.array([(a, b) for a, b in pairs if a != b]).reshape(-1, 2), chunk_values=7)
    assert got.tolist() == [e for (a, b), e in zip(pairs, expected, strict=True) if a != b]
    keys, counts = sorted_unique(values.astype(np.uint64))
    ref_keys, ref_counts = np.unique(values, return_counts=True)
    assert keys.tolist() == ref_keys.tolist() and counts.tolist() == ref_counts.tolist()
