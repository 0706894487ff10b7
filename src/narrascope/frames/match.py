"""Match every term of every frame in one pass, Persian-aware, with spans in the original text.

The path of a batch of messages (docs/methods.md, "Frame matching"):

1. **Prefilter** (optional, :mod:`.prefilter`): a numpy skeleton of the raw texts is scanned once for every term's
   literal forms at word boundaries; only rows that could hit (typically a few percent) go on.
2. **Exact match** on those rows (all rows by default): :func:`~narrascope.text.normalize.normalize_many`, all rows
   joined into one buffer separated by ``\\n``, one scan for all literals (hyperscan, or Aho-Corasick as the
   fallback), then vectorised word-boundary checks (:mod:`.boundary`), a match → row mapping by binary search,
   terms with elongation on a squeezed copy of the buffer (:mod:`.elongation`), regex terms (hyperscan, leftmost
   start for each end, each message scanned alone so that no match touches the separator), exclusion phrases.
3. **Spans** (:meth:`Matcher.scan` only): offsets in the normalised text are mapped back to the original text with
   :func:`~narrascope.text.normalize.normalize_with_offsets`, for hit rows only — per message, in time linear in
   its length whatever the number of hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError
from ..text.normalize import normalize_many, normalize_with_offsets
from .boundary import (
    bounded,
    char_class_table,
    extend_to_word_end,
    is_boundary,
    utf8_char_offsets,
    word_table,
)
from .compile import (
    CompiledLexicon,
    LiteralScanner,
    ThreadScratch,
    build_regex_database,
    compile_lexicon,
    hyperscan_available,
    join_variants,
)
from .elongation import SqueezedBuffer, find_elongated
from .lexicon import Lexicon
from .prefilter import literal_units, skeleton

__all__ = ["HITS_SCHEMA", "MATCHER_VERSION", "Matcher", "word_table"]

#: changes whenever matching semantics change (part of cached results' keys).
MATCHER_VERSION = "m2"
HITS_SCHEMA = pa.schema([("row", pa.int32()), ("frame", pa.string()), ("term", pa.string()),
                         ("start", pa.int32()), ("end", pa.int32())])
_CHUNK_ROWS = 50_000


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
        self._lit_tails = np.array([t for ts in c.literal_tails for t in ts] or [-1], dtype=np.int64)
        self._regex_patterns = [c.entries[e].regex or "" for e in c.regex_entries]
        self._regex_any = build_regex_database(self._regex_patterns, som=False) if c.has_regex else None
        self._regex_som = build_regex_database(self._regex_patterns, som=True) if c.has_regex else None
        self._regex_scratch = (ThreadScratch(self._regex_any), ThreadScratch(self._regex_som))
        self._elongated = LiteralScanner([x.squeezed for x in c.elongated], self.engine) if c.elongated else None
        # the skeleton holds neither regex matches nor elongated forms: such lexicons are not prefiltered
        self._prefilter = (self._build_prefilter() if prefilter and not c.has_regex and not c.elongated
                           else None)

    def _build_prefilter(self) -> LiteralScanner | None:
        forms: dict[bytes, bool] = {}
        c = self.compiled
        for lit, entries, tails in zip(c.literals, c.literal_entries, c.literal_tails, strict=True):
            positive = [i for i, e in enumerate(entries) if not c.entries[e].exclude]
            if not positive:
                continue
            # a wildcard, or a stem whose word may go on (inflections): no right boundary
            opened = any(self._entry_open[entries[i]] or tails[i] >= 0 for i in positive)
            variants = join_variants(lit.decode("utf-8"))
            if variants is None:
                return None
            for v in variants:
                key = literal_units(v)
                if key is None:  # e.g. an astral character: screen nothing rather than miss this term
                    return None
                forms[key] = forms.get(key, False) or opened
        classes = char_class_table()
        units = [np.frombuffer(k, dtype=np.uint16) for k in forms]
        self._pre_open = np.array(list(forms.values()) or [False], dtype=bool)
        self._pre_len = np.array([len(k) for k in forms] or [0], dtype=np.int64)
        self._pre_first = np.array([classes[u[0]] for u in units] or [0], dtype=np.uint8)
        self._pre_last = np.array([classes[u[-1]] for u in units] or [0], dtype=np.uint8)
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
        classes = char_class_table()  # on UTF-16 units: a surrogate is no word character, which only loosens
        left = (starts == 0) | is_boundary(classes[sk.units[np.maximum(starts - 1, 0)]], self._pre_first[ids])
        right = self._pre_open[ids] | is_boundary(self._pre_last[ids], classes[sk.units[ends]])
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
        entries, tails = self._lit_entries[first + offset], self._lit_tails[first + offset]
        starts, ends = np.repeat(starts, reps), np.repeat(ends, reps)
        keep = bounded(u8, starts, ends, self._entry_open[entries] | (tails >= 0))
        entries, starts, ends, tails = entries[keep], starts[keep], ends[keep], tails[keep]
        if (tails >= 0).any():
            entries, starts, ends = self._complete_words(block, u8, entries, starts, ends, tails)
        extra = []
        if self._elongated is not None:
            extra.append(find_elongated(SqueezedBuffer.of(block.buffer), self.compiled.elongated, self._elongated,
                                        self._entry_open))
        if self._regex_any is not None:
            extra.append(self._regex_hits(block, u8))
        for e_entries, e_starts, e_ends in extra:
            entries = np.concatenate([entries, e_entries])
            starts = np.concatenate([starts, e_starts])
            ends = np.concatenate([ends, e_ends])
        rows = np.searchsorted(block.starts, starts, side="right") - 1
        opened = self._entry_open[entries]
        if opened.any():
            ends = ends.copy()
            ends[opened] = extend_to_word_end(u8, ends[opened], block.starts[rows[opened] + 1] - 1)
        rows, entries, starts, ends = _dedupe(rows, entries, starts, ends)
        rows, entries, starts, ends = self._apply_exclusions(rows, entries, starts, ends)
        return cand[rows], entries, starts, ends, block, cand

    def _complete_words(self, block: _Block, u8: np.ndarray, entries: np.ndarray, starts: np.ndarray,
                        ends: np.ndarray, tails: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stem literals (Persian inflections): the rest of the word must be one of the stem's tails; the hit then
        covers the whole word."""
        at = np.flatnonzero(tails >= 0)
        rows = np.searchsorted(block.starts, starts[at], side="right") - 1
        word_ends = extend_to_word_end(u8, ends[at], block.starts[rows + 1] - 1)
        sets, buf = self.compiled.tail_sets, block.buffer
        ok = np.fromiter((buf[e:w] in sets[t] for e, w, t in zip(ends[at].tolist(), word_ends.tolist(),
                                                                   tails[at].tolist(), strict=True)),
                         dtype=bool, count=len(at))
        ends = ends.copy()
        ends[at] = word_ends
        keep = np.ones(len(entries), dtype=bool)
        keep[at[~ok]] = False
        return entries[keep], starts[keep], ends[keep]

    def _regex_hits(self, block: _Block, u8: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Regex matches, each found inside one message: the joined buffer only says which messages to rescan
        alone, so that no match spans or touches the separator (a regex that matches the separator — ``\\n``,
        ``[\\s\\S]``, ``at all\\s`` at a message's end — matches nothing there: the matching form holds no newline)."""
        rows_hit: set[int] = set()

        def any_match(_pid: int, _f: int, to: int, _fl: int, _c: object) -> None:
            rows_hit.add(to)

        assert self._regex_any is not None and self._regex_som is not None
        self._regex_any.scan(block.buffer, match_event_handler=any_match, scratch=self._regex_scratch[0].get())
        n_rows = len(block.starts) - 1
        # a match ending just past a separator (or past the last one, at the buffer's end) maps to the next row,
        # which does not exist after the last: rows are clipped, and every candidate is rescanned alone anyway
        cand_rows = np.unique(np.searchsorted(block.starts, np.fromiter(rows_hit, np.int64), side="right") - 1)
        cand_rows = cand_rows[(cand_rows >= 0) & (cand_rows < n_rows)]
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
        """Drop hits overlapped by an exclusion phrase of the same frame. Offsets are in one buffer where messages
        never overlap, so per frame: blockers sorted by start, the running maximum of their ends, and a hit [s, e)
        is blocked when some blocker starting before e ends after s — vectorised, linear after sorting."""
        excl = self._entry_exclude[entries]
        if not excl.any():
            return rows, entries, starts, ends
        frames = self._entry_frame[entries]
        keep = ~excl
        for frame in np.unique(frames[excl]).tolist():
            block_sel = excl & (frames == frame)
            order = np.argsort(starts[block_sel], kind="stable")
            b_start = starts[block_sel][order]
            b_reach = np.maximum.accumulate(ends[block_sel][order])
            hit_sel = np.flatnonzero(keep & (frames == frame))
            before = np.searchsorted(b_start, ends[hit_sel], side="left")  # blockers starting before the hit ends
            blocked = (before > 0) & (b_reach[np.maximum(before - 1, 0)] > starts[hit_sel])
            keep[hit_sel[blocked]] = False
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
        bounds = np.flatnonzero(np.diff(rows)) + 1
        for i, j in zip(np.concatenate([[0], bounds]).tolist(), np.concatenate([bounds, [len(rows)]]).tolist(),
                        strict=True):
            row = int(rows[i])
            base = int(block.starts[local[i]])
            data = block.buffer[base: int(block.starts[local[i] + 1]) - 1]
            norm = normalize_with_offsets(chunk[row].as_py() or "")
            if norm.text.encode("utf-8") != data:  # normalize_many and normalize_with_offsets must agree
                raise AssertionError(f"normalisation disagrees on row {row + lo}")
            # byte → character offsets for all of this message's hits at once: linear in the message's length
            char_at = np.searchsorted(utf8_char_offsets(np.frombuffer(data, dtype=np.uint8)),
                                      np.concatenate([starts[i:j], ends[i:j]]) - base)
            cs, ce = char_at[: j - i], char_at[j - i:]
            if (cs >= ce).any():  # pragma: no cover - literals and regex matches are never empty
                raise AssertionError(f"empty match on row {row + lo}")
            out_start[i:j] = norm.starts[cs]
            out_end[i:j] = norm.ends[ce - 1]
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
