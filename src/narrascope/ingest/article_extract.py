"""Main text and metadata of a news page, via trafilatura, shared by the ``web_html`` and ``warc`` readers.

:func:`extract_article` takes the page's bytes (and the URL it was fetched from and the HTTP ``Content-Type``, when
known), decodes them explicitly (:mod:`.page_encoding`: BOM, valid UTF-8, declared charset anywhere in the head,
then a detector — never the parser's guess from the first kilobytes) and returns an :class:`Article`: title, author,
date, site name, domain, canonical URL and the main text without navigation, comments or ad-size labels, with the
encoding used and a sample of the text when it still looks like mojibake. It also builds the canonical ``web`` record (:func:`article_record`), so that a saved
page and the same page inside a WARC file give the same row.

trafilatura is configured so that it never fetches anything (it is only handed bytes) and never installs a
signal-based timeout (which fails outside the main thread).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from trafilatura import bare_extraction
from trafilatura.settings import use_config

from ..models import empty_record
from .page_encoding import decode_page, mojibake_sample

__all__ = [
    "AD_LABEL_LINE",
    "Article",
    "article_record",
    "content_id",
    "extract_article",
    "site_domain",
    "strip_ad_labels",
]

#: A whole line that is only an ad slot's size, e.g. "728 x 90", "300x250", "160 × 600" (a scraping leftover).
AD_LABEL_LINE = re.compile(r"^[ \t]*\d{2,4}[ \t]*[xX×][ \t]*\d{2,4}[ \t]*(?:\n|$)", re.MULTILINE)

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Article:
    """What a news page says about itself, plus its main text."""

    text: str
    title: str | None
    author: str | None
    date: datetime | None
    site: str | None
    """The outlet's name as the page gives it (og:site_name …), else None."""
    domain: str | None
    """Host without ``www.``, from the canonical URL (else the URL given), e.g. ``bbc.com``."""
    url: str | None
    """Canonical URL from the page's metadata, else the URL the page was fetched from."""
    encoding: str | None = None
    """How the bytes were decoded, for the ingest log (e.g. ``windows-1256 (detected)``); None for text input."""
    mojibake: str | None = None
    """A stretch of the text that reads like UTF-8 decoded as windows-1252 (â€™, Ã©, Ø§), when it does."""


def strip_ad_labels(text: str) -> str:
    """Remove whole lines that are ad-slot sizes ("728 x 90") and the blank runs they leave behind."""
    cleaned = AD_LABEL_LINE.sub("", text)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip("\n")


def site_domain(url: str | None) -> str | None:
    """``https://www.bbc.com/news/x`` -> ``bbc.com`` (lower case, no port, no leading ``www.``)."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else "//" + url).hostname
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def content_id(text: str) -> str:
    """Message id of an article without a URL: a hash of its text (same text, same id)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@cache
def _config() -> Any:
    cfg = use_config()
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no SIGALRM: readers may run outside the main thread
    cfg.set("DEFAULT", "EXTERNAL_URLS", "off")
    return cfg


def _text_of(el: Any) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def _headline(tree: Any) -> str | None:
    """The page's visible headline: the first <h1> whose text starts the <title> (which usually appends
    " - Site"). Social-media titles (og:title) are often rewritten, so this wins when it is confirmed."""
    titles = tree.xpath("//title")
    if not titles:
        return None
    page_title = _text_of(titles[0])
    for h1 in tree.xpath("//h1"):
        raw = h1.text_content().strip()
        if raw and page_title.startswith(_WS.sub(" ", raw)) and len(raw) >= 8:
            return raw
    return None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def extract_article(html: bytes | str, url: str | None = None, http_charset: str | None = None) -> Article | None:
    """Main text and metadata of one page; None when trafilatura finds no main text at all. ``http_charset``: the
    ``Content-Type`` of the HTTP response the bytes came in (WARC records), which outranks the page's own
    declaration."""
    encoding = None
    if isinstance(html, bytes):
        decoded = decode_page(html, http_charset)
        html, encoding = decoded.text, decoded.describe()
    try:
        # the text, re-encoded, with its encoding given: lxml then ignores the page's (possibly wrong) declaration
        tree = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError):
        return None
    headline = _headline(tree)
    doc = bare_extraction(
        tree,
        url=url,
        include_comments=False,  # comment sections and their form labels are boilerplate here
        favor_precision=True,
        with_metadata=True,
        include_tables=True,
        config=_config(),
    )
    if doc is None:
        return None
    data: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = strip_ad_labels(data.get("text") or "")
    if not text.strip():
        return None
    canonical = data.get("url") or url
    domain = site_domain(canonical) or (data.get("hostname") or None)
    title = headline or data.get("title") or None
    return Article(
        text=text,
        title=title,
        author=data.get("author") or None,
        date=_parse_date(data.get("date")),
        site=data.get("sitename") or None,
        domain=domain,
        url=canonical,
        encoding=encoding,
        mojibake=mojibake_sample(f"{title or ''}\n{text}"),
    )


def article_record(article: Article, fallback_channel: str) -> dict[str, Any]:
    """The canonical ``web`` record of an article. ``fallback_channel`` names the outlet when the page
    reveals neither its domain nor its site name (e.g. the folder a saved page sits in)."""
    channel_id = article.domain or (article.site.lower() if article.site else fallback_channel)
    rec = empty_record()
    rec.update(
        platform="web",
        channel_id=channel_id,
        channel=article.site or channel_id,
        message_id=article.url or content_id(article.text),
        kind="article",
        posted_at=article.date,
        author=article.author,
        text=article.text,
        title=article.title,
        url=article.url,
    )
    return rec
