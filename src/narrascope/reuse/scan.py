"""The two streaming passes of a reuse run over the messages, in document (time) order, batch by batch.

**Line pass** (:class:`LinePass`, over the messages): channel codes, document metadata (to a Parquet spill),
forward metadata, and each text split into lines in matching form; lines are spilled; the lines of each
channel's *first* copy of every distinct full text go to a partitioned spill, where boilerplate lines are
counted (:func:`narrascope.reuse.boilerplate.boilerplate_line_keys`).

**Token pass** (:class:`TokenPass`, over the spilled lines): boilerplate lines dropped → matching text → the
representative of identical matching texts (the first document with that text; later ones are ``copy`` pairs) →
tokens of representatives → shingle sets: character n-grams of short texts (signed and banded at once), word
3-grams (spilled raw: channel n-gram boilerplate is only known at the end of the pass), passage 5-grams (and
4-grams of short texts) as postings for the passage index, and word sets for the vocabulary overlap.

Everything a pass computes for a document depends on that document alone or on documents before it, so batch
boundaries never change a result. Each pass prepares batches on the run's worker pool (:mod:`.stages`: the work
that depends on one batch alone) and commits them in document order on the calling thread (:mod:`.ordered`), so
the number of workers never changes a result either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl
import pyarrow.feather as feather
import pyarrow.parquet as pq

from .ordered import ordered
from .shingle import contains
from .spill import Chunking, FirstSeen, Partitioned, SetSpill, Workspace, partition_of
from .stages import (
    META_COLUMNS,
    SHORT_PASSAGE_GRAMS,
    LineBatch,
    Shingled,
    Texts,
    channel_key,
    line_batch,
    matching_texts,
    shingle_batch,
    string_hash,
)

__all__ = ["BAND_COLUMNS", "META_COLUMNS", "SHORT_PASSAGE_GRAMS", "Docs", "LinePass", "LocalPasses", "Passes",
           "TokenPass", "channel_key", "string_hash"]

#: Rows of the LSH index: a bucket (band and band key hashed together) and a document.
BAND_COLUMNS = {"bucket": "uint64", "doc": "uint32"}


class _Grow:
    """A numpy array indexed by document that grows as batches arrive."""

    def __init__(self, dtype: Any, fill: Any = 0) -> None:
        self.data = np.full(1024, fill, dtype=dtype)
        self.fill = fill

    def ensure(self, n: int) -> None:
        if n > self.data.size:
            grown = np.full(max(n, 2 * self.data.size), self.fill, dtype=self.data.dtype)
            grown[: self.data.size] = self.data
            self.data = grown


@dataclass
class Docs:
    """Per-document numbers the passes produce (all arrays indexed by document number)."""

    n: int = 0
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    full_hash: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    full_empty: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    posted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # µs since the epoch
    posted_null: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    rep: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # -1: empty matching text
    ntok: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # tokens (representatives only)
    dropped: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # boilerplate lines removed


class LinePass:
    """Pass 1 over prepared message batches (columns of the store plus ``doc``, in document order)."""

    def __init__(self, ws: Workspace, chunking: Chunking, boilerplate: bool, expected_docs: int) -> None:
        self.ws = ws
        self.boilerplate = boilerplate
        self.codes: dict[str, int] = {}
        self.names: set[tuple[str | None, str]] = set()
        self.forwards: list[pl.DataFrame] = []
        self.line_files: list[tuple[int, int, Any]] = []  # (first doc, end doc, path)
        self.meta_path = ws.file("meta.parquet")
        self._meta: pq.ParquetWriter | None = None
        self.distinct = FirstSeen()
        self.lines = Partitioned(ws, "lines", {"channel": "int32", "key": "uint64"},
                                 chunking.partitions(expected_docs * 6), chunking.buffer_rows)
        self._arrays = {k: _Grow(t, f) for k, (t, f) in {
            "channel": (np.int32, 0), "full_hash": (np.uint64, 0), "full_empty": (bool, True),
            "posted": (np.int64, 0), "posted_null": (bool, True), "distinct": (bool, False)}.items()}
        self.n = 0
        self.line_count = 0

    def run(self, batches: Iterable[pl.DataFrame], pool: Any, workers: int) -> None:
        """Read every batch: each is prepared on ``pool`` and committed here, in order."""
        for batch in ordered(pool, self._prepare, batches, max(1, workers)):
            if batch is not None:
                self.commit(batch)

    def _prepare(self, frame: pl.DataFrame) -> LineBatch | None:  # on a worker
        if frame.height == 0:
            return None
        batch, lines = line_batch(frame, self.boilerplate)
        batch.path = self.ws.file(f"lines-{batch.lo}.arrow")
        feather.write_feather(lines, str(batch.path), compression="lz4")
        return batch

    def commit(self, b: LineBatch) -> None:
        """Take in one prepared batch; batches must come in document order, each starting where the last ended."""
        if b.lo != self.n:
            raise ValueError(f"line batches out of order: documents from {b.lo} after {self.n}")
        lo, hi, arrays = b.lo, b.hi, self._arrays
        for a in arrays.values():
            a.ensure(hi)
        self.n = hi
        arrays["channel"].data[lo:hi] = self._channel_codes(b.channel_id)
        arrays["posted"].data[lo:hi] = b.posted
        arrays["posted_null"].data[lo:hi] = b.posted_null
        self._write_meta(b.meta)
        self.names.update(b.names)
        if b.forwards is not None:
            self.forwards.append(b.forwards)
        self.line_count += b.lines
        arrays["full_hash"].data[b.fdocs] = b.full_hash
        arrays["full_empty"].data[b.fdocs] = False
        if b.path is not None:
            self.line_files.append((lo, hi, b.path))
        if self.boilerplate and b.fdocs.size:
            # a channel's boilerplate is counted over its distinct texts, each represented by its first document
            first = self.distinct.update(channel_key(arrays["channel"].data[b.fdocs], b.full_hash), b.fdocs)
            is_first = first == b.fdocs
            arrays["distinct"].data[b.fdocs] = is_first
            keep = contains(b.fdocs[is_first], b.pair_docs)  # fdocs are in document order
            ch, key = arrays["channel"].data[b.pair_docs[keep]], b.pair_keys[keep]
            self.lines.append(partition_of(channel_key(ch, key), self.lines.parts), channel=ch, key=key)

    def _channel_codes(self, ids: pl.Series) -> np.ndarray:
        for value in ids.unique(maintain_order=True).to_list():
            if value not in self.codes:
                self.codes[value] = len(self.codes)
        return ids.replace_strict(self.codes, return_dtype=pl.Int32).to_numpy()

    def _write_meta(self, meta: Any) -> None:
        if self._meta is None:
            self._meta = pq.ParquetWriter(str(self.meta_path), meta.schema, compression="zstd")
        self._meta.write_table(meta.cast(self._meta.schema))

    def finish(self) -> tuple[Docs, np.ndarray]:
        """Per-document arrays, and the number of distinct texts of each channel."""
        if self._meta is not None:
            self._meta.close()
        self.lines.flush()
        a = {k: v.data[: self.n].copy() for k, v in self._arrays.items()}  # copies: the grown buffers are freed
        self._arrays = {}
        docs = Docs(n=self.n, channel=a["channel"], full_hash=a["full_hash"], full_empty=a["full_empty"],
                    posted=a["posted"], posted_null=a["posted_null"], rep=np.full(self.n, -1, np.int32),
                    ntok=np.zeros(self.n, np.int32), dropped=np.zeros(self.n, np.int32))
        self.distinct = FirstSeen()
        texts = np.bincount(a["channel"][a["distinct"]], minlength=len(self.codes))
        return docs, texts


class Passes(Protocol):
    """Where the per-batch work of the two passes runs. The passes themselves — what is kept per document, the
    spills, every decision taken in document order — are :class:`LinePass` and :class:`TokenPass`; an engine only
    prepares their batches (with :mod:`.stages`) and hands them over in document order."""

    def lines(self, line_pass: LinePass, pool: Any, workers: int) -> None:
        """Commit every message batch's :class:`~.stages.LineBatch` to ``line_pass``."""

    def tokens(self, token_pass: TokenPass, line_pass: LinePass) -> None:
        """Note each document's boilerplate lines and representative, and commit the representatives' shingles."""

    def char_bands(self) -> Any | None:
        """The LSH index of the character sets, when the engine kept it where the shingles were made — what its
        ``bucket_pairs`` step takes; None: the token pass spilled it (:attr:`TokenSpills.char_bands`)."""

    def sets(self, kind: str) -> Any | None:
        """The shingle sets verification reads — ``char`` (short texts) or ``word`` (the clean word sets) — when
        the engine keeps them where they were made: what its ``verify`` step takes; None: the run's spills."""

    def postings(self, n: int) -> Any | None:
        """The posting index of passage ``n``-grams (5: every passage document; 4: the short ones), when the engine
        kept it where the shingles were made — what its ``shared_grams`` step takes; None: the token pass spilled
        it (:attr:`TokenSpills.postings5`, :attr:`TokenSpills.postings4`)."""

    def word_bands(self, bad: np.ndarray, options: Any) -> Any | None:
        """The LSH index of the word sets without the channel n-gram boilerplate ``bad`` (sorted
        :func:`~.boilerplate.gram_keys`), when the engine builds it where the sets were made — what its
        ``bucket_pairs`` step takes (:class:`~.engine.ReuseSteps`); None: the run signs and bands the sets itself."""


@dataclass
class LocalPasses:
    """The passes in this process: message ``batches`` (prepared frames with a ``doc`` column, in document order)
    go through the run's worker pool; the lines wait in the run's workspace between the passes."""

    batches: Iterable[pl.DataFrame]

    def lines(self, line_pass: LinePass, pool: Any, workers: int) -> None:
        line_pass.run(self.batches, pool, workers)

    def tokens(self, token_pass: TokenPass, line_pass: LinePass) -> None:
        token_pass.run(line_pass.line_files)

    def char_bands(self) -> None:
        return None

    def postings(self, n: int) -> None:
        return None

    def sets(self, kind: str) -> None:
        return None

    def word_bands(self, bad: np.ndarray, options: Any) -> None:
        return None


@dataclass
class TokenSpills:
    """What the token pass leaves behind for the global steps."""

    chars: SetSpill
    words_raw: SetSpill
    vocab: SetSpill
    char_bands: Partitioned
    word_grams: Partitioned  # (channel, gram) of word documents: channel n-gram boilerplate
    postings5: Partitioned  # (gram, doc) of passage documents
    postings4: Partitioned  # (gram, doc) of short passage documents
    grams5: SetSpill  # the passage n-gram set of each passage document (shared n-grams of a candidate)
    sizes5: np.ndarray
    sizes4: np.ndarray
    copies: list[np.ndarray] = field(default_factory=list)
    bad_line_text: dict[int, str] = field(default_factory=dict)


class TokenPass:
    """Pass 2 over the line spill of :class:`LinePass` (see the module doc)."""

    def __init__(self, ws: Workspace, docs: Docs, options: Any, chunking: Chunking, bad_lines: np.ndarray,
                 bands: tuple[int, int], pool: Any) -> None:
        self.docs, self.options, self.pool = docs, options, pool
        self.bands = bands
        self.bad_lines = np.sort(bad_lines)
        self.reps = FirstSeen()
        n = docs.n
        rows = chunking.partitions(n * 100)
        self.spills = TokenSpills(
            chars=SetSpill(ws, "chars"), words_raw=SetSpill(ws, "words-raw", tagged=True), vocab=SetSpill(ws, "vocab"),
            grams5=SetSpill(ws, "grams5"),
            char_bands=Partitioned(ws, "char-bands", BAND_COLUMNS,
                                   chunking.partitions(n * 10), chunking.buffer_rows),
            word_grams=Partitioned(ws, "word-grams", {"key": "uint64"}, rows, chunking.buffer_rows),
            postings5=Partitioned(ws, "post5", {"key": "uint64"}, rows, chunking.buffer_rows),
            postings4=Partitioned(ws, "post4", {"key": "uint64"}, rows, chunking.buffer_rows),
            sizes5=np.zeros(n, np.int32), sizes4=np.zeros(n, np.int32))
        self.parts = {name: getattr(self.spills, name).parts
                      for name in ("char_bands", "word_grams", "postings5", "postings4")}

    def run(self, line_files: Iterable[tuple[int, int, Path]]) -> None:
        """Read the line pass's files: matching texts and shingles are prepared on the pool; which documents are
        representatives, and every append, are decided here in document order."""
        # a finished batch holds about 100 MB of shingles (25,000 realistic posts) until its turn; the commit is
        # short, so one batch fewer than the workers keeps them busy
        ahead = max(1, self.options.workers - 1)
        for shingled in ordered(self.pool, self._shingle, self._representatives(line_files), ahead):
            self.commit(shingled)

    def _read(self, file: tuple[int, int, Path]) -> Texts:  # on a worker
        lo, hi, path = file
        lines = pl.from_arrow(feather.read_table(str(path)))
        assert isinstance(lines, pl.DataFrame)
        ldocs = lines.get_column("doc").to_numpy().astype(np.int64)
        texts = matching_texts(lo, hi, lines, self.docs.channel[ldocs], self.bad_lines)
        path.unlink()
        return texts

    def _representatives(self, line_files: Iterable[tuple[int, int, Path]]) -> Iterator[tuple[Texts, np.ndarray]]:
        """Each batch's texts and its representatives (the first document of each matching text so far). Reading
        is a small part of the work: one file read ahead keeps the shingling workers fed."""
        for t in ordered(self.pool, self._read, line_files, 1):
            if t.dropped is not None:
                self.note_dropped(np.arange(t.lo, t.hi), t.dropped)
            self.note_bad_lines(t.bad_keys, t.bad_texts)
            docs = np.arange(t.lo, t.hi, dtype=np.int64)[t.nonempty]
            first = self.reps.update(t.hashes, docs)
            self.note_reps(docs, first)
            reps = docs[first == docs]
            if reps.size:
                yield t, reps

    def note_dropped(self, docs: np.ndarray, dropped: np.ndarray) -> None:
        """How many boilerplate lines were removed from each of ``docs``."""
        self.docs.dropped[docs] = dropped

    def note_bad_lines(self, keys: list[int], texts: list[str]) -> None:
        """The text of boilerplate lines met (by channel key; the first text met of each is kept)."""
        for k, text in zip(keys, texts, strict=True):
            self.spills.bad_line_text.setdefault(k, text)

    def note_reps(self, docs: np.ndarray, first: np.ndarray) -> None:
        """The representative of documents ``docs`` (ascending): the first document with the same matching text;
        the others are copies of it."""
        self.docs.rep[docs] = first
        copy = first != docs
        if copy.any():
            self.spills.copies.append(np.stack([first[copy], docs[copy]], axis=1))

    def _shingle(self, item: tuple[Texts, np.ndarray]) -> Shingled:  # on a worker
        texts, reps = item
        return shingle_batch(texts.matching.gather(reps - texts.lo), reps, self.docs.channel[reps], self.options,
                             self.bands, self.parts)

    def commit(self, x: Shingled) -> None:
        """Take in the shingles of some representatives (batches in document order)."""
        s = self.spills
        self.docs.ntok[x.reps] = x.ntok
        if x.chars is not None:
            s.chars.append(*x.chars)
        for rows, spill in ((x.char_bands, s.char_bands), (x.word_grams, s.word_grams), (x.postings5, s.postings5),
                            (x.postings4, s.postings4)):
            if rows is not None:
                spill.append(rows[0], **rows[1])
        if x.words is not None:
            s.words_raw.append(*x.words)
        if x.vocab is not None:
            s.vocab.append(*x.vocab)
        if x.grams5 is not None:
            s.grams5.append(*x.grams5)
        for sizes, out in ((x.sizes5, s.sizes5), (x.sizes4, s.sizes4)):
            if sizes is not None:
                out[sizes[0]] = sizes[1]

    def finish(self) -> TokenSpills:
        n = self.docs.n
        s = self.spills
        for spill in (s.chars, s.words_raw, s.vocab, s.grams5):
            spill.finish(n)
        for part in (s.char_bands, s.word_grams, s.postings5, s.postings4):
            part.flush()
        self.reps = FirstSeen()
        return s
