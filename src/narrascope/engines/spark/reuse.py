"""Text reuse on Spark: the embedded pipeline with its relational steps moved into Spark.

:func:`~narrascope.reuse.pipeline.find_reuse_frame` runs on the driver with :class:`~narrascope.reuse.pipeline.
ReuseSteps` whose heavy group-bys are Spark jobs:

1. **MinHash and banding** — the shingle sets go to Spark as one binary column per document; each partition
   computes its signatures and band keys with the embedded engine's numpy code (:func:`~narrascope.reuse.minhash.
   signatures`, :func:`~narrascope.reuse.lsh.band_keys`) and explodes them to ``(doc, band, key)`` rows;
   candidates are the pairs inside each ``(band, key)`` group — :func:`~narrascope.reuse.lsh.lsh_pairs`'s
   query, buckets over ``max_bucket`` chained in document order — so signatures never reach the driver;
2. **shared rare n-grams** (passage candidates) — the same GROUP BY + self-join as
   :func:`~narrascope.reuse.lsh.shared_gram_pairs`;
3. **cascades** — connected components of the verified pairs by large-star/small-star (:mod:`.components`).

Each step's rows are checkpointed, so a killed run resumes at its last finished step. Normalisation,
boilerplate, shingling, verification, alignment and the tables stay on the driver (the embedded code, unchanged):
that bounds the corpus this job handles by the driver's memory — see docs/benchmarks.md.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pyarrow as pa

from ...reuse.lsh import CandidateStats, band_keys
from ...reuse.minhash import signatures
from ...reuse.pipeline import _INPUT_COLUMNS, TABLES, ReuseOptions, ReuseSteps, find_reuse_frame
from ...reuse.shingle import ShingleSets
from .checkpoint import Checkpoints
from .components import connected_components
from .fs import join
from .inputs import input_manifest, read_messages, slices
from .jobs import JobReport, begin_output, to_spark, write_results
from .session import SparkOptions, map_in_arrow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame, SparkSession

__all__ = ["reuse_job"]

_CHUNK_VALUES = 1 << 28  # shingle values per Arrow chunk sent to Spark (binary offsets are 32-bit)


def _sets_table(sets: ShingleSets, ids: np.ndarray) -> pa.Table:
    """(doc, values): document ``ids[i]`` and its set ``i`` as little-endian uint32 bytes (empty sets included:
    MinHash gives them its EMPTY signature, as the embedded engine does)."""
    docs, values = [], []
    lo, n = 0, sets.n_docs
    while lo < n:
        hi = int(np.searchsorted(sets.offsets, sets.offsets[lo] + _CHUNK_VALUES, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        offsets = ((sets.offsets[lo: hi + 1] - sets.offsets[lo]) * 4).astype(np.int32)
        data = sets.values[sets.offsets[lo]: sets.offsets[hi]].astype("<u4")
        values.append(pa.BinaryArray.from_buffers(pa.binary(), hi - lo,
                                                  [None, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())]))
        docs.append(pa.array(ids[lo:hi].astype(np.int64)))
        lo = hi
    return pa.table({"doc": pa.chunked_array(docs, pa.int64()), "values": pa.chunked_array(values, pa.binary())})


def _sets_of(batch: pa.RecordBatch) -> ShingleSets:
    values = batch.column("values").cast(pa.large_binary())
    offsets = np.frombuffer(values.buffers()[1], np.int64)[values.offset: values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], np.uint8)[offsets[0]: offsets[-1]].view("<u4").astype(np.uint32)
    return ShingleSets(data, (offsets - offsets[0]) // 4)


def band_batches(num_perm: int, seed: int, bands: int, rows: int,
                 batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` kernel: (doc, shingle set) → (doc, band, key) rows of each document's LSH bands."""
    for batch in batches:
        keys = band_keys(signatures(_sets_of(batch), num_perm, seed), bands, rows)
        docs = batch.column("doc").to_numpy(zero_copy_only=False).astype(np.int64)
        yield pa.RecordBatch.from_arrays([
            pa.array(np.repeat(docs, bands)), pa.array(np.tile(np.arange(bands, dtype=np.int32), docs.size)),
            pa.array(keys.reshape(-1).view(np.int64))], names=["doc", "band", "key"])


def gram_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` kernel: (doc, shingle set) → one (doc, gram) row per n-gram."""
    for batch in batches:
        sets = _sets_of(batch)
        docs = batch.column("doc").to_numpy(zero_copy_only=False).astype(np.int64)
        yield pa.RecordBatch.from_arrays([pa.array(np.repeat(docs, sets.sizes())),
                                          pa.array(sets.values.astype(np.int64))], names=["doc", "gram"])


def _collect_pairs(frame: DataFrame) -> np.ndarray:
    table = frame.toArrow()
    if table.num_rows == 0:
        return np.zeros((0, 2), np.int64)
    a = table.column("a").to_numpy().astype(np.int64)
    b = table.column("b").to_numpy().astype(np.int64)
    order = np.lexsort((b, a))
    return np.stack([a[order], b[order]], axis=1)


class SparkReuseSteps:
    """:class:`ReuseSteps` run on Spark; stages are checkpointed in call order (char, word, passages, cascades)."""

    def __init__(self, spark: SparkSession, ckpt: Checkpoints, partitions: int) -> None:
        self.spark = spark
        self.ckpt = ckpt
        self.partitions = partitions
        self.calls = 0

    def _frame(self, table: pa.Table) -> DataFrame:
        frame = self.spark.createDataFrame(table)
        return frame.repartition(self.partitions) if self.partitions > 1 else frame

    def candidates(self, sets: ShingleSets, docs: np.ndarray, options: ReuseOptions
                   ) -> tuple[np.ndarray, CandidateStats]:
        from pyspark.sql import Window
        from pyspark.sql import functions as F
        from pyspark.sql.types import IntegerType, LongType, StructField, StructType

        self.calls += 1
        name = f"lsh-{self.calls}"
        bands, rows = options.bands
        schema = StructType([StructField("doc", LongType()), StructField("band", IntegerType()),
                             StructField("key", LongType())])
        kernel = partial(band_batches, options.num_perm, options.seed, bands, rows)
        table = _sets_table(sets, np.asarray(docs, np.int64))
        keyed = self.ckpt.stage(f"{name}-bands", lambda: map_in_arrow(self._frame(table), kernel, schema))
        sizes = keyed.groupBy("band", "key").agg(F.count("*").alias("n")).where(F.col("n") > 1)
        member = (keyed.join(sizes, ["band", "key"])
                  .withColumn("rn", F.row_number().over(Window.partitionBy("band", "key").orderBy("doc"))))
        x, y = member.alias("x"), member.alias("y")
        joined = x.join(y, (F.col("x.band") == F.col("y.band")) & (F.col("x.key") == F.col("y.key"))
                        & (F.col("x.rn") < F.col("y.rn"))
                        & ((F.col("x.n") <= options.max_bucket) | (F.col("y.rn") == F.col("x.rn") + 1)))
        pairs = self.ckpt.stage(f"{name}-pairs", lambda: joined.select(F.col("x.doc").alias("a"),
                                                                       F.col("y.doc").alias("b")).distinct())
        cand = _collect_pairs(pairs)
        row = sizes.agg(F.count("*").alias("buckets"),
                        F.count(F.when(F.col("n") > options.max_bucket, 1)).alias("capped"),
                        F.coalesce(F.max("n"), F.lit(0)).alias("largest")).collect()[0]
        return cand, CandidateStats(candidates=len(cand), buckets=int(row["buckets"]),
                                    capped_buckets=int(row["capped"]), largest_bucket=int(row["largest"]))

    def shared_gram_pairs(self, grams: ShingleSets, max_df: int = 100, min_match: int = 5,
                          threads: int = 1) -> np.ndarray:
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StructField, StructType

        if grams.values.size == 0:
            return np.zeros((0, 2), np.int64)
        schema = StructType([StructField("doc", LongType()), StructField("gram", LongType())])
        table = _sets_table(grams, np.arange(grams.n_docs, dtype=np.int64))
        rows = self.ckpt.stage("grams", lambda: map_in_arrow(self._frame(table), gram_batches, schema))
        df = rows.groupBy("gram").count().where(F.col("count").between(2, int(max_df))).select("gram")
        rare = rows.join(df, "gram", "left_semi")
        x, y = rare.alias("x"), rare.alias("y")
        pairs = (x.join(y, (F.col("x.gram") == F.col("y.gram")) & (F.col("x.doc") < F.col("y.doc")))
                 .groupBy(F.col("x.doc").alias("a"), F.col("y.doc").alias("b")).count()
                 .where(F.col("count") >= int(min_match)).select("a", "b"))
        return _collect_pairs(self.ckpt.stage("passage-pairs", lambda: pairs))

    def cluster_labels(self, n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Component of every document: the smallest document of its component (its own number when alone)."""
        labels = np.arange(n_docs, dtype=np.int64)
        if a.size == 0:
            return labels
        edges = self.spark.createDataFrame(pa.table({"a": a.astype(np.int64), "b": b.astype(np.int64)}))
        found = connected_components(edges, self.ckpt, "cascades").toArrow()
        labels[found.column("node").to_numpy()] = found.column("component").to_numpy()
        return labels

    def steps(self) -> ReuseSteps:
        return ReuseSteps(candidates=self.candidates, shared_gram_pairs=self.shared_gram_pairs,
                          cluster_labels=self.cluster_labels)


def _messages(spark: SparkSession, input_path: str, options: ReuseOptions) -> pl.DataFrame:
    """The analysis rows the embedded engine reads (``corpus.messages``), as a polars frame on the driver."""
    files = [f for group in slices(spark, input_path, 1 << 62, since=options.since, until=options.until)
             for f in group]
    rows = read_messages(spark, input_path, files, list(_INPUT_COLUMNS), since=options.since, until=options.until)
    frame = pl.from_arrow(rows.toArrow())
    assert isinstance(frame, pl.DataFrame)
    utc = pl.Datetime("us", "UTC")
    return frame.with_columns(pl.col("posted_at", "fwd_posted_at").cast(utc))


def reuse_job(spark: SparkSession, input_path: str, output: str, options: ReuseOptions, *, checkpoints: str,
              spark_options: SparkOptions | None = None) -> JobReport:
    """Find reuse in the message dataset at ``input_path``; write the six ``reuse_*`` result tables to ``output``
    under the key the embedded engine gives the same options and input."""
    spark_options = spark_options or SparkOptions()
    clock = time.perf_counter()
    begin_output(spark, output)
    state = input_manifest(spark, input_path).state_token
    key = options.cache_key(state)
    ckpt = Checkpoints(spark, join(checkpoints, f"reuse-{key}"))
    partitions = spark_options.partitions or spark.sparkContext.defaultParallelism
    messages = _messages(spark, input_path, options)
    result = find_reuse_frame(messages, options, steps=SparkReuseSteps(spark, ckpt, partitions).steps())
    params = {"options": asdict(options), "stats": {**result.stats, "engine": "spark"}}
    tables = {f"reuse_{name}": to_spark(spark, getattr(result, name)) for name in TABLES}
    manifest = write_results(spark, output, analysis="reuse", key=key, state_token=state, tables=tables,
                             params={"reuse_cascades": params})
    report = JobReport(manifest, output, list(ckpt.resumed), list(ckpt.computed))
    if not spark_options.keep_checkpoints:
        ckpt.clear()
    report.seconds = round(time.perf_counter() - clock, 3)
    return report
