"""Frames: each frame's share over time (interval band, change points), per channel, and highlighted examples.

Every number comes from the same public functions as the command line — :func:`~narrascope.frames.trends.trend_report`
(``narrascope trends``), :func:`~narrascope.frames.prevalence.frame_shares` (``narrascope frames``),
:func:`~narrascope.validate.validated_frame_shares` (``frames --validated``) and
:func:`~narrascope.frames.examples.frame_examples` (``narrascope show``); the lexicon is matched once
(:func:`~narrascope.frames.prevalence.frame_hits`) and the matches handed to each. This module only arranges the
results: a continuous month axis (a silent stretch is a gap, not one step), the undated messages a time axis cannot
show counted under each chart, and the original text of each match (never the normalised form the matcher used).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from markupsafe import Markup, escape

from ...frames import load_lexicon
from ...frames.examples import frame_examples, merge_spans
from ...frames.prevalence import ANY, frame_hits, frame_shares
from ...frames.trends import TrendOptions, trend_report
from ...store.corpus import Corpus
from ..charts import Band, Marker, band_chart
from ..model import ReportOptions, Section
from ..render import render
from .overview import month_range

ORDER = 20


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with the (original-text) spans wrapped in <mark>; overlapping spans are merged."""
    out: list[str] = []
    pos = 0
    for start, end in merge_spans(spans):
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]


def _undated_note(undated: dict[str, int], frame: str) -> str:
    n = undated.get("messages", 0)
    if not n:
        return ""
    k = undated.get(frame, 0)
    return (f"{n:,} undated message{'' if n == 1 else 's'} not shown ({k:,} carr{'ies' if k == 1 else 'y'} this "
            "frame; they are counted in the per-channel table).")


def _chart(fid: str, label: str, s: pl.DataFrame, axis: list[str], undated: dict[str, int]) -> dict[str, Any]:
    """One frame's monthly share on the continuous month axis: months without messages are gaps."""
    rows = {r["month"]: r for r in s.iter_rows(named=True)}

    def column(name: str) -> list[float | None]:
        out: list[float | None] = []
        for m in axis:
            v = rows.get(m, {}).get(name)
            out.append(None if v is None or v != v else float(v))
        return out

    changes = s.filter(pl.col("change"))["month"].to_list() if "change" in s.columns else []
    note = _undated_note(undated, fid)
    caption = (f"Share of messages carrying “{label}” per month (UTC), with 95% Wilson intervals; vertical lines "
               "mark change points (PELT); months without messages are left blank.")
    chart = band_chart(axis, [Band(label, column("share"), column("lower"), column("upper"))],
                       [Marker(m, "change point") for m in changes], percent=True, y_label="share",
                       caption=caption)
    return {"frame": fid, "label": label, "changes": changes, "chart": chart, "undated": note}


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    if options.lexicon is None:
        return None
    lexicon = load_lexicon(options.lexicon)
    frames = [f.id for f in lexicon.frames]
    labels = {f.id: f.label or f.id for f in lexicon.frames} | {ANY: ANY}
    hits = frame_hits(corpus, lexicon)
    trends = trend_report(corpus, lexicon, TrendOptions(period="month"), hits=hits)
    months = sorted({m for s in trends.series.values() for m in s["month"].to_list()})
    axis = month_range(months[0], months[-1]) if months else []
    series: dict[str, Any] = {}
    charts = []
    for fid in [*frames, ANY]:
        s = trends.series[fid]
        series[fid] = {"months": s["month"].to_list(), "n": s["n"].to_list(), "k": s["k"].to_list(),
                       "share": s["share"].to_list(), "lower": s["lower"].to_list(), "upper": s["upper"].to_list(),
                       "change_points": s.filter(pl.col("change"))["month"].to_list()}
        charts.append(_chart(fid, labels[fid], s, axis, trends.undated))
    per_channel = frame_shares(corpus, lexicon, ("channel",), hits=hits).sort(["frame", "share"],
                                                                              descending=[False, True])
    corrected: list[dict[str, Any]] = []
    if options.validated:
        from ...validate import validated_frame_shares

        table, _ = validated_frame_shares(corpus, lexicon, list(options.validated), (), hits=hits)
        corrected = _clean(table.to_dicts())
    examples = []
    for fid in frames:
        for e in frame_examples(corpus, lexicon, fid, n=options.examples, hits=hits).examples:
            examples.append({
                "frame": fid, "label": labels[fid], "channel": e.channel, "message_id": e.message_id,
                "posted_at": e.posted_at, "uid": e.uid, "matched": e.matched,
                "terms": sorted({s.term for s in e.spans}),
                "html": highlight(e.text, [(s.start, s.end) for s in e.spans]),
            })
    html = render("frames.html", lexicon=lexicon, charts=charts, per_channel=per_channel.to_dicts(),
                  labels=labels, corrected=corrected, examples=examples)
    data = {
        "lexicon": str(options.lexicon), "lexicon_hash": lexicon.content_hash, "frames": frames,
        "axis_months": axis, "series": series, "undated": trends.undated,
        "per_channel": _clean(per_channel.to_dicts()), "corrected": corrected,
        "examples": [{k: v for k, v in e.items() if k != "html"} for e in examples],
    }
    return Section(id="frames", title="Frames", html=html, data=data)
