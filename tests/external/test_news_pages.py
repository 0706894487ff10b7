"""The real news pages in ../shared/data/html/news_pages against expected_snippets.json, as HTML and as WARC."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from narrascope.ingest import detect, warc, web_html
from narrascope.ingest.base import ReadContext

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PAGES = DATA / "html" / "news_pages"
EXPECTED = PAGES / "expected_snippets.json"

pytestmark = pytest.mark.skipif(not EXPECTED.exists(), reason="../shared/data/html/news_pages is absent")


def _cases() -> list[tuple[str, dict[str, Any]]]:
    if not EXPECTED.exists():
        return []
    return sorted(json.loads(EXPECTED.read_text(encoding="utf-8")).items())


def _read_page(name: str) -> dict[str, Any]:
    path = PAGES / name
    [rec] = list(web_html.read(path, ReadContext(path)))
    return rec


@pytest.mark.parametrize("url, case", _cases(), ids=lambda v: v["file"] if isinstance(v, dict) else "")
def test_page_text_has_every_with_and_no_without_snippet(url: str, case: dict[str, Any]) -> None:
    path = PAGES / case["file"]
    assert detect.sniff(path) == "web_html"
    rec = _read_page(case["file"])
    for snippet in case["with"]:
        assert snippet in rec["text"], snippet
    for snippet in case["without"]:
        assert snippet not in rec["text"], snippet
    if case["title"]:
        assert rec["title"] == case["title"]
    if case["author"]:
        assert rec["author"] == case["author"]
    if case["date"]:
        assert rec["posted_at"].date().isoformat() == case["date"]
    assert rec["url"] == url  # the canonical URL from the page's metadata
    assert rec["message_id"] == url
    domain = re.sub(r"^www\.", "", url.split("/")[2])
    assert rec["channel_id"] == domain


def test_outlets_are_named_by_site() -> None:
    assert _read_page("bbc.com.52241221.html")["channel"] == "BBC News"
    assert _read_page("assabah.com.tn.article.html")["channel"] == "Assabah News"


@pytest.mark.parametrize("compress", [False, True])
def test_warc_of_the_pages_gives_the_same_articles(tmp_path: Path, compress: bool) -> None:
    cases = _cases()
    path = tmp_path / ("pages.warc.gz" if compress else "pages.warc")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=compress)
        for url, case in cases:
            body = (PAGES / case["file"]).read_bytes()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    assert detect.sniff(path) == "warc"
    from_warc = list(warc.read(path, ReadContext(path)))
    from_html = [_read_page(case["file"]) for _, case in cases]
    assert [r["text"] for r in from_warc] == [r["text"] for r in from_html]
    assert from_warc == from_html
