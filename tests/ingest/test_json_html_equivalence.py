"""The same chat exported as Desktop JSON and as Desktop HTML gives the same records.

Each chat below is written as result.json and, through ``narrascope.demo.html_export``, as an HTML export folder;
each is ingested into its own store (sharing one pseudonym key) and the stored rows are compared column by column.

Columns NOT compared, and why:
- ``uid``, ``channel_id``: the HTML does not carry the chat's id; alone it files rows under ``name:<title>`` (the
  one-store test below checks that the store then maps them to the JSON's real id, so uids agree there);
- ``edited_at``: Desktop's HTML shows no edit marker or time;
- ``fwd_posted_at``: Desktop's JSON has no forward date (the HTML shows one);
- ``source_file``, ``ingest_id``: provenance;
- for ``service`` rows only: ``posted_at`` (Desktop's HTML prints no time for events), ``author`` (it prints the
  actor's name inside a sentence, never an id) and ``text`` (JSON's event text is empty; HTML's is the sentence),
  with ``script`` and ``lang``, which the store derives from ``text``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from narrascope.demo.html_export import write_html_export
from narrascope.ingest.base import IngestOptions
from narrascope.models import RECORD_FIELDS
from narrascope.store.corpus import Corpus

EXCLUDED = {"uid", "channel_id", "edited_at", "fwd_posted_at", "source_file", "ingest_id"}
EXCLUDED_FOR_SERVICE = {"posted_at", "author", "text", "script", "lang"}
TEHRAN = timezone(timedelta(hours=3, minutes=30))
ZWNJ, RLM, LRM = "\u200c", "\u200f", "\u200e"
FORWARDED_AT = datetime(2024, 3, 1, 12, 0, 5, tzinfo=UTC)  # shown by the HTML only


class _Chat:
    """Builds Desktop-JSON messages with consecutive ids and explicit times."""

    def __init__(self, name: str, kind: str, chat_id: int) -> None:
        self.chat: dict[str, Any] = {"name": name, "type": kind, "id": chat_id, "messages": []}
        self.t = datetime(2024, 3, 9, 22, 50, 0, tzinfo=UTC)

    def add(self, after_s: int, **fields: Any) -> dict[str, Any]:
        """A message ``after_s`` seconds after the previous one; ``edited_after_s`` marks it edited that much later."""
        edited_after_s = fields.pop("edited_after_s", None)
        self.t += timedelta(seconds=after_s)
        msg: dict[str, Any] = {"id": len(self.chat["messages"]) + 1, "type": "message", **self._date("date", self.t)}
        if edited_after_s is not None:
            msg.update(self._date("edited", self.t + timedelta(seconds=edited_after_s)))
        msg.update(fields)
        if msg["type"] == "message":
            msg.setdefault("text", "")
            text = msg["text"]
            parts = [text] if isinstance(text, str) else text
            msg["text_entities"] = [{"type": "plain", "text": p} if isinstance(p, str) else p
                                    for p in parts if p != ""]
        self.chat["messages"].append(msg)
        return msg


    @staticmethod
    def _date(key: str, when: datetime) -> dict[str, str]:
        """Desktop's pair: local time of the exporting machine (Tehran here) and the Unix time."""
        return {key: when.astimezone(TEHRAN).replace(tzinfo=None).isoformat(), f"{key}_unixtime": str(int(when.timestamp()))}


def channel_chat() -> dict[str, Any]:
    name = "خبر فوری | Breaking"
    cid = 1500000001
    c = _Chat(name, "public_channel", cid)
    me = {"from": name, "from_id": f"channel{cid}"}
    c.add(0, type="service", actor=name, actor_id=f"channel{cid}", action="create_channel", title=name, text="")
    c.add(60, **me, author="Sara Karimi", text=[
        f"گزارش{ZWNJ}های تازه {RLM}از تهران 🇮🇷 — ",
        {"type": "hashtag", "text": "#ایران"}, " و ", {"type": "hashtag", "text": f"#می{ZWNJ}روم"},
        "\nبا ", {"type": "mention", "text": "@bbcpersian"}, " ",
        {"type": "link", "text": "https://example.com/a?b=1&c=2"}, " ",
        {"type": "text_link", "text": "اینجا", "href": "https://example.org/x?y=<1>&z=\"q\""}, "\n",
        {"type": "bold", "text": "bold"}, {"type": "italic", "text": "italic"}, {"type": "code", "text": "a<b"},
        {"type": "pre", "text": "line1\nline2", "language": "python"}, {"type": "strikethrough", "text": "struck"},
        {"type": "underline", "text": "under"}, {"type": "spoiler", "text": "secret"},
        {"type": "blockquote", "text": "quoted\ntext"}, " ", {"type": "email", "text": "news@example.com"}, " ",
        {"type": "phone", "text": "+98 21 1234 5678"}, " ", {"type": "cashtag", "text": "$USD"}, " ",
        {"type": "bot_command", "text": "/start"}, " ", {"type": "mention_name", "text": "Ali", "user_id": 42},
        " ", {"type": "custom_emoji", "text": "🔥", "document_id": "5377"}, " ",
        {"type": "bank_card", "text": "4111 1111 1111 1111"}, " ",
        {"type": "link", "text": "https://example.com/a?b=1&c=2"},  # repeated: de-duplicated
    ], reactions=[{"type": "emoji", "count": 12, "emoji": "👍"},
                  {"type": "emoji", "count": 2, "emoji": "❤",
                   "recent": [{"from": "Ali Rezaei", "from_id": "user1", "date": "2024-03-10T02:21:00"},
                              {"from": "Mina", "from_id": "user2", "date": "2024-03-10T02:22:00"}]}])
    c.add(70, **me, text=f"Literal &amp; stays, <b>not bold</b>, \"quotes\" & 'apostrophes'\n\nline 3 {LRM}end",
          photo="(File not included. Change data exporting settings to download.)", width=1280, height=720,
          edited_after_s=600)
    c.add(30, **me, file="(File not included. Change data exporting settings to download.)",
          media_type="voice_message", mime_type="audio/ogg", duration_seconds=14, text="")
    c.add(40, **me, forwarded_from="Other Channel", text="متن بازنشر شده https://t.me/other/5",
          forwarded_date_unixtime=str(int(FORWARDED_AT.timestamp())))
    c.add(1, **me, forwarded_from="Other Channel", text="second forward, same second")
    c.add(5, **me, file="(File not included. Change data exporting settings to download.)", media_type="video_file",
          duration_seconds=75, width=640, height=360, text=[{"type": "italic", "text": "caption only"}])
    c.add(5, **me, file="(File not included. Change data exporting settings to download.)", media_type="sticker",
          sticker_emoji="😀", text="")
    c.add(5, **me, file="(File not included. Change data exporting settings to download.)", media_type="animation",
          text="")
    c.add(5, **me, file="(File exceeds maximum size. Change data exporting settings to download.)",
          media_type="audio_file", performer="Singer", title="Song", duration_seconds=200, text="")
    c.add(5, **me, file="(File not included. Change data exporting settings to download.)",
          file_name="report.pdf", mime_type="application/pdf", text="the report")
    c.add(5, **me, poll={"question": "نظر شما؟", "closed": False, "total_voters": 3,
                         "answers": [{"text": "بله", "voters": 2, "chosen": False},
                                     {"text": "خیر", "voters": 1, "chosen": False}]})
    c.add(5, **me, location_information={"latitude": 35.7, "longitude": 51.4}, text="")
    c.add(5, **me, contact_information={"first_name": "A", "last_name": "B", "phone_number": "+1"}, text="")
    c.add(5, type="service", actor=name, actor_id=f"channel{cid}", action="pin_message", message_id=2, text="")
    c.add(3600 * 5, **me, text="Just plain text, a day later in Tehran: https://not-an-entity.example")
    c.add(5, type="service", actor=name, actor_id=f"channel{cid}", action="edit_group_title", title=name, text="")
    return c.chat


def group_chat() -> dict[str, Any]:
    name = "گروه آزمایشی Test"
    gid = 1600000002
    c = _Chat(name, "private_supergroup", gid)
    ali = {"from": "Ali Rezaei", "from_id": "user1"}
    sara = {"from": "Sara", "from_id": "user2"}
    c.add(0, type="service", actor="Ali Rezaei", actor_id="user1", action="join_group_by_link",
          inviter="Sara", text="")
    c.add(10, **ali, text="سلام")
    c.add(120, **ali, text="joined run: same sender two minutes later")
    c.add(60, **ali, text=["with a ", {"type": "text_link", "text": "hidden link", "href": "https://h.example/p"}])
    c.add(20 * 60, **ali, text="twenty minutes later: a new run")
    c.add(30, **sara, text="reply to Ali", reply_to_message_id=2)
    c.add(30, **sara, forwarded_from="Some Channel", text="forwarded")
    c.add(1, **sara, forwarded_from="Some Channel", text="forwarded again within a second")
    c.add(30, **sara, reply_to_message_id=3, text="", photo="(File not included. Change data exporting settings to "
          "download.)", width=10, height=10)
    c.add(30, **ali, via_bot="@gif", text="sent via a bot")
    c.add(30, **{"from": name, "from_id": f"channel{gid}"}, author="Admin Sig", text="anonymous admin post")
    c.add(30, type="service", actor="Sara", actor_id="user2", action="invite_members", members=["Mina", "Reza"],
          text="")
    c.add(30, **sara, text="everyone who reacted is listed", reactions=[
        {"type": "emoji", "count": 2, "emoji": "😂",
         "recent": [{"from": "Ali Rezaei", "from_id": "user1", "date": "2024-03-10T03:00:00"},
                    {"from": "Mina", "from_id": "user3", "date": "2024-03-10T03:00:05"}]},
        {"type": "custom_emoji", "count": 4, "document_id": "99"}])
    c.add(86400, **ali, text="next day", edited_after_s=3600)
    c.add(5, **ali, reply_to_message_id=2, text="reply across pages")
    c.add(5, type="service", actor="Ali Rezaei", actor_id="user1", action="pin_message", message_id=6, text="")
    return c.chat


def _ingest(store: Path, path: Path, options: IngestOptions, key: str | None = None) -> list[dict[str, Any]]:
    with Corpus.open(store) as corpus:
        if key:
            corpus.import_key(key)
        corpus.ingest([path], options)
        df = corpus.messages(kinds=None)
        return sorted(df.to_dicts(), key=lambda r: int(r["message_id"]))


def assert_same_records(from_json: list[dict[str, Any]], from_html: list[dict[str, Any]]) -> None:
    """Equal on every column both formats carry (see EXCLUDED / EXCLUDED_FOR_SERVICE for what one of them lacks)."""
    compared = [c for c in RECORD_FIELDS if c not in EXCLUDED]
    for j, h in zip(from_json, from_html, strict=True):
        cols = [c for c in compared if not (j["kind"] == "service" and c in EXCLUDED_FOR_SERVICE)]
        diff = {c: (j[c], h[c]) for c in cols if j[c] != h[c]}
        assert not diff, f"message {j['message_id']}: {diff}"


def _write_both(chat: dict[str, Any], tmp: Path, utc_offset: str | None, per_file: int) -> tuple[Path, Path]:
    json_path = tmp / "json" / "result.json"
    json_path.parent.mkdir()
    with json_path.open("w", encoding="utf-8") as fh:
        json.dump(chat, fh, ensure_ascii=False, indent=1)
    html_dir = tmp / "html"
    write_html_export(chat, html_dir, per_file=per_file, utc_offset=utc_offset)
    return json_path, html_dir


@pytest.mark.slow
@pytest.mark.parametrize("build", [channel_chat, group_chat])
@pytest.mark.parametrize(("utc_offset", "tz"), [("+03:30", None), (None, "Asia/Tehran"), ("+00:00", None)])
def test_json_and_html_give_equal_records(tmp_path: Path, build: Any, utc_offset: str | None,
                                          tz: str | None) -> None:
    chat = build()
    json_path, html_dir = _write_both(chat, tmp_path, utc_offset, per_file=5)
    assert len(list(html_dir.glob("messages*.html"))) > 1  # replies and joined runs cross page boundaries
    with Corpus.open(tmp_path / "j.duckdb") as corpus:
        key = corpus.export_key()
    from_json = _ingest(tmp_path / "j.duckdb", json_path, IngestOptions())
    from_html = _ingest(tmp_path / "h.duckdb", html_dir, IngestOptions(tz=tz), key)

    assert [r["message_id"] for r in from_json] == [str(m["id"]) for m in chat["messages"]]
    assert [r["message_id"] for r in from_html] == [r["message_id"] for r in from_json]
    assert_same_records(from_json, from_html)
    assert all(h["channel_id"] == "name:" + chat["name"] for h in from_html)
    # The chat has what the comparison is meant to cover (guards against a chat builder that silently lost it).
    posts = [j for j in from_json if j["kind"] == "post"]
    assert any(j["links"] for j in posts) and any(j["fwd_from_name"] for j in posts)
    assert any(j["reply_to"] for j in posts) or chat["type"] == "public_channel"
    assert any(j["edited_at"] for j in posts) and any(j["reactions"] for j in posts)
    assert any(j["media_type"] and not j["text"] for j in posts)  # media-only messages
    assert sum(1 for j in from_json if j["kind"] == "service") >= 2


def test_channel_record_details(tmp_path: Path) -> None:
    """Spot checks of what the comparison above takes for granted, on the HTML side."""
    json_path, html_dir = _write_both(channel_chat(), tmp_path, "+03:30", per_file=1000)
    rows = {r["message_id"]: r for r in _ingest(tmp_path / "h.duckdb", html_dir, IngestOptions(keep_authors=True))}
    rich = rows["2"]
    assert rich["author"] == "Sara Karimi"  # the signature of a channel post
    assert rich["hashtags"] == ["#ایران", f"#می{ZWNJ}روم"]
    assert rich["mentions"] == ["@bbcpersian", "Ali"]
    assert rich["links"] == ["https://example.com/a?b=1&c=2", "https://example.org/x?y=<1>&z=\"q\""]
    assert rich["reactions"] == 14
    assert f"گزارش{ZWNJ}های تازه {RLM}از تهران 🇮🇷" in rich["text"] and "line1\nline2" in rich["text"]
    assert rows["3"]["text"].startswith("Literal &amp; stays, <b>not bold</b>, \"quotes\" & 'apostrophes'\n\n")
    assert rows["3"]["media_type"] == "photo" and rows["3"]["author"] is None
    assert rows["4"]["media_type"] == "voice_message" and rows["4"]["text"] == ""
    assert rows["5"]["fwd_from_name"] == "Other Channel"
    assert rows["5"]["fwd_posted_at"] == FORWARDED_AT
    assert rows["16"]["text"].startswith("Just plain text") and rows["16"]["links"] == []
    assert rows["1"]["kind"] == "service" and rows["1"]["posted_at"] is None


@pytest.mark.slow
def test_html_after_json_into_one_store_adds_nothing(tmp_path: Path) -> None:
    for build in (channel_chat, group_chat):
        chat = build()
        sub = tmp_path / str(chat["id"])
        sub.mkdir()
        json_path, html_dir = _write_both(chat, sub, "+03:30", per_file=4)
        with Corpus.open(tmp_path / "one.duckdb") as corpus:
            first = corpus.ingest([json_path])
            second = corpus.ingest([html_dir])
            assert first.totals()["added"] == len(chat["messages"])
            totals = second.totals()
            assert totals["rows_read"] == len(chat["messages"])
            assert totals["added"] == 0 and totals["updated"] == 0
            assert totals["skipped"] == len(chat["messages"])
            ids = corpus.sql("SELECT DISTINCT channel_id FROM messages WHERE channel = ?", [chat["name"]])
            assert ids["channel_id"].to_list() == [str(chat["id"])]


@pytest.mark.slow
def test_a_demo_generated_chat_gives_equal_records_from_json_and_html(tmp_path: Path) -> None:
    """Issue acceptance: a chat made by the demo generator, exported both ways, ingests to the same records."""
    from narrascope.demo import DemoConfig
    from narrascope.demo.stream import DemoStream

    stream = DemoStream(DemoConfig(seed=3, messages=2500, html_channels=0))
    messages: dict[str, list[dict[str, Any]]] = {}
    for spec, msg in stream:
        messages.setdefault(spec.channel_id, []).append(msg)
    # the busiest Persian channel with signatures, forwards and service messages
    spec = max(stream.channels, key=lambda c: (bool(c.signers), len(messages.get(c.channel_id, []))))
    chat = {"name": spec.name, "type": spec.chat_type, "id": spec.peer_id, "messages": messages[spec.channel_id]}
    json_path, html_dir = _write_both(chat, tmp_path, "+00:00", per_file=100)
    with Corpus.open(tmp_path / "j.duckdb") as corpus:
        key = corpus.export_key()
    from_json = _ingest(tmp_path / "j.duckdb", json_path, IngestOptions())
    from_html = _ingest(tmp_path / "h.duckdb", html_dir, IngestOptions(), key)
    assert len(from_json) == len(chat["messages"]) > 100
    assert [r["message_id"] for r in from_html] == [r["message_id"] for r in from_json]
    assert_same_records(from_json, from_html)
    assert any(j["fwd_from_name"] for j in from_json) and any(j["author"] for j in from_json)
