"""One cascade in detail: the most informative pairs first, posts named as the timeline names them, previews cut at
word boundaries."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from narrascope.reuse.detail import SHOW_FIRST, informative_pairs, post_label, preview


def _members(relations: list[str]) -> pl.DataFrame:
    n = len(relations)
    return pl.DataFrame({
        "uid": [f"m{i}" for i in range(n)], "relation": relations, "parent_uid": ["m0" if i else None for i in range(n)],
        "direct_parent": [None if i == 0 else True for i in range(n)],
        "channel": [f"C{i}" for i in range(n)], "channel_id": [str(i) for i in range(n)],
        "message_id": [str(100 + i) for i in range(n)],
    })


def test_one_of_each_relation_kind_comes_first():
    members = _members(["origin", *["forward"] * 5, *["copy"] * 3, "rewrite", "near_duplicate", "rewrite"])
    picked = informative_pairs(members, 4)["relation"].to_list()
    assert picked == ["rewrite", "near_duplicate", "copy", "forward"]  # a rewrite without asking for --pairs 5
    everything = informative_pairs(members, 100)["relation"].to_list()
    kinds = [r for r in SHOW_FIRST if r in everything]
    assert everything[: len(kinds)] == kinds and len(everything) == len(members) - 1
    assert informative_pairs(members, 0).height == 0


def test_members_without_a_direct_parent_are_not_pairs():
    members = _members(["origin", "forward", "rewrite"]).with_columns(
        pl.Series("direct_parent", [None, True, False]))
    assert informative_pairs(members, 5)["uid"].to_list() == ["m1"]


def test_posts_are_named_by_channel_and_message_id():
    assert post_label("Azadi Voice", "71") == "Azadi Voice #71"
    assert post_label(None, None) == "? #?"


def test_previews_cut_at_a_word_boundary_with_an_ellipsis():
    assert preview("one two three four", 60) == "one two three four"
    assert preview("one two three four", 12) == "one two…"
    assert preview("  line one\nline   two ", 60) == "line one line two"
    assert preview("x" * 50, 10) == "x" * 9 + "…"  # one long word: cut inside it, still marked
    assert preview(None, 10) == ""
    assert preview("خبر فوری: تظاهرات در تهران ادامه دارد", 21) == "خبر فوری: تظاهرات در…"
    assert preview("خبر فوری: تظاهرات در تهران ادامه دارد", 20) == "خبر فوری: تظاهرات…"


@given(st.text(alphabet=st.sampled_from("ab آب ،.\n"), max_size=80), st.integers(2, 40))
def test_previews_are_short_prefixes_ending_in_an_ellipsis_when_cut(text: str, width: int):
    flat = " ".join(text.split())
    out = preview(text, width)
    assert len(out) <= width
    if out == flat:
        return
    kept = out[:-1]
    assert out.endswith("…") and flat.startswith(kept)
    if " " in flat[width // 2: width - 1]:  # a word boundary was near: the cut is at one, never inside a word
        assert flat[len(kept)] in " ,;:.،؛"
