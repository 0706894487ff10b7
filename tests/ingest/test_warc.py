"""WARC archives: HTML responses become articles; other records are skipped; corrupt archives fail cleanly."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from narrascope.errors import InputError
from narrascope.ingest import warc, web_html
from narrascope.ingest.base import ReadContext

BODY = (
    "The ministry announced on Tuesday that the new rules would take effect next month across the country. "
    "Officials said the decision followed months of consultation with regional authorities and civil groups. "
    "Critics argued that the measures had been rushed through without a proper debate in parliament. "
)
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Ministry sets new rules - Example Times</title>
<link rel="canonical" href="https://www.example-times.com/news/rules-2024">
<meta property="og:site_name" content="Example Times">
</head><body><nav><a href="/world">World news menu</a></nav>
<article><h1>Ministry sets new rules</h1><p>{BODY}</p><p>300x250</p><p>{BODY.replace("ministry", "agency")}</p></article>
<footer>Copyright footer</footer></body></html>"""


def write_warc(path: Path, records: list[tuple[str, str, bytes, str]], *, compress: bool) -> Path:
    """Write (url, content type, body, status) responses into a WARC file, as a crawler would."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=compress)
        for url, ctype, body, status in records:
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return path


def _records() -> list[tuple[str, str, bytes, str]]:
    return [
        ("https://www.example-times.com/news/rules-2024?utm=x", "text/html; charset=utf-8", PAGE.encode(), "200 OK"),
        ("https://www.example-times.com/logo.png", "image/png", b"\x89PNG\r\n", "200 OK"),
        ("https://www.example-times.com/old", "text/html", b"<html><body>moved</body></html>", "301 Moved"),
    ]


@pytest.mark.parametrize("compress", [False, True])
def test_warc_html_responses_become_the_same_articles_as_the_page(tmp_path: Path, compress: bool) -> None:
    path = write_warc(tmp_path / ("a.warc.gz" if compress else "a.warc"), _records(), compress=compress)
    assert warc.sniff(path, path.read_bytes()[:65536])
    ctx = ReadContext(path)
    [rec] = list(warc.read(path, ctx))
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    [from_page] = list(web_html.read(page, ReadContext(page)))
    assert rec == from_page  # canonical URL from the page wins over the crawl URL with its query string
    assert any("2 non-HTML or non-2xx records skipped" in n for n in ctx.notes)


def test_warc_without_canonical_url_uses_the_target_uri(tmp_path: Path) -> None:
    html = PAGE.replace('<link rel="canonical" href="https://www.example-times.com/news/rules-2024">', "")
    path = write_warc(tmp_path / "b.warc",
                      [("https://news.example.org/x/1", "text/html", html.encode(), "200 OK")], compress=False)
    [rec] = list(warc.read(path, ReadContext(path)))
    assert rec["url"] == rec["message_id"] == "https://news.example.org/x/1"
    assert rec["channel_id"] == "news.example.org"


def test_sniff_needs_the_warc_header(tmp_path: Path) -> None:
    assert warc.sniff(tmp_path / "x", b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    assert not warc.sniff(tmp_path / "x", b"<html>")
    other_gz = tmp_path / "data.json.gz"
    other_gz.write_bytes(gzip.compress(b'{"a": 1}'))
    assert not warc.sniff(other_gz, other_gz.read_bytes())


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_warc_raises_input_error(tmp_path: Path, compress: bool) -> None:
    good = write_warc(tmp_path / "c.warc", _records()[:1] * 3, compress=compress).read_bytes()
    bad = tmp_path / "bad.warc"
    bad.write_bytes(good[: len(good) - 200])
    with pytest.raises(InputError, match="bad.warc.*(truncated|cut off)"):
        list(warc.read(bad, ReadContext(bad)))


def test_garbage_after_the_warc_line_raises_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "junk.warc"
    bad.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nshort\r\n\r\n")
    with pytest.raises(InputError, match="junk.warc"):
        list(warc.read(bad, ReadContext(bad)))


def test_html_typed_record_without_doctype_is_read_and_untyped_bytes_are_judged(tmp_path: Path) -> None:
    bare = PAGE.split("<html>", 1)[1].replace("</html>", "")  # no doctype, no <html> tag: starts with <head>
    path = write_warc(tmp_path / "d.warc", [
        ("https://www.example-times.com/news/rules-2024", "text/html", bare.encode(), "200 OK"),
        ("https://www.example-times.com/blob", "", b"\x00\x01 binary", "200 OK"),
    ], compress=False)
    ctx = ReadContext(path)
    [rec] = list(warc.read(path, ctx))
    assert "new rules would take effect" in rec["text"]
    assert any("1 non-HTML" in n for n in ctx.notes)


def test_pages_in_a_warc_are_decoded_with_their_http_charset(tmp_path: Path) -> None:
    """Issue 10 §3: a page's HTTP Content-Type charset outranks its (missing or wrong) declaration."""
    persian = ("مسئولان استان گفتند که اعتراضات دیشب در خیابان های شهر ادامه داشت و نیروهای امنیتي ده ها نفر را "
               "بازداشت کردند. خبرگزاري ها از قطع اينترنت در چند شهر خبر دادند. ").replace("ی", "ي") * 4
    page = (f"<!DOCTYPE html><html><head><title>خبر - Example</title></head><body><article><h1>خبر</h1>"
            f"<p>{persian}</p></article></body></html>").encode("cp1256")
    wrong = PAGE.replace("<p>The ministry", "<p>The state’s ministry").replace('charset="utf-8"', 'charset="koi8-r"')
    path = write_warc(tmp_path / "a.warc", [
        ("https://news.example.ir/a/1", "text/html; charset=windows-1256", page, "200 OK"),
        ("https://news.example.ir/a/2", "text/html", page, "200 OK"),  # no charset anywhere: detected
        ("https://www.example-times.com/b", "text/html; charset=ISO-8859-1", wrong.encode(), "200 OK"),
    ], compress=False)
    ctx = ReadContext(path)
    recs = list(warc.read(path, ctx))
    assert [persian.split(".")[0] in r["text"] for r in recs[:2]] == [True, True]
    assert "The state’s ministry" in recs[2]["text"]
    [counts] = [n for n in ctx.notes if n.startswith("page encodings: ")]
    assert "windows-1256 (HTTP Content-Type) ×1" in counts and "windows-1256 (detected) ×1" in counts
    assert "utf-8 (valid UTF-8; the page declares ISO-8859-1) ×1" in counts
