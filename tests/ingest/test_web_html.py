"""Saved news pages: main text without navigation, ads or comments; metadata; detection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.ingest import web_html
from narrascope.ingest.article_extract import extract_article, site_domain, strip_ad_labels
from narrascope.ingest.base import ReadContext

BODY = (
    "The ministry announced on Tuesday that the new rules would take effect next month across the country. "
    "Officials said the decision followed months of consultation with regional authorities and civil groups. "
    "Critics argued that the measures had been rushed through without a proper debate in parliament. "
)

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Ministry sets new rules for the coming month - Example Times</title>
<link rel="canonical" href="https://www.example-times.com/news/rules-2024">
<meta property="og:site_name" content="Example Times">
<meta property="og:title" content="New rules, shared title">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2024-03-05T08:30:00+00:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li></ul></nav>
<div class="ad">728 x 90</div>
<article>
<h1>Ministry sets new rules for the coming month</h1>
<p>{BODY}</p>
<p>728 x 90</p>
<p>{BODY.replace("ministry", "agency")}</p>
<p>In a statement, the spokesperson said the rules were a first step and more would follow later.</p>
</article>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>Reader opinion nobody asked for, posted below the article.</p></div>
<form><label>Add a new comment</label><textarea></textarea></form></section>
<footer>Copyright footer text and newsletter sign-up</footer>
</body></html>"""


def _page(tmp_path: Path, html: str = PAGE, name: str = "page.html") -> Path:
    path = tmp_path / "saved" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def test_page_becomes_one_article_record(tmp_path: Path) -> None:
    path = _page(tmp_path)
    assert web_html.sniff(path, path.read_bytes())
    ctx = ReadContext(path)
    [rec] = list(web_html.read(path, ctx))
    assert (rec["platform"], rec["kind"]) == ("web", "article")
    assert rec["channel_id"] == "example-times.com" and rec["channel"] == "Example Times"
    assert rec["message_id"] == rec["url"] == "https://www.example-times.com/news/rules-2024"
    assert rec["title"] == "Ministry sets new rules for the coming month"
    assert rec["author"] == "Jane Reporter"
    assert rec["posted_at"] == datetime(2024, 3, 5, tzinfo=UTC)
    text = rec["text"]
    assert "new rules would take effect" in text and "first step and more would follow" in text
    for boiler in ("World news menu", "728 x 90", "Reader opinion", "Add a new comment", "Copyright footer"):
        assert boiler not in text
    assert ("web", "example-times.com") in ctx.channels


def test_page_without_url_takes_outlet_from_site_name_or_folder(tmp_path: Path) -> None:
    no_url = PAGE.replace('<link rel="canonical" href="https://www.example-times.com/news/rules-2024">', "")
    [rec] = list(web_html.read(_page(tmp_path, no_url), ReadContext(tmp_path)))
    assert rec["channel_id"] == "example times" and rec["url"] is None
    assert rec["message_id"].startswith("sha256:")
    bare = no_url.replace('<meta property="og:site_name" content="Example Times">', "")
    [rec2] = list(web_html.read(_page(tmp_path, bare, "b.html"), ReadContext(tmp_path)))
    assert rec2["channel_id"] == "saved"
    # Same text, same id: re-ingesting the page does not duplicate it.
    assert rec2["message_id"] == rec["message_id"]


def test_page_without_article_text_raises(tmp_path: Path) -> None:
    path = _page(tmp_path, "<!doctype html><html><head><title>t</title></head><body><script>var a = 1;</script>"
                           "</body></html>")
    with pytest.raises(InputError, match="no article text"):
        list(web_html.read(path, ReadContext(path)))


def test_sniff_by_structure(tmp_path: Path) -> None:
    assert web_html.sniff(tmp_path / "x.dat", b"\xef\xbb\xbf  <!DOCTYPE html><html>")
    assert web_html.sniff(tmp_path / "x.htm", b"<html lang='fa'><head>")
    assert web_html.sniff(tmp_path / "x.html", b"<!-- saved from url=(0030)https://example.com/ -->\r\n<html>")
    assert web_html.sniff(tmp_path / "x.xhtml", b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML">')
    assert not web_html.sniff(tmp_path / "x.html", b'{"messages": []}')
    assert not web_html.sniff(tmp_path / "x.csv", b'id,body\n1,"<html><body>quoted page</body></html>"\n')
    assert not web_html.sniff(tmp_path / "x.html", b"")
    telegram = (b'<!DOCTYPE html><html><head><title>Exported Data</title></head><body><div class="page_wrap">'
                b'<div class="page_header"></div><div class="page_body chat_page"><div class="history">')
    assert not web_html.sniff(tmp_path / "messages.html", telegram)


@pytest.mark.parametrize("label", ["728 x 90", "300x250", "  160 × 600 ", "970X250"])
def test_ad_size_lines_are_stripped(label: str) -> None:
    assert strip_ad_labels(f"{label}\n\nTitle\n\nBody text\n{label}\nMore") == "Title\n\nBody text\nMore"


def test_ad_size_inside_a_sentence_is_kept() -> None:
    text = "The banner measured 728 x 90 pixels."
    assert strip_ad_labels(text) == text


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r"))))
def test_strip_ad_labels_never_leaves_an_ad_line(lines: list[str]) -> None:
    out = strip_ad_labels("\n".join(["728 x 90", *lines, "300x250"]))
    assert "728 x 90" not in out.split("\n") and "300x250" not in out.split("\n")


def test_site_domain() -> None:
    assert site_domain("https://www.bbc.com/news/x") == "bbc.com"
    assert site_domain("http://WWW.Assabah.com.tn:8080/a") == "assabah.com.tn"
    assert site_domain("news.bbc.co.uk") == "news.bbc.co.uk"
    assert site_domain(None) is None


def test_extract_article_takes_the_fetch_url_when_page_has_none() -> None:
    html = PAGE.replace('<link rel="canonical" href="https://www.example-times.com/news/rules-2024">', "")
    art = extract_article(html.encode(), "https://mirror.example.org/a/1")
    assert art is not None and art.url == "https://mirror.example.org/a/1" and art.domain == "mirror.example.org"


# ---------------------------------------------------------------------------------------------- encodings (issue 10 §3)
PERSIAN_BODY = ("مسئولان استان گفتند که اعتراضات دیشب در خیابان‌های شهر ادامه داشت و نیروهای امنیتی ده‌ها نفر را "
                "بازداشت کردند. خبرگزاری‌ها از قطع اینترنت در چند شهر و کندی شدید شبکه در پایتخت خبر دادند. ") * 3


def _encoded_page(body: str, meta: str, encoding: str, *, late: bool) -> bytes:
    filler = "<script>var cfg = {" + ", ".join(f"k{i}: {i}" for i in range(600)) + "};</script>"
    head = f"<title>خبر فوری - Example</title>{filler if late else ''}{meta}"
    html = f"<!DOCTYPE html><html><head>{head}</head><body><article><h1>خبر فوری</h1><p>{body}</p>" \
           f"<p>{body}</p></article></body></html>"
    if encoding == "cp1256":  # Persian pages in windows-1256 were written with Arabic yeh and without ZWNJ
        html = html.replace("ی", "ي").replace("\u200c", " ")
    if encoding == "cp1252":
        html = html.replace("خبر فوری", "Breaking news")
    return html.encode(encoding)


@pytest.mark.parametrize(("body", "meta", "encoding", "late", "note"), [
    # the page: UTF-8 whose <meta charset> sits after the first kilobytes
    (BODY.replace("The", "The state’s"), '<meta charset="utf-8">', "utf-8", True, "utf-8 (valid UTF-8)"),
    (PERSIAN_BODY, '<meta charset="utf-8">', "utf-8", True, "utf-8 (valid UTF-8)"),
    (PERSIAN_BODY, "", "utf-8", False, "utf-8 (valid UTF-8)"),
    (PERSIAN_BODY, '<meta charset="iso-8859-1">', "utf-8", False, "utf-8 (valid UTF-8; the page declares iso-8859-1)"),
    (PERSIAN_BODY.replace("ی", "ي").replace("\u200c", " "), "", "cp1256", False, "windows-1256 (detected)"),
    (PERSIAN_BODY.replace("ی", "ي").replace("\u200c", " "), '<meta charset="windows-1256">', "cp1256", True,
     "windows-1256 (the page's charset declaration)"),
    (PERSIAN_BODY.replace("ی", "ي").replace("\u200c", " "), '<meta charset="utf-8">', "cp1256", False,
     "windows-1256 (detected; the page declares utf-8)"),
    (BODY.replace("The", "The state’s café"), '<meta charset="utf-8">', "cp1252", False,
     "windows-1252 (detected; the page declares utf-8)"),
])
def test_pages_are_read_in_their_real_encoding(tmp_path: Path, body: str, meta: str, encoding: str, late: bool,
                                               note: str) -> None:
    path = tmp_path / "site" / "page.html"
    path.parent.mkdir()
    path.write_bytes(_encoded_page(body, meta, encoding, late=late))
    assert web_html.sniff(path, path.read_bytes()[:65536])
    ctx = ReadContext(path)
    [rec] = list(web_html.read(path, ctx))
    # (trafilatura drops ZWNJ from the extracted text, in any encoding)
    assert body.split(". ")[0].replace("\u200c", "") in rec["text"]
    assert f"encoding: {note}" in ctx.notes
    assert not any("mojibake" in n for n in ctx.notes)


def test_a_page_saved_as_mojibake_is_flagged(tmp_path: Path) -> None:
    garbled = BODY.replace("the", "the state’s").encode("utf-8").decode("cp1252")  # mis-decoded before saving
    path = tmp_path / "site" / "page.html"
    path.parent.mkdir()
    path.write_bytes(_encoded_page(garbled, '<meta charset="utf-8">', "utf-8", late=False))
    ctx = ReadContext(path)
    list(web_html.read(path, ctx))
    assert any(n.startswith("the text looks like mojibake") and "stateâ€™s" in n for n in ctx.notes)


def test_utf16_pages_with_a_bom_are_detected_and_read(tmp_path: Path) -> None:
    path = tmp_path / "site" / "page.html"
    path.parent.mkdir()
    path.write_bytes(_encoded_page(PERSIAN_BODY, "", "utf-16", late=False))
    assert web_html.sniff(path, path.read_bytes()[:65536])
    ctx = ReadContext(path)
    [rec] = list(web_html.read(path, ctx))
    assert "اعتراضات" in rec["text"] and "encoding: utf-16-le (byte-order mark)" in ctx.notes
