"""4CAT Telegram datasets, NDJSON and CSV. Fixtures are authored for narrascope, shaped after 4CAT's
datasources/telegram/search_telegram.py (serialize_obj and map_item)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from narrascope.cli import main
from narrascope.ingest import detect, fourcat, telegram_tracker, telethon
from narrascope.ingest.base import IngestOptions, ReadContext

CSV_HEADER = [
    "id", "thread_id", "chat", "author", "author_username", "author_name", "author_is_bot", "body",
    "body_markdown", "is_reply", "reply_to", "views", "reactions", "timestamp", "unix_timestamp",
    "timestamp_edited", "unix_timestamp_edited", "author_forwarded_from_name", "author_forwarded_from_username",
    "author_forwarded_from_id", "entities_linked", "entities_mentioned", "all_connections",
    "timestamp_forwarded_from", "unix_timestamp_forwarded_from", "link_title", "link_description",
    "link_attached", "attachment_type", "attachment_data", "attachment_filename",
]


def fourcat_item(mid: int, text: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": mid, "peer_id": {"channel_id": 1001, "_type": "PeerChannel"}, "date": 1677664800.0,
        "message": text, "views": 40, "forwards": 1, "edit_date": None, "post_author": None, "grouped_id": None,
        "reply_to": None, "media": None, "fwd_from": None, "from_id": None,
        "entities": [],
        "_chat": {"id": 1001, "title": "Kanal Eins", "username": "kanal1", "broadcast": True, "_type": "Channel"},
        "_sender": {"id": 1001, "title": "Kanal Eins", "username": "kanal1", "_type": "Channel"},
    }
    item.update(extra)
    return item


def write_ndjson(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def test_ndjson_items(tmp_path: Path) -> None:
    text = "🇮🇷 متن @kanal2 https://x.example"
    ents = [{"offset": len("🇮🇷 متن ".encode("utf-16-le")) // 2, "length": 7, "_type": "MessageEntityMention"}]
    fwd = {"date": 1677600000.0, "from_id": {"channel_id": 2002, "_type": "PeerChannel"}, "channel_post": 77,
           "_type": "MessageFwdHeader"}
    items = [
        fourcat_item(1, text, entities=ents, fwd_from=fwd),
        {"data": fourcat_item(2, "wrapped", from_id={"user_id": 9, "_type": "PeerUser"},
                              _sender={"id": 9, "first_name": "Sara", "last_name": "K", "_type": "User"})},
    ]
    path = write_ndjson(tmp_path / "telegram-dataset.ndjson", items)
    assert fourcat.sniff(path, path.read_bytes()) and not telethon.sniff(path, path.read_bytes())
    ctx = ReadContext(path, IngestOptions())
    first, second = fourcat.read(path, ctx)
    assert (first["channel_id"], first["channel"], first["message_id"]) == ("1001", "Kanal Eins", "1")
    assert first["posted_at"] == datetime(2023, 3, 1, 10, tzinfo=UTC)
    assert first["mentions"] == ["@kanal2"]
    assert (first["fwd_from_id"], first["fwd_from_message_id"]) == ("2002", "77")
    assert first["fwd_posted_at"] == datetime.fromtimestamp(1677600000, UTC)
    assert first["author"] is None
    assert (second["text"], second["author"]) == ("wrapped", "Sara K")
    assert ctx.channels[("telegram", "1001")].type == "public_channel"


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_rows(tmp_path: Path) -> None:
    rows = [
        {"id": "kanal1-15", "thread_id": "kanal1", "chat": "kanal1", "author": "1001", "author_username": "kanal1",
         "body": "post #tag @someone", "views": "12", "reactions": "👍👍❤️", "timestamp": "2023-03-01 11:00:00",
         "unix_timestamp": "1677664800", "author_forwarded_from_name": "Origin", "author_forwarded_from_id": "2002",
         "unix_timestamp_forwarded_from": "1677600000", "entities_mentioned": "someone,other",
         "link_attached": "https://l.example", "attachment_type": "url"},
        {"id": "16", "thread_id": "kanal1", "chat": "kanal1", "author": "9", "author_name": "Sara K",
         "body": "reply", "reply_to": "15", "unix_timestamp": "1677664900", "unix_timestamp_forwarded_from": "",
         "attachment_type": "photo"},
    ]
    path = write_csv(tmp_path / "telegram.csv", rows)
    assert fourcat.sniff(path, path.read_bytes())
    first, second = fourcat.read(path, ReadContext(path, IngestOptions()))
    assert (first["channel_id"], first["channel"], first["message_id"]) == ("name:kanal1", "kanal1", "15")
    assert first["posted_at"] == datetime(2023, 3, 1, 10, tzinfo=UTC)  # unix_timestamp, not the local column
    assert (first["author"], first["views"], first["reactions"]) == (None, 12, 3)
    assert (first["fwd_from_name"], first["fwd_from_id"]) == ("Origin", "2002")
    assert first["fwd_posted_at"] == datetime.fromtimestamp(1677600000, UTC)
    assert first["mentions"] == ["@someone", "@other"] and first["hashtags"] == ["#tag"]
    assert first["links"] == ["https://l.example"] and first["media_type"] is None
    assert (second["message_id"], second["author"], second["reply_to"]) == ("16", "Sara K", "15")
    assert second["fwd_posted_at"] is None and second["media_type"] == "photo"


@pytest.mark.parametrize("name", ["telethon.json", "telethon.ndjson", "fourcat.ndjson", "fourcat.csv",
                                  "tracker.csv", "generic.csv", "generic.jsonl"])
@pytest.mark.slow
def test_detection_picks_and_reports_the_reader(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    telethon_msg = {"_": "Message", "id": 1, "peer_id": {"_": "PeerChannel", "channel_id": 5},
                    "date": "2023-03-01T10:00:00+00:00", "message": "hi"}
    path = tmp_path / name
    if name == "telethon.json":
        path.write_text(json.dumps([telethon_msg], indent=1), encoding="utf-8")
    elif name == "telethon.ndjson":
        write_ndjson(path, [telethon_msg])
    elif name == "fourcat.ndjson":
        write_ndjson(path, [fourcat_item(1, "hi")])
    elif name == "fourcat.csv":
        write_csv(path, [{"id": "1", "chat": "c", "body": "hi", "unix_timestamp": "1677664800"}])
    elif name == "tracker.csv":
        header = sorted(telegram_tracker.COLUMNS) + ["url_title", "domain"]
        row = {"channel_id": "5", "msg_id": "1", "message": "hi", "date": "2023-03-01 10:00:00"}
        path.write_text(",".join(header) + "\n" + ",".join(row.get(c, "") for c in header) + "\n", encoding="utf-8")
    elif name == "generic.csv":
        path.write_text("id,text,date\n1,hi,2023-03-01\n", encoding="utf-8")
    else:
        path.write_text(json.dumps({"text": "hi", "id": 1}) + "\n", encoding="utf-8")
    expected = {"telethon": "telethon", "fourcat": "fourcat", "tracker": "telegram_tracker",
                "generic": "table"}[name.split(".")[0]]
    assert detect.sniff(path) == expected
    assert main(["ingest", str(path), "--db", str(tmp_path / "c.duckdb"), "--no-progress"]) == 0
    assert f"[{expected}]" in capsys.readouterr().out
