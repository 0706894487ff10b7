"""Telegram Desktop HTML export reader: hand-written pages in Desktop's real markup, ordering, errors, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.demo.html_export import format_text, write_html_export
from narrascope.errors import InputError
from narrascope.ingest import telegram_html
from narrascope.ingest.base import IngestOptions, ReadContext
from narrascope.ingest.detect import plan
from narrascope.ingest.telegram_common import plain_text
from narrascope.store.corpus import Corpus

# Written after Telegram Desktop's HTML writer (export_output_html.cpp): block tags on their own lines with one
# space of indentation per level, text right after the opening tag's newline, entities as Desktop escapes them.
PAGE = """<!DOCTYPE html>
<html>

 <head>

  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>

  <link href="css/style.css" rel="stylesheet"/>

  <script src="js/script.js" type="text/javascript">

  </script>

 </head>

 <body onload="CheckLocation();">

  <div class="page_wrap">

   <div class="page_header">

    <div class="content">

     <div class="text bold">
Test Group{SP}
     </div>

    </div>

   </div>

   <div class="page_body chat_page">

    <div class="history">

     <div class="message service" id="message-1">

      <div class="body details">
7 July 2023
      </div>

     </div>

     <div class="message default clearfix" id="message5">

      <div class="pull_left userpic_wrap">

       <div class="userpic userpic2" style="width: 42px; height: 42px">

        <div class="initials" style="line-height: 42px">
AR
        </div>

       </div>

      </div>

      <div class="body">

       <div class="pull_right date details" title="07.07.2023 13:44:48{Z}">
13:44
       </div>

       <div class="from_name">
Ali Rezaei
       </div>

       <div class="text">
سلام&#8204;ها <a href="" onclick="return ShowHashtag(&quot;خبر&quot;)">#خبر</a> <a href="https://t.me/bbcpersian">@bbcpersian</a> <strong>bold</strong> <a href="https://ex.com/?a=1&amp;b=2">see</a> <a href="https://ex.com/raw">https://ex.com/raw</a> <a href="mailto:a@b.co">a@b.co</a>
       </div>

      </div>

     </div>

     <div class="message default clearfix joined" id="message6">

      <div class="body">

       <div class="pull_right date details" title="07.07.2023 13:45:10{Z}">
13:45
       </div>

       <div class="text">
&amp;amp; and &lt;tag&gt; &quot;q&quot; it&apos;s<br>line2<br>
       </div>

      </div>

     </div>

     <div class="message default clearfix" id="message7">

      <div class="pull_left userpic_wrap">

       <div class="userpic userpic4" style="width: 42px; height: 42px">

        <div class="initials" style="line-height: 42px">
S
        </div>

       </div>

      </div>

      <div class="body">

       <div class="pull_right date details" title="07.07.2023 13:50:00{Z}">
13:50
       </div>

       <div class="from_name">
Sara{SP}
       </div>

       <div class="pull_left forwarded userpic_wrap">

        <div class="userpic userpic1" style="width: 42px; height: 42px">

         <div class="initials" style="line-height: 42px">
O
         </div>

        </div>

       </div>

       <div class="forwarded body">

        <div class="from_name">
Other Channel <span class="date details" title="06.07.2023 09:00:00{Z}"> 06.07.2023 09:00:00</span>
        </div>

        <div class="reply_to details">
In reply to <a href="#go_to_message5" onclick="return GoToMessage(5)">this message</a>
        </div>

        <div class="text">
forwarded words
        </div>

       </div>

      </div>

     </div>

     <div class="message default clearfix joined" id="message8">

      <div class="body">

       <div class="pull_right date details" title="07.07.2023 13:50:00{Z}">
13:50
       </div>

       <div class="forwarded body">

        <div class="media_wrap clearfix">

         <div class="media clearfix pull_left media_photo">

          <div class="fill pull_left">

          </div>

          <div class="body">

           <div class="title bold">
Photo
           </div>

           <div class="description">
Not included, change data exporting settings to download.
           </div>

           <div class="status details">
1280x720, 120.5 KB
           </div>

          </div>

         </div>

        </div>

       </div>

       <span class="reactions">

        <span class="reaction">

         <span class="emoji">
👍
         </span>

         <span class="count">
3
         </span>

        </span>

        <span class="reaction active">

         <span class="emoji">
❤
         </span>

         <span class="userpics">

          <div class="userpic userpic1" style="width: 20px; height: 20px">

           <div class="initials" style="line-height: 20px">
A
           </div>

          </div>

          <img class="userpic" src="photos/u.jpg" style="width: 20px; height: 20px"/>

         </span>

        </span>

       </span>

      </div>

     </div>

     <div class="message service" id="message9">

      <div class="body details">
Ali Rezaei joined group by link from Sara
      </div>

     </div>

     <div class="message default clearfix" id="message10">

      <div class="pull_left userpic_wrap">

       <div class="userpic userpic3" style="width: 42px; height: 42px">

        <div class="initials" style="line-height: 42px">
T
        </div>

       </div>

      </div>

      <div class="body">

       <div class="pull_right date details" title="07.07.2023 23:59:59{Z}">
23:59
       </div>

       <div class="from_name">
Test Group{SP}
       </div>

       <div class="media_wrap clearfix">

        <a class="media clearfix pull_left block_link media_voice_message" href="voice_messages/audio_1.ogg">

         <div class="fill pull_left">

         </div>

         <div class="body">

          <div class="title bold">
Voice message
          </div>

          <div class="status details">
00:14
          </div>

         </div>

        </a>

       </div>

       <div class="signature details">
Editor
       </div>

      </div>

     </div>

    </div>

   </div>

  </div>

 </body>

</html>
"""


def _page(zone_suffix: str) -> str:
    """The page with its date titles' zone suffix; {SP} marks the trailing space Desktop leaves after a name
    without a last name (kept out of the source so editors do not strip it)."""
    return PAGE.replace("{Z}", zone_suffix).replace("{SP}", " ")


def _export(tmp_path: Path, zone_suffix: str, name: str = "export") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "messages.html").write_text(_page(zone_suffix), encoding="utf-8")
    (folder / "css").mkdir()
    (folder / "css" / "style.css").write_text("body {}", encoding="utf-8")
    return folder


def _read(path: Path, **options: Any) -> tuple[list[dict[str, Any]], ReadContext]:
    ctx = ReadContext(path, IngestOptions(**options))
    return list(telegram_html.read(path, ctx)), ctx


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _check_snippet(recs: list[dict[str, Any]], keep_authors: bool = False) -> None:
    by_id = {r["message_id"]: r for r in recs}
    assert list(by_id) == ["5", "6", "7", "8", "9", "10"]  # the date separator (message-1) is not a message
    assert {r["channel_id"] for r in recs} == {"name:Test Group"} and {r["channel"] for r in recs} == {"Test Group"}
    m5, m6, m7, m8, m9, m10 = (by_id[k] for k in ("5", "6", "7", "8", "9", "10"))
    assert m5["posted_at"] == _utc(2023, 7, 7, 10, 14, 48)
    assert m5["author"] == "Ali Rezaei" and m5["kind"] == "post"
    assert m5["text"] == ("سلام\u200cها #خبر @bbcpersian bold see https://ex.com/raw a@b.co")
    assert m5["hashtags"] == ["#خبر"] and m5["mentions"] == ["@bbcpersian"]
    assert m5["links"] == ["https://ex.com/?a=1&b=2", "https://ex.com/raw"]
    assert m6["author"] == "Ali Rezaei"  # joined: continues the previous sender
    assert m6["text"] == "&amp; and <tag> \"q\" it's\nline2\n"
    assert (m6["links"], m6["mentions"], m6["hashtags"]) == ([], [], [])
    assert m7["author"] == "Sara" and m7["fwd_from_name"] == "Other Channel"
    assert m7["fwd_posted_at"] == _utc(2023, 7, 6, 5, 30, 0) and m7["reply_to"] == "5"
    assert m7["text"] == "forwarded words" and m7["media_type"] is None and m7["reactions"] is None
    assert m8["author"] == "Sara" and m8["fwd_from_name"] == "Other Channel"  # a joined forward keeps its origin
    assert m8["fwd_posted_at"] is None and m8["media_type"] == "photo" and m8["text"] == ""
    assert m8["reactions"] == 5  # 3 counted + 2 users listed without a count
    # Desktop's service sentence names people: kept only with --keep-authors (the HTML marks no names in it)
    sentence = "Ali Rezaei joined group by link from Sara" if keep_authors else ""
    assert m9["kind"] == "service" and m9["text"] == sentence
    assert m9["posted_at"] is None and m9["author"] is None
    assert m10["author"] == "Editor"  # the chat posting as itself: the signature is the author
    assert m10["media_type"] == "voice_message" and m10["posted_at"] == _utc(2023, 7, 7, 20, 29, 59)


def test_snippet_with_utc_offsets(tmp_path: Path) -> None:
    recs, ctx = _read(_export(tmp_path, " UTC+03:30"))
    _check_snippet(recs)
    assert ctx.tz_used is None and ctx.notes == ["service messages' sentences name people: left out (--keep-authors "
                                                 "keeps them)"]
    assert list(ctx.channels) == [("telegram", "name:Test Group")]


def test_service_sentences_kept_with_keep_authors(tmp_path: Path) -> None:
    recs, ctx = _read(_export(tmp_path, " UTC+03:30"), keep_authors=True)
    _check_snippet(recs, keep_authors=True)
    assert not ctx.notes


def test_snippet_without_offsets_uses_tz(tmp_path: Path) -> None:
    recs, ctx = _read(_export(tmp_path, ""), tz="Asia/Tehran")
    _check_snippet(recs)
    assert ctx.tz_used == "Asia/Tehran"


def test_snippet_without_offsets_or_tz_reads_utc_and_says_so(tmp_path: Path) -> None:
    recs, ctx = _read(_export(tmp_path, ""))
    assert recs[0]["posted_at"] == _utc(2023, 7, 7, 13, 44, 48)
    assert ctx.tz_used == "UTC" and any("as UTC" in n for n in ctx.notes)


def test_standard_offset_in_summer_uses_the_tz_zone(tmp_path: Path) -> None:
    """Desktop prints the zone's standard offset even in summer time; a --tz zone whose standard offset it is
    gives the right instant (Berlin in July is UTC+2, though the title says UTC+01:00)."""
    folder = _export(tmp_path, " UTC+01:00")
    with_zone, _ = _read(folder, tz="Europe/Berlin")
    fixed, _ = _read(folder)
    assert with_zone[0]["posted_at"] == _utc(2023, 7, 7, 11, 44, 48)
    assert fixed[0]["posted_at"] == _utc(2023, 7, 7, 12, 44, 48)
    elsewhere, _ = _read(folder, tz="Asia/Tehran")  # standard offset +03:30 ≠ +01:00: the title's offset wins
    assert elsewhere[0]["posted_at"] == _utc(2023, 7, 7, 12, 44, 48)
    tehran = tmp_path / "tehran2022"
    tehran.mkdir()  # Iran still kept summer time in 2022 (UTC+04:30); Desktop would have written UTC+03:30
    (tehran / "messages.html").write_text(_page(" UTC+03:30").replace("2023", "2022"), "utf-8")
    summer, _ = _read(tehran, tz="Asia/Tehran")
    assert summer[0]["posted_at"] == _utc(2022, 7, 7, 9, 14, 48)


def test_sniff(tmp_path: Path) -> None:
    folder = _export(tmp_path, "")
    page = folder / "messages.html"
    head = page.read_bytes()[:65536]
    assert telegram_html.sniff(folder, b"")
    assert telegram_html.sniff(page, head)
    copy = tmp_path / "messages12.html"
    copy.write_bytes(page.read_bytes())
    assert telegram_html.sniff(copy, head)
    assert not telegram_html.sniff(tmp_path / "chat.html", head)  # not Desktop's file name
    assert not telegram_html.sniff(page, b"<html><body><p>messages</p></body></html>")
    assert not telegram_html.sniff(tmp_path, b"")  # no messages.html in it
    units = plan([tmp_path])
    assert any(u.path == folder and u.format == "telegram_html" for u in units)


def test_pages_are_read_in_numeric_order(tmp_path: Path) -> None:
    chat = {"name": "Order", "type": "public_channel", "id": 7, "messages": [
        {"id": i, "type": "message", "date": f"2024-01-01T10:{i:02d}:00", "date_unixtime": str(1704103200 + 60 * i),
         "from": "Order", "from_id": "channel7", "text": f"m{i}"} for i in range(1, 13)]}
    files = write_html_export(chat, tmp_path / "x", per_file=1)
    assert [f.name for f in files][:3] == ["messages.html", "messages2.html", "messages3.html"]
    assert [p.name for p in telegram_html.export_files(tmp_path / "x")][9:12] == [
        "messages10.html", "messages11.html", "messages12.html"]
    progress: list[int] = []
    ctx = ReadContext(tmp_path / "x", IngestOptions(), progress.append)
    recs = list(telegram_html.read(tmp_path / "x", ctx))
    assert [r["text"] for r in recs] == [f"m{i}" for i in range(1, 13)]
    assert len(progress) == 12 and progress == sorted(progress)
    assert progress[-1] == sum(f.stat().st_size for f in files)
    (tmp_path / "x" / "messages5.html").unlink()
    ctx = ReadContext(tmp_path / "x", IngestOptions())
    assert len(list(telegram_html.read(tmp_path / "x", ctx))) == 11
    assert any("messages5.html" in n for n in ctx.notes)


@pytest.mark.parametrize(("old", "new", "position"), [
    ('id="message6"', "", "line "),
    ('id="message6"', 'id="msg-six"', "line "),
    ('title="07.07.2023 13:45:10"', "", "message 6"),
    ('title="07.07.2023 13:45:10"', 'title="yesterday"', "message 6"),
    ('title="07.07.2023 13:45:10"', 'title="31.02.2023 13:45:10"', "message 6"),
])
def test_malformed_messages_name_file_and_position(tmp_path: Path, old: str, new: str, position: str) -> None:
    folder = _export(tmp_path, "")
    page = folder / "messages.html"
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _read(folder)
    assert err.value.path == str(page) and err.value.position and err.value.position.startswith(position)


@pytest.mark.parametrize("damage", ["invalid-utf8", "truncated"])
def test_a_damaged_second_page_fails_the_whole_export_naming_page_and_byte(tmp_path: Path, damage: str) -> None:
    # lxml would repair both silently: U+FFFD in the text, or a cut page whose last message loses its text.
    folder = _export(tmp_path, "")
    data = (folder / "messages.html").read_bytes()
    at = data.index(b"forwarded words")
    page2 = folder / "messages2.html"
    if damage == "invalid-utf8":
        page2.write_bytes(data[:at] + b"\xff" + data[at:])
        expected = (f"byte {at:,}", "invalid UTF-8")
    else:
        page2.write_bytes(data[:at + 5])
        expected = (f"byte {at + 5:,}", "truncated")
    with pytest.raises(InputError) as err:
        _read(folder)
    assert err.value.path == str(page2) and err.value.position == expected[0] and expected[1] in str(err.value)
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as corpus, pytest.raises(InputError):
        corpus.ingest([folder])  # one unit: nothing from the good first page either
    with Corpus.open(db, read_only=True) as corpus:
        assert corpus.sql("SELECT count(*) AS n FROM messages")["n"][0] == 0


def test_a_page_that_is_not_an_export_is_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "messages.html").write_text("<html><body><h1>Messages</h1><p>hi</p></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="not a Telegram Desktop chat export page") as err:
        _read(folder)
    assert err.value.path == str(folder / "messages.html")
    (folder / "messages.html").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        _read(folder)


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
                | st.sampled_from("\n\t\r&<>\"' \u200c\u200f\u200e#@"), max_size=60)
_KINDS = st.sampled_from(["plain", "bold", "italic", "code", "pre", "underline", "strikethrough", "spoiler",
                          "blockquote", "hashtag", "mention", "link", "text_link", "email", "mention_name"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KINDS, _TEXT.filter(bool)), max_size=6))
def test_text_survives_desktop_markup(parts: list[tuple[str, str]]) -> None:
    """Whatever the parts, the plain text read back from Desktop's markup is the parts' text exactly."""
    typed = [{"type": kind, "text": text, **({"href": "https://h.example/?q=" + text} if kind == "text_link" else {})}
             for kind, text in parts]
    markup = f'<html><body><div class="text">\n{format_text(typed)}\n       </div></body></html>'
    div = lxml.html.document_fromstring(markup.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    back = telegram_html._text_parts(div.find_class("text")[0])
    assert plain_text(back) == plain_text(typed)
