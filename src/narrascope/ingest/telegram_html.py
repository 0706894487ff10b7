"""Reader for Telegram Desktop's HTML export: a folder of ``messages.html``, ``messages2.html``, … read as one unit.

The markup is Desktop's (``export_output_html.cpp``): each ``div.message.default`` (``id="messageN"``) holds a
``div.body`` with ``div.pull_right.date.details`` (``title="DD.MM.YYYY HH:MM:SS"``, newer versions add
`` UTC+03:30``), ``div.from_name`` (absent on ``joined`` messages, which continue the previous sender), a
``div.forwarded.body`` wrapping the forwarded content, ``div.reply_to.details`` linking ``#go_to_messageN``,
``div.media_wrap``, ``div.text``, ``div.signature.details`` and ``span.reactions``. ``div.message.service`` with a
positive id is an event (join, pin, title change); negative ids are date separators and are skipped.

Records match what :mod:`.telegram_json` gives for the same chat, field for field where both formats carry the
field (the rules live in :mod:`.telegram_common`). The HTML does not carry the chat's id: records get
``channel_id = "name:<chat title>"``, which the store maps to the real id when it already knows a Telegram channel
of that name. Differences from JSON, by construction of the format: no ``edited_at`` (HTML shows no edits),
``fwd_posted_at`` is filled (JSON has no forward date), service rows have no ``posted_at`` or ``author`` and their
``text`` is Desktop's description of the event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import InputError
from ..models import PERSON_MENTIONS, Channel, empty_record
from .base import ReadContext, parse_tz
from .telegram_common import PLATFORM, author_identity, entity_fields, person_mentions, plain_text
from .walk import is_regular_file

__all__ = ["CLAIMS_FOLDERS", "DATA_SUFFIXES", "NAME", "export_files", "read", "sniff"]

NAME = "telegram_html"
CLAIMS_FOLDERS = True
#: the files of an export folder that carry its content (hashed for the ingest log; media files are not)
DATA_SUFFIXES = frozenset({".html"})

_FILE_RE = re.compile(r"messages(\d*)\.html", re.IGNORECASE)
_HEAD_MARKERS = (b'class="page_wrap"', b'class="history"', b'class="message ')
_DATE_RE = re.compile(
    r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*(?:UTC|GMT)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?)?\s*")
_GO_TO_RE = re.compile(r"go_to_message(\d+)")
_VIA_RE = re.compile(r"\s+via\s+@\w+\s*$")
_DELETED = {"Deleted Account", "Deleted", "Deleted Channel", "Deleted Group"}
_NOT_LINK_SCHEMES = ("mailto:", "tel:")

# Desktop's media blocks → the media type names telegram_common gives for the JSON keys of the same media.
_WRAP_TYPES = {"photo_wrap": "photo", "sticker_wrap": "sticker", "animated_wrap": "animation",
               "video_file_wrap": "video_file"}
_GENERIC_TYPES = {"media_voice_message": "voice_message", "media_audio_file": "audio_file", "media_file": "document",
                  "media_contact": "contact", "media_location": "location", "media_live_location": "location",
                  "media_venue": "venue", "media_game": "game", "media_invoice": "invoice",
                  "media_call": "phone_call"}
_BY_TITLE = {"Sticker": "sticker", "Animation": "animation", "Video message": "video_message",
             "Video file": "video_file", "Self-destructing video": "video_file"}


# ----------------------------------------------------------------------------------------------- sniffing
def _page_number(path: Path) -> int | None:
    m = _FILE_RE.fullmatch(path.name)
    return (int(m.group(1)) if m.group(1) else 1) if m else None


def sniff(path: Path, head: bytes) -> bool:
    """A folder holding ``messages.html``, or one ``messages*.html`` page whose head has Desktop's page structure."""
    if path.is_dir():
        return is_regular_file(path / "messages.html")
    return _page_number(path) is not None and sum(marker in head for marker in _HEAD_MARKERS) >= 2


def export_files(path: Path) -> list[Path]:
    """The export's pages in Desktop's order: messages.html, messages2.html, … (numeric, not alphabetical)."""
    if not path.is_dir():
        return [path]
    # regular files only: a page that is a symbolic link (out of the export) or a named pipe is not read
    pages = [(n, p) for p in path.iterdir() if (n := _page_number(p)) is not None and is_regular_file(p)]
    return [p for _, p in sorted(pages)]


# ----------------------------------------------------------------------------------------------- reading
@dataclass
class _Run:
    """What a ``joined`` message inherits from the one before it."""

    sender: str | None = None
    fwd_name: str | None = None
    sender_known: bool = False


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    """Canonical records of every message of the export (a folder, or a single page), in page order."""
    files = export_files(path)
    numbers = [_page_number(f) or 1 for f in files]
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers)) if numbers else []
    if missing:
        ctx.note("pages missing from the export: " + ", ".join(
            "messages.html" if n == 1 else f"messages{n}.html" for n in missing))
    clock = _Clock(ctx)
    done = 0
    title: str | None = None
    for page in files:
        tree = _parse(page)
        page_title = _chat_title(tree, page)
        if title is None:
            title = page_title
            ctx.add_channel(Channel(PLATFORM, "name:" + title, title, None))
        yield from _page_records(tree, page, title, ctx, clock)
        done += page.stat().st_size
        if ctx.progress is not None:
            ctx.progress(done)


def _parse(page: Path) -> Any:
    try:
        data = page.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the page: {exc.strerror or exc}", path=page) from None
    if not data.strip():
        raise InputError("the page is empty: re-export the chat from Telegram Desktop", path=page, position="byte 0")
    # lxml repairs both of these silently (U+FFFD for bad bytes; a cut page parses as far as it goes, its last
    # message losing text), so damaged pages would ingest as wrong records. Desktop writes UTF-8 and ends every
    # page with </html>.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid UTF-8 (byte 0x{data[exc.start]:02X}) — the page is damaged; re-export the chat "
                         "from Telegram Desktop", path=page, position=f"byte {exc.start:,}") from None
    if not data.rstrip().lower().endswith(b"</html>"):
        raise InputError("truncated page: it ends without </html> — the export was cut off; re-export the chat or "
                         "copy the complete folder", path=page, position=f"byte {len(data):,}")
    parser = etree.HTMLParser(encoding="utf-8")  # plain elements: lxml.html's class lookup costs a third of the time
    try:
        return etree.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not an HTML page ({exc}): pass the folder Telegram Desktop exported", path=page) from None


def _text(el: Any) -> str:
    return "".join(el.itertext())


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _kids(el: Any, *classes: str) -> list[Any]:
    """Direct children of ``el`` having every one of ``classes``."""
    want = set(classes)
    return [c for c in el if isinstance(c.tag, str) and want <= _classes(c)]


def _first(el: Any, *classes: str) -> Any | None:
    found = _kids(el, *classes)
    return found[0] if found else None


class _Kids:
    """An element's direct children with their classes, split once for the several look-ups a message needs."""

    def __init__(self, el: Any) -> None:
        self.items = [(_classes(c), c) for c in el if isinstance(c.tag, str)]

    def first(self, *classes: str) -> Any | None:
        want = set(classes)
        return next((c for cls, c in self.items if want <= cls), None)


def _chat_title(tree: Any, page: Path) -> str:
    header = tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' page_header ')]")
    history = tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' history ')]")
    if not header or not history:
        raise InputError("is not a Telegram Desktop chat export page (no div.page_header / div.history): pass the "
                         "folder that Telegram Desktop's \"Export chat history\" wrote, in HTML format", path=page)
    texts = header[0].xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' text ')]")
    title = _text(texts[0]).strip() if texts else ""
    if not title:
        raise InputError("the page header names no chat: the page is damaged or not a Telegram export", path=page)
    return title


def _page_records(tree: Any, page: Path, title: str, ctx: ReadContext, clock: _Clock) -> Iterator[dict[str, Any]]:
    run = _Run()
    history = tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' history ')]")[0]
    for el in history.iter("div"):
        cls = _classes(el)
        if "message" not in cls:
            continue
        where = f"line {el.sourceline}"
        raw_id = el.get("id") or ""
        m = re.fullmatch(r"message(-?\d+)", raw_id)
        if not m:
            raise InputError(f"a message has no usable id ({raw_id!r}): the page is damaged", path=page, position=where)
        mid = int(m.group(1))
        if "service" in cls:
            if mid > 0:  # negative ids are Desktop's date separators, not messages
                yield _service_record(el, mid, title, ctx)
            run = _Run()
            continue
        if "default" in cls:
            yield _message_record(el, mid, title, page, ctx, clock, run)


def _base(mid: int, title: str, kind: str) -> dict[str, Any]:
    rec = empty_record()
    rec.update(platform=PLATFORM, channel_id="name:" + title, channel=title, message_id=str(mid), kind=kind)
    return rec


def _service_record(el: Any, mid: int, title: str, ctx: ReadContext) -> dict[str, Any]:
    """A service event. Desktop's sentence names the people involved ("Ali joined group by link from Sara") and the
    HTML marks no names in it, so by default it is left out (as JSON exports carry no sentence either); with
    --keep-authors it is kept."""
    rec = _base(mid, title, "service")
    body = _first(el, "body")
    if ctx.options.keep_authors:
        rec["text"] = " ".join(_text(body).split()) if body is not None else ""
    else:
        rec["text"] = ""
        ctx.note("service messages' sentences name people: left out (--keep-authors keeps them)")
    return rec


def _name_of(el: Any | None) -> str | None:
    """A from_name's display name: its own text (before any date span), without " via @bot"; Desktop's
    placeholder for a deleted account reads as unknown."""
    if el is None:
        return None
    name = _VIA_RE.sub("", (el.text or "").strip()).strip()
    return None if not name or name in _DELETED else name


def _message_record(el: Any, mid: int, title: str, page: Path, ctx: ReadContext, clock: _Clock,
                    run: _Run) -> dict[str, Any]:
    where = f"message {mid}"
    body = _first(el, "body")
    kids = _Kids(body) if body is not None else _Kids(el)
    date_el = kids.first("date", "details") if body is not None else None
    if date_el is None or not date_el.get("title"):
        raise InputError("the message has no date (div.date.details with a title): the page is damaged",
                         path=page, position=where)
    rec = _base(mid, title, "post")
    rec["posted_at"] = clock.parse(date_el.get("title"), page, where)

    from_el = kids.first("from_name")
    if from_el is not None:
        run.sender, run.sender_known, run.fwd_name = _name_of(from_el), True, None
    elif "joined" not in _classes(el) or not run.sender_known:
        ctx.note("some messages show no sender and follow no sender's run: their author is left empty")
        run.sender, run.sender_known = None, False

    content = kids
    fwd = kids.first("forwarded", "body")
    if fwd is not None:
        content = _Kids(fwd)
        fwd_from = content.first("from_name")
        if fwd_from is not None:  # a joined forward from the same origin omits it
            run.fwd_name = _name_of(fwd_from)
            span = fwd_from.find("span")
            if span is not None and span.get("title"):
                rec["fwd_posted_at"] = clock.parse(span.get("title"), page, where + ", forward date")
        rec["fwd_from_name"] = run.fwd_name

    reply = content.first("reply_to", "details")
    if reply is not None:
        for a in reply.iter("a"):
            if m := _GO_TO_RE.search(a.get("href") or ""):
                rec["reply_to"] = m.group(1)
                break

    rec["media_type"] = _media_type(content.first("media_wrap"))
    if rec["media_type"] == "phone_call":  # Desktop draws a call as a message; JSON has it as a service event
        rec["kind"], rec["media_type"] = "service", None
    text_el = content.first("text")
    parts = _text_parts(text_el) if text_el is not None else []
    rec["text"] = plain_text(parts)
    rec["links"], rec["mentions"], rec["hashtags"] = entity_fields(parts)
    rec[PERSON_MENTIONS] = person_mentions(parts)

    sig_el = content.first("signature", "details")
    signature = _text(sig_el).strip() if sig_el is not None else None
    own_post = run.sender is not None and run.sender == title  # the chat posting as itself (a channel post)
    rec["author"] = author_identity(run.sender, rec["channel_id"] if own_post else None, rec["channel_id"], signature)
    rec["reactions"] = _reactions(kids.first("reactions"))
    return rec


# ----------------------------------------------------------------------------------------------- text
def _text_parts(el: Any) -> list[dict[str, Any]]:
    """``div.text`` back into Desktop's typed text parts. Desktop writes "\\n" right after the opening tag and
    "\\n" plus indentation before the closing one; real line breaks are ``<br>``."""
    parts: list[dict[str, Any]] = []

    def add(kind: str, text: str | None, href: str | None = None) -> None:
        if text:
            part: dict[str, Any] = {"type": kind, "text": text}
            if href is not None:
                part["href"] = href
            parts.append(part)

    def flat(node: Any) -> str:  # text of an inline element, <br> as "\n"
        out = [node.text or ""]
        for child in node:
            if isinstance(child.tag, str):
                out.append("\n" if child.tag == "br" else flat(child))
            out.append(child.tail or "")
        return "".join(out)

    def walk(node: Any, kind: str) -> None:
        add(kind, node.text)
        for child in node:
            if not isinstance(child.tag, str):  # comments, processing instructions
                add(kind, child.tail)
                continue
            if child.tag == "br":
                add(kind, "\n")
            elif child.tag == "a":
                a_kind, href = _anchor(child, flat(child))
                add(a_kind, flat(child), href)
            else:
                walk(child, _STYLE_TAGS.get(child.tag, kind))
            add(kind, child.tail)

    walk(el, "plain")
    if parts and parts[0]["type"] == "plain" and parts[0]["text"].startswith("\n"):
        parts[0]["text"] = parts[0]["text"][1:]
    if parts and parts[-1]["type"] == "plain":
        parts[-1]["text"] = re.sub(r"\n[ \t]*\Z", "", parts[-1]["text"])
    return [p for p in parts if p["text"]]


_STYLE_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "code": "code", "pre": "pre",
               "s": "strikethrough", "u": "underline", "blockquote": "blockquote", "span": "plain"}
_ONCLICK_TYPES = {"ShowHashtag": "hashtag", "ShowCashtag": "cashtag", "ShowBotCommand": "bot_command",
                  "ShowMentionName": "mention_name", "ShowNotLoadedEmoji": "custom_emoji",
                  "ShowNotAvailableEmoji": "custom_emoji"}


def _anchor(a: Any, text: str) -> tuple[str, str | None]:
    """The entity type of an ``<a>`` in Desktop's text markup (and the href for a hidden link)."""
    onclick = a.get("onclick") or ""
    for func, kind in _ONCLICK_TYPES.items():
        if func in onclick:
            return kind, None
    href = (a.get("href") or "").strip()
    if not href:
        return "plain", None
    if href == "mailto:" + text:
        return "email", None
    if href == "tel:" + text:
        return "phone", None
    if text.startswith("@") and len(text) > 1 and href.rstrip("/").endswith("/" + text[1:]):
        return "mention", None
    if href == text:
        return "link", None
    if "://" not in href and not href.startswith(_NOT_LINK_SCHEMES + ("tg:",)):
        return "custom_emoji", None  # a relative path: an exported custom emoji's file
    return "text_link", href


# ----------------------------------------------------------------------------------------------- media, reactions
def _media_type(wrap: Any | None) -> str | None:
    """The media type of a ``div.media_wrap`` (None without one)."""
    if wrap is None:
        return None
    for el in wrap.iter():
        if not isinstance(el.tag, str):
            continue
        cls = _classes(el)
        for key, kind in _WRAP_TYPES.items():
            if key in cls:
                return kind
        if "media_poll" in cls:
            return "poll"
        if "media_giveaway" in cls:
            return "giveaway"
        if "media" in cls:
            titles = el.xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' title ')]")
            title = _text(titles[0]).strip() if titles else ""
            if title in _BY_TITLE:
                return _BY_TITLE[title]
            if "media_photo" in cls:
                return "photo"
            if "media_video" in cls:
                return "video_file"
            for key, kind in _GENERIC_TYPES.items():
                if key in cls:
                    return kind
            return "document"
    return None


def _reactions(box: Any | None) -> int | None:
    """Total reactions in ``span.reactions``: each reaction shows ``span.count``, or only the reacting users'
    pictures when they are all listed (Desktop leaves the count out then)."""
    if box is None:
        return None
    total = 0
    for reaction in _kids(box, "reaction"):
        count = _first(reaction, "count")
        if count is not None and _text(count).strip().isdigit():
            total += int(_text(count).strip())
        else:
            pics = _first(reaction, "userpics")
            total += len([c for c in pics if isinstance(c.tag, str)]) if pics is not None else 0
    return total


# ----------------------------------------------------------------------------------------------- time
class _Clock:
    """Titles to UTC. With an offset (newer Desktop) it is used, unless ``--tz`` names a zone whose standard
    offset it is: Desktop writes the zone's standard offset even in summer time, so the zone gives the right instant.
    Without an offset the time is local and read in the ``--tz`` zone (UTC when none)."""

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.zone = parse_tz(ctx.options.tz) if ctx.options.tz else None

    def parse(self, title: str, page: Path, where: str) -> datetime:
        m = _DATE_RE.fullmatch(title)
        if not m:
            raise InputError(f"date {title!r} is not DD.MM.YYYY HH:MM:SS: the page is damaged or not a Telegram "
                             "export", path=page, position=where)
        day, month, year, hour, minute, second = (int(g or 0) for g in m.group(1, 2, 3, 4, 5, 6))
        try:
            naive = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise InputError(f"date {title!r} does not exist: the page is damaged", path=page, position=where) from None
        if "UTC" not in title and "GMT" not in title:
            return self.ctx.local_to_utc(naive)
        sign = -1 if m.group(7) == "-" else 1
        hours, minutes = int(m.group(8) or 0), int(m.group(9) or 0)
        if hours > 14 or minutes > 59:  # real offsets run from UTC-12:00 to UTC+14:00
            raise InputError(f"date {title!r} has no real time-zone offset (UTC{m.group(7)}{hours:02d}:{minutes:02d}): "
                             "the page is damaged or was edited", path=page, position=where)
        offset = timedelta(hours=hours, minutes=minutes) * sign
        if self.zone is not None:
            local = naive.replace(tzinfo=self.zone)
            if (local.utcoffset() or timedelta()) - (local.dst() or timedelta()) == offset:
                self.ctx.tz_used = self.ctx.options.tz  # the zone decides summer time the page does not show
                return local.astimezone(UTC)
        return naive.replace(tzinfo=timezone(offset)).astimezone(UTC)
