"""Text reuse: the top cascades of the last ``narrascope reuse`` run, a timeline of the largest one, and the most
informative member–parent pair *of that same cascade* with its shared passages side by side.

Reads the stored ``result_reuse_*`` tables (:func:`narrascope.reuse.load_reuse`) and takes the pair from
:func:`narrascope.reuse.cascade_detail` — what ``narrascope cascade`` prints; shows nothing when reuse was never run.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ...reuse import load_reuse
from ...reuse.detail import boilerplate_originals, cascade_detail, preview
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
{{ summary.boilerplate_ngrams | number }} recurring word n-grams{% if boilerplate %}, e.g.:{% else %}.{% endif %}</p>
{% if boilerplate %}
<ul class="boilerplate">
{% for b in boilerplate %}<li><bdi>{{ b.original or b.line }}</bdi> ({{ b.texts | number }} texts)</li>
{% endfor %}
</ul>
{% endif %}
{% if cascades %}
<h3>Top cascades</h3>
<div class="table-scroll">
<table class="cascades">
  <thead><tr><th>Cascade</th><th class="num">Posts</th><th class="num">Channels</th><th>Origin</th><th>First (UTC)</th>
    <th>Text</th><th class="num">Forwards</th><th class="num">Copies</th><th class="num">Near-dup.</th>
    <th class="num">Rewrites</th><th class="num">Partial</th></tr></thead>
  <tbody>
  {% for c in cascades %}
    <tr><td class="id">{{ c.cascade_id }}</td><td class="num">{{ c.size | number }}</td><td class="num">{{ c.channels | number }}</td>
      <td>{% if c.undated %}<span class="note">undetermined ({{ c.undated }} undated)</span> {% endif %}<span dir="auto" class="clip name" title="{{ c.origin }}">{{ c.origin }}</span></td>
      <td class="when">{{ c.first_at | when(zone=False) if c.first_at else "" }}</td>
      <td><span dir="auto" class="clip text" title="{{ c.full_text }}">{{ c.text }}</span></td>
      <td class="num">{{ c.n_forward }}</td><td class="num">{{ c.n_copy }}</td><td class="num">{{ c.n_near_duplicate }}</td>
      <td class="num">{{ c.n_rewrite }}</td><td class="num">{{ c.n_partial }}</td></tr>
  {% endfor %}
  </tbody>
</table>
</div>
<h3>Spread of cascade {{ top_id }}</h3>
{{ chart }}
{% if undated_members %}<p class="note undated">{{ undated_members | number }} post{{ "" if undated_members == 1 else "s" }} of this cascade without a date {{ "is" if undated_members == 1 else "are" }} not shown on the time axis.</p>{% endif %}
{% if pair %}
<h3>Shared passages in cascade {{ top_id }}: {{ pair.relation | replace("_", "-") }}, <bdi>{{ pair.parent_label }}</bdi> → <bdi>{{ pair.label }}</bdi></h3>
<p class="note">The most informative member–parent pair of the cascade charted above (rewrites first, then partial
reuse, near-duplicates, copies, forwards); <code>narrascope cascade {{ top_id }}</code> lists more.</p>
<div class="table-scroll">
<table class="aligned">
  <thead><tr><th>Parent <bdi>{{ pair.parent_label }}</bdi></th><th>Reuse <bdi>{{ pair.label }}</bdi></th></tr></thead>
  <tbody>
  {% for p in pair.passages %}
    <tr><td dir="auto">{{ p.parent_text }}<br><span class="note">chars {{ p.parent_start }}–{{ p.parent_end }}</span></td>
      <td dir="auto">{{ p.text }}<br><span class="note">chars {{ p.start }}–{{ p.end }}</span></td></tr>
  {% else %}
    <tr><td dir="auto">{{ pair.parent_text }}</td><td dir="auto">{{ pair.text }}</td></tr>
  {% endfor %}
  </tbody>
</table>
</div>
{% endif %}
{% else %}
<p class="empty">No reuse was found.</p>
{% endif %}
"""


def _label(row: dict[str, Any]) -> str:
    return str(row.get("channel") or row.get("channel_id") or "")


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    result = load_reuse(corpus)
    if result is None:
        return None
    top = result.cascades.head(TOP)
    cascades = [
        {**r, "origin": str(r["origin_channel"] or r["origin_channel_id"]), "text": preview(r["preview"], 90),
         "full_text": " ".join(str(r["preview"] or "").split())}
        for r in top.iter_rows(named=True)
    ]
    chart: Markup = Markup("")
    pair = None
    undated_members = 0
    top_id = cascades[0]["cascade_id"] if cascades else ""
    if cascades:
        detail = cascade_detail(corpus, top_id, max_pairs=1, result=result)
        rows: dict[str, list[TimelineEvent]] = {}
        for m in detail.members.iter_rows(named=True):
            if m["posted_at"] is None:
                undated_members += 1
                continue
            rows.setdefault(_label(m), []).append(TimelineEvent(m["posted_at"], m["relation"]))
        chart = timeline_chart([TimelineRow(k, v) for k, v in rows.items()],
                               caption=f"Posts of cascade {top_id} per channel (UTC); hover a tick for its time "
                                       "and relation.")
        if detail.pairs:
            p = detail.pairs[0]
            pair = {**p.to_dict(), "parent_label": p.parent_label, "label": p.label, "cascade_id": top_id}
    summary = {
        "pairs": result.pairs.height,
        "cascades": result.cascades.height,
        "members": result.members.height,
        "messages": int(result.stats.get("messages", 0)),
        "boilerplate_lines": result.boilerplate.height,
        "boilerplate_messages": int(result.stats.get("messages_with_boilerplate", 0)),
        "boilerplate_ngrams": int(result.stats.get("boilerplate_ngrams", 0)),
    }
    boilerplate = boilerplate_originals(corpus, result.boilerplate.head(5)).to_dicts()
    html = Markup(environment().from_string(_TEMPLATE).render(
        summary=summary, cascades=cascades, chart=chart, pair=pair, top_id=top_id, boilerplate=boilerplate,
        undated_members=undated_members))
    data = {
        "summary": summary,
        "cascades": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()} for c in cascades],
        "top_cascade": top_id,
        "undated_members": undated_members,
        "pair": pair,
        "boilerplate": result.boilerplate.head(50).to_dicts(),
        "boilerplate_shown": boilerplate,
        "edges": [{k: v for k, v in e.items()} for e in result.edges.head(50).iter_rows(named=True)],
    }
    return Section(id="reuse", title="Text reuse and cascades", html=html, data=data)
