"""The Spark passes' kernels (narrascope.engines.spark.passes) without Spark: run in this process on batches cut
at awkward places — a few rows each, documents split between batches — and stitched together as the Spark job
does, they give exactly the tables of the embedded engine. Spark's own plumbing (sorting, numbering, the minimum
per text hash) is checked against the embedded engine in test_spark_reuse.py."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from narrascope.engines.spark.passes import (
    _byte_sets,
    _line_kernel,
    _matching_kernel,
    _set_bytes,
    _shingle_kernel,
    _with_text,
    _word_band_kernel,
    intersect_kernel,
)
from narrascope.reuse import ReuseOptions, find_reuse_frame
from narrascope.reuse.lsh import posting_keys
from narrascope.reuse.pipeline import INPUT_COLUMNS, TABLES, _prepare, find_reuse_passes
from narrascope.reuse.scan import BAND_COLUMNS, LinePass, TokenPass
from narrascope.reuse.shingle import ShingleSets, intersection_sizes
from narrascope.reuse.spill import Chunking, Partitioned, SetSpill, Workspace, partition_of

from ..reuse.test_chunks import _mixed_corpus


@dataclass
class _Broadcast:
    value: Any


def _cut(frame: pl.DataFrame, sizes: tuple[int, ...]) -> Iterator[pa.RecordBatch]:
    """``frame`` as Arrow batches of the given sizes in turn (Spark cuts batches by row count)."""
    lo, i = 0, 0
    table = frame.to_arrow()
    while lo < table.num_rows:
        size = sizes[i % len(sizes)]
        yield from table.slice(lo, size).to_batches()
        lo, i = lo + size, i + 1


def _stage(batches: Iterator[pa.RecordBatch]) -> pl.DataFrame:
    frame = pl.from_arrow(pa.Table.from_batches(list(batches)))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _payloads(stage: pl.DataFrame) -> Iterator[Any]:
    for data in stage.filter(pl.col("payload").is_not_null()).sort("lo").get_column("payload").to_list():
        yield pickle.loads(data)


@dataclass
class _KernelPasses:
    """What SparkPasses does, with polars in place of Spark and small batches in place of partitions."""

    numbered: pl.DataFrame
    ws: Workspace
    lines_stage: pl.DataFrame | None = None
    word_sets: pl.DataFrame | None = None
    char_rows: pl.DataFrame | None = None
    posting_rows: pl.DataFrame | None = None
    set_rows: dict[str, pl.DataFrame] = field(default_factory=dict)

    def lines(self, line_pass: LinePass, pool: Any, workers: int) -> None:
        self.lines_stage = _stage(_line_kernel(line_pass.boilerplate, _cut(self.numbered, (5, 1, 12))))
        for prepared in _payloads(self.lines_stage):
            line_pass.commit(prepared)

    def tokens(self, token_pass: TokenPass, line_pass: LinePass) -> None:
        assert self.lines_stage is not None
        lines = (self.lines_stage.filter(pl.col("payload").is_null())
                 .select("doc", "seq", "channel_id", "key", "norm").sort("doc", "seq"))
        kernel = _matching_kernel(_Broadcast(dict(line_pass.codes)), _Broadcast(token_pass.bad_lines),
                                  _cut(lines, (3, 1, 7)))
        matching = _stage(kernel)
        bad = (matching.filter(pl.col("bad_key").is_not_null()).sort("doc")
               .group_by("bad_key", maintain_order=True).first())
        token_pass.note_bad_lines(bad.get_column("bad_key").to_numpy().view(np.uint64).tolist(),
                                  bad.get_column("text").to_list())
        texts = matching.filter(pl.col("bad_key").is_null())
        dropped = texts.filter(pl.col("dropped") > 0)
        token_pass.note_dropped(dropped.get_column("doc").to_numpy(), dropped.get_column("dropped").to_numpy())
        reps = (texts.filter(pl.col("text") != "").select("doc", pl.col("doc").min().over("hash").alias("rep"))
                .sort("doc"))
        token_pass.note_reps(reps.get_column("doc").to_numpy(), reps.get_column("rep").to_numpy())
        chosen = texts.join(reps.filter(pl.col("doc") == pl.col("rep")), on="doc", how="semi").sort("doc")
        shingled = _stage(_shingle_kernel(token_pass.options, token_pass.bands, token_pass.parts, 3,
                                          _cut(chosen.select("doc", "chan", "text"), (4, 9))))
        for prepared in _payloads(shingled):
            token_pass.commit(prepared)
        self.word_sets = shingled.filter(pl.col("words").is_not_null()).select("doc", "chan", "words")
        self.char_rows = shingled.filter(pl.col("bucket").is_not_null()).select("bucket", "doc")
        self.posting_rows = shingled.filter(pl.col("n").is_not_null()).select("gram", "doc", "n")
        self.set_rows["char"] = shingled.filter(pl.col("chars").is_not_null()).select("doc", pl.col("chars").alias("set"))

    def _index(self, name: str, rows: pl.DataFrame) -> Partitioned:
        """A band index the Spark job keeps (rows in any order), spilled for the embedded step."""
        bucket = rows.get_column("bucket").to_numpy().view(np.uint64)
        index = Partitioned(self.ws, name, BAND_COLUMNS, parts=3, buffer_rows=50)
        index.append(partition_of(bucket, index.parts), bucket=bucket, doc=rows.get_column("doc").to_numpy())
        index.flush()
        return index

    def char_bands(self) -> Partitioned:
        assert self.char_rows is not None
        return self._index("char-bands", self.char_rows.reverse())

    def postings(self, n: int) -> Partitioned:
        assert self.posting_rows is not None
        rows = self.posting_rows.filter(pl.col("n") == n).reverse()
        grams = rows.get_column("gram").to_numpy().astype(np.uint64)
        index = Partitioned(self.ws, f"post{n}", {"key": "uint64"}, parts=2, buffer_rows=50)
        index.append(partition_of(grams, index.parts), key=posting_keys(grams, rows.get_column("doc").to_numpy()))
        index.flush()
        return index

    def word_bands(self, bad: np.ndarray, options: Any) -> Partitioned:
        assert self.word_sets is not None
        rows = _stage(_word_band_kernel(options, _Broadcast(bad), _cut(self.word_sets.reverse(), (2, 5))))
        self.set_rows["word"] = rows.filter(pl.col("words").is_not_null()).select("doc", pl.col("words").alias("set"))
        return self._index("word-bands", rows.filter(pl.col("bucket").is_not_null()))

    def sets(self, kind: str) -> SetSpill:
        """The sets the Spark job keeps for verification, spilled for the embedded step."""
        rows = self.set_rows[kind].sort("doc")
        spill = SetSpill(self.ws, f"{kind}-sets")
        spill.append(_byte_sets(rows.get_column("set").to_arrow()), rows.get_column("doc").to_numpy())
        spill.finish(self.numbered.height)
        return spill


def test_the_pass_kernels_on_small_cut_batches_give_the_embedded_tables(tmp_path: Path) -> None:
    signed = pl.col("text") + " follow us for the latest updates from the region every single day"
    frame = _mixed_corpus().with_columns(  # a channel n-gram signature within the line: word boilerplate
        pl.when((pl.col("channel_id") == "c0002") & (pl.int_range(pl.len()) % 3 == 0)).then(signed)
        .otherwise(pl.col("text")).alias("text"))
    options = ReuseOptions()
    chunking = Chunking(docs=10**9, parts=3, pairs=10**9, buffer_rows=10**9)
    whole = find_reuse_frame(frame, options, chunking=chunking)
    assert whole.boilerplate.height > 0 and whole.passages.height > 0 and whole.pairs.height > 50
    numbered = _prepare(frame, options).select(*INPUT_COLUMNS, "doc")
    texts = numbered.get_column("text")
    with Workspace(tmp_path) as ws:
        result = find_reuse_passes(_KernelPasses(numbered, ws), numbered.height,
                                   lambda docs, uids: texts.gather(docs).to_list(), options, chunking=chunking)
    for name in TABLES:
        assert getattr(result, name).equals(getattr(whole, name)), name
    assert result.stats["exact_copies"] == whole.stats["exact_copies"] > 0
    assert result.stats["messages_with_boilerplate"] == whole.stats["messages_with_boilerplate"] > 0
    assert result.stats["word_candidates"] == whole.stats["word_candidates"] > 0
    assert result.stats["char_candidates"] == whole.stats["char_candidates"] > 0
    assert result.stats["passage_candidates"] == whole.stats["passage_candidates"] > 0
    assert result.stats["boilerplate_ngrams"] == whole.stats["boilerplate_ngrams"] > 0


def test_messages_without_text_are_left_out_as_the_embedded_engine_leaves_them_out() -> None:
    texts = ["a", None, "", "  ", "\u00a0\u2003\n", "\u200bx", " b "]
    batch = pa.record_batch({"uid": [str(i) for i in range(len(texts))], "text": pa.array(texts, pa.string())})
    kept = pa.Table.from_batches(list(_with_text(iter([batch])))).column("uid").to_pylist()
    frame = pl.DataFrame({"uid": [str(i) for i in range(len(texts))], "channel_id": "c", "posted_at": None,
                          "text": texts})
    assert kept == _prepare(frame, ReuseOptions()).get_column("uid").to_list() == ["0", "5", "6"]


def test_word_sets_survive_their_trip_as_bytes() -> None:
    sets = ShingleSets(np.array([5, 9, 4_000_000_000, 1, 2], np.uint32), np.array([0, 3, 3, 5], np.int64))
    back = _byte_sets(pa.concat_arrays([pa.array([b"x"]), _set_bytes(sets)]).slice(1))  # an offset into the buffers
    assert np.array_equal(back.values, sets.values) and np.array_equal(back.offsets, sets.offsets)


def test_pairs_are_intersected_as_the_embedded_engine_intersects_them() -> None:
    rng = np.random.default_rng(3)
    rows = [np.unique(rng.integers(0, 40, rng.integers(0, 12))).astype(np.uint32) for _ in range(60)]
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([r.size for r in rows], out=offsets[1:])
    sets = ShingleSets(np.concatenate(rows), offsets)
    pairs = rng.integers(0, len(rows), (300, 2))
    raw = [_set_bytes(sets.take(pairs[:, k])) for k in (0, 1)]
    sb = pa.array([None if i % 11 == 0 else v for i, v in enumerate(raw[1].to_pylist())], pa.binary())  # no set
    batch = pa.record_batch({"i": np.arange(300, dtype=np.int64), "sa": raw[0], "sb": sb})
    out = pa.Table.from_batches(list(intersect_kernel(iter([batch.slice(0, 97), batch.slice(97)]))))
    expected = intersection_sizes(sets, pairs)
    expected[::11] = 0
    assert out.column("i").to_pylist() == list(range(300))
    assert np.array_equal(out.column("inter").to_numpy(), expected) and expected.sum() > 100
    nb = sets.sizes()[pairs[:, 1]]
    nb[::11] = 0
    assert np.array_equal(out.column("na").to_numpy(), sets.sizes()[pairs[:, 0]])
    assert np.array_equal(out.column("nb").to_numpy(), nb)
