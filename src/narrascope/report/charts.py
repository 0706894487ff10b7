"""Server-side charts as inline SVG: no JavaScript, no external assets, every label escaped.

Three shapes cover the report's needs:

* :func:`stacked_bar_chart` — counts per period, one stacked series per group (messages per month per channel);
* :func:`band_chart` — lines with an interval band each (a frame's share with its Wilson interval) and vertical
  markers (change points);
* :func:`timeline_chart` — events by time, one strip per row (the posts of a reuse cascade per channel).

Each returns a ``<figure>`` fragment (:class:`markupsafe.Markup`). Legends and row labels are HTML, not SVG text,
so channel and frame names in Persian or Arabic get the browser's full bidi handling (``dir="auto"``). Hovering a
bar, point or event shows its exact value through SVG ``<title>`` tooltips.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

__all__ = [
    "OTHER_COLOR",
    "PALETTE",
    "Band",
    "Marker",
    "TimelineEvent",
    "TimelineRow",
    "band_chart",
    "nice_ticks",
    "stacked_bar_chart",
    "timeline_chart",
]

#: Okabe–Ito colours (distinguishable with colour-vision deficiencies), then a few extra.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#7f3c8d", "#11a579", "#3969ac", "#f2b701",
)
OTHER_COLOR = "#b0b0b0"

# Canvas of the SVG charts (viewBox units; the SVG scales to the page width).
_W, _H = 860, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 60, 16, 14, 40


@dataclass(frozen=True)
class Band:
    """One line of a :func:`band_chart`; ``lower``/``upper`` (same length as ``values``) draw its interval."""

    name: str
    values: Sequence[float | None]
    lower: Sequence[float | None] | None = None
    upper: Sequence[float | None] | None = None


@dataclass(frozen=True)
class Marker:
    """A vertical line at x label ``x`` (e.g. a change point), with an optional short label."""

    x: str
    label: str = ""


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    label: str = ""


@dataclass(frozen=True)
class TimelineRow:
    label: str
    events: Sequence[TimelineEvent]


# ---------------------------------------------------------------------------------------------- helpers
def _attrs(attrs: Mapping[str, object]) -> str:
    return "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items() if v is not None)


def _f(x: float) -> str:
    return f"{x:.1f}"


def color(i: int) -> str:
    """The ``i``-th series colour (cycling through :data:`PALETTE`)."""
    return PALETTE[i % len(PALETTE)]


def nice_ticks(vmax: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Ticks from 0 to at least ``vmax`` at a 1/2/2.5/5 × 10^k step, about ``count`` intervals."""
    if not math.isfinite(vmax) or vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    n = math.ceil(vmax / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _tick_label(v: float, percent: bool) -> str:
    if percent:
        return f"{v * 100:.0f}%" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v * 100:.1f}%"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _value_label(v: float, percent: bool) -> str:
    return f"{v * 100:.1f}%" if percent else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}")


def _legend(items: Sequence[tuple[str, str]]) -> str:
    lis = "".join(
        f'<li><span class="swatch" style="background:{c}"></span><span dir="auto">{escape(name)}</span></li>'
        for name, c in items
    )
    return f'<ul class="legend">{lis}</ul>'


def _figure(svg: str, legend: str, caption: str, kind: str) -> Markup:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return Markup(f'<figure class="chart chart-{kind}">{svg}{legend}{cap}</figure>')


def _empty(caption: str, kind: str) -> Markup:
    return _figure('<p class="empty">No data to chart.</p>', "", caption, kind)


def _axes(x_labels: Sequence[str], ticks: Sequence[float], percent: bool, y_label: str) -> list[str]:
    """Gridlines, y tick labels, thinned x labels and the axis lines, as SVG elements."""
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    top = ticks[-1]
    parts: list[str] = []
    for t in ticks:
        y = _TOP + plot_h * (1 - t / top)
        parts.append(f'<line class="grid"{_attrs({"x1": _LEFT, "x2": _W - _RIGHT, "y1": _f(y), "y2": _f(y)})}/>')
        parts.append(
            f'<text class="tick"{_attrs({"x": _LEFT - 6, "y": _f(y + 4), "text_anchor": "end"})}>'
            f"{escape(_tick_label(t, percent))}</text>"
        )
    n = len(x_labels)
    band = plot_w / n
    step = max(1, math.ceil(n / max(1, plot_w // 62)))  # about one label per 62 units
    for i in range(0, n, step):
        x = _LEFT + band * (i + 0.5)
        parts.append(
            f'<text class="tick"{_attrs({"x": _f(x), "y": _H - _BOTTOM + 16, "text_anchor": "middle"})}>'
            f"{escape(x_labels[i])}</text>"
        )
    parts.append(f'<line class="axis"{_attrs({"x1": _LEFT, "x2": _LEFT, "y1": _TOP, "y2": _H - _BOTTOM})}/>')
    parts.append(f'<line class="axis"{_attrs({"x1": _LEFT, "x2": _W - _RIGHT, "y1": _H - _BOTTOM, "y2": _H - _BOTTOM})}/>')
    if y_label:
        parts.append(
            f'<text class="axis-label"{_attrs({"x": 14, "y": _TOP + plot_h / 2, "text_anchor": "middle", "transform": f"rotate(-90 14 {_TOP + plot_h / 2:.1f})"})}>'
            f"{escape(y_label)}</text>"
        )
    return parts


def _svg(parts: Sequence[str], label: str) -> str:
    return (
        f'<svg class="chart-svg" viewBox="0 0 {_W} {_H}" role="img"'
        f' aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )


# ---------------------------------------------------------------------------------------------- charts
def stacked_bar_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    y_label: str = "",
    caption: str = "",
    colors: Mapping[str, str] | None = None,
) -> Markup:
    """Stacked bars: one bar per x label, one coloured segment per series (in the mapping's order, bottom up)."""
    n = len(x_labels)
    for name, values in series.items():
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values for {n} x labels")
    totals = [sum(float(v[i]) for v in series.values()) for i in range(n)]
    if n == 0 or not series or max(totals) <= 0:
        return _empty(caption, "stacked")
    colors = colors or {}
    palette = {name: colors.get(name, color(i)) for i, name in enumerate(series)}
    ticks = nice_ticks(max(totals), integer=all(float(v).is_integer() for vs in series.values() for v in vs))
    top = ticks[-1]
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    band = plot_w / n
    bar_w = max(1.0, band * 0.8)
    parts = _axes(x_labels, ticks, False, y_label)
    for i, x_label in enumerate(x_labels):
        x = _LEFT + band * i + (band - bar_w) / 2
        base = 0.0
        for name, values in series.items():
            v = float(values[i])
            if v <= 0:
                continue
            y0 = _TOP + plot_h * (1 - base / top)
            y1 = _TOP + plot_h * (1 - (base + v) / top)
            parts.append(
                f'<rect{_attrs({"x": _f(x), "y": _f(y1), "width": _f(bar_w), "height": _f(y0 - y1), "fill": palette[name]})}>'
                f"<title>{escape(f'{name} · {x_label}: {_value_label(v, False)}')}</title></rect>"
            )
            base += v
    legend = _legend([(name, palette[name]) for name in series])
    return _figure(_svg(parts, caption or "stacked bar chart"), legend, caption, "stacked")


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indices of consecutive non-missing values (a gap breaks a line or band)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def band_chart(
    x_labels: Sequence[str],
    bands: Sequence[Band],
    markers: Sequence[Marker | str] = (),
    *,
    percent: bool = False,
    y_label: str = "",
    caption: str = "",
) -> Markup:
    """Lines over x labels, each with an optional shaded interval band, and vertical markers at x labels."""
    n = len(x_labels)
    for b in bands:
        for part in (b.values, b.lower, b.upper):
            if part is not None and len(part) != n:
                raise ValueError(f"band {b.name!r} has {len(part)} values for {n} x labels")
        if (b.lower is None) != (b.upper is None):
            raise ValueError(f"band {b.name!r}: give both lower and upper, or neither")
    position = {label: i for i, label in enumerate(x_labels)}
    marks = [m if isinstance(m, Marker) else Marker(m) for m in markers]
    for m in marks:
        if m.x not in position:
            raise ValueError(f"marker at {m.x!r} is not one of the x labels")
    finite = [
        float(v) for b in bands for part in (b.values, b.upper or ()) for v in part
        if v is not None and math.isfinite(float(v))
    ]
    if n == 0 or not finite:
        return _empty(caption, "band")
    ticks = nice_ticks(max(max(finite), 1e-9))
    top = ticks[-1]
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    step = plot_w / n

    def xy(i: int, v: float) -> str:
        return f"{_f(_LEFT + step * (i + 0.5))},{_f(_TOP + plot_h * (1 - max(0.0, float(v)) / top))}"

    parts = _axes(x_labels, ticks, percent, y_label)
    for k, b in enumerate(bands):
        c = color(k)
        if b.lower is not None and b.upper is not None:
            lower, upper = b.lower, b.upper
            both = [None if lower[i] is None or upper[i] is None else 0.0 for i in range(n)]
            for run in _runs(both):
                pts = [xy(i, upper[i]) for i in run] + [xy(i, lower[i]) for i in reversed(run)]  # type: ignore[arg-type]
                parts.append(f'<polygon class="band"{_attrs({"points": " ".join(pts), "fill": c})}/>')
        for run in _runs(b.values):
            pts = [xy(i, b.values[i]) for i in run]  # type: ignore[arg-type]
            parts.append(f'<polyline class="line"{_attrs({"points": " ".join(pts), "stroke": c})}/>')
        for i, v in enumerate(b.values):
            if v is None or not math.isfinite(float(v)):
                continue
            tip = f"{b.name} · {x_labels[i]}: {_value_label(float(v), percent)}"
            if b.lower is not None and b.upper is not None and b.lower[i] is not None and b.upper[i] is not None:
                tip += f" ({_value_label(float(b.lower[i]), percent)} – {_value_label(float(b.upper[i]), percent)})"  # type: ignore[arg-type]
            cx, cy = xy(i, v).split(",")
            parts.append(f'<circle{_attrs({"cx": cx, "cy": cy, "r": 3, "fill": c})}><title>{escape(tip)}</title></circle>')
    for m in marks:
        x = _LEFT + step * (position[m.x] + 0.5)
        tip = f"{m.label} · {m.x}" if m.label else m.x
        parts.append(
            f'<g class="marker"><line{_attrs({"x1": _f(x), "x2": _f(x), "y1": _TOP, "y2": _H - _BOTTOM})}/>'
            f"<title>{escape(tip)}</title></g>"
        )
    legend = _legend([(b.name, color(k)) for k, b in enumerate(bands)])
    return _figure(_svg(parts, caption or "line chart with intervals"), legend, caption, "band")


def _time_ticks(start: datetime, end: datetime, count: int = 5) -> list[tuple[float, str]]:
    """(fraction along the axis, label) for evenly spaced times; the label's precision follows the span."""
    span = end - start
    fmt = "%Y-%m-%d" if span >= timedelta(days=3) else "%m-%d %H:%M" if span >= timedelta(hours=6) else "%H:%M:%S"
    if span <= timedelta(0):
        return [(0.5, start.strftime(fmt))]
    return [(i / count, (start + span * (i / count)).strftime(fmt)) for i in range(count + 1)]


def timeline_chart(rows: Sequence[TimelineRow], *, caption: str = "") -> Markup:
    """One strip per row with a tick per event along a shared time axis; row labels are HTML (bidi-safe)."""
    times = [e.at for r in rows for e in r.events]
    if not times:
        return _empty(caption, "timeline")
    start, end = min(times), max(times)
    span = (end - start).total_seconds()

    def frac(t: datetime) -> float:
        return 0.5 if span <= 0 else (t - start).total_seconds() / span

    width = 1000  # strip viewBox width; strips stretch horizontally, ticks keep their stroke width
    body: list[str] = []
    for k, row in enumerate(rows):
        c = color(k)
        ticks = []
        for e in row.events:
            x = 4 + frac(e.at) * (width - 8)
            tip = f"{row.label} · {e.at.strftime('%Y-%m-%d %H:%M:%S')}" + (f" · {e.label}" if e.label else "")
            ticks.append(
                f'<line{_attrs({"x1": _f(x), "x2": _f(x), "y1": 3, "y2": 19, "stroke": c})}><title>{escape(tip)}</title></line>'
            )
        body.append(
            f'<div class="tl-label" dir="auto">{escape(row.label)}</div>'
            f'<svg class="tl-strip" viewBox="0 0 {width} 22" preserveAspectRatio="none"'
            f' role="img" aria-label="{escape(row.label)}"><line class="tl-base" x1="0" x2="{width}" y1="11" y2="11"/>'
            f'{"".join(ticks)}</svg>'
        )
    axis = "".join(
        f'<span class="tl-tick" style="left:{p * 100:.2f}%">{escape(label)}</span>' for p, label in _time_ticks(start, end)
    )
    body.append(f'<div></div><div class="tl-axis">{axis}</div>')
    return _figure(f'<div class="timeline">{"".join(body)}</div>', "", caption, "timeline")
