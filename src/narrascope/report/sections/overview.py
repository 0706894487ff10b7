"""The corpus overview: summary numbers, messages per channel per month, channels, scripts, the ingest log.

Everything comes from :meth:`Corpus.info`; nothing is computed here beyond arranging those counts for display.
"""

from __future__ import annotations

from typing import Any

from ...store.corpus import Corpus
from ..charts import OTHER_COLOR, stacked_bar_chart
from ..model import ReportOptions, Section
from ..render import render

ORDER = 10
OTHER = "other channels"


def month_range(first: str, last: str) -> list[str]:
    """Every month "YYYY-MM" from ``first`` to ``last`` inclusive, so quiet months show as zero, not as a gap."""
    y, m = (int(p) for p in first.split("-"))
    end = tuple(int(p) for p in last.split("-"))
    months = []
    while (y, m) <= end:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def channel_labels(by_channel: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(platform, channel_id) -> display label; names shared by several channels get their id appended."""
    names = {(r["platform"], r["channel_id"]): (r["channel"] or r["channel_id"]) for r in by_channel}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name] = seen.get(name, 0) + 1
    return {
        key: (f"{name} [{key[0]}:{key[1]}]" if seen[name] > 1 or name == OTHER else name) for key, name in names.items()
    }


def monthly_series(info: dict[str, Any], keep: int) -> tuple[list[str], dict[str, list[int]]]:
    """Months and {channel label: count per month} for the ``keep`` busiest channels, the rest summed as OTHER."""
    rows = info["by_month"]
    if not rows:
        return [], {}
    months = month_range(rows[0]["month"], rows[-1]["month"])
    index = {m: i for i, m in enumerate(months)}
    labels = channel_labels(info["by_channel"])
    per_channel: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        key = (r["platform"], r["channel_id"])
        per_channel.setdefault(key, [0] * len(months))[index[r["month"]]] += r["messages"]
    ranked = sorted(per_channel, key=lambda k: (-sum(per_channel[k]), labels.get(k, k[1])))
    series = {labels.get(k, k[1]): per_channel[k] for k in ranked[:keep]}
    if len(ranked) > keep:
        series[OTHER] = [sum(per_channel[k][i] for k in ranked[keep:]) for i in range(len(months))]
    return months, series


def build(corpus: Corpus, options: ReportOptions) -> Section | None:
    info = corpus.info()
    months, series = monthly_series(info, options.chart_channels)
    chart = stacked_bar_chart(
        months, series, y_label="messages",
        caption="Messages per month per channel (UTC months; service messages left out). Hover a bar for its count.",
        colors={OTHER: OTHER_COLOR},
    )
    labels = channel_labels(info["by_channel"])
    channels = [{**r, "label": labels[(r["platform"], r["channel_id"])]} for r in info["by_channel"]]
    summary = {
        "messages": info["messages"],
        "channels": len(channels),
        "platforms": len(info["by_platform"]),
        "first": info["first"],
        "last": info["last"],
        "ingests": len(info["ingests"]),
    }
    total = info["messages"] or 1
    scripts = [{**r, "share": r["messages"] / total} for r in info["by_script"]]
    # the chart counts dated non-service messages: the rest of the non-service ones have no date
    content = sum(r["messages"] for r in info["by_kind"] if r["kind"] != "service")
    undated = max(0, content - sum(r["messages"] for r in info["by_month"]))
    summary["undated"] = undated
    html = render(
        "overview.html", summary=summary, chart=chart, undated=undated, channels=channels[: options.max_channels],
        hidden_channels=max(0, len(channels) - options.max_channels), platforms=info["by_platform"],
        kinds=info["by_kind"], scripts=scripts, ingests=info["ingests"],
    )
    data = {
        "summary": summary,
        "months": months,
        "series": series,
        "channels": channels,
        "by_platform": info["by_platform"],
        "by_kind": info["by_kind"],
        "by_script": info["by_script"],
        "ingests": info["ingests"],
    }
    return Section(id="overview", title="Corpus overview", html=html, data=data)
