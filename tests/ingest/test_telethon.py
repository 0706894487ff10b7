"""Telethon dump reader. Fixtures are authored for narrascope (shapes from Telethon's Message.to_dict())."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.ingest import detect, telethon
from narrascope.ingest.base import IngestOptions, ReadContext
from narrascope.store.corpus import Corpus


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message(mid: int, text: str = "", channel: int = 1001, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "_": "Message", "id": mid, "peer_id": {"_": "PeerChannel", "channel_id": channel},
        "date": "2023-03-01T10:00:00+00:00", "message": text, "entities": [], "views": 10, "forwards": 2,
        "fwd_from": None, "reply_to": None, "edit_date": None, "post_author": None, "grouped_id": None,
        "media": None, "from_id": None,
    }
    msg.update(extra)
    return msg


def read_all(path: Path, **opts: Any) -> tuple[list[dict[str, Any]], ReadContext]:
    ctx = ReadContext(path, IngestOptions(**opts))
    return list(telethon.read(path, ctx)), ctx


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_ndjson(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ entities
def test_utf16_slice_after_emoji() -> None:
    text = "😀👍🏽 see https://x.org"
    start = u16("😀👍🏽 see ")
    assert telethon.utf16_slice(text, start, u16("https://x.org")) == "https://x.org"
    # plain Python slicing would be off by the two astral characters
    assert text[start:start + 13] != "https://x.org"


_ASTRAL = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)  # emoji and every other astral character
_BMP = st.characters(min_codepoint=0x20, max_codepoint=0xFFFF, codec="utf-8")  # utf-8 leaves surrogates out
_FILLER = st.lists(st.one_of(_ASTRAL, _BMP), max_size=12).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=_FILLER, between=_FILLER, after=_FILLER)
def test_entities_after_astral_characters_give_exact_substrings(tmp_path: Path, before: str, between: str,
                                                                after: str) -> None:
    link, mention, tag = "https://example.org/a?b=1", "@some_channel", "#tag"
    text = f"{before} {link} {between} {mention} {tag} {after}"
    ents = []
    for kind, part in (("MessageEntityUrl", link), ("MessageEntityMention", mention), ("MessageEntityHashtag", tag)):
        offset = u16(text[: text.index(f" {part} ") + 1])
        ents.append({"_": kind, "offset": offset, "length": u16(part)})
    ents.append({"_": "MessageEntityTextUrl", "offset": 0, "length": 1, "url": "https://hidden.example/"})
    path = write_ndjson(tmp_path / "dump.ndjson", [message(1, text, entities=ents)])
    (rec,), _ = read_all(path)
    assert rec["links"] == [link, "https://hidden.example/"]
    assert rec["mentions"] == [mention]
    assert rec["hashtags"] == [tag]
    assert rec["text"] == text


# ------------------------------------------------------------------------------------------------ shapes
def test_array_ndjson_and_wrapped_object_give_the_same_records(tmp_path: Path) -> None:
    msgs = [message(1, "one"), message(2, "two", date="2023-03-01 10:05:00+00:00")]
    array = write_json(tmp_path / "a.json", msgs)
    lines = write_ndjson(tmp_path / "b.ndjson", msgs)
    wrapped = write_json(tmp_path / "c.json", {"chat": {"_": "Channel", "id": 1001, "title": "News Room",
                                                        "broadcast": True, "username": "newsroom"},
                                               "messages": msgs, "count": 2})
    got = {p.name: read_all(p)[0] for p in (array, lines, wrapped)}
    for recs in got.values():
        assert [r["message_id"] for r in recs] == ["1", "2"]
        assert recs[1]["posted_at"] == datetime(2023, 3, 1, 10, 5, tzinfo=UTC)
    assert got["a.json"][0]["channel"] is None  # no name in a bare dump
    assert got["c.json"][0]["channel"] == "News Room"
    _, ctx = read_all(wrapped)
    assert ctx.channels[("telegram", "1001")].type == "public_channel"


def test_per_item_wrapper_names_the_channel(tmp_path: Path) -> None:
    items = [{"channel": "Daily Feed", "message": message(5, "hello")}]
    (rec,), _ = read_all(write_ndjson(tmp_path / "w.ndjson", items))
    assert (rec["channel_id"], rec["channel"], rec["text"]) == ("1001", "Daily Feed", "hello")


def test_several_channels_in_one_dump(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "m.ndjson", [message(1, "a", channel=1), message(1, "b", channel=2)])
    recs, ctx = read_all(path)
    assert {(r["channel_id"], r["message_id"]) for r in recs} == {("1", "1"), ("2", "1")}
    assert set(ctx.channels) == {("telegram", "1"), ("telegram", "2")}


def test_fields_authors_service_and_media(tmp_path: Path) -> None:
    msgs = [
        message(1, "signed", post_author="Reza", edit_date="2023-03-02T00:00:00+00:00",
                reply_to={"_": "MessageReplyHeader", "reply_to_msg_id": 0 + 7},
                reactions={"_": "MessageReactions", "results": [{"count": 3}, {"count": 4}]},
                media={"_": "MessageMediaPhoto", "photo": {}}),
        message(2, "from a user", from_id={"_": "PeerUser", "user_id": 555},
                media={"_": "MessageMediaDocument", "document": {"attributes": [
                    {"_": "DocumentAttributeAudio", "voice": True}]}}),
        message(3, "channel post", from_id={"_": "PeerChannel", "channel_id": 1001}),
        {"_": "MessageService", "id": 4, "peer_id": {"_": "PeerChannel", "channel_id": 1001},
         "date": "2023-03-01T09:00:00+00:00", "action": {"_": "MessageActionPinMessage"}},
        {"_": "MessageEmpty", "id": 5},
    ]
    recs, _ = read_all(write_json(tmp_path / "f.json", msgs))
    by_id = {r["message_id"]: r for r in recs}
    assert set(by_id) == {"1", "2", "3", "4"}
    one = by_id["1"]
    assert (one["author"], one["reply_to"], one["reactions"], one["media_type"]) == ("Reza", "7", 7, "photo")
    assert one["edited_at"] == datetime(2023, 3, 2, tzinfo=UTC)
    assert (one["views"], one["forwards"]) == (10, 2)
    assert (by_id["2"]["author"], by_id["2"]["media_type"]) == ("555", "voice_message")
    assert by_id["3"]["author"] is None
    assert by_id["4"]["kind"] == "service" and by_id["4"]["text"] is None


def test_album_becomes_one_post(tmp_path: Path) -> None:
    photo = {"_": "MessageMediaPhoto"}
    msgs = [message(10, "", grouped_id=99, media=photo, views=5), message(11, "the caption", grouped_id=99,
                                                                          media=photo, views=6),
            message(12, "", grouped_id=99, media=photo, views=4), message(13, "after")]
    recs, _ = read_all(write_json(tmp_path / "album.json", msgs))
    assert sorted(r["message_id"] for r in recs) == ["10", "13"]
    album = next(r for r in recs if r["message_id"] == "10")
    assert (album["text"], album["media_type"], album["views"]) == ("the caption", "album", 6)


def test_albums_in_different_channels_stay_apart(tmp_path: Path) -> None:
    msgs = [message(1, "a", channel=1, grouped_id=5), message(1, "b", channel=2, grouped_id=5)]
    recs, _ = read_all(write_ndjson(tmp_path / "x.ndjson", msgs))
    assert len(recs) == 2


def test_forward_fields(tmp_path: Path) -> None:
    fwd = {"_": "MessageFwdHeader", "date": "2022-12-31T23:00:00+00:00",
           "from_id": {"_": "PeerChannel", "channel_id": 777}, "channel_post": 4242}
    hidden = {"_": "MessageFwdHeader", "date": "2022-12-30T08:00:00+00:00", "from_name": "Hidden Person"}
    old_layer = {"_": "MessageFwdHeader", "date": "2020-01-01T00:00:00+00:00", "from_id": 123, "channel_id": 888,
                 "channel_post": 9}
    recs, _ = read_all(write_json(tmp_path / "fw.json", [message(1, "x", fwd_from=fwd),
                                                         message(2, "y", fwd_from=hidden),
                                                         message(3, "z", fwd_from=old_layer)]))
    assert (recs[2]["fwd_from_id"], recs[2]["fwd_from_message_id"]) == ("888", "9")
    assert (recs[0]["fwd_from_id"], recs[0]["fwd_from_message_id"]) == ("777", "4242")
    assert recs[0]["fwd_posted_at"] == datetime(2022, 12, 31, 23, tzinfo=UTC)
    assert (recs[1]["fwd_from_id"], recs[1]["fwd_from_name"]) == (None, "Hidden Person")


def test_forwards_reach_the_store(tmp_path: Path) -> None:
    fwd = {"_": "MessageFwdHeader", "date": "2022-12-31T23:00:00+00:00",
           "from_id": {"_": "PeerChannel", "channel_id": 777}, "channel_post": 4242}
    path = write_ndjson(tmp_path / "fw.ndjson", [message(1, "reused text", fwd_from=fwd), message(2, "own")])
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = corpus.ingest([path])
        assert report.files[0].format == "telethon"
        rows = corpus.sql("SELECT message_id, fwd_from_id, fwd_from_message_id, fwd_posted_at FROM messages "
                          "ORDER BY message_id").to_dicts()
    assert rows[0]["fwd_from_id"] == "777" and rows[0]["fwd_from_message_id"] == "4242"
    assert rows[0]["fwd_posted_at"] == datetime(2022, 12, 31, 23, tzinfo=UTC)
    assert rows[1]["fwd_from_id"] is None


# ------------------------------------------------------------------------------------------------ errors, detection
def test_malformed_ndjson_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(message(1, "ok")) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_all(path)


def test_truncated_array_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([message(1, "ok"), message(2, "two")])[:-40], encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON"):
        read_all(path)


def test_sniff_by_structure(tmp_path: Path) -> None:
    telethon_file = write_ndjson(tmp_path / "dump.txt", [message(1, "x")])  # extension says nothing
    fourcat_file = write_ndjson(tmp_path / "dump.ndjson", [{"id": 1, "_chat": {"id": 1, "title": "t"},
                                                           "peer_id": {"_type": "PeerChannel", "channel_id": 1},
                                                           "date": 1677664800.0, "message": "x"}])
    head = telethon_file.read_bytes()[:65536]
    assert telethon.sniff(telethon_file, head)
    assert not telethon.sniff(fourcat_file, fourcat_file.read_bytes())
    assert detect.sniff(telethon_file) == "telethon"
