"""Boilerplate: lines and n-grams a channel repeats across too many of its messages, left out of matching.

Channel signatures ("🆔 @channel", "join us: @channel"), "Read more" links, ad labels and formulaic openings make
unrelated posts of one channel look alike and hide real reuse behind shared furniture. Following passim's
maximum document frequency and TextPAIR's banality filter, a unit is boilerplate *within its channel* when it
occurs in at least ``max(min_messages, max_share × distinct texts of the channel)`` distinct texts:

* **lines** — each line of the original text, in matching form; counted over *distinct* message texts (the
  first document of each distinct full text of the channel), so a story the channel posted five times is not
  its own boilerplate;
* **n-grams** — the word shingles of :mod:`narrascope.reuse.shingle` of the channel's representative texts.

Counting is a GROUP BY (channel, unit) done one hash partition at a time (:class:`~narrascope.reuse.spill.
Partitioned`): every row of a (channel, unit) pair is in one partition, so each count is exact and memory
holds one partition. Detected units are reported and removed before matching; the original text is never
changed, and alignment works on it. A message made only of its channel's formulaic n-grams keeps them.

:func:`boilerplate_lines` is the same line rule in memory, for callers that already hold a frame of messages
(``narrascope discover``); a test checks that it finds the lines the reuse engine finds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from ..text.normalize import normalize_many
from .ordered import Workers, in_order
from .shingle import ShingleSets, sorted_unique

__all__ = ["LineResult", "boilerplate_lines", "drop_channel_ngrams", "drop_keys", "frequent_gram_keys",
           "frequent_keys", "gram_keys"]


def _limit(texts: np.ndarray, min_messages: int, max_share: float) -> np.ndarray:
    return np.maximum(float(min_messages), texts.astype(float) * max_share)


def frequent_keys(parts: Iterable[dict[str, np.ndarray]], key_of: str, channel_texts: np.ndarray,
                  min_messages: int, max_share: float,
                  pool: Workers | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(channel, unit key, count) of every unit counted in at least the channel's limit of texts.

    ``parts`` yields partitions of rows (``channel``, ``key_of``), one row per (text, unit); a (channel, unit)
    pair must lie in a single partition, so ``pool``'s workers count one partition each."""

    def frequent(rows: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ch = rows["channel"].astype(np.int64)
        unit = rows[key_of].astype(np.uint64)
        order = np.lexsort((unit, ch))
        ch, unit = ch[order], unit[order]
        start = np.flatnonzero(np.concatenate(([True], (ch[1:] != ch[:-1]) | (unit[1:] != unit[:-1]))))
        count = np.diff(np.append(start, ch.size))
        keep = count >= _limit(channel_texts[ch[start]], min_messages, max_share)
        return ch[start][keep], unit[start][keep], count[keep]

    found = list(in_order(pool, frequent, (rows for rows in parts if rows["channel"].size)))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64)
    channels, units, counts = (np.concatenate(column) for column in zip(*found, strict=True))
    return channels, units, counts


def frequent_gram_keys(parts: Iterable[dict[str, np.ndarray]], channel_texts: np.ndarray, min_messages: int,
                       max_share: float, pool: Workers | None = None) -> np.ndarray:
    """The (channel, n-gram) keys (:func:`gram_keys`, sorted) counted in at least the channel's limit of texts;
    ``parts`` yields partitions of rows ``key``, one per (text, n-gram), every key in a single partition (so
    ``pool``'s workers count one partition each)."""

    def frequent(rows: dict[str, np.ndarray]) -> np.ndarray:
        keys, counts = sorted_unique(rows["key"])
        channel = (keys >> np.uint64(32)).astype(np.int64)
        return keys[counts >= _limit(channel_texts[channel], min_messages, max_share)]

    bad = list(in_order(pool, frequent, parts))
    return np.sort(np.concatenate(bad)) if bad else np.zeros(0, np.uint64)


def gram_keys(channel: np.ndarray, grams: np.ndarray) -> np.ndarray:
    """An exact uint64 key for (channel code, uint32 n-gram hash)."""
    return (np.asarray(channel).astype(np.uint64) << np.uint64(32)) | np.asarray(grams).astype(np.uint64)


def drop_keys(sets: ShingleSets, channel: np.ndarray, bad: np.ndarray) -> tuple[ShingleSets, np.ndarray]:
    """``sets`` (one row per document, ``channel`` its channel code) without the (channel, n-gram) keys in
    ``bad`` (sorted), and which values were kept; a document that would lose every n-gram keeps them all."""
    if bad.size == 0 or sets.values.size == 0:
        return sets, np.ones(sets.values.size, dtype=bool)
    owner = sets.owners()
    keys = gram_keys(channel[owner], sets.values)
    pos = np.searchsorted(bad, keys)
    drop = (pos < bad.size) & (bad[np.minimum(pos, bad.size - 1)] == keys)
    emptied = np.bincount(owner[~drop], minlength=sets.n_docs) == 0
    drop &= ~emptied[owner]
    offsets = np.zeros(sets.n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[~drop], minlength=sets.n_docs), out=offsets[1:])
    return ShingleSets(sets.values[~drop], offsets), ~drop


def drop_channel_ngrams(sets: ShingleSets, channel_codes: np.ndarray, distinct: np.ndarray,
                        min_messages: int = 5, max_share: float = 0.05) -> tuple[ShingleSets, int]:
    """In memory, for one set collection: remove the n-grams that are boilerplate in each document's channel;
    returns (sets, n-grams removed). ``distinct`` marks the documents that count; ``channel_codes`` gives every
    document's channel as an integer."""
    owner = sets.owners()
    counted = distinct[owner]
    texts = np.bincount(channel_codes[distinct], minlength=int(channel_codes.max(initial=0)) + 1)
    bad = frequent_gram_keys([{"key": gram_keys(channel_codes[owner][counted], sets.values[counted])}], texts,
                             min_messages, max_share)
    return drop_keys(sets, channel_codes, bad)[0], int(bad.size)


@dataclass(frozen=True)
class LineResult:
    """Matching texts with and without boilerplate lines, and the boilerplate found."""

    full: pa.Array  # matching form of the whole text (lines joined by a space)
    matching: pa.Array  # the same without the channel's boilerplate lines
    lines: pl.DataFrame  # channel, line (matching form), texts: distinct texts of the channel holding it
    dropped_lines: np.ndarray  # per document: how many of its lines were boilerplate


def boilerplate_lines(texts: pl.Series, channels: pl.Series, min_messages: int = 5, max_share: float = 0.02,
                      enabled: bool = True) -> LineResult:
    """In memory: split texts into lines in matching form, find each channel's boilerplate lines (the rule of the
    module docstring, counted over each channel's distinct texts, the first document of each) and drop them."""
    n = texts.len()
    frame = pl.DataFrame({"doc": np.arange(n, dtype=np.int64), "channel": channels, "text": texts.fill_null("")})
    lines = (frame.lazy().with_columns(pl.col("text").str.split("\n").alias("line"))
             .explode("line", empty_as_null=True)
             .with_columns(pl.int_range(pl.len()).over("doc").alias("pos")).collect())
    norm = pl.Series("norm", normalize_many(lines.get_column("line").to_arrow()))
    lines = lines.with_columns(norm.fill_null("")).filter(pl.col("norm") != "")
    full = lines.group_by("doc", maintain_order=True).agg(pl.col("norm").str.join(" ").alias("full"))
    full = frame.select("doc", "channel").join(full, on="doc", how="left").sort("doc")
    full = full.with_columns(pl.col("full").fill_null(""))
    schema = {"channel": pl.String, "line": pl.String, "texts": pl.UInt32}
    if enabled:
        distinct = full.filter(pl.col("full") != "").unique(["channel", "full"], keep="first", maintain_order=True)
        per_channel = distinct.group_by("channel").agg(pl.len().alias("channel_texts"))
        counts = (distinct.join(lines.select("doc", "norm"), on="doc").unique(["doc", "norm"])
                  .group_by("channel", "norm").agg(pl.len().alias("texts")).join(per_channel, on="channel"))
        limit = pl.max_horizontal(pl.lit(float(min_messages)), pl.col("channel_texts").cast(pl.Float64) * max_share)
        bad = (counts.filter(pl.col("texts") >= limit)
               .select("channel", pl.col("norm").alias("line"), pl.col("texts").cast(pl.UInt32))
               .sort(["channel", "texts", "line"], descending=[False, True, False]))
    else:
        bad = pl.DataFrame(schema=schema)
    flagged = lines.select("doc", "channel", "pos", "norm").join(
        bad.select("channel", pl.col("line").alias("norm"), pl.lit(True).alias("boiler")), on=["channel", "norm"],
        how="left")
    kept = (flagged.sort("doc", "pos").group_by("doc", maintain_order=True)
            .agg(pl.col("norm").filter(pl.col("boiler").is_null()).str.join(" ").alias("matching"),
                 pl.col("boiler").is_not_null().sum().alias("dropped")))
    out = full.join(kept, on="doc", how="left").sort("doc")
    return LineResult(full=out.get_column("full").to_arrow(),
                      matching=out.get_column("matching").fill_null("").to_arrow(),
                      lines=bad, dropped_lines=out.get_column("dropped").fill_null(0).to_numpy().astype(np.int64))
