"""Term discovery: the Monroe et al. (2008) statistic, and finding the demo generator's planted, unlisted terms."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from narrascope.demo import DemoConfig, generate_demo
from narrascope.errors import UsageError
from narrascope.frames.discover import DiscoverOptions, append_terms, discover_terms, log_odds, parse_group
from narrascope.frames.lexicon import load_lexicon
from narrascope.frames.match import Matcher
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
