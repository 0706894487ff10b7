"""The fast path of the Desktop JSON reader: a chat's ``messages`` array cut into chunks decoded by msgspec.

ijson hands out one Python dict per message through an event-level C parser; msgspec decodes a whole chunk of
messages into typed structs several times faster. The bytes still pass through :class:`~.json_stream.FixingReader`
(Telegram's ``\\xNN`` escapes, lone surrogates, the depth guard), so both paths see the same repaired bytes.

**Cutting.** Desktop writes one message after another at a fixed indentation (``,\\n  {``). A chunk ends before
the last such separator in the buffer; a raw newline cannot stand inside a valid JSON string, and a cut anywhere
but between two messages leaves a bracket or string open, so a chunk that decodes is a run of whole messages — no
position is trusted without that proof. Files without newlines between messages go the tolerant way.

**Ladder.** Each chunk tries, in order: typed structs (most exports); plain msgspec objects through the tolerant
record builder (a field of an unexpected type); ijson over the chunk alone (numbers beyond 64 bits, which msgspec
accepts and ijson refuses, and anything msgspec refuses but ijson might read). When ijson fails too, or the layout
is not understood, the whole file is read again by the tolerant reader, skipping the messages already handed out,
so errors and rows are exactly the tolerant reader's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import ijson
import msgspec

from ..errors import InputError
from ..models import FWD_KIND, PERSON_MENTIONS
from .base import Columns, ReadContext, records_to_columns
from .json_stream import BUF_SIZE, FixingReader
from .tabular_io import to_int
from .telegram_common import PLATFORM, SERVICE_TYPES, author_identity, dedupe, forward_kind, text_fields

__all__ = ["CHUNK_BYTES", "FILLED", "read_chunked"]

#: Repaired bytes decoded at a time (a chunk holds the whole messages inside it; memory ~ 10× this at peak).
CHUNK_BYTES = 4 << 20
#: A buffer that grows past this without a message boundary (one-line files) is read the tolerant way.
_MAX_BUFFER = 64 << 20
#: A JSON number of 19 digits or more may overflow ijson's 64-bit integers (msgspec reads it): such a chunk is read
#: by ijson. Found without a regex over every comma: digits become "0", then runs of 19 are searched for.
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_RUN = b"0" * 19
_ZEROS = re.compile(rb"0+")
_US = 1_000_000
_MIN_UNIX, _MAX_UNIX = -62_135_596_800, 253_402_300_799  # years 1 … 9999, what datetime accepts


class _Part(msgspec.Struct):
    type: Any = None
    text: str | None = None
    href: Any = None


class _Message(msgspec.Struct):
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
    text_entities: list[_Part] | None = None
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


_TYPED = msgspec.json.Decoder(list[_Message])
_PLAIN = msgspec.json.Decoder()
_MEDIA_ATTRS = (("photo", "photo"), ("file", "document"), ("poll", "poll"), ("place_name", "venue"),
                ("location_information", "location"), ("contact_information", "contact"), ("game_title", "game"),
                ("invoice_information", "invoice"), ("giveaway_information", "giveaway"),
                ("giveaway_results", "giveaway_results"))
#: columns the fast path fills (the rest are null for Desktop JSON)
FILLED = ("platform", "channel_id", "channel", "message_id", "kind", "posted_at", "edited_at", "author", "text",
          "reply_to", "fwd_from_name", FWD_KIND, "media_type", "reactions", "links", "mentions", "hashtags",
          PERSON_MENTIONS)


class _Restart(Exception):
    """The fast path cannot go on: the tolerant reader takes over (see the module's docstring)."""


class _HashingFile:
    """The raw file, hashed as it is read (the store then needs no second pass over the file). Hashing runs on a
    helper thread: hashlib releases the GIL, so it costs the reader nothing on a second core."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="narrascope-hash")
        self._pending: Future[None] | None = None

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._pending is not None:
            self._pending.result()  # in order, and at most one chunk held back
        self._pending = self._pool.submit(self._sha.update, data)
        return data

    def hexdigest(self) -> str:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        return self._sha.hexdigest()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# ----------------------------------------------------------------------------------------------- cutting
def _array_start(buf: bytes, root: str) -> int | None:
    """Offset just after the ``[`` that opens the messages (``root``: "chat" or "array"), or None."""
    if root == "array":
        i = len(buf) - len(buf.lstrip())
        return i + 1 if buf[i:i + 1] == b"[" else None
    depth, i, n, last_key = 0, 0, len(buf), None
    while i < n:
        c = buf[i]
        if c == 0x22:  # a string: find its end (escapes skipped pairwise)
            j = i + 1
            while True:
                j = buf.find(b'"', j)
                if j < 0:
                    return None
                k = j
                while buf[k - 1] == 0x5C:
                    k -= 1
                if (j - k) % 2 == 0:
                    break
                j += 1
            last_key = buf[i + 1:j] if depth == 1 else None
            i = j + 1
            continue
        if c in b"{[":
            depth += 1
        elif c in b"}]":
            depth -= 1
        elif c == 0x3A and depth == 1 and last_key == b"messages":  # ':' after the root key "messages"
            rest = buf[i + 1:]
            k = i + 1 + len(rest) - len(rest.lstrip())
            return k + 1 if buf[k:k + 1] == b"[" else None
        elif c == 0x2C:
            last_key = None
        i += 1
    return None


def _separator(buf: bytes, start: int) -> bytes | None:
    """The bytes between two messages, learned from the whitespace before the first one (``,\\n  {``)."""
    lead = buf[start:start + 256]
    body = lead.lstrip()
    if not body.startswith(b"{"):
        return None
    space = lead[:len(lead) - len(body)]
    return b"," + space + b"{" if b"\n" in space else None


# ----------------------------------------------------------------------------------------------- building
_NO_MEDIA = (msgspec.UNSET,) * 10


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
    return _datetime_us(when)


def _datetime_us(when: datetime) -> int:
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _chat_number(chat_id: str) -> str | None:
    return None if chat_id.startswith("name:") else chat_id


def _add_typed(cols: Columns, msgs: list[_Message], chat_id: str, chat_name: str | None, ctx: ReadContext) -> None:
    """Append the messages' columns; the same rules as :func:`.telegram_json.message_record`, attribute by attribute."""
    number = _chat_number(chat_id)
    own_peer = f"channel{number}"  # how Desktop writes the chat's own id as a sender (see sender_is_chat)
    c_mid, c_kind, c_posted, c_edited = cols["message_id"], cols["kind"], cols["posted_at"], cols["edited_at"]
    c_author, c_text, c_reply, c_fwd = cols["author"], cols["text"], cols["reply_to"], cols["fwd_from_name"]
    c_fkind, c_media, c_react = cols[FWD_KIND], cols["media_type"], cols["reactions"]
    c_links, c_mentions, c_tags, c_people = cols["links"], cols["mentions"], cols["hashtags"], cols[PERSON_MENTIONS]
    for m in msgs:
        mid = m.id
        c_mid.append(str(mid))
        kind = m.type
        kind = "service" if kind.__class__ is str and kind in SERVICE_TYPES else "post"  # kind_of, inlined
        c_kind.append(kind)
        unix = m.date_unixtime
        if unix.__class__ is str and len(unix) < 12 and unix.isdigit() and unix.isascii():  # the usual: "1600000000"
            c_posted.append(int(unix) * _US)
        else:
            c_posted.append(_unix_us(unix, "date_unixtime", ctx, mid) if unix is not None else
                            None if m.date is None else _local_us(m.date, "date", "date_unixtime", ctx, mid))
        unix = m.edited_unixtime
        c_edited.append(_unix_us(unix, "edited_unixtime", ctx, mid) if unix is not None else
                        None if m.edited is None else _local_us(m.edited, "edited", "edited_unixtime", ctx, mid))
        if kind == "service":
            actor = m.actor
            c_author.append(author_identity(actor if isinstance(actor, str) and actor else None, m.actor_id, number))
        else:
            sig = m.author
            sig = sig if isinstance(sig, str) and sig else None
            if number is not None and m.from_id == own_peer:  # the channel posting as itself: its signature
                c_author.append(sig)
            else:
                name = m.from_
                c_author.append(author_identity(name if isinstance(name, str) and name else None, m.from_id,
                                                number, sig))
        raw = m.text
        if raw is None:
            text = ""
        elif isinstance(raw, str):
            text = raw
        else:
            text = "".join([p if isinstance(p, str) else p.text or "" for p in raw])
        c_text.append(text)
        entities = m.text_entities
        parts = entities if entities is not None else raw if isinstance(raw, list) else None
        if parts is not None:
            links: list[str] = []
            mentions: list[str] = []
            tags: list[str] = []
            people: list[str] = []
            for p in parts:
                if isinstance(p, str):
                    continue
                kind_p, value = p.type, p.text
                if kind_p == "plain":
                    continue
                if kind_p == "text_link":
                    href = p.href
                    if isinstance(href, str) and href:
                        links.append(href)
                elif not value:
                    continue
                elif kind_p == "link":
                    links.append(value)
                elif kind_p == "mention":
                    mentions.append(value)
                elif kind_p == "mention_name":
                    mentions.append(value)
                    people.append(value)
                elif kind_p == "hashtag":
                    tags.append(value)
            c_links.append(dedupe(links) if len(links) > 1 else links)
            c_mentions.append(dedupe(mentions) if len(mentions) > 1 else mentions)
            c_tags.append(dedupe(tags) if len(tags) > 1 else tags)
            c_people.append(dedupe(people) if len(people) > 1 else people)
        else:
            fields = text_fields(text)
            c_links.append(fields.links)
            c_mentions.append(fields.mentions)
            c_tags.append(fields.hashtags)
            c_people.append(None)
        reply = m.reply_to_message_id
        c_reply.append(str(reply) if isinstance(reply, int | str) and not isinstance(reply, bool)
                       and m.reply_to_peer_id is None else None)
        fwd = m.forwarded_from
        c_fwd.append(fwd if isinstance(fwd, str) and fwd else None)
        c_fkind.append(None if m.forwarded_from_id is None else forward_kind(m.forwarded_from_id))
        given = m.media_type
        if isinstance(given, str) and given:
            c_media.append(given)
        elif (m.photo, m.file, m.poll, m.place_name, m.location_information, m.contact_information, m.game_title,
              m.invoice_information, m.giveaway_information, m.giveaway_results) == _NO_MEDIA:
            c_media.append(None)
        else:
            c_media.append(_media_of(m))
        reactions = m.reactions
        c_react.append(to_int(sum(to_int(r.get("count")) or 0 for r in reactions if isinstance(r, dict)))
                       if isinstance(reactions, list) else None)
    n = len(msgs)
    cols["platform"].extend([PLATFORM] * n)
    cols["channel_id"].extend([chat_id] * n)
    cols["channel"].extend([chat_name] * n)


def _media_of(m: _Message) -> str | None:
    """:func:`.telegram_common.media_type_of` by the keys present (UNSET: absent), in the same order."""
    unset = msgspec.UNSET
    if m.photo is not unset:
        return "photo"
    if m.file is not unset:
        return "document"
    if m.poll is not unset:
        return "poll"
    for attr, name in _MEDIA_ATTRS[3:]:
        if getattr(m, attr) is not unset:
            return name
    return None


def _empty() -> Columns:
    return {name: [] for name in FILLED}


# ----------------------------------------------------------------------------------------------- reading
def read_chunked(path: Path, ctx: ReadContext, root: str, chat_id: str, chat_name: str | None,
                 records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]],
                 tolerant: Callable[[int], Iterator[dict[str, Any]]], batch_rows: int,
                 chunk_bytes: int | None = None) -> Iterator[Columns]:
    """Column batches of every message of the single chat (``root`` "chat") or bare array (``root`` "array") at
    ``path``. ``records(messages, first)`` builds tolerant records from plain message objects numbered from
    ``first``; ``tolerant(skip)`` is the tolerant reader's records past the first ``skip`` messages."""
    done = 0  # messages handed out in finished batches
    try:
        for cols in _fast(path, ctx, root, chat_id, chat_name, records, batch_rows, chunk_bytes or CHUNK_BYTES):
            done += len(cols["message_id"])
            yield cols
        return
    except _Restart:
        pass
    ctx.surrogates = 0  # the tolerant reader counts the whole file's repairs again
    ctx.sha256 = None
    batch: list[dict[str, Any]] = []
    for rec in tolerant(done):
        batch.append(rec)
        if len(batch) >= batch_rows:
            yield records_to_columns(batch)
            batch = []
    if batch:
        yield records_to_columns(batch)


def _read(reader: FixingReader, size: int) -> bytes:
    """The next repaired bytes; a refusal there (nesting too deep, …) is left to the tolerant reader to report."""
    try:
        return reader.read(size)
    except InputError:
        raise _Restart from None


def _fast(path: Path, ctx: ReadContext, root: str, chat_id: str, chat_name: str | None,
          records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]], batch_rows: int,
          chunk_bytes: int) -> Iterator[Columns]:
    with path.open("rb") as fh, contextlib.closing(_HashingFile(fh)) as hashing:
        reader = FixingReader(cast(BinaryIO, hashing), ctx.progress, path=path, on_repair=ctx.count_surrogates)
        buf = _read(reader, chunk_bytes)
        start = _array_start(buf, root)
        sep = _separator(buf, start) if start is not None else None
        if start is None or sep is None:
            raise _Restart
        buf = buf[start:]
        cols = _empty()
        eof = False
        seen = 0  # messages decoded so far (numbering for the tolerant builder's messages)
        while True:
            cut = buf.rfind(sep) if not eof else -1
            if cut < 0 and not eof:
                if len(buf) > _MAX_BUFFER:
                    raise _Restart
                more = _read(reader, chunk_bytes)
                eof = not more
                buf += more
                continue
            if eof:
                end = buf.rfind(b"]")
                if end < 0 or not _valid_tail(buf[end + 1:], root):
                    raise _Restart
                chunk, buf = buf[:end], b""
            else:
                chunk, buf = buf[:cut], buf[cut + 1:]  # the comma stays out of both
            seen += _decode(chunk, cols, chat_id, chat_name, ctx, records, seen)
            if len(cols["message_id"]) >= batch_rows:
                yield cols
                cols = _empty()
            if eof:
                break
            if len(buf) < chunk_bytes:
                more = _read(reader, chunk_bytes)
                eof = not more
                buf += more
        while hashing.read(1 << 20):  # bytes the parser never asked for (none: FixingReader reads to the end)
            pass
        reader.finish()
        ctx.sha256 = hashing.hexdigest()
        if cols["message_id"]:
            yield cols


def _valid_tail(tail: bytes, root: str) -> bool:
    """What follows the messages array is well-formed (more root keys and the closing brace, or nothing)."""
    try:
        _PLAIN.decode(b'{"m":[]' + tail if root == "chat" else b"[]" + tail)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return True


def _decode(chunk: bytes, cols: Columns, chat_id: str, chat_name: str | None, ctx: ReadContext,
            records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]], seen: int) -> int:
    """Decode one chunk of whole messages into ``cols``; returns how many it held."""
    body = b"[" + chunk + b"]"
    if not _long_number(chunk):
        try:
            msgs = _TYPED.decode(body)
        except msgspec.ValidationError:
            msgs = None
        except msgspec.DecodeError:
            return _by_ijson(body, cols, records, seen)
        if msgs is not None:
            _add_typed(cols, msgs, chat_id, chat_name, ctx)
            return len(msgs)
        try:
            plain = _PLAIN.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return _by_ijson(body, cols, records, seen)
        return _extend(cols, records(iter(plain), seen + 1))
    return _by_ijson(body, cols, records, seen)


def _long_number(chunk: bytes) -> bool:
    """Whether a JSON number of 19 digits or more may stand in ``chunk``: a run of 19 digits after ``:``, ``[`` or
    ``,`` (and whitespace, and a minus sign). Runs inside strings, such as long ids in links, mostly fail that test;
    one that passes only costs speed."""
    zeros = chunk.translate(_DIGITS)
    at = zeros.find(_RUN)
    while at >= 0:
        i = at - 1
        if i >= 0 and chunk[i] == 0x2D:  # "-"
            i -= 1
        while i >= 0 and chunk[i] in b" \t\r\n":
            i -= 1
        if i >= 0 and chunk[i] in b":[,":
            return True
        end = _ZEROS.match(zeros, at)
        at = zeros.find(_RUN, end.end() if end else at + 1)
    return False


def _by_ijson(body: bytes, cols: Columns, records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]],
              seen: int) -> int:
    """The chunk read by ijson, as the tolerant reader would (a failure there sends the file to that reader)."""
    items = ijson.items(io.BytesIO(body), "item", use_float=True, buf_size=BUF_SIZE)
    try:
        return _extend(cols, records(items, seen + 1))
    except (ijson.JSONError, UnicodeDecodeError):
        raise _Restart from None


def _extend(cols: Columns, recs: Iterator[dict[str, Any]]) -> int:
    more = records_to_columns(list(recs), FILLED)
    for name, values in more.items():
        cols[name].extend(values)
    return len(more["message_id"])

