"""Script and language tags (issue 10 §6): the rules on authored texts, and the batch path equal to the single one."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.models import MESSAGE_SCHEMA
from narrascope.text.script import LANGS, detect, with_script_columns


@pytest.mark.parametrize(("text", "script", "lang"), [
    ("ذكرت وكالة الأنباء أن الاجتماع سيعقد في العاصمة يوم الأحد", "Arab", "ar"),
    ("قال الوزير إن الحكومة ستعلن عن خطة جديدة", "Arab", "ar"),  # no ي ك ة ى: function words decide
    ("گزارش تازه درباره‌ی بازار", "Arab", "fa"),
    ("اين كتاب خوب است", "Arab", "fa"),  # Persian typed on an Arabic keyboard
    ("مسئولان استان امروز از این طرح دفاع کردند", "Arab", "fa"),
    ("سلام", "Arab", "und"),  # nothing tells Persian from Arabic
    ("یہ ایک اچھی کتاب ہے اور میں نے پڑھی", "Arab", "und"),  # Urdu
    ("The regime said that the protests were over.", "Latn", "en"),
    ("Iran's foreign minister is in Moscow 🇮🇷", "Latn", "en"),
    ("Les manifestants se sont réunis à Paris pour la grève", "Latn", "und"),
    ("Die Regierung hat die Preise nicht gesenkt", "Latn", "und"),
    ("salam chetori, khoobi?", "Latn", "und"),  # Finglish
    ("Breaking news", "Latn", "und"),  # no function word: no evidence
    ("Правительство объявило о новых мерах", "Cyrl", "und"),
    ("שלום עולם", "Hebr", "he"),
    ("Καλημέρα κόσμε", "Grek", "el"),
    ("😂 123 !!!", None, None),
    ("", None, None),
])
def test_tags(text: str, script: str | None, lang: str | None) -> None:
    assert detect(text) == (script, lang)
    assert lang is None or lang in LANGS


def _batch(texts: list[str | None], langs: list[str | None] | None = None) -> pa.Table:
    rows = [{f.name: None for f in MESSAGE_SCHEMA} | {"uid": str(i), "platform": "t", "channel_id": "c",
                                                     "message_id": str(i), "kind": "post", "text": t}
            for i, t in enumerate(texts)]
    for row, lang in zip(rows, langs or [None] * len(rows), strict=True):
        row["lang"] = lang
    return pa.Table.from_pylist(rows, schema=MESSAGE_SCHEMA)


def test_a_language_given_by_the_source_is_kept() -> None:
    table = with_script_columns(_batch(["The regime said that", "سلام"], ["de", None]))
    assert table.column("lang").to_pylist() == ["de", "und"]
    assert table.column("script").to_pylist() == ["Latn", "Arab"]


PIECES = ["the", "and", "is", "le", "der", "است", "این", "اين", "في", "على", "أن", "کتاب", "كتاب", "ة", "پ", "ے", "ٹ",
          "ھ", " ", ".", "،", "\u200c", "Iran", "ایران", "Москва", "שלום", "😂", "1", "THE", "The", "ی", "ي"]
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=["Cs"])), max_size=25).map(
    "".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXTS, st.none()), min_size=1, max_size=30))
def test_batch_tags_equal_single_tags(texts: list[str | None]) -> None:
    table = with_script_columns(_batch(texts))
    got = list(zip(table.column("script").to_pylist(), table.column("lang").to_pylist(), strict=True))
    assert got == [detect(t) for t in texts]


def _reference(texts: list[str | None]) -> list[tuple[str | None, str | None]]:
    """The rules written the direct way (one count_matches per letter, every rule on every row): what the fast
    batch path (counts by removed runs, each script's rules on its own rows) must equal."""
    import polars as pl

    from narrascope.text import script as s

    def count(pattern: str) -> pl.Expr:
        return pl.col("t").str.count_matches(pattern).fill_null(0)

    counts = {code: count(rf"\p{{{s._NAMES[code]}}}") for code in s.SCRIPTS}
    best = pl.max_horizontal(list(counts.values()))
    script: Any = pl.when(best == 0).then(pl.lit(None, dtype=pl.Utf8))
    for code, c in counts.items():
        script = script.when(c == best).then(pl.lit(code))
    fa = count(s._PERSIAN_ONLY) + 3 * count(s._PERSIAN_WORD)
    ar = count(s._ARABIC_ONLY) + 3 * count(s._ARABIC_WORD)
    arab = (pl.when(count(s._OTHER_ARABIC_SCRIPT) >= 0.02 * counts["Arab"]).then(pl.lit("und"))
            .when(fa > ar).then(pl.lit("fa")).when(ar > fa).then(pl.lit("ar")).otherwise(pl.lit("und")))
    en, other = count(s._ENGLISH_WORD), count(s._OTHER_LATIN_WORD)
    latin = pl.when((en >= 1) & (en > other)).then(pl.lit("en")).otherwise(pl.lit("und"))
    lang = (pl.when(pl.col("script") == "Arab").then(arab).when(pl.col("script") == "Latn").then(latin)
            .when(pl.col("script") == "Hebr").then(pl.lit("he")).when(pl.col("script") == "Grek").then(pl.lit("el"))
            .when(pl.col("script") == "Cyrl").then(pl.lit("und")).otherwise(pl.lit(None, dtype=pl.Utf8)))
    df = pl.DataFrame({"t": texts}, schema={"t": pl.Utf8}).with_columns(script.otherwise(None).alias("script"))
    df = df.with_columns(lang.alias("lang"))
    return list(zip(df["script"].to_list(), df["lang"].to_list(), strict=True))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXTS, st.none()), min_size=1, max_size=30))
def test_batch_tags_equal_the_direct_rules(texts: list[str | None]) -> None:
    table = with_script_columns(_batch(texts))
    got = list(zip(table.column("script").to_pylist(), table.column("lang").to_pylist(), strict=True))
    assert got == _reference(texts)
