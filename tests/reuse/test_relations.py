"""Relations on hand-made examples (forward, copy, near-duplicate, rewrite, partial), boilerplate left out of
matching at the pipeline level, undated members, and stories carried by more than two long texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from narrascope.reuse import ReuseOptions, find_reuse_frame

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
RNG = np.random.default_rng(20241124)
SYLLABLES = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "nrslmkt"]


def _words(k: int) -> list[str]:
    """``k`` pseudo-words of two syllables (176,400 possible: unrelated texts share almost none)."""
    first, second = RNG.integers(0, len(SYLLABLES), size=(2, k))
    return [SYLLABLES[i] + SYLLABLES[j] for i, j in zip(first, second, strict=True)]


def _frame(rows: list[tuple[str, str, str, str | None]]) -> pl.DataFrame:
    """(uid, channel_id, text, fwd_from_name) rows posted ten minutes apart, channel names 'Channel <id>'."""
    return pl.DataFrame({
        "uid": [r[0] for r in rows], "channel_id": [r[1] for r in rows], "channel": [f"Channel {r[1]}" for r in rows],
        "message_id": [str(i) for i in range(len(rows))],
        "posted_at": [T0 + timedelta(minutes=10 * i) for i in range(len(rows))],
        "text": [r[2] for r in rows], "fwd_from_name": [r[3] for r in rows],
    })


def test_each_relation_on_hand_made_examples() -> None:
    s1, s2 = _words(40), _words(40)
    story = " ".join(s1 + s2) + "."
    changed = [*s1, *s2]
    for i, w in zip((5, 25, 60), _words(3), strict=True):
        changed[i] = w
    shuffled = list(RNG.permutation(s2))
    rows = [
        ("o1", "100", story, None),
        ("f1", "300", story, "Channel 100"),  # forwarded, metadata says from where
        ("c1", "400", story.upper().replace(" ", "  "), None),  # copy-paste: same matching form
        ("n1", "500", " ".join(changed), None),  # three words changed: near-duplicate
        ("r1", "600", " ".join(s1 + shuffled + _words(20)), None),  # half verbatim, rest reworded: rewrite
        ("p1", "700", " ".join(_words(60) + s2 + _words(20)), None),  # one quoted paragraph: partial
        ("u1", "800", " ".join(_words(50)), None),  # unrelated
    ]
    result = find_reuse_frame(_frame(rows), ReuseOptions())
    relation = {(a, b): r for a, b, r in result.pairs.select("a_uid", "b_uid", "relation").iter_rows()}
    assert relation[("o1", "f1")] == "forward"
    assert relation[("o1", "c1")] == "copy"
    assert relation[("o1", "n1")] == "near_duplicate"
    assert relation[("o1", "r1")] == "rewrite"
    assert relation[("o1", "p1")] == "partial"
    assert not any("u1" in pair for pair in relation)
    near = result.pairs.filter((pl.col("a_uid") == "o1") & (pl.col("b_uid") == "n1")).row(0, named=True)
    assert abs(near["jaccard"] - 69 / 87) < 1e-9  # 78 word 3-grams each, three changes remove 9
    members = dict(result.members.select("uid", "relation").iter_rows())
    assert members == {"o1": "origin", "f1": "forward", "c1": "copy", "n1": "near_duplicate", "r1": "rewrite",
                       "p1": "partial"}
    (cascade,) = result.cascades.iter_rows(named=True)
    assert cascade["origin_uid"] == "o1" and cascade["size"] == 6 and cascade["undated"] == 0
    passages = result.passages.filter((pl.col("a_uid") == "o1") & (pl.col("b_uid") == "p1"))
    (quote,) = passages.iter_rows(named=True)
    assert story[quote["a_start"] : quote["a_end"]] == " ".join(s2)
    assert rows[5][2][quote["b_start"] : quote["b_end"]] == " ".join(s2)


def test_a_quote_shared_by_several_long_texts_in_a_small_corpus_is_found() -> None:
    # A document-frequency limit scaled to a small corpus (max_df 2 of 200 texts) used to hide every passage
    # that more than two articles share: a story rewritten by three outlets lost all its pairs.
    quote = _words(60)
    rows = [(f"a{i}", f"o{i}", " ".join(_words(60) + quote + _words(40)), None) for i in range(4)]
    rows += [(f"x{i}", "filler", " ".join(_words(40)), None) for i in range(200)]
    result = find_reuse_frame(_frame(rows), ReuseOptions())
    pairs = set(result.pairs.select("a_uid", "b_uid").iter_rows())
    assert pairs == {(f"a{i}", f"a{j}") for i in range(4) for j in range(i + 1, 4)}
    assert set(result.pairs["relation"]) == {"partial"}


def test_boilerplate_lines_and_formulaic_openings_are_reported_and_left_out_of_matching() -> None:
    signature = "join us for the daily news digest at our channel and share it with your friends today"
    opening = "breaking news from our correspondent reporting live from the capital city tonight"
    rows = [(f"s{i}", "sig", " ".join(_words(4)) + "\n" + signature, None) for i in range(12)]
    rows += [(f"o{i}", "open", opening + " " + " ".join(_words(5)), None) for i in range(12)]
    frame = _frame(rows)
    on = find_reuse_frame(frame, ReuseOptions())
    off = find_reuse_frame(frame, ReuseOptions(boilerplate=False))
    # without the filter the shared furniture makes every post of each channel a near-duplicate of the others
    assert off.pairs.height == 2 * (12 * 11 // 2) and set(off.pairs["relation"]) == {"near_duplicate"}
    assert on.pairs.height == 0 and on.cascades.height == 0
    assert on.boilerplate.select("channel_id", "line").rows() == [("sig", signature)]
    assert on.stats["boilerplate_lines"] == 1 and on.stats["messages_with_boilerplate"] == 12
    assert on.stats["boilerplate_ngrams"] == len(opening.split()) - 2  # the opening's 3-grams, in channel "open"


def test_undated_members_are_counted_and_get_no_lags() -> None:
    text = "the ministry announced that the water supply will be cut in the northern districts tomorrow morning"
    frame = pl.DataFrame({
        "uid": ["late", "undated", "first"], "channel_id": ["1", "2", "3"], "message_id": ["1", "1", "1"],
        "posted_at": [T0 + timedelta(hours=1), None, T0], "text": [text, text + "!", text],
    }).with_columns(pl.col("posted_at").cast(pl.Datetime("us", "UTC")))
    result = find_reuse_frame(frame, ReuseOptions())
    (cascade,) = result.cascades.iter_rows(named=True)
    assert cascade["undated"] == 1 and cascade["origin_uid"] == "first" and cascade["size"] == 3
    m = {r["uid"]: r for r in result.members.iter_rows(named=True)}
    assert m["first"]["relation"] == "origin"
    assert m["late"]["lag_origin_s"] == 3600 and m["late"]["parent_uid"] == "first"
    assert m["undated"]["parent_uid"] == "first" and m["undated"]["lag_origin_s"] is None
    assert m["undated"]["lag_parent_s"] is None
    assert result.members["uid"].to_list() == ["first", "late", "undated"]  # undated members are listed last
