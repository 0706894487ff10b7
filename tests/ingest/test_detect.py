"""How ``plan`` expands folders: a Telegram Desktop JSON export folder with its media, and ordinary folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from narrascope.cli import main
from narrascope.ingest import web_html
from narrascope.ingest.detect import plan
from narrascope.store.corpus import Corpus
from tests.conftest import desktop_message, write_chat
from tests.ingest.test_telegram_html import _export


def _desktop_json_export(folder: Path) -> Path:
    """What Telegram Desktop writes for "Export chat history" in JSON with media: result.json plus attachments."""
    result = write_chat(folder / "result.json", [desktop_message(i) for i in range(1, 4)])
    (folder / "files").mkdir()
    (folder / "files" / "report.pdf").write_bytes(b"%PDF-1.4\n\x00\x01binary")
    (folder / "files" / "notes.txt").write_text("Notes someone shared as a file.\nA second line of prose.\n")
    (folder / "files" / "prices.csv").write_text("item,text\n1,not a message\n")
    (folder / "stickers").mkdir()
    (folder / "stickers" / "sticker.tgs").write_bytes(b"\x1f\x8b\x08\x00gzip")
    (folder / "photos").mkdir()
    (folder / "photos" / "photo_1@14-11-2023_22-13-20.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "voice_messages").mkdir()
    (folder / "voice_messages" / "audio_1@14-11-2023_22-13-20.ogg").write_bytes(b"OggS")
    return result


def test_attachments_of_a_desktop_json_export_are_not_ingested(tmp_path: Path) -> None:
    result = _desktop_json_export(tmp_path / "ChatExport_2023-11-15")
    units = plan([tmp_path / "ChatExport_2023-11-15"])
    assert [(u.path, u.format, u.problem) for u in units] == [(result, "telegram_json", None)]


@pytest.mark.slow
def test_desktop_json_export_folder_ingests_cleanly_through_the_cli(tmp_path: Path, capsys: Any) -> None:
    _desktop_json_export(tmp_path / "exports" / "ChatExport_2023-11-15")
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(tmp_path / "exports"), "--db", str(db), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out and "1 of 1 ingested: 3 messages added" in out
    with Corpus.open(db, read_only=True) as c:
        assert c.sql("SELECT DISTINCT platform FROM messages")["platform"].to_list() == ["telegram"]


def test_folders_named_like_media_are_walked_when_no_desktop_export_is_beside_them(tmp_path: Path) -> None:
    (tmp_path / "data" / "files").mkdir(parents=True)
    table = tmp_path / "data" / "files" / "posts.csv"
    table.write_text("text,date\nhello,2023-01-01T00:00:00Z\n")
    assert [(u.path, u.format) for u in plan([tmp_path / "data"])] == [(table, "table")]


# Telegram Desktop's account-export index page (export_results.html); lists/*.html share its frame. Written after
# export_output_html.cpp: body onload="CheckLocation();", div.page_wrap, no div.history.
INDEX_PAGE = """<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <link href="css/style.css" rel="stylesheet"/>
  <script src="js/script.js" type="text/javascript">
  </script>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
Exported Data
     </div>
    </div>
   </div>
   <div class="page_body">
    <div class="personal_info clearfix">
     <div class="pull_right info details">
      <div class="names">
Sara Karimi
      </div>
      <div class="phone details">
+98 912 000 0000
      </div>
     </div>
    </div>
    <div class="sections with_divider">
     <a class="section block_link contacts" href="lists/contacts.html#allow_back">
      <div class="counter details">
312
      </div>
      <div class="label bold">
Contacts
      </div>
     </a>
    </div>
   </div>
  </div>
 </body>
</html>
"""


def _html_account_export(folder: Path) -> Path:
    (folder / "lists").mkdir(parents=True)
    (folder / "export_results.html").write_text(INDEX_PAGE, encoding="utf-8")
    (folder / "lists" / "contacts.html").write_text(INDEX_PAGE.replace("Exported Data", "Contacts"), encoding="utf-8")
    (folder / "chats").mkdir()
    return _export(folder / "chats", "", name="chat_001")


def test_html_account_export_ingests_its_chats_and_not_its_index_pages(tmp_path: Path) -> None:
    chat = _html_account_export(tmp_path / "DataExport_2024-01-01")
    units = plan([tmp_path / "DataExport_2024-01-01"])
    # without the rule, export_results.html and lists/contacts.html became "news articles" holding contacts' names
    assert [(u.path, u.format) for u in units] == [(chat, "telegram_html")]


def test_a_desktop_index_page_given_alone_says_what_it_is(tmp_path: Path) -> None:
    page = tmp_path / "export_results.html"
    page.write_text(INDEX_PAGE, encoding="utf-8")
    [unit] = plan([page])
    assert unit.format is None and unit.problem is not None and "messages.html" in unit.problem
    assert not web_html.sniff(page, page.read_bytes())
