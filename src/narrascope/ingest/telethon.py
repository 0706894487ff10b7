"""Telethon message dumps: JSON arrays or NDJSON of ``Message.to_dict()`` / ``to_json()`` objects.

Accepted shapes (all streamed): a JSON array of messages; one message per line (NDJSON); an object holding a
``messages`` array (telegram-tracker's ``*_messages.json``), optionally with a ``chat``/``channel`` object or name;
and per-item wrappers ``{"chat"|"channel": …, "message": {…}}``. Dates may be ISO strings (``+00:00``), ``str()``
of datetimes (space-separated) or epoch numbers; naive values are UTC, as the API gives them.

Entities carry offsets in UTF-16 code units: :func:`utf16_slice` converts them, so a link after an emoji or an
astral character is cut exactly. Messages sharing a ``grouped_id`` in one channel (an album) become one post.
The conversion (:func:`message_record`) also accepts 4CAT's serialisation (``_type`` instead of ``_``, ``_chat``
and ``_sender`` objects, epoch dates), which :mod:`narrascope.ingest.fourcat` reuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from ..errors import InputError
from ..models import FWD_KIND, PERSON_MENTIONS, Channel, empty_record
from .base import ReadContext
from .json_guard import TooDeep, load_json_line
from .json_stream import open_fixed
from .tabular_io import parse_timestamp, to_int
from .telegram_common import PLATFORM, dedupe

__all__ = ["NAME", "iter_messages", "message_record", "read", "read_messages", "sniff", "utf16_slice"]

NAME = "telethon"

_MESSAGE_TYPE = re.compile(rb'"_"\s*:\s*"Message(?:Service)?"')
_WRAPPER_KEYS = ("message", "data", "item", "msg")
_CHAT_KEYS = ("chat", "channel", "_chat")
#: Albums whose members are further apart than this many messages in the dump are not merged (bounded memory).
ALBUM_WINDOW = 500


# ---------------------------------------------------------------------------------------------- small helpers
def _type(obj: Any) -> str:
    """Telethon's constructor name: ``_`` in to_dict(), ``_type`` in 4CAT's serialisation."""
    if not isinstance(obj, Mapping):
        return ""
    return str(obj.get("_") or obj.get("_type") or "")


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` at ``offset``/``length`` counted in UTF-16 code units (Telegram's entity units).

    Characters outside the Basic Multilingual Plane (most emoji) take two UTF-16 units but one Python index, so
    Python slicing drifts after them. Text without such characters is sliced directly.
    """
    if offset < 0 or length <= 0:
        return ""
    if text.isascii() or max(text) <= "\uffff":
        return text[offset:offset + length]
    units = text.encode("utf-16-le")
    # A range that splits a surrogate pair is malformed; the half character is dropped rather than kept.
    return units[2 * offset:2 * (offset + length)].decode("utf-16-le", errors="ignore")


def peer(obj: Any) -> tuple[str | None, str | None]:
    """(kind, id) of a Peer object: ('channel', '123') for PeerChannel, 'user' and 'chat' likewise."""
    if isinstance(obj, bool) or obj is None:
        return None, None
    if isinstance(obj, int):
        return None, str(obj)
    if not isinstance(obj, Mapping):
        return None, None
    for key, kind in (("channel_id", "channel"), ("user_id", "user"), ("chat_id", "chat")):
        if obj.get(key) is not None:
            return kind, str(obj[key])
    return None, None


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)  # the Telegram API gives UTC; dumps drop the offset at most


def _when(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value, _utc)[0]
    except (ValueError, OverflowError, OSError):
        return None


def _int(value: Any) -> int | None:
    """A count (views, forwards): an integer within the store's 64-bit range, else None."""
    return to_int(value) if isinstance(value, int) and not isinstance(value, bool) else None


_DOC_ATTRS = (
    ("DocumentAttributeSticker", None, "sticker"),
    ("DocumentAttributeAnimated", None, "animation"),
    ("DocumentAttributeVideo", "round_message", "video_message"),
    ("DocumentAttributeVideo", None, "video_file"),
    ("DocumentAttributeAudio", "voice", "voice_message"),
    ("DocumentAttributeAudio", None, "audio_file"),
)
_MEDIA = {
    "MessageMediaPhoto": "photo", "MessageMediaPoll": "poll", "MessageMediaGeo": "location",
    "MessageMediaGeoLive": "location", "MessageMediaVenue": "venue", "MessageMediaContact": "contact",
    "MessageMediaGame": "game", "MessageMediaInvoice": "invoice", "MessageMediaDice": "dice",
    "MessageMediaGiveaway": "giveaway", "MessageMediaStory": "story", "MessageMediaUnsupported": "unsupported",
}


def media_type(media: Any) -> str | None:
    """Telethon media to the media names Desktop exports use (photo, video_file, sticker, …).

    A link preview (MessageMediaWebPage) is not media: Desktop exports record none for it either.
    """
    kind = _type(media)
    if kind == "MessageMediaDocument":
        doc = media.get("document") if isinstance(media, Mapping) else None
        raw_attrs = doc.get("attributes") if isinstance(doc, Mapping) else None
        attrs = [a for a in raw_attrs if isinstance(a, Mapping)] if isinstance(raw_attrs, list) else []
        names = {_type(a): a for a in attrs}
        # Animated GIFs carry a video attribute too, so the animated flag is checked before the video one.
        for attr, flag, name in _DOC_ATTRS:
            if attr in names and (flag is None or names[attr].get(flag)):
                return name
        return "document"
    return _MEDIA.get(kind)


_MENTION_NAME = ("MessageEntityMentionName", "InputMessageEntityMentionName")


def _entities(text: str, entities: Any) -> tuple[list[str], list[str], list[str], list[str]]:
    """(links, mentions, hashtags, people mentioned by display name) of a message's entities."""
    links: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    people: list[str] = []
    for ent in entities if isinstance(entities, list) else ():  # 4CAT dumps have held floats, ints, objects here
        if not isinstance(ent, Mapping):
            continue
        kind = _type(ent)
        offset, length = ent.get("offset"), ent.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            continue
        if kind == "MessageEntityTextUrl":
            if isinstance(ent.get("url"), str) and ent["url"]:
                links.append(ent["url"])
        elif kind == "MessageEntityUrl":
            links.append(utf16_slice(text, offset, length))
        elif kind == "MessageEntityMention":
            mentions.append(utf16_slice(text, offset, length))
        elif kind in _MENTION_NAME:  # a user without a username, linked by display name: a person
            name = utf16_slice(text, offset, length).strip()
            mentions.append(name)
            people.append(name)
        elif kind == "MessageEntityHashtag":
            hashtags.append(utf16_slice(text, offset, length))
    return (dedupe(x for x in links if x), dedupe(x for x in mentions if x), dedupe(x for x in hashtags if x),
            dedupe(x for x in people if x))


def _chat_info(info: Any) -> tuple[str | None, str | None, str | None]:
    """(id, name, type) from a chat/channel description: an object (Telethon Channel/Chat) or a bare name."""
    if isinstance(info, str):
        return None, info or None, None
    if not isinstance(info, Mapping):
        return None, None, None
    cid = info.get("id", info.get("channel_id"))
    name = info.get("title") or info.get("name") or info.get("username")
    ctype = None
    if info.get("broadcast"):
        ctype = "public_channel" if info.get("username") else "private_channel"
    elif info.get("megagroup"):
        ctype = "public_supergroup" if info.get("username") else "private_supergroup"
    elif _type(info) == "Chat":
        ctype = "private_group"
    return (str(cid) if isinstance(cid, int | str) and cid != "" else None), (str(name) if name else None), ctype


def _sender_name(sender: Any) -> str | None:
    """Display name of a 4CAT ``_sender`` user (None for a channel sending as itself)."""
    if not isinstance(sender, Mapping) or sender.get("title") or sender.get("broadcast"):
        return None
    full = " ".join(str(sender[k]) for k in ("first_name", "last_name") if sender.get(k)).strip()
    username = sender.get("username")
    return full or (username if isinstance(username, str) and username else None)


# ---------------------------------------------------------------------------------------------- one message
def message_record(msg: Mapping[str, Any], chat: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """The canonical record of one Telethon message dict (None for MessageEmpty).

    ``chat`` describes the channel when the dump carries it outside the message (a wrapper); a 4CAT ``_chat``
    inside the message wins. The channel id comes from ``peer_id``; without one, from the chat description,
    else the file name (noted).
    """
    mtype = _type(msg)
    if mtype == "MessageEmpty":
        return None
    info_id, name, ctype = _chat_info(msg.get("_chat") or chat)
    _, cid = peer(msg.get("peer_id") if msg.get("peer_id") is not None else msg.get("to_id"))
    if cid is None:
        cid = info_id or (f"name:{name}" if name else f"name:{ctx.path.stem}")
        ctx.note(f"messages without peer_id: channel id taken from {'the dump' if info_id or name else 'the file name'}")
    mid = msg.get("id")
    if mid is None or isinstance(mid, bool) or not isinstance(mid, int | str) or mid == "":
        raise InputError(f"a message has no usable id ({type(mid).__name__ if mid is not None else 'none'}): the dump "
                         "is damaged or not Telethon's", path=ctx.path, position=f"channel {cid}")
    ctx.add_channel(Channel(PLATFORM, cid, name, ctype))
    rec = empty_record()
    service = mtype == "MessageService" or (not mtype and isinstance(msg.get("action"), Mapping))
    text = msg.get("message") if isinstance(msg.get("message"), str) else None
    rec.update(platform=PLATFORM, channel_id=cid, channel=name, message_id=str(mid),
               kind="service" if service else "post", posted_at=_when(msg.get("date")),
               edited_at=_when(msg.get("edit_date")), text=None if service else (text or ""))
    sender_kind, sender_id = peer(msg.get("from_id"))
    signature = msg.get("post_author") or None
    if signature:
        rec["author"] = str(signature)
    elif sender_kind == "user" or (sender_kind is None and sender_id and sender_id != cid):
        rec["author"] = _sender_name(msg.get("_sender")) or sender_id
    reply = msg.get("reply_to")
    reply_id = reply.get("reply_to_msg_id") if isinstance(reply, Mapping) else msg.get("reply_to_msg_id")
    rec["reply_to"] = str(reply_id) if isinstance(reply_id, int) else None
    _forward(rec, msg.get("fwd_from"))
    rec["views"], rec["forwards"] = _int(msg.get("views")), _int(msg.get("forwards"))
    reactions = msg.get("reactions")
    if isinstance(reactions, Mapping) and isinstance(reactions.get("results"), list):
        rec["reactions"] = to_int(sum(_int(r.get("count")) or 0 for r in reactions["results"] if isinstance(r, Mapping)))
    media = msg.get("media")
    rec["media_type"] = media_type(media)
    if text:
        rec["links"], rec["mentions"], rec["hashtags"], rec[PERSON_MENTIONS] = _entities(text, msg.get("entities"))
    page = media.get("webpage") if isinstance(media, Mapping) else None
    if isinstance(page, Mapping) and isinstance(page.get("url"), str) and page["url"] not in rec["links"]:
        rec["links"].append(page["url"])
    return rec


def _forward(rec: dict[str, Any], fwd: Any) -> None:
    """Forward origin: a channel's id, the original post id and time; a hidden sender's name. Individual users'
    ids are left out. ``from_name`` is set only for users who hid their account (a person: the store pseudonymises
    it); a name read from a ``from_id`` object with a ``title`` is a channel's or group's."""
    if not isinstance(fwd, Mapping):
        return
    kind, origin = peer(fwd.get("from_id"))
    if kind in ("channel", "chat"):
        rec["fwd_from_id"] = origin
    elif isinstance(fwd.get("channel_id"), int):  # before API layer 119 the header held channel_id itself
        rec["fwd_from_id"] = str(fwd["channel_id"])
    post = fwd.get("channel_post")
    rec["fwd_from_message_id"] = str(post) if isinstance(post, int) and not isinstance(post, bool) else None
    rec["fwd_posted_at"] = _when(fwd.get("date"))
    from_name = fwd.get("from_name")
    if isinstance(from_name, str) and from_name:
        rec["fwd_from_name"], rec[FWD_KIND] = from_name, "user"
    elif isinstance(fwd.get("from_id"), Mapping) and "title" in fwd["from_id"]:
        title = _chat_info(fwd["from_id"])[1]
        rec["fwd_from_name"], rec[FWD_KIND] = title, "channel"


# ---------------------------------------------------------------------------------------------- albums
def _merge_album(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One post for an album: the first id, the caption that has text, the latest counts and edit."""
    parts.sort(key=lambda r: int(r["message_id"]) if r["message_id"].isascii() and r["message_id"].isdigit() else 0)
    captioned = next((p for p in parts if p["text"]), parts[0])
    album = dict(captioned)
    first = parts[0]
    album.update(message_id=first["message_id"], posted_at=first["posted_at"], media_type="album",
                 edited_at=max((p["edited_at"] for p in parts if p["edited_at"]), default=None))
    for key in ("views", "forwards", "reactions"):
        album[key] = max((p[key] for p in parts if p[key] is not None), default=None)
    for key in ("reply_to", "author", "fwd_from_id", "fwd_from_name", "fwd_from_message_id", "fwd_posted_at"):
        album[key] = album[key] or next((p[key] for p in parts if p[key]), None)
    origin = next((p for p in parts if p["fwd_from_name"] == album["fwd_from_name"]), captioned)
    album[FWD_KIND] = origin.get(FWD_KIND)
    album[PERSON_MENTIONS] = dedupe(x for p in parts for x in p.get(PERSON_MENTIONS) or ())
    for key in ("links", "mentions", "hashtags"):
        album[key] = dedupe(x for p in parts for x in p[key])
    return album


def group_albums(records: Iterator[tuple[dict[str, Any], Any]], ctx: ReadContext) -> Iterator[dict[str, Any]]:
    """Merge album members (same channel, same grouped_id) into one post, holding at most a window of albums."""
    open_albums: dict[tuple[str, Any], tuple[int, list[dict[str, Any]]]] = {}
    closed: set[tuple[str, Any]] = set()
    for n, (rec, grouped) in enumerate(records):
        if grouped is None or rec["kind"] == "service":
            yield rec
        else:
            key = (rec["channel_id"], grouped)
            if key in closed:
                ctx.note(f"album members more than {ALBUM_WINDOW} messages apart were kept as separate posts")
                yield rec
            else:
                open_albums.setdefault(key, (n, []))[1].append(rec)
                open_albums[key] = (n, open_albums[key][1])
        if n % ALBUM_WINDOW == 0:
            for key in [k for k, (last, _) in open_albums.items() if last < n - ALBUM_WINDOW]:
                closed.add(key)
                yield _merge_album(open_albums.pop(key)[1])
    for parts in open_albums.values():
        yield _merge_album(parts[1])


# ---------------------------------------------------------------------------------------------- reading
def _unwrap(obj: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
    """(message, chat description or None) of a dump item, which may wrap the message."""
    if _type(obj) or "_chat" in obj:
        return obj, None
    for key in _WRAPPER_KEYS:
        inner = obj.get(key)
        if isinstance(inner, Mapping) and (_type(inner) or "_chat" in inner or ("id" in inner and "date" in inner)):
            return inner, next((obj[k] for k in _CHAT_KEYS if obj.get(k)), None)
    return obj, None


def _start(path: Path) -> tuple[bytes, bytes | None]:
    """(first non-blank byte, first non-blank line when short enough to be one NDJSON record, else None)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16).lstrip(b"\xef\xbb\xbf").lstrip()
        if not head:
            return b"", None
        fh.seek(0)
        limit = 16 << 20  # readline with a limit: a one-line multi-GB array is never read whole
        while line := fh.readline(limit):
            if line.strip():
                whole = line.endswith(b"\n") or len(line) < limit
                return head[:1], (line.lstrip(b"\xef\xbb\xbf").strip() if whole else None)
    return head[:1], None


def _scan_chat(path: Path) -> Any:
    """A top-level ``chat``/``channel`` value of a dump object, read only up to where ``messages`` begins.

    A description written after the messages is not looked for: finding it would mean parsing the whole file
    twice, and the messages' own ``peer_id`` still gives every channel its id.
    """
    with open_fixed(path) as reader:
        builder: ijson.ObjectBuilder | None = None
        key = ""
        try:
            for prefix, event, value in ijson.parse(reader, use_float=True):
                if builder is not None:
                    builder.event(event, value)
                    if prefix == key and event in ("end_map", "end_array"):
                        return builder.value
                elif prefix == "messages" and event == "start_array":
                    return None
                elif prefix in _CHAT_KEYS:
                    if event in ("start_map", "start_array"):
                        builder, key = ijson.ObjectBuilder(), prefix
                        builder.event(event, value)
                    elif event in ("string", "number"):
                        return value
        except (ijson.JSONError, UnicodeDecodeError, TooDeep):
            return None  # the main pass reports where the file is broken
    return None


def iter_messages(path: Path, ctx: ReadContext) -> Iterator[tuple[Mapping[str, Any], Any]]:
    """(message dict, chat description) pairs of a dump, streamed whatever its shape."""
    first_byte, line = _start(path)
    if not first_byte:
        return
    if first_byte == b"{" and line is not None:
        try:
            first = load_json_line(line)[0]
        except (ValueError, TooDeep):
            first = None
        if isinstance(first, dict) and not isinstance(first.get("messages"), list):
            yield from _ndjson(path, ctx)
            return
    prefix = "item" if first_byte == b"[" else "messages.item"
    chat = None if prefix == "item" else _scan_chat(path)
    if chat is None and prefix != "item" and path.stem.endswith("_messages"):
        chat = path.stem[: -len("_messages")]  # telegram-tracker names its dumps <channel>_messages.json
    with open_fixed(path, ctx.progress, on_repair=ctx.count_surrogates) as reader:
        try:
            for obj in ijson.items(reader, prefix, use_float=True):
                if isinstance(obj, Mapping):
                    msg, item_chat = _unwrap(obj)
                    yield msg, item_chat or chat
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-8 (byte 0x{exc.object[exc.start]:02X}): the dump is damaged or was saved "
                             "in another encoding", path=path, position=f"near byte {reader.raw_pos:,}") from None
        except ijson.JSONError as exc:
            raise InputError(f"malformed JSON ({str(exc).splitlines()[0] if str(exc) else 'parse error'}): "
                             "the dump is damaged or cut off; write it again", path=path,
                             position=f"near byte {reader.raw_pos:,}") from None
        reader.finish()


def _ndjson(path: Path, ctx: ReadContext) -> Iterator[tuple[Mapping[str, Any], Any]]:
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            if ctx.progress is not None and line_no % 5000 == 0:
                ctx.progress(fh.tell())
            if not line.strip():
                continue
            try:
                obj, repaired = load_json_line(line, path, f"line {line_no}")
            except ValueError as exc:
                raise InputError(f"not a JSON object ({exc.args[0]}): each line must hold one message",
                                 path=path, position=f"line {line_no}") from None
            ctx.count_surrogates(repaired)
            if not isinstance(obj, Mapping):
                raise InputError("each line must hold one JSON object", path=path, position=f"line {line_no}")
            yield _unwrap(obj)


def read_messages(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    """Canonical records of a Telethon-style dump (shared with the 4CAT NDJSON reader)."""
    def records() -> Iterator[tuple[dict[str, Any], Any]]:
        for msg, chat in iter_messages(path, ctx):
            rec = message_record(msg, chat, ctx)
            if rec is not None:
                grouped = msg.get("grouped_id")
                yield rec, grouped if isinstance(grouped, int | str) and not isinstance(grouped, bool) else None
    yield from group_albums(records(), ctx)


def sniff(path: Path, head: bytes) -> bool:
    """A JSON array, object or NDJSON whose objects are typed ``"_": "Message"`` (Telethon's to_dict)."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    return start in (b"[", b"{") and _MESSAGE_TYPE.search(head) is not None


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    yield from read_messages(path, ctx)
