"""Turning data into safe HTML pieces: highlighted text built from escaped parts, numbers, dates, chart geometry.

Nothing here trusts its input: every piece of text goes through :func:`markupsafe.escape` before it is wrapped in
markup, so a message holding ``<script>`` shows as text. Templates autoescape everything else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

__all__ = ["bar_chart", "fmt_date", "fmt_lag", "fmt_num", "fmt_pct", "highlight", "marked_text"]

MARK_OPEN, MARK_CLOSE = "[[", "]]"


def highlight(text: str | None, spans: Iterable[tuple[int, int]]) -> Markup:
    """``text`` with each (merged) span wrapped in ``<mark>``; everything escaped."""
    text = text or ""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, int(s)), min(len(text), int(e))) for s, e in spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out: list[str] = []
    pos = 0
    for s, e in merged:
        out += [str(escape(text[pos:s])), "<mark>", str(escape(text[s:e])), "</mark>"]
        pos = e
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def marked_text(text: str | None) -> Markup:
    """A sample file's text, whose matched spans are written ``[[like this]]``, with the spans as ``<mark>``."""
    text = text or ""
    spans: list[tuple[int, int]] = []
    plain: list[str] = []
    pos = 0
    length = 0
    while True:
        start = text.find(MARK_OPEN, pos)
        end = text.find(MARK_CLOSE, start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            plain.append(text[pos:])
            break
        plain.append(text[pos:start])
        length += start - pos
        inner = text[start + 2:end]
        plain.append(inner)
        spans.append((length, length + len(inner)))
        length += len(inner)
        pos = end + 2
    return highlight("".join(plain), spans)


def fmt_num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return f"{int(value):,}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def fmt_date(value: Any, with_time: bool = True) -> str:
    if value is None:
        return "no date"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return str(value)


def fmt_lag(seconds: Any) -> str:
    """A lag as days and h:mm:ss (blank when unknown)."""
    if seconds is None:
        return ""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    return (f"{days}d " if days else "") + f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def bar_chart(labels: Sequence[str], values: Sequence[float], *, width: int = 760, height: int = 180,
              lower: Sequence[float | None] | None = None,
              upper: Sequence[float | None] | None = None) -> dict[str, Any]:
    """Geometry of a bar chart drawn with SVG attributes (no inline style: the CSP forbids it): bars, optional
    interval whiskers, a few axis labels."""
    n = len(values)
    top = max([*values, *[u for u in (upper or []) if u is not None], 0.0]) or 1.0
    pad_left, pad_bottom = 48, 22
    plot_w, plot_h = width - pad_left - 4, height - pad_bottom - 6
    step = plot_w / max(n, 1)
    bars = []
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (float(v) / top)
        x, w = round(pad_left + i * step + step * 0.1, 2), round(max(step * 0.8, 1), 2)
        bar: dict[str, Any] = {"x": x, "w": w, "y": round(6 + plot_h - h, 2), "h": round(h, 2), "label": label,
                               "value": v}
        lo, hi = (lower[i], upper[i]) if lower is not None and upper is not None else (None, None)
        if lo is not None and hi is not None:
            bar["whisker"] = {"x": round(x + w / 2, 2), "y1": round(6 + plot_h - plot_h * float(lo) / top, 2),
                              "y2": round(6 + plot_h - plot_h * float(hi) / top, 2)}
        bars.append(bar)
    every = max(1, math.ceil(n / 12))
    ticks = [{"x": round(b["x"] + b["w"] / 2, 2), "label": b["label"]} for i, b in enumerate(bars) if i % every == 0]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "top": top, "base": 6 + plot_h,
            "left": pad_left}
