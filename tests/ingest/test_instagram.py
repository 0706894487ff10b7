"""Instagram "Download your information" posts files: both post shapes, mojibake repair, account naming."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.ingest import instagram
from narrascope.ingest.base import ReadContext
from narrascope.ingest.instagram import account_from_path, caption_entities, repair_mojibake


def mojibake(s: str) -> str:
    """What Meta's exporter does to a string: its UTF-8 bytes read back as latin-1 code points."""
    return s.encode("utf-8").decode("latin-1")


def _posts() -> list[dict[str, object]]:
    return [
        {"media": [{"uri": "media/posts/202405/single_1.jpg", "creation_timestamp": 1715566876,
                    "title": mojibake("سلام دنیا #آزادی‌خواهی @some.user"), "cross_post_source": {"source_app": "FB"}}]},
        {"media": [{"uri": "media/posts/202403/carousel_1.jpg", "creation_timestamp": 1710165470, "title": ""},
                   {"uri": "media/posts/202403/carousel_2.mp4", "creation_timestamp": 1710165470, "title": ""}],
         "title": mojibake("Un Taxi 🇨🇴"), "creation_timestamp": 1710165471},
        {"media": [{"uri": "media/posts/202301/video_1.mp4", "creation_timestamp": 1672531200, "title": ""}]},
    ]


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii like Meta's exporter: non-ASCII appears as \u00XX escapes.
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="ascii")
    return path


def _read(path: Path) -> tuple[list[dict[str, object]], ReadContext]:
    ctx = ReadContext(path)
    return list(instagram.read(path, ctx)), ctx


# ---------------------------------------------------------------------------------------------- repair
@pytest.mark.slow
@given(st.text())
def test_repair_undoes_mojibake_of_any_text(s: str) -> None:
    assert repair_mojibake(mojibake(s)) == s


@given(st.text(alphabet=st.sampled_from(list("سلام دنیا‌پژوهش گفت ۱۲۳ 🇨🇴😀👍🏽 café naïve")), min_size=1))
def test_repair_leaves_correct_persian_and_emoji_alone(s: str) -> None:
    # Characters above U+00FF cannot be latin-1-encoded, and this alphabet's latin-1 letters (é, ï) are UTF-8
    # lead bytes that never continue one another: no string drawn from it is ever changed.
    assert repair_mojibake(s) == s


@pytest.mark.parametrize("correct", ["Un Taxi 🇨🇴", "café au lait", "naïve façade", "ASCII only", "", "über 100 €"])
def test_repair_never_touches_correct_text(correct: str) -> None:
    assert repair_mojibake(correct) == correct


def test_repair_applied_once_is_not_applied_again() -> None:
    fixed = repair_mojibake(mojibake("Crème brûlée 🇵🇪"))
    assert fixed == "Crème brûlée 🇵🇪"
    assert repair_mojibake(fixed) == fixed


# ---------------------------------------------------------------------------------------------- entities
def test_caption_entities_find_persian_hashtags_mentions_and_links() -> None:
    links, mentions, hashtags = caption_entities(
        "دیدار با @ali.reza_1 #آزادی‌خواهی #Iran2024 mail me at x@example.com https://t.co/abc. #Iran2024"
    )
    assert hashtags == ["#آزادی‌خواهی", "#Iran2024"]
    assert mentions == ["@ali.reza_1"]
    assert links == ["https://t.co/abc"]


def test_caption_entities_of_nothing() -> None:
    assert caption_entities(None) == ([], [], [])


# ---------------------------------------------------------------------------------------------- reading
def test_both_post_shapes_with_repaired_captions(tmp_path: Path) -> None:
    path = _write(tmp_path / "instagram-mina.k-2024-05-13-AbC12/your_instagram_activity/content/posts_1.json", _posts())
    recs, ctx = _read(path)
    assert [r["text"] for r in recs] == ["سلام دنیا #آزادی‌خواهی @some.user", "Un Taxi 🇨🇴", None]
    single, carousel, video = recs
    assert single["posted_at"] == datetime(2024, 5, 13, 2, 21, 16, tzinfo=UTC)
    # Carousels carry their own timestamp, one second after their media items'.
    assert carousel["posted_at"] == datetime.fromtimestamp(1710165471, tz=UTC)
    assert single["hashtags"] == ["#آزادی‌خواهی"] and single["mentions"] == ["@some.user"]
    assert [r["media_type"] for r in recs] == ["photo", "album", "video"]
    assert [r["message_id"] for r in recs] == [
        "media/posts/202405/single_1.jpg", "media/posts/202403/carousel_1.jpg", "media/posts/202301/video_1.mp4"]
    assert {(r["platform"], r["kind"], r["channel"], r["channel_id"]) for r in recs} == {
        ("instagram", "post", "mina.k", "mina.k")}
    assert ctx.channels and any("export folder name" in n for n in ctx.notes)


def test_account_from_personal_information(tmp_path: Path) -> None:
    root = tmp_path / "export"
    info = {"profile_user": [{"string_map_data": {"Username": {"value": "real_account"}}}]}
    _write(root / "personal_information/personal_information.json", info)
    path = _write(root / "your_instagram_activity/content/posts_1.json", _posts())
    assert account_from_path(path) == ("real_account", "personal_information.json")


def test_account_from_older_content_layout_and_plain_folder(tmp_path: Path) -> None:
    older = _write(tmp_path / "instagram-old_user-2021-01-02-xyz/content/posts_1.json", _posts())
    assert account_from_path(older)[0] == "old_user"
    plain = _write(tmp_path / "my_download/posts_1.json", _posts())
    assert account_from_path(plain)[0] == "my_download"


def test_posts_under_a_root_object_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "acct/reels.json", {"ig_reels_media": _posts()})
    assert instagram.sniff(path, path.read_bytes())
    recs, _ = _read(path)
    assert len(recs) == 3


def test_sniff_claims_posts_and_not_other_json(tmp_path: Path) -> None:
    posts = _write(tmp_path / "a/posts_1.json", _posts())
    assert instagram.sniff(posts, posts.read_bytes())
    telegram = _write(tmp_path / "b/result.json", {"name": "c", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T00:00:00", "text": "hi", "media_type": "photo"}]})
    assert not instagram.sniff(telegram, telegram.read_bytes())
    generic = _write(tmp_path / "c/list.json", [{"title": "x", "creation_timestamp": 1}])
    assert not instagram.sniff(generic, generic.read_bytes())
    assert not instagram.sniff(tmp_path / "d.txt", b"media creation_timestamp title")


def test_truncated_file_raises_input_error_naming_the_file(tmp_path: Path) -> None:
    good = json.dumps(_posts(), ensure_ascii=True)
    path = tmp_path / "acct/posts_1.json"
    path.parent.mkdir()
    path.write_text(good[: len(good) - 40])
    with pytest.raises(InputError, match="posts_1.json.*malformed JSON"):
        _read(path)
