"""Telegram Desktop JSON reader: roots, field mapping, old exports, tolerance, errors (synthetic exports).

The fixtures are written the way Telegram Desktop's serializer writes (1-space indentation, raw UTF-8, control
characters as the invalid ``\\xNN`` escapes); see ../shared/data/telegram/SCHEMA_NOTES.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.cli import main
from narrascope.errors import InputError
from narrascope.ingest import detect
from narrascope.ingest import telegram_json as tj
from narrascope.ingest.base import IngestOptions, ReadContext
from narrascope.ingest.telegram_common import (
    author_identity,
    entity_fields,
    extract_hashtags,
    extract_links,
    extract_mentions,
    media_type_of,
    plain_text,
)
from narrascope.store.corpus import Corpus


def desktop_json(value: Any, indent: int = 0) -> str:
    """Serialise like Telegram Desktop: control characters below 0x20 (other than \\n \\r \\t) as \\xNN."""
    pad = " " * indent
    if isinstance(value, dict):
        inner = [f'{pad} {desktop_json(k)}: {desktop_json(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(inner) + "\n" + pad + "}" if inner else "{}"
    if isinstance(value, list):
        inner = [f"{pad} {desktop_json(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(inner) + "\n" + pad + "]" if inner else "[]"
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch in "\n\r\t":
                out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
            elif ord(ch) < 0x20:
                out.append(f"\\x{ord(ch):02X}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    return json.dumps(value)


def write(path: Path, root: Any, prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + desktop_json(root).encode("utf-8"))
    return path


def msg(mid: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": mid, "type": "message", "date": "2024-03-01T10:00:00",
                            "date_unixtime": str(1709287200 + mid)}
    base.update(fields)
    base.setdefault("text", "")
    base.setdefault("text_entities", [])
    return base


def parts(*items: Any) -> dict[str, Any]:
    """A text given as parts: ``text`` and the matching ``text_entities``."""
    ents = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in items]
    return {"text": list(items), "text_entities": ents}


def read_all(path: Path, **options: Any) -> tuple[list[dict[str, Any]], ReadContext]:
    ctx = ReadContext(path, IngestOptions(**options))
    return list(tj.read(path, ctx)), ctx


GROUP = {"name": "Test group", "type": "private_supergroup", "id": 777}


# ----------------------------------------------------------------------------------------------- field mapping
def test_group_messages_map_to_canonical_fields(tmp_path: Path) -> None:
    messages = [
        msg(1, **{"from": "Ali", "from_id": "user42"}, **parts(
            "see ", {"type": "text_link", "text": "this", "href": "https://a.example/x"}, " and ",
            {"type": "link", "text": "https://b.example"}, " ", {"type": "link", "text": "https://b.example"},
            " ", {"type": "mention", "text": "@someone"}, " ", {"type": "mention_name", "text": "Sara", "user_id": 9},
            " ", {"type": "hashtag", "text": "#خبر"}, " ", {"type": "bold", "text": "A &amp; B"})),
        msg(2, **{"from": None, "from_id": "user43", "reply_to_message_id": 1, "forwarded_from": "Some channel",
                  "photo": "photos/p.jpg", "edited": "2024-03-01T11:00:00", "edited_unixtime": "1709290800",
                  "reactions": [{"type": "emoji", "count": 3, "emoji": "👍"}, {"type": "custom_emoji", "count": 2}]}),
        msg(3, **{"from": "Ali", "from_id": "user42", "file": "files/a.ogg", "media_type": "voice_message",
                  "reply_to_message_id": 50, "reply_to_peer_id": 12345}),
        {"id": 4, "type": "service", "date": "2024-03-01T10:00:00", "date_unixtime": "1709287204",
         "actor": "Ali", "actor_id": "user42", "action": "pin_message", "message_id": 1, "text": "",
         "text_entities": []},
        {"id": 5, "type": "unsupported"},
        msg(6, **{"from": "Anon admin", "from_id": "channel777", "author": "Moderator", "poll": {"question": "?"}}),
    ]
    recs, ctx = read_all(write(tmp_path / "result.json", {**GROUP, "messages": messages}))
    assert [r["message_id"] for r in recs] == ["1", "2", "3", "4", "5", "6"]
    assert {r["channel_id"] for r in recs} == {"777"} and {r["channel"] for r in recs} == {"Test group"}
    assert list(ctx.channels.values())[0].type == "private_supergroup"
    first, second, third, service, unsupported, admin = recs
    assert first["text"] == "see this and https://b.example https://b.example @someone Sara #خبر A &amp; B"
    assert first["links"] == ["https://a.example/x", "https://b.example"]
    assert first["mentions"] == ["@someone", "Sara"] and first["hashtags"] == ["#خبر"]
    assert first["author"] == "Ali" and first["kind"] == "post"
    assert first["posted_at"] == datetime(2024, 3, 1, 10, 0, 1, tzinfo=UTC)
    assert second["author"] == "user43"  # a deleted account: no name, so its id
    assert second["reply_to"] == "1" and second["fwd_from_name"] == "Some channel"
    assert second["media_type"] == "photo" and second["reactions"] == 5
    assert second["edited_at"] == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert third["media_type"] == "voice_message" and third["reply_to"] is None  # reply into another chat
    assert service["kind"] == "service" and service["author"] == "Ali"
    assert unsupported["kind"] == "service" and unsupported["posted_at"] is None
    assert admin["author"] == "Moderator" and admin["media_type"] == "poll"
    assert all(r["views"] is None and r["forwards"] is None and r["title"] is None for r in recs)


def test_channel_posts_take_the_signature_or_no_author(tmp_path: Path) -> None:
    chan = {"name": "News", "type": "public_channel", "id": 99}
    messages = [msg(1, **{"from": "News", "from_id": "channel99", "author": "Reza"}, text="signed"),
                msg(2, **{"from": "News", "from_id": "channel99"}, text="unsigned")]
    recs, _ = read_all(write(tmp_path / "c.json", {**chan, "messages": messages}))
    assert [r["author"] for r in recs] == ["Reza", None]


def test_invalid_control_escapes_are_read_as_the_characters(tmp_path: Path) -> None:
    messages = [msg(1, text="tab\there \x0b vt \x01 and \\x0B literal")]
    path = write(tmp_path / "r.json", {**GROUP, "messages": messages})
    assert b"\\x0B vt" in path.read_bytes()  # the file really has Desktop's invalid escape
    recs, _ = read_all(path)
    assert recs[0]["text"] == "tab\there \x0b vt \x01 and \\x0B literal"


def test_old_export_integer_ids_no_entities_local_dates(tmp_path: Path) -> None:
    messages = [{"id": 10, "type": "message", "date": "2020-06-01T12:00:00", "from": "Old user", "from_id": 1008,
                 "text": "read https://x.example/a?b=1&amp;c=2. by @old_name #tag1 and #۱۲۳"},
                {"id": 11, "type": "message", "date": "2020-06-01T12:30:00", "from": "Chan", "from_id": 555,
                 "text": ["bold ", {"type": "link", "text": "http://y.example"}]}]
    path = write(tmp_path / "old.json", {"name": "Chan", "type": "public_channel", "id": 555, "messages": messages})
    recs, ctx = read_all(path, tz="Asia/Tehran")
    assert recs[0]["posted_at"] == datetime(2020, 6, 1, 7, 30, tzinfo=UTC)  # +04:30 in summer 2020
    assert recs[0]["author"] == "Old user"
    assert recs[0]["links"] == ["https://x.example/a?b=1&amp;c=2"]
    assert recs[0]["mentions"] == ["@old_name"] and recs[0]["hashtags"] == ["#tag1"]
    assert recs[1]["links"] == ["http://y.example"] and recs[1]["text"] == "bold http://y.example"
    assert recs[1]["author"] is None  # bare integer id equal to the chat's: the channel itself
    assert ctx.tz_used == "Asia/Tehran" and any("Asia/Tehran" in n for n in ctx.notes)
    _, ctx_utc = read_all(path)
    assert ctx_utc.tz_used == "UTC" and any("UTC" in n for n in ctx_utc.notes)


def test_bom_prefixed_file_is_read_and_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.json", {**GROUP, "messages": [msg(1, text="x")]}, prefix=b"\xef\xbb\xbf")
    assert tj.sniff(path, path.read_bytes()[:65536])
    assert [r["text"] for r in read_all(path)[0]] == ["x"]


# ----------------------------------------------------------------------------------------------- roots
def account_root(chats: list[dict[str, Any]], left: list[dict[str, Any]]) -> dict[str, Any]:
    return {"about": "Here is the data you requested.",
            "personal_information": {"user_id": 1, "first_name": "Me"},
            "contacts": {"about": "…", "list": [{"first_name": "A", "phone_number": "+1"}] * 3},
            "chats": {"about": "…", "list": chats}, "left_chats": {"about": "…", "list": left}}


def test_account_export_streams_each_chat_as_its_own_channel(tmp_path: Path) -> None:
    chats: list[dict[str, Any]] = [
        {"name": "Alpha", "type": "public_channel", "id": 1, "messages": [msg(1, text="a1"), msg(2, text="a2")]},
             {"name": None, "type": "personal_chat", "id": 2, "messages": []},
             {"name": "Gamma", "type": "private_group", "id": 3, "messages": [msg(1, text="g1")]}]
    left = [{"name": "Left", "type": "public_supergroup", "id": 4, "messages": [msg(7, text="l7")]}]
    path = write(tmp_path / "result.json", account_root(chats, left))
    assert tj.sniff(path, path.read_bytes()[:65536])
    recs, ctx = read_all(path)
    assert [(r["channel_id"], r["channel"], r["text"]) for r in recs] == [
        ("1", "Alpha", "a1"), ("1", "Alpha", "a2"), ("3", "Gamma", "g1"), ("4", "Left", "l7")]
    assert sorted(k[1] for k in ctx.channels) == ["1", "2", "3", "4"]


def test_chat_metadata_written_after_messages_is_still_used(tmp_path: Path) -> None:
    single = {"messages": [msg(1, text="x")], "name": "Late", "type": "public_channel", "id": 5}
    recs, ctx = read_all(write(tmp_path / "single.json", single))
    assert recs[0]["channel_id"] == "5" and recs[0]["channel"] == "Late"
    chats = [{"name": "Early", "id": 1, "messages": [msg(1, text="e")]},
             {"messages": [msg(1, text="late1"), msg(2, text="late2")], "name": "Late", "id": 2},
             {"name": "Next", "id": 3, "messages": [msg(9, text="n")]}]
    recs, _ = read_all(write(tmp_path / "account.json", account_root(chats, [])))
    assert [(r["channel_id"], r["text"]) for r in recs] == [("1", "e"), ("2", "late1"), ("2", "late2"), ("3", "n")]


def test_bare_array_of_mixed_senders_is_filed_under_the_file_name(tmp_path: Path) -> None:
    messages = [msg(1, **{"from": "A", "from_id": "user1"}), msg(2, **{"from": "B", "from_id": "user2"})]
    path = write(tmp_path / "dump.json", messages)
    assert tj.sniff(path, path.read_bytes())
    recs, ctx = read_all(path)
    assert {r["channel_id"] for r in recs} == {"name:dump"} and {r["channel"] for r in recs} == {None}
    assert any("name:dump" in n for n in ctx.notes)


@pytest.mark.parametrize(("content", "found"), [
    (b"42", "a number"), (b'"text"', "a string"), (b"null", "null"),
    (b'{"participants": [], "title": "x"}', "neither"), (b"", "empty"),
])
def test_wrong_roots_are_refused_with_what_was_found(tmp_path: Path, content: bytes, found: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_all(path)
    assert found in str(info.value) and str(path) in str(info.value) and "byte 0" in str(info.value)


@pytest.mark.parametrize(("content", "found"), [
    (b'{"name": "x", "type": "public_channel", "id": 5, "messages": {"1": {"id": 1}}}', '"messages" is an object'),
    (b'{"name": "x", "id": 5, "messages": null}', '"messages" is null'),
    (b'{"about": "x", "chats": [{"name": "x", "id": 5, "messages": []}]}', '"chats" is an array'),
])
def test_root_keys_holding_the_wrong_container_are_refused(tmp_path: Path, content: bytes, found: str) -> None:
    # Without this check ijson finds no "messages.item" and the file "ingests" zero messages without complaint.
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_all(path)
    assert found in str(info.value) and f"{path} (root key" in str(info.value)


def test_a_message_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"message #2 is int"):
        read_all(write(tmp_path / "r.json", {**GROUP, "messages": [msg(1), 5]}))


# ----------------------------------------------------------------------------------------------- sniffing
@pytest.mark.parametrize("root", [
    {"participants": [{"name": "a"}], "messages": [{"sender_name": "a", "timestamp_ms": 1, "type": "Generic"}]},
    {"_": "Message", "id": 1, "message": "telethon", "date": "2024-01-01T00:00:00+00:00"},
    [{"id": 1, "body": "4cat", "timestamp": "2024"}],
    {"about": "something else", "list": []},
])
def test_sniff_refuses_other_json(tmp_path: Path, root: Any) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(root))
    assert not tj.sniff(path, path.read_bytes())


def test_sniff_accepts_a_head_cut_mid_file(tmp_path: Path) -> None:
    messages = [msg(i, text="x" * 500) for i in range(400)]
    path = write(tmp_path / "result.json", {**GROUP, "messages": messages})
    head = path.read_bytes()[:65536]
    assert len(head) == 65536 and tj.sniff(path, head)
    assert not tj.sniff(tmp_path / "result.csv", head)


@pytest.mark.parametrize("name", ["result.txt", "result.json.txt", "result"])
def test_sniff_goes_by_structure_whatever_the_suffix(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, {**GROUP, "messages": [msg(1)]})
    assert detect.sniff(path) == "telegram_json"


# ----------------------------------------------------------------------------------------------- shared helpers
@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.builds(lambda t, k: {"type": k, "text": t}, st.text(max_size=8),
                                                          st.sampled_from(["bold", "link", "hashtag", "mention"]))),
                max_size=8))
@pytest.mark.slow
def test_plain_text_is_the_parts_concatenated(items: list[Any]) -> None:
    expected = "".join(p if isinstance(p, str) else p["text"] for p in items)
    assert plain_text(items) == expected
    fields = entity_fields(items)
    links = [p["text"] for p in items if isinstance(p, dict) and p["type"] == "link" and p["text"]]
    assert fields.links == list(dict.fromkeys(links))


def test_text_regexes() -> None:
    text = "See https://a.example/x_(y), www.b.example. and t.me/chan/5! mail me@host.org @user_name #تگ‌ها #1 x#no"
    assert extract_links(text) == ["https://a.example/x_(y)", "www.b.example", "t.me/chan/5"]
    assert extract_mentions(text) == ["@user_name"]
    assert extract_hashtags(text) == ["#تگ‌ها"]


def test_author_identity_rules() -> None:
    assert author_identity("Ali", "user1", "9") == "Ali"
    assert author_identity(None, "user1", "9") == "user1"
    assert author_identity(None, 1008, "9") == "1008"
    assert author_identity("Chan", "channel9", "9", "Sig") == "Sig"
    assert author_identity("Chan", "channel9", "9") is None
    assert author_identity("Other chan", "channel8", "9") == "Other chan"
    assert media_type_of({"location_information": {}}) == "location" and media_type_of({"text": ""}) is None


# ----------------------------------------------------------------------------------------------- CLI errors
def _store_is_empty(db: Path) -> bool:
    if not db.exists():
        return True
    with Corpus.open(db, read_only=True) as corpus:
        return (corpus.sql("SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM ingests) AS n")["n"][0] == 0)


def test_cli_wrong_root_forced_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "result.json"
    bad.write_bytes(b'{"about": "x", "list": []}')
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(bad), "--format", "telegram_json", "--db", str(db), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "result.json (byte 0)" in err and "neither" in err
    assert _store_is_empty(db)


def test_cli_ingest_of_an_account_export_round_trips(tmp_path: Path, capsys: Any) -> None:
    chats = [{"name": "Alpha", "type": "public_channel", "id": 1, "messages": [msg(1, text="a1")]}]
    path = write(tmp_path / "result.json", account_root(chats, []))
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(path), "--db", str(db), "--no-progress"]) == 0
    assert "[telegram_json]: 1 read, 1 added" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------- streaming, store
@pytest.mark.slow
@pytest.mark.parametrize("shape", ["chat", "account", "array"])
def test_first_records_arrive_before_the_file_is_read(tmp_path: Path, monkeypatch: Any, shape: str) -> None:
    import narrascope.ingest.json_stream as js

    monkeypatch.setattr(js, "_PROGRESS_EVERY", 64 * 1024)
    messages = [msg(i, text="x" * 1000) for i in range(3000)]
    root: Any = {**GROUP, "messages": messages}
    if shape == "account":
        root = account_root([root], [])
    elif shape == "array":
        root = messages
    path = write(tmp_path / "result.json", root)
    seen: list[int] = []
    records = tj.read(path, ReadContext(path, progress=seen.append))
    assert next(records)["message_id"] == "0"
    assert max(seen, default=0) < 256 * 1024 < path.stat().st_size // 10  # only the head was read so far
    assert sum(1 for _ in records) == 2999 and seen[-1] == path.stat().st_size


def test_service_rows_are_stored_but_left_out_of_analyses(tmp_path: Path) -> None:
    messages = [msg(1, text="hello"), {"id": 2, "type": "service", "date": "2024-03-01T10:00:00",
                                       "date_unixtime": "1709287202", "actor": "A", "actor_id": "user1",
                                       "action": "invite_members", "members": ["B", None], "text": ""}]
    path = write(tmp_path / "result.json", {**GROUP, "messages": messages})
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert corpus.ingest([path]).files[0].added == 2
        assert corpus.messages()["message_id"].to_list() == ["1"]
        assert sorted(corpus.messages(kinds=None)["kind"].to_list()) == ["post", "service"]
