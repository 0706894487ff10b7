"""Text reuse on Spark: the streaming engine (:mod:`narrascope.reuse.engine`) with its per-message work and its
relational steps as Spark jobs, and what needs the whole corpus in document order on the driver.

What runs where:

* **Spark** — the two passes' per-message work (:mod:`.passes`): numbering the messages in document order, lines in
  matching form, matching texts without boilerplate lines, the representative of each text, and tokens, shingle
  sets, MinHash bands (of the word sets once the driver has counted their channel n-gram boilerplate) and n-gram
  postings of the representatives — the embedded engine's functions (:mod:`narrascope.reuse.stages`) run per
  partition; then the relational :class:`~narrascope.reuse.engine.ReuseSteps`:

  1. *LSH candidates*: the band indexes (``(bucket, doc)`` rows) the passes keep on the cluster
     (:class:`~.passes.RemoteIndex`; a spilled one from another engine's passes goes to Spark one spill partition
     at a time, as a Parquet file the driver writes into the checkpoint folder,
     :meth:`~.checkpoint.Checkpoints.stage_arrow`); buckets are counted (GROUP BY bucket), pairs formed
     inside buckets of up to ``max_bucket`` documents (self-join), larger buckets chained in document order
     (``lead`` over the bucket) — what :func:`~narrascope.reuse.lsh.spilled_bucket_pairs` computes;
  2. *passage candidates*: the n-gram postings the passes keep on the cluster, each row joined with its
     document's need (an uploaded table; another engine's spilled postings are uploaded as above); document
     frequency per n-gram (GROUP BY), pairs of documents sharing rare n-grams (self-join, GROUP BY pair), kept
     when they share as many as the shorter text needs or were candidates by 4-grams —
     :func:`~narrascope.reuse.passages.shared_grams`;
  3. *verification*: exact Jaccard similarity and containment of the LSH candidates, each pair joined with the
     two sets the passes keep on the cluster (:class:`~.passes.RemoteSets`) and intersected there
     (:func:`~.passes.intersect_kernel`);
  4. *cascades*: connected components of the verified pairs by large-star/small-star (:mod:`.components`).

* **the driver** (the embedded code, unchanged) — taking in the passes' batches in document order (per-document
  numbers, the boilerplate line counts, the spills), the counts of channel n-gram boilerplate and the clean word
  sets, the length-scaled passage rules, alignment, forwards, and the six tables. Its memory
  is the embedded engine's: per-document numbers plus a fixed working set, the rest spilled to a temporary folder
  (``$TMPDIR``); the candidate pairs Spark returns are held as the embedded engine holds them.

Every Spark stage is checkpointed (each pass stage, the uploaded rows of each spill partition, each step's pairs,
every component round), so a killed job resumes: its rerun reads the finished stages back and repeats only the
driver's work on them.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ...reuse.engine import verify_spilled
from ...reuse.lsh import CandidateStats
from ...reuse.passages import SharedGrams, candidate_need
from ...reuse.pipeline import INPUT_COLUMNS, TABLES, ReuseOptions, ReuseSteps, find_reuse_passes
from ...reuse.shingle import similarity, sorted_unique
from .checkpoint import Checkpoints
from .components import connected_components
from .fs import join
from .inputs import input_manifest, read_messages, slices
from .jobs import JobReport, begin_output, to_spark, write_results
from .passes import INTERSECTIONS, LOW32, RemoteIndex, RemoteSets, SparkPasses, intersect_kernel, spark_type
from .session import SparkOptions, arrow_batches, map_in_arrow

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyspark.sql import DataFrame, SparkSession

    from ...reuse.spill import Chunking, Partitioned, SetSpill, Workspace

__all__ = ["SparkReuseSteps", "reuse_job"]

#: spilled rows per Spark task in a step (a few tens of MB of Spark's row format per operator)
ROWS_PER_TASK = 500_000


def _collect(frame: DataFrame) -> pa.Table:
    """``frame``'s rows on the driver, one partition at a time (the JVM never holds them all, as ``toArrow`` would)."""
    batches = list(arrow_batches(frame))
    return pa.Table.from_batches(batches) if batches else frame.toArrow()


def _pairs(table: pa.Table, *extra: str) -> tuple[np.ndarray, ...]:
    """(a, b) pairs of a collected table, sorted, and the named extra columns in the same order."""
    a = table.column("a").to_numpy().astype(np.int64)
    b = table.column("b").to_numpy().astype(np.int64)
    order = np.lexsort((b, a))
    pairs = np.stack([a[order], b[order]], axis=1).reshape(-1, 2)
    return (pairs, *(table.column(c).to_numpy().astype(np.int64)[order] for c in extra))


class SparkReuseSteps:
    """:class:`~narrascope.reuse.engine.ReuseSteps` on Spark (see the module doc); stages are named after the
    spilled index they read (``char-bands``, ``word-bands``, ``post4``, ``post5``) and ``cascades``."""

    def __init__(self, spark: SparkSession, ckpt: Checkpoints, partitions: int) -> None:
        self.spark = spark
        self.ckpt = ckpt
        self.partitions = partitions

    def _tasks(self, rows: int) -> int:
        """Tasks for a step over ``rows`` rows: at least ``partitions``, at most :data:`ROWS_PER_TASK` rows each."""
        return max(self.partitions, -(-rows // ROWS_PER_TASK))

    def _upload(self, spill: Partitioned,
                table_of: Callable[[dict[str, np.ndarray]], pa.Table]) -> DataFrame | None:
        """The rows of ``spill``, each non-empty partition a checkpointed stage (read from the spill only when the
        stage is not already done), hash-partitioned by their first column into at least ``partitions`` tasks and
        at most :data:`ROWS_PER_TASK` rows a task: the window, self-join and partial aggregation on that column then
        share one task without a further shuffle, so a task's memory stays bounded whatever the corpus. None when
        the spill is empty."""
        names = []
        for p in range(spill.parts):
            if not spill.filled(p):
                continue
            name = f"{spill.name}-{p:03d}"

            def upload(p: int = p) -> pa.Table:
                return table_of(spill.read(p))

            self.ckpt.stage_arrow(name, upload)
            names.append(name)
        if not names:
            return None
        rows = self.spark.read.parquet(*(self.ckpt.path(n) for n in names))
        tasks = self._tasks(spill.rows)
        return rows.repartition(tasks, rows.columns[0])

    def bucket_pairs(self, bands: Partitioned | RemoteIndex, max_bucket: int) -> tuple[np.ndarray, CandidateStats]:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        if isinstance(bands, RemoteIndex):  # built on Spark already
            tasks = self._tasks(bands.rows)
            rows = bands.frame.repartition(tasks, "bucket") if bands.rows else None
        else:
            rows = self._upload(bands, lambda rows: pa.table({"bucket": rows["bucket"].view(np.int64),
                                                              "doc": rows["doc"].astype(np.int64)}))
        if rows is None:
            return np.zeros((0, 2), np.int64), CandidateStats()
        sized = rows.withColumn("n", F.count("*").over(Window.partitionBy("bucket"))).where(F.col("n") > 1)

        def pairs() -> DataFrame:
            small = sized.where(F.col("n") <= max_bucket)
            x, y = small.alias("x"), small.alias("y")
            within = (x.join(y, (F.col("x.bucket") == F.col("y.bucket")) & (F.col("x.doc") < F.col("y.doc")))
                      .select(F.col("x.doc").alias("a"), F.col("y.doc").alias("b")))
            chained = (sized.where(F.col("n") > max_bucket)
                       .withColumn("b", F.lead("doc").over(Window.partitionBy("bucket").orderBy("doc")))
                       .where(F.col("b").isNotNull()).select(F.col("doc").alias("a"), "b"))
            return within.unionByName(chained).distinct()

        cand, = _pairs(_collect(self.ckpt.stage(f"{bands.name}-pairs", pairs)))
        sizes = sized.groupBy("bucket").agg(F.first("n").alias("n"))
        row = sizes.agg(F.count("*").alias("buckets"), F.count(F.when(F.col("n") > max_bucket, 1)).alias("capped"),
                        F.coalesce(F.max("n"), F.lit(0)).alias("largest")).collect()[0]
        return cand, CandidateStats(candidates=len(cand), buckets=int(row["buckets"]),
                                    capped_buckets=int(row["capped"]), largest_bucket=int(row["largest"]))

    def shared_grams(self, postings: Partitioned | RemoteIndex, sizes: np.ndarray, max_df: int, min_match: int,
                     share: float, ws: Workspace, chunking: Chunking, keep: np.ndarray | None = None) -> SharedGrams:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        need = candidate_need(sizes, min_match, share)

        def table(rows: dict[str, np.ndarray]) -> pa.Table:
            keys, _ = sorted_unique(rows["key"])  # a text repeating an n-gram counts once
            doc = (keys & LOW32).astype(np.int64)
            # each row carries its document's need, so a pair's need (the smaller) comes with the self-join
            return pa.table({"gram": (keys >> np.uint64(32)).astype(np.int64), "doc": doc, "need": need[doc]})

        if isinstance(postings, RemoteIndex):  # kept on Spark by the passes
            have = np.flatnonzero(sizes > 0)
            needs = self.ckpt.stage_arrow(f"{postings.name}-need", lambda: pa.table({
                "doc": have.astype(np.int64), "need": need[have]}))
            tasks = self._tasks(postings.rows)
            # a text repeating an n-gram counts once; every row carries its document's need (as uploaded rows do)
            rows = (postings.frame.join(needs, "doc").repartition(tasks, "gram").distinct()
                    if postings.rows else None)
        else:
            rows = self._upload(postings, table)
        if rows is None:
            return SharedGrams(np.zeros(0, np.uint64), np.zeros(0, np.int64))
        counted = rows.withColumn("df", F.count("*").over(Window.partitionBy("gram")))

        def pairs() -> DataFrame:
            rare = counted.where(F.col("df").between(2, int(max_df)))
            x, y = rare.alias("x"), rare.alias("y")
            shared = (x.join(y, (F.col("x.gram") == F.col("y.gram")) & (F.col("x.doc") < F.col("y.doc")))
                      .groupBy(F.col("x.doc").alias("a"), F.col("y.doc").alias("b"),
                               F.least("x.need", "y.need").alias("need"))
                      .agg(F.count("*").alias("n")))
            ok = F.col("n") >= F.col("need")
            if keep is not None and keep.size:
                listed = self.ckpt.stage_arrow(f"{postings.name}-listed", lambda: pa.table({
                    "a": (keep >> np.uint64(32)).astype(np.int64), "b": (keep & LOW32).astype(np.int64),
                    "listed": np.ones(keep.size, bool)}))
                shared = shared.join(listed, ["a", "b"], "left")
                ok = ok | F.col("listed").isNotNull()
            return shared.where(ok).select("a", "b", "n")

        found, rare = _pairs(_collect(self.ckpt.stage(f"{postings.name}-pairs", pairs)), "n")
        keys = (found[:, 0].astype(np.uint64) << np.uint64(32)) | found[:, 1].astype(np.uint64)
        order = np.argsort(keys)
        return SharedGrams(keys[order], rare[order])

    def cluster_labels(self, n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Component of every document: the smallest document of its component (its own number when alone)."""
        labels = np.arange(n_docs, dtype=np.int64)
        if a.size == 0:
            return labels
        edges = self.ckpt.stage_arrow("cascades-pairs", lambda: pa.table({"a": a.astype(np.int64),
                                                                           "b": b.astype(np.int64)}))
        found = _collect(connected_components(edges, self.ckpt, "cascades"))
        labels[found.column("node").to_numpy()] = found.column("component").to_numpy()
        return labels

    def verify(self, sets: SetSpill | RemoteSets, pairs: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact Jaccard similarity and containment of candidate pairs: where the sets are kept on Spark, each pair
        joined with both sets and intersected there (:func:`~.passes.intersect_kernel`); else on the driver."""
        from pyspark.sql import functions as F

        if not isinstance(sets, RemoteSets):
            return verify_spilled(sets, pairs, chunk)
        if len(pairs) == 0:
            return np.zeros(0), np.zeros(0)
        wanted = self.ckpt.stage_arrow(f"{sets.name}-pairs", lambda: pa.table({
            "i": np.arange(len(pairs), dtype=np.int64), "a": pairs[:, 0].astype(np.int64),
            "b": pairs[:, 1].astype(np.int64)}))
        side = {x: sets.frame.select(F.col("doc").alias(x), F.col("set").alias(f"s{x}")) for x in ("a", "b")}
        joined = (wanted.repartition(self._tasks(len(pairs)), "a")
                  .join(side["a"], "a", "left").join(side["b"], "b", "left").select("i", "sa", "sb"))
        found = _collect(self.ckpt.stage(f"{sets.name}-verified", lambda: map_in_arrow(
            joined, intersect_kernel, spark_type(INTERSECTIONS))))
        order = np.argsort(found.column("i").to_numpy())
        inter, na, nb = (found.column(c).to_numpy()[order] for c in ("inter", "na", "nb"))
        return similarity(inter, na, nb)

    def steps(self) -> ReuseSteps:
        return ReuseSteps(bucket_pairs=self.bucket_pairs, shared_grams=self.shared_grams, verify=self.verify,
                          cluster_labels=self.cluster_labels)


def _messages(spark: SparkSession, input_path: str, options: ReuseOptions) -> DataFrame:
    """The analysis rows the embedded engine reads (``corpus.message_batches``): content kinds, the time range."""
    files = [f for group in slices(spark, input_path, 1 << 62, since=options.since, until=options.until)
             for f in group]
    return read_messages(spark, input_path, files, list(INPUT_COLUMNS), since=options.since, until=options.until)


def _texts(spark: SparkSession, rows: DataFrame) -> Callable[[np.ndarray, list[str]], list[str]]:
    """The original texts of some messages (those whose passages are aligned), looked up by uid in Spark."""
    def texts(docs: np.ndarray, uids: list[str]) -> list[str]:
        wanted = spark.createDataFrame(pa.table({"uid": pa.array(uids, pa.string())}))
        found = rows.select("uid", "text").join(wanted, "uid", "left_semi").toArrow()
        text: dict[str, Any] = dict(zip(found.column("uid").to_pylist(), found.column("text").to_pylist(),
                                        strict=True))
        return [text[u] for u in uids]

    return texts


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
    rows = _messages(spark, input_path, options)
    steps = SparkReuseSteps(spark, ckpt, partitions).steps()
    n_rows = rows.count()
    passes = SparkPasses(rows, ckpt, partitions, n_rows)
    result = find_reuse_passes(passes, n_rows, _texts(spark, rows), options, steps=steps)
    params = {"options": asdict(options), "stats": {**result.stats, "engine": "spark"}}
    tables = {f"reuse_{name}": to_spark(spark, getattr(result, name)) for name in TABLES}
    manifest = write_results(spark, output, analysis="reuse", key=key, state_token=state, tables=tables,
                             params={"reuse_cascades": params})
    report = JobReport(manifest, output, list(ckpt.resumed), list(ckpt.computed))
    if not spark_options.keep_checkpoints:
        ckpt.clear()
    report.seconds = round(time.perf_counter() - clock, 3)
    return report
