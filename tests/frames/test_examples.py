"""Frame examples: newest first, undated last, every span the original characters it matched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope import Corpus
from narrascope.errors import UsageError
from narrascope.frames.examples import frame_examples, mark_spans, merge_spans
from narrascope.frames.lexicon import parse_lexicon_yaml

LEXICON = parse_lexicon_yaml("frames:\n- id: chaos\n  terms:\n    fa: [اشوب]\n    en: [riot]\n")


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    db = tmp_path / "c.duckdb"
    rows = [("old", datetime(2024, 1, 1, tzinfo=UTC), "آشوب در شهر"), ("new", datetime(2024, 5, 1, tzinfo=UTC),
            "a riot and another RIOT"), ("none", None, "آشوب بی‌تاریخ"), ("miss", datetime(2024, 6, 1, tzinfo=UTC),
            "آرام")]
    with Corpus.open(db) as corpus:
        for uid, at, text in rows:
            corpus.connection.execute(
                "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, script, "
                "lang, source_file, ingest_id) VALUES (?, 'telegram', '1', 'C', ?, 'post', ?, ?, NULL, NULL, 'f', 1)",
                [uid, uid, at, text])
    return db


def test_examples_are_newest_first_with_the_original_characters(store: Path) -> None:
    with Corpus.open(store, read_only=True) as corpus:
        found = frame_examples(corpus, LEXICON, "chaos", n=10)
    assert found.carrying == 3
    assert [e.uid for e in found.examples] == ["new", "old", "none"]  # undated last
    old = found.examples[1]
    assert old.matched == ["آشوب"]  # as written, though the lexicon (and the matcher) say اشوب
    assert [s.term for s in old.spans] == ["اشوب"]
    new = found.examples[0]
    assert [s.text for s in new.spans] == ["riot", "RIOT"] and new.matched == ["riot", "RIOT"]
    assert all(e.text[s.start:s.end] == s.text for e in found.examples for s in e.spans)


def test_examples_refuse_unknown_frames_and_channels(store: Path) -> None:
    with Corpus.open(store, read_only=True) as corpus:
        with pytest.raises(Exception, match="nope"):
            frame_examples(corpus, LEXICON, "nope")
        with pytest.raises(UsageError, match="no messages of channel"):
            frame_examples(corpus, LEXICON, "chaos", channel="elsewhere")
        assert len(frame_examples(corpus, LEXICON, "chaos", n=1).examples) == 1


def test_mark_spans_brackets_each_merged_span() -> None:
    assert mark_spans("a riot here", [(2, 6), (4, 6)]) == "a [[riot]] here"
    assert mark_spans("x", []) == "x"


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: (min(t), max(t) + 1)), max_size=8))
def test_merged_spans_cover_the_same_characters_without_overlap(spans: list[tuple[int, int]]) -> None:
    merged = merge_spans(spans)
    covered = {i for s, e in spans for i in range(s, e)}
    assert {i for s, e in merged for i in range(s, e)} == covered
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:], strict=False))
