"""The seed articles in ../shared/data/seeds: two articles of two outlets, without the scraped ad label."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.ingest import detect
from narrascope.store.corpus import Corpus

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEEDS = DATA / "seeds"

pytestmark = pytest.mark.skipif(not (SEEDS / "outlet_a_article.txt").exists(), reason="../shared/data/seeds is absent")


def test_seeds_are_detected_as_text_articles() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        assert detect.sniff(path) == "text_article"


def test_seeds_ingest_as_two_articles_of_two_outlets(tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = corpus.ingest([SEEDS])
        assert not report.failed
        df = corpus.messages(columns=["platform", "kind", "channel_id", "channel", "title", "text"])
    assert df.height == 2
    assert set(df["platform"].to_list()) == {"web"} and set(df["kind"].to_list()) == {"article"}
    assert sorted(df["channel_id"].to_list()) == ["outlet_a", "outlet_b"]
    for text in df["text"].to_list():
        assert "728 x 90" not in text
        assert "Telegram" in text
    assert sorted(df["title"].to_list()) == [
        "Confronting PMOI/MEK internet activities is hard & complicated, says Iran regime official",
        "MEK Has “Inflicted Severe Blows” with Social Media, Say Regime Experts",
    ]
