"""The graded test set (tests/reuse/graded.py) and the length-scaled rules (reuse/passages.py): the set is what it
says, and the rules hold across lengths where the old fixed floor did not."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from narrascope.reuse import ReuseOptions, find_reuse_frame
from narrascope.reuse.passages import candidate_need, rewrite_need

from .graded import BANDS, LEVELS, graded_corpus, link_rates


@pytest.mark.slow
def test_the_set_is_deterministic_and_covers_every_level_length_and_language() -> None:
    one = graded_corpus(seed=3, families=3)
    assert one.equals(graded_corpus(seed=3, families=3))
    assert not one.equals(graded_corpus(seed=4, families=3))
    assert set(one["level"]) == set(LEVELS) and set(one["lang"]) == {"en", "fa"}
    sources = one.filter(pl.col("level") == "source")
    for lo, hi in BANDS:
        words = sources.filter(pl.col("band") == f"{lo}-{hi - 1}")["words"]
        assert words.min() >= lo and words.max() < hi + 30  # a source stops at the first sentence past its length
    assert sources["words"].min() >= 50 and one["words"].min() >= 40  # revisions may drop a few words
    persian = one.filter(pl.col("lang") == "fa")["text"].str.contains(r"\p{Arabic}").all()
    assert persian and not one.filter(pl.col("lang") == "en")["text"].str.contains(r"\p{Arabic}").any()


def test_revisions_keep_less_of_their_source_the_heavier_they_are() -> None:
    corpus = graded_corpus(seed=1, families=6, bands=((300, 800),))
    words = {u: set(t.lower().split()) for u, t in zip(corpus["uid"], corpus["text"], strict=True)}
    share = {level: np.mean([len(words[u] & words[s]) / len(words[u])
                             for u, s, lv in zip(corpus["uid"], corpus["source_uid"], corpus["level"], strict=True)
                             if lv == level]) for level in ("copy", "light", "heavy", "unrelated")}
    assert share["copy"] > share["light"] > share["heavy"] > share["unrelated"]


def test_the_required_share_of_3_grams_falls_with_length_and_candidates_need_fewer_for_short_texts() -> None:
    n = np.array([50, 150, 450, 1200, 5000])
    need = rewrite_need(n, 0.05, 3.5)
    assert (np.diff(need) > 0).all() and (np.diff(need / n) < 0).all()
    assert need[-1] / n[-1] > 0.05  # never below the background
    assert candidate_need(np.array([20, 60, 100, 400]), 5, 0.03).tolist() == [2, 2, 3, 5]


@pytest.mark.slow
def test_the_old_fixed_floor_misses_short_rewrites_that_the_scaled_rules_link() -> None:
    corpus = graded_corpus(seed=0, families=20, bands=((100, 300),))
    old = link_rates(corpus, find_reuse_frame(corpus, ReuseOptions(rewrite_z=1e6)).pairs)
    new = link_rates(corpus, find_reuse_frame(corpus, ReuseOptions()).pairs)

    def share(rates: pl.DataFrame, level: str) -> float:
        return float(rates.filter(pl.col("level") == level)["linked"].sum() / rates.filter(
            pl.col("level") == level)["texts"].sum())

    assert share(old, "light") < 0.9 and share(old, "heavy") < 0.6  # what the held-out graded set showed
    assert share(new, "light") >= 0.95 and share(new, "heavy") >= 0.7
    assert share(new, "unrelated") == 0 and new["wrong"].sum() == 0
