"""Coordinated behaviour: the groups of the last ``narrascope coordination`` run with their evidence (which objects,
which messages, how fast), the pairs that are significant but not coordination (tagged, one-sided), and the sweep.

Reads the stored ``result_coordination_*`` tables (:func:`narrascope.coordination.load_coordination`); shows nothing
when coordination was never run. Message texts for the evidence come from the store (:meth:`Corpus.by_uid`).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from ...coordination import format_window, load_coordination
from ...store.corpus import Corpus
from ..charts import TimelineEvent, TimelineRow, timeline_chart
from ..model import ReportOptions, Section
from ..render import render

ORDER = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # invisible, and invalid in an HTML page
GROUPS = 8
EVIDENCE = 6


def _lag(seconds: Any) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def _preview(text: Any) -> str:
    plain = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return plain if len(plain) <= 140 else plain[:139] + "…"


def _evidence(rows: pl.DataFrame, labels: dict[str, str], texts: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for r in rows.iter_rows(named=True):
        a_first = r["leader"] != r["actor_b"]
        first, then = (r["actor_a"], r["actor_b"]) if a_first else (r["actor_b"], r["actor_a"])
        first_uid, then_uid = (r["uid_a"], r["uid_b"]) if a_first else (r["uid_b"], r["uid_a"])
        when = min(r["posted_a"], r["posted_b"])
        out.append({"kind": r["kind"], "object": _preview(r["object"]), "first": labels.get(first, first),
                    "then": labels.get(then, then), "when": when.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    "lag": _lag(r["lag_s"]), "first_uid": first_uid, "then_uid": then_uid,
                    "first_text": _preview(texts.get(first_uid)), "then_text": _preview(texts.get(then_uid))})
    return out


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    result = load_coordination(corpus)
    if result is None:
        return None
    run_options = result.stats.get("options") or {}
    labels = {a: _preview(lab) for a, lab in zip(result.edges["actor_a"].to_list() + result.edges["actor_b"].to_list(),
                                                 result.edges["label_a"].to_list() + result.edges["label_b"].to_list(),
                                                 strict=True)}
    groups_frame = result.significant_groups().head(GROUPS)
    shown = {g: result.group(g).sort("lag_s", "posted_a").head(EVIDENCE) for g in groups_frame["group_id"].to_list()}
    uids = sorted({u for rows in shown.values() for u in (*rows["uid_a"].to_list(), *rows["uid_b"].to_list())})
    texts = dict(corpus.by_uid(uids, ("uid", "text")).iter_rows()) if uids else {}
    groups = []
    for g in groups_frame.iter_rows(named=True):
        groups.append({**g, "labels": [_preview(x) for x in g["labels"]], "lag": _lag(g["median_lag_s"]),
                       "p": f"{g['p_value']:.3g}",
                       "stability": "" if g["stability"] is None else f"{g['stability']:.2f}",
                       "evidence": _evidence(shown[g["group_id"]], labels, texts)})
    timeline = None
    if groups:
        top = result.group(groups[0]["group_id"])
        posts: dict[str, dict[str, TimelineEvent]] = {}  # member -> its posts that co-acted (one tick per post)
        for r in top.iter_rows(named=True):
            for actor, uid, at in ((r["actor_a"], r["uid_a"], r["posted_a"]), (r["actor_b"], r["uid_b"], r["posted_b"])):
                posts.setdefault(labels.get(actor, actor), {})[uid] = TimelineEvent(at)
        rows = {k: sorted(v.values(), key=lambda e: e.at) for k, v in posts.items()}
        timeline = timeline_chart([TimelineRow(k, v) for k, v in sorted(rows.items())],
                                  caption="Each tick is a post that co-acted with another member (UTC).")
    edges = result.edges
    expected = result.expected_pairs()
    min_symmetry = float(run_options.get("min_symmetry", 0.25))
    lopsided = result.one_sided_pairs(min_symmetry)
    hub = (result.one_sided_hub(min_symmetry) or ("", 0))[0]
    stability: dict[tuple[int, float], dict[str, str]] = {}
    for s in result.stability.iter_rows(named=True):
        stability.setdefault((s["window_s"], s["alpha"]), {})[s["group_id"]] = f"{s['jaccard']:.2f}"
    settings = [{**s, "window": format_window(s["window_s"]),
                 "jaccard": {g["group_id"]: "1.00" for g in groups} if s["main"]
                 else stability.get((s["window_s"], s["alpha"]), {})}
                for s in result.settings.iter_rows(named=True)] if result.settings.height > 1 else []
    run = {
        "actor": "author" if run_options.get("actors") == "author" else "channel",
        "objects": run_options.get("objects", []), "window": format_window(int(run_options.get("window", 60))),
        "nulls": run_options.get("nulls", 0), "alpha": run_options.get("alpha", 0.05),
        "min_weight": run_options.get("min_weight", 2), "min_symmetry": min_symmetry,
        "exclude_by": run_options.get("exclude_by", []), "family": result.stats.get("family_size", 0),
        "messages": result.stats.get("messages", 0), "actors_n": result.stats.get("actors", 0),
        "pairs": edges.height,
    }
    clean = pl.col("label_a", "label_b").map_elements(_preview, return_dtype=pl.String)
    expected, lopsided = expected.with_columns(clean), lopsided.with_columns(clean)
    html = render("coordination.html", run=run, groups=groups, timeline=timeline, expected=expected.to_dicts(),
                  lopsided=lopsided.to_dicts(), hub=_preview(hub), settings=settings)
    data = {
        "run": run,
        "groups": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in g.items()} for g in groups],
        "expected": expected.select("actor_a", "actor_b", "label_a", "label_b", "weight", "expected").to_dicts(),
        "one_sided": lopsided.select("actor_a", "actor_b", "label_a", "label_b", "weight", "symmetry").to_dicts(),
        "settings": result.settings.to_dicts(),
        "stability": result.stability.to_dicts(),
    }
    return Section(id="coordination", title="Coordinated behaviour", html=html, data=data)
