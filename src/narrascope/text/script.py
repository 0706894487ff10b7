"""Dominant writing system of a text, and Persian vs Arabic within the Arabic script.

``script`` uses ISO 15924 codes (Arab, Latn, Cyrl, Hebr, Grek): whichever script has the most letters (ties go to
the earlier code in that list). Within Arab, ``lang`` is ``fa`` when Persian-only letters (پ چ ژ گ and Persian ک ی)
outnumber Arabic-only ones (ي ك ة), else ``ar``. Other scripts get no language guess (null): a letter count cannot
tell English from French. The rules exist for one string (:func:`detect`) and vectorised over an Arrow batch
(:func:`with_script_columns`, polars' Rust regex on both cores), held equal by a property test.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
import regex

__all__ = ["SCRIPTS", "detect", "with_script_columns"]

SCRIPTS = ("Arab", "Latn", "Cyrl", "Hebr", "Grek")
_NAMES = {"Arab": "Arabic", "Latn": "Latin", "Cyrl": "Cyrillic", "Hebr": "Hebrew", "Grek": "Greek"}
_PATTERNS = {code: regex.compile(rf"\p{{{name}}}") for code, name in _NAMES.items()}
_PERSIAN_ONLY = "[پچژگکی]"
_ARABIC_ONLY = "[يكة]"
_FA = regex.compile(_PERSIAN_ONLY)
_AR = regex.compile(_ARABIC_ONLY)


def detect(text: str | None) -> tuple[str | None, str | None]:
    """(script, lang) of ``text``; (None, None) for text without letters of these scripts."""
    if not text:
        return None, None
    counts = {code: len(p.findall(text)) for code, p in _PATTERNS.items()}
    best = max(SCRIPTS, key=lambda c: counts[c])  # max keeps the first of equal counts, as the vectorised form does
    if counts[best] == 0:
        return None, None
    if best != "Arab":
        return best, None
    return best, ("fa" if len(_FA.findall(text)) > len(_AR.findall(text)) else "ar")


def _script_expr(col: str) -> pl.Expr:
    counts = {code: pl.col(col).str.count_matches(rf"\p{{{_NAMES[code]}}}").fill_null(0) for code in SCRIPTS}
    best = pl.max_horizontal(list(counts.values()))
    expr: Any = pl.when(best == 0).then(pl.lit(None, dtype=pl.Utf8))
    for code, c in counts.items():
        expr = expr.when(c == best).then(pl.lit(code))
    return expr.otherwise(pl.lit(None, dtype=pl.Utf8))


def with_script_columns(table: pa.Table, text: str = "text") -> pa.Table:
    """Fill the ``script`` and ``lang`` columns of a canonical batch from its text (existing lang values are kept)."""
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    fa = pl.col(text).str.count_matches(_PERSIAN_ONLY).fill_null(0)
    ar = pl.col(text).str.count_matches(_ARABIC_ONLY).fill_null(0)
    df = df.with_columns(_script_expr(text).alias("script"))
    guess = pl.when(pl.col("script") == "Arab").then(pl.when(fa > ar).then(pl.lit("fa")).otherwise(pl.lit("ar")))
    df = df.with_columns(pl.coalesce(pl.col("lang"), guess.otherwise(pl.lit(None, dtype=pl.Utf8))).alias("lang"))
    return df.to_arrow().cast(table.schema)
