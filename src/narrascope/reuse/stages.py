"""The work of the streaming passes (:mod:`.scan`) that depends on one batch alone, so it can run on a worker.

Each function reads its batch and fixed settings (options, partition counts, the finished per-document channel
codes) and returns plain arrays; nothing here changes state that another batch reads. What does — the first
document of each text, the channel codes, appends to spills — is committed in document order by the passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ..text.normalize import normalize_many
from .boilerplate import gram_keys
from .lsh import band_keys, posting_keys
from .minhash import signatures
from .shingle import (
    ShingleSets,
    char_shingles,
    mix64,
    ngram_rows,
    token_hashes,
    token_lists,
    word_shingles,
    word_shingles_tenths,
)
from .spill import partition_of

__all__ = ["META_COLUMNS", "SHORT_PASSAGE_GRAMS", "LineBatch", "Rows", "Shingled", "Texts", "band_rows",
           "channel_key", "line_batch", "matching_texts", "shingle_batch", "string_hash"]

META_COLUMNS = ("doc", "uid", "channel_id", "channel", "message_id", "posted_at", "preview")
#: Texts with fewer passage n-grams than this are also indexed by 4-grams (see docs/methods.md, "Short texts").
SHORT_PASSAGE_GRAMS = 167
_SEEDS = {"seed": 0x5EED, "seed_1": 11, "seed_2": 12, "seed_3": 13}
_CHANNEL_MIX = np.uint64(0xD6E8FEB86659FD93)

#: One :meth:`~narrascope.reuse.spill.Partitioned.append`: the partition of each row and the row's columns.
Rows = tuple[np.ndarray, dict[str, np.ndarray]]


def _part(key: np.ndarray, parts: int) -> np.ndarray:
    """:func:`~narrascope.reuse.spill.partition_of` as uint16 (what a spill stores; a quarter of the memory of
    int64 while finished batches wait for their turn to be appended)."""
    return partition_of(key, parts).astype(np.uint16)


def string_hash(values: pl.Series) -> np.ndarray:
    """64-bit hash of each string (stable within a polars version, which is part of every result key)."""
    return values.hash(**_SEEDS).to_numpy().astype(np.uint64)


def channel_key(channel: np.ndarray, key: np.ndarray) -> np.ndarray:
    """One uint64 for a (channel code, 64-bit key) pair."""
    with np.errstate(over="ignore"):
        return mix64(key.astype(np.uint64) ^ (channel.astype(np.uint64) * _CHANNEL_MIX))


def band_rows(sets: ShingleSets, docs: np.ndarray, options: Any, bands: tuple[int, int], parts: int,
              pool: Any = None) -> Rows:
    """MinHash signatures of ``sets`` → one (band, band key, doc) row per band, partitioned by (band, key).
    Without ``pool`` the signatures are computed on the calling thread (a pass's worker already is one)."""
    sig = signatures(sets, options.num_perm, options.seed, options.workers if pool is not None else 1, pool=pool)
    keys = band_keys(sig, *bands)
    del sig
    band = np.tile(np.arange(bands[0], dtype=np.uint64), docs.size)
    bucket = mix64(keys.reshape(-1) ^ (band * _CHANNEL_MIX))  # one key per (band, band key)
    return _part(bucket, parts), {"bucket": bucket, "doc": np.repeat(docs, bands[0])}


# ------------------------------------------------------------------------------------------------ line pass
@dataclass
class LineBatch:
    """One message batch, split into lines in matching form (the lines are already in ``path``)."""

    lo: int
    hi: int
    channel_id: pl.Series
    posted: np.ndarray  # µs since the epoch, 0 when null
    posted_null: np.ndarray
    meta: pa.Table
    names: set[tuple[str | None, str]]
    forwards: pl.DataFrame | None
    lines: int
    fdocs: np.ndarray  # documents with a non-empty matching text
    full_hash: np.ndarray  # string hash of each one's full matching text
    pair_docs: np.ndarray  # distinct (doc, line key) pairs in order: boilerplate candidates (if counted)
    pair_keys: np.ndarray
    path: Path | None = None  # where the embedded pass wrote the lines (another engine keeps them itself)


def line_batch(frame: pl.DataFrame, boilerplate: bool) -> tuple[LineBatch, pa.Table]:
    """Everything of the line pass that depends on this batch only, and its lines in matching form — a
    ``(doc, key, norm)`` table in document and line order, read back by :func:`matching_texts`."""
    docs = frame.get_column("doc").to_numpy().astype(np.int64)
    posted = frame.get_column("posted_at")
    meta = frame.select(*META_COLUMNS[:-1], pl.col("text").str.slice(0, 200).alias("preview")).to_arrow()
    fwd = frame.filter(pl.col("fwd_from_id").is_not_null() | pl.col("fwd_from_name").is_not_null())
    lines = _lines(frame)
    full = lines.group_by("doc", maintain_order=True).agg(pl.col("norm").str.join(" ").alias("full"))
    keys = string_hash(lines.get_column("norm"))
    ldocs = lines.get_column("doc").to_numpy().astype(np.int64)
    table = pa.table({"doc": ldocs, "key": keys, "norm": lines.get_column("norm").to_arrow()})
    pair_docs, pair_keys = np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if boilerplate:
        # distinct (doc, line) over all documents; the pass keeps those of each channel's first copy of a text,
        # which only it knows (filtering by doc after `unique` keeps the same rows in the same order)
        pairs = pl.DataFrame({"doc": ldocs, "key": keys}).unique(maintain_order=True)
        pair_docs, pair_keys = pairs.get_column("doc").to_numpy(), pairs.get_column("key").to_numpy()
    return LineBatch(
        lo=int(docs[0]), hi=int(docs[-1]) + 1, channel_id=frame.get_column("channel_id"),
        posted=posted.dt.epoch("us").fill_null(0).to_numpy(), posted_null=posted.is_null().to_numpy(), meta=meta,
        names=set(frame.select("channel", "channel_id").unique().iter_rows()),
        forwards=fwd.select("doc", "fwd_from_id", "fwd_from_name", "fwd_posted_at") if fwd.height else None,
        lines=lines.height, fdocs=full.get_column("doc").to_numpy().astype(np.int64),
        full_hash=string_hash(full.get_column("full")), pair_docs=pair_docs, pair_keys=pair_keys), table


def _lines(frame: pl.DataFrame) -> pl.DataFrame:
    """(doc, norm) for every non-empty line of every text, in document and line order."""
    lines = (frame.lazy().select("doc", pl.col("text").fill_null("").str.split("\n").alias("line"))
             .explode("line", empty_as_null=True).collect())
    norm = pl.Series("norm", normalize_many(lines.get_column("line").to_arrow())).fill_null("")
    return lines.select("doc").with_columns(norm).filter(pl.col("norm") != "")


# ----------------------------------------------------------------------------------------------- token pass
@dataclass
class Texts:
    """The matching texts of documents ``lo`` to ``hi - 1``: their lines without the channel's boilerplate."""

    lo: int
    hi: int
    matching: pl.Series  # one per document, "" when nothing is left
    nonempty: np.ndarray
    hashes: np.ndarray  # string hash of each non-empty matching text
    dropped: np.ndarray | None  # boilerplate lines per document (None: no boilerplate known)
    bad_keys: list[int]  # (channel, line) key and text of every boilerplate line met, in order
    bad_texts: list[str]


def matching_texts(lo: int, hi: int, lines: pl.DataFrame, line_channel: np.ndarray, bad_lines: np.ndarray) -> Texts:
    """The matching texts of documents ``lo`` to ``hi - 1`` from their lines (:func:`line_batch`'s table, with the
    channel code of each line in ``line_channel``), boilerplate lines dropped (``bad_lines``: sorted channel keys)."""
    ldocs = lines.get_column("doc").to_numpy().astype(np.int64)
    bad = np.zeros(ldocs.size, dtype=bool)
    dropped, bad_keys, bad_texts = None, [], []
    if bad_lines.size:
        ck = channel_key(line_channel, lines.get_column("key").to_numpy())
        pos = np.searchsorted(bad_lines, ck)
        bad = (pos < bad_lines.size) & (bad_lines[np.minimum(pos, bad_lines.size - 1)] == ck)
        bad_keys, bad_texts = ck[bad].tolist(), lines.filter(pl.Series(bad)).get_column("norm").to_list()
        dropped = np.bincount(ldocs[bad] - lo, minlength=hi - lo)
    kept = lines.filter(pl.Series(~bad)).group_by("doc", maintain_order=True).agg(
        pl.col("norm").str.join(" ").alias("m"))
    matching = pl.DataFrame({"doc": np.arange(lo, hi, dtype=np.int64)}).join(
        kept, on="doc", how="left").get_column("m").fill_null("")
    nonempty = (matching != "").to_numpy()
    return Texts(lo, hi, matching, nonempty, string_hash(matching.filter(pl.Series(nonempty))), dropped, bad_keys,
                 bad_texts)


@dataclass
class Shingled:
    """The shingles of a batch's representatives (``reps``), ready to append to the token pass's spills."""

    reps: np.ndarray
    ntok: np.ndarray
    chars: tuple[ShingleSets, np.ndarray] | None = None  # (sets, docs) of short texts
    char_bands: Rows | None = None
    words: tuple[ShingleSets, np.ndarray, np.ndarray] | None = None  # (sets, docs, tenths) of word documents
    word_grams: Rows | None = None
    sizes5: tuple[np.ndarray, np.ndarray] | None = None  # (docs, passage n-gram positions)
    postings5: Rows | None = None
    grams5: tuple[ShingleSets, np.ndarray] | None = None  # (sets, docs): each passage document's n-gram set
    vocab: tuple[ShingleSets, np.ndarray] | None = None
    sizes4: tuple[np.ndarray, np.ndarray] | None = None
    postings4: Rows | None = None


def shingle_batch(matching: pl.Series, reps: np.ndarray, channel: np.ndarray, options: Any, bands: tuple[int, int],
                  parts: dict[str, int]) -> Shingled:
    """Tokens and shingle sets of the representatives ``reps`` (ascending), whose matching texts and channel codes
    are ``matching`` and ``channel`` (see :mod:`.scan`); ``parts``: the partition count of each partitioned spill."""
    o = options
    tokens = token_lists(matching.to_arrow())
    hashes, offsets = token_hashes(tokens)
    ntok = np.diff(offsets)
    out = Shingled(reps, ntok)
    local = np.arange(reps.size, dtype=np.int64)
    short = local[ntok < math.ceil(o.short_tokens / o.threshold)]
    if short.size:
        c5 = char_shingles(tokens, o.char_ngram, short).take(short)
        out.chars = (c5, reps[short])
        out.char_bands = band_rows(c5, reps[short], o, bands, parts["char_bands"])
    words = local[ntok >= o.short_tokens]
    if words.size:
        w3, tenths = word_shingles_tenths(hashes, offsets, o.word_ngram, words)
        w3 = w3.take(words)  # only these rows hold values, in this order: values and tenths stay aligned
        out.words = (w3, reps[words], tenths)
        key = gram_keys(np.repeat(channel[words], w3.sizes()), w3.values)
        out.word_grams = (_part(key, parts["word_grams"]), {"key": key})
    long = local[ntok >= o.passage_min_tokens]
    if long.size:
        owner, grams = ngram_rows(hashes, offsets, o.passage_ngram, long)
        positions = np.bincount(owner, minlength=reps.size)[long]
        out.sizes5 = (reps[long], positions)
        out.postings5 = (_part(grams, parts["postings5"]), {"key": posting_keys(grams, reps[owner])})
        out.grams5 = (ShingleSets.from_pairs(owner, grams, reps.size).take(long), reps[long])
        out.vocab = (word_shingles(hashes, offsets, 1, long).take(long), reps[long])
        few = long[positions < SHORT_PASSAGE_GRAMS]
        if few.size and o.passage_ngram > 1:
            owner, grams = ngram_rows(hashes, offsets, o.passage_ngram - 1, few)
            out.sizes4 = (reps[few], np.bincount(owner, minlength=reps.size)[few])
            out.postings4 = (_part(grams, parts["postings4"]), {"key": posting_keys(grams, reps[owner])})
    return out
