"""How a CSV file is written: its text encoding and its delimiter. The one detector for every CSV narrascope reads
(ingested tables, coded validation files, uploads in the web interface, channel attribute tables).

Encoding, in this order, each accepted only when the *whole* byte stream decodes strictly in it:

1. a byte-order mark: UTF-8 (``utf-8-sig``) or UTF-16 (``utf-16``, Excel's "Unicode text");
2. UTF-16 without a mark (``utf-16-le``/``utf-16-be``), told by its zero bytes: every ASCII character (delimiters,
   line ends, ids) has a zero high byte, on the odd positions for little-endian and the even ones for big-endian,
   and no single-byte encoding writes zero bytes in text;
3. UTF-8;
4. otherwise a legacy Windows code page: cp1256 (Excel's "CSV" on a Persian or Arabic Windows) or cp1252 (on a
   Western one), chosen by where the letters sit (:func:`legacy_scores`).

charset_normalizer (installed with trafilatura) is *not* used for step 4: on short coded files — one to five rows of
real Persian sentences (UD Seraji) or French/German/Spanish ones, 400 draws — it named the right code page for 230
of 400 when free to choose (Persian came back as mac_cyrillic, Spanish as cp1250, "café" as cp1006) and 356 of 400
when limited to cp1252/cp1256 (44 Persian files read as cp1252); :func:`legacy_scores` got 400 of 400
(``python bench/csv_encoding.py``; docs/benchmarks.md).

Delimiter: the one of ``, tab ; |`` that splits the first records into the same number (≥ 2) of fields.

Python's csv module refuses fields over 128 KiB, and a long post exceeds that. The limit is process-wide, so it is
raised only while a table is being read (:func:`long_fields`), never at import.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import regex

__all__ = ["CsvFormat", "decode_csv", "detect_delimiter", "detect_encoding", "legacy_scores", "long_fields",
           "sniff_csv", "utf16_without_bom"]

DELIMITERS = (",", "\t", ";", "|")
LEGACY_ENCODINGS = ("cp1256", "cp1252")
_CHUNK = 1 << 20
_SAMPLE = 4 * _CHUNK
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class CsvFormat:
    """What :func:`sniff_csv` found: the codec to open the file with, its delimiter, and a note for the user when
    the encoding was a guess (a legacy code page)."""

    encoding: str
    delimiter: str
    note: str | None = None


# ---------------------------------------------------------------------------------------------- encoding
def _decodes_file(path: Path) -> Callable[[str], bool]:
    def decodes(encoding: str) -> bool:
        """True when the whole file decodes strictly (streamed in 1 MiB chunks)."""
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True

    return decodes


def _decodes_bytes(raw: bytes) -> Callable[[str], bool]:
    def decodes(encoding: str) -> bool:
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            return False
        return True

    return decodes


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the zero bytes of ``head`` sit on one parity (see the module
    docstring), else None. A guess: callers confirm it by decoding."""
    head = head[: len(head) // 2 * 2]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd >= 2 and odd >= 4 * even:
        return "utf-16-le"
    if even >= 2 and even >= 4 * odd:
        return "utf-16-be"
    return None


_ARABIC_WORD = regex.compile(r"\p{Arabic}+")
_LATIN_WORD = regex.compile(r"\p{Latin}+")


def legacy_scores(sample: bytes) -> tuple[int, int]:
    """(cp1256 score, cp1252 score) of a byte sample that is not UTF-8.

    Both code pages decode every ASCII byte the same way, so only the high bytes tell them apart, and both map
    most high bytes to *letters*: Arabic text read as cp1252 becomes Latin letters (ا → Ç, ل → á). Counting
    letters alone would therefore call a tie. What differs is where the letters sit. In cp1256 Arabic, high
    bytes form whole words of Arabic letters. In cp1252 Western text, accented letters sit inside words that
    also hold ASCII letters (café, Müller); read as cp1256, those bytes become Arabic letters glued to Latin
    ones, or stay Latin (cp1256 keeps é, è, à, ç for French). So: cp1256 scores the Arabic letters that form
    all-Arabic words; cp1252 scores the non-ASCII Latin letters in words that also hold an ASCII letter.
    """
    as_1256 = sample.decode("cp1256", errors="replace")
    arabic = 0
    for match in _ARABIC_WORD.finditer(as_1256):
        start, end = match.span()
        before = as_1256[start - 1] if start > 0 else " "
        after = as_1256[end] if end < len(as_1256) else " "
        if not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha()):
            arabic += end - start
    as_1252 = sample.decode("cp1252", errors="replace")
    latin = sum(
        sum(1 for ch in word if not ch.isascii())
        for word in _LATIN_WORD.findall(as_1252)
        if any(ch.isascii() for ch in word)
    )
    return arabic, latin


def _detect(head: bytes, decodes: Callable[[str], bool]) -> tuple[str, str | None]:
    if head.startswith(_UTF16_BOMS):
        if decodes("utf-16"):
            return "utf-16", None
    elif b"\x00" in head[:65536] and (utf16 := utf16_without_bom(head[:65536])) and decodes(utf16):
        return utf16, None
    elif decodes("utf-8-sig"):
        return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), None
    arabic, latin = legacy_scores(head)
    # cp1252 leaves five bytes undefined; a file holding them cannot be cp1252.
    if arabic > latin or not decodes("cp1252"):
        return "cp1256", "not UTF-8: read as cp1256 (Windows Arabic); Arabic letters decide it over cp1252"
    return "cp1252", "not UTF-8: read as cp1252 (Windows Western); no Arabic text found for cp1256"


def detect_encoding(source: Path | bytes) -> tuple[str, str | None]:
    """(Python codec name, note or None) of a text table: a file (streamed, never held whole) or its bytes.
    The note says which legacy code page was guessed, and why; it is None for Unicode encodings."""
    if isinstance(source, bytes):
        return _detect(source[:_SAMPLE], _decodes_bytes(source))
    with source.open("rb") as fh:
        head = fh.read(_SAMPLE)
    return _detect(head, _decodes_file(source))


def decode_csv(raw: bytes) -> tuple[str, str, str | None]:
    """(text without a byte-order mark, codec, note) of a CSV held in memory (an upload, a coded file)."""
    encoding, note = detect_encoding(raw)
    text = raw.decode(encoding, errors="replace" if encoding in LEGACY_ENCODINGS else "strict")
    return text.removeprefix("\ufeff"), encoding, note


# ---------------------------------------------------------------------------------------------- delimiter
def _field_counts(sample: str, delimiter: str) -> list[int]:
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a head is usually cut
    try:
        with long_fields():
            # newline="": CR-only line ends (old Mac spreadsheets) split records too
            return [len(r) for r in csv.reader(io.StringIO("".join(lines[:200]), newline=""), delimiter=delimiter)
                    if r]
    except csv.Error:
        return []


def detect_delimiter(sample: str, suffix: str = "") -> str | None:
    """The delimiter that splits the sample's records into the same number (≥ 2) of fields, or None.

    Consistency counts first, then the field count; ``.tsv``/``.tab`` files prefer a tab on ties.
    """
    best: tuple[float, int, int] | None = None
    choice = None
    for rank, delim in enumerate(DELIMITERS):
        counts = _field_counts(sample, delim)
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0]) / len(counts)
        prefer = 1 if (delim == "\t") == (suffix in (".tsv", ".tab")) else 0
        key = (consistent, prefer, counts[0] - rank)
        if best is None or key > best:
            best, choice = key, delim
    if best is None or best[0] < 0.8:
        return None
    return choice


def _fallback_delimiter(sample: str, suffix: str) -> str:
    """For a sample no delimiter splits consistently: a tab for .tsv/.tab, else the most frequent in line 1."""
    if suffix in (".tsv", ".tab"):
        return "\t"
    header = sample.split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (header.count(d), d == ","))


def sniff_csv(source: Path | bytes, suffix: str = "") -> CsvFormat:
    """Encoding and delimiter of a CSV/TSV file or its bytes (``suffix`` as ``.tsv`` breaks delimiter ties)."""
    encoding, note = detect_encoding(source)
    if isinstance(source, bytes):
        sample = source[:65536].decode(encoding, errors="ignore")
    else:
        suffix = suffix or source.suffix.lower()
        with source.open(encoding=encoding, errors="ignore", newline="") as fh:
            sample = fh.read(65536)
    sample = sample.removeprefix("\ufeff")
    delimiter = detect_delimiter(sample, suffix) or _fallback_delimiter(sample, suffix)
    return CsvFormat(encoding, delimiter, note)


# ---------------------------------------------------------------------------------------------- long fields
_LIMIT = min(sys.maxsize, 2**31 - 1)
_lock = threading.Lock()
_depth = 0
_saved = 0


@contextmanager
def long_fields() -> Iterator[None]:
    """Let the csv module read fields of any length inside the block (its 128 KiB default refuses long posts).

    The limit is process-wide: it is raised on entering the first block and restored on leaving the last one
    (blocks may nest or interleave, as generators reading two tables do)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = csv.field_size_limit(_LIMIT)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                csv.field_size_limit(_saved)
