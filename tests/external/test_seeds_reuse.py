"""Acceptance on the seed articles (../shared/data/seeds): two outlets' rewrites of one story form one cascade
with relation "rewrite" (or stronger), and the verbatim shared quotes are aligned with exact original offsets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from narrascope.reuse import ReuseOptions, align, find_reuse, find_reuse_frame
from narrascope.reuse.cascades import STRENGTH

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEEDS = DATA / "seeds"

pytestmark = pytest.mark.skipif(not (SEEDS / "outlet_a_article.txt").exists(), reason="../shared/data/seeds is absent")

# The verbatim quote both outlets print (outlet B drops "PMOI/" inside the brackets, so it aligns from "MEK]").
SHARED_QUOTE = (
    "MEK], have gained complete control… The terminology of regime change is gaining complete control in social "
    "media networks today. If not 100%, a very significant percentage of the context is influenced by regime change "
    "terminology used specifically by the PMOI/MEK… These days we see many children of highly devoted individuals "
    "linked to the state are completely engulfed in social media platforms completely influenced by the"
)
# The quote's opening differs only in case ("internet" / "Internet"): it aligns, each text keeping its spelling.
OPENING_A = "It should be noted that on the internet, especially Telegram, the enemy and especially the"
OPENING_B = "It should be noted that on the Internet, especially Telegram, the enemy and especially the"


def _texts() -> tuple[str, str]:
    return ((SEEDS / "outlet_a_article.txt").read_text(encoding="utf-8"),
            (SEEDS / "outlet_b_article.txt").read_text(encoding="utf-8"))


def _slices(a: str, b: str) -> list[tuple[str, str]]:
    return [(a[p.a_start : p.a_end], b[p.b_start : p.b_end]) for p in align(a, b).passages]


def test_the_shared_quotes_are_aligned_with_offsets_into_both_original_texts() -> None:
    a, b = _texts()
    slices = _slices(a, b)
    assert (SHARED_QUOTE, SHARED_QUOTE) in slices
    assert (OPENING_A, OPENING_B) in slices
    # shorter verbatim phrases the rewrite kept
    assert ("Communications Minister Mohammad Javad Azari Jahromi",) * 2 in slices
    assert ("has become a “killing ground” for",) * 2 in slices
    # every passage is the same token sequence on both sides
    def words(s: str) -> list[str]:
        return s.casefold().replace("“", "").replace("”", "").split()

    for x, y in slices:
        assert words(x) == words(y)


def test_the_two_articles_form_one_rewrite_cascade_at_the_api_level() -> None:
    a, b = _texts()
    frame = pl.DataFrame({
        "uid": ["a", "b"], "channel_id": ["outlet_a", "outlet_b"], "channel": ["Outlet A", "Outlet B"],
        "message_id": ["1", "1"],
        "posted_at": [datetime(2018, 9, 11, tzinfo=UTC), datetime(2018, 9, 12, tzinfo=UTC)],
        "text": [a, b],
    })
    result = find_reuse_frame(frame, ReuseOptions())
    assert result.cascades.height == 1
    assert result.cascades["size"].to_list() == [2]
    assert result.cascades["origin_uid"].to_list() == ["a"]
    (relation,) = result.pairs["relation"].to_list()
    assert STRENGTH[relation] >= STRENGTH["rewrite"]
    passages = result.passages.filter((pl.col("a_uid") == "a") & (pl.col("b_uid") == "b"))
    spans = {(a[r["a_start"] : r["a_end"]], b[r["b_start"] : r["b_end"]]) for r in passages.iter_rows(named=True)}
    assert (SHARED_QUOTE, SHARED_QUOTE) in spans


def test_the_two_articles_form_one_rewrite_cascade_in_the_store(tmp_path: Path) -> None:
    from narrascope.ingest import detect
    from narrascope.store.corpus import Corpus

    if detect.sniff(SEEDS / "outlet_a_article.txt") != "text_article":
        pytest.skip("the text_article reader is not available")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert not corpus.ingest([SEEDS]).failed
        result = find_reuse(corpus, ReuseOptions())
        texts = dict(corpus.sql("SELECT uid, text FROM messages").iter_rows())
    assert result.cascades.height == 1 and result.cascades["size"].to_list() == [2]
    (pair,) = result.pairs.iter_rows(named=True)
    assert STRENGTH[pair["relation"]] >= STRENGTH["rewrite"]
    spans = {(texts[r["a_uid"]][r["a_start"] : r["a_end"]], texts[r["b_uid"]][r["b_start"] : r["b_end"]])
             for r in result.passages.iter_rows(named=True)}
    assert (SHARED_QUOTE, SHARED_QUOTE) in spans


@pytest.mark.slow
def test_undated_seed_cascade_does_not_claim_an_origin(tmp_path, capsys):
    """Neither seed file carries a machine-readable date: the cascade says its origin is undetermined."""
    from narrascope.cli import main

    if not SEEDS.exists():
        pytest.skip("../shared/data/seeds not present")
    db = str(tmp_path / "s.duckdb")
    assert main(["ingest", str(SEEDS), "--db", db]) == 0
    assert main(["reuse", "--db", db]) == 0
    capsys.readouterr()
    assert main(["cascades", "--db", db, "--json"]) == 0
    import json

    (cascade,) = json.loads(capsys.readouterr().out)["cascades"]
    assert cascade["undated"] == 2
    assert main(["cascade", cascade["cascade_id"], "--db", db]) == 0
    assert "origin undetermined" in capsys.readouterr().out
    assert main(["cascades", "--db", db]) == 0
    assert "│ ? outlet" in capsys.readouterr().out  # the listing marks the origin as not established


@pytest.mark.slow
def test_undated_seed_cascade_is_marked_in_the_report(tmp_path: Path) -> None:
    from lxml import html as lxml_html

    from narrascope.report import build_report
    from narrascope.store.corpus import Corpus

    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert not corpus.ingest([SEEDS]).failed
        find_reuse(corpus, ReuseOptions())
        out = build_report(corpus, tmp_path / "r.html")
    page = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    (origin,) = page.xpath('//table[@class="cascades"]/tbody/tr/td[4]')
    assert "undetermined (2 undated)" in origin.text_content()
