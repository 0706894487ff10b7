"""The inline-SVG chart helpers: geometry follows the numbers, labels are escaped, legends are bidi-safe."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from narrascope.report.charts import (
    Band,
    Marker,
    TimelineEvent,
    TimelineRow,
    band_chart,
    human_time,
    label_levels,
    nice_ticks,
    stacked_bar_chart,
    timeline_chart,
)

MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]


def _parse(markup: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(str(markup))


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False), st.booleans())
def test_nice_ticks_cover_the_maximum_with_an_even_step(vmax: float, integer: bool) -> None:
    ticks = nice_ticks(vmax, integer=integer)
    assert ticks[0] == 0 and ticks[-1] >= vmax * (1 - 1e-9)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and 2 <= len(ticks) <= 12
    if integer:
        assert all(float(t).is_integer() for t in ticks)


def test_nice_ticks_degenerate_maximum() -> None:
    assert nice_ticks(0) == [0.0, 1.0]
    assert nice_ticks(float("nan")) == [0.0, 1.0]


def test_stacked_bars_heights_follow_totals() -> None:
    series = {"خبر": [3, 0, 5, 1], "BBC": [1, 2, 5, 0]}
    fig = _parse(stacked_bar_chart(MONTHS, series, y_label="messages", caption="per month"))
    rects = fig.xpath(".//rect")
    assert len(rects) == 6  # zero segments are not drawn
    height_by_month: dict[str, float] = {}
    for r in rects:
        month = r.findtext("title").split(" · ")[1].split(":")[0]
        height_by_month[month] = height_by_month.get(month, 0.0) + float(r.get("height"))
    totals = [4, 2, 10, 1]
    unit = height_by_month["2024-03"] / 10
    for month, total in zip(MONTHS, totals, strict=True):
        assert math.isclose(height_by_month[month], unit * total, abs_tol=0.3)
    legend = fig.xpath('.//ul[@class="legend"]/li/span[@dir="auto"]')
    assert [s.text for s in legend] == ["خبر", "BBC"]
    assert not fig.xpath(".//svg//text")  # chart text is HTML: it keeps its size when the SVG is scaled down
    texts = [t.text for t in fig.xpath('.//span[contains(@class, "xt")]')]
    assert texts == MONTHS  # every month labelled when few
    assert fig.xpath('string(.//div[@class="y-title"])') == "messages"


def test_stacked_bars_escape_names_and_validate_lengths() -> None:
    fig = stacked_bar_chart(["a"], {"<b>x</b>": [1]})
    assert "<b>" not in fig and "&lt;b&gt;x&lt;/b&gt;" in fig
    with pytest.raises(ValueError, match="2 values for 1 x labels"):
        stacked_bar_chart(["a"], {"s": [1, 2]})
    assert "No data" in stacked_bar_chart([], {})
    assert "No data" in stacked_bar_chart(["a"], {"s": [0]})


def test_many_months_get_thinned_labels() -> None:
    months = [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(120)]
    fig = _parse(stacked_bar_chart(months, {"s": list(range(120))}))
    spans = fig.xpath('.//span[contains(@class, "xt")]')
    labels = [t.text for t in spans]
    assert 5 <= len(labels) <= 12 and labels[0] == months[0]
    phone = [t.text for t in spans if "lv1" in t.get("class").split()]
    assert 2 <= len(phone) <= 3 and phone[0] == months[0]  # a phone shows a few, evenly spaced labels


@given(st.integers(min_value=0, max_value=2000))
def test_label_levels_are_nested_evenly_spaced_and_bounded(n: int) -> None:
    levels = label_levels(n)
    assert len(levels) == n
    steps = []
    for level, limit in zip((1, 2, 3), (3, 6, 12), strict=True):
        shown = [i for i, v in enumerate(levels) if 0 < v <= level]
        assert len(shown) <= limit
        if n:
            assert shown[0] == 0
        gaps = {b - a for a, b in zip(shown, shown[1:], strict=False)}
        assert len(gaps) <= 1  # evenly spaced at every width
        steps.append(gaps.pop() if gaps else None)
    if all(steps):
        assert steps[0] % steps[1] == 0 and steps[1] % steps[2] == 0  # coarser levels are subsets of finer ones


def test_human_time_reads_as_day_month_year() -> None:
    assert human_time(datetime(2024, 1, 3, 14, 5, 9, tzinfo=UTC)) == "3 Jan 2024 14:05"
    assert human_time(datetime(2024, 1, 3, 14, 5, 9, tzinfo=UTC), seconds=True) == "3 Jan 2024 14:05:09"


def test_band_chart_draws_bands_lines_gaps_and_markers() -> None:
    band = Band("سهم", [0.1, 0.2, None, 0.4], lower=[0.05, 0.15, None, 0.3], upper=[0.15, 0.25, None, 0.5])
    plain = Band("other", [0.3, 0.3, 0.3, 0.3])
    fig = _parse(band_chart(MONTHS, [band, plain], [Marker("2024-03", "change point")], percent=True))
    assert len(fig.xpath('.//polygon[@class="band"]')) == 2  # the gap splits the band
    assert len(fig.xpath('.//polyline[@class="line"]')) == 3  # two runs + the plain line
    dots = fig.xpath('.//path[@class="dot"]')
    assert len(dots) == 7
    tips = [d.findtext("title") for d in dots]
    assert "سهم · 2024-01: 10.0% (5.0% – 15.0%)" in tips
    (marker,) = fig.xpath('.//g[@class="marker"]/line')
    april = [d for d in dots if "2024-04" in d.findtext("title")]
    mar_x = float(marker.get("x1"))
    assert float(april[0].get("d")[1:].split(",")[0]) > mar_x  # the marker sits at March, left of April's points
    y_ticks = [t.text for t in fig.xpath('.//span[@class="yt"]')]
    assert y_ticks and all(t.endswith("%") for t in y_ticks)


def test_band_chart_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="not one of the x labels"):
        band_chart(MONTHS, [Band("a", [1, 2, 3, 4])], ["2030-01"])
    with pytest.raises(ValueError, match="both lower and upper"):
        band_chart(MONTHS, [Band("a", [1, 2, 3, 4], lower=[0, 0, 0, 0])])
    with pytest.raises(ValueError, match="3 values"):
        band_chart(MONTHS, [Band("a", [1, 2, 3])])
    assert "No data" in band_chart(MONTHS, [Band("a", [None] * 4)])


def test_timeline_rows_and_events() -> None:
    t0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
    rows = [
        TimelineRow("کانال الف", [TimelineEvent(t0), TimelineEvent(t0 + timedelta(hours=2), "copy")]),
        TimelineRow("<i>B</i>", [TimelineEvent(t0 + timedelta(hours=10))]),
    ]
    fig = _parse(timeline_chart(rows, caption="cascade"))
    labels = fig.xpath('.//div[@class="tl-label"]')
    assert [lbl.text for lbl in labels] == ["کانال الف", "<i>B</i>"]
    assert all(lbl.get("dir") == "auto" for lbl in labels)
    strips = fig.xpath('.//svg[@class="tl-strip"]')
    xs = [[float(line.get("x1")) for line in s.xpath("./line[title]")] for s in strips]
    assert xs[0][0] == pytest.approx(4) and xs[1][0] == pytest.approx(996)
    assert xs[0][1] == pytest.approx(4 + 0.2 * 992)
    ticks = fig.xpath('.//span[contains(@class, "tl-tick")]')
    assert len(ticks) == 5
    assert "start" in ticks[0].get("class") and "end" in ticks[-1].get("class")  # the last label stays inside
    assert [t.get("class").split()[1] for t in ticks] == ["lv1", "lv2", "lv1", "lv2", "lv1"]
    assert ticks[0].text == "1 Mar 08:00" and ticks[-1].text == "1 Mar 18:00"


def test_timeline_single_instant_and_empty() -> None:
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    fig = _parse(timeline_chart([TimelineRow("a", [TimelineEvent(t0), TimelineEvent(t0)])]))
    assert {line.get("x1") for line in fig.xpath(".//line[title]")} == {"500.0"}
    assert "No data" in timeline_chart([TimelineRow("a", [])])
