"""Saved news pages (``.html``): one article per file, extracted by :mod:`.article_extract`.

Detection looks at the bytes: an HTML document (``<!doctype html`` or ``<html`` near the start), but not a page
of a Telegram Desktop export (those carry Telegram's ``page_wrap``/``history`` markup and belong to
``telegram_html``, which is sniffed first anyway). The ingest log notes the encoding each page was read in, and warns
when its text looks like mojibake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Channel
from .article_extract import article_record, extract_article
from .base import ReadContext
from .page_encoding import mojibake_note

__all__ = ["NAME", "is_telegram_desktop_page", "looks_like_html", "read", "sniff"]

NAME = "web_html"

# An HTML document starts with its doctype or <html> tag, after at most a BOM, whitespace, an XML declaration
# and comments (browsers' "save page" writes <!-- saved from url=… -->). Anchored: HTML quoted inside a JSON
# or CSV file does not make it a page.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Telegram Desktop writes every page of an HTML export (chats, and the account export's index, lists of contacts,
# sessions, …) inside div.page_wrap, with body onload="CheckLocation();" and, on chat pages, div.history.
_TELEGRAM_WRAP = b'class="page_wrap"'
_TELEGRAM_MARKS = (b'class="history"', b"CheckLocation()")
_MAX_PAGE_BYTES = 50 * 1024 * 1024


def looks_like_html(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file or WARC payload) starts an HTML document (UTF-16 with a
    byte-order mark included)."""
    if head[:2] in _UTF16_BOMS:
        codec = "utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be"
        head = head[2:8192].decode(codec, "ignore").encode("utf-8")
    return _HTML_START.match(head[:8192]) is not None


def sniff(path: Path, head: bytes) -> bool:
    if not head or not looks_like_html(head):
        return False
    return not is_telegram_desktop_page(head)


def is_telegram_desktop_page(head: bytes) -> bool:
    """A page Telegram Desktop's HTML export wrote: never a news article (it may list contacts or sessions)."""
    return _TELEGRAM_WRAP in head and any(mark in head for mark in _TELEGRAM_MARKS)


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    size = path.stat().st_size
    if size > _MAX_PAGE_BYTES:
        raise InputError(
            f"{size // (1024 * 1024)} MB is too large for one saved page: split it or ingest the WARC it came from",
            path=path,
        )
    html = path.read_bytes()
    article = extract_article(html)
    if ctx.progress:
        ctx.progress(size)
    if article is None:
        raise InputError("no article text found in this page (navigation or an empty page?)", path=path)
    if article.encoding:
        ctx.note(f"encoding: {article.encoding}")
    if article.mojibake:
        ctx.note(mojibake_note(article.mojibake))
    if article.domain is None:
        ctx.note(f"page names no URL: outlet taken from {'its site name' if article.site else 'the folder name'}")
    if article.date is None:
        ctx.note("no publication date found on the page")
    rec = article_record(article, fallback_channel=path.parent.name or "unknown")
    ctx.add_channel(Channel("web", rec["channel_id"], rec["channel"], "site"))
    yield rec
