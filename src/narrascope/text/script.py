"""Dominant writing system of a text, and its language from cheap cues (no model, nothing downloaded).

``script`` uses ISO 15924 codes (Arab, Latn, Cyrl, Hebr, Grek): whichever script has the most letters (ties go to
the earlier code in that list). ``lang`` (ISO 639-1, or ``und`` for "another or undetermined language"):

- **Arab**: letters used by Urdu, Pashto, Kurdish or Uyghur but not by Persian or Arabic (ٹ ڈ ڑ ں ے ټ ډ ړ ښ ڼ ګ ێ ۆ
  ڵ ڕ ە ې ۇ ۋ ھ) making up 2 % of the Arabic-script letters → ``und``; else a Persian score — Persian-only letters
  (پ چ ژ گ and Persian ک ی) plus 3 per Persian function word (است، این، را، که، از، در، برای، های، شده، کرد، خود، می
  as a word, in either yeh/kaf) — against an Arabic score — Arabic-only letters (ي ك ة ى) plus 3 per Arabic function
  word (في، على، إلى، الى، التي، الذي، هذا، هذه، عن، كان، قد، لم، أن): the higher wins, a tie is ``und``.
  Function words count because Persian typed on an Arabic keyboard (اين كتاب خوب است) has Arabic-only letters;
- **Latn**: ``en`` when English function words (the, and, of, to, is, that, for, with, was, …) are at least one and
  outnumber those of French, German, Spanish, Italian, Portuguese, Dutch, Turkish and Indonesian together (le, der,
  el, il, de, ve, yang …), else ``und`` — a Latin-script text may be Finglish (Persian in Latin letters) or any
  European language, and a caption without function words proves nothing;
- **Hebr** → ``he``, **Grek** → ``el``, **Cyrl** → ``und`` (Russian, Ukrainian, Bulgarian … not told apart).

Texts without letters of these scripts get neither (null). A ``lang`` already set by the source (a table's
``language`` column) is kept. The rules are polars expressions (Rust regex, explicit character classes for word
edges, no ``\\b``), applied to an Arrow batch (:func:`with_script_columns`, both cores) or to one string
(:func:`detect`). docs/formats.md (``messages.lang``) states them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl
import pyarrow as pa

__all__ = ["LANGS", "SCRIPTS", "detect", "with_script_columns"]

SCRIPTS = ("Arab", "Latn", "Cyrl", "Hebr", "Grek")
#: every value ``lang`` can take besides null
LANGS = ("fa", "ar", "en", "he", "el", "und")
_NAMES = {"Arab": "Arabic", "Latn": "Latin", "Cyrl": "Cyrillic", "Hebr": "Hebrew", "Grek": "Greek"}
_FIXED_LANG = {"Hebr": "he", "Grek": "el", "Cyrl": "und"}
_FUNCTION_WORD_WEIGHT = 3
_OTHER_ARABIC_SHARE = 0.02

_ARABIC_LETTER = r"\p{Arabic}"
_PERSIAN_ONLY = "[پچژگکی]"
_ARABIC_ONLY = "[يكةى]"
_OTHER_ARABIC_SCRIPT = "[ٹڈڑںےۓټډړږښڼګێۆڵڕەېۇۋھ]"
_Y, _K = "[یي]", "[کك]"
_PERSIAN_WORDS = ["است", f"ا{_Y}ن", "را", f"{_K}ه", "از", "در", f"برا{_Y}", f"ها{_Y}", "شده", f"{_K}رد", "خود",
                  f"م{_Y}"]
_ARABIC_WORDS = ["في", "على", "إلى", "الى", "التي", "الذي", "هذا", "هذه", "عن", "كان", "قد", "لم", "أن"]
_ENGLISH_WORDS = ["the", "and", "of", "to", "is", "that", "for", "with", "was", "are", "this", "have", "from", "by",
                  "not", "but", "they", "said", "it", "on", "be", "at", "has", "will", "would", "which", "their"]
_OTHER_LATIN_WORDS = [
    "le", "la", "les", "des", "et", "est", "une", "du", "pour", "dans", "qui", "que", "pas", "sur", "avec",  # fr
    "der", "die", "das", "und", "ist", "nicht", "mit", "den", "von", "zu", "ein", "eine", "auf", "sich",  # de
    "el", "los", "las", "y", "es", "por", "para", "del", "una", "con", "se", "su", "al",  # es
    "il", "di", "che", "non", "per", "sono", "della", "gli", "nel",  # it
    "os", "um", "uma", "não", "em", "do", "da", "ao",  # pt
    "het", "een", "van", "niet", "ik", "op",  # nl
    "ve", "bir", "bu", "için", "ile", "da", "de",  # tr
    "yang", "dan", "di", "itu", "ini", "dengan", "untuk",  # id
]


def _word_pattern(words: list[str], letters: str, *, ignore_case: bool = False) -> str:
    """Whole words: preceded and followed by a non-letter of that script (consumed, so that Python and Rust count
    the same non-overlapping matches)."""
    flags = "(?i)" if ignore_case else ""
    return f"{flags}(?:^|[^{letters}])(?:{'|'.join(words)})(?:$|[^{letters}])"


_COMMON = ("Arab", "Latn")
_RARE = tuple(code for code in SCRIPTS if code not in _COMMON)
_ANY_RARE = "[" + "".join(rf"\p{{{_NAMES[code]}}}" for code in _RARE) + "]"
_LATIN_LETTER = r"\p{Latin}"
_PERSIAN_WORD = _word_pattern(_PERSIAN_WORDS, _ARABIC_LETTER)
_ARABIC_WORD = _word_pattern(_ARABIC_WORDS, _ARABIC_LETTER)
_ENGLISH_WORD = _word_pattern(_ENGLISH_WORDS, _LATIN_LETTER, ignore_case=True)
_OTHER_LATIN_WORD = _word_pattern(_OTHER_LATIN_WORDS, _LATIN_LETTER, ignore_case=True)


@lru_cache(maxsize=4096)  # called on lexicon terms, one by one
def detect(text: str | None) -> tuple[str | None, str | None]:
    """(script, lang) of ``text``; (None, None) for text without letters of these scripts. The same polars
    expressions as :func:`with_script_columns` (one implementation: Python's and Rust's Unicode tables differ on
    recently assigned letters)."""
    if not text:
        return None, None
    script, lang = _tags(pl.Series("t", [text], dtype=pl.Utf8), pl.Series("l", [None], dtype=pl.Utf8))
    return script[0], lang[0]


def _letters(col: str, code: str) -> pl.Expr:
    """Letters of script ``code`` in the text: its length less the length without them. Removing runs
    (``\\p{Arabic}+``) matches once a word, not once a letter, which is what makes this fast."""
    text = pl.col(col)
    return (text.str.len_chars() - text.str.replace_all(rf"\p{{{_NAMES[code]}}}+", "").str.len_chars()).fill_null(0)


def _script_of(counts: dict[str, pl.Expr]) -> pl.Expr:
    best = pl.max_horizontal(list(counts.values()))
    expr: Any = pl.when(best == 0).then(pl.lit(None, dtype=pl.Utf8))
    for code, c in counts.items():
        expr = expr.when(c == best).then(pl.lit(code))
    return expr.otherwise(pl.lit(None, dtype=pl.Utf8))


def _count(col: str, pattern: str) -> pl.Expr:
    return pl.col(col).str.count_matches(pattern).fill_null(0)


def _arabic_lang(col: str, arabic_letters: pl.Expr) -> pl.Expr:
    fa = _count(col, _PERSIAN_ONLY) + _FUNCTION_WORD_WEIGHT * _count(col, _PERSIAN_WORD)
    ar = _count(col, _ARABIC_ONLY) + _FUNCTION_WORD_WEIGHT * _count(col, _ARABIC_WORD)
    return (pl.when(_count(col, _OTHER_ARABIC_SCRIPT) >= _OTHER_ARABIC_SHARE * arabic_letters).then(pl.lit("und"))
            .when(fa > ar).then(pl.lit("fa")).when(ar > fa).then(pl.lit("ar")).otherwise(pl.lit("und")))


def _latin_lang(col: str) -> pl.Expr:
    en, other = _count(col, _ENGLISH_WORD), _count(col, _OTHER_LATIN_WORD)
    return pl.when((en >= 1) & (en > other)).then(pl.lit("en")).otherwise(pl.lit("und"))


def _tags(text: pl.Series, given: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(script, lang) for each text; a ``given`` lang is kept. The rules of each script run only on its rows."""
    df = pl.DataFrame({"t": text, "given": given}).with_row_index("_i")
    # Letters of each script; the rare ones (one pass says whether a text has any) only where they occur.
    df = df.lazy().with_columns([_letters("t", code).alias(f"_n_{code}") for code in _COMMON]
                                + [pl.col("t").str.contains(_ANY_RARE).fill_null(False).alias("_rare")]).collect()
    rare = df.lazy().filter("_rare").select("_i", *[_letters("t", code).alias(f"_n_{code}") for code in _RARE])
    found = rare.collect()
    df = df.with_columns([pl.repeat(0, df.height, dtype=found.schema[f"_n_{code}"], eager=True)
                          .scatter(found["_i"], found[f"_n_{code}"]).alias(f"_n_{code}") for code in _RARE])
    df = df.with_columns(_script_of({code: pl.col(f"_n_{code}") for code in SCRIPTS}).alias("script"))
    fixed: Any = pl.when(pl.col("script").is_null()).then(pl.lit(None, dtype=pl.Utf8))
    for script, code in _FIXED_LANG.items():
        fixed = fixed.when(pl.col("script") == script).then(pl.lit(code))
    lang = df.select(pl.coalesce(pl.col("given"), fixed.otherwise(pl.lit(None, dtype=pl.Utf8)))).to_series()
    need = df.lazy().filter(pl.col("given").is_null())
    arab = need.filter(pl.col("script") == "Arab").select("_i", _arabic_lang("t", pl.col("_n_Arab")).alias("l"))
    latin = need.filter(pl.col("script") == "Latn").select("_i", _latin_lang("t").alias("l"))
    for part in pl.collect_all([arab, latin]):
        if part.height:
            lang = lang.scatter(part["_i"], part["l"])
    return df["script"], lang


def with_script_columns(table: pa.Table, text: str = "text") -> pa.Table:
    """Fill the ``script`` and ``lang`` columns of a canonical batch from its text (existing lang values are kept)."""
    if table.num_rows == 0:
        return table
    texts = pl.from_arrow(table.column(text))
    given = pl.from_arrow(table.column("lang"))
    assert isinstance(texts, pl.Series) and isinstance(given, pl.Series)
    script, lang = _tags(texts.cast(pl.Utf8), given.cast(pl.Utf8))
    names = table.schema.names
    out = table.set_column(names.index("script"), table.schema.field("script"),
                           script.to_arrow().cast(table.schema.field("script").type))
    return out.set_column(names.index("lang"), out.schema.field("lang"),
                          lang.to_arrow().cast(table.schema.field("lang").type))
