"""The matching form of a text, with offsets back to the original.

Frames matching, reuse shingling and term discovery all compare texts in one *matching form*. It is made by an
ordered mapping (each step works on the output of the previous one):

1. **Unicode NFC** (skipped when the text already is NFC, as almost all text is).
2. **One character table** (:data:`MATCH_TABLE`, applied with ``str.translate``), every entry a fixed point of the table:

   - Arabic letter variants to Persian: ي ى ې ێ ۍ ئ ٸ → ی; ك ګ ڪ → ک; أ إ ٱ آ ٲ ٳ ٵ → ا; ؤ ٶ → و;
     ۀ ة ۂ ۃ ہ ھ ە → ه; ۓ → ے (the hamza folds ئ → ی, ؤ → و, أ إ → ا were measured on the UD Persian
     treebank vocabulary: every pair of distinct words they merge is a spelling variant — docs/methods.md);
   - Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFC) → their NFKC letters, mapped again by this table
     (so ﻧﺎﻥ → نان, ﷲ → الله; forms that are only a diacritic or space vanish), and ﷽, which has no NFKC form, →
     بسم الله الرحمن الرحیم;
   - other **compatibility characters** → their NFKC form when they are letters, digits or punctuation (fullwidth
     ＩＲＧＣ → irgc, 𝐁𝐨𝐥𝐝 → bold, ﬁ → fi, ① → 1, ² → 2, ＿ → _ → space); compatibility *symbols* (™ ℃ ㎏ Ⓐ) and
     spacing accents (´ ¨) are kept, since their NFKC would glue letters to a word (Apple™ → appletm);
   - Arabic combining marks removed (every non-spacing mark in the Arabic blocks: harakat, tanwin, shadda, sukun,
     superscript alef U+0670, hamza above/below, Quranic marks U+06D6–U+06ED), small high waw/yeh U+06E5–U+06E6 and
     tatweel U+0640 removed;
   - digits ۰–۹ (U+06F0…) and ٠–٩ (U+0660…) → 0–9; the Arabic decimal and thousands separators ٫ ٬ → ``.`` ``,`` and
     ٪ → ``%`` (so ۳٫۵ matches 3.5); other Arabic punctuation (، ؛ ؟ « ») is kept: it is a word boundary either way;
   - bidi controls and invisible marks removed: U+200B, U+200D–U+200F, U+202A–U+202E, U+2066–U+2069, U+061C,
     U+FEFF, U+00AD, U+2060; **ZWNJ (U+200C) removed**;
   - case folding (``str.casefold`` of every cased letter, Latin, Cyrillic and the rest; ß → ss, so one character
     may become several); the typographic apostrophe ’ → ``'``;
   - every whitespace character (NBSP, U+2000–U+200A, newline, tab, …) → a plain space, and so is every connector
     punctuation mark (``_`` and its fullwidth/small forms): hashtags join words with ``_`` (#تغییر_رژیم), which
     thereby reads like تغییر رژیم.
3. A second NFC + table round, only when step 2 left non-NFC text (casefolding or a removed mark can do that).
4. Runs of spaces folded to one; leading and trailing spaces removed.
5. **Hamza after alef or heh**: a standalone hamza ء (run) right after ا or ه is removed (اعضاء → اعضا, اجزاء →
   اجزا, خانهء → خانه, the hamza typed as an ezafe). Elsewhere ء stays: removing it everywhere would merge جزء
   ("part") with جز ("except").
6. **Joins**, so that می‌روم / میروم / می روم and کتاب‌ها / کتابها / کتاب ها each become one word:
   a standalone ``می`` or ``نمی`` (preceded by the text start or a character that is neither an Arabic-script letter
   nor a digit) followed by one space and an Arabic-script letter loses the space; then a standalone ``ها``, ``های``
   or ``هایی`` after an Arabic-script letter and one space is joined to it (repeated until nothing changes, for
   chains such as ``کتاب ها ها``). Both passes use explicit character classes so that Python and polars (Rust)
   agree regardless of their Unicode versions.

The result is idempotent. :func:`normalize_with_offsets` computes the same text together with, for every character
of the matching form, the span of the original text it came from; it uses numpy look-up tables and regex match
spans, never a Python loop over characters. :func:`normalize_many` normalises a batch with polars (Aho-Corasick and
Rust regex); tests hold all three equal. :data:`MATCH_TABLE_VERSION` changes whenever the mapping does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
import pyarrow as pa
import regex

__all__ = [
    "CONTEXT_CHARACTERS",
    "MATCH_TABLE",
    "MATCH_TABLE_VERSION",
    "Normalized",
    "normalize",
    "normalize_many",
    "normalize_with_offsets",
]

# --- step 2: the character table, built once from these data ------------------------------------------------------

_LETTER_VARIANTS = {
    "ی": "يىېێۍئٸ",
    "ک": "كګڪ",
    "ا": "أإٱآٲٳٵ",
    "و": "ؤٶ",
    "ه": "ۀةۂۃہھە",
    "ے": "ۓ",  # so that the table gives the same result with or without NFC (ۓ = ے + hamza above)
}
_PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFC))
_ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_PRESENTATION_RANGES_CHARS = frozenset(chr(cp) for lo, hi in _PRESENTATION_RANGES for cp in range(lo, hi + 1))
_EXTRA_REMOVED = "\u0640\u06e5\u06e6"  # tatweel; small high waw and yeh (Quranic annotation letters)
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\u2060"
)
_SYMBOLS = {"٫": ".", "٬": ",", "٪": "%", "\u2019": "'", "﷽": "بسم الله الرحمن الرحیم"}  # ﷽ has no NFKC form
_DIGIT_BLOCKS = (0x06F0, 0x0660)  # Extended Arabic-Indic (Persian) and Arabic-Indic digits
_CASED_LIMIT = 0x20000  # every code point that str.casefold changes lies below this
_COMPAT_LIMIT = 0x30000  # every compatibility character (NFKC ≠ NFC) lies below this
# Compatibility symbols (™ → TM, ℃ → °C, Ⓐ → A) and spacing accents (´ → space + accent) keep their form: their NFKC
# would glue letters to a word or put a space inside one. Letters, digits and punctuation take theirs.
_COMPAT_CATEGORIES = ("L", "N", "P")
_COMPAT_SYMBOL_TAGS = ("<wide>", "<narrow>", "<small>")  # fullwidth/small $ + = < > are plain symbols


def _base_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for target, variants in _LETTER_VARIANTS.items():
        table.update(dict.fromkeys(variants, target))
    for lo, hi in _ARABIC_BLOCKS:
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp)) == "Mn":
                table[chr(cp)] = ""
    table.update(dict.fromkeys(_EXTRA_REMOVED + _INVISIBLE, ""))
    for base in _DIGIT_BLOCKS:
        table.update({chr(base + d): str(d) for d in range(10)})
    table.update(_SYMBOLS)
    for cp in range(_CASED_LIMIT):
        ch = chr(cp)
        if ch.isspace() and ch != " ":
            table[ch] = " "
        elif ch not in table and ch.casefold() != ch:
            table[ch] = ch.casefold()
    for lo, hi in _PRESENTATION_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            compat = unicodedata.normalize("NFKC", ch)
            if compat != ch:
                table[ch] = compat
    for ch in _compatibility_characters():
        if ch not in table:
            table[ch] = unicodedata.normalize("NFKC", ch)
    table.update(dict.fromkeys(_connector_punctuation(), " "))
    return table


def _all_characters(limit: int) -> str:
    cps = np.concatenate([np.arange(0xD800), np.arange(0xE000, limit)]).astype(np.uint32)
    return cps.tobytes().decode("utf-32-le")


def _compatibility_characters() -> list[str]:
    """Characters outside the presentation-form blocks whose NFKC form replaces them (see _COMPAT_CATEGORIES).
    Astral ones only when letters or decimal digits (mathematical alphanumerics: the "𝐛𝐨𝐥𝐝" of social media)."""
    out = []
    for ch in regex.findall(r"[\p{NFKC_QC=N}\p{NFKC_QC=M}]", _all_characters(_COMPAT_LIMIT)):
        compat = unicodedata.normalize("NFKC", ch)
        if ch in _PRESENTATION_RANGES_CHARS or compat == unicodedata.normalize("NFC", ch):
            continue
        category = unicodedata.category(ch)
        tag = unicodedata.decomposition(ch).split()[0]
        wanted = category[0] in _COMPAT_CATEGORIES or (category in ("Sc", "Sm") and tag in _COMPAT_SYMBOL_TAGS)
        if ord(ch) > 0xFFFF:
            wanted = category[0] == "L" or category == "Nd"
        if wanted and not any(c.isspace() for c in compat):
            out.append(ch)
    return out


def _connector_punctuation() -> list[str]:
    return regex.findall(r"\p{Pc}", _all_characters(0x10000))


def _close(table: dict[str, str]) -> dict[int, str]:
    """Map every value through the table (and NFC) until it is a fixed point, so one translate pass suffices."""
    closed: dict[int, str] = {}
    for key, value in table.items():
        for _ in range(8):
            nxt = unicodedata.normalize("NFC", "".join(table.get(c, c) for c in value))
            if nxt == value:
                break
            value = nxt
        else:  # pragma: no cover - guarded by tests of the table
            raise AssertionError(f"table entry for U+{ord(key):04X} does not settle")
        if key in _PRESENTATION_RANGES_CHARS and not value.strip():
            value = ""  # an isolated diacritic form (e.g. U+FE70) is a mark, not a space
        if value != key:
            closed[ord(key)] = value
    return closed


MATCH_TABLE: dict[int, str] = _close(_base_table())
"""Code point → replacement ('' deletes) for ``str.translate``; every replacement is a fixed point of the table."""

# Output length of every code point under MATCH_TABLE (1 where unmapped): expands offsets with np.repeat.
_OUT_LEN = np.ones(0x110000, dtype=np.uint8)
_OUT_LEN[list(MATCH_TABLE)] = [len(v) for v in MATCH_TABLE.values()]
# Deleted characters that belong to the letter before them (diacritics, tatweel, small high waw/yeh): their source
# joins that letter's span, so a match ending in a letter covers its marks (خانهٔ, not خانه + a dangling hamza).
_ATTACHES = np.zeros(0x110000, dtype=bool)
_ATTACHES[[cp for cp, v in MATCH_TABLE.items()
           if v == "" and (unicodedata.category(chr(cp))[0] == "M" or chr(cp) in _EXTRA_REMOVED)]] = True

# --- steps 4-5: whitespace and joins (explicit classes: the same patterns run in Python re and Rust regex) ----------

_ARAB = "ؠ-يٮٯٱ-ۓەۮۯۺ-ۼۿݐ-ݿࡰ-ࢇࢉ-ࢎࢠ-ࣉ"  # Arabic-script letters that can remain after the table
_WORD = _ARAB + "0-9"
_MULTISPACE = " {2,}"
_HAMZA_AFTER = "([اه])ء+"  # step 5: the hamza run after alef or heh goes (group 1 is kept)
_PREFIX_JOIN = f"(^|[^{_WORD}])(ن?می) ([{_ARAB}])"
_SUFFIX_JOIN = f"([{_ARAB}]) (هایی|های|ها)($|[^{_WORD}])"
_MULTISPACE_RE = re.compile(_MULTISPACE)
_HAMZA_RE = re.compile(_HAMZA_AFTER)
_PREFIX_RE = re.compile(_PREFIX_JOIN)
_SUFFIX_RE = re.compile(_SUFFIX_JOIN)
_KEEP_ALL = r"\1\2\3"  # the join patterns delete exactly the one space between groups 2 and 3 / 1 and 2
_KEEP_ALL_RUST = "${1}${2}${3}"

#: characters that take part in a rule with context (step 5): the prefilter passes rows holding them on unscreened.
CONTEXT_CHARACTERS = "ء"

MATCH_TABLE_VERSION: str = "mf2-" + hashlib.sha256(
    repr((sorted(MATCH_TABLE.items()), _MULTISPACE, _HAMZA_AFTER, _PREFIX_JOIN, _SUFFIX_JOIN)).encode()
).hexdigest()[:16]
"""Identifies the mapping (table and join rules); results computed on the matching form are cached by it."""


# --- normalize -----------------------------------------------------------------------------------------------------


def _fold_table(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = text.translate(MATCH_TABLE)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text).translate(MATCH_TABLE)
    return text


def _join(text: str) -> str:
    if "می" in text:
        text = _PREFIX_RE.sub(_KEEP_ALL, text)
    if "ها" in text:
        while True:
            text, count = _SUFFIX_RE.subn(_KEEP_ALL, text)
            if not count:
                break
    return text


def normalize(text: str) -> str:
    """The matching form of ``text`` (see the module docstring for the ordered mapping)."""
    text = _fold_table(text)
    if "  " in text:
        text = _MULTISPACE_RE.sub(" ", text)
    text = text.strip(" ")
    if "ء" in text:
        text = _HAMZA_RE.sub(r"\1", text)
    return _join(text)


# --- normalize_with_offsets ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Normalized:
    """A matching form with offsets: ``text[i]`` came from ``original[starts[i]:ends[i]]``.

    ``starts`` and ``ends`` are non-decreasing int64 arrays of ``len(text)``. Characters of one NFC cluster, or of
    one expanded character (ß → ss), share the span of their source.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``. An empty span maps to the empty original span where the
        character at ``start`` begins (or where the last character ends, for ``start == len(text)``)."""
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise IndexError(f"span ({start}, {end}) is outside the matching form of length {n}")
        if start < end:
            return int(self.starts[start]), int(self.ends[end - 1])
        point = int(self.starts[start]) if start < n else (int(self.ends[-1]) if n else 0)
        return point, point


# Characters that may interact with a neighbour under NFC (ccc ≠ 0 or quick-check No/Maybe); a character outside
# this class starts a segment that NFC never crosses, so NFC can be applied segment by segment.
_NFC_UNSTABLE_RUN = regex.compile(r"(?s).?[\P{ccc=0}\p{NFC_QC=N}\p{NFC_QC=M}]+")


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _from_codepoints(cps: np.ndarray) -> str:
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _nfc_with_offsets(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """NFC, mapping every output character of a changed segment to that whole segment's original span."""
    pieces: list[str] = []
    new_starts: list[np.ndarray] = []
    new_ends: list[np.ndarray] = []
    done = 0
    for match in _NFC_UNSTABLE_RUN.finditer(text):
        seg_start, seg_end = match.span()
        composed = unicodedata.normalize("NFC", match.group())
        if composed == match.group():
            continue
        pieces += [text[done:seg_start], composed]
        width = len(composed)
        new_starts += [starts[done:seg_start], np.full(width, starts[seg_start])]
        new_ends += [ends[done:seg_start], np.full(width, ends[seg_end - 1])]
        done = seg_end
    if not pieces:
        return text, starts, ends
    pieces.append(text[done:])
    new_starts.append(starts[done:])
    new_ends.append(ends[done:])
    return "".join(pieces), np.concatenate(new_starts), np.concatenate(new_ends)


def _delete(
    cps: np.ndarray, starts: np.ndarray, ends: np.ndarray, drop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = ~drop
    return cps[keep], starts[keep], ends[keep]


def _absorb(ends: np.ndarray, absorbed: np.ndarray) -> np.ndarray:
    """Extend each character's source end over the absorbed characters right after it (which are then deleted)."""
    if not absorbed.any():
        return ends
    anchors = np.flatnonzero(~absorbed)
    if not anchors.size:
        return ends
    ends = ends.copy()
    ends[anchors] = ends[np.append(anchors[1:], len(ends)) - 1]
    return ends


def _join_drops(pattern: re.Pattern[str], text: str, group: int) -> np.ndarray:
    """Positions of the single spaces a join pattern deletes (the space right after ``group``)."""
    return np.fromiter((m.end(group) for m in pattern.finditer(text)), dtype=np.int64)


def normalize_with_offsets(text: str) -> Normalized:
    """:func:`normalize` plus, for every character of the result, the span of ``text`` it came from."""
    n = len(text)
    starts = np.arange(n, dtype=np.int64)
    ends = starts + 1
    for round_ in range(2):
        if unicodedata.is_normalized("NFC", text):
            if round_:
                break
        else:
            text, starts, ends = _nfc_with_offsets(text, starts, ends)
        cps = _codepoints(text)
        counts = _OUT_LEN[cps]
        text = text.translate(MATCH_TABLE)
        ends = _absorb(ends, (counts == 0) & _ATTACHES[cps])
        if counts.max(initial=0) <= 1:  # only deletions (the usual case): a mask is much faster than np.repeat
            keep = counts.view(bool)
            starts, ends = starts[keep], ends[keep]
        else:
            starts, ends = np.repeat(starts, counts), np.repeat(ends, counts)
    cps = _codepoints(text)
    space = cps == 0x20
    if space.any():
        drop = space.copy()
        drop[1:] &= space[:-1]  # a space after a space
        solid = np.flatnonzero(~space)
        if solid.size:  # leading and trailing spaces
            drop[: solid[0]] = True
            drop[solid[-1] + 1 :] = True
        else:
            drop[:] = True
        cps, starts, ends = _delete(cps, starts, ends, drop)
        text = _from_codepoints(cps)
    if "ء" in text:
        drop = np.zeros(cps.size, dtype=bool)
        for m in _HAMZA_RE.finditer(text):
            drop[m.end(1): m.end()] = True
        if drop.any():
            ends = _absorb(ends, drop)  # the hamza belongs to the alef or heh before it
            cps, starts, ends = _delete(cps, starts, ends, drop)
            text = _from_codepoints(cps)
    passes = ((_PREFIX_RE, 2, "می", False), (_SUFFIX_RE, 1, "ها", True))
    for pattern, group, needle, repeat in passes:
        while needle in text:
            at = _join_drops(pattern, text, group)
            if not at.size:
                break
            drop = np.zeros(cps.size, dtype=bool)
            drop[at] = True
            cps, starts, ends = _delete(cps, starts, ends, drop)
            text = _from_codepoints(cps)
            if not repeat:
                break
    return Normalized(text, starts, ends)


# --- normalize_many ------------------------------------------------------------------------------------------------

_TABLE_KEYS = [chr(k) for k in MATCH_TABLE]
_TABLE_VALUES = list(MATCH_TABLE.values())
_HANGUL_VOWELS_AND_TAILS = (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))


def nfc_sensitive_codepoints() -> frozenset[int]:
    """Characters whose presence can make NFC matter for the result of the table.

    The NFC-unstable characters (combining class ≠ 0, or NFC quick-check No/Maybe) minus the marks the table
    deletes (for a text whose only unstable characters are such marks, the table gives the same result with or
    without NFC: a test checks every composition), plus the table keys whose replacement contains one (İ → i̇).
    """
    unstable = set(_HANGUL_VOWELS_AND_TAILS)
    for cp in (*range(_CASED_LIMIT), *range(0x2F800, 0x2FA20)):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            second = int(decomposition[1], 16)
            if unicodedata.normalize("NFC", chr(int(decomposition[0], 16)) + chr(second)) == ch:
                unstable.add(second)  # quick-check Maybe: composes with the character before it
        if unicodedata.combining(ch) or not unicodedata.is_normalized("NFC", ch):
            unstable.add(cp)
    unstable -= {cp for cp in unstable if MATCH_TABLE.get(cp) == "" and unicodedata.is_normalized("NFC", chr(cp))}
    unstable |= {cp for cp, value in MATCH_TABLE.items() if any(ord(c) in unstable for c in value)}
    return frozenset(unstable)


@cache
def _nfc_sensitive_class() -> str:
    ranges: list[list[int]] = []
    for cp in sorted(nfc_sensitive_codepoints()):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in ranges) + "]"


def _as_series(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> pl.Series:
    if isinstance(texts, pa.Array | pa.ChunkedArray):
        series = pl.Series("t", texts)
    else:
        series = pl.Series("t", texts if isinstance(texts, Sequence) else list(texts), dtype=pl.String)
    if series.dtype != pl.String:
        raise TypeError(f"normalize_many needs strings, got {series.dtype}")
    return series


def _rows_containing(series: pl.Series, needle: str, literal: bool = True) -> pl.Series:
    return series.str.contains(needle, literal=literal).fill_null(False).arg_true()


#: batches up to this many texts are normalised one by one with :func:`normalize` (cheaper than vectorising them)
SMALL_BATCH = 128


def normalize_many(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`normalize` over a batch (nulls stay null), vectorised with polars; returns a pyarrow string array.

    The table runs as one Aho-Corasick pass (``str.replace_many``) over every row. Rows with an NFC-sensitive
    character (rare: Latin combining marks, Hangul jamo, …; Arabic diacritics are not) are folded by the Python
    path instead, so NFC is always Python's. The whitespace and join patterns run with Rust regex, each join only on
    the rows that contain its literal (``می `` / `` ها``); the suffix join repeats on the rows it changed.
    """
    source = _as_series(texts)
    if source.len() <= SMALL_BATCH:
        # a page of fifty texts (a search's highlights): polars' per-expression overhead is most of the cost there
        # (measured 7.7 ms against 0.4 ms for the Python path on 50 texts); the results are the same by definition
        return pa.array([None if t is None else normalize(t) for t in source.to_list()], pa.string())
    series = source.str.replace_many(_TABLE_KEYS, _TABLE_VALUES)
    sensitive = _rows_containing(source, _nfc_sensitive_class(), literal=False)
    if sensitive.len():
        folded = [_fold_table(text) for text in source.gather(sensitive).to_list()]
        series = series.scatter(sensitive, pl.Series(folded, dtype=pl.String))
    series = series.str.replace_all(_MULTISPACE, " ").str.strip_chars(" ")
    rows = _rows_containing(series, "ء")
    if rows.len():
        series = series.scatter(rows, series.gather(rows).str.replace_all(_HAMZA_AFTER, "${1}"))
    rows = _rows_containing(series, "می ")
    if rows.len():
        series = series.scatter(rows, series.gather(rows).str.replace_all(_PREFIX_JOIN, _KEEP_ALL_RUST))
    rows = _rows_containing(series, " ها")
    while rows.len():
        current = series.gather(rows)
        joined = current.str.replace_all(_SUFFIX_JOIN, _KEEP_ALL_RUST)
        changed = (joined != current).fill_null(False).arg_true()
        rows = rows.gather(changed)
        series = series.scatter(rows, joined.gather(changed))
    result = series.to_arrow()
    if isinstance(result, pa.ChunkedArray):
        result = result.combine_chunks()
    return result.cast(pa.large_string() if result.nbytes >= 2**31 - 1 else pa.string())
