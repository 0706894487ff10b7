"""Rules shared by the Telegram readers (Desktop JSON, Desktop HTML, and any other Telegram dump).

What this module offers (a stable API: other readers import it):

- ``PLATFORM`` — ``"telegram"``, the platform value of every Telegram record.
- ``SERVICE_TYPES`` / :func:`kind_of` — Desktop's message ``type`` to the canonical ``kind``
  (``service`` and ``unsupported`` → ``"service"``, anything else → ``"post"``).
- :func:`plain_text` — Desktop's ``text`` (a string, or an array of strings and ``{"type", "text", …}`` parts) as the
  plain text: the parts' texts concatenated exactly (``&amp;`` stays as the source has it).
- :class:`EntityFields` / :func:`entity_fields` — links, mentions and hashtags from typed parts or entities:
  ``text_link`` hrefs and ``link`` texts (in order, de-duplicated), ``mention`` and ``mention_name`` texts, ``hashtag`` texts.
- :data:`LINK_RE`, :data:`MENTION_RE`, :data:`HASHTAG_RE` / :func:`extract_links`, :func:`extract_mentions`,
  :func:`extract_hashtags`, :func:`text_fields` — the same three lists read from plain text when a source carries no
  entities (old exports, HTML without markup, tables).
- :func:`dedupe` — keep the first occurrence of each item, in order.
- :data:`MEDIA_KEYS` / :func:`media_type_of` — the media type of a Desktop JSON message (``media_type`` if present, else
  ``photo``, ``document``, ``poll``, ``location``, ``contact``, …); other readers should use the same names.
- :func:`split_peer_id` / :func:`sender_is_chat` / :func:`author_identity` — who wrote a message, as a RAW identity
  (the store pseudonymises it): an individual sender's display name, else their id; for the chat's own posts (a channel
  posting as itself) the post signature, else None. A reader that has no sender ids (HTML) passes ``sender_id=chat_id``
  for posts it knows are the chat's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

__all__ = [
    "HASHTAG_RE",
    "LINK_RE",
    "MEDIA_KEYS",
    "MENTION_RE",
    "PLATFORM",
    "SERVICE_TYPES",
    "EntityFields",
    "author_identity",
    "dedupe",
    "entity_fields",
    "extract_hashtags",
    "extract_links",
    "extract_mentions",
    "forward_kind",
    "kind_of",
    "media_type_of",
    "person_mentions",
    "plain_text",
    "sender_is_chat",
    "split_peer_id",
    "text_fields",
]

PLATFORM = "telegram"

#: Desktop message types that are events rather than content.
SERVICE_TYPES = frozenset({"service", "unsupported"})


def kind_of(message_type: Any) -> str:
    """Canonical ``kind`` for a Desktop message ``type`` (anything but a known service type is a post)."""
    return "service" if isinstance(message_type, str) and message_type in SERVICE_TYPES else "post"


def dedupe(items: Iterable[str]) -> list[str]:
    """The items without repeats, first occurrence kept, order kept."""
    return list(dict.fromkeys(items))


# ----------------------------------------------------------------------------------------------- text and entities
def plain_text(text: Any) -> str:
    """Plain text of a Desktop ``text`` value: a string as is, an array as its parts' texts concatenated."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        out: list[str] = []
        for part in text:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Mapping):
                value = part.get("text")
                if isinstance(value, str):
                    out.append(value)
        return "".join(out)
    return str(text)


class EntityFields(NamedTuple):
    links: list[str]
    mentions: list[str]
    hashtags: list[str]


def entity_fields(entities: Iterable[Any]) -> EntityFields:
    """Links, mentions and hashtags from typed parts (``{"type", "text", "href"?}``); plain strings are skipped."""
    links: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    for ent in entities:
        if not isinstance(ent, Mapping):
            continue
        kind = ent.get("type")
        text = ent.get("text")
        if kind == "text_link":
            href = ent.get("href")
            if isinstance(href, str) and href:
                links.append(href)
        elif kind == "link":
            if isinstance(text, str) and text:
                links.append(text)
        elif kind in ("mention", "mention_name"):
            if isinstance(text, str) and text:
                mentions.append(text)
        elif kind == "hashtag" and isinstance(text, str) and text:
            hashtags.append(text)
    return EntityFields(dedupe(links), dedupe(mentions), dedupe(hashtags))


def person_mentions(entities: Iterable[Any]) -> list[str]:
    """The ``mention_name`` texts: people mentioned by display name (users without a username). Usernames
    (``@name``, type ``mention``) may be channels and are public handles; display names are pseudonymised."""
    return dedupe(ent["text"] for ent in entities if isinstance(ent, Mapping) and ent.get("type") == "mention_name"
                  and isinstance(ent.get("text"), str) and ent["text"])


def forward_kind(origin_id: Any) -> str | None:
    """"user" or "channel" from a forward origin's peer id as Desktop writes it (``user123``, ``channel456``,
    ``chat7``); None when there is none (Desktop's JSON long carried only the origin's name)."""
    prefix, number = split_peer_id(origin_id)
    if number is None or prefix is None:
        return None
    return "user" if prefix == "user" else "channel" if prefix in ("channel", "chat") else None


# Plain-text extraction, for sources without entities. Deliberately simple: it finds what Telegram's own client
# would have turned into entities in ordinary posts, not every conceivable URL.
#: http(s) URLs, www. hosts and bare t.me links; trailing punctuation is trimmed by :func:`extract_links`.
LINK_RE = re.compile(r"(?:https?://|www\.|(?<![\w.])(?:t|telegram)\.me/)[^\s<>\"'«»\u200c\u200f\u200e]+", re.IGNORECASE)
#: @usernames as Telegram allows them (5–32 ASCII letters, digits, underscores, starting with a letter).
MENTION_RE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")
#: #hashtags in any script (letters, digits, underscore, and the zero-width non-joiner used in Persian words).
HASHTAG_RE = re.compile(r"(?<![\w#&/])#[\w\u200c]*[^\W\d_][\w\u200c]*")

_TRAILING = ".,;:!?'\"»…،؛؟)]}>"


def extract_links(text: str) -> list[str]:
    """URLs in plain text, in order, de-duplicated; a closing bracket is kept only when the URL opened one."""
    out: list[str] = []
    for m in LINK_RE.finditer(text):
        url = m.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if url:
            out.append(url)
    return dedupe(out)


def extract_mentions(text: str) -> list[str]:
    return dedupe(m.group(0) for m in MENTION_RE.finditer(text))


def extract_hashtags(text: str) -> list[str]:
    return dedupe(m.group(0).rstrip("\u200c") for m in HASHTAG_RE.finditer(text))


def text_fields(text: str) -> EntityFields:
    """Links, mentions and hashtags read from plain text with the regexes above."""
    return EntityFields(extract_links(text), extract_mentions(text), extract_hashtags(text))


# ----------------------------------------------------------------------------------------------- media
#: Desktop JSON keys that mark a kind of media, checked in this order when ``media_type`` is absent.
MEDIA_KEYS: tuple[tuple[str, str], ...] = (
    ("photo", "photo"),
    ("file", "document"),
    ("poll", "poll"),
    ("place_name", "venue"),
    ("location_information", "location"),
    ("contact_information", "contact"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
    ("giveaway_information", "giveaway"),
    ("giveaway_results", "giveaway_results"),
)


def media_type_of(message: Mapping[str, Any]) -> str | None:
    """``media_type`` (sticker, video_file, voice_message, …) when given, else the type the message's keys show."""
    given = message.get("media_type")
    if isinstance(given, str) and given:
        return given
    for key, name in MEDIA_KEYS:
        if key in message:
            return name
    return None


# ----------------------------------------------------------------------------------------------- senders
_PEER_ID = re.compile(r"([a-z_]+?)(-?\d+)")


def split_peer_id(peer: Any) -> tuple[str | None, str | None]:
    """``"user123"`` → ("user", "123"); ``"channel5"`` → ("channel", "5"); a bare int (old exports) → (None, "123")."""
    if peer is None or isinstance(peer, bool):
        return None, None
    if isinstance(peer, int):
        return None, str(peer)
    return _split_text_peer(str(peer))


@functools.lru_cache(maxsize=65_536)  # a chat has few senders; this runs once per message of multi-GB exports
def _split_text_peer(peer: str) -> tuple[str | None, str | None]:
    text = peer.strip()
    m = _PEER_ID.fullmatch(text)
    if m:
        return m.group(1), m.group(2)
    return None, text or None


def sender_is_chat(sender_id: Any, chat_id: str | None) -> bool:
    """True when the sender is the chat itself (a channel post, or an anonymous admin posting as the group)."""
    if chat_id is None:
        return False
    prefix, number = split_peer_id(sender_id)
    return number is not None and prefix in (None, "channel", "chat") and number == str(chat_id)


def author_identity(name: str | None, sender_id: Any, chat_id: str | None, signature: str | None = None) -> str | None:
    """The raw author identity of a message (pseudonymised later by the store).

    The chat's own posts → the signature, else None (a channel has no individual author). Anyone else → their
    display name, else their id as written (``"user123"``, or the bare number of old exports), else the signature.
    """
    signature = signature or None
    if sender_is_chat(sender_id, chat_id):
        return signature
    if name:
        return name
    if sender_id is not None and not isinstance(sender_id, bool):
        return str(sender_id)
    return signature
