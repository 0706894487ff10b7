"""What the report says, read back from the HTML and its embedded data: the pair shown comes from the charted
cascade, undated messages are counted where a time axis drops them, months sit on a continuous axis, timestamps
read as dates, and text is shown as its authors wrote it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from narrascope import Corpus, ReportOptions, build_report
from narrascope.reuse import load_reuse
from narrascope.text.normalize import normalize
from tests.report.conftest import FullReport


def _doc(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def _data(doc: lxml_html.HtmlElement, section: str) -> dict[str, Any]:
    (node,) = doc.xpath(f'//script[@id="data-{section}"]')
    return json.loads(node.text)


def _visible_text(node: lxml_html.HtmlElement) -> str:
    return " ".join(t for t in node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


@pytest.mark.slow
def test_shared_passages_come_from_the_charted_cascade(full_report: FullReport) -> None:
    doc = _doc(full_report.html)
    data = _data(doc, "reuse")
    top = data["top_cascade"]
    assert top == data["cascades"][0]["cascade_id"]
    with Corpus.open(full_report.db, read_only=True) as corpus:
        result = load_reuse(corpus)
    assert result is not None
    members = set(result.cascade(top)["uid"].to_list())
    assert {data["pair"]["uid"], data["pair"]["parent_uid"]} <= members
    heading = [h.text_content() for h in doc.xpath('//section[@id="reuse"]//h3') if "Shared passages" in h.text_content()]
    assert heading and top in heading[0]
    assert f"#{data['pair']['message_id']}" in heading[0]  # posts named as in the timeline, not by uid prefixes


@pytest.mark.slow
def test_undated_messages_are_counted_under_each_frame_chart(full_report: FullReport) -> None:
    doc = _doc(full_report.html)
    data = _data(doc, "frames")
    assert data["undated"]["messages"] == 3 and data["undated"]["resistance"] == 3
    notes = [n.text_content() for n in doc.xpath('//section[@id="frames"]//p[contains(@class, "undated")]')]
    assert "3 undated messages not shown (3 carry this frame" in notes[0]
    assert any("(0 carry this frame" in n for n in notes)  # sedition: none of the undated carries it
    overview = [n.text_content() for n in doc.xpath('//section[@id="overview"]//p[contains(@class, "undated")]')]
    assert overview and overview[0].startswith("3 messages without a date")


@pytest.mark.slow
def test_timestamps_read_as_dates_and_text_is_shown_as_written(full_report: FullReport) -> None:
    doc = _doc(full_report.html)
    shown = _visible_text(doc.xpath("//main")[0])
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", shown), "raw ISO timestamps in the page"
    times = doc.xpath("//main//time")
    assert times and all(t.get("datetime") for t in times)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}(, \d\d:\d\d UTC)?", times[0].text_content())
    frames = _data(doc, "frames")
    with Corpus.open(full_report.db, read_only=True) as corpus:
        texts = dict(corpus.by_uid([e["uid"] for e in frames["examples"]]).iter_rows())
    for e in frames["examples"]:
        assert e["matched"] and all(m in texts[e["uid"]] for m in e["matched"])  # the author's characters
    marked = [m.text for m in doc.xpath('//section[@id="frames"]//blockquote/mark')]
    assert marked and set(marked) <= {m for e in frames["examples"] for m in e["matched"]}
    reuse = _data(doc, "reuse")
    items = doc.xpath('//ul[@class="boilerplate"]/li/bdi')  # each line isolated from the text around it
    assert len(items) == len(reuse["boilerplate_shown"]) > 0
    for li, b in zip(items, reuse["boilerplate_shown"], strict=True):
        assert b["original"] is not None and li.text_content() == b["original"]
        assert normalize(b["original"]) == b["line"]


def _gap_store(path: Path) -> None:
    """Two dated months 31 months apart, both carrying the frame, and one undated message carrying it."""
    with Corpus.open(path) as corpus:
        con = corpus.connection
        rows = [("a", datetime(2021, 1, 5, tzinfo=UTC), "خیزش در شهر"), ("b", datetime(2021, 1, 9, tzinfo=UTC), "هوا"),
                ("c", datetime(2023, 8, 2, tzinfo=UTC), "خیزش ادامه دارد"), ("d", None, "خیزش بی‌تاریخ")]
        for uid, at, text in rows:
            con.execute("INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, "
                        "script, lang, source_file, ingest_id) VALUES (?, 'telegram', '1', 'کانال', ?, 'post', ?, ?, "
                        "'arabic', 'fa', 'f', 1)", [uid, uid, at, text])


def test_frame_chart_months_are_a_continuous_axis(tmp_path: Path) -> None:
    db = tmp_path / "gap.duckdb"
    _gap_store(db)
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("frames:\n- id: uprising\n  terms:\n    fa: [خیزش]\n", encoding="utf-8")
    out = tmp_path / "report.html"
    with Corpus.open(db, read_only=True) as corpus:
        build_report(corpus, out, ReportOptions(lexicon=lexicon))
    doc = _doc(out)
    data = _data(doc, "frames")
    assert data["series"]["uprising"]["months"] == ["2021-01", "2023-08"]  # what the trends API gives
    axis = data["axis_months"]
    assert axis[0] == "2021-01" and axis[-1] == "2023-08" and len(axis) == 32  # the 31 months between are there
    chart = doc.xpath('//section[@id="frames"]//figure')[0]
    assert len(chart.xpath('.//path[@class="dot"]')) == 2
    assert len(chart.xpath('.//polyline[@class="line"]')) == 2  # the silence is a gap, not one step
    xs = sorted(float(d.get("d")[1:].split(",")[0]) for d in chart.xpath('.//path[@class="dot"]'))
    assert xs[1] - xs[0] == pytest.approx(31 / 32 * 1000, rel=1e-3)
    note = doc.xpath('//section[@id="frames"]//p[contains(@class, "undated")]')[0].text_content()
    assert note.startswith("1 undated message not shown (1 carries this frame")


STORY = ("The ministry announced on Tuesday that the new water rationing plan will start next month in the capital and "
         "in three other provinces, after a summer of record heat, falling reservoirs and repeated protests by farmers "
         "who say their wells have run dry")


def _cascade_store(path: Path) -> None:
    """One story posted by four channels (the third copy without a date), and unrelated posts beside it."""
    with Corpus.open(path) as corpus:
        con = corpus.connection
        rows = [(f"s{i}", str(i), datetime(2024, 3, 1 + i, 9, tzinfo=UTC) if i != 2 else None, STORY)
                for i in range(4)]
        rows += [(f"o{i}", str(i), datetime(2024, 3, 1 + i, 12, tzinfo=UTC), text) for i, text in enumerate(
            ["Football tonight: the derby kicks off at eight", "Bread prices rose again in the northern markets",
             "A quiet weekend is forecast, with light rain on Sunday"])]
        for n, (uid, channel, at, text) in enumerate(rows):
            con.execute("INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, "
                        "script, lang, source_file, ingest_id) VALUES (?, 'telegram', ?, ?, ?, 'post', ?, ?, 'latin', "
                        "'en', 'f', 1)", [uid, channel, f"Channel {channel}", str(100 + n), at, text])


@pytest.mark.slow
def test_undated_members_of_the_charted_cascade_are_counted_under_its_timeline(tmp_path: Path) -> None:
    from narrascope.reuse import ReuseOptions, find_reuse

    db = tmp_path / "cascade.duckdb"
    _cascade_store(db)
    with Corpus.open(db) as corpus:
        find_reuse(corpus, ReuseOptions(workers=1))
    out = tmp_path / "report.html"
    with Corpus.open(db, read_only=True) as corpus:
        build_report(corpus, out, ReportOptions())
    doc = _doc(out)
    data = _data(doc, "reuse")
    assert data["cascades"][0]["size"] == 4 and data["undated_members"] == 1
    notes = [n.text_content() for n in doc.xpath('//section[@id="reuse"]//p[contains(@class, "undated")]')]
    assert notes == ["1 post of this cascade without a date is not shown on the time axis."]
    assert "undetermined (1 undated)" in _visible_text(doc.xpath('//section[@id="reuse"]')[0])
