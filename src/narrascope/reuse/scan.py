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
boundaries never change a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from ..text.normalize import normalize_many
from .boilerplate import gram_keys
from .lsh import band_keys, posting_keys
from .minhash import signatures
from .shingle import (
    ShingleSets,
    char_shingles,
    contains,
    mix64,
    ngram_rows,
    token_hashes,
    token_lists,
    word_shingles,
    word_shingles_tenths,
)
from .spill import Chunking, FirstSeen, Partitioned, SetSpill, Workspace, partition_of

__all__ = ["BAND_COLUMNS", "META_COLUMNS", "Docs", "LinePass", "TokenPass", "channel_key", "string_hash"]

#: Rows of the LSH index: a bucket (band and band key hashed together) and a document.
BAND_COLUMNS = {"bucket": "uint64", "doc": "uint32"}
META_COLUMNS = ("doc", "uid", "channel_id", "channel", "message_id", "posted_at", "preview")
#: Texts with fewer passage n-grams than this are also indexed by 4-grams (see docs/methods.md, "Short texts").
SHORT_PASSAGE_GRAMS = 167
_SEEDS = {"seed": 0x5EED, "seed_1": 11, "seed_2": 12, "seed_3": 13}
_CHANNEL_MIX = np.uint64(0xD6E8FEB86659FD93)


def string_hash(values: pl.Series) -> np.ndarray:
    """64-bit hash of each string (stable within a polars version, which is part of every result key)."""
    return values.hash(**_SEEDS).to_numpy().astype(np.uint64)


def channel_key(channel: np.ndarray, key: np.ndarray) -> np.ndarray:
    """One uint64 for a (channel code, 64-bit key) pair."""
    with np.errstate(over="ignore"):
        return mix64(key.astype(np.uint64) ^ (channel.astype(np.uint64) * _CHANNEL_MIX))


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

    def __call__(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        docs = frame.get_column("doc").to_numpy().astype(np.int64)
        lo, hi = int(docs[0]), int(docs[-1]) + 1
        for a in self._arrays.values():
            a.ensure(hi)
        self.n = hi
        channel = self._channel_codes(frame.get_column("channel_id"))
        self._arrays["channel"].data[lo:hi] = channel
        posted = frame.get_column("posted_at")
        self._arrays["posted"].data[lo:hi] = posted.dt.epoch("us").fill_null(0).to_numpy()
        self._arrays["posted_null"].data[lo:hi] = posted.is_null().to_numpy()
        self._write_meta(frame)
        self.names.update(frame.select("channel", "channel_id").unique().iter_rows())
        fwd = frame.filter(pl.col("fwd_from_id").is_not_null() | pl.col("fwd_from_name").is_not_null())
        if fwd.height:
            self.forwards.append(fwd.select("doc", "fwd_from_id", "fwd_from_name", "fwd_posted_at"))
        lines = _lines(frame)
        self.line_count += lines.height
        full = lines.group_by("doc", maintain_order=True).agg(pl.col("norm").str.join(" ").alias("full"))
        fdocs = full.get_column("doc").to_numpy().astype(np.int64)
        full_hash = string_hash(full.get_column("full"))
        self._arrays["full_hash"].data[fdocs] = full_hash
        self._arrays["full_empty"].data[fdocs] = False
        keys = string_hash(lines.get_column("norm"))
        ldocs = lines.get_column("doc").to_numpy().astype(np.int64)
        path = self.ws.file(f"lines-{lo}.arrow")
        feather.write_feather(pa.table({"doc": ldocs, "key": keys, "norm": lines.get_column("norm").to_arrow()}),
                              str(path), compression="lz4")
        self.line_files.append((lo, hi, path))
        if self.boilerplate and fdocs.size:
            # a channel's boilerplate is counted over its distinct texts, each represented by its first document
            first = self.distinct.update(channel_key(self._arrays["channel"].data[fdocs], full_hash), fdocs)
            is_first = first == fdocs
            self._arrays["distinct"].data[fdocs] = is_first
            mask = contains(fdocs[is_first], ldocs)  # fdocs are in document order
            pairs = pl.DataFrame({"doc": ldocs[mask], "key": keys[mask]}).unique(maintain_order=True)
            ch = self._arrays["channel"].data[pairs.get_column("doc").to_numpy()]
            key = pairs.get_column("key").to_numpy()
            self.lines.append(partition_of(channel_key(ch, key), self.lines.parts), channel=ch, key=key)

    def _channel_codes(self, ids: pl.Series) -> np.ndarray:
        for value in ids.unique(maintain_order=True).to_list():
            if value not in self.codes:
                self.codes[value] = len(self.codes)
        return ids.replace_strict(self.codes, return_dtype=pl.Int32).to_numpy()

    def _write_meta(self, frame: pl.DataFrame) -> None:
        meta = frame.select(*META_COLUMNS[:-1], pl.col("text").str.slice(0, 200).alias("preview")).to_arrow()
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


def _lines(frame: pl.DataFrame) -> pl.DataFrame:
    """(doc, norm) for every non-empty line of every text, in document and line order."""
    lines = (frame.lazy().select("doc", pl.col("text").fill_null("").str.split("\n").alias("line"))
             .explode("line", empty_as_null=True).collect())
    norm = pl.Series("norm", normalize_many(lines.get_column("line").to_arrow())).fill_null("")
    return lines.select("doc").with_columns(norm).filter(pl.col("norm") != "")


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
        self.char_limit = math.ceil(options.short_tokens / options.threshold)

    def __call__(self, lo: int, hi: int, path: Any) -> None:
        d, o, s = self.docs, self.options, self.spills
        table = feather.read_table(str(path))
        lines = pl.from_arrow(table)
        assert isinstance(lines, pl.DataFrame)
        ldocs = lines.get_column("doc").to_numpy().astype(np.int64)
        bad = np.zeros(ldocs.size, dtype=bool)
        if self.bad_lines.size:
            ck = channel_key(d.channel[ldocs], lines.get_column("key").to_numpy())
            pos = np.searchsorted(self.bad_lines, ck)
            bad = (pos < self.bad_lines.size) & (self.bad_lines[np.minimum(pos, self.bad_lines.size - 1)] == ck)
            for k, text in zip(ck[bad].tolist(), lines.filter(pl.Series(bad)).get_column("norm").to_list(),
                               strict=True):
                s.bad_line_text.setdefault(k, text)
            d.dropped[lo:hi] = np.bincount(ldocs[bad] - lo, minlength=hi - lo)
        kept = lines.filter(pl.Series(~bad)).group_by("doc", maintain_order=True).agg(
            pl.col("norm").str.join(" ").alias("m"))
        matching = pl.DataFrame({"doc": np.arange(lo, hi, dtype=np.int64)}).join(
            kept, on="doc", how="left").get_column("m").fill_null("")
        nonempty = (matching != "").to_numpy()
        batch_docs = np.arange(lo, hi, dtype=np.int64)
        first = self.reps.update(string_hash(matching.filter(pl.Series(nonempty))), batch_docs[nonempty])
        d.rep[batch_docs[nonempty]] = first
        copy = first != batch_docs[nonempty]
        if copy.any():
            s.copies.append(np.stack([first[copy], batch_docs[nonempty][copy]], axis=1))
        reps = batch_docs[nonempty][~copy]
        if reps.size == 0:
            return
        tokens = token_lists(matching.gather(reps - lo).to_arrow())
        hashes, offsets = token_hashes(tokens)
        ntok = np.diff(offsets)
        d.ntok[reps] = ntok
        local = np.arange(reps.size, dtype=np.int64)
        self._chars(tokens, reps, local[ntok < self.char_limit])
        words = local[ntok >= o.short_tokens]
        if words.size:
            w3, tenths = word_shingles_tenths(hashes, offsets, o.word_ngram, words)
            w3 = w3.take(words)  # only these rows hold values, in this order: values and tenths stay aligned
            s.words_raw.append(w3, reps[words], tenths)
            key = gram_keys(np.repeat(d.channel[reps[words]], w3.sizes()), w3.values)
            s.word_grams.append(partition_of(key, s.word_grams.parts), key=key)
        long = local[ntok >= o.passage_min_tokens]
        if long.size:
            owner, grams = ngram_rows(hashes, offsets, o.passage_ngram, long)
            positions = np.bincount(owner, minlength=reps.size)[long]
            s.sizes5[reps[long]] = positions
            s.postings5.append(partition_of(grams, s.postings5.parts), key=posting_keys(grams, reps[owner]))
            s.grams5.append(ShingleSets.from_pairs(owner, grams, reps.size).take(long), reps[long])
            s.vocab.append(word_shingles(hashes, offsets, 1, long).take(long), reps[long])
            short = long[positions < SHORT_PASSAGE_GRAMS]
            if short.size and o.passage_ngram > 1:
                owner, grams = ngram_rows(hashes, offsets, o.passage_ngram - 1, short)
                s.sizes4[reps[short]] = np.bincount(owner, minlength=reps.size)[short]
                s.postings4.append(partition_of(grams, s.postings4.parts), key=posting_keys(grams, reps[owner]))

    def _chars(self, tokens: pl.Series, reps: np.ndarray, local: np.ndarray) -> None:
        if local.size == 0:
            return
        c5 = char_shingles(tokens, self.options.char_ngram, local).take(local)
        self.spills.chars.append(c5, reps[local])
        emit_bands(self.spills.char_bands, c5, reps[local], self.options, self.bands, self.pool)

    def finish(self) -> TokenSpills:
        n = self.docs.n
        s = self.spills
        for spill in (s.chars, s.words_raw, s.vocab, s.grams5):
            spill.finish(n)
        for part in (s.char_bands, s.word_grams, s.postings5, s.postings4):
            part.flush()
        self.reps = FirstSeen()
        return s


def emit_bands(out: Partitioned, sets: ShingleSets, docs: np.ndarray, options: Any, bands: tuple[int, int],
               pool: Any) -> None:
    """MinHash signatures of ``sets`` → one (band, band key, doc) row per band → partitioned by (band, key)."""
    if docs.size == 0:
        return
    sig = signatures(sets, options.num_perm, options.seed, options.workers, pool=pool)
    keys = band_keys(sig, *bands)
    del sig
    band = np.tile(np.arange(bands[0], dtype=np.uint64), docs.size)
    bucket = mix64(keys.reshape(-1) ^ (band * _CHANNEL_MIX))  # one key per (band, band key)
    out.append(partition_of(bucket, out.parts), bucket=bucket, doc=np.repeat(docs, bands[0]))
