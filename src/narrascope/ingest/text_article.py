"""Plain-text articles (``.txt``): one article per file.

Layout understood, top to bottom (all optional):

* header lines ``Key: value`` with keys ``url``/``link``/``source``/``site``/``outlet``/``publisher``/``title``/
  ``author``/``by``/``date``/``published`` (a bare ``http(s)://`` line counts as ``url``);
* a first line that looks like a title (short, no final full stop) — kept in the text and copied to ``title``;
* the body.

Whole lines that are only ad-slot sizes ("728 x 90") are dropped. The outlet (channel) is the ``site`` header,
else the URL's domain, else the file name with trailing article/number/date parts removed
(``outlet_a_article.txt`` → ``outlet_a``, ``bbc_2018-09-11.txt`` → ``bbc``), so files named by outlet group by outlet.

Detection: a ``.txt``/``.text`` file whose first bytes are prose — not JSON, HTML or a delimited table — in UTF-8,
UTF-16 with a byte-order mark, or a legacy code page the detector recognises with no garbled characters
(:func:`~narrascope.ingest.page_encoding.decode_text`: windows-1256 Persian and Arabic files, windows-1252,
windows-1251). The ingest log notes the encoding and warns when the text looks like mojibake.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Channel, empty_record
from .article_extract import content_id, site_domain, strip_ad_labels
from .base import ReadContext
from .page_encoding import decode_text, mojibake_note, mojibake_sample

__all__ = ["NAME", "ParsedText", "channel_from_filename", "looks_like_table", "parse_text", "read", "sniff"]

NAME = "text_article"

_SUFFIXES = {".txt", ".text"}
# Files that travel with data sets and are never articles.
_NOT_ARTICLES = ("license", "licence", "readme", "copying", "notice", "changelog", "requirements")
_HEAD_BYTES = 64 * 1024
_MAX_BYTES = 20 * 1024 * 1024
_HEADER = re.compile(
    r"^(url|link|source|site|outlet|publisher|title|author|by|date|published)\s*:\s*(\S.*)$", re.IGNORECASE
)
_BARE_URL = re.compile(r"^https?://\S+$")
_FILENAME_NOISE = re.compile(r"^(article|articles|story|text|post|\d[\d.-]*|\d{4}-\d{2}-\d{2}.*)$", re.IGNORECASE)
_TITLE_MAX_CHARS = 200
_TITLE_MAX_WORDS = 30
_SENTENCE_END = (".", "。", "۔", ";", ",", "،", ":")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")  # not in prose: a binary file the detector read anyway


def looks_like_table(lines: list[str]) -> bool:
    """True when the lines split into the same number of fields by one delimiter (a CSV/TSV in disguise)."""
    rows = [ln for ln in lines if ln.strip()][:10]
    if len(rows) < 3:
        return False
    for delim in ("\t", ",", ";", "|"):
        counts = {ln.count(delim) for ln in rows}
        if len(counts) == 1:
            n = counts.pop()
            if (delim == "\t" and n >= 1) or n >= 2 or (n == 1 and len(rows) >= 5):
                return True
    return False


def _head_text(head: bytes) -> str | None:
    """The head of a file as text, or None when it is not text in an encoding we can tell."""
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return head[2:].decode("utf-16-le" if head[:2] == codecs.BOM_UTF16_LE else "utf-16-be", "ignore")
    if b"\x00" in head:
        return None
    try:
        # An incremental decoder accepts a multi-byte character cut at the end of the head.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return _legacy_text(head)


@lru_cache(maxsize=64)
def _legacy_text(head: bytes) -> str | None:
    decoded = decode_text(head)
    if decoded.source != "detector" or "\ufffd" in decoded.text or _CONTROL.search(decoded.text):
        return None
    return decoded.text


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in _SUFFIXES or not head:
        return False
    if path.stem.lower().startswith(_NOT_ARTICLES):
        return False
    text = _head_text(head)
    if text is None:
        return False
    start = text.lstrip()
    if not start or start[0] in "{[<":
        return False
    lines = text.splitlines()
    if len(head) >= _HEAD_BYTES:  # the head was cut: its last line may be partial
        lines = lines[:-1]
    return not looks_like_table(lines)


class ParsedText:
    """A text article split into its parts."""

    def __init__(self, text: str, title: str | None, headers: dict[str, str]) -> None:
        self.text = text
        self.title = title
        self.headers = headers

    @property
    def url(self) -> str | None:
        return self.headers.get("url") or self.headers.get("link")

    @property
    def site(self) -> str | None:
        for key in ("site", "outlet", "publisher", "source"):
            value = self.headers.get(key)
            if value and not _BARE_URL.match(value):
                return value
        return None


def _looks_like_title(line: str, next_line: str | None) -> bool:
    line = line.strip()
    if not line or len(line) > _TITLE_MAX_CHARS or len(line.split()) > _TITLE_MAX_WORDS:
        return False
    if line.endswith(_SENTENCE_END) and not line.endswith("..."):
        return False
    # A title stands alone: a blank line (or the end) follows it.
    return next_line is None or not next_line.strip()


def parse_text(raw: str) -> ParsedText:
    """Split a text file into headers, title and text (the text keeps the title line, minus headers and ad labels)."""
    lines = strip_ad_labels(raw.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        m = _HEADER.match(line)
        if m:
            key = "author" if m.group(1).lower() == "by" else m.group(1).lower()
            key = "date" if key == "published" else key
            headers.setdefault(key, m.group(2).strip())
        elif _BARE_URL.match(line):
            headers.setdefault("url", line)
        else:
            break
        i += 1
    if "source" in headers and _BARE_URL.match(headers["source"]):
        headers.setdefault("url", headers["source"])
    body = lines[i:]
    title = headers.get("title")
    if title is None and body:
        nxt = body[1] if len(body) > 1 else None
        if _looks_like_title(body[0], nxt):
            title = body[0].strip()
    text = "\n".join(body).strip()
    return ParsedText(text, title, headers)


def channel_from_filename(path: Path) -> str:
    """``outlet_a_article.txt`` → ``outlet_a``: drop trailing parts that name the article, not the outlet."""
    stem = path.name
    for suffix in (".txt", ".text"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    parts = re.split(r"[_\s]+", stem)
    while len(parts) > 1 and _FILENAME_NOISE.match(parts[-1]):
        parts.pop()
    return "_".join(parts) or stem


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    size = path.stat().st_size
    if size > _MAX_BYTES:
        raise InputError(f"{size // (1024 * 1024)} MB is too large for one text article: split it into articles",
                         path=path)
    data = path.read_bytes()
    decoded = decode_text(data)
    if decoded.source == "fallback":
        raise InputError("not text in any encoding narrascope can tell (UTF-8, UTF-16 with a byte-order mark, "
                         "windows-1252/1256/1251): re-save the file as UTF-8", path=path)
    raw = decoded.text
    ctx.note(f"encoding: {decoded.describe()}")
    if ctx.progress:
        ctx.progress(size)
    parsed = parse_text(raw)
    if not parsed.text:
        raise InputError("holds no article text", path=path)
    sample = mojibake_sample(parsed.text)
    if sample:
        ctx.note(mojibake_note(sample))
    site = parsed.site
    site_is_domain = site is not None and "." in site and " " not in site
    domain = site_domain(parsed.url) or (site_domain(site) if site_is_domain else None)
    if domain:
        channel_id = domain
    elif site:
        channel_id = site.lower()
    else:
        channel_id = channel_from_filename(path)
        ctx.note(f"no site or URL header: outlet {channel_id!r} taken from the file name")
    name = site or channel_id
    posted_at = _parse_date(parsed.headers.get("date"))
    if parsed.headers.get("date") and posted_at is None:
        ctx.note(f"date header {parsed.headers['date']!r} is not ISO 8601: posted_at left empty")
    rec = empty_record()
    rec.update(
        platform="web",
        channel_id=channel_id,
        channel=name,
        message_id=parsed.url or content_id(parsed.text),
        kind="article",
        posted_at=posted_at,
        author=parsed.headers.get("author"),
        text=parsed.text,
        title=parsed.title,
        url=parsed.url,
    )
    ctx.add_channel(Channel("web", rec["channel_id"], name, "site"))
    yield rec
