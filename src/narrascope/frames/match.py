"""Match every term of every frame in one pass, Persian-aware, with spans in the original text.

The path of a batch of messages (docs/methods.md, "Frame matching"):

1. **Prefilter** (optional, :mod:`.prefilter`): a numpy skeleton of the raw texts is scanned once for every term's
   literal forms at word boundaries; only rows that could hit (typically a few percent) go on.
2. **Exact match** on those rows (all rows by default): :func:`~narrascope.text.normalize.normalize_many`, all rows joined into one
   buffer separated by ``\\n``, one scan for all literals (hyperscan, or Aho-Corasick as the fallback), then
   vectorised checks that the character before and after each occurrence is not a letter or digit
   (``\\p{L}\\p{N}``), a match → row mapping by binary search, exclusion phrases, and regex terms (hyperscan,
   leftmost start for each end, so matching stays linear whatever the regex).
3. **Spans** (:meth:`Matcher.scan` only): offsets in the normalised text are mapped back to the original text with
   :func:`~narrascope.text.normalize.normalize_with_offsets`, for hit rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import regex as _regex

from ..errors import UsageError
from ..text.normalize import normalize_many, normalize_with_offsets
from .compile import (
    CompiledLexicon,
    LiteralScanner,
    ThreadScratch,
    build_regex_database,
    compile_lexicon,
    hyperscan_available,
    join_variants,
)
from .lexicon import Lexicon
from .prefilter import literal_units, skeleton

__all__ = ["HITS_SCHEMA", "MATCHER_VERSION", "Matcher", "word_table"]

#: changes whenever matching semantics change (part of cached results' keys).
MATCHER_VERSION = "m1"
HITS_SCHEMA = pa.schema([("row", pa.int32()), ("frame", pa.string()), ("term", pa.string()),
                         ("start", pa.int32()), ("end", pa.int32())])
_CHUNK_ROWS = 50_000


@cache
def word_table() -> np.ndarray:
    """bool[0x110000]: is the code point a letter or digit (``[\\p{L}\\p{N}]`` in the ``regex`` module)."""
    cps = np.concatenate([np.arange(0xD800), np.arange(0xE000, 0x110000)]).astype(np.uint32)
    text = cps.tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, dtype=bool)
    for m in _regex.finditer(r"[\p{L}\p{N}]+", text):
        table[cps[m.start()]: cps[m.end() - 1] + 1] = True
    table.setflags(write=False)
    return table


def _codepoint_at(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
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


def _previous_char_start(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    p = np.maximum(pos - 1, 0)
    for _ in range(3):
        p = np.where((u8[p] & 0xC0) == 0x80, np.maximum(p - 1, 0), p)
    return p


def _char_len(u8: np.ndarray, pos: np.ndarray) -> np.ndarray:
    b0 = u8[pos]
    return np.where(b0 < 0x80, 1, np.where(b0 < 0xE0, 2, np.where(b0 < 0xF0, 3, 4)))


def bounded(u8: np.ndarray, start: np.ndarray, end: np.ndarray, open_end: np.ndarray) -> np.ndarray:
    """Occurrences [start, end) whose neighbours are not letters/digits (no right check for ``open_end``).
    The buffer always ends with the row separator, so ``end`` is a valid index."""
    words = word_table()
    left = (start == 0) | ~words[_codepoint_at(u8, _previous_char_start(u8, start))]
    right = open_end | ~words[_codepoint_at(u8, end)]
    return left & right


def _extend_to_word_end(u8: np.ndarray, end: np.ndarray) -> np.ndarray:
    words = word_table()
    end = end.copy()
    active = np.arange(len(end))
    while active.size:
        inside = words[_codepoint_at(u8, end[active])]
        active = active[inside]
        end[active] += _char_len(u8, end[active])
    return end


@dataclass
class _Block:
    """Normalised rows joined by ``\\n``: row i is buffer[starts[i] : starts[i+1]-1]."""

    buffer: bytes
    starts: np.ndarray

    @classmethod
    def of(cls, texts: pa.Array) -> _Block:
        norm = normalize_many(texts).fill_null("")
        joined = pc.binary_join_element_wise(norm, "", "\n").cast(pa.large_string())
        joined = pa.concat_arrays([joined])  # drop any slice offset
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[: len(joined) + 1]
        data = joined.buffers()[2]
        buffer = b"" if data is None else data.to_pybytes()[offsets[0]: offsets[-1]]
        return cls(buffer, (offsets - offsets[0]).astype(np.int64))

    def row_text(self, row: int) -> str:
        return self.buffer[self.starts[row]: self.starts[row + 1] - 1].decode("utf-8")


def _as_array(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
            raise UsageError(f"texts must be strings, not {texts.type}")
        return texts
    return pa.array(list(texts), type=pa.large_string())


class Matcher:
    """All frames of a lexicon, compiled once; call :meth:`scan`, :meth:`frame_mask` or :meth:`frames_per_row`.
    One Matcher may serve several threads at once (each thread gets its own hyperscan scratch space).

    ``engine``: ``"hyperscan"`` (default where installed) or ``"ahocorasick"`` (pure fallback; regex terms need
    hyperscan). ``prefilter=True`` screens the raw texts with a skeleton scan and normalises only candidate rows
    (same results); off by default since the vectorised normaliser measured faster on its own (bench/frames.py).
    """

    def __init__(self, lexicon: Lexicon, *, engine: str | None = None, prefilter: bool = False) -> None:
        self.lexicon = lexicon
        self.engine = engine or ("hyperscan" if hyperscan_available() else "ahocorasick")
        if self.engine == "hyperscan" and not hyperscan_available():
            raise UsageError("engine 'hyperscan' is not installed here: use engine='ahocorasick'")
        c: CompiledLexicon = compile_lexicon(lexicon)
        self.compiled = c
        self.frame_ids = list(c.frame_ids)
        if c.has_regex and self.engine != "hyperscan":
            raise UsageError("this lexicon has regex terms, which need hyperscan (x86-64 Linux); "
                             "rewrite them as phrases or wildcards, or install hyperscan")
        self._entry_frame = np.array([e.frame for e in c.entries] or [0], dtype=np.int64)
        self._entry_exclude = np.array([e.exclude for e in c.entries] or [False], dtype=bool)
        self._entry_open = np.array([e.open_end for e in c.entries] or [False], dtype=bool)
        self._exact = LiteralScanner(c.literals, self.engine)
        self._lit_len = np.array([len(x) for x in c.literals] or [0], dtype=np.int64)
        counts = np.array([len(x) for x in c.literal_entries], dtype=np.int64)
        self._lit_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._lit_entries = np.array([e for es in c.literal_entries for e in es] or [0], dtype=np.int64)
        self._regex_patterns = [c.entries[e].regex or "" for e in c.regex_entries]
        self._regex_any = build_regex_database(self._regex_patterns, som=False) if c.has_regex else None
        self._regex_som = build_regex_database(self._regex_patterns, som=True) if c.has_regex else None
        self._regex_scratch = (ThreadScratch(self._regex_any), ThreadScratch(self._regex_som))
        self._prefilter = self._build_prefilter() if prefilter and not c.has_regex else None

    def _build_prefilter(self) -> LiteralScanner | None:
        forms: dict[bytes, bool] = {}
        for lit, entries in zip(self.compiled.literals, self.compiled.literal_entries, strict=True):
            positive = [e for e in entries if not self.compiled.entries[e].exclude]
            if not positive:
                continue
            opened = bool(self._entry_open[positive].any())
            variants = join_variants(lit.decode("utf-8"))
            if variants is None:
                return None
            for v in variants:
                key = literal_units(v)
                if key is None:  # e.g. an astral character: screen nothing rather than miss this term
                    return None
                forms[key] = forms.get(key, False) or opened
        self._pre_open = np.array(list(forms.values()) or [False], dtype=bool)
        self._pre_len = np.array([len(k) for k in forms] or [0], dtype=np.int64)
        return LiteralScanner(list(forms), self.engine)

    # ------------------------------------------------------------------ public API
    def scan(self, texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Table:
        """Every (row, frame, term) hit with its span in the ORIGINAL text (columns of :data:`HITS_SCHEMA`),
        sorted by row, start, end, then lexicon order."""
        arr = _as_array(texts)
        tables = []
        for lo in range(0, len(arr), _CHUNK_ROWS):
            chunk = arr.slice(lo, _CHUNK_ROWS)
            rows, entries, starts, ends, block, block_rows = self._hits(chunk)
            tables.append(self._spans(chunk, lo, rows, entries, starts, ends, block, block_rows))
        if not tables:
            return HITS_SCHEMA.empty_table()
        return pa.concat_tables(tables)

    def frame_mask(self, texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """bool array (rows × frames, columns in :attr:`frame_ids` order): which frames hit each message."""
        arr = _as_array(texts)
        mask = np.zeros((len(arr), len(self.frame_ids)), dtype=bool)
        for lo in range(0, len(arr), _CHUNK_ROWS):
            rows, entries, *_ = self._hits(arr.slice(lo, _CHUNK_ROWS))
            mask[rows + lo, self._entry_frame[entries]] = True
        return mask

    def frames_per_row(self, texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> list[set[str]]:
        """The set of frame ids hitting each message (built from :meth:`frame_mask`)."""
        mask = self.frame_mask(texts)
        ids = self.frame_ids
        out: list[set[str]] = [set() for _ in range(len(mask))]
        for r, f in zip(*np.nonzero(mask), strict=True):
            out[r].add(ids[f])
        return out

    # ------------------------------------------------------------------ internals
    def _candidates(self, arr: pa.Array) -> np.ndarray:
        """Rows that may hit (all rows without a prefilter)."""
        if self._prefilter is None:
            return np.arange(len(arr), dtype=np.int64)
        sk = skeleton(arr)
        ids, ends = self._prefilter.scan(sk.units.view(np.uint8).data)
        aligned = ends % 2 == 0  # a byte match straddling two UTF-16 units is not an occurrence
        ids, ends = ids[aligned], ends[aligned] // 2
        starts = ends - self._pre_len[ids] // 2
        words = word_table()
        left = (starts == 0) | ~words[sk.units[np.maximum(starts - 1, 0)]]
        right = self._pre_open[ids] | ~words[sk.units[ends]]
        rows = np.searchsorted(sk.row_starts, starts[left & right], side="right") - 1
        return np.union1d(rows, sk.hard_rows).astype(np.int64)

    def _hits(self, arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, _Block, np.ndarray]:
        """Exact hits of a chunk: (rows, entries, starts, ends) with byte offsets into the returned block, whose
        rows are the chunk rows listed in the last array."""
        cand = self._candidates(arr)
        sub = arr.take(pa.array(cand)) if len(cand) != len(arr) else arr
        block = _Block.of(sub)
        u8 = np.frombuffer(block.buffer, dtype=np.uint8)
        ids, ends = self._exact.scan(block.buffer)
        starts = ends - self._lit_len[ids]
        # one literal may stand for several entries (the same term in two frames, or plain and as a wildcard)
        reps = self._lit_ptr[ids + 1] - self._lit_ptr[ids]
        first = np.repeat(self._lit_ptr[ids], reps)
        offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        entries = self._lit_entries[first + offset]
        starts, ends = np.repeat(starts, reps), np.repeat(ends, reps)
        keep = bounded(u8, starts, ends, self._entry_open[entries])
        entries, starts, ends = entries[keep], starts[keep], ends[keep]
        if self._regex_any is not None:
            r_entries, r_starts, r_ends = self._regex_hits(block, u8)
            entries = np.concatenate([entries, r_entries])
            starts = np.concatenate([starts, r_starts])
            ends = np.concatenate([ends, r_ends])
        opened = self._entry_open[entries]
        if opened.any():
            ends = ends.copy()
            ends[opened] = _extend_to_word_end(u8, ends[opened])
        rows = np.searchsorted(block.starts, starts, side="right") - 1
        rows, entries, starts, ends = _dedupe(rows, entries, starts, ends)
        rows, entries, starts, ends = self._apply_exclusions(rows, entries, starts, ends)
        return cand[rows], entries, starts, ends, block, cand

    def _regex_hits(self, block: _Block, u8: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows_hit: set[int] = set()

        def any_match(_pid: int, _f: int, to: int, _fl: int, _c: object) -> None:
            rows_hit.add(to)

        assert self._regex_any is not None and self._regex_som is not None
        self._regex_any.scan(block.buffer, match_event_handler=any_match, scratch=self._regex_scratch[0].get())
        cand_rows = np.unique(np.searchsorted(block.starts, np.fromiter(rows_hit, np.int64), side="right") - 1)
        found: list[tuple[int, int, int]] = []
        for row in cand_rows.tolist():
            base = int(block.starts[row])
            data = block.buffer[base: int(block.starts[row + 1]) - 1]
            self._regex_som.scan(data, match_event_handler=lambda p, f, t, _fl, _c, b=base:
                                 found.append((p, f + b, t + b)), scratch=self._regex_scratch[1].get())
        arr = np.array(found, dtype=np.int64).reshape(-1, 3)
        entries = np.array(self.compiled.regex_entries, dtype=np.int64)[arr[:, 0]] if len(arr) else arr[:, 0]
        keep = bounded(u8, arr[:, 1], arr[:, 2], np.zeros(len(arr), dtype=bool))
        return entries[keep], arr[keep, 1], arr[keep, 2]

    def _apply_exclusions(self, rows: np.ndarray, entries: np.ndarray, starts: np.ndarray,
                          ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        excl = self._entry_exclude[entries]
        if not excl.any():
            return rows, entries, starts, ends
        frames = self._entry_frame[entries]
        blockers: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for r, f, s, e in zip(rows[excl].tolist(), frames[excl].tolist(), starts[excl].tolist(),
                              ends[excl].tolist(), strict=True):
            blockers.setdefault((r, f), []).append((s, e))
        keep = ~excl
        for i in np.flatnonzero(keep).tolist():
            spans = blockers.get((int(rows[i]), int(frames[i])))
            if spans and any(xs < ends[i] and starts[i] < xe for xs, xe in spans):
                keep[i] = False
        return rows[keep], entries[keep], starts[keep], ends[keep]

    def _spans(self, chunk: pa.Array, lo: int, rows: np.ndarray, entries: np.ndarray, starts: np.ndarray,
               ends: np.ndarray, block: _Block, block_rows: np.ndarray) -> pa.Table:
        if not len(rows):
            return HITS_SCHEMA.empty_table()
        order = np.lexsort((entries, ends, starts, rows))
        rows, entries, starts, ends = rows[order], entries[order], starts[order], ends[order]
        local = np.searchsorted(block_rows, rows)  # row index inside the block
        out_start = np.empty(len(rows), dtype=np.int64)
        out_end = np.empty(len(rows), dtype=np.int64)
        i = 0
        while i < len(rows):
            j = i
            while j < len(rows) and rows[j] == rows[i]:
                j += 1
            row = int(rows[i])
            base = int(block.starts[local[i]])
            data = block.buffer[base: int(block.starts[local[i] + 1]) - 1]
            norm = normalize_with_offsets(chunk[row].as_py() or "")
            if norm.text.encode("utf-8") != data:  # normalize_many and normalize_with_offsets must agree
                raise AssertionError(f"normalisation disagrees on row {row + lo}")
            for k in range(i, j):
                cs = len(data[: starts[k] - base].decode("utf-8"))
                ce = cs + len(data[starts[k] - base: ends[k] - base].decode("utf-8"))
                out_start[k], out_end[k] = norm.original_span(cs, ce)
            i = j
        terms = [self.compiled.entries[e].term for e in entries.tolist()]
        frames = [self.frame_ids[f] for f in self._entry_frame[entries].tolist()]
        return pa.table({
            "row": pa.array(rows + lo, type=pa.int32()),
            "frame": pa.array(frames, type=pa.string()),
            "term": pa.array(terms, type=pa.string()),
            "start": pa.array(out_start, type=pa.int32()),
            "end": pa.array(out_end, type=pa.int32()),
        }, schema=HITS_SCHEMA)


def _dedupe(rows: np.ndarray, entries: np.ndarray, starts: np.ndarray,
            ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not len(rows):
        return rows, entries, starts, ends
    order = np.lexsort((ends, starts, entries, rows))
    rows, entries, starts, ends = rows[order], entries[order], starts[order], ends[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (entries[1:] != entries[:-1]) | (starts[1:] != starts[:-1]) | (
        ends[1:] != ends[:-1])
    return rows[new], entries[new], starts[new], ends[new]
