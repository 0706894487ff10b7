"""Small valid inputs for every reader, written by the tests themselves: the starting points the fuzzer mutates.

Each seed writes its files into a fresh folder and returns a :class:`Seed`: what to pass to ``narrascope ingest``
(a file, or a folder for formats read as a whole) and which file's bytes the mutators change. Shapes follow the
fixtures of tests/ingest/ (authored for narrascope after each tool's documented output).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SEEDS", "Seed"]


@dataclass(frozen=True)
class Seed:
    name: str
    target: Path
    """What ``narrascope ingest`` is given."""
    victim: Path
    """The file whose bytes a mutation changes."""
    kind: str
    """json, ndjson, csv, html, text, binary: which structure-aware mutators apply."""


BASE = 1_700_000_000


def _desktop_messages(n: int = 6) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        text = [f"پیام {i} ", {"type": "link", "text": "https://example.org/a"}, " ",
                {"type": "mention", "text": "@somebody"}, " ", {"type": "hashtag", "text": "#خبر"}]
        msg: dict[str, Any] = {"id": i, "type": "message", "date": "2023-11-14T22:13:20",
                               "date_unixtime": str(BASE + 3600 * i), "from": "Seed Channel", "from_id": "channel1001",
                               "text": text, "text_entities": [p if isinstance(p, dict) else {"type": "plain", "text": p}
                                                               for p in text]}
        if i % 3 == 0:
            msg["forwarded_from"] = "Other Channel"
        if i % 2 == 0:
            msg["reactions"] = [{"type": "emoji", "count": 3, "emoji": "👍"}]
            msg["photo"] = "photos/p.jpg"
        out.append(msg)
    out.append({"id": 99, "type": "service", "date": "2023-11-15T00:00:00", "date_unixtime": str(BASE + 99999),
                "actor": "Seed Channel", "actor_id": "channel1001", "action": "pin_message", "text": ""})
    return out


def _chat() -> dict[str, Any]:
    return {"name": "Seed Channel", "type": "public_channel", "id": 1001, "messages": _desktop_messages()}


def telegram_json(folder: Path) -> Seed:
    path = folder / "result.json"
    path.write_text(json.dumps(_chat(), ensure_ascii=False, indent=1), encoding="utf-8")
    return Seed("telegram_json", path, path, "json")


def telegram_html(folder: Path) -> Seed:
    from narrascope.demo.html_export import write_html_export

    export = folder / "ChatExport"
    write_html_export(_chat(), export, per_file=4)
    return Seed("telegram_html", export, export / "messages.html", "html")


def _telethon_message(i: int) -> dict[str, Any]:
    text = f"😀 متن {i} @kanal2 https://x.example/{i}"
    return {
        "_": "Message", "id": i, "peer_id": {"_": "PeerChannel", "channel_id": 1001},
        "date": f"2023-03-0{1 + i % 8}T10:00:00+00:00", "message": text, "out": False, "views": 10 * i,
        "forwards": i, "edit_date": None, "post_author": "Editor" if i == 2 else None,
        "grouped_id": 555 if i in (3, 4) else None,
        "from_id": {"_": "PeerUser", "user_id": 77} if i == 5 else None,
        "fwd_from": {"_": "MessageFwdHeader", "date": "2023-02-28T08:00:00+00:00",
                     "from_id": {"_": "PeerChannel", "channel_id": 2002}, "channel_post": 9} if i == 1 else None,
        "reply_to": {"_": "MessageReplyHeader", "reply_to_msg_id": 1} if i == 6 else None,
        "media": {"_": "MessageMediaPhoto", "photo": {"_": "Photo", "id": 1}} if i % 2 else None,
        "entities": [{"_": "MessageEntityMention", "offset": len("😀 متن x ".encode("utf-16-le")) // 2 + len(str(i)) - 1,
                      "length": 7},
                     {"_": "MessageEntityUrl", "offset": 20, "length": 18}],
        "reactions": {"_": "MessageReactions", "results": [{"_": "ReactionCount", "count": 2}]},
    }


def telethon(folder: Path) -> Seed:
    path = folder / "dump.json"
    path.write_text(json.dumps([_telethon_message(i) for i in range(1, 8)], ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return Seed("telethon", path, path, "json")


def telethon_ndjson(folder: Path) -> Seed:
    path = folder / "dump.ndjson"
    path.write_text("".join(json.dumps(_telethon_message(i), ensure_ascii=False) + "\n" for i in range(1, 8)),
                    encoding="utf-8")
    return Seed("telethon_ndjson", path, path, "ndjson")


def _fourcat_item(i: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": i, "peer_id": {"channel_id": 1001, "_type": "PeerChannel"}, "date": 1677664800.0 + i,
        "message": f"متن {i} @kanal2", "views": 40, "forwards": 1, "edit_date": None, "post_author": None,
        "grouped_id": None, "reply_to": None, "media": None, "from_id": None,
        "fwd_from": {"date": 1677600000.0, "from_id": None, "from_name": "Hidden Person", "_type": "MessageFwdHeader"}
        if i == 2 else None,
        "entities": [{"offset": 6, "length": 7, "_type": "MessageEntityMention"}],
        "_chat": {"id": 1001, "title": "Kanal Eins", "username": "kanal1", "broadcast": True, "_type": "Channel"},
        "_sender": {"id": 1001, "title": "Kanal Eins", "username": "kanal1", "_type": "Channel"},
    }
    return item


def fourcat_ndjson(folder: Path) -> Seed:
    path = folder / "telegram-dataset.ndjson"
    path.write_text("".join(json.dumps(_fourcat_item(i), ensure_ascii=False) + "\n" for i in range(1, 7)),
                    encoding="utf-8")
    return Seed("fourcat_ndjson", path, path, "ndjson")


FOURCAT_HEADER = [
    "id", "thread_id", "chat", "author", "author_username", "author_name", "author_is_bot", "body",
    "body_markdown", "is_reply", "reply_to", "views", "reactions", "timestamp", "unix_timestamp",
    "timestamp_edited", "unix_timestamp_edited", "author_forwarded_from_name", "author_forwarded_from_username",
    "author_forwarded_from_id", "entities_linked", "entities_mentioned", "all_connections",
    "timestamp_forwarded_from", "unix_timestamp_forwarded_from", "link_title", "link_description",
    "link_attached", "attachment_type", "attachment_data", "attachment_filename",
]


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def fourcat_csv(folder: Path) -> Seed:
    path = folder / "telegram-4cat.csv"
    rows = [{"id": f"kanal1-{i}", "thread_id": "kanal1", "chat": "kanal1", "author": "kanal1",
             "author_username": "kanal1", "author_name": "Kanal Eins", "body": f"متن {i}, \"quoted\"\nline two",
             "views": "12", "reactions": "👍👍", "timestamp": "2023-03-01 10:00:00",
             "unix_timestamp": str(1677664800 + i), "author_forwarded_from_name": "Origin" if i == 2 else "",
             "entities_mentioned": "kanal2", "attachment_type": "image" if i == 3 else ""}
            for i in range(1, 7)]
    _write_csv(path, FOURCAT_HEADER, rows)
    return Seed("fourcat_csv", path, path, "csv")


TRACKER_COLUMNS = [
    "signature", "channel_id", "channel_name", "msg_id", "message", "cleaned_message", "date", "msg_link",
    "msg_from_peer", "msg_from_id", "views", "number_replies", "number_forwards", "is_forward",
    "forward_msg_from_peer_type", "forward_msg_from_peer_id", "forward_msg_from_peer_name", "forward_msg_date",
    "forward_msg_date_string", "forward_msg_link", "is_reply", "reply_to_msg_id", "reply_msg_link",
    "contains_media", "media_type", "has_url", "url",
]


def tracker_csv(folder: Path) -> Seed:
    path = folder / "msgs_dataset.csv"
    rows = [{"signature": f"msg_iteration.{i}", "channel_id": "1001", "channel_name": "newsroom", "msg_id": f"{i}.0",
             "message": f"خبر {i} https://t.me/other/5 #خبر", "date": f"2023-03-01 1{i}:00:00",
             "msg_from_peer": "PeerUser" if i == 2 else "", "msg_from_id": "555.0" if i == 2 else "",
             "views": "1500.0", "number_forwards": "3", "is_forward": "1" if i == 1 else "0",
             "forward_msg_from_peer_type": "PeerChannel" if i == 1 else "",
             "forward_msg_from_peer_id": "2002.0" if i == 1 else "",
             "forward_msg_from_peer_name": "origin_ch" if i == 1 else "",
             "forward_msg_date": "2023-02-28 08:30:00" if i == 1 else "",
             "forward_msg_link": "https://t.me/origin_ch/345" if i == 1 else "",
             "media_type": "MessageMediaPhoto" if i == 3 else ""} for i in range(1, 6)]
    _write_csv(path, TRACKER_COLUMNS, rows)
    return Seed("telegram_tracker", path, path, "csv")


def instagram(folder: Path) -> Seed:
    path = folder / "instagram-someuser-2024-05-01-abc" / "your_instagram_activity" / "content" / "posts_1.json"
    path.parent.mkdir(parents=True)
    posts = [{"media": [{"uri": f"media/posts/2024/p{i}.jpg", "creation_timestamp": 1715566876 + i,
                         "title": "سلام دنیا #آزادی @some.user".encode().decode("latin-1")}]} for i in range(4)]
    posts.append({"media": [{"uri": "media/posts/c1.jpg", "creation_timestamp": 1710165470, "title": ""},
                            {"uri": "media/posts/c2.mp4", "creation_timestamp": 1710165470, "title": ""}],
                  "title": "Un Taxi", "creation_timestamp": 1710165471})
    path.write_text(json.dumps(posts, ensure_ascii=True), encoding="ascii")
    return Seed("instagram", path, path, "json")


def instaloader(folder: Path) -> Seed:
    profile = folder / "iran_news_fa"
    profile.mkdir()
    victim = profile / "2024-01-02_03-04-05_UTC.json.xz"
    for i, name in enumerate(("2024-01-02_03-04-05_UTC", "2024-01-03_03-04-05_UTC")):
        node = {"__typename": "GraphImage", "id": str(100 + i), "shortcode": f"C{i}xyz",
                "taken_at_timestamp": 1704164645 + 86400 * i, "owner": {"id": "42", "username": "iran_news_fa"},
                "edge_media_preview_like": {"count": 5},
                "edge_media_to_caption": {"edges": [{"node": {"text": f"خبر {i} #ایران"}}]}}
        with lzma.open(profile / f"{name}.json.xz", "wt", encoding="utf-8") as fh:
            json.dump({"node": node, "instaloader": {"version": "4.13", "node_type": "Post"}}, fh, ensure_ascii=False)
        (profile / f"{name}.txt").write_text(f"خبر {i} #ایران", encoding="utf-8")
    return Seed("instaloader", profile, victim, "binary")


_BODY = ("The ministry announced on Tuesday that the new rules would take effect next month across the country. "
         "Officials said the decision followed months of consultation with regional authorities and civil groups. "
         "Critics argued that the measures had been rushed through without a proper debate in parliament. ")
PAGE = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Ministry sets new rules - Example Times</title>"
        f"<link rel=\"canonical\" href=\"https://www.example-times.com/news/rules-2024\">"
        f"<meta property=\"article:published_time\" content=\"2024-03-01T10:00:00+03:30\"></head><body>"
        f"<article><h1>Ministry sets new rules</h1><p>{_BODY}</p><p>{_BODY.replace('ministry', 'agency')}</p>"
        f"</article></body></html>")


def web_html(folder: Path) -> Seed:
    path = folder / "article.html"
    path.write_text(PAGE, encoding="utf-8")
    return Seed("web_html", path, path, "html")


def warc_file(folder: Path, compress: bool) -> Seed:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = folder / ("crawl.warc.gz" if compress else "crawl.warc")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=compress)
        for i in range(2):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            body = PAGE.replace("rules-2024", f"rules-{i}").encode()
            writer.write_record(writer.create_warc_record(f"https://www.example-times.com/news/{i}", "response",
                                                          payload=io.BytesIO(body), http_headers=http))
    return Seed("warc_gz" if compress else "warc", path, path, "binary")


def text_article(folder: Path) -> Seed:
    path = folder / "outlet_a_article.txt"
    path.write_text("url: https://news.example/a\ntitle: Rules announced\ndate: 2024-03-01\n\n" + _BODY * 2,
                    encoding="utf-8")
    return Seed("text_article", path, path, "text")


_TABLE_ROWS = [{"id": i, "channel": "table chan", "date": f"2024-01-0{i}T10:00:00Z", "text": f"متن {i}, a \"quote\"",
                "author": "Person Name", "views": 10 * i} for i in range(1, 7)]


def table_csv(folder: Path) -> Seed:
    path = folder / "posts.csv"
    _write_csv(path, list(_TABLE_ROWS[0]), _TABLE_ROWS)
    return Seed("table_csv", path, path, "csv")


def table_tsv(folder: Path) -> Seed:
    path = folder / "posts.tsv"
    _write_csv(path, list(_TABLE_ROWS[0]), _TABLE_ROWS, delimiter="\t")
    return Seed("table_tsv", path, path, "csv")


def table_jsonl(folder: Path) -> Seed:
    path = folder / "posts.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _TABLE_ROWS), encoding="utf-8")
    return Seed("table_jsonl", path, path, "ndjson")


def table_parquet(folder: Path) -> Seed:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / "posts.parquet"
    pq.write_table(pa.Table.from_pylist(_TABLE_ROWS), path)
    return Seed("table_parquet", path, path, "binary")


def table_xlsx(folder: Path) -> Seed:
    import openpyxl

    path = folder / "posts.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(_TABLE_ROWS[0]))
    for r in _TABLE_ROWS:
        sheet.append(list(r.values()))
    book.save(path)
    return Seed("table_xlsx", path, path, "binary")


def table_csv_gz(folder: Path) -> Seed:
    """Not a format narrascope reads (gzip of a CSV): refused or skipped, never a crash."""
    path = folder / "posts.csv.gz"
    path.write_bytes(gzip.compress(b"id,text\n1,x\n"))
    return Seed("gzip", path, path, "binary")


SEEDS: dict[str, Callable[[Path], Seed]] = {
    "telegram_json": telegram_json,
    "telegram_html": telegram_html,
    "telethon": telethon,
    "telethon_ndjson": telethon_ndjson,
    "fourcat_ndjson": fourcat_ndjson,
    "fourcat_csv": fourcat_csv,
    "telegram_tracker": tracker_csv,
    "instagram": instagram,
    "instaloader": instaloader,
    "web_html": web_html,
    "warc": lambda folder: warc_file(folder, False),
    "warc_gz": lambda folder: warc_file(folder, True),
    "text_article": text_article,
    "table_csv": table_csv,
    "table_tsv": table_tsv,
    "table_jsonl": table_jsonl,
    "table_parquet": table_parquet,
    "table_xlsx": table_xlsx,
}
