"""WARC web archives (``.warc``, ``.warc.gz``): every HTML response or resource record becomes an article.

Records are streamed with warcio, one at a time, so archive size does not bound memory; each page goes through
:mod:`.article_extract` with the record's target URI as the fetch URL (the page's canonical URL wins when it
names one) and the charset of its HTTP ``Content-Type`` header (which outranks the page's own declaration, as in a
browser). Records that are not HTML (images, scripts, redirects, DNS) are counted and skipped. The ingest log counts
the encodings pages were read in and warns about pages whose text looks like mojibake.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError
from ..models import Channel
from .article_extract import article_record, extract_article
from .base import ReadContext
from .page_encoding import mojibake_note
from .web_html import looks_like_html

__all__ = ["NAME", "read", "sniff"]

NAME = "warc"

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_RECORD_BYTES = 50 * 1024 * 1024


def _starts_warc(data: bytes) -> bool:
    return data.startswith(b"WARC/1.") or data.startswith(b"WARC/0.")


def sniff(path: Path, head: bytes) -> bool:
    if _starts_warc(head):
        return True
    if head.startswith(_GZIP_MAGIC):
        # .warc.gz is a series of gzip members, one per record: the first member starts with the WARC line.
        try:
            with gzip.open(path, "rb") as fh:
                return _starts_warc(fh.read(16))
        except (OSError, EOFError, zlib.error):
            return False
    return False


def _html_candidate(record: Any) -> bool | None:
    """True: a 2xx HTML record; None: a 2xx record with no content type (judge by its bytes); False: skip."""
    if record.rec_type not in ("response", "resource"):
        return False
    if record.rec_type == "response" and record.http_headers is not None:
        ctype = (record.http_headers.get_header("Content-Type") or "").lower()
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return False
    else:
        ctype = (record.rec_headers.get_header("Content-Type") or "").lower()
    return True if "html" in ctype else None if not ctype else False


def _content_type(record: Any) -> str | None:
    headers = record.http_headers if record.rec_type == "response" and record.http_headers is not None \
        else record.rec_headers
    return headers.get_header("Content-Type")


def _drain(record: Any) -> bool:
    """Read what is left of a record's block; False when the file ends before its Content-Length."""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    return getattr(raw, "limit", 0) == 0


def _check_gzip_members(path: Path) -> None:
    """warcio silently drops a cut-off last gzip member: decompress the whole file once to notice."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"the compressed archive is cut off or damaged ({exc}): re-create it or re-download it",
                         path=path) from None


# Fuzzing (issue 15): a damaged gzip member raises zlib.error or OSError while a record is read, and warcio writes
# warnings ("Record not followed by newline") to stderr itself. Both become one line: an error, or a log note.
_DAMAGED: tuple[type[BaseException], ...] = (zlib.error, OSError, EOFError)


@contextlib.contextmanager
def _warcio_warnings(ctx: ReadContext) -> Iterator[None]:
    """Catch what warcio prints to stderr while it reads one record, as a note for the ingest log."""
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        yield
    if "WARNING" in buffer.getvalue():
        ctx.note("some records are not followed by a blank line (their Content-Length may be wrong): check the "
                 "archive with `warcio check`")


def _bad_archive(path: Path, offset: int, exc: BaseException) -> InputError:
    return InputError(
        f"not a readable WARC record ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}): "
        "the archive is truncated or corrupt; re-create it or cut it at the last whole record",
        path=path, position=f"byte {offset}",
    )


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    skipped = empty = 0
    encodings: Counter[str] = Counter()
    mojibake: list[tuple[str, str]] = []  # (url, sample)
    with path.open("rb") as fh:
        compressed = fh.read(2) == _GZIP_MAGIC
        fh.seek(0)
        records = iter(ArchiveIterator(fh))
        while True:
            offset = fh.tell()
            try:
                with _warcio_warnings(ctx):
                    record = next(records)
            except StopIteration:
                break
            except (ArchiveLoadFailed, ValueError, AttributeError, *_DAMAGED) as exc:
                # AttributeError: warcio trips over a response record without WARC-Target-URI.
                raise _bad_archive(path, offset, exc) from None
            try:
                candidate = _html_candidate(record)
                payload = None if candidate is False else record.content_stream().read(_MAX_RECORD_BYTES + 1)
                complete = _drain(record)
            except _DAMAGED as exc:
                raise _bad_archive(path, offset, exc) from None
            if not complete:
                raise _bad_archive(path, offset, EOFError("record shorter than its Content-Length"))
            if (payload is None or len(payload) > _MAX_RECORD_BYTES
                    or (candidate is None and not looks_like_html(payload))):
                skipped += 1
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            article = extract_article(payload, url, _content_type(record))
            if ctx.progress:
                ctx.progress(fh.tell())
            if article is None:
                empty += 1
                continue
            encodings[article.encoding or "?"] += 1
            if article.mojibake:
                mojibake.append((article.url or url or "?", article.mojibake))
            rec = article_record(article, fallback_channel=path.stem)
            ctx.add_channel(Channel("web", rec["channel_id"], rec["channel"], "site"))
            yield rec
    if compressed:
        _check_gzip_members(path)
    if skipped:
        ctx.note(f"{skipped} non-HTML or non-2xx records skipped")
    if empty:
        ctx.note(f"{empty} HTML pages had no article text and were skipped")
    if encodings:
        ctx.note("page encodings: " + ", ".join(f"{enc} ×{n}" for enc, n in encodings.most_common()))
    if mojibake:
        url, sample = mojibake[0]
        ctx.note(f"{len(mojibake)} page(s) look like mojibake, first {url}: " + mojibake_note(sample))
