"""Server-side charts: inline SVG geometry with HTML labels. No JavaScript, no external assets, every label escaped.

Three shapes cover the report's needs:

* :func:`stacked_bar_chart` — counts per period, one stacked series per group (messages per month per channel);
* :func:`band_chart` — lines with an interval band each (a frame's share with its Wilson interval) and vertical
  markers (change points);
* :func:`timeline_chart` — events by time, one strip per row (the posts of a reuse cascade per channel).

Each returns a ``<figure>`` fragment (:class:`markupsafe.Markup`). Why the text is HTML and not SVG ``<text>``: the
SVG stretches to the page width through its viewBox (``preserveAspectRatio="none"``, strokes kept thin with
``vector-effect: non-scaling-stroke``), so SVG text would shrink with it — to about 4 px on a 390 px phone. Tick
labels are absolutely positioned HTML at percentages of the plot instead: they keep their CSS size at any width, and
each carries a level (``lv1`` always shown, ``lv2`` from 560 px, ``lv3`` from 900 px wide) so narrow screens show
fewer labels rather than overlapping ones. Legends and row labels are HTML too, so names in Persian or Arabic get the
browser's full bidi handling (``dir="auto"``). Hovering a bar, point or event shows its exact value (SVG ``<title>``).
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
    "human_time",
    "label_levels",
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

# The plot's viewBox (stretched to the plot box; only geometry lives in it).
_W, _H = 1000, 300
#: At most this many x labels at each level: phones (lv1), tablets (lv1 + lv2), wide screens (all).
_LABELS_PER_LEVEL = (3, 6, 12)


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


def human_time(at: datetime, *, seconds: bool = False) -> str:
    """``3 Jan 2024 14:05`` (UTC as given): what a reader scans faster than ISO ``2024-01-03T14:05:00Z``."""
    return f"{at.day} {at:%b %Y %H:%M}" + (f":{at:%S}" if seconds else "")


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


def label_levels(n: int, limits: Sequence[int] = _LABELS_PER_LEVEL) -> list[int]:
    """For ``n`` evenly spaced x positions, the level at which each is labelled (1 = always, 2, 3 = only on wider
    screens, 0 = never): every level's labels are evenly spaced and at most ``limits[level - 1]`` many, and each
    level's steps are multiples of the next one's, so labels never crowd at any width."""
    levels = [0] * n
    if n == 0:
        return levels
    steps: list[int] = []
    for limit in reversed(limits):  # finest level first
        step = max(1, math.ceil(n / limit))
        if steps and step % steps[-1]:
            step = (step // steps[-1] + 1) * steps[-1]
        steps.append(step)
    for level, step in zip(range(len(limits), 0, -1), steps, strict=True):
        for i in range(0, n, step):
            levels[i] = level
    return levels


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


def _figure(body: str, legend: str, caption: str, kind: str) -> Markup:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return Markup(f'<figure class="chart chart-{kind}">{body}{legend}{cap}</figure>')


def _empty(caption: str, kind: str) -> Markup:
    return _figure('<p class="empty">No data to chart.</p>', "", caption, kind)


def _anchor(pos: float) -> str:
    """Labels near an edge are anchored to it (they would otherwise stick out of the chart by half their width)."""
    return " start" if pos < 6 else " end" if pos > 94 else ""


def _plot(svg_parts: Sequence[str], x_labels: Sequence[str], ticks: Sequence[float], percent: bool, y_label: str,
          label: str) -> str:
    """The plot box: y tick labels (HTML), the stretched SVG, x labels (HTML, levelled) below it."""
    top = ticks[-1]
    grid = [f'<line class="grid"{_attrs({"x1": 0, "x2": _W, "y1": _f(_H * (1 - t / top)), "y2": _f(_H * (1 - t / top))})}/>'
            for t in ticks]
    axes = (f'<line class="axis"{_attrs({"x1": 0, "x2": 0, "y1": 0, "y2": _H})}/>'
            f'<line class="axis"{_attrs({"x1": 0, "x2": _W, "y1": _H, "y2": _H})}/>')
    svg = (f'<svg class="chart-svg" viewBox="0 0 {_W} {_H}" preserveAspectRatio="none" role="img"'
           f' aria-label="{escape(label)}">{"".join(grid)}{"".join(svg_parts)}{axes}</svg>')
    y_ticks = "".join(f'<span class="yt" style="bottom:{100 * t / top:.2f}%">{escape(_tick_label(t, percent))}</span>'
                      for t in ticks)
    n = len(x_labels)
    x_ticks = []
    for i, (text, level) in enumerate(zip(x_labels, label_levels(n), strict=True)):
        if level:
            pos = 100 * (i + 0.5) / n
            x_ticks.append(f'<span class="xt lv{level}{_anchor(pos)}" style="left:{pos:.2f}%">{escape(text)}</span>')
    title = f'<div class="y-title">{escape(y_label)}</div>' if y_label else ""
    return (f'{title}<div class="plot"><div class="y-ticks" aria-hidden="true">{y_ticks}</div>'
            f'<div class="plot-area">{svg}</div><div class="x-ticks" aria-hidden="true">{"".join(x_ticks)}</div></div>')


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
    band = _W / n
    bar_w = band * 0.8
    parts: list[str] = []
    for i, x_label in enumerate(x_labels):
        x = band * i + (band - bar_w) / 2
        base = 0.0
        for name, values in series.items():
            v = float(values[i])
            if v <= 0:
                continue
            y0 = _H * (1 - base / top)
            y1 = _H * (1 - (base + v) / top)
            parts.append(
                f'<rect{_attrs({"x": _f(x), "y": _f(y1), "width": _f(bar_w), "height": _f(y0 - y1), "fill": palette[name]})}>'
                f"<title>{escape(f'{name} · {x_label}: {_value_label(v, False)}')}</title></rect>"
            )
            base += v
    legend = _legend([(name, palette[name]) for name in series])
    body = _plot(parts, x_labels, ticks, False, y_label, caption or "stacked bar chart")
    return _figure(body, legend, caption, "stacked")


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
    """Lines over x labels, each with an optional shaded interval band, and vertical markers at x labels.
    A missing value (None) is a gap: give every period of a continuous axis, with None where nothing was observed,
    and a long silence is drawn as the gap it is."""
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
    step = _W / n

    def x_of(i: int) -> float:
        return step * (i + 0.5)

    def y_of(v: float) -> float:
        return _H * (1 - max(0.0, float(v)) / top)

    def xy(i: int, v: float) -> str:
        return f"{_f(x_of(i))},{_f(y_of(v))}"

    parts: list[str] = []
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
            # a zero-length path with round caps and a non-scaling stroke: a round dot however the plot stretches
            parts.append(f'<path class="dot"{_attrs({"d": f"M{xy(i, v)}h0", "stroke": c})}>'
                         f"<title>{escape(tip)}</title></path>")
    for m in marks:
        x = x_of(position[m.x])
        tip = f"{m.label} · {m.x}" if m.label else m.x
        parts.append(
            f'<g class="marker"><line{_attrs({"x1": _f(x), "x2": _f(x), "y1": 0, "y2": _H})}/>'
            f"<title>{escape(tip)}</title></g>"
        )
    legend = _legend([(b.name, color(k)) for k, b in enumerate(bands)])
    body = _plot(parts, x_labels, ticks, percent, y_label, caption or "line chart with intervals")
    return _figure(body, legend, caption, "band")


def _time_ticks(start: datetime, end: datetime, count: int = 4) -> list[tuple[float, str]]:
    """(fraction along the axis, label) for evenly spaced times; the label's precision follows the span."""
    span = end - start

    def fmt(t: datetime) -> str:
        if span >= timedelta(days=3):
            return f"{t.day} {t:%b %Y}"
        if span >= timedelta(hours=6):
            return f"{t.day} {t:%b %H:%M}"
        return f"{t:%H:%M:%S}"

    if span <= timedelta(0):
        return [(0.5, fmt(start))]
    return [(i / count, fmt(start + span * (i / count))) for i in range(count + 1)]


def timeline_chart(rows: Sequence[TimelineRow], *, caption: str = "") -> Markup:
    """One strip per row with a tick per event along a shared time axis; row labels are HTML (bidi-safe).

    The axis has five labels on wide screens and three (start, middle, end) on narrow ones; the first and last are
    anchored inside the chart's edges."""
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
            tip = f"{row.label} · {human_time(e.at, seconds=True)} UTC" + (f" · {e.label}" if e.label else "")
            ticks.append(
                f'<line{_attrs({"x1": _f(x), "x2": _f(x), "y1": 3, "y2": 19, "stroke": c})}><title>{escape(tip)}</title></line>'
            )
        body.append(
            f'<div class="tl-label" dir="auto" title="{escape(row.label)}">{escape(row.label)}</div>'
            f'<svg class="tl-strip" viewBox="0 0 {width} 22" preserveAspectRatio="none"'
            f' role="img" aria-label="{escape(row.label)}"><line class="tl-base" x1="0" x2="{width}" y1="11" y2="11"/>'
            f'{"".join(ticks)}</svg>'
        )
    axis_ticks = _time_ticks(start, end)
    spans = []
    for i, (p, label) in enumerate(axis_ticks):
        anchor = " start" if p == 0 and len(axis_ticks) > 1 else " end" if p == 1 else ""
        level = 1 if len(axis_ticks) == 1 or i % 2 == 0 else 2  # odd ticks only where there is room for them
        spans.append(f'<span class="tl-tick lv{level}{anchor}" style="left:{p * 100:.2f}%">{escape(label)}</span>')
    body.append(f'<div class="tl-spacer"></div><div class="tl-axis">{"".join(spans)}</div>')
    return _figure(f'<div class="timeline">{"".join(body)}</div>', "", caption, "timeline")
