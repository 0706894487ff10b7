"""telegram-tracker msgs_dataset.csv. The fixture is authored for narrascope, with the tracker's column list
(estebanpdl/telegram-tracker, utils msgs_dataset_columns) and pandas' way of writing ints with gaps (123.0)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from narrascope.ingest import detect, telegram_tracker
from narrascope.ingest.base import IngestOptions, ReadContext

COLUMNS = [
    "signature", "channel_id", "channel_name", "msg_id", "message", "cleaned_message", "date", "msg_link",
    "msg_from_peer", "msg_from_id", "views", "number_replies", "number_forwards", "is_forward",
    "forward_msg_from_peer_type", "forward_msg_from_peer_id", "forward_msg_from_peer_name", "forward_msg_date",
    "forward_msg_date_string", "forward_msg_link", "is_reply", "reply_to_msg_id", "reply_msg_link",
    "contains_media", "media_type", "has_url", "url", "domain", "url_title", "url_description", "document_type",
    "document_id", "document_video_duration", "document_filename", "poll_id", "poll_question",
    "poll_total_voters", "poll_results", "contact_phone_number", "contact_name", "contact_userid", "geo_type",
    "lat", "lng", "venue_id", "venue_type", "venue_title", "venue_address", "venue_provider",
]


def tracker_csv(path: Path) -> Path:
    rows: list[dict[str, Any]] = [
        {"signature": "msg_iteration.0.user.newsroom.post.11", "channel_id": "1001", "channel_name": "newsroom",
         "msg_id": "11", "message": "خبر فوری 😀 https://t.me/other/5 #خبر", "cleaned_message": "خبر فوری",
         "date": "2023-03-01 10:00:00", "msg_link": "https://t.me/newsroom/11", "msg_from_peer": "",
         "msg_from_id": "", "views": "1500.0", "number_replies": "0", "number_forwards": "12.0", "is_forward": "1",
         "forward_msg_from_peer_type": "PeerChannel", "forward_msg_from_peer_id": "2002.0",
         "forward_msg_from_peer_name": "origin_ch", "forward_msg_date": "2023-02-28 08:30:00",
         "forward_msg_link": "https://t.me/origin_ch/345", "is_reply": "0", "reply_to_msg_id": "",
         "contains_media": "1", "media_type": "MessageMediaPhoto", "has_url": "1", "url": "https://site.example/a"},
        {"signature": "msg_iteration.1.user.newsroom.post.12", "channel_id": "1001.0", "channel_name": "newsroom",
         "msg_id": "12.0", "message": "reply", "date": "2023-03-01 11:00:00", "msg_from_peer": "PeerUser",
         "msg_from_id": "555.0", "views": "", "is_forward": "0", "is_reply": "1", "reply_to_msg_id": "11.0",
         "contains_media": "0", "media_type": ""},
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_tracker_rows(tmp_path: Path) -> None:
    path = tracker_csv(tmp_path / "msgs_dataset.csv")
    ctx = ReadContext(path, IngestOptions())
    first, second = telegram_tracker.read(path, ctx)
    assert (first["channel_id"], first["channel"], first["message_id"]) == ("1001", "newsroom", "11")
    assert first["posted_at"] == datetime(2023, 3, 1, 10, tzinfo=UTC)  # UTC without offset, not local time
    assert (first["views"], first["forwards"], first["media_type"], first["author"]) == (1500, 12, "photo", None)
    assert (first["fwd_from_id"], first["fwd_from_name"], first["fwd_from_message_id"]) == ("2002", "origin_ch", "345")
    assert first["fwd_posted_at"] == datetime(2023, 2, 28, 8, 30, tzinfo=UTC)
    assert first["links"] == ["https://t.me/other/5", "https://site.example/a"]
    assert first["hashtags"] == ["#خبر"]
    assert (second["message_id"], second["reply_to"], second["author"], second["views"]) == ("12", "11", "555", None)
    assert second["fwd_from_id"] is None and second["channel_id"] == "1001"
    assert ctx.tz_used is None  # never asked for a local zone


def test_tracker_sniff_needs_its_header(tmp_path: Path) -> None:
    path = tracker_csv(tmp_path / "export.csv")
    assert telegram_tracker.sniff(path, path.read_bytes()[:65536])
    assert detect.sniff(path) == "telegram_tracker"
    partial = tmp_path / "partial.csv"
    partial.write_text("channel_id,msg_id,message,date\n1,2,x,2023-01-01\n", encoding="utf-8")
    assert not telegram_tracker.sniff(partial, partial.read_bytes())
    assert detect.sniff(partial) == "table"
