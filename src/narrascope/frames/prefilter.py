"""A fast, exact-by-construction prefilter: which rows *could* hit the lexicon, computed without normalising.

Full normalisation (NFC, a 2,000-entry character table, joins) runs at ~60,000 messages/s — too slow to apply to
every message when only a few percent hit. So the raw texts first go through a cheaper *skeleton* transform done
with numpy look-up tables: every character through the single-character entries of the normaliser's own table
(:data:`~narrascope.text.normalize.MATCH_TABLE`), deleted characters dropped, whitespace runs folded to one space.
For a row made only of "simple" characters (below), the skeleton *is* the normalised text before the joins, so
any term occurring at word boundaries in the normalised text also occurs, with a space possibly restored at a
join point, at word boundaries in the skeleton (:func:`~narrascope.frames.compile.join_variants`). Rows holding any
other character (NFC could compose or reorder it, or the table expands it to several characters) are always passed
on. Candidates are then matched exactly on their normalised form, so the prefilter only saves work: it never
changes a result (a differential test holds the matcher equal to a per-term regex over :func:`normalize`).

A character is *simple* when the table maps it to at most one character (which itself never composes with a
neighbour), NFC leaves it unchanged on its own, it never composes with a preceding character, and (if it has a
non-zero combining class) the table deletes it. Rows with a character of a context rule (ء, removed after ا/ه) or
an astral character the table maps into the BMP (mathematical 𝐁𝐨𝐥𝐝 → bold) always pass on. Word boundaries are
checked with the matcher's own rule (:mod:`.boundary`, digits next to Arabic-script letters included).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..text.normalize import CONTEXT_CHARACTERS, MATCH_TABLE

__all__ = ["DELETED", "HARD", "PLACEHOLDER", "Skeleton", "literal_units", "skeleton", "skeleton_tables"]

# The skeleton is built on UTF-16 code units so that the look-up table has 65,536 entries (fits in cache).
# An astral character becomes PLACEHOLDER (its low surrogate is dropped): it is not a letter there, which only
# loosens boundary checks, and a lexicon whose literals hold astral characters is not prefiltered.
DELETED = 0xFFFD  # look-up value: drop the unit
HARD = 0xFFFE  # look-up value: the row must bypass the prefilter
PLACEHOLDER = 0xFFFF  # look-up value for high surrogates and for raw U+FFFD..U+FFFF
_SPACE = 0x20
_SEPARATOR = 0x0A  # between rows; the table maps every raw newline to a space, so it cannot occur inside a row


@cache
def _composing_seconds() -> frozenset[int]:
    """Characters NFC may compose with a preceding one: last elements of canonical decompositions, Hangul V/T."""
    seconds: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for cp in range(0x10000):
        dec = unicodedata.decomposition(chr(cp))
        if dec and not dec.startswith("<"):
            parts = dec.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return frozenset(seconds)


@cache
def skeleton_tables() -> np.ndarray:
    """uint16[65536]: UTF-16 code unit → mapped unit, DELETED, HARD or PLACEHOLDER."""
    lut = np.arange(0x10000, dtype=np.uint32)
    seconds = _composing_seconds()
    for cp, value in MATCH_TABLE.items():
        if cp > 0xFFFF:
            # astral characters mapped into the BMP (𝐁 → b): rows holding their high surrogate bypass the screen;
            # astral → astral mappings stay astral, and a literal with an astral character disables the prefilter
            if any(ord(c) <= 0xFFFF for c in value) or not value:
                lut[0xD800 + ((cp - 0x10000) >> 10)] = HARD
            continue
        if len(value) == 0:
            lut[cp] = DELETED
        elif len(value) == 1 and ord(value) <= 0xFFFF and not _composes(value, seconds) \
                and value not in CONTEXT_CHARACTERS:  # ﺀ → ء: a context rule applies to it
            lut[cp] = ord(value)
        else:
            lut[cp] = HARD
    for ch in CONTEXT_CHARACTERS:  # rules with context (ء after ا/ه) are not single-character mappings
        lut[ord(ch)] = HARD
    for cp in range(0x10000):
        if lut[cp] in (DELETED, HARD):
            continue
        ch = chr(cp)
        if 0xD800 <= cp < 0xDC00 or cp >= DELETED:
            lut[cp] = PLACEHOLDER
        elif 0xDC00 <= cp < 0xE000:
            lut[cp] = DELETED
        elif cp in seconds or not unicodedata.is_normalized("NFC", ch) or unicodedata.combining(ch):
            lut[cp] = HARD
    out = lut.astype(np.uint16)
    out.setflags(write=False)
    return out


def _composes(value: str, seconds: frozenset[int]) -> bool:
    """A mapped character that NFC may compose with its neighbour (ﾞ → U+3099, ㅏ → U+1161)."""
    return ord(value) in seconds or bool(unicodedata.combining(value)) or not unicodedata.is_normalized("NFC", value)


def literal_units(literal: str) -> bytes | None:
    """A literal in the skeleton's encoding (UTF-16-LE), or None when it cannot occur in a skeleton."""
    if any(ord(c) > 0xFFFF or ord(c) >= DELETED or c == "\n" for c in literal):
        return None
    return literal.encode("utf-16-le")


class Skeleton:
    """The skeleton of a batch: UTF-16 units, rows separated by ``\\n``, and which rows bypass the prefilter."""

    def __init__(self, units: np.ndarray, row_starts: np.ndarray, hard_rows: np.ndarray) -> None:
        self.units = units  # uint16
        self.row_starts = row_starts  # int64, n+1, in units: row i is units[row_starts[i] : row_starts[i+1]-1]
        self.hard_rows = hard_rows  # int64 row indices


def _utf8_values(arr: pa.Array) -> tuple[bytes, np.ndarray]:
    """The concatenated UTF-8 bytes of a string array (nulls empty) and each row's length in UTF-16 units."""
    arr = arr.fill_null("")
    if arr.offset or arr.type != pa.large_string():
        arr = pa.concat_arrays([arr.cast(pa.large_string())])
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[: len(arr) + 1]
    data = arr.buffers()[2]
    raw = b"" if data is None else memoryview(data)[offsets[0]: offsets[-1]].tobytes()
    return raw, offsets - offsets[0]


def skeleton(texts: pa.Array) -> Skeleton:
    """Skeleton of every text of a pyarrow string array (see the module docstring)."""
    lut = skeleton_tables()
    raw, byte_offsets = _utf8_values(texts)
    n = len(byte_offsets) - 1
    units = np.frombuffer(raw.decode("utf-8").encode("utf-16-le"), dtype=np.uint16)
    # a row's length in UTF-16 units: its characters, plus one for each astral character (4-byte UTF-8 lead)
    lengths = pc.utf8_length(texts.fill_null("")).to_numpy(zero_copy_only=False).astype(np.int64)
    astral = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) >= 0xF0)
    if astral.size:
        lengths += np.bincount(np.searchsorted(byte_offsets, astral, side="right") - 1, minlength=n)
    unit_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=unit_starts[1:])
    mapped = np.insert(lut[units], unit_starts[1:], _SEPARATOR)
    hard_pos = np.flatnonzero(mapped == HARD)
    if hard_pos.size:
        seps = unit_starts[1:] + np.arange(n)  # separator positions in the inserted array
        hard_rows = np.unique(np.searchsorted(seps, hard_pos, side="left"))
    else:
        hard_rows = np.empty(0, dtype=np.int64)
    mapped = mapped[mapped != DELETED]
    space = mapped == _SPACE
    space[1:] &= space[:-1]
    space[0] = False
    mapped = mapped[~space]
    ends = np.flatnonzero(mapped == _SEPARATOR)
    row_starts = np.zeros(n + 1, dtype=np.int64)
    row_starts[1:] = ends + 1
    return Skeleton(mapped, row_starts, hard_rows.astype(np.int64))
