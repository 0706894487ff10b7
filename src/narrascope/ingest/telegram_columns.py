"""Desktop JSON messages decoded by msgspec into typed structs, and the structs into column batches.

The rules are :func:`.telegram_json.message_record`'s, attribute by attribute (tests/ingest/test_telegram_chunks.py
compares the two on every fixture, generated exports and the real samples). What makes this path fast:

- **Nothing decoded that no column needs.** The texts of ``text_entities`` repeat the message's text; only the
  entities that become links, mentions or hashtags need theirs, so the struct keeps each entity's text undecoded
  (:class:`msgspec.Raw`, a slice of the input) and decodes the few that matter. That is a third of the decoding.
- **Columns, not records.** Each column is one comprehension over the chunk's structs; the rare values that need
  the full rules (a timestamp that is not a plain Unix time, a media key, reactions) take a helper.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from ..errors import InputError
from ..models import FWD_KIND, PERSON_MENTIONS
from .base import Columns, ReadContext
from .tabular_io import to_int
from .telegram_common import PLATFORM, SERVICE_TYPES, author_identity, dedupe, forward_kind, text_fields

__all__ = ["FILLED", "TYPED", "Message", "add_typed", "empty_columns"]

_US = 1_000_000
_INT64 = (1 << 63) - 1  # what the store's count columns hold (tabular_io.to_int)
_MIN_UNIX, _MAX_UNIX = -62_135_596_800, 253_402_300_799  # years 1 … 9999, what datetime accepts
_NULL = msgspec.Raw(b"null")


class _Part(msgspec.Struct, gc=False):
    """A part of a ``text`` array (its text is part of the message's text)."""

    type: Any = None
    text: str | None = None
    href: Any = None


class _Entity(msgspec.Struct, gc=False):
    """An entry of ``text_entities``: its text stays undecoded until a link, mention or hashtag needs it."""

    type: Any = None
    text: msgspec.Raw = _NULL
    href: Any = None


class Message(msgspec.Struct, gc=False):
    """The keys of a Desktop message that a column needs; a value of another type sends the chunk down the
    ladder (:mod:`.telegram_chunks`)."""

    id: int
    type: Any = None
    date: Any = None
    date_unixtime: Any = None
    edited: Any = None
    edited_unixtime: Any = None
    actor: Any = None
    actor_id: Any = None
    from_: Any = msgspec.field(default=None, name="from")
    from_id: Any = None
    author: Any = None
    text: str | list[str | _Part] | None = None
    text_entities: list[_Entity] | None = None
    reply_to_message_id: Any = None
    reply_to_peer_id: Any = None
    forwarded_from: Any = None
    forwarded_from_id: Any = None
    media_type: Any = None
    reactions: Any = None
    # presence alone matters (media_type_of): UNSET when the key is absent
    photo: Any = msgspec.UNSET
    file: Any = msgspec.UNSET
    poll: Any = msgspec.UNSET
    place_name: Any = msgspec.UNSET
    location_information: Any = msgspec.UNSET
    contact_information: Any = msgspec.UNSET
    game_title: Any = msgspec.UNSET
    invoice_information: Any = msgspec.UNSET
    giveaway_information: Any = msgspec.UNSET
    giveaway_results: Any = msgspec.UNSET


#: a chunk of messages (``[`` + messages + ``]``) into structs
TYPED = msgspec.json.Decoder(list[Message])
_VALUE = msgspec.json.Decoder()
_MEDIA_ATTRS = (("photo", "photo"), ("file", "document"), ("poll", "poll"), ("place_name", "venue"),
                ("location_information", "location"), ("contact_information", "contact"), ("game_title", "game"),
                ("invoice_information", "invoice"), ("giveaway_information", "giveaway"),
                ("giveaway_results", "giveaway_results"))
#: columns the fast path fills (the rest are null for Desktop JSON)
FILLED = ("platform", "channel_id", "channel", "message_id", "kind", "posted_at", "edited_at", "author", "text",
          "reply_to", "fwd_from_name", FWD_KIND, "media_type", "reactions", "links", "mentions", "hashtags",
          PERSON_MENTIONS)


def empty_columns() -> Columns:
    return {name: [] for name in FILLED}


# ----------------------------------------------------------------------------------------------- timestamps
def _unix_us(value: Any, key: str, ctx: ReadContext, mid: int) -> int:
    where = f"message id {mid}"
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{key} {value!r} is not a Unix timestamp — the file is damaged",
                         path=ctx.path, position=where) from None
    if not _MIN_UNIX <= seconds <= _MAX_UNIX:
        raise InputError(f"{key} {value!r} is not a Unix timestamp — the file is damaged",
                         path=ctx.path, position=where)
    return seconds * _US


def _local_us(value: Any, key: str, unix_key: str, ctx: ReadContext, mid: int) -> int:
    where = f"message id {mid}"
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{key} {value!r} is not an ISO date-time — the file is damaged",
                         path=ctx.path, position=where) from None
    if parsed.tzinfo is not None:
        when = parsed.astimezone(UTC)
    else:
        if ctx.options.tz:
            ctx.note(f"messages without {unix_key} have local times: read in {ctx.options.tz}")
        when = ctx.local_to_utc(parsed)
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _posted(m: Message, ctx: ReadContext) -> int | None:
    unix = m.date_unixtime
    if unix is not None:
        return _unix_us(unix, "date_unixtime", ctx, m.id)
    return None if m.date is None else _local_us(m.date, "date", "date_unixtime", ctx, m.id)


def _edited(m: Message, ctx: ReadContext) -> int | None:
    unix = m.edited_unixtime
    if unix is not None:
        return _unix_us(unix, "edited_unixtime", ctx, m.id)
    return None if m.edited is None else _local_us(m.edited, "edited", "edited_unixtime", ctx, m.id)


# ----------------------------------------------------------------------------------------------- other fields
def _author(m: Message, number: str | None, own_peer: str) -> str | None:
    if m.type.__class__ is str and m.type in SERVICE_TYPES:
        actor = m.actor
        return author_identity(actor if isinstance(actor, str) and actor else None, m.actor_id, number)
    sig = m.author
    sig = sig if isinstance(sig, str) and sig else None
    if number is not None and m.from_id == own_peer:  # the channel posting as itself: its signature
        return sig
    name = m.from_
    return author_identity(name if isinstance(name, str) and name else None, m.from_id, number, sig)


def _media(m: Message) -> str | None:
    """:func:`.telegram_common.media_type_of` by the keys present (UNSET: absent), in the same order."""
    given = m.media_type
    if isinstance(given, str) and given:
        return given
    unset = msgspec.UNSET
    for attr, name in _MEDIA_ATTRS:
        if getattr(m, attr) is not unset:
            return name
    return None


def _reactions(reactions: Any) -> int | None:
    """The sum of the reactions' counts (:func:`.tabular_io.to_int` of each, and of the sum)."""
    if reactions.__class__ is not list:
        return None
    total = 0
    for r in reactions:
        if r.__class__ is dict:
            count = r.get("count")
            total += count if count.__class__ is int and -_INT64 <= count <= _INT64 else to_int(count) or 0
    return total if -_INT64 <= total <= _INT64 else None


def _reply(m: Message) -> str | None:
    reply = m.reply_to_message_id
    return str(reply) if isinstance(reply, int | str) and not isinstance(reply, bool) and m.reply_to_peer_id is None \
        else None


_NONE: tuple[str, ...] = ()  # the list column value of a message without such entities (shared, never mutated)
_Strs = list[str] | tuple[str, ...]


def _lists(parts: list[Any], entities: bool) -> tuple[_Strs, _Strs, _Strs, _Strs]:
    """(links, mentions, hashtags, people) of ``text_entities`` (``entities``: texts still undecoded) or of the
    typed parts of a ``text`` array: :func:`.telegram_common.entity_fields` and ``person_mentions``. Lists are
    made only for what a message has: most parts are plain text."""
    decode = _VALUE.decode
    links = mentions = tags = people = None
    for p in parts:
        if entities:
            kind = p.type
        elif p.__class__ is str:
            continue
        else:
            kind = p.type
        if kind == "plain":
            continue
        if kind == "text_link":
            href = p.href
            if href.__class__ is str and href:
                if links is None:
                    links = [href]
                else:
                    links.append(href)
            continue
        if kind == "link":
            value = decode(p.text) if entities else p.text
            if value.__class__ is str and value:
                if links is None:
                    links = [value]
                else:
                    links.append(value)
        elif kind == "hashtag":
            value = decode(p.text) if entities else p.text
            if value.__class__ is str and value:
                if tags is None:
                    tags = [value]
                else:
                    tags.append(value)
        elif kind == "mention" or kind == "mention_name":
            value = decode(p.text) if entities else p.text
            if value.__class__ is str and value:
                if mentions is None:
                    mentions = [value]
                else:
                    mentions.append(value)
                if kind == "mention_name":
                    if people is None:
                        people = [value]
                    else:
                        people.append(value)
    return (_NONE if links is None else dedupe(links) if len(links) > 1 else links,
            _NONE if mentions is None else dedupe(mentions) if len(mentions) > 1 else mentions,
            _NONE if tags is None else dedupe(tags) if len(tags) > 1 else tags,
            _NONE if people is None else dedupe(people) if len(people) > 1 else people)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if raw.__class__ is str:
        return raw
    return "".join([p if p.__class__ is str else p.text or "" for p in raw])


# ----------------------------------------------------------------------------------------------- the batch
def add_typed(cols: Columns, msgs: list[Message], chat_id: str, chat_name: str | None, ctx: ReadContext) -> None:
    """Append the columns of ``msgs`` (decoded by :data:`TYPED`) to ``cols``."""
    number = None if chat_id.startswith("name:") else chat_id
    own_peer = f"channel{number}"  # how Desktop writes the chat's own id as a sender (see sender_is_chat)
    service = SERVICE_TYPES
    n = len(msgs)
    cols["platform"] += [PLATFORM] * n
    cols["channel_id"] += [chat_id] * n
    cols["channel"] += [chat_name] * n
    cols["message_id"] += [str(m.id) for m in msgs]
    cols["kind"] += ["service" if m.type.__class__ is str and m.type in service else "post" for m in msgs]
    # the usual Unix time ("1600000000") inline; anything else by the full rules
    cols["posted_at"] += [int(u) * _US if (u := m.date_unixtime).__class__ is str and len(u) < 12 and u.isdigit()
                          and u.isascii() else _posted(m, ctx) for m in msgs]
    cols["edited_at"] += [None if m.edited_unixtime is None and m.edited is None else _edited(m, ctx) for m in msgs]
    # the chat posting as itself (a channel's posts): its signature, if any
    cols["author"] += [(a if (a := m.author).__class__ is str and a else None)
                       if m.from_id == own_peer and number is not None
                       and not (m.type.__class__ is str and m.type in service)
                       else _author(m, number, own_peer) for m in msgs]
    texts = [t if (t := m.text).__class__ is str else _text(t) for m in msgs]
    cols["text"] += texts
    links, mentions, tags, people = cols["links"], cols["mentions"], cols["hashtags"], cols[PERSON_MENTIONS]
    for m, text in zip(msgs, texts, strict=True):
        entities = m.text_entities
        if entities is not None:
            got = _lists(entities, True)
        elif m.text.__class__ is list:
            got = _lists(m.text, False)
        else:  # old exports: a plain string and no entities
            fields = text_fields(text)
            links.append(fields.links)
            mentions.append(fields.mentions)
            tags.append(fields.hashtags)
            people.append(None)
            continue
        links.append(got[0])
        mentions.append(got[1])
        tags.append(got[2])
        people.append(got[3])
    cols["reply_to"] += [None if m.reply_to_message_id is None else _reply(m) for m in msgs]
    cols["fwd_from_name"] += [f if (f := m.forwarded_from).__class__ is str and f else None for m in msgs]
    cols[FWD_KIND] += [None if m.forwarded_from_id is None else forward_kind(m.forwarded_from_id) for m in msgs]
    unset = msgspec.UNSET
    cols["media_type"] += [g if (g := m.media_type).__class__ is str and g else None if (
        m.photo is unset and m.file is unset and m.poll is unset and m.place_name is unset
        and m.location_information is unset and m.contact_information is unset and m.game_title is unset
        and m.invoice_information is unset and m.giveaway_information is unset and m.giveaway_results is unset)
        else _media(m) for m in msgs]
    cols["reactions"] += [None if m.reactions is None else _reactions(m.reactions) for m in msgs]
