"""The report's frames section on the demo corpus: chart data equal to the frames API, highlights at the spans."""

from __future__ import annotations

import json

import polars as pl
from lxml import html as lhtml

from narrascope import Corpus
from narrascope.frames import load_lexicon
from narrascope.frames.prevalence import frame_shares
from narrascope.report import ReportOptions, build_report
from narrascope.report.sections.frames import highlight


def test_highlight_escapes_and_marks_original_spans():
    out = str(highlight("a <b> می‌روم c", [(6, 12), (7, 9)]))
    assert out == "a &lt;b&gt; <mark>می‌روم</mark> c"


def test_frames_section_matches_api_and_marks_terms(demo_store, tmp_path):
    db, manifest = demo_store
    out = tmp_path / "report.html"
    with Corpus.open(db, read_only=True) as corpus:
        build_report(corpus, out, ReportOptions(lexicon=manifest.lexicon_path))
        overall = frame_shares(corpus, load_lexicon(manifest.lexicon_path), by=("month",))
    doc = lhtml.fromstring(out.read_text(encoding="utf-8"))
    data = json.loads(doc.get_element_by_id("data-frames").text)
    for fid, s in data["series"].items():
        api = overall.filter(pl.col("frame") == fid).sort("month")
        assert s["months"] == api["month"].to_list()
        assert s["k"] == api["k"].to_list()
    marks = doc.xpath("//section[@id='frames']//blockquote/mark") or doc.xpath("//blockquote/mark")
    assert marks, "examples carry highlighted terms"
    assert all(m.getparent().get("dir") == "auto" for m in marks)
