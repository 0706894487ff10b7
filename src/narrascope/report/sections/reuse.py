"""Text reuse: the top cascades of the last ``narrascope reuse`` run, a timeline of the largest one, and one
member–parent pair with its shared passages side by side.

Reads the stored ``result_reuse_*`` tables (:func:`narrascope.reuse.load_reuse`); shows nothing when reuse was
never run. The only computation here is aligning the one displayed pair for highlighting.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from markupsafe import Markup

from ...reuse import align, load_reuse
from ...store.corpus import Corpus
from ..charts import TimelineEvent, TimelineRow, timeline_chart
from ..model import ReportOptions, Section
from ..render import environment

ORDER = 40
TOP = 10

_TEMPLATE = """
<p>{{ summary.pairs | number }} reuse pairs and {{ summary.cascades | number }} cascades
({{ summary.members | number }} posts) among {{ summary.messages | number }} messages with text.
Origins are the earliest <em>collected</em> post of each cascade: a story that began outside the corpus
shows its first observed post as origin; where posts have no date the origin is undetermined.</p>
<p>Boilerplate left out of matching: {{ summary.boilerplate_lines | number }} lines repeated within their channel
(signatures, ad labels, formulaic lines) in {{ summary.boilerplate_messages | number }} messages, and
{{ summary.boilerplate_ngrams | number }} recurring word n-grams{% if boilerplate %}, e.g.
{% for b in boilerplate %}<q dir="auto">{{ b.line }}</q> ({{ b.texts | number }} texts){{ ", " if not loop.last }}{% endfor %}{% endif %}.</p>
{% if cascades %}
<h3>Top cascades</h3>
<table class="cascades">
  <thead><tr><th>Cascade</th><th class="num">Posts</th><th class="num">Channels</th><th>Origin</th><th>First (UTC)</th>
    <th class="num">Forwards</th><th class="num">Copies</th><th class="num">Near-dup.</th><th class="num">Rewrites</th>
    <th class="num">Partial</th><th>Text</th></tr></thead>
  <tbody>
  {% for c in cascades %}
    <tr><td class="id">{{ c.cascade_id }}</td><td class="num">{{ c.size | number }}</td><td class="num">{{ c.channels | number }}</td>
      <td dir="auto">{% if c.undated %}<span class="note">undetermined ({{ c.undated }} undated)</span> {% endif %}{{ c.origin_channel or c.origin_channel_id }}</td><td>{{ c.first }}</td>
      <td class="num">{{ c.n_forward }}</td><td class="num">{{ c.n_copy }}</td><td class="num">{{ c.n_near_duplicate }}</td>
      <td class="num">{{ c.n_rewrite }}</td><td class="num">{{ c.n_partial }}</td><td dir="auto">{{ c.text }}</td></tr>
  {% endfor %}
  </tbody>
</table>
<h3>Spread of cascade {{ top_id }}</h3>
{{ chart }}
{% if pair %}
<h3>Shared passages: {{ pair.relation }} ({{ pair.parent_channel }} → {{ pair.channel }})</h3>
<table class="aligned">
  <thead><tr><th>Parent</th><th>Reuse</th></tr></thead>
  <tbody>
  {% for p in pair.passages %}
    <tr><td dir="auto">{{ p.parent_text }}<br><span class="note">chars {{ p.parent_start }}–{{ p.parent_end }}</span></td>
      <td dir="auto">{{ p.text }}<br><span class="note">chars {{ p.start }}–{{ p.end }}</span></td></tr>
  {% endfor %}
  </tbody>
</table>
{% endif %}
{% else %}
<p class="empty">No reuse was found.</p>
{% endif %}
"""


def _label(row: dict[str, Any]) -> str:
    return str(row.get("channel") or row.get("channel_id") or "")


# What a reader learns most from seeing side by side: a rewrite's shared passages, not a forward's identical text.
_SHOW_FIRST = ("rewrite", "partial", "near_duplicate", "copy", "forward")


def _pair(corpus: Corpus, members: pl.DataFrame) -> dict[str, Any] | None:
    """The most instructive directly linked member–parent pair (rewrites first), aligned for display."""
    linked = members.filter(pl.col("direct_parent").fill_null(False))
    if linked.height == 0:
        return None
    rank = {r: i for i, r in enumerate(_SHOW_FIRST)}
    linked = linked.with_columns(
        pl.col("relation").replace_strict(rank, default=len(rank), return_dtype=pl.Int32).alias("_rank")
    ).sort(["_rank", "uid"])
    row = linked.row(0, named=True)
    uids = [row["parent_uid"], row["uid"]]
    frame = corpus.by_uid(uids, ("uid", "text", "channel", "channel_id"))
    texts = {r["uid"]: r for r in frame.iter_rows(named=True)}
    if len(texts) < 2:
        return None
    a, b = texts[uids[0]]["text"] or "", texts[uids[1]]["text"] or ""
    passages = align(a, b).passages or ()
    return {
        "relation": row["relation"],
        "parent_uid": uids[0],
        "uid": uids[1],
        "parent_channel": _label(texts[uids[0]]),
        "channel": _label(texts[uids[1]]),
        "passages": [{"parent_start": p.a_start, "parent_end": p.a_end, "start": p.b_start, "end": p.b_end,
                      "parent_text": a[p.a_start : p.a_end], "text": b[p.b_start : p.b_end]} for p in passages],
    }


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    result = load_reuse(corpus)
    if result is None:
        return None
    top = result.cascades.head(TOP)
    cascades = [
        {**r, "first": r["first_at"].strftime("%Y-%m-%d %H:%M") if r["first_at"] else "",
         "text": " ".join(str(r["preview"] or "").split())[:90]}
        for r in top.iter_rows(named=True)
    ]
    chart: Markup = Markup("")
    pair = None
    top_id = cascades[0]["cascade_id"] if cascades else ""
    if cascades:
        members = result.cascade(top_id)
        rows: dict[str, list[TimelineEvent]] = {}
        for m in members.iter_rows(named=True):
            if m["posted_at"] is not None:
                rows.setdefault(_label(m), []).append(TimelineEvent(m["posted_at"], m["relation"]))
        chart = timeline_chart([TimelineRow(k, v) for k, v in rows.items()],
                               caption=f"Posts of cascade {top_id} per channel (UTC); hover a tick for its relation.")
        pair = _pair(corpus, result.members)
    summary = {
        "pairs": result.pairs.height,
        "cascades": result.cascades.height,
        "members": result.members.height,
        "messages": int(result.stats.get("messages", 0)),
        "boilerplate_lines": result.boilerplate.height,
        "boilerplate_messages": int(result.stats.get("messages_with_boilerplate", 0)),
        "boilerplate_ngrams": int(result.stats.get("boilerplate_ngrams", 0)),
    }
    boilerplate = result.boilerplate.head(5).to_dicts()
    html = Markup(environment().from_string(_TEMPLATE).render(
        summary=summary, cascades=cascades, chart=chart, pair=pair, top_id=top_id, boilerplate=boilerplate))
    data = {
        "summary": summary,
        "cascades": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()} for c in cascades],
        "pair": pair,
        "boilerplate": result.boilerplate.head(50).to_dicts(),
        "edges": [{k: v for k, v in e.items()} for e in result.edges.head(50).iter_rows(named=True)],
    }
    return Section(id="reuse", title="Text reuse and cascades", html=html, data=data)
