"""The canonical record: one row per message, post or article, whatever its source.

Readers (``narrascope.ingest``) yield :class:`dict` records with the keys of :data:`RECORD_FIELDS`
(except the ones the store fills: ``uid``, ``ingest_id``, ``source_file``). Timestamps are timezone-aware
UTC :class:`datetime` objects; ``message_id``, ``channel_id`` and ``reply_to`` are strings so that a web
article's URL and a Telegram integer id share one column. The column contract is documented in docs/formats.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = [
    "FWD_KIND",
    "KINDS",
    "MESSAGE_SCHEMA",
    "PERSON_MENTIONS",
    "RECORD_FIELDS",
    "Channel",
    "empty_record",
    "make_uid",
]

_TS = pa.timestamp("us", tz="UTC")
_STRS = pa.list_(pa.string())

#: Arrow schema of the ``messages`` table, in column order.
MESSAGE_SCHEMA = pa.schema(
    [
        pa.field("uid", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("channel", pa.string()),
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("posted_at", _TS),
        pa.field("edited_at", _TS),
        pa.field("author", pa.string()),
        pa.field("text", pa.string()),
        pa.field("title", pa.string()),
        pa.field("url", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("script", pa.string()),
        pa.field("reply_to", pa.string()),
        pa.field("fwd_from_name", pa.string()),
        pa.field("fwd_from_id", pa.string()),
        pa.field("fwd_from_message_id", pa.string()),
        pa.field("fwd_posted_at", _TS),
        pa.field("links", _STRS),
        pa.field("mentions", _STRS),
        pa.field("hashtags", _STRS),
        pa.field("views", pa.int64()),
        pa.field("forwards", pa.int64()),
        pa.field("reactions", pa.int64()),
        pa.field("media_type", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("ingest_id", pa.int64()),
    ]
)

RECORD_FIELDS: tuple[str, ...] = tuple(MESSAGE_SCHEMA.names)

#: Optional hints a reader may add to a record for the store's pseudonymisation (removed before storing):
#: what the forward's origin is, when the format tells — "user" (a person: its name is pseudonymised) or "channel"
#: (kept); absent when unknown (kept only if it names a channel the store knows, see narrascope.store.privacy).
FWD_KIND = "_fwd_kind"
#: the entries of ``mentions`` that are people's display names (Telegram "mention name" entities), pseudonymised.
PERSON_MENTIONS = "_person_mentions"

#: Values of ``kind``. ``service`` rows (joins, pins, title changes) are kept but left out of analyses.
KINDS = ("post", "service", "comment", "article", "caption")


def empty_record() -> dict[str, Any]:
    """A record with every canonical field set to None (lists empty)."""
    rec: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    rec["links"], rec["mentions"], rec["hashtags"] = [], [], []
    return rec


def make_uid(platform: str, channel_id: str, message_id: str) -> str:
    """Stable upsert key: the first 16 bytes of SHA-256 over the three parts, hex-encoded.

    The unit separator keeps ("a", "bc") and ("ab", "c") apart.
    """
    raw = "\x1f".join((platform, channel_id, message_id)).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class Channel:
    """A broadcaster: channel, group, account or outlet. Names are public and never pseudonymised."""

    platform: str
    channel_id: str
    name: str | None
    type: str | None = None
