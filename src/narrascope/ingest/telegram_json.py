"""Reader for Telegram Desktop's JSON export (``result.json``), streamed in bounded memory.

Three roots are accepted:

- one chat (``{"name", "type", "id", "messages": [...]}``) — messages stream through ijson's C parser;
- a whole account (``{"about", …, "chats": {"list": [...]}, "left_chats": {"list": [...]}}``) — each chat is its own
  channel; events pass through a thin watcher that tracks which chat the current message belongs to;
- a bare array of message objects (a chat's ``messages`` cut out by some tool) — the chat is then taken from the
  senders when every sender is one channel, else filed under ``name:<file stem>`` (said in the ingest log).

Field mapping (docs/formats.md, "Telegram Desktop JSON"): ``date_unixtime`` is UTC; without it, ``date`` is local time
read in the ``--tz`` zone. Telegram's invalid ``\\xNN`` escapes are repaired on the fly (:mod:`.json_stream`).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from ..errors import InputError
from ..models import FWD_KIND, PERSON_MENTIONS, Channel, empty_record
from . import telegram_chunks
from .base import Columns, ReadContext
from .json_guard import TooDeep
from .json_stream import BOM, BUF_SIZE, FixingReader, open_fixed, parse_errors
from .tabular_io import to_int
from .telegram_chunks import Span, plan_spans, read_chunked, read_span
from .telegram_common import (
    PLATFORM,
    author_identity,
    entity_fields,
    forward_kind,
    kind_of,
    media_type_of,
    person_mentions,
    plain_text,
    split_peer_id,
    text_fields,
)

__all__ = ["NAME", "Chat", "ColumnPart", "column_parts", "message_record", "read", "read_column_part", "read_columns",
           "sniff"]

NAME = "telegram_json"

_MESSAGE_TYPES = {"message", "service", "unsupported"}
_CHAT_TYPES = {"saved_messages", "replies", "personal_chat", "bot_chat", "private_group", "private_supergroup",
               "public_supergroup", "private_channel", "public_channel"}
_ACCOUNT_KEYS = {"personal_information", "profile_pictures", "contacts", "frequent_contacts", "sessions",
                 "web_sessions", "other_data", "stories"}
_CHAT_META = ("name", "type", "id")
_SCALARS = {"string", "number", "boolean", "null"}
# Suffixes of formats that are never a Desktop export, whatever their first bytes; any other name (result.json,
# result.txt, result.json.txt from a browser download, no suffix) is judged by structure alone.
_OTHER_SUFFIXES = {".csv", ".tsv", ".tab", ".html", ".htm", ".xlsx", ".xls", ".parquet", ".xz", ".gz", ".warc"}
_EXPECTED = ('a Telegram Desktop export is an object with "messages" (one chat) or "chats" (whole account), '
             "or an array of message objects; check that this is result.json")


@dataclass(frozen=True)
class Chat:
    """The chat a message belongs to: becomes ``channel_id`` / ``channel`` of its records."""

    id: str
    name: str | None
    type: str | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any], fallback: str) -> Chat:
        name = meta.get("name") if isinstance(meta.get("name"), str) else None
        raw_id = meta.get("id")
        cid = str(raw_id) if raw_id is not None and not isinstance(raw_id, bool) else f"name:{name or fallback}"
        kind = meta.get("type") if isinstance(meta.get("type"), str) and meta.get("type") else None
        return cls(cid, name, kind)

    def register(self, ctx: ReadContext) -> None:
        ctx.add_channel(Channel(PLATFORM, self.id, self.name, self.type))


# ----------------------------------------------------------------------------------------------- sniffing
def sniff(path: Path, head: bytes) -> bool:
    """A Desktop JSON export by structure: its root keys, or the shape of its first message."""
    if not head or path.suffix.lower() in _OTHER_SUFFIXES:
        return False
    body = head.removeprefix(BOM).lstrip()
    if body[:1] not in (b"{", b"["):
        return False
    return _head_shape(body)


def _head_shape(body: bytes) -> bool:
    events = ijson.parse(FixingReader(io.BytesIO(body)), buf_size=BUF_SIZE)
    keys: set[str] = set()
    first: dict[str, Any] = {}  # scalar keys of the first message
    chat_type: Any = None
    try:
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                keys.add(value)
                if value in ("chats", "left_chats") or ("about" in keys and keys & _ACCOUNT_KEYS):
                    return True
            elif prefix == "type" and event == "string":
                chat_type = value
            elif prefix in ("messages.item", "item") and event == "end_map":
                break  # the first message is complete
            elif prefix.startswith(("messages.item.", "item.")) and event in _SCALARS and prefix.count(".") <= 2:
                first.setdefault(prefix.rsplit(".", 1)[1], value)
    except (ijson.JSONError, UnicodeDecodeError, TooDeep):
        pass  # the head ends mid-document (or nests absurdly deep): judge by what was seen
    looks_like_message = first.get("type") in _MESSAGE_TYPES and "id" in first
    if "messages" in keys:
        return looks_like_message or chat_type in _CHAT_TYPES
    if not keys:  # an array root
        return looks_like_message and ("date" in first or first.get("type") == "unsupported")
    return False


# ----------------------------------------------------------------------------------------------- reading
def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    """Canonical records of every message in the export at ``path``, in file order."""
    root, meta = _probe(path)
    if root == "account":
        yield from _read_account(path, ctx)
        return
    chat = _chat(path, ctx, root, meta)
    yield from _stream(path, ctx, _ITEMS[root], chat)


def read_columns(path: Path, ctx: ReadContext, batch_rows: int) -> Iterator[Columns] | None:
    """The same rows as :func:`read` as column batches, through the chunked msgspec parse
    (:mod:`.telegram_chunks`) for one chat or a bare array; None for a whole-account export (read :func:`read`)."""
    root, meta = _probe(path)
    if root == "account":
        return None
    return _columns(path, ctx, root, meta, batch_rows)


def _columns(path: Path, ctx: ReadContext, root: str, meta: dict[str, Any], batch_rows: int) -> Iterator[Columns]:
    chat = _chat(path, ctx, root, meta)

    def records(messages: Iterator[Any], first: int) -> Iterator[dict[str, Any]]:
        return (message_record(msg, chat, ctx, n) for n, msg in enumerate(messages, first))

    def tolerant(skip: int) -> Iterator[dict[str, Any]]:
        return itertools.islice(_stream(path, ctx, _ITEMS[root], chat, built=lambda n: n > skip), skip, None)

    yield from read_chunked(path, ctx, root, chat.id, chat.name, records, tolerant, batch_rows)


_ITEMS = {"chat": "messages.item", "array": "item"}


@dataclass(frozen=True)
class ColumnPart:
    """A span of a single-chat export or bare array, read on its own (by another process: it is pickled)."""

    path: Path
    root: str
    chat: Chat
    span: Span
    chunk_bytes: int


def column_parts(path: Path, ctx: ReadContext, parts: int) -> list[ColumnPart] | None:
    """Up to ``parts`` spans of the messages (:func:`.telegram_chunks.plan_spans`), or None for a whole-account
    export or a layout the spans cannot follow (read :func:`read_columns` then)."""
    root, meta = _probe(path)
    if root == "account":
        return None
    chunk_bytes = telegram_chunks.CHUNK_BYTES
    spans = plan_spans(path, root, parts, chunk_bytes)
    if spans is None or len(spans) < 2:
        return None
    chat = _chat(path, ctx, root, meta)
    return [ColumnPart(path, root, chat, span, chunk_bytes) for span in spans]


def read_column_part(part: ColumnPart, ctx: ReadContext, batch_rows: int) -> Iterator[Columns]:
    """The rows of one part as column batches; :class:`~.reader.PartFailed` when the file must be read whole."""
    chat = part.chat

    def records(messages: Iterator[Any], first: int) -> Iterator[dict[str, Any]]:
        return (message_record(msg, chat, ctx, n) for n, msg in enumerate(messages, first))

    return read_span(part.path, ctx, part.root, chat.id, chat.name, part.span, records, batch_rows,
                     part.chunk_bytes)


def _chat(path: Path, ctx: ReadContext, root: str, meta: dict[str, Any]) -> Chat:
    if root == "chat":
        if "id" not in meta:  # a re-serialised file may put the chat's id after its messages
            meta = _chat_meta(path)
        chat = Chat.from_meta(meta, path.stem)
    else:
        chat = _array_chat(path, ctx)
    chat.register(ctx)
    return chat


def _probe(path: Path) -> tuple[str, dict[str, Any]]:
    """The root's kind ("chat", "account", "array") and, for a chat, the name/type/id written before its messages."""
    if path.stat().st_size == 0:
        raise InputError(f"the file is empty; {_EXPECTED}", path=path, position="byte 0")
    with open_fixed(path) as reader, parse_errors(path, reader):
        events = ijson.parse(reader, buf_size=BUF_SIZE)
        first = next(events)
        _, event, value = first
        if event == "start_array":
            return "array", {}
        if event != "start_map":
            found = {"string": "a string", "number": "a number", "boolean": "true/false", "null": "null"}.get(event, event)
            raise InputError(f"the root is {found}; {_EXPECTED}", path=path, position="byte 0")
        meta: dict[str, Any] = {}
        keys: list[str] = []
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                if value == "messages":
                    _expect_container(path, events, "messages", "start_array", "an array of message objects")
                    return "chat", meta
                if value in ("chats", "left_chats"):
                    _expect_container(path, events, value, "start_map", 'an object with a "list" of chats')
                    return "account", {}
                keys.append(value)
            elif prefix in _CHAT_META and event in _SCALARS:
                meta[prefix] = value
        shown = ", ".join(repr(k) for k in keys[:8]) or "no keys"
        raise InputError(f"the root object has neither \"messages\" nor \"chats\" ({shown}); {_EXPECTED}",
                         path=path, position="byte 0")


def _expect_container(path: Path, events: Iterator[tuple[str, str, Any]], key: str, event: str, what: str) -> None:
    """A root key whose value is not the container Desktop writes would otherwise stream zero messages silently."""
    _, found, _ = next(events)
    if found != event:
        shown = {"start_array": "an array", "start_map": "an object", "string": "a string", "number": "a number",
                 "boolean": "true/false", "null": "null"}.get(found, found)
        raise InputError(f'"{key}" is {shown}, not {what}; {_EXPECTED}', path=path, position=f'root key "{key}"')


def _chat_meta(path: Path) -> dict[str, Any]:
    """The chat root's top-level name/type/id wherever they are in the file (one extra streaming pass)."""
    meta: dict[str, Any] = {}
    with open_fixed(path) as reader, parse_errors(path, reader):
        for prefix, event, value in ijson.parse(reader, buf_size=BUF_SIZE):
            if prefix in _CHAT_META and event in _SCALARS:
                meta[prefix] = value
    return meta


def _stream(path: Path, ctx: ReadContext, items_prefix: str, chat: Chat,
            built: Callable[[int], bool] | None = None) -> Iterator[dict[str, Any]]:
    """Records of the messages under ``items_prefix``; with ``built``, messages whose number it refuses come out as
    empty placeholders (already read by another path: only their count matters)."""
    with open_fixed(path, ctx.progress, on_repair=ctx.count_surrogates) as reader, parse_errors(path, reader):
        for n, msg in enumerate(ijson.items(reader, items_prefix, use_float=True, buf_size=BUF_SIZE), 1):
            yield message_record(msg, chat, ctx, n) if built is None or built(n) else _SKIPPED
        reader.finish()


_SKIPPED: dict[str, Any] = {}


def _array_chat(path: Path, ctx: ReadContext) -> Chat:
    """A bare array has no chat header: if every sender is one channel, that channel is the chat."""
    senders: set[Any] = set()
    name: str | None = None
    with open_fixed(path) as reader, parse_errors(path, reader):
        for prefix, _event, value in ijson.parse(reader, buf_size=BUF_SIZE):
            if prefix == "item.from_id":
                senders.add(value)
                if len(senders) > 1:
                    break
            elif prefix == "item.from" and name is None and isinstance(value, str):
                name = value
    if len(senders) == 1:
        kind, number = split_peer_id(next(iter(senders)))
        if kind == "channel" and number is not None:
            ctx.note(f"bare array of messages without a chat header: every sender is channel {number} "
                     f"({name!r}), taken as the chat")
            return Chat(number, name, None)
    ctx.note(f"bare array of messages without a chat header and several senders: the chat is unknown, messages are "
             f"filed under channel_id 'name:{path.stem}'; ingest the full result.json to get the chat's id")
    return Chat(f"name:{path.stem}", None, None)


# ----------------------------------------------------------------------------------------------- account exports
_CHAT_ITEMS = ("chats.list.item", "left_chats.list.item")
_MESSAGE_ITEMS = {f"{p}.messages.item": f"{_CHAT_ITEMS[0]}.messages.item" for p in _CHAT_ITEMS}
_META_PREFIXES = {f"{p}.{key}": key for p in _CHAT_ITEMS for key in _CHAT_META}


class _ChatIdLate(Exception):
    """A chat's messages came before its id (a re-serialised file): metadata must be read first."""


def _read_account(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    try:
        for rec, _ in _account_pass(path, ctx, None):
            yield rec
    except _ChatIdLate as late:
        # Chats before the late one were read completely; read the rest again with every chat's metadata known.
        first_unread = int(str(late))
        metas = _account_metas(path)
        for rec, ordinal in _account_pass(path, ctx, metas):
            if ordinal >= first_unread:
                yield rec


def _account_pass(path: Path, ctx: ReadContext,
                  metas: list[dict[str, Any]] | None) -> Iterator[tuple[dict[str, Any], int]]:
    """(record, chat ordinal) for every message of every chat; ``metas`` gives chat metadata read beforehand."""
    state: dict[str, Any] = {"ordinal": -1, "meta": {}, "chat": None}

    def chat_now(complete: bool = False) -> Chat:
        """The current chat, registered on first use; ``complete`` says its whole object has been read."""
        if state["chat"] is None:
            meta = metas[state["ordinal"]] if metas is not None else state["meta"]
            if metas is None and "id" not in meta and not complete:
                raise _ChatIdLate(str(state["ordinal"]))
            fresh = Chat.from_meta(meta, f"{path.stem}-chat{state['ordinal'] + 1}")
            fresh.register(ctx)
            state["chat"] = fresh
        chat: Chat = state["chat"]
        return chat

    def watched(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        for event in events:
            prefix, kind, value = event
            if kind == "start_map":
                if prefix in _CHAT_ITEMS:
                    state["ordinal"] += 1
                    state["meta"], state["chat"] = {}, None
                elif prefix in _MESSAGE_ITEMS:
                    chat_now()  # fails early if the chat's id is not known yet
                    event = (_MESSAGE_ITEMS[prefix], kind, value)
            elif kind == "end_map" and prefix in _CHAT_ITEMS:
                chat_now(complete=True)  # registers chats without messages too
            elif kind in _SCALARS and prefix in _META_PREFIXES:
                state["meta"][_META_PREFIXES[prefix]] = value
            yield event

    with open_fixed(path, ctx.progress, on_repair=ctx.count_surrogates) as reader, parse_errors(path, reader):
        # No use_float here: over an event stream it converts numbers in Python and halves the speed.
        messages = ijson.items(watched(ijson.parse(reader, buf_size=BUF_SIZE)), f"{_CHAT_ITEMS[0]}.messages.item")
        for n, msg in enumerate(messages, 1):
            yield message_record(msg, chat_now(), ctx, n), state["ordinal"]
        reader.finish()


def _account_metas(path: Path) -> list[dict[str, Any]]:
    """Name/type/id of every chat of an account export, in file order (one streaming pass)."""
    metas: list[dict[str, Any]] = []
    with open_fixed(path) as reader, parse_errors(path, reader):
        for prefix, event, value in ijson.parse(reader, buf_size=BUF_SIZE):
            if event == "start_map" and prefix in _CHAT_ITEMS:
                metas.append({})
            elif event in _SCALARS and prefix in _META_PREFIXES:
                metas[-1][_META_PREFIXES[prefix]] = value
    return metas


# ----------------------------------------------------------------------------------------------- one message
def message_record(msg: Any, chat: Chat, ctx: ReadContext, n: int) -> dict[str, Any]:
    """The canonical record of Desktop message object ``msg``, the ``n``-th message read from the file."""
    if not isinstance(msg, dict):
        raise InputError(f"message #{n:,} is {type(msg).__name__}, not an object — the file is not a Telegram export",
                         path=ctx.path, position=f"message #{n:,}")
    mid = msg.get("id")
    if mid is None or isinstance(mid, bool | dict | list):
        raise InputError(f"message #{n:,} has no usable id — the file is damaged or not a Telegram export",
                         path=ctx.path, position=f"message #{n:,}")
    where = f"message id {mid}"
    rec = empty_record()
    rec["platform"] = PLATFORM
    rec["channel_id"] = chat.id
    rec["channel"] = chat.name
    rec["message_id"] = str(mid)
    rec["kind"] = kind = kind_of(msg.get("type"))
    rec["posted_at"] = _timestamp(msg, "date_unixtime", "date", ctx, where)
    rec["edited_at"] = _timestamp(msg, "edited_unixtime", "edited", ctx, where)
    if kind == "service":
        rec["author"] = author_identity(_str(msg.get("actor")), msg.get("actor_id"), _chat_number(chat))
    else:
        rec["author"] = author_identity(_str(msg.get("from")), msg.get("from_id"), _chat_number(chat),
                                        _str(msg.get("author")))
    raw_text = msg.get("text")
    rec["text"] = plain_text(raw_text)
    entities = msg.get("text_entities")
    parts = entities if isinstance(entities, list) else raw_text if isinstance(raw_text, list) else None
    if parts is not None:
        fields = entity_fields(parts)
        rec[PERSON_MENTIONS] = person_mentions(parts)
    else:  # old exports: a plain string and no entities
        fields = text_fields(rec["text"])
    rec["links"], rec["mentions"], rec["hashtags"] = fields
    reply = msg.get("reply_to_message_id")
    if isinstance(reply, int | str) and not isinstance(reply, bool) and msg.get("reply_to_peer_id") is None:
        rec["reply_to"] = str(reply)  # cross-chat reply ids (with reply_to_peer_id) point into another chat
    rec["fwd_from_name"] = _str(msg.get("forwarded_from"))
    # Desktop names a forward's origin without saying whether it is a person or a channel; newer exports may add
    # its id. Unknown origins are pseudonymised unless they name a known channel (narrascope.store.privacy).
    rec[FWD_KIND] = forward_kind(msg.get("forwarded_from_id"))
    rec["media_type"] = media_type_of(msg)
    reactions = msg.get("reactions")
    if isinstance(reactions, list):  # counts only: who reacted ("recent") is never read
        rec["reactions"] = to_int(sum(to_int(r.get("count")) or 0 for r in reactions if isinstance(r, dict)))
    return rec


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _chat_number(chat: Chat) -> str | None:
    return None if chat.id.startswith("name:") else chat.id


def _timestamp(msg: Mapping[str, Any], unix_key: str, local_key: str, ctx: ReadContext, where: str) -> datetime | None:
    unix = msg.get(unix_key)
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise InputError(f"{unix_key} {unix!r} is not a Unix timestamp — the file is damaged",
                             path=ctx.path, position=where) from None
    local = msg.get(local_key)
    if local is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(local))
    except ValueError:
        raise InputError(f"{local_key} {local!r} is not an ISO date-time — the file is damaged",
                         path=ctx.path, position=where) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    if ctx.options.tz:
        ctx.note(f"messages without {unix_key} have local times: read in {ctx.options.tz}")
    return ctx.local_to_utc(parsed)
