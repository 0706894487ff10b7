"""The real Instagram posts file in ../shared/data/instagram: both post shapes, mojibake repaired once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from narrascope.ingest import detect, instagram
from narrascope.ingest.base import ReadContext
from narrascope.ingest.instagram import repair_mojibake
from narrascope.store.corpus import Corpus

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
POSTS = DATA / "instagram" / "yummyhopper_posts" / "posts_1.json"

pytestmark = pytest.mark.skipif(not POSTS.exists(), reason="../shared/data/instagram is absent")


def test_sample_reads_both_shapes_with_repaired_captions() -> None:
    recs = list(instagram.read(POSTS, ReadContext(POSTS)))
    assert len(recs) == 4
    by_text = {r["text"]: r for r in recs}
    # Single-media post: caption in media[0].title.
    single = by_text["Great sem"]
    assert single["posted_at"] == datetime.fromtimestamp(1715566876, tz=UTC)
    assert single["media_type"] == "photo"
    # Carousels: caption and timestamp at the top level, emoji flags repaired from Meta's mojibake.
    taxi = by_text["Un Taxi 🇨🇴"]
    assert taxi["posted_at"] == datetime.fromtimestamp(1710165471, tz=UTC)
    assert taxi["media_type"] == "album"
    assert "Happy llama, sad llama, totally rad llama 🇵🇪" in by_text
    assert "Great friends, a bit o booze, and some damn good cheese." in by_text
    # No caption still carries mojibake, and repairing a repaired caption changes nothing.
    for text in by_text:
        assert "ð" not in text
        assert repair_mojibake(text) == text
    assert len({r["message_id"] for r in recs}) == 4


@pytest.mark.slow
def test_sample_is_detected_and_ingested(tmp_path: Path) -> None:
    assert detect.sniff(POSTS) == "instagram"
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = corpus.ingest([POSTS])
        assert report.totals()["added"] == 4
        df = corpus.messages(platform="instagram", columns=["text", "channel", "kind"])
    assert sorted(df["text"].to_list())[-1] == "Un Taxi 🇨🇴"
    assert set(df["channel"].to_list()) == {"yummyhopper_posts"} and set(df["kind"].to_list()) == {"post"}
