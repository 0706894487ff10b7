"""Dominant writing system of a text, and Persian vs Arabic within the Arabic script.

``script`` uses ISO 15924 codes (Arab, Latn, Cyrl, …): whichever script has the most letters. Within Arab,
``lang`` is ``fa`` when Persian-only letters (پ چ ژ گ and Persian ک ی) outnumber Arabic-only ones (ي ك ة),
else ``ar``. Other scripts get no language guess (null): a letter count cannot tell English from French.
The same rules exist as Python (:func:`detect`) and as DuckDB SQL (:data:`SCRIPT_SQL`, :data:`LANG_SQL`),
held equal by a test; the store computes them in SQL at ingest, vectorised.
"""

from __future__ import annotations

import regex

__all__ = ["LANG_SQL", "SCRIPT_SQL", "detect"]

_SCRIPTS = ("Arab", "Latn", "Cyrl", "Hebr", "Grek")
_NAMES = {"Arab": "Arabic", "Latn": "Latin", "Cyrl": "Cyrillic", "Hebr": "Hebrew", "Grek": "Greek"}
_PATTERNS = {code: regex.compile(rf"\p{{{name}}}") for code, name in _NAMES.items()}
_PERSIAN_ONLY = "پچژگکی"
_ARABIC_ONLY = "يكة"
_FA = regex.compile(f"[{_PERSIAN_ONLY}]")
_AR = regex.compile(f"[{_ARABIC_ONLY}]")


def detect(text: str | None) -> tuple[str | None, str | None]:
    """(script, lang) of ``text``; (None, None) for text without letters."""
    if not text:
        return None, None
    counts = {code: len(p.findall(text)) for code, p in _PATTERNS.items()}
    best = max(_SCRIPTS, key=lambda c: counts[c])  # ties resolve in _SCRIPTS order, as in the SQL
    if counts[best] == 0:
        return None, None
    if best != "Arab":
        return best, None
    return best, ("fa" if len(_FA.findall(text)) > len(_AR.findall(text)) else "ar")


def _count(col: str, cls: str) -> str:
    return f"length(regexp_replace({col}, '[^{cls}]', '', 'g'))"


def _script_sql(col: str) -> str:
    counts = [(code, _count(col, rf"\p{{{_NAMES[code]}}}")) for code in _SCRIPTS]
    best = "greatest(" + ", ".join(c for _, c in counts) + ")"
    cases = " ".join(f"WHEN {c} = {best} THEN '{code}'" for code, c in counts)
    return f"(CASE WHEN {col} IS NULL OR {best} = 0 THEN NULL {cases} END)"


SCRIPT_SQL = _script_sql("text")
LANG_SQL = (
    f"(CASE WHEN script = 'Arab' THEN (CASE WHEN {_count('text', _PERSIAN_ONLY)} > {_count('text', _ARABIC_ONLY)}"
    " THEN 'fa' ELSE 'ar' END) ELSE NULL END)"
)
