"""Issue 4 acceptance on the demo corpus: shares equal the planted truth where the detector is exact, and the
Wilson intervals cover the planted probabilities at about the nominal rate across many generated corpora."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from narrascope import Corpus
from narrascope.demo import DemoConfig, planted_lexicon
from narrascope.demo.evaluate import frame_cells
from narrascope.frames import Matcher, load_lexicon
from narrascope.frames.lexicon import parse_lexicon_yaml
from narrascope.frames.prevalence import frame_shares
from narrascope.stats.intervals import wilson_interval


def test_store_shares_equal_planted_truth_per_channel_month(demo_store):
    db, manifest = demo_store
    lexicon = load_lexicon(manifest.lexicon_path)
    with Corpus.open(db, read_only=True) as corpus:
        table = frame_shares(corpus, lexicon, by=("channel", "month"))
    got = {(r["channel"], r["month"], r["frame"]): (r["n"], r["k"]) for r in table.iter_rows(named=True)}
    with open(manifest.frames_csv, encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    exact = [t for t in truth if t["detector_exact"] == "True"]
    assert len(exact) > 150
    for t in truth:
        n, k = got.get((t["channel"], t["month"], t["frame"]), (0, 0))
        assert n == int(t["n_posts"]), t
        assert k == int(t["n_detectable"]), t  # the lexicon finds exactly the planted terms, decoys included
        if t["detector_exact"] == "True":
            assert k == int(t["n_carrying"]), t
    inexact = [t for t in truth if t["detector_exact"] != "True"]
    assert any(int(t["n_detectable"]) != int(t["n_carrying"]) for t in inexact)  # the hard cases are really hard


@pytest.mark.slow
def test_wilson_intervals_cover_planted_probability_across_generated_corpora():
    """CI version with a fixed seed range (40 corpora ≈ 14,000 cells); bench/frames_coverage.py runs ≥ 200."""
    import yaml

    lexicon = parse_lexicon_yaml(yaml.safe_dump(planted_lexicon(), allow_unicode=True))
    matcher = Matcher(lexicon)
    frames = [f.id for f in lexicon.frames]
    cells = [c for seed in range(40)
             for c in frame_cells(DemoConfig(seed=seed, messages=1500, html_channels=0), matcher, frames)]
    p = pl.DataFrame(cells, schema=["p", "n", "k"], orient="row")
    lo, hi = wilson_interval(p["k"].to_numpy(), p["n"].to_numpy())
    coverage = float(((lo <= p["p"].to_numpy()) & (p["p"].to_numpy() <= hi)).mean())
    assert len(cells) > 5000
    assert 0.93 <= coverage <= 0.97, coverage
