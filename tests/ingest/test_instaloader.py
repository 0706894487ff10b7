"""instaloader folders: ``<date>_UTC.json.xz`` post nodes and ``<date>_UTC.txt`` captions."""

from __future__ import annotations

import json
import lzma
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from narrascope.errors import InputError
from narrascope.ingest import instaloader
from narrascope.ingest.base import ReadContext


def _node(shortcode: str, ts: int, caption: str | None, typename: str = "GraphImage") -> dict[str, Any]:
    node: dict[str, Any] = {
        "__typename": typename, "id": "3141592653", "shortcode": shortcode, "taken_at_timestamp": ts,
        "owner": {"id": "42", "username": "iran_news_fa"}, "is_video": typename == "GraphVideo",
        "edge_media_preview_like": {"count": 120}, "edge_media_to_comment": {"count": 7},
        "edge_media_to_caption": {"edges": [{"node": {"text": caption}}] if caption is not None else []},
    }
    if typename == "GraphVideo":
        node["video_view_count"] = 999
    return node


def _write_xz(path: Path, data: dict[str, Any]) -> None:
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)


def _profile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "iran_news_fa"
    folder.mkdir()
    _write_xz(folder / "2024-01-02_03-04-05_UTC.json.xz",
              {"node": _node("C1aBcD", 1704164645, "خبر فوری #ایران @bbcpersian"),
               "instaloader": {"version": "4.13", "node_type": "Post"}})
    (folder / "2024-01-02_03-04-05_UTC.txt").write_text("خبر فوری #ایران @bbcpersian", encoding="utf-8")
    (folder / "2024-01-02_03-04-05_UTC_1.jpg").write_bytes(b"\xff\xd8")
    _write_xz(folder / "2024-02-01_10-00-00_UTC.json.xz",
              {"node": _node("C2video", 1706781600, None, "GraphVideo"), "instaloader": {"node_type": "Post"}})
    (folder / "2024-02-01_10-00-00_UTC.txt").write_text("caption only in the txt\n", encoding="utf-8")
    _write_xz(folder / "2024-03-01_00-00-00_UTC.json.xz",
              {"node": {"__typename": "GraphStoryImage", "id": "9", "taken_at_timestamp": 1709251200},
               "instaloader": {"node_type": "StoryItem"}})
    _write_xz(folder / "iran_news_fa_42.json.xz", {"node": {"username": "iran_news_fa", "id": "42"},
                                                    "instaloader": {"node_type": "Profile"}})
    return folder


def _read(path: Path) -> tuple[list[dict[str, Any]], ReadContext]:
    ctx = ReadContext(path)
    return list(instaloader.read(path, ctx)), ctx


def test_folder_is_claimed_and_posts_read(tmp_path: Path) -> None:
    folder = _profile_folder(tmp_path)
    assert instaloader.CLAIMS_FOLDERS and instaloader.sniff(folder, b"")
    recs, ctx = _read(folder)
    assert [r["message_id"] for r in recs] == ["C1aBcD", "C2video"]
    first, video = recs
    assert first["text"] == "خبر فوری #ایران @bbcpersian"
    assert first["hashtags"] == ["#ایران"] and first["mentions"] == ["@bbcpersian"]
    assert first["posted_at"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert first["reactions"] == 120 and first["media_type"] == "photo"
    assert first["url"] == "https://www.instagram.com/p/C1aBcD/"
    # No caption in the node: the .txt beside it supplies it.
    assert video["text"] == "caption only in the txt" and video["views"] == 999 and video["media_type"] == "video"
    assert {(r["platform"], r["channel_id"], r["kind"]) for r in recs} == {("instagram", "iran_news_fa", "post")}
    assert any("StoryItem" in n for n in ctx.notes)


def test_single_json_xz_file_is_claimed_with_its_caption(tmp_path: Path) -> None:
    folder = _profile_folder(tmp_path)
    one = folder / "2024-02-01_10-00-00_UTC.json.xz"
    assert instaloader.sniff(one, one.read_bytes()[:65536])
    recs, _ = _read(one)
    assert [r["text"] for r in recs] == ["caption only in the txt"]


def test_captions_only_folder_uses_folder_name_and_file_time(tmp_path: Path) -> None:
    folder = tmp_path / "some_profile"
    folder.mkdir()
    (folder / "2023-05-06_07-08-09_UTC.txt").write_text("#tag only text", encoding="utf-8")
    assert instaloader.sniff(folder, b"")
    recs, ctx = _read(folder)
    assert len(recs) == 1
    assert recs[0]["channel"] == "some_profile" and recs[0]["message_id"] == "2023-05-06_07-08-09_UTC"
    assert recs[0]["posted_at"] == datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert recs[0]["hashtags"] == ["#tag"]
    assert any("captions only" in n for n in ctx.notes)


def test_sniff_rejects_other_files_and_folders(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("hello")
    assert not instaloader.sniff(plain, b"")
    fake = tmp_path / "2024-01-02_03-04-05_UTC.json.xz"
    fake.write_bytes(b"not xz at all")
    assert not instaloader.sniff(fake, fake.read_bytes())
    assert not instaloader.sniff(tmp_path / "article.txt", b"text")


def test_corrupt_xz_raises_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    bad = folder / "2024-01-02_03-04-05_UTC.json.xz"
    bad.write_bytes(lzma.compress(b'{"node": {"shortcode": ')[:-8])
    with pytest.raises(InputError, match="2024-01-02_03-04-05_UTC.json.xz"):
        _read(folder)


def test_json_without_node_raises_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    _write_xz(folder / "2024-01-02_03-04-05_UTC.json.xz", {"something": "else"})
    with pytest.raises(InputError, match="node"):
        _read(folder)
