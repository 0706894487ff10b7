"""Instagram "Download your information" exports: the posts files (``posts_1.json``, ``posts_2.json`` …).

Where they sit: ``your_instagram_activity/content/posts_1.json`` (2024 layout) or ``content/posts_1.json``
(older). The file is a JSON list of posts in two shapes:

* a single photo/video: ``{"media": [{"uri", "creation_timestamp", "title": caption, …}]}``;
* a carousel: ``{"media": [… items with empty titles …], "title": caption, "creation_timestamp": …}``.

Meta writes every non-ASCII string as UTF-8 bytes escaped one by one as latin-1 code points ("mojibake":
``"\\u00f0\\u009f\\u0087\\u00a8"`` for 🇨🇴); :func:`repair_mojibake` undoes that only when the repair round-trips.

The export does not name the account inside the posts file: the channel is the ``Username`` of
``personal_information/personal_information.json`` when that file sits in the same export, else derived from
the folder the export was unpacked into (``instagram-<user>-<date>-<id>`` → ``<user>``; any other folder name
is used as it is). message_id is the first media item's URI (stable across re-exports).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson
import regex

from ..errors import InputError
from ..models import Channel, empty_record
from .base import ReadContext
from .json_guard import TooDeep
from .json_stream import FixingReader, open_fixed
from .walk import is_regular_file

__all__ = ["NAME", "account_from_path", "caption_entities", "read", "repair_mojibake", "sniff"]

NAME = "instagram"

_EXPORT_FOLDER = re.compile(r"^instagram[-_](?P<user>[A-Za-z0-9._]+?)[-_]\d{4}[-_]\d{2}[-_]\d{2}(?:[-_].*)?$")
_VIDEO_SUFFIXES = (".mp4", ".mov", ".webm")

# Instagram hashtags: letters (any script), marks, digits, underscore; ZWNJ may join Persian word parts.
_HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_&])#([\p{L}\p{M}\p{N}_]+(?:\u200c[\p{L}\p{M}\p{N}_]+)*)")
# Instagram usernames: 1–30 of letters, digits, "." and "_"; not part of an e-mail address.
_MENTION = regex.compile(r"(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_URL = regex.compile(r"https?://[^\s<>\"']+")


def repair_mojibake(s: str) -> str:
    """Undo Meta's latin-1-escaped UTF-8, only where that is what happened.

    The repair is ``s.encode("latin-1").decode("utf-8")``, applied only when the string has characters in
    U+0080–U+00FF (otherwise there is nothing to repair) and both steps succeed. Correct text stays as it is:
    anything beyond U+00FF (Persian, emoji) cannot be latin-1-encoded, and genuine latin-1 text such as
    "café" is not valid UTF-8 once encoded. Applied once per string, never again to its result.
    """
    if not any("\x80" <= ch <= "\xff" for ch in s):
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def caption_entities(text: str | None) -> tuple[list[str], list[str], list[str]]:
    """Links, @mentions and #hashtags of a caption as written (with their sigil, as Telegram entities are),
    each once, in order of first appearance."""
    if not text:
        return [], [], []
    links = list(dict.fromkeys(m.group(0).rstrip(".,;:!?)»”") for m in _URL.finditer(text)))
    mentions = list(dict.fromkeys("@" + m.group(1) for m in _MENTION.finditer(text)))
    hashtags = list(dict.fromkeys("#" + m.group(1) for m in _HASHTAG.finditer(text)))
    return links, mentions, hashtags


def _export_root(path: Path) -> Path | None:
    """The folder the export was unpacked into, when the file sits in the export's own layout."""
    parents = list(path.parents)
    for i, parent in enumerate(parents[:-1]):
        if parent.name == "your_instagram_activity":
            return parents[i + 1]
    if path.parent.name == "content" and len(parents) > 1:
        return parents[1]
    return None


def _username_in_export(root: Path) -> str | None:
    info = root / "personal_information" / "personal_information.json"
    try:
        if not is_regular_file(info) or info.stat().st_size > 5 * 1024 * 1024:
            return None
        data = json.loads(info.read_text(encoding="utf-8"))
        value = data["profile_user"][0]["string_map_data"]["Username"]["value"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return repair_mojibake(value) if isinstance(value, str) and value else None


def account_from_path(path: Path) -> tuple[str, str]:
    """(account name, how it was found) for a posts file."""
    root = _export_root(path)
    if root is not None:
        user = _username_in_export(root)
        if user:
            return user, "personal_information.json"
        folder = root.name
    else:
        folder = path.parent.name
    m = _EXPORT_FOLDER.match(folder)
    if m:
        return m.group("user"), f"export folder name {folder!r}"
    return folder or "instagram", f"folder name {folder!r}"


# ---------------------------------------------------------------------------------------------- detection
def _posts_prefix(head: bytes) -> str | None:
    """The ijson prefix of the post objects ("item", or "<key>.item" under a root object), judged from the
    first events of ``head``: a list of objects whose ``media`` is a list of objects with ``uri`` or
    ``creation_timestamp``."""
    seen: set[str] = set()
    try:
        for n, (prefix, event, _value) in enumerate(ijson.parse(FixingReader(io.BytesIO(head)))):
            if event == "map_key" or event == "start_array":
                seen.add(f"{prefix}:{event}:{_value if event == 'map_key' else ''}")
            if n > 5000:
                break
    except (ijson.JSONError, UnicodeDecodeError, TooDeep):
        pass  # the head ends mid-document (or nests absurdly deep): judge by what was seen
    for key in seen:
        prefix, event, value = key.split(":", 2)
        if event == "map_key" and value in ("uri", "creation_timestamp") and prefix.endswith(".media.item"):
            posts = prefix[: -len(".media.item")]
            if posts == "item" or (posts.endswith(".item") and posts.count(".") == 1):
                return posts
    return None


def sniff(path: Path, head: bytes) -> bool:
    start = head.lstrip()[:1]
    if start not in (b"[", b"{"):
        return False
    return _posts_prefix(head) is not None


# ---------------------------------------------------------------------------------------------- reading
def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None  # not a time a post can have: treated like a missing timestamp


def post_record(post: dict[str, Any], channel: str) -> dict[str, Any] | None:
    """The canonical record of one post object (either shape); None when it has no media and no timestamp."""
    raw_media = post.get("media")
    media = [m for m in raw_media if isinstance(m, dict)] if isinstance(raw_media, list) else []
    first = media[0] if media else {}
    caption = post.get("title") if post.get("title") else first.get("title")
    caption = repair_mojibake(caption) if isinstance(caption, str) and caption else None
    stamp = post.get("creation_timestamp", first.get("creation_timestamp"))
    posted_at = _timestamp(stamp)
    uri = first.get("uri") if isinstance(first.get("uri"), str) else None
    if uri:
        message_id = repair_mojibake(uri)
    elif posted_at is not None:
        message_id = f"ts:{int(posted_at.timestamp())}"
    else:
        return None
    if len(media) > 1:
        media_type = "album"
    elif uri:
        media_type = "video" if uri.lower().endswith(_VIDEO_SUFFIXES) else "photo"
    else:
        media_type = None
    return instagram_post(channel, message_id, posted_at, caption, media_type=media_type)


def instagram_post(channel: str, message_id: str, posted_at: datetime | None, caption: str | None,
                   **fields: Any) -> dict[str, Any]:
    """A canonical Instagram post record (shared by the data-download and instaloader readers): the account is
    the channel, and links, mentions and hashtags come from the caption."""
    links, mentions, hashtags = caption_entities(caption)
    rec = empty_record()
    rec.update(platform="instagram", channel_id=channel.lower(), channel=channel, message_id=message_id,
               kind="post", posted_at=posted_at, text=caption, links=links, mentions=mentions, hashtags=hashtags,
               **fields)
    return rec


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    with path.open("rb") as fh:
        prefix = _posts_prefix(fh.read(64 * 1024))
    if prefix is None:
        raise InputError("not an Instagram posts file: expected a list of posts with a \"media\" list", path=path)
    channel, how = account_from_path(path)
    ctx.note(f"account {channel!r} taken from the {how}")
    ctx.add_channel(Channel("instagram", channel.lower(), channel, "account"))
    skipped = 0
    n = 0
    # through the fixing reader: lone surrogates repaired, absurd nesting refused before the parser builds it
    with open_fixed(path, ctx.progress, on_repair=ctx.count_surrogates) as reader:
        try:
            for post in ijson.items(reader, prefix, use_float=True):
                n += 1
                rec = post_record(post, channel) if isinstance(post, dict) else None
                if rec is None:
                    skipped += 1
                    continue
                yield rec
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise InputError(
                f"malformed JSON after post {n} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}): "
                "the file is truncated or was edited; re-download it from Instagram",
                path=path, position=f"near byte {reader.raw_pos:,}",
            ) from None
        reader.finish()
    if skipped:
        ctx.note(f"{skipped} entries without media or timestamp skipped")
