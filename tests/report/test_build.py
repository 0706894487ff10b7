"""The HTML report end to end: a small store built with SQL inserts, the page parsed back with lxml."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from narrascope.cli import cli
from narrascope.report import ReportOptions, Section, build_report, build_sections
from narrascope.report.sections import discover, overview
from narrascope.store.corpus import Corpus

PERSIAN = "خبرگزاری فارس"
ARABIC = "قناة العربية"
HOSTILE = "<script>alert(1)</script>"

# (platform, channel_id, name in channels table or None, [(YYYY-MM-DD, kind), ...])
CHANNELS = [
    ("telegram", "100", PERSIAN, [("2024-01-03", "post"), ("2024-01-20", "post"), ("2024-03-02", "post"),
                                  ("2024-03-05", "service")]),
    ("telegram", "200", "BBC Persian", [("2024-01-04", "post"), ("2023-12-30", "post")]),
    ("telegram", "300", HOSTILE, [("2024-02-11", "post")]),
    ("web", "news.example", ARABIC, [("2024-03-09", "article"), ("2024-03-10", "article")]),
    ("instagram", "acc1", None, [("2024-02-01", "caption")]),  # no channels row: name comes from messages.channel
]


def _make_store(path: Path, channels: list[Any] = CHANNELS) -> None:
    with Corpus.open(path) as corpus:
        con = corpus.connection
        con.execute(
            "INSERT INTO ingests VALUES (1, '/data/فارس/result.json', 'abc', 'telegram_json', ?, ?, 9, 9, 0, 1, 1, 'ok', "
            "'Asia/Tehran', false, '{}', 'times were local; converted with Asia/Tehran', '0.1.0')",
            [datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 1, 0, 1, tzinfo=UTC)],
        )
        con.execute(
            "INSERT INTO ingests VALUES (2, '/data/web.warc', 'def', 'web', ?, ?, 2, 2, 0, 0, 0, 'ok', NULL, false, "
            "'{}', NULL, '0.1.0')",
            [datetime(2024, 5, 2, tzinfo=UTC), datetime(2024, 5, 2, 0, 1, tzinfo=UTC)],
        )
        for platform, cid, name, messages in channels:
            if name is not None:
                con.execute("INSERT INTO channels VALUES (?, ?, ?, 'channel', 1)", [platform, cid, name])
            for i, (day, kind) in enumerate(messages):
                con.execute(
                    "INSERT INTO messages (uid, platform, channel_id, channel, message_id, kind, posted_at, text, "
                    "script, lang, source_file, ingest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'f', 1)",
                    [f"{platform}-{cid}-{i}", platform, cid, name or f"account {cid}", str(i), kind,
                     datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC), "سلام دنیا",
                     "arabic", "fa"],
                )


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.duckdb"
    _make_store(path)
    return path


def _report(store: Path, out: Path, options: ReportOptions | None = None) -> lxml_html.HtmlElement:
    with Corpus.open(store, read_only=True) as corpus:
        build_report(corpus, out, options)
    return lxml_html.fromstring(out.read_text(encoding="utf-8"))


def _data(doc: lxml_html.HtmlElement, section: str) -> dict[str, Any]:
    (node,) = doc.xpath(f'//script[@type="application/json"][@id="data-{section}"]')
    return json.loads(node.text)


def test_overview_data_matches_store_counts(store: Path, tmp_path: Path) -> None:
    doc = _report(store, tmp_path / "report.html")
    data = _data(doc, "overview")
    with Corpus.open(store, read_only=True) as corpus:
        total = corpus.sql("SELECT count(*) AS n FROM messages")["n"][0]
        per_month = dict(corpus.connection.execute(
            "SELECT strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m'), count(*) FROM messages "
            "WHERE kind <> 'service' GROUP BY 1").fetchall())
        per_channel = dict(corpus.connection.execute(
            "SELECT platform || '/' || channel_id, count(*) FROM messages GROUP BY 1").fetchall())
    assert data["summary"]["messages"] == total == 10
    assert data["summary"]["channels"] == len(CHANNELS)
    # months run without gaps from the first to the last month, quiet months as zero
    assert data["months"] == ["2023-12", "2024-01", "2024-02", "2024-03"]
    sums = [sum(counts[i] for counts in data["series"].values()) for i in range(len(data["months"]))]
    assert sums == [per_month.get(m, 0) for m in data["months"]]
    assert data["series"][PERSIAN] == [0, 2, 0, 1]  # the service message is not charted
    assert {f'{c["platform"]}/{c["channel_id"]}': c["messages"] for c in data["channels"]} == per_channel
    assert [i["ingest_id"] for i in data["ingests"]] == [1, 2]


def test_channel_table_lists_every_channel_with_rtl_cells(store: Path, tmp_path: Path) -> None:
    doc = _report(store, tmp_path / "report.html")
    cells = doc.xpath('//section[@id="overview"]//table[contains(@class, "channels")]//*[contains(@class, "name")]')
    names = [c.text_content() for c in cells]
    assert sorted(names) == sorted([PERSIAN, "BBC Persian", HOSTILE, ARABIC, "account acc1"])
    assert all(c.get("dir") == "auto" and c.get("title") == c.text_content() for c in cells)  # full value on hover
    assert doc.get("lang") == "en"
    assert "unicode-bidi: plaintext" in doc.xpath("//style")[0].text


def test_page_has_svg_chart_and_no_external_resources(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    doc = _report(store, out)
    svg = doc.xpath('//section[@id="overview"]//svg')
    assert svg and len(svg[0].xpath(".//rect")) == 7  # one segment per (month, channel) with posts
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        assert el.get("src") is None, el.tag
        href = el.get("href")
        assert href is None or href.startswith("#"), href
    assert not doc.xpath("//link | //iframe | //img | //object | //embed")
    assert all(s.get("type") == "application/json" for s in doc.xpath("//script"))
    assert "http://" not in out.read_text(encoding="utf-8") and "https://" not in out.read_text(encoding="utf-8")


def test_user_text_is_escaped(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    doc = _report(store, out)
    raw = out.read_text(encoding="utf-8")
    assert HOSTILE not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    scripts = doc.xpath("//script")
    assert [s.get("id") for s in scripts] == ["data-overview"]  # no script element came from a channel name
    labels = [c["label"] for c in _data(doc, "overview")["channels"]]
    assert HOSTILE in labels  # the embedded JSON round-trips the exact name


def test_failed_section_leaves_previous_report_intact(store: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.html"
    _report(store, out)
    before = out.read_bytes()

    def broken(corpus: Corpus, options: ReportOptions) -> Section:
        raise RuntimeError("section failed")

    monkeypatch.setattr(overview, "build", broken)
    with Corpus.open(store, read_only=True) as corpus, pytest.raises(RuntimeError):
        build_report(corpus, out)
    assert out.read_bytes() == before
    fresh = tmp_path / "new.html"
    with Corpus.open(store, read_only=True) as corpus, pytest.raises(RuntimeError):
        build_report(corpus, fresh)
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.duckdb", "report.html"]  # no temp file left


def test_failed_write_removes_temp_file(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.html"

    def fail_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("narrascope.report.build.os.replace", fail_replace)
    with Corpus.open(store, read_only=True) as corpus, pytest.raises(OSError):
        build_report(corpus, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.duckdb"]


def test_channel_limits_keep_all_numbers_in_data(store: Path, tmp_path: Path) -> None:
    doc = _report(store, tmp_path / "r.html", ReportOptions(max_channels=2, chart_channels=2))
    data = _data(doc, "overview")
    rows = doc.xpath('//table[contains(@class, "channels")]/tbody/tr')
    assert len(rows) == 2 and len(data["channels"]) == len(CHANNELS)
    assert list(data["series"]) == [PERSIAN, "BBC Persian", overview.OTHER]
    assert data["series"][overview.OTHER] == [0, 0, 2, 2]
    assert "3 more channels" in doc.text_content()


def test_empty_store_gives_a_report(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    Corpus.open(db).close()
    doc = _report(db, tmp_path / "r.html")
    data = _data(doc, "overview")
    assert data["summary"]["messages"] == 0 and data["months"] == [] and data["series"] == {}
    assert "holds no messages" in doc.text_content()


def test_sections_are_discovered_and_none_is_left_out(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert overview in discover()
    with Corpus.open(store, read_only=True) as corpus:
        assert [s.id for s in build_sections(corpus, ReportOptions())] == ["overview"]
        monkeypatch.setattr(overview, "build", lambda corpus, options: None)
        assert build_sections(corpus, ReportOptions()) == []


def test_output_must_be_a_file_in_an_existing_folder(store: Path, tmp_path: Path) -> None:
    from narrascope.errors import UsageError

    with Corpus.open(store, read_only=True) as corpus:
        with pytest.raises(UsageError, match="does not exist"):
            build_report(corpus, tmp_path / "missing" / "r.html")
        with pytest.raises(UsageError, match="is a folder"):
            build_report(corpus, tmp_path)


def test_month_range_crosses_years() -> None:
    assert overview.month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert overview.month_range("2024-05", "2024-05") == ["2024-05"]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 23), st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(1, 50)),
        max_size=30, unique_by=lambda r: (r[0], r[1]),
    ),
    keep=st.integers(1, 6),
)
def test_monthly_series_preserves_totals(rows: list[tuple[int, str, int]], keep: int) -> None:
    by_month: list[dict[str, Any]] = sorted(
        ({"month": f"{2020 + m // 12}-{m % 12 + 1:02d}", "platform": "telegram", "channel_id": c, "messages": n}
         for m, c, n in rows),
        key=lambda r: (r["month"], r["channel_id"]),
    )
    by_channel = [{"platform": "telegram", "channel_id": c, "channel": c.upper()} for c in "abcde"]
    months, series = overview.monthly_series({"by_month": by_month, "by_channel": by_channel}, keep)
    assert len(series) <= keep + 1
    expected: dict[str, int] = {}
    for r in by_month:
        expected[r["month"]] = expected.get(r["month"], 0) + r["messages"]
    totals = {m: sum(s[i] for s in series.values()) for i, m in enumerate(months)}
    assert {m: n for m, n in totals.items() if n} == expected
    assert sum(totals.values()) == sum(n for _, _, n in rows)


def test_cli_report_json(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), "--db", str(store), "--title", "Test <t>", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload == {"report": str(out), "sections": ["overview"]}
    doc = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.findtext(".//title") == "Test <t>"


def test_cli_report_missing_store(tmp_path: Path) -> None:
    from narrascope.cli import main

    assert main(["report", "-o", str(tmp_path / "r.html"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert not (tmp_path / "r.html").exists()


def test_channel_labels_disambiguate_shared_names() -> None:
    rows: list[dict[str, Any]] = [
        {"platform": "telegram", "channel_id": "1", "channel": "News"},
        {"platform": "web", "channel_id": "news.example", "channel": "News"},
        {"platform": "telegram", "channel_id": "2", "channel": None},
        {"platform": "telegram", "channel_id": "3", "channel": overview.OTHER},
    ]
    labels = overview.channel_labels(rows)
    assert labels == {
        ("telegram", "1"): "News [telegram:1]",
        ("web", "news.example"): "News [web:news.example]",
        ("telegram", "2"): "2",
        ("telegram", "3"): f"{overview.OTHER} [telegram:3]",
    }


def test_json_for_script_cannot_close_the_script_element() -> None:
    from narrascope.report.render import json_for_script

    value = {"name": "</script><!-- & ‌می‌روم"}
    text = str(json_for_script(value))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value
