"""The canonical record: one row per message, post or article, whatever its source.

Readers (``narrascope.ingest``) yield :class:`dict` records with the keys of :data:`RECORD_FIELDS`
(except the ones the store fills: ``uid``, ``ingest_id``, ``source_file``). Timestamps are timezone-aware
UTC :class:`datetime` objects; ``message_id``, ``channel_id`` and ``reply_to`` are strings so that a web
article's URL and a Telegram integer id share one column. The column contract is documented in docs/formats.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

import pyarrow as pa

__all__ = [
    "FWD_KIND",
    "KINDS",
    "MESSAGE_SCHEMA",
    "PERSON_MENTIONS",
    "RECORD_FIELDS",
    "Channel",
    "HintedRecord",
    "Record",
    "empty_record",
    "make_uid",
    "timestamp_fields",
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


# ----------------------------------------------------------------------------------------------- Record
# The class below is generated from MESSAGE_SCHEMA by record_source() (tests/test_models.py fails when they differ):
# after a schema change, paste the output of `python -c "from narrascope.models import record_source as r; print(r())"`.
class Record(TypedDict):
    """One canonical record as readers yield it (types from :data:`MESSAGE_SCHEMA`; the store fills ``uid``,
    ``source_file`` and ``ingest_id``, and ``script``/``lang`` unless the source gives ``lang``)."""

    uid: str
    platform: str
    channel_id: str
    channel: str | None
    message_id: str
    kind: str
    posted_at: datetime | None
    edited_at: datetime | None
    author: str | None
    text: str | None
    title: str | None
    url: str | None
    lang: str | None
    script: str | None
    reply_to: str | None
    fwd_from_name: str | None
    fwd_from_id: str | None
    fwd_from_message_id: str | None
    fwd_posted_at: datetime | None
    links: list[str]
    mentions: list[str]
    hashtags: list[str]
    views: int | None
    forwards: int | None
    reactions: int | None
    media_type: str | None
    source_file: str | None
    ingest_id: int | None


class HintedRecord(Record, total=False):
    """A record with the privacy hints a reader may add (:data:`FWD_KIND`, :data:`PERSON_MENTIONS`)."""

    _fwd_kind: str | None
    _person_mentions: list[str]


def record_source() -> str:
    """The source of :class:`Record`'s fields, generated from :data:`MESSAGE_SCHEMA`."""
    def py(field: pa.Field) -> str:
        if pa.types.is_list(field.type):
            return "list[str]"
        base = ("str" if pa.types.is_string(field.type) else "int" if pa.types.is_integer(field.type)
                else "datetime" if pa.types.is_timestamp(field.type) else "Any")
        return base if not field.nullable else f"{base} | None"

    return "".join(f"    {f.name}: {py(f)}\n" for f in MESSAGE_SCHEMA)


def empty_record() -> dict[str, Any]:
    """A record with every canonical field set to None (lists empty)."""
    rec: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    rec["links"], rec["mentions"], rec["hashtags"] = [], [], []
    return rec


def timestamp_fields() -> tuple[str, ...]:
    """The canonical fields holding timestamps."""
    return tuple(f.name for f in MESSAGE_SCHEMA if pa.types.is_timestamp(f.type))


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


#: What each column of :data:`MESSAGE_SCHEMA` means; docs/formats.md's ``messages`` table is generated from the
#: schema and these lines (``cog -r docs/formats.md``; tests/test_docs.py fails when they drift).
MESSAGE_COLUMN_DOCS: dict[str, str] = {
    "uid": "stable key: first 16 bytes (hex) of SHA-256 over platform, channel_id, message_id joined by U+001F; "
           "unique",
    "platform": "`telegram`, `instagram`, `web`, …",
    "channel_id": "the broadcaster's id (Telegram peer id without -100; `name:<title>` when a format carries no id)",
    "channel": "the broadcaster's display name (public, never pseudonymised)",
    "message_id": "id within the channel (article URL for web)",
    "kind": "`post`, `service`, `comment`, `article`, `caption`; analyses leave `service` out",
    "posted_at": "when it was posted (UTC)",
    "edited_at": "its last edit (UTC), where the format tells",
    "author": "pseudonym `a_` + 16 hex digits (keyed HMAC) of the individual author or signature; the name itself "
              "with `--keep-authors`",
    "text": "the text exactly as the source had it (Telegram entity parts concatenated)",
    "title": "article title (web), else null",
    "url": "article URL (web), else null",
    "lang": "from cheap cues, no model (`narrascope/text/script.py`): `Arab` → `fa` or `ar` by Persian-only letters "
            "(پ چ ژ گ ک ی) plus 3 per Persian function word (است، این، را، که …) against Arabic-only letters "
            "(ي ك ة ى) plus 3 per Arabic function word (في، على، إلى، التي …), a tie `und`; `und` when 2 % of the "
            "letters are Urdu/Pashto/Kurdish/Uyghur ones (ٹ ڈ ڑ ں ے ښ ڼ ێ ۆ ە …); `Latn` → `en` when English "
            "function words (the, and, of, to, is …) are at least one and outnumber French/German/Spanish/Italian/"
            "Portuguese/Dutch/Turkish/Indonesian ones, else `und` (Finglish, other languages, captions without "
            "function words); `Hebr` → `he`; `Grek` → `el`; `Cyrl` → `und`; null without letters. A language the "
            "source gives (a table's `language` column) is kept. Set at ingest: stores ingested before this rule "
            "keep their earlier tags (`fa`/`ar`, null elsewhere)",
    "script": "dominant script by letter count, ISO 15924 (`Arab`, `Latn`, `Cyrl`, `Hebr`, `Grek`)",
    "reply_to": "message_id replied to",
    "fwd_from_name": "forward origin's name, as far as the format tells (a person's is pseudonymised)",
    "fwd_from_id": "forward origin's channel id, as far as the format tells",
    "fwd_from_message_id": "the forwarded message's id in its origin channel",
    "fwd_posted_at": "when the forwarded message was first posted (UTC)",
    "links": "from entities where the format has them, else extracted from the text",
    "mentions": "from entities where the format has them, else extracted from the text (people's names "
                "pseudonymised)",
    "hashtags": "from entities where the format has them, else extracted from the text",
    "views": "count where the format has it",
    "forwards": "count where the format has it",
    "reactions": "total over all reaction kinds, where the format has them",
    "media_type": "`photo`, `video_file`, `sticker`, `voice_message`, … or null",
    "source_file": "provenance: the file or folder this version came from",
    "ingest_id": "provenance: the row of `ingests` that wrote this version",
}
