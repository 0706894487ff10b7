"""Frames: each frame's share over time (interval band, change points), per channel, and highlighted examples.

Numbers come from the frames API (matches cached in the store); this module only arranges them for display.
With coded validation samples, corrected shares stand beside the raw ones.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from markupsafe import Markup, escape

from ...frames import load_lexicon, match_corpus
from ...frames.prevalence import ANY, frame_messages, shares_table
from ...frames.trends import share_series
from ...store.corpus import Corpus
from ..charts import Band, Marker, band_chart
from ..model import ReportOptions, Section
from ..render import render

ORDER = 20


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with the (original-text) spans wrapped in <mark>; overlapping spans are merged."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    if options.lexicon is None:
        return None
    lexicon = load_lexicon(options.lexicon)
    frames = [f.id for f in lexicon.frames]
    labels = {f.id: f.label or f.id for f in lexicon.frames} | {ANY: ANY}
    messages = frame_messages(corpus)
    hits = pl.from_arrow(match_corpus(corpus, lexicon))
    assert isinstance(hits, pl.DataFrame)
    series: dict[str, Any] = {}
    charts = []
    for fid in [*frames, ANY]:
        s = share_series(messages, hits, fid, period="month")
        months = s["month"].to_list()
        changes = s.filter(pl.col("change"))["month"].to_list()
        series[fid] = {"months": months, "n": s["n"].to_list(), "k": s["k"].to_list(), "share": s["share"].to_list(),
                       "lower": s["lower"].to_list(), "upper": s["upper"].to_list(), "change_points": changes}
        charts.append({
            "frame": fid, "label": labels[fid], "changes": changes,
            "chart": band_chart(months, [Band(labels[fid], s["share"].to_list(), s["lower"].to_list(),
                                              s["upper"].to_list())],
                                [Marker(m, "change point") for m in changes], percent=True, y_label="share",
                                caption=f"Share of messages carrying “{labels[fid]}” per month, with 95% Wilson "
                                        "intervals; vertical lines mark change points (PELT)."),
        })
    per_channel = shares_table(messages, hits, frames, ["channel"]).sort(["frame", "share"], descending=[False, True])
    corrected: list[dict[str, Any]] = []
    if options.validated:
        from ...validate import validated_frame_shares

        table, _ = validated_frame_shares(corpus, lexicon, list(options.validated), ())
        corrected = _clean(table.to_dicts())
    examples = []
    for fid in frames:
        uids = hits.filter(pl.col("frame") == fid)["uid"].unique()
        picked = messages.filter(pl.col("uid").is_in(uids.to_list())).sort("posted_at", descending=True).head(options.examples)
        if picked.is_empty():
            continue
        texts = corpus.by_uid(picked["uid"].to_list())
        text_of = dict(zip(texts["uid"].to_list(), texts["text"].to_list(), strict=True))
        for r in picked.iter_rows(named=True):
            spans = hits.filter((pl.col("uid") == r["uid"]) & (pl.col("frame") == fid))
            examples.append({
                "frame": fid, "label": labels[fid], "channel": r["channel"], "posted_at": r["posted_at"],
                "uid": r["uid"], "terms": sorted(set(spans["term"].to_list())),
                "html": highlight(text_of.get(r["uid"]) or "", list(zip(spans["start"], spans["end"], strict=True))),
            })
    html = render("frames.html", lexicon=lexicon, charts=charts, per_channel=per_channel.to_dicts(),
                  labels=labels, corrected=corrected, examples=examples)
    data = {
        "lexicon": str(options.lexicon), "lexicon_hash": lexicon.content_hash, "frames": frames,
        "series": series, "per_channel": _clean(per_channel.to_dicts()), "corrected": corrected,
        "examples": [{k: v for k, v in e.items() if k != "html"} for e in examples],
    }
    return Section(id="frames", title="Frames", html=html, data=data)
