"""telegram-tracker's ``msgs_dataset.csv`` (github.com/estebanpdl/telegram-tracker, Apache-2.0).

The tracker writes one row per message with pandas, from Telethon dicts: ``date`` and ``forward_msg_date`` are
UTC written without an offset (``%Y-%m-%d %H:%M:%S`` of the API's UTC datetimes), integer columns with gaps
come out as floats (``123.0``), and ``signature`` is the tracker's own row label, not the post signature.
The original post id of a forward is only in ``forward_msg_link`` (``https://t.me/<channel>/<id>``).
The tracker's ``*_messages.json`` dumps are Telethon dumps (:mod:`narrascope.ingest.telethon` reads them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import FWD_KIND, Channel, empty_record
from .base import ReadContext
from .tabular_io import TimestampParser, header_of, open_table, to_int
from .telegram_common import PLATFORM, dedupe, text_fields
from .telethon import media_type

__all__ = ["COLUMNS", "NAME", "read", "sniff"]

NAME = "telegram_tracker"

#: The tracker's leading columns, unchanged across its versions; all must be in the header.
COLUMNS = frozenset({
    "signature", "channel_id", "channel_name", "msg_id", "message", "cleaned_message", "date", "msg_link",
    "msg_from_peer", "msg_from_id", "views", "number_replies", "number_forwards", "is_forward",
    "forward_msg_from_peer_type", "forward_msg_from_peer_id", "forward_msg_from_peer_name", "forward_msg_date",
    "is_reply", "reply_to_msg_id", "contains_media", "media_type",
})
_FLOAT_ID = re.compile(r"^(-?\d+)\.0+$")
_POST_LINK = re.compile(r"/(\d+)/?$")


def sniff(path: Path, head: bytes) -> bool:
    header = header_of(path, head)
    return header is not None and set(header) >= COLUMNS


def _id(value: Any) -> str | None:
    """An id cell as a string: pandas writes ints of columns with gaps as ``123.0``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return None
    m = _FLOAT_ID.match(text)
    return m.group(1) if m else text


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    source, notes = open_table(path, ctx.progress)
    for note in notes:
        ctx.note(note)
    posted = TimestampParser(path, "date", _utc)
    forwarded = TimestampParser(path, "forward_msg_date", _utc)
    for n, row in source.rows():
        yield _record(row, n, posted, forwarded, ctx)


def _cell(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _record(row: Mapping[str, Any], n: int, posted: TimestampParser, forwarded: TimestampParser,
            ctx: ReadContext) -> dict[str, Any]:
    name = _cell(row, "channel_name") or None
    cid = _id(row.get("channel_id")) or (f"name:{name}" if name else f"name:{ctx.path.stem}")
    ctx.add_channel(Channel(PLATFORM, cid, name, None))
    rec = empty_record()
    text = str(row.get("message") or "")
    rec.update(platform=PLATFORM, channel_id=cid, channel=name, kind="post", text=text,
               message_id=_id(row.get("msg_id")) or str(n), posted_at=posted(row.get("date"), n),
               reply_to=_id(row.get("reply_to_msg_id")), views=to_int(row.get("views")),
               forwards=to_int(row.get("number_forwards")))
    if _cell(row, "msg_from_peer") == "PeerUser":
        rec["author"] = _id(row.get("msg_from_id"))
    if to_int(row.get("is_forward")) == 1:
        peer_type = _cell(row, "forward_msg_from_peer_type")
        if peer_type in ("PeerChannel", "PeerChat"):
            rec["fwd_from_id"] = _id(row.get("forward_msg_from_peer_id"))
            rec[FWD_KIND] = "channel"
        elif peer_type == "PeerUser":
            rec[FWD_KIND] = "user"  # the name (a username) of a person: pseudonymised
        rec["fwd_from_name"] = _cell(row, "forward_msg_from_peer_name") or None
        rec["fwd_posted_at"] = forwarded(row.get("forward_msg_date"), n)
        link = _POST_LINK.search(_cell(row, "forward_msg_link"))
        rec["fwd_from_message_id"] = link.group(1) if link else None
    kind = _cell(row, "media_type")
    # The column holds Telethon's constructor name; documents carry no attributes here, so they stay "document".
    rec["media_type"] = media_type({"_": kind}) if kind else None
    found = text_fields(text)
    url = _cell(row, "url")
    rec["links"] = dedupe([*found.links, *([url] if url and url.lower() != "nan" else [])])
    rec["mentions"], rec["hashtags"] = found.mentions, found.hashtags
    return rec
