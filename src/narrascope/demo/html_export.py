"""Render a Telegram Desktop JSON chat as a Telegram Desktop HTML export folder.

The demo generator uses it to produce HTML exports whose ground truth is known, and the equivalence test uses it to
check that ``telegram_html`` and ``telegram_json`` read the same chat into the same records. The markup follows
Telegram Desktop's HTML writer (``export_output_html.cpp``): its class names, its escaping (``& < > " '`` as
entities, newlines as ``<br>``), its block indentation (a newline and one space per open tag around every block),
date separators as service messages with negative ids, "joined" messages for a sender's run within 15 minutes,
forwarded and reply blocks, media blocks with the "Not included…" description when the file was not exported,
and reactions. It writes a single-chat export: ``messages.html``, ``messages2.html``, … with ``per_file``
messages each.

The HTML shows one thing Desktop's JSON lacks, the original time of a forwarded post: a generator can supply it as
the optional, non-Desktop key ``forwarded_date_unixtime`` (else the forward's own time is shown). Edits are not
shown: Desktop's HTML has no edit marker.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["write_html_export"]

_JOIN_WITHIN_SECONDS = 900  # Desktop's kJoinWithinSeconds
_NOT_INCLUDED = "Not included, change data exporting settings to download."
_TOO_BIG = "Exceeds maximum size, change data exporting settings to download."
_UNAVAILABLE = "Unavailable, please try again later."
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_CHANNEL_TYPES = {"public_channel", "private_channel"}


def escape(text: str) -> str:
    """Desktop's string escaping: entities for & < > " ', ``<br>`` for line breaks, numeric refs for controls."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\u2028\u2029":
            out.append("<br>")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "'":
            out.append("&apos;")
        elif ch in "&<>":
            out.append(html.escape(ch))
        elif ord(ch) < 32:
            out.append(f"&#x{ord(ch):02X};")
        else:
            out.append(ch)
    return "".join(out)


class _Page:
    """One HTML file under construction, with Desktop's tag stack: block tags sit on their own indented lines."""

    def __init__(self) -> None:
        self.parts: list[str] = ["<!DOCTYPE html>"]
        self._stack: list[tuple[str, bool]] = []

    def push(self, tag: str, attrs: dict[str, str] | None = None, *, inline: bool = False, empty: bool = False) -> None:
        inner = "".join(f' {k}="{escape(v)}"' for k, v in sorted((attrs or {}).items()))
        indent = " " * len(self._stack)
        opening = f"<{tag}{inner}{'/' if empty else ''}>"
        self.parts.append(opening if inline else f"\n{indent}{opening}\n")
        if not empty:
            self._stack.append((tag, not inline))

    def div(self, cls: str, style: str | None = None) -> None:
        self.push("div", {"class": cls, **({"style": style} if style else {})})

    def pop(self) -> None:
        tag, block = self._stack.pop()
        indent = " " * len(self._stack)
        self.parts.append(f"\n{indent}</{tag}>\n" if block else f"</{tag}>")

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def leaf(self, cls: str, content: str) -> None:
        """A div holding already-escaped content."""
        self.div(cls)
        self.raw(content)
        self.pop()

    def close(self) -> str:
        while self._stack:
            self.pop()
        return "".join(self.parts)


def _offset(utc_offset: str | None) -> timezone | None:
    if utc_offset is None:
        return None
    sign = -1 if utc_offset.startswith("-") else 1
    hours, _, minutes = utc_offset.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


class _Clock:
    """Each message's instant and the local wall time Desktop would print for it."""

    def __init__(self, utc_offset: str | None) -> None:
        self.zone = _offset(utc_offset)
        self.suffix = ""
        if utc_offset is not None:
            sign = "-" if utc_offset.startswith("-") else "+"
            hours, _, minutes = utc_offset.lstrip("+-").partition(":")
            self.suffix = f" UTC{sign}{int(hours):02d}:{int(minutes or 0):02d}"

    def local(self, msg: dict[str, Any], unix_key: str = "date_unixtime", naive_key: str = "date") -> datetime:
        """Wall time as Desktop shows it: the instant at ``utc_offset``, or (no offset) the JSON's own local time."""
        naive = datetime.fromisoformat(msg[naive_key]) if msg.get(naive_key) else None
        if self.zone is None and naive is not None:
            return naive
        if msg.get(unix_key) is not None:
            instant = datetime.fromtimestamp(int(msg[unix_key]), UTC)
            zone = self.zone or self._machine_zone(msg)
            return instant.astimezone(zone).replace(tzinfo=None)
        if naive is None:
            raise ValueError(f"message {msg.get('id')} has neither {unix_key} nor {naive_key}")
        return naive

    @staticmethod
    def _machine_zone(msg: dict[str, Any]) -> timezone:
        """The exporting machine's offset, as the gap between a message's local ``date`` and its Unix time."""
        if msg.get("date") and msg.get("date_unixtime") is not None:
            utc = datetime.fromtimestamp(int(msg["date_unixtime"]), UTC).replace(tzinfo=None)
            return timezone(datetime.fromisoformat(msg["date"]) - utc)
        return UTC

    def unix(self, msg: dict[str, Any]) -> int:
        if msg.get("date_unixtime") is not None:
            return int(msg["date_unixtime"])
        return int(self.local(msg).replace(tzinfo=self.zone or UTC).timestamp())

    def title(self, when: datetime) -> str:
        return when.strftime("%d.%m.%Y %H:%M:%S") + self.suffix


def _parts(text: str | list[Any] | None) -> list[dict[str, Any]]:
    if not text:
        return []
    if isinstance(text, str):
        return [{"type": "plain", "text": text}]
    return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]


def format_text(parts: Iterable[dict[str, Any]], links_domain: str = "https://t.me/") -> str:
    """A message's text parts as Desktop renders them inside ``div.text``."""
    out: list[str] = []
    for part in parts:
        kind, text = part.get("type", "plain"), escape(part.get("text", ""))
        arg = escape('"' + part.get("text", "")[1:] + '"')
        rendered = {
            "mention": f'<a href="{links_domain}{text[1:]}">{text}</a>',
            "hashtag": f'<a href="" onclick="return ShowHashtag({arg})">{text}</a>',
            "bot_command": f'<a href="" onclick="return ShowBotCommand({arg})">{text}</a>',
            "cashtag": f'<a href="" onclick="return ShowCashtag({arg})">{text}</a>',
            "link": f'<a href="{text}">{text}</a>',
            "email": f'<a href="mailto:{text}">{text}</a>',
            "phone": f'<a href="tel:{text}">{text}</a>',
            "text_link": f'<a href="{escape(part.get("href", ""))}">{text}</a>',
            "mention_name": f'<a href="" onclick="return ShowMentionName()">{text}</a>',
            "bold": f"<strong>{text}</strong>",
            "italic": f"<em>{text}</em>",
            "code": f"<code>{text}</code>",
            "pre": f"<pre>{text}</pre>",
            "underline": f"<u>{text}</u>",
            "strikethrough": f"<s>{text}</s>",
            "blockquote": f"<blockquote>{text}</blockquote>",
            "spoiler": f'<span class="spoiler hidden" onclick="ShowSpoiler(this)"><span aria-hidden="true">{text}</span></span>',
            "custom_emoji": f'<a href="" onclick="return ShowNotLoadedEmoji();">{text}</a>',
        }.get(kind, text)
        out.append(rendered)
    return "".join(out)


def _display_name(name: str, peer: object) -> str:
    """Desktop's ComposeName: first name, a space, last name — so a channel or a one-word name ends in a space.
    JSON keeps only the joined name; its first word is taken as the first name."""
    if str(peer or "").startswith(("channel", "chat")):
        return name + " "
    first, _, last = name.partition(" ")
    return f"{first} {' '.join(w for w in last.split(' ') if w)}"


def _initials(name: str) -> str:
    """The userpic letters: the first letters of the first and last name (a channel's name counts as first)."""
    first, _, last = name.partition(" ")
    return "".join(escape(w.strip()[:1]) for w in (first, last) if w.strip())


def _color(peer: object) -> int:
    digits = "".join(ch for ch in str(peer) if ch.isdigit())
    return int(digits or 0) % 7 + 1


def _userpic(page: _Page, cls: str, name: str, peer: object) -> None:
    page.div(cls)
    page.div(f"userpic userpic{_color(peer)}", "width: 42px; height: 42px")
    page.div("initials", "line-height: 42px")
    page.raw(_initials(_display_name(name, peer)))
    page.pop()
    page.pop()
    page.pop()


def _skip_reason(path: str | None) -> str:
    """Desktop's description for a file that was not written, from the JSON's placeholder text."""
    if not path:
        return _NOT_INCLUDED
    low = path.lower()
    if low.startswith("(file exceeds") or "maximum size" in low:
        return _TOO_BIG
    if low.startswith("(file unavailable"):
        return _UNAVAILABLE
    if low.startswith("(file not included") or low.startswith("("):
        return _NOT_INCLUDED
    return ""


def _duration(seconds: int | None) -> str:
    s = int(seconds or 0)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _size(size: int | None) -> str:
    n = float(size or 0)
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{int(n)} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def _generic_media(page: _Page, classes: str, title: str, description: str, status: str, link: str = "") -> None:
    page.div("media_wrap clearfix")
    if link:
        page.push("a", {"class": f"media clearfix pull_left block_link {classes}", "href": link})
    else:
        page.div(f"media clearfix pull_left {classes}")
    page.div("fill pull_left")
    page.pop()
    page.div("body")
    for cls, value in (("title bold", title), ("description", description), ("status details", status)):
        if value:
            page.leaf(cls, escape(value))
    page.pop()
    page.pop()
    page.pop()


def _media(page: _Page, msg: dict[str, Any]) -> None:
    if "photo" in msg:
        path = msg["photo"]
        reason = _skip_reason(path)
        if not reason:  # the file was exported: Desktop shows a thumbnail linking to it
            page.div("media_wrap clearfix")
            page.push("a", {"class": "photo_wrap clearfix pull_left", "href": path})
            page.push("img", {"class": "photo", "src": path, "style": "width: 260px; height: 260px"}, empty=True)
            page.pop()
            page.pop()
            return
        status = f"{msg.get('width', 0)}\u00d7{msg.get('height', 0)}, {_size(msg.get('photo_file_size'))}"
        _generic_media(page, "media_photo", "Photo", reason, status)
        return
    if "file" in msg:
        kind, path = msg.get("media_type"), msg.get("file")
        reason = _skip_reason(path)
        link = "" if reason else str(path)
        size = "" if link else ", " + _size(msg.get("file_size"))
        if kind == "sticker":
            emoji = msg.get("sticker_emoji", "")
            _generic_media(page, "media_photo", "Sticker", reason, emoji + (", " if emoji and size else "") +
                           size.lstrip(", "), link)
        elif kind == "animation":
            _generic_media(page, "media_video", "Animation", reason, _size(msg.get("file_size")), link)
        elif kind in ("video_file", "video_message"):
            title = "Video file" if kind == "video_file" else "Video message"
            _generic_media(page, "media_video", title, reason, _duration(msg.get("duration_seconds")) + size, link)
        elif kind == "voice_message":
            _generic_media(page, "media_voice_message", "Voice message", reason,
                           _duration(msg.get("duration_seconds")) + size, link)
        elif kind == "audio_file":
            performer, song = msg.get("performer"), msg.get("title")
            title = f"{performer} \u2013 {song}" if performer and song else "Audio file"
            _generic_media(page, "media_audio_file", title, reason, _duration(msg.get("duration_seconds")) + size, link)
        else:
            _generic_media(page, "media_file", msg.get("file_name") or "File", reason, _size(msg.get("file_size")), link)
        return
    if "poll" in msg:
        poll = msg["poll"]
        page.div("media_wrap clearfix")
        page.div("media_poll")
        page.leaf("question bold", escape(poll.get("question", "")))
        page.leaf("details", "Final results" if poll.get("closed") else "Anonymous poll")
        for answer in poll.get("answers", []):
            page.leaf("answer", "- " + escape(answer.get("text", "")))
        page.leaf("total details\t", f"{poll.get('total_voters', 0)} votes")
        page.pop()
        page.pop()
        return
    if "contact_information" in msg:
        info = msg["contact_information"]
        name = f"{info.get('first_name', '')} {info.get('last_name', '')}"
        _generic_media(page, "media_contact", name, "", info.get("phone_number", ""))
    elif "location_information" in msg and "place_name" not in msg:
        loc = msg["location_information"]
        title = "Live location" if msg.get("live_location_period_seconds") else "Location"
        cls = "media_live_location" if msg.get("live_location_period_seconds") else "media_location"
        _generic_media(page, cls, title, "", f"{loc.get('latitude')}, {loc.get('longitude')}")
    elif "place_name" in msg:
        _generic_media(page, "media_venue", msg["place_name"], msg.get("address", ""), "")
    elif "game_title" in msg:
        _generic_media(page, "media_game", msg["game_title"], msg.get("game_description", ""), "")
    elif "invoice_information" in msg:
        inv = msg["invoice_information"]
        _generic_media(page, "media_invoice", inv.get("title", ""), inv.get("description", ""), "")


def _reactions(page: _Page, reactions: list[dict[str, Any]]) -> None:
    page.push("span", {"class": "reactions"})
    for reaction in reactions:
        recent = reaction.get("recent") or []
        page.push("span", {"class": "reaction paid" if reaction.get("type") == "paid" else "reaction"})
        page.push("span", {"class": "emoji"})
        page.raw(escape(reaction.get("emoji") or ("\u2b50" if reaction.get("type") == "paid" else "\U0001f44b")))
        page.pop()
        if recent:
            page.push("span", {"class": "userpics"})
            for who in recent:
                name = who.get("from") or ""
                page.div(f"userpic userpic{_color(who.get('from_id'))}", "width: 20px; height: 20px")
                page.div("initials", "line-height: 20px")
                page.raw(_initials(name))
                page.pop()
                page.pop()
            page.pop()
        count = int(reaction.get("count", 0))
        if not recent or count > len(recent):
            page.push("span", {"class": "count"})
            page.raw(str(count))
            page.pop()
        page.pop()
    page.pop()


def _service_text(msg: dict[str, Any], is_channel: bool, link: str) -> str:
    actor = escape(msg.get("actor") or "Deleted")
    title = escape(msg.get("title") or "")
    members = [escape(m or "Deleted Account") for m in msg.get("members") or []]
    names = members[0] if len(members) == 1 else ", ".join(members[:-1]) + " and " + members[-1] if members else ""
    action = msg.get("action")
    texts = {
        "create_group": f"{actor} created group &laquo;{title}&raquo;" + (f" with members {names}" if names else ""),
        "edit_group_title": (f"Channel title changed to &laquo;{title}&raquo;" if is_channel
                             else f"{actor} changed group title to &laquo;{title}&raquo;"),
        "edit_group_photo": "Channel photo changed" if is_channel else f"{actor} changed group photo",
        "delete_group_photo": "Channel photo removed" if is_channel else f"{actor} removed group photo",
        "invite_members": f"{actor} invited {names}",
        "remove_members": f"{actor} removed {names}",
        "join_group_by_link": f"{actor} joined group by link from {escape(msg.get('inviter') or 'Deleted Account')}",
        "join_group_by_request": f"{actor} joined group by request",
        "create_channel": f"Channel &laquo;{title}&raquo; created",
        "migrate_to_supergroup": f"{actor} converted this group to a supergroup",
        "migrate_from_group": f"{actor} converted a basic group to this supergroup &laquo;{title}&raquo;",
        "pin_message": f"{actor} pinned {link}",
        "clear_history": "History cleared",
        "joined_telegram": f"{actor} joined Telegram",
        "take_screenshot": f"{actor} took a screenshot",
    }
    if action in texts:
        return texts[action]
    if "information_text" in msg:
        return escape(msg["information_text"])
    return f"{actor}: {escape(str(action or 'service message'))}"


def _file_name(index: int) -> str:
    return "messages.html" if index == 0 else f"messages{index + 1}.html"


class _Writer:
    def __init__(self, chat: dict[str, Any], per_file: int, clock: _Clock) -> None:
        self.chat, self.per_file, self.clock = chat, per_file, clock
        self.is_channel = chat.get("type") in _CHANNEL_TYPES
        self.last_ids: list[int] = []  # last message id of each finished file (Desktop's _lastMessageIdsPerFile)
        self.date_id = 0

    def message_link(self, target: int, text: str) -> str:
        for index, last in enumerate(self.last_ids):
            if target <= last:
                return f'<a href="{_file_name(index)}#go_to_message{target}">{text}</a>'
        return f'<a href="#go_to_message{target}" onclick="return GoToMessage({target})">{text}</a>'

    def open_page(self, index: int) -> _Page:
        page = _Page()
        page.push("html")
        page.push("head")
        page.push("meta", {"charset": "utf-8"}, empty=True)
        page.push("title", inline=True)
        page.raw("Exported Data")
        page.pop()
        page.push("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1.0"}, empty=True)
        page.push("link", {"href": "css/style.css", "rel": "stylesheet"}, empty=True)
        page.push("script", {"src": "js/script.js", "type": "text/javascript"})
        page.pop()
        page.pop()
        page.push("body", {"onload": "CheckLocation();"})
        page.div("page_wrap")
        page.div("page_header")
        page.div("content")
        page.leaf("text bold", escape((self.chat.get("name") or "Deleted Account") + " "))
        page.pop()
        page.pop()
        page.div("page_body chat_page")
        page.div("history")
        if index > 0:
            page.push("a", {"class": "pagination block_link", "href": _file_name(index - 1)})
            page.raw("Previous messages")
            page.pop()
        return page

    def service(self, page: _Page, msg_id: int, text: str) -> None:
        page.push("div", {"class": "message service", "id": f"message{msg_id}"})
        page.leaf("body details", text)
        page.pop()

    def joins(self, msg: dict[str, Any], prev: dict[str, Any] | None) -> bool:
        """Desktop's messageNeedsWrap, negated: same sender, day and forward origin, close in time."""
        if prev is None or prev.get("type") != "message" or not msg.get("from_id"):
            return False
        if prev.get("from_id") != msg.get("from_id") or prev.get("via_bot") != msg.get("via_bot"):
            return False
        if self.clock.local(prev).date() != self.clock.local(msg).date():
            return False
        if ("forwarded_from" in prev) != ("forwarded_from" in msg) or prev.get("forwarded_from") != msg.get(
                "forwarded_from"):
            return False
        window = 1 if msg.get("forwarded_from") else _JOIN_WITHIN_SECONDS
        return abs(self.clock.unix(msg) - self.clock.unix(prev)) <= window

    def message(self, page: _Page, msg: dict[str, Any], prev: dict[str, Any] | None) -> None:
        if msg.get("type") == "service":
            link = self.message_link(int(msg.get("message_id", 0)), "this message")
            self.service(page, msg["id"], _service_text(msg, self.is_channel, link))
            return
        if msg.get("type") != "message":  # "unsupported"
            self.service(page, msg["id"], "This message is not supported by this version of Telegram Desktop. "
                                          "Please update the application.")
            return
        joined = self.joins(msg, prev)
        sender = msg.get("from") or "Deleted Account"
        page.push("div", {"class": "message default clearfix" + (" joined" if joined else ""),
                          "id": f"message{msg['id']}"})
        if not joined:
            _userpic(page, "pull_left userpic_wrap", sender, msg.get("from_id"))
        page.div("body")
        when = self.clock.local(msg)
        page.push("div", {"class": "pull_right date details", "title": self.clock.title(when)})
        page.raw(when.strftime("%H:%M"))
        page.pop()
        via = msg.get("via_bot", "").lstrip("@")
        forwarded = "forwarded_from" in msg
        if not joined:
            page.leaf("from_name", escape(_display_name(sender, msg.get("from_id"))) +
                      (f" via @{escape(via)}" if via and not forwarded else ""))
        if forwarded:
            origin = msg.get("forwarded_from") or "Deleted Account"
            _userpic(page, "pull_left forwarded userpic_wrap", origin, origin)
            page.div("forwarded body")
            page.div("from_name")
            page.raw(escape(_display_name(origin, None)) + (f" via @{escape(via)}" if via else ""))
            has_date = msg.get("forwarded_date_unixtime") is not None or msg.get("forwarded_date")
            fwd_when = self.clock.local(msg, "forwarded_date_unixtime", "forwarded_date") if has_date else when
            page.push("span", {"class": "date details", "title": self.clock.title(fwd_when)}, inline=True)
            page.raw(" " + fwd_when.strftime("%d.%m.%Y %H:%M:%S"))
            page.pop()
            page.pop()
        if msg.get("reply_to_message_id"):
            page.div("reply_to details")
            if msg.get("reply_to_peer_id"):
                page.raw("In reply to a message in another chat")
            else:
                page.raw("In reply to " + self.message_link(int(msg["reply_to_message_id"]), "this message"))
            page.pop()
        _media(page, msg)
        text = format_text(_parts(msg.get("text")))
        if text:
            page.leaf("text", text)
        if msg.get("author"):
            page.leaf("signature details", escape(msg["author"]))
        if forwarded:
            page.pop()
        if msg.get("reactions"):
            _reactions(page, msg["reactions"])
        page.pop()
        page.pop()

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        messages = self.chat.get("messages") or []
        written: list[Path] = []
        chunks = [messages[i:i + self.per_file] for i in range(0, len(messages), self.per_file)] or [[]]
        for index, chunk in enumerate(chunks):
            page = self.open_page(index)
            prev: dict[str, Any] | None = None
            for msg in chunk:
                dated = bool(msg.get("date") or msg.get("date_unixtime"))
                if dated and (prev is None or self.clock.local(prev).date() != self.clock.local(msg).date()):
                    self.date_id -= 1
                    day = self.clock.local(msg)
                    self.service(page, self.date_id, f"{day.day} {_MONTHS[day.month - 1]} {day.year}")
                self.message(page, msg, prev)
                prev = msg if (msg.get("date") or msg.get("date_unixtime")) else prev
            if not messages:
                self.date_id -= 1
                self.service(page, self.date_id, "No exported messages")
            if index + 1 < len(chunks):
                page.push("a", {"class": "pagination block_link", "href": _file_name(index + 1)})
                page.raw("Next messages")
                page.pop()
                self.last_ids.append(int(chunk[-1]["id"]))
            path = folder / _file_name(index)
            path.write_text(page.close(), encoding="utf-8")
            written.append(path)
        return written


def write_html_export(chat: dict[str, Any], folder: Path, *, per_file: int = 1000,
                      utc_offset: str | None = "+00:00") -> list[Path]:
    """Write ``chat`` (a Telegram Desktop JSON single-chat export, as a dict) into ``folder`` as Desktop's HTML export.

    ``utc_offset`` ("+03:30") is the exporting machine's offset: times are shown at it and titles end in
    " UTC+03:30", as newer Desktop versions write them. ``None`` writes each message's JSON ``date`` (local time
    already) without an offset, as older versions did. Returns the files written, in order.
    """
    if per_file < 1:
        raise ValueError("per_file must be at least 1")
    return _Writer(chat, per_file, _Clock(utc_offset)).write(Path(folder))
