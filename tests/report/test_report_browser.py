"""The report in a real browser (headless chromium), on a phone (390 px) and a laptop (1366 px), and printed.

What a reader sees is what these check: the page is never wider than the screen (tables scroll in their own box),
chart text stays readable (≥ 10 px as rendered, not as drawn in a scaled-down SVG), axis labels never overlap or
leave the chart, long values are ellipsised with the full value as a title, Persian words are never broken inside,
and right-to-left text is laid out right to left. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.report.conftest import LONG_CHANNEL, LONG_PATH, FullReport

pytestmark = pytest.mark.slow

WIDTHS = [390, 1366]

# Every element whose text a reader reads inside a chart, with its rendered font size: the computed size times the
# scale of any SVG it sits in (SVG text shrinks with its viewBox; HTML text does not).
_CHART_TEXT = """
() => [...document.querySelectorAll('figure.chart *')].filter(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    return own && style.display !== 'none' && style.visibility !== 'hidden' && el.getClientRects().length;
}).map(el => {
    const size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    const scale = svg && el instanceof SVGElement ? svg.getScreenCTM().a : 1;
    return {text: el.textContent.trim().slice(0, 40), px: size * scale};
})
"""

# Visible labels of each axis (x ticks of every chart, the timeline's time axis) with their boxes and the chart's.
_AXIS_LABELS = """
() => [...document.querySelectorAll('.x-ticks, .tl-axis')].map(axis => {
    const fig = axis.closest('figure').getBoundingClientRect();
    const labels = [...axis.children].filter(el => getComputedStyle(el).display !== 'none')
        .map(el => { const r = el.getBoundingClientRect(); return {text: el.textContent, left: r.left, right: r.right}; });
    return {figure: {left: fig.left, right: fig.right}, labels: labels};
})
"""

# Arabic-script words whose characters sit on more than one line (broken inside the word).
_SPLIT_WORDS = r"""
() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const word = /[\u0600-\u06FF\u200C]{2,}/g;
    let node;
    while ((node = walker.nextNode())) {
        const el = node.parentElement;
        if (!el || el.closest('script, style') || !el.getClientRects().length) continue;
        for (const m of node.textContent.matchAll(word)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) out.push(m[0]);
        }
    }
    return out;
}
"""


def _open(page: Any, report: FullReport, width: int) -> Any:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(report.html.as_uri())
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_page_fits_the_screen_and_tables_scroll_in_their_box(browser_page: Any, full_report: FullReport,
                                                             width: int, tmp_path: Path) -> None:
    page = _open(browser_page, full_report, width)
    page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
    doc_width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert doc_width <= viewport, f"the page lays out {doc_width} px wide on a {viewport} px screen"
    tables = page.evaluate("""() => [...document.querySelectorAll('main table')].map(t => {
        const box = t.parentElement;
        return {boxed: box.classList.contains('table-scroll'), overflow: getComputedStyle(box).overflowX,
                table: t.scrollWidth, box: box.clientWidth, right: box.getBoundingClientRect().right};
    })""")
    assert len(tables) >= 8
    assert all(t["boxed"] and t["overflow"] == "auto" for t in tables)
    assert all(t["right"] <= viewport + 0.5 for t in tables)
    if width == 390:  # the wide tables really are wider than the phone: they scroll inside their box
        assert sum(t["table"] > t["box"] for t in tables) >= 3


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_readable_and_axis_labels_never_overlap(browser_page: Any, full_report: FullReport,
                                                             width: int) -> None:
    page = _open(browser_page, full_report, width)
    texts = page.evaluate(_CHART_TEXT)
    assert len(texts) > 20
    small = [t for t in texts if t["px"] < 10]
    assert not small, f"chart text under 10 px: {small[:5]}"
    axes = page.evaluate(_AXIS_LABELS)
    assert len(axes) >= 5  # overview, three frame charts, the cascade timeline
    for axis in axes:
        labels = sorted(axis["labels"], key=lambda r: r["left"])
        assert len(labels) >= 2
        for a, b in zip(labels, labels[1:], strict=False):
            assert a["right"] <= b["left"] + 0.5, f"labels overlap: {a['text']!r} and {b['text']!r}"
        assert labels[0]["left"] >= axis["figure"]["left"] - 0.5
        assert labels[-1]["right"] <= axis["figure"]["right"] + 0.5, f"{labels[-1]['text']!r} leaves the chart"


@pytest.mark.parametrize("width", WIDTHS)
def test_persian_words_are_never_split_and_rtl_text_runs_right_to_left(browser_page: Any,
                                                                      full_report: FullReport, width: int) -> None:
    page = _open(browser_page, full_report, width)
    assert page.evaluate(_SPLIT_WORDS) == []
    directions = page.evaluate("""() => [...document.querySelectorAll('[dir=auto]')]
        .filter(el => /^[\\s\\p{P}\\p{S}\\p{N}]*[\\u0600-\\u06FF]/u.test(el.textContent))
        .map(el => getComputedStyle(el).direction)""")
    assert len(directions) > 20 and set(directions) == {"rtl"}
    examples = page.evaluate("""() => [...document.querySelectorAll('.example blockquote')]
        .map(q => [/[\\u0600-\\u06FF]/.test((q.textContent.match(/[A-Za-z\\u0600-\\u06FF]/) || [''])[0]),
                   getComputedStyle(q).direction])""")  # the first strong letter decides the direction
    assert any(persian for persian, _ in examples)
    assert all(direction == ("rtl" if persian else "ltr") for persian, direction in examples)


@pytest.mark.parametrize("width", WIDTHS)
def test_long_values_are_ellipsised_with_the_full_value_on_hover(browser_page: Any, full_report: FullReport,
                                                                width: int) -> None:
    page = _open(browser_page, full_report, width)
    clips = page.evaluate("""() => [...document.querySelectorAll('.clip')].map(el => ({
        title: el.title, text: el.textContent, clipped: el.scrollWidth > el.clientWidth + 1,
        ellipsis: getComputedStyle(el).textOverflow, right: el.getBoundingClientRect().right}))""")
    path = [c for c in clips if c["text"] == LONG_PATH]
    assert path and path[0]["clipped"] and path[0]["title"] == LONG_PATH and path[0]["ellipsis"] == "ellipsis"
    name = [c for c in clips if c["text"] == LONG_CHANNEL]
    assert name and all(c["title"] == LONG_CHANNEL for c in name)
    # whatever is cut off is in the title: the whole value, or the whole text a shortened preview comes from
    assert all(c["title"].startswith(c["text"].rstrip("…")) for c in clips if c["clipped"])


def test_printing_shows_everything_without_scrolling(browser_page: Any, full_report: FullReport,
                                                     tmp_path: Path) -> None:
    page = _open(browser_page, full_report, 1366)
    page.emulate_media(media="print")
    state = page.evaluate("""() => ({
        nav: getComputedStyle(document.querySelector('nav')).display,
        boxes: [...document.querySelectorAll('.table-scroll')].map(b => getComputedStyle(b).overflowX),
        clip: getComputedStyle(document.querySelector('.clip.path')).whiteSpace})""")
    assert state["nav"] == "none"
    assert set(state["boxes"]) == {"visible"}
    assert state["clip"] == "normal"  # the full path is printed, not an ellipsis
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
