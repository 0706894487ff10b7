"""The Desktop-HTML writer: Desktop's structure and class names, joined runs, pages, links, media, reactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest

from narrascope.demo.html_export import escape, write_html_export

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
T0 = 1704103200  # 2024-01-01 10:00:00 UTC


def _msg(mid: int, at: int, sender: str = "Ali Rezaei", sender_id: str = "user1", **extra: Any) -> dict[str, Any]:
    return {"id": mid, "type": "message", "date": "2024-01-01T00:00:00", "date_unixtime": str(at),
            "from": sender, "from_id": sender_id, "text": extra.pop("text", f"m{mid}"), **extra}


def _pages(folder: Path) -> list[Any]:
    return [lxml.html.document_fromstring(p.read_bytes(), parser=lxml.html.HTMLParser(encoding="utf-8"))
            for p in sorted(folder.glob("messages*.html"), key=lambda p: len(p.name))]


def _message(pages: list[Any], mid: int) -> Any:
    for page in pages:
        found = page.xpath(f'//div[@id="message{mid}"]')
        if found:
            return found[0]
    raise AssertionError(f"message{mid} not written")


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def test_escape_is_desktops() -> None:
    assert escape("a&b<c>\"d'e\nf\x0bg\u2028h") == "a&amp;b&lt;c&gt;&quot;d&apos;e<br>f&#x0B;g<br>h"
    assert escape("&amp;") == "&amp;amp;"
    assert escape("می\u200cروم 🇮🇷") == "می\u200cروم 🇮🇷"


def test_joined_runs_follow_desktops_rules(tmp_path: Path) -> None:
    messages = [
        _msg(1, T0),
        _msg(2, T0 + 120),  # same sender, 2 min: joined
        _msg(3, T0 + 120 + 16 * 60),  # 16 min later: a new run
        _msg(4, T0 + 2000, "Sara", "user2"),  # another sender
        {"id": 5, "type": "service", "date_unixtime": str(T0 + 2010), "actor": "Sara", "actor_id": "user2",
         "action": "invite_members", "members": ["Mina"], "text": ""},
        _msg(6, T0 + 2020, "Sara", "user2"),  # after a service message: a new run
        _msg(7, T0 + 2030, "Sara", "user2", forwarded_from="Chan"),  # forward starts a run
        _msg(8, T0 + 2031, "Sara", "user2", forwarded_from="Chan"),  # same origin within 1 s: joined
        _msg(9, T0 + 2033, "Sara", "user2", forwarded_from="Chan"),  # 2 s: a new run
        _msg(10, T0 + 86400, "Sara", "user2"),  # next day
    ]
    write_html_export({"name": "G", "type": "private_supergroup", "id": 3, "messages": messages}, tmp_path / "g")
    pages = _pages(tmp_path / "g")
    joined = {m: "joined" in _classes(_message(pages, m)) for m in (1, 2, 3, 4, 6, 7, 8, 9, 10)}
    assert joined == {1: False, 2: True, 3: False, 4: False, 6: False, 7: False, 8: True, 9: False, 10: False}
    assert not _message(pages, 2).xpath("./div[@class='body']/div[@class='from_name']")
    assert _message(pages, 1).xpath("./div[@class='pull_left userpic_wrap']")
    assert "service" in _classes(_message(pages, 5))
    assert "Sara invited Mina" in _message(pages, 5).text_content()
    separators = pages[0].xpath("//div[@class='message service'][starts-with(@id, 'message-')]")
    assert [s.get("id") for s in separators] == ["message-1", "message-2"]
    assert separators[1].text_content().strip() == "2 January 2024"


def test_pages_pagination_and_reply_links(tmp_path: Path) -> None:
    messages = [_msg(i, T0 + 3600 * i) for i in range(1, 8)]
    messages[5]["reply_to_message_id"] = 1  # message 6 replies into the first page
    messages[4]["reply_to_message_id"] = 4  # message 5 replies within its own page
    messages[6]["reply_to_message_id"] = 6  # message 7 replies into the page before
    files = write_html_export({"name": "C", "type": "public_channel", "id": 1, "messages": messages},
                              tmp_path / "c", per_file=3)
    assert [f.name for f in files] == ["messages.html", "messages2.html", "messages3.html"]
    pages = _pages(tmp_path / "c")
    nav = [[(a.text_content().strip(), a.get("href")) for a in p.xpath("//a[contains(@class, 'pagination')]")]
           for p in pages]
    assert nav == [[("Next messages", "messages2.html")],
                   [("Previous messages", "messages.html"), ("Next messages", "messages3.html")],
                   [("Previous messages", "messages2.html")]]
    assert _message(pages, 6).xpath(".//div[@class='reply_to details']/a/@href") == ["messages.html#go_to_message1"]
    link = _message(pages, 5).xpath(".//div[@class='reply_to details']/a")[0]
    assert link.get("href") == "#go_to_message4" and link.get("onclick") == "return GoToMessage(4)"
    assert _message(pages, 7).xpath(".//div[@class='reply_to details']/a/@href") == ["messages2.html#go_to_message6"]
    # Every page restarts with a date separator; their ids keep decreasing across pages.
    ids = [p.xpath("//div[@class='message service']/@id")[0] for p in pages]
    assert ids == ["message-1", "message-2", "message-3"]
    for page in pages:
        assert page.xpath("//div[@class='page_header']//div[@class='text bold']")[0].text_content() == "\nC \n     "


def test_media_blocks_and_descriptions(tmp_path: Path) -> None:
    messages = [
        _msg(1, T0, photo=NOT_INCLUDED, width=800, height=600),
        _msg(2, T0 + 1, file="(File exceeds maximum size. Change data exporting settings to download.)",
             media_type="video_file", duration_seconds=61),
        _msg(3, T0 + 2, file=NOT_INCLUDED, media_type="voice_message", duration_seconds=5),
        _msg(4, T0 + 3, photo="photos/photo_1.jpg", width=800, height=600),
        _msg(5, T0 + 4, poll={"question": "Q?", "answers": [{"text": "yes", "voters": 1}], "total_voters": 1}),
    ]
    write_html_export({"name": "C", "type": "public_channel", "id": 1, "messages": messages}, tmp_path / "c")
    pages = _pages(tmp_path / "c")

    def block(mid: int, path: str) -> list[str]:
        return [" ".join(e.text_content().split()) for e in _message(pages, mid).xpath(path)]

    generic = ".//div[@class='media_wrap clearfix']//div[@class='{}']"
    assert block(1, generic.format("title bold")) == ["Photo"]
    assert block(1, generic.format("description")) == ["Not included, change data exporting settings to download."]
    assert _message(pages, 1).xpath(".//div[contains(@class, 'media_photo')]")
    assert block(2, generic.format("description")) == [
        "Exceeds maximum size, change data exporting settings to download."]
    assert block(2, generic.format("title bold")) == ["Video file"]
    assert _message(pages, 3).xpath(".//div[contains(@class, 'media_voice_message')]")
    assert _message(pages, 4).xpath(".//a[@class='photo_wrap clearfix pull_left'][@href='photos/photo_1.jpg']")
    assert block(5, ".//div[@class='media_poll']/div[@class='question bold']") == ["Q?"]


def test_reactions_forward_signature_and_times(tmp_path: Path) -> None:
    recent = [{"from": "A B", "from_id": "user5", "date": "2024-01-01T10:00:00"}]
    messages = [
        _msg(1, T0, "C", "channel1", author="Editor", reactions=[
            {"type": "emoji", "emoji": "👍", "count": 1, "recent": recent},  # all listed: no count shown
            {"type": "emoji", "emoji": "🔥", "count": 7, "recent": recent},
            {"type": "emoji", "emoji": "❤", "count": 2}]),
        _msg(2, T0 + 60, "C", "channel1", forwarded_from="Other", forwarded_date_unixtime=str(T0 - 3600)),
    ]
    chat = {"name": "C", "type": "public_channel", "id": 1, "messages": messages}
    write_html_export(chat, tmp_path / "tz", utc_offset="+03:30")
    pages = _pages(tmp_path / "tz")
    reactions = _message(pages, 1).xpath(".//span[@class='reactions']/span")
    assert [[c.strip() for c in r.xpath("./span[@class='count']/text()")] for r in reactions] == [[], ["7"], ["2"]]
    assert [len(r.xpath("./span[@class='userpics']/div")) for r in reactions] == [1, 1, 0]
    assert _message(pages, 1).xpath(".//div[@class='signature details']")[0].text_content().strip() == "Editor"
    title = _message(pages, 1).xpath(".//div[@class='pull_right date details']/@title")
    assert title == ["01.01.2024 13:30:00 UTC+03:30"]
    fwd = _message(pages, 2).xpath(".//div[@class='forwarded body']/div[@class='from_name']")[0]
    assert fwd.text.strip() == "Other"
    assert fwd.xpath("./span[@class='date details']/@title") == ["01.01.2024 12:30:00 UTC+03:30"]

    local = {**chat, "messages": [dict(messages[0], date="2024-01-01T11:00:00")]}  # the exporting machine's time
    write_html_export(local, tmp_path / "local", utc_offset=None)
    title = _message(_pages(tmp_path / "local"), 1).xpath(".//div[@class='pull_right date details']/@title")
    assert title == ["01.01.2024 11:00:00"]


def test_empty_chat_and_bad_arguments(tmp_path: Path) -> None:
    files = write_html_export({"name": "E", "type": "public_channel", "id": 1, "messages": []}, tmp_path / "e")
    assert [f.name for f in files] == ["messages.html"]
    assert "No exported messages" in files[0].read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="per_file"):
        write_html_export({"name": "E", "messages": []}, tmp_path / "f", per_file=0)
