"""Word boundaries on UTF-8 buffers of matching-form text, vectorised with numpy.

A match is at word boundaries when, on each side, the neighbouring character and the match's own edge character
are not both "word" characters (letters or digits, ``[\\p{L}\\p{N}]``) — **or** one of them is an Arabic-script
letter and the other a word character that is not (a digit, a Latin letter …). The second clause is the rule for
digits and Latin words glued to Persian and Arabic ones: such writing often drops the space (۹متر، ۲۰۰نفر،
سال۱۴۰۲، iPhoneها) and no Arabic-script word contains a digit or a Latin letter, so ``متر`` matches in ``۹متر``,
``۹`` in ``۹متر`` and ``iphone`` in ``iPhoneها``. Latin letters and digits stay one word (covid19, g7, mp3):
``covid`` does not match ``covid19``.

The same classes serve the raw-text prefilter (on UTF-16 units) and wildcard terms, whose match extends to the end
of the word under the same rule.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import regex as _regex

__all__ = ["ARABIC_LETTER", "DIGIT", "NONWORD", "OTHER_WORD", "bounded", "char_class_table", "codepoint_at",
           "extend_to_word_end", "glue_patterns_re2", "glued", "is_boundary", "previous_char_start", "utf8_char_offsets", "word_table"]

NONWORD, OTHER_WORD, DIGIT, ARABIC_LETTER = 0, 1, 2, 3
_EXTEND_STEPS = 64  # wildcard extensions longer than this (hostile text) finish per message, in linear time


@cache
def char_class_table() -> np.ndarray:
    """uint8[0x110000]: NONWORD, OTHER_WORD (a letter or digit in no special class), DIGIT (``\\p{N}``) or
    ARABIC_LETTER (``\\p{L}`` of the Arabic script)."""
    cps = np.concatenate([np.arange(0xD800), np.arange(0xE000, 0x110000)]).astype(np.uint32)
    text = cps.tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, dtype=np.uint8)
    for pattern, value in ((r"[\p{L}\p{N}]+", OTHER_WORD), (r"\p{N}+", DIGIT), (r"[\p{L}&&\p{Arabic}]+", ARABIC_LETTER)):
        for m in _regex.finditer(pattern, text, flags=_regex.V1):
            table[cps[m.start()]: cps[m.end() - 1] + 1] = value
    table.setflags(write=False)
    return table


@cache
def word_table() -> np.ndarray:
    """bool[0x110000]: is the code point a letter or digit (``[\\p{L}\\p{N}]`` in the ``regex`` module)."""
    table = char_class_table() != NONWORD
    table.setflags(write=False)
    return table


def _re2_class(mask: np.ndarray) -> str:
    """An RE2 character class of the code points where ``mask`` is true, as ranges."""
    idx = np.flatnonzero(mask)
    breaks = np.flatnonzero(np.diff(idx) != 1)
    starts, ends = np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks], idx[-1]]
    return "[" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in zip(starts, ends, strict=True)) + "]"


@cache
def glue_patterns_re2() -> tuple[str, str]:
    """Two RE2 patterns, each with two groups, for the glued boundaries of :func:`glued`: an Arabic-script letter
    followed by another word character, and the reverse. Replacing ``\\1 \\2`` with each in turn puts a space at
    every such boundary — how engines without set operations in their regexes (DuckDB, Arrow) split words as the
    matcher does."""
    table = char_class_table()
    arabic, other = _re2_class(table == ARABIC_LETTER), _re2_class((table == DIGIT) | (table == OTHER_WORD))
    return f"({arabic})({other})", f"({other})({arabic})"


def glued(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Classes of two neighbouring characters that meet at a word boundary although both are word characters:
    an Arabic-script letter next to a digit or a letter of another script."""
    other = (a == DIGIT) | (a == OTHER_WORD)
    return (other & (b == ARABIC_LETTER)) | ((a == ARABIC_LETTER) & ((b == DIGIT) | (b == OTHER_WORD)))


def is_boundary(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Do characters of classes ``a`` (before) and ``b`` (after) sit on two sides of a word boundary?"""
    return (a == NONWORD) | (b == NONWORD) | glued(a, b)


def codepoint_at(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Decode the UTF-8 character starting at each byte position (positions are character starts)."""
    last = len(u8) - 1
    b0 = u8[pos].astype(np.int64)
    b1 = u8[np.minimum(pos + 1, last)].astype(np.int64) & 0x3F
    b2 = u8[np.minimum(pos + 2, last)].astype(np.int64) & 0x3F
    b3 = u8[np.minimum(pos + 3, last)].astype(np.int64) & 0x3F
    cp = np.where(b0 < 0x80, b0,
                  np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | b1,
                           np.where(b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2,
                                    ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3)))
    return np.minimum(cp, 0x10FFFF)


def previous_char_start(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    p = np.maximum(pos - 1, 0)
    for _ in range(3):
        p = np.where((u8[p] & 0xC0) == 0x80, np.maximum(p - 1, 0), p)
    return p


def _char_len(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    b0 = u8[pos]
    return np.where(b0 < 0x80, 1, np.where(b0 < 0xE0, 2, np.where(b0 < 0xF0, 3, 4)))


def _class_at(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return char_class_table()[codepoint_at(u8, pos)]


def bounded(u8: np.ndarray, start: np.ndarray, end: np.ndarray, open_end: np.ndarray) -> np.ndarray:
    """Occurrences [start, end) (non-empty) at word boundaries on both sides (no right check for ``open_end``).
    The buffer always ends with the row separator, so ``end`` is a valid index."""
    first = _class_at(u8, start)
    last = _class_at(u8, previous_char_start(u8, end))
    left = (start == 0) | is_boundary(_class_at(u8, previous_char_start(u8, start)), first)
    right = open_end | is_boundary(last, _class_at(u8, end))
    return left & right


def extend_to_word_end(u8: np.ndarray, end: np.ndarray, row_ends: np.ndarray) -> np.ndarray:
    """Move each end (a character start, inside a word or at its end) to the end of that word. ``row_ends[i]`` is
    the byte where the message of end ``i`` stops (its separator): words never run past it."""
    end = end.copy()
    if not len(end):
        return end
    prev = _class_at(u8, previous_char_start(u8, end))
    active = np.arange(len(end))
    for _ in range(_EXTEND_STEPS):
        cur = _class_at(u8, end[active])
        inside = ~is_boundary(prev[active], cur)
        active, cur = active[inside], cur[inside]
        if not active.size:
            return end
        prev[active] = cur
        end[active] += _char_len(u8, end[active])
    for i in active.tolist():  # a word longer than _EXTEND_STEPS characters: finish it alone
        end[i] = _word_end(u8, int(end[i]), int(row_ends[i]), prev[i])
    return end


def _word_end(u8: np.ndarray, pos: int, row_end: int, prev_class: np.uint8) -> int:
    """The end of the word going on at ``pos`` (a character start), looked for in windows that double, so the
    cost is linear in the word's length, not the message's."""
    window = 256
    while True:
        stop = min(row_end, pos + window)
        offsets = utf8_char_offsets(u8[pos:stop]) + pos
        resume = stop
        if stop < row_end and offsets.size > 1:
            resume = int(offsets[-1])  # the last character may be cut by the window: read it next time
            offsets = offsets[:-1]
        classes = _class_at(u8, offsets)
        before = np.concatenate([[prev_class], classes[:-1]]).astype(np.uint8)
        stops = np.flatnonzero(is_boundary(before, classes))
        if stops.size:
            return int(offsets[stops[0]])
        if stop >= row_end:
            return row_end
        pos, prev_class = resume, classes[-1]
        window *= 2


def utf8_char_offsets(u8: np.ndarray) -> np.ndarray:
    """Byte offset of every character of a UTF-8 buffer (the positions that are not continuation bytes)."""
    return np.flatnonzero((u8 & 0xC0) != 0x80)
