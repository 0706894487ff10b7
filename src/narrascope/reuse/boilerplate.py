"""Boilerplate: lines and n-grams a channel repeats across too many of its messages, left out of matching.

Channel signatures ("🆔 @channel", "join us: @channel"), "Read more" links, ad labels and formulaic openings make
unrelated posts of one channel look alike and hide real reuse behind shared furniture. Following passim's
maximum document frequency and TextPAIR's banality filter, a unit is boilerplate *within its channel* when it
occurs in at least ``max(min_messages, max_share × distinct texts of the channel)`` distinct texts:

* **lines** — each line of the original text, in matching form; counted over *distinct* message texts, so a
  story the channel posted five times is not its own boilerplate;
* **n-grams** — the word shingles of :mod:`narrascope.reuse.shingle`, counted the same way.

Detected units are reported (:func:`boilerplate_lines` returns them with counts) and removed before matching;
the original text is never changed, and alignment works on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from ..text.normalize import normalize_many
from .shingle import ShingleSets, sorted_unique

__all__ = ["LineResult", "boilerplate_lines", "drop_channel_ngrams"]


@dataclass(frozen=True)
class LineResult:
    """Matching texts with and without boilerplate lines, and the boilerplate found."""

    full: pa.Array  # matching form of the whole text (lines joined by a space)
    matching: pa.Array  # the same without the channel's boilerplate lines
    lines: pl.DataFrame  # channel, line (matching form), texts: distinct texts of the channel holding it
    dropped_lines: np.ndarray  # per document: how many of its lines were boilerplate


def _limit(distinct_texts: pl.Expr, min_messages: int, max_share: float) -> pl.Expr:
    return pl.max_horizontal(pl.lit(float(min_messages)), distinct_texts.cast(pl.Float64) * max_share)


def boilerplate_lines(texts: pl.Series, channels: pl.Series, min_messages: int = 5, max_share: float = 0.02,
                      enabled: bool = True) -> LineResult:
    """Split texts into lines, normalise them, find each channel's boilerplate lines and drop them."""
    n = texts.len()
    frame = pl.DataFrame({"doc": np.arange(n, dtype=np.int64), "channel": channels, "text": texts.fill_null("")})
    lines = (
        frame.lazy()
        .with_columns(pl.col("text").str.split("\n").alias("line"))
        .explode("line", empty_as_null=True)
        .with_columns(pl.int_range(pl.len()).over("doc").alias("pos"))
        .collect()
    )
    norm = pl.Series("norm", normalize_many(lines.get_column("line").to_arrow()))
    lines = lines.with_columns(norm.fill_null("")).filter(pl.col("norm") != "")
    full = lines.group_by("doc", maintain_order=True).agg(pl.col("norm").str.join(" ").alias("full"))
    full = frame.select("doc", "channel").join(full, on="doc", how="left").sort("doc")
    full = full.with_columns(pl.col("full").fill_null(""))
    if enabled:
        # keep the earliest document of each distinct text: with keep="any" a text split into lines differently
        # in two posts could count differently from run to run
        distinct = full.filter(pl.col("full") != "").unique(["channel", "full"], keep="first", maintain_order=True)
        per_channel = distinct.group_by("channel").agg(pl.len().alias("channel_texts"))
        counts = (
            distinct.join(lines.select("doc", "norm"), on="doc")
            .unique(["channel", "full", "norm"])
            .group_by("channel", "norm")
            .agg(pl.len().alias("texts"))
            .join(per_channel, on="channel")
        )
        bad = counts.filter(pl.col("texts") >= _limit(pl.col("channel_texts"), min_messages, max_share))
        bad = bad.select("channel", pl.col("norm").alias("line"), "texts").sort(["channel", "texts", "line"],
                                                                              descending=[False, True, False])
    else:
        bad = pl.DataFrame(schema={"channel": pl.String, "line": pl.String, "texts": pl.UInt32})
    flagged = lines.select("doc", "channel", "pos", "norm").join(
        bad.select("channel", pl.col("line").alias("norm"), pl.lit(True).alias("boiler")), on=["channel", "norm"],
        how="left",
    )
    kept = (
        flagged.sort("doc", "pos")
        .group_by("doc", maintain_order=True)
        .agg(
            pl.col("norm").filter(pl.col("boiler").is_null()).str.join(" ").alias("matching"),
            pl.col("boiler").is_not_null().sum().alias("dropped"),
        )
    )
    out = full.join(kept, on="doc", how="left").sort("doc")
    return LineResult(
        full=out.get_column("full").to_arrow(),
        matching=out.get_column("matching").fill_null("").to_arrow(),
        lines=bad,
        dropped_lines=out.get_column("dropped").fill_null(0).to_numpy().astype(np.int64),
    )


def drop_channel_ngrams(sets: ShingleSets, channel_codes: np.ndarray, distinct: np.ndarray,
                        min_messages: int = 5, max_share: float = 0.05) -> tuple[ShingleSets, int]:
    """Remove from every set the n-grams that are boilerplate in its channel; returns (sets, n-grams removed).

    ``distinct`` marks one document per distinct text (frequencies count distinct texts); ``channel_codes``
    gives every document's channel as an integer.
    """
    owner = sets.owners()
    chan = channel_codes[owner].astype(np.uint64)
    keys = (chan << np.uint64(32)) | sets.values.astype(np.uint64)
    counted = distinct[owner]
    uniq, counts = sorted_unique(keys[counted])
    channel_texts = np.bincount(channel_codes[distinct], minlength=int(channel_codes.max(initial=0)) + 1)
    limit = np.maximum(float(min_messages), channel_texts * max_share)
    bad = uniq[counts >= limit[(uniq >> np.uint64(32)).astype(np.int64)]]
    if bad.size == 0:
        return sets, 0
    drop = np.isin(keys, bad)
    # A message made only of its channel's formulaic n-grams keeps them: dropping all would hide it entirely.
    emptied = np.bincount(owner[~drop], minlength=sets.n_docs) == 0
    drop &= ~emptied[owner]
    kept_owner = owner[~drop]
    offsets = np.zeros(sets.n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(kept_owner, minlength=sets.n_docs), out=offsets[1:])
    return ShingleSets(sets.values[~drop], offsets), int(bad.size)
