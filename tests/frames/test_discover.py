"""Term discovery: the Monroe et al. (2008) statistic, and finding the demo generator's planted, unlisted terms."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.demo import DemoConfig, generate_demo
from narrascope.errors import UsageError
from narrascope.frames.discover import (
    DiscoverOptions,
    append_terms,
    count_terms,
    discover_terms,
    log_odds,
    parse_group,
)
from narrascope.frames.lexicon import load_lexicon
from narrascope.frames.match import Matcher
from narrascope.frames.stopwords import stopwords
from narrascope.text.normalize import normalize


def test_log_odds_matches_the_formula_by_hand():
    ya, yb = np.array([30, 5, 100]), np.array([10, 5, 300])
    delta, z = log_odds(ya, yb, prior=10.0)
    alpha = 10.0 * (ya + yb) / (ya + yb).sum()
    na, nb = ya.sum(), yb.sum()
    d0 = math.log((30 + alpha[0]) / (na + 10 - 30 - alpha[0])) - math.log((10 + alpha[0]) / (nb + 10 - 10 - alpha[0]))
    assert delta[0] == pytest.approx(d0)
    assert z[0] == pytest.approx(d0 / math.sqrt(1 / (30 + alpha[0]) + 1 / (10 + alpha[0])))
    assert z[0] > 0 > z[2]


def test_a_stronger_prior_shrinks_rare_terms():
    ya, yb = np.array([3, 300]), np.array([0, 600])
    d_weak, _ = log_odds(ya, yb, prior=1.0)
    d_strong, _ = log_odds(ya, yb, prior=5000.0)
    assert abs(d_strong[0]) < abs(d_weak[0])


def test_groups_parse_and_refuse_unknown_keys():
    assert parse_group("channel=A, B") == ("channel", ["A", "B"])
    with pytest.raises(UsageError):
        parse_group("colour=red")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("discover_demo")
    manifest = generate_demo(folder, DemoConfig(messages=4000))
    truth = json.loads(manifest.truth_path.read_text(encoding="utf-8"))
    texts: list[str] = []
    for export in manifest.exports:
        if export.is_file():  # JSON exports are enough here
            data = json.loads(export.read_text(encoding="utf-8"))
            for m in data["messages"]:
                t = m.get("text")
                if isinstance(t, list):
                    t = "".join(p if isinstance(p, str) else p.get("text", "") for p in t)
                if t:
                    texts.append(t)
    return load_lexicon(manifest.lexicon_path), truth, texts


@pytest.mark.slow
@pytest.mark.parametrize("frame", ["resistance", "sedition"])
def test_planted_unlisted_terms_rank_in_the_top_20(demo, frame):
    lexicon, truth, texts = demo
    mask = Matcher(lexicon).frame_mask(texts)[:, lexicon.frame_ids.index(frame)]
    hits = [t for t, m in zip(texts, mask, strict=True) if m]
    rest = [t for t, m in zip(texts, mask, strict=True) if not m]
    top = discover_terms(hits, rest, lexicon=lexicon, frame=frame, options=DiscoverOptions(top=20))
    found = set(top["term"].to_list())
    planted = next(f for f in truth["frames"] if f["id"] == frame)["unlisted_terms"]
    wanted = {normalize(t) for terms in planted.values() for t in terms}
    assert wanted <= found, (wanted - found, top)
    assert not top["listed"].any()
    with_listed = discover_terms(hits, rest, lexicon=lexicon, frame=frame,
                                 options=DiscoverOptions(top=1000, include_listed=True))
    assert with_listed["listed"].any()  # hidden by default, shown on request


@pytest.mark.slow
def test_append_terms_writes_a_valid_lexicon_with_the_new_terms(demo, tmp_path):
    lexicon, _, _ = demo
    out = append_terms(lexicon, "resistance", ["استبداد", "brave youth", "uprising"], tmp_path / "new.yaml")
    new = load_lexicon(out)
    old_terms = {(t.lang, t.text) for t in lexicon.frame("resistance").terms}
    new_terms = {(t.lang, t.text) for t in new.frame("resistance").terms}
    assert new_terms - old_terms == {("fa", "استبداد"), ("en", "brave youth")}
    assert new.frame("sedition") == lexicon.frame("sedition")
    assert new.content_hash != lexicon.content_hash
    hits = Matcher(new).scan(["حکومت استبداد را ببینید"])
    assert pl.from_arrow(hits)["term"].to_list() == ["استبداد"]


def _reference_counts(texts: list[str], max_words: int) -> dict[str, int]:
    """The plain-Python count the vectorised one replaced: each message's set of n-grams of its tokens."""
    from narrascope.text.tokens import tokens

    out: dict[str, int] = {}
    for norm in (normalize(t) for t in texts):
        words = [w for w in tokens(norm) if any(c.isalnum() for c in w)]
        grams = {" ".join(words[i:i + k]) for k in range(1, max_words + 1) for i in range(len(words) - k + 1)}
        for g in grams:
            out[g] = out.get(g, 0) + 1
    return out


@given(st.lists(st.lists(st.sampled_from(["a", "b", "رژیم", "می‌روم", "x1", "—", "don't", "‌"]), max_size=12)
                .map(" ".join), min_size=1, max_size=30), st.integers(1, 3))
@pytest.mark.slow
def test_vectorised_counts_equal_the_plain_python_ones(texts: list[str], max_words: int) -> None:
    counts, n = count_terms(texts, max_words)
    assert n == len(texts)
    assert dict(counts) == _reference_counts(texts, max_words)


@pytest.mark.slow
@pytest.mark.parametrize("frame", ["resistance", "sedition"])
def test_function_words_numbers_and_phrases_edged_by_them_never_rank(demo, frame):
    lexicon, _, texts = demo
    mask = Matcher(lexicon).frame_mask(texts)[:, lexicon.frame_ids.index(frame)]
    hits = [t for t, m in zip(texts, mask, strict=True) if m]
    rest = [t for t, m in zip(texts, mask, strict=True) if not m]
    stop = stopwords()

    def edged(table: pl.DataFrame) -> list[str]:
        return [t for t in table["term"].to_list()
                if t.split(" ")[0] in stop or t.split(" ")[-1] in stop or t.split(" ")[0].isdigit()]

    top = discover_terms(hits, rest, lexicon=lexicon, frame=frame, options=DiscoverOptions(top=50))
    assert edged(top) == []
    everything = discover_terms(hits, rest, lexicon=lexicon, frame=frame,
                                options=DiscoverOptions(top=50, stopwords=False))
    assert edged(everything)  # without the list, function words do rank
    if frame == "resistance":
        assert {"روی", "بود"} <= set(everything["term"].to_list())  # the two the issue saw first


def test_stopwords_are_in_matching_form_and_spare_persian_content_words():
    stop = stopwords()
    assert all(w == normalize(w) for w in stop)
    assert {"روی", "بود", "the", normalize("في")} <= stop
    assert not {"علی", "امام", "ضد", "us", "may"} & stop  # Arabic words whose Persian look-alikes carry meaning


@pytest.mark.slow
def test_discover_on_the_store_leaves_out_channel_signatures(demo_store_for_discover):
    db, lexicon = demo_store_for_discover
    from narrascope import Corpus
    from narrascope.frames.discover import discover_corpus

    with Corpus.open(db, read_only=True) as corpus:
        clean, desc = discover_corpus(corpus, lexicon, frame="resistance", options=DiscoverOptions(top=40))
        noisy, _ = discover_corpus(corpus, lexicon, frame="resistance",
                                   options=DiscoverOptions(top=40, boilerplate=False))
    signatures = {"azadi voice", "hamseda tv"}
    assert signatures & set(noisy["term"].to_list())  # a channel's signature ranks when left in
    assert not signatures & set(clean["term"].to_list())
    assert desc["boilerplate_lines_removed"] > 0


@pytest.fixture(scope="module")
def demo_store_for_discover(tmp_path_factory):
    from narrascope import Corpus

    folder = tmp_path_factory.mktemp("discover_store")
    manifest = generate_demo(folder, DemoConfig())
    db = folder / "corpus.duckdb"
    with Corpus.open(db) as corpus:
        corpus.ingest([folder / "exports"])
    return db, load_lexicon(manifest.lexicon_path)


LEXICON_WITH_COMMENTS = """\
# Lexicon of the 2024 study — revised after the second validation round
name: study   # do not rename: reports cite it
version: 3
frames:
  - id: resistance
    label: "Resistance"
    terms:
      en:
        - uprising        # fires falsely on "Ashura uprising": see exclude
        - {term: protest, suffixes: true}
      fa: [خیزش, قیام]
    exclude: [Ashura uprising]
  - id: sedition
    terms:
      en:
        - rioters
"""


def test_append_to_keeps_comments_version_and_layout(tmp_path):
    import difflib

    src = tmp_path / "lexicon.yaml"
    src.write_text(LEXICON_WITH_COMMENTS, encoding="utf-8")
    lexicon = load_lexicon(src)
    out = append_terms(lexicon, "resistance", ["brave youth", "استبداد", "#azadi", "uprising"], tmp_path / "new.yaml")
    text = out.read_text(encoding="utf-8")
    diff = [d for d in difflib.ndiff(LEXICON_WITH_COMMENTS.splitlines(), text.splitlines()) if d[:1] in "+-"]
    assert all(d.startswith(("+ ", "- ", "? ")) for d in diff)
    removed = [d for d in diff if d.startswith("- ")]
    assert removed == ["-       fa: [خیزش, قیام]"]  # the flow list gained an item in place
    assert "+       fa: [خیزش, قیام, استبداد]" in diff
    assert "+         - brave youth" in diff and "+         - '#azadi'" in diff
    for kept in ("# Lexicon of the 2024 study", "version: 3", "# do not rename", "# fires falsely"):
        assert kept in text
    new = load_lexicon(out)
    assert {t.text for t in new.frame("resistance").terms} == {"uprising", "protest", "خیزش", "قیام", "brave youth",
                                                                 "استبداد", "#azadi"}
    assert new.frame("sedition") == lexicon.frame("sedition")


def test_append_to_adds_a_language_the_frame_lacks(tmp_path):
    src = tmp_path / "lexicon.yaml"
    src.write_text(LEXICON_WITH_COMMENTS, encoding="utf-8")
    out = append_terms(load_lexicon(src), "sedition", ["اغتشاشگران"], tmp_path / "new.yaml")
    new = load_lexicon(out)
    assert {(t.lang, t.text) for t in new.frame("sedition").terms} == {("en", "rioters"), ("fa", "اغتشاشگران")}
    assert out.read_text(encoding="utf-8").startswith(LEXICON_WITH_COMMENTS.rstrip("\n"))
