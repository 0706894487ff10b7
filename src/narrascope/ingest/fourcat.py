"""4CAT Telegram datasets: the NDJSON of raw Telethon messages and the CSV 4CAT makes from it.

The NDJSON holds 4CAT's serialisation of Telethon objects (``_type`` instead of Telethon's ``_``, epoch-second
dates, ``_chat`` and ``_sender`` objects describing channel and sender), one per line or wrapped in an object;
it goes through the Telethon conversion (:func:`narrascope.ingest.telethon.read_messages`). The CSV carries
4CAT's mapped columns (``id, thread_id, chat, author, author_name, body, unix_timestamp, …``): it has no numeric
channel id, so the channel is identified by its ``chat`` username (``name:<chat>``), and 4CAT's ``timestamp``
column is in the 4CAT server's local time, so ``unix_timestamp`` is preferred.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import regex

from ..models import FWD_KIND, Channel, empty_record
from .base import ReadContext
from .tabular_io import TimestampParser, header_of, open_table, table_kind, to_int
from .telegram_common import PLATFORM, dedupe, text_fields
from .telethon import read_messages

__all__ = ["CSV_COLUMNS", "NAME", "read", "sniff"]

NAME = "fourcat"

#: Columns every 4CAT Telegram CSV has had (older exports lack author_forwarded_from_id and the entity columns).
CSV_COLUMNS = frozenset({"id", "thread_id", "chat", "author", "body", "unix_timestamp", "author_forwarded_from_name"})
_FOURCAT_JSON = re.compile(rb'"_chat"\s*:|"_type"\s*:\s*"(?:Peer|MessageMedia|MessageEntity|MessageFwd|Channel)')
_TELETHON_JSON = re.compile(rb'"_"\s*:\s*"Message')
_ATTACHMENT = {"url": None, "": None, "video": "video_file", "audio": "audio_file", "image": "photo",
               "application": "document", "geo_live": "location", "geo": "location"}


def sniff(path: Path, head: bytes) -> bool:
    """4CAT's NDJSON (``_chat``/``_type`` markers, not Telethon's ``"_"``) or a CSV with 4CAT's Telegram columns."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    if start in (b"{", b"["):
        return _FOURCAT_JSON.search(head) is not None and _TELETHON_JSON.search(head) is None
    header = header_of(path, head)
    return header is not None and set(header) >= CSV_COLUMNS


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    with path.open("rb") as fh:
        head = fh.read(65536)
    if table_kind(path, head) == "csv":
        yield from _csv_records(path, ctx)
    else:
        yield from read_messages(path, ctx)


def _reaction_count(value: str) -> int | None:
    """4CAT writes reactions as the emoji repeated once per reaction (👍👍❤); count the emoji (graphemes)."""
    if not value or "{" in value:
        return None
    return len(regex.findall(r"\X", value.replace(",", "").replace(" ", "")))


def _message_id(raw: str, chat: str) -> str:
    """Newer 4CAT ids are ``<chat>-<message id>``; older ones the bare message id."""
    raw = raw.strip()
    if chat and raw.startswith(chat + "-"):
        return raw[len(chat) + 1:]
    return raw


def _csv_records(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    source, notes = open_table(path, ctx.progress)
    for note in notes:
        ctx.note(note)
    cols = set(source.columns)
    if "unix_timestamp" in cols:
        posted = TimestampParser(path, "unix_timestamp", ctx.local_to_utc)
        posted_col = "unix_timestamp"
    else:
        posted = TimestampParser(path, "timestamp", ctx.local_to_utc)
        posted_col = "timestamp"
        ctx.note("no unix_timestamp column: 'timestamp' is the 4CAT server's local time (set --tz to its zone)")
    edited = TimestampParser(path, "unix_timestamp_edited", ctx.local_to_utc)
    forwarded = TimestampParser(path, "unix_timestamp_forwarded_from", ctx.local_to_utc)
    for n, row in source.rows():
        yield _csv_record(row, n, posted_col, posted, edited, forwarded, ctx)


def _cell(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _csv_record(row: Mapping[str, Any], n: int, posted_col: str, posted: TimestampParser,
                edited: TimestampParser, forwarded: TimestampParser, ctx: ReadContext) -> dict[str, Any]:
    chat = _cell(row, "chat") or _cell(row, "thread_id")
    cid = f"name:{chat}" if chat else f"name:{ctx.path.stem}"
    ctx.add_channel(Channel(PLATFORM, cid, chat or None, None))
    rec = empty_record()
    text = row.get("body") or ""
    rec.update(platform=PLATFORM, channel_id=cid, channel=chat or None, kind="post", text=str(text),
               message_id=_message_id(_cell(row, "id"), chat) or str(n),
               posted_at=posted(row.get(posted_col), n),
               edited_at=edited(row.get("unix_timestamp_edited"), n),
               reply_to=_cell(row, "reply_to") or None,
               views=to_int(row.get("views")), reactions=_reaction_count(_cell(row, "reactions")))
    username = _cell(row, "author_username")
    if not (username and username.lower() == chat.lower()):  # the channel posting as itself has no author
        rec["author"] = _cell(row, "author_name") or username or _cell(row, "author") or None
    rec["fwd_from_name"] = _cell(row, "author_forwarded_from_name") or _cell(row, "author_forwarded_from_username") or None
    rec["fwd_from_id"] = _cell(row, "author_forwarded_from_id") or None
    if rec["fwd_from_name"] and not rec["fwd_from_id"]:
        # 4CAT fills the name but no id only from fwd_from.from_name: a user who hid their account, a person.
        # With an id the origin may be a user or a channel (the CSV does not say): see narrascope.store.privacy.
        rec[FWD_KIND] = "user"
    if _cell(row, "unix_timestamp_forwarded_from") not in ("", "0"):
        rec["fwd_posted_at"] = forwarded(row.get("unix_timestamp_forwarded_from"), n)
    attachment = _cell(row, "attachment_type")
    rec["media_type"] = _ATTACHMENT.get(attachment, attachment or None)
    found = text_fields(rec["text"])
    attached = _cell(row, "link_attached")
    rec["links"] = dedupe([*found.links, *([attached] if attached else [])])
    mentioned = [f"@{m.strip().lstrip('@')}" for m in _cell(row, "entities_mentioned").split(",") if m.strip()]
    rec["mentions"] = dedupe([*found.mentions, *mentioned])
    rec["hashtags"] = found.hashtags
    return rec
