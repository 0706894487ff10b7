"""Terms with ``elongation: true``: letters repeated for emphasis (خیییییلی for خیلی, sooo for so) still match.

The rule: the text may repeat any letter of the term's form any number of times, never fewer times than the form
has it — so ``خیلی`` matches خیییییلی and خخیلی, ``good`` matches goooood but not god. Digits, spaces and other
non-letters are never stretched (1000 is not 10). It is opt-in, per lexicon (``elongation: true`` at the top) or
per term, because it merges words that differ only by a doubled letter (English "later"/"latter").

How: both sides are *squeezed* — every run of one repeated letter becomes that letter once — and the squeezed
literals are found in the squeezed text with the ordinary literal scanner and word-boundary check (squeezing never
moves a boundary: it only shortens runs of letters). A form with a doubled letter (``good`` → ``god`` with a run of
two o's) then checks the run lengths of the text. Matches are mapped back to the matching form (each squeezed letter
knows the run it stands for), then to the original text as usual. Everything is numpy over the whole batch buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .boundary import ARABIC_LETTER, OTHER_WORD, bounded, char_class_table

if TYPE_CHECKING:
    from .compile import LiteralScanner

__all__ = ["ElongatedLiteral", "SqueezedBuffer", "find_elongated", "squeeze_literal"]


def _is_letter(cps: np.ndarray) -> np.ndarray:
    cls = char_class_table()[cps]
    return (cls == OTHER_WORD) | (cls == ARABIC_LETTER)


def squeeze_literal(literal: str) -> tuple[str, tuple[int, ...]]:
    """(squeezed literal, run length of each of its characters)."""
    out: list[str] = []
    runs: list[int] = []
    for ch in literal:
        if out and ch == out[-1] and _is_letter(np.array([ord(ch)]))[0]:
            runs[-1] += 1
        else:
            out.append(ch)
            runs.append(1)
    return "".join(out), tuple(runs)


@dataclass(frozen=True)
class ElongatedLiteral:
    """One squeezed literal and, per entry it reports, the run lengths it needs (None: only runs of one)."""

    squeezed: bytes
    needs: tuple[tuple[tuple[int, ...] | None, int], ...]  # (runs or None, entry id)


def _utf8_lengths(cps: np.ndarray) -> np.ndarray:
    return np.where(cps < 0x80, 1, np.where(cps < 0x800, 2, np.where(cps < 0x10000, 3, 4))).astype(np.int64)


@dataclass
class SqueezedBuffer:
    """A UTF-8 buffer with every run of a repeated letter squeezed to one, and the way back."""

    buffer: bytes
    char_bytes: np.ndarray  # byte offset of each squeezed character (+ the end)
    run_start: np.ndarray  # for each squeezed character: the index of its run's first character in the original
    run_length: np.ndarray
    orig_char_bytes: np.ndarray  # byte offset of each original character (+ the end)

    @classmethod
    def of(cls, buffer: bytes) -> SqueezedBuffer:
        cps = np.frombuffer(buffer.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        repeat = np.zeros(len(cps), dtype=bool)
        if len(cps) > 1:
            repeat[1:] = (cps[1:] == cps[:-1]) & _is_letter(cps[1:])
        run_start = np.flatnonzero(~repeat)
        run_length = np.diff(np.append(run_start, len(cps)))
        kept = cps[run_start]
        orig_bytes = np.zeros(len(cps) + 1, dtype=np.int64)
        np.cumsum(_utf8_lengths(cps), out=orig_bytes[1:])
        sq_bytes = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(_utf8_lengths(kept), out=sq_bytes[1:])
        squeezed = kept.tobytes().decode("utf-32-le").encode("utf-8")
        return cls(squeezed, sq_bytes, run_start, run_length, orig_bytes)


def find_elongated(squeezed: SqueezedBuffer, literals: tuple[ElongatedLiteral, ...], scanner: LiteralScanner,
                   open_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entries, starts, ends) of every elongated occurrence at word boundaries, as byte offsets in the original
    (unsqueezed) buffer. ``scanner`` is a LiteralScanner over the squeezed literals; ``open_end[e]`` says whether
    entry ``e`` is a wildcard (no right boundary)."""
    ids, ends = scanner.scan(squeezed.buffer)
    lengths = np.array([len(lit.squeezed) for lit in literals] or [0], dtype=np.int64)
    starts = ends - lengths[ids]
    out_entries: list[np.ndarray] = []
    out_cs: list[np.ndarray] = []
    out_ce: list[np.ndarray] = []
    u8 = np.frombuffer(squeezed.buffer, dtype=np.uint8)
    cs = np.searchsorted(squeezed.char_bytes, starts)
    ce = np.searchsorted(squeezed.char_bytes, ends)
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(len(literals) + 1))
    for lid in np.unique(ids).tolist():
        sel = order[bounds[lid]: bounds[lid + 1]]
        for runs, entry in literals[lid].needs:
            ok = bounded(u8, starts[sel], ends[sel], np.full(sel.size, bool(open_end[entry])))
            if runs is not None:
                for j, need in enumerate(runs):
                    if need > 1:
                        ok &= squeezed.run_length[cs[sel] + j] >= need
            chosen = sel[ok]
            out_entries.append(np.full(chosen.size, entry, dtype=np.int64))
            out_cs.append(cs[chosen])
            out_ce.append(ce[chosen])
    if not out_entries:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    c_start, c_end = np.concatenate(out_cs), np.concatenate(out_ce)
    start_char = squeezed.run_start[c_start]
    last = c_end - 1
    end_char = squeezed.run_start[last] + squeezed.run_length[last]
    return (np.concatenate(out_entries), squeezed.orig_char_bytes[start_char],
            squeezed.orig_char_bytes[end_char])
