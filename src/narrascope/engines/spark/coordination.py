"""Coordination on Spark: objects per partition, the co-action self-join per object, null worlds as partitions.

The embedded engine's steps (:mod:`narrascope.coordination`) with the data moved by Spark:

1. **posts** — dated messages with an actor, numbered in the store's order (posted_at, channel id, message id)
   in the JVM (:func:`.order.number_rows`); actor codes and labels as :func:`~narrascope.coordination.objects.
   extract_actions` makes them;
2. **actions** — :func:`~narrascope.coordination.objects.action_keys` (URL and text normalisation, forward keys,
   hashtag sets) on each partition's Arrow batches;
3. **co-actions** — the candidate actions (objects at least two actors acted on) grouped by object, each group
   joined within the window by :func:`~narrascope.coordination.coaction.observed_coactions` itself
   (``applyInArrow``): co-action never crosses objects, so the per-object joins are the global join;
4. **null worlds** — the null plan (compact arrays) is broadcast and the worlds are spread over partitions, each
   computed by :func:`~narrascope.coordination.nulls.world_counts` with its own seed (seed, world), so the counts
   are those of the embedded engine whatever the split;
5. tests, groups and tables on the driver, by :func:`~narrascope.coordination.pipeline.coordination_from_actions`.

The driver holds what the statistics need — one narrow row per dated post (post, uid, actor, time), the candidate
actions and the co-actions — never the texts.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...coordination.coaction import CoActions, observed_coactions
from ...coordination.exclusions import attributes_fingerprint
from ...coordination.nulls import NullPlan, world_counts
from ...coordination.objects import KIND_CODES, Actions, action_keys, object_labels
from ...coordination.options import CoordinationOptions
from ...coordination.pipeline import CoordinationSteps, coordination_from_actions
from ...coordination.results import TABLES
from .checkpoint import Checkpoints
from .fs import join
from .inputs import input_manifest, read_messages, slices
from .jobs import JobReport, begin_output, to_spark, write_results
from .order import number_rows
from .session import SparkOptions, apply_in_arrow, map_in_arrow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["coordination_job"]

MESSAGE_COLUMNS = ["uid", "platform", "channel_id", "channel", "author", "posted_at", "text", "links", "hashtags",
                   "fwd_from_name", "fwd_from_id", "fwd_from_message_id", "fwd_posted_at"]
_BATCH = 200_000  # the embedded engine's extraction batch (posts): its action order is (batch, kind, post)


def _signed(values: np.ndarray) -> np.ndarray:
    return values.astype(np.uint64).view(np.int64)


def _unsigned(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def action_batches(kinds: tuple[str, ...], min_text_chars: int, with_clusters: bool,
                   batches: Any) -> Any:
    """``mapInArrow`` kernel: message batches (with ``post``) → (post, kind, obj, seq) actions."""
    for batch in batches:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        clusters = None
        if with_clusters:
            clusters = frame.select("uid", pl.col("_cluster").alias("cluster")).drop_nulls("cluster")
        keys = action_keys(frame, kinds, min_text_chars, clusters).with_row_index("seq")
        yield pa.RecordBatch.from_arrays(
            [keys["post"].to_arrow(), keys["kind"].to_arrow(), pa.array(_signed(keys["obj"].to_numpy())),
             keys["seq"].cast(pl.Int64).to_arrow()], names=["post", "kind", "obj", "seq"])


def object_coactions(window: int, table: pa.Table) -> pa.Table:
    """``applyInArrow`` kernel: one object's candidate actions → its closest co-action per actor pair."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.sort("t", "post")  # the embedded engine's order of equal times: post order
    n = frame.height
    co = observed_coactions(np.zeros(n, np.int64), frame["t"].to_numpy(), frame["actor"].to_numpy().astype(np.int32),
                            frame["post"].to_numpy(), frame["kind"].to_numpy().astype(np.int8), window,
                            np.zeros(1, np.uint64)).frame
    obj = frame["obj"][0] if n else 0
    return co.drop("rank").with_columns(pl.lit(obj, pl.Int64).alias("obj")).to_arrow()


def null_partition(plan: Any, seed: int, worlds: Any) -> Any:
    """``mapPartitions`` kernel: this partition's null worlds → (world numbers, counts bytes)."""
    numbers = list(worlds)
    if numbers:
        counts = world_counts(plan.value, seed, numbers)
        yield numbers, counts.tobytes(), counts.shape


def _coaction_schema() -> Any:
    from pyspark.sql.types import ByteType, IntegerType, LongType, StructField, StructType

    return StructType([StructField("a", IntegerType()), StructField("b", IntegerType()),
                       StructField("kind", ByteType()), StructField("lag", LongType()),
                       StructField("lead", IntegerType()), StructField("post_a", LongType()),
                       StructField("post_b", LongType()), StructField("t_first", LongType()),
                       StructField("obj", LongType())])


class _SparkSteps:
    """:class:`CoordinationSteps` computed on Spark over the job's candidate actions."""

    def __init__(self, spark: SparkSession, candidates: DataFrame, partitions: int) -> None:
        self.spark = spark
        self.candidates = candidates
        self.partitions = partitions

    def coactions(self, rank: np.ndarray, t: np.ndarray, actor: np.ndarray, post: np.ndarray, kind: np.ndarray,
                  window: int, objects: np.ndarray) -> CoActions:
        def kernel(table: pa.Table) -> pa.Table:  # a plain function: PySpark reads its type hints
            return object_coactions(window, table)

        rows = apply_in_arrow(self.candidates.groupBy("obj"), kernel, _coaction_schema())
        frame = pl.from_arrow(rows.toArrow())
        assert isinstance(frame, pl.DataFrame)
        if frame.height != 0:
            found = np.searchsorted(objects, _unsigned(frame["obj"].to_numpy()))
        else:
            found = np.zeros(0, np.int64)
        frame = frame.with_columns(pl.Series("rank", found.astype(np.int64)))
        frame = frame.select(pl.col("a").cast(pl.Int32), pl.col("b").cast(pl.Int32), "rank",
                             pl.col("kind").cast(pl.Int8), pl.col("lag").cast(pl.Int64), pl.col("lead").cast(pl.Int32),
                             pl.col("post_a").cast(pl.Int64), pl.col("post_b").cast(pl.Int64),
                             pl.col("t_first").cast(pl.Int64)).sort(["a", "b", "rank"])
        return CoActions(frame, objects)

    def null_counts(self, plan: NullPlan, n_worlds: int, seed: int, workers: int = 1) -> np.ndarray:
        out = np.zeros((len(plan.windows), n_worlds, plan.edge_codes.size), np.uint16)
        if n_worlds == 0:
            return out
        sc = self.spark.sparkContext
        shared = sc.broadcast(plan)
        try:
            parts = (sc.parallelize(range(n_worlds), max(1, min(n_worlds, self.partitions)))
                     .mapPartitions(partial(null_partition, shared, seed)).collect())
        finally:
            shared.unpersist()
        for numbers, data, shape in parts:
            out[:, numbers, :] = np.frombuffer(data, np.uint16).reshape(shape)
        return out


def _actors(posts: pl.DataFrame) -> tuple[list[str], list[str]]:
    """Actor ids (sorted) and labels: each actor's most frequent label, the smallest on a tie, else its id."""
    table = (posts.group_by("_actor").agg(pl.col("_label").drop_nulls().mode().sort().first())
             .sort("_actor"))
    ids = table["_actor"].to_list()
    return ids, [lab if lab is not None else a for a, lab in zip(ids, table["_label"].to_list(), strict=True)]


def coordination_job(spark: SparkSession, input_path: str, output: str, options: CoordinationOptions, *,
                     checkpoints: str, attributes: pl.DataFrame | None = None, clusters: pl.DataFrame | None = None,
                     reuse_key: str = "", spark_options: SparkOptions | None = None) -> JobReport:
    """Test coordination in the message dataset at ``input_path``; write the six ``coordination_*`` result tables
    to ``output`` under the key the embedded engine gives the same inputs. ``attributes``: channel attributes for
    ``options.exclude_by``; ``clusters`` (uid, cluster) and ``reuse_key``: the reuse run behind near_duplicate."""
    from pyspark.sql import functions as F

    spark_options = spark_options or SparkOptions()
    clock = time.perf_counter()
    begin_output(spark, output)
    state = input_manifest(spark, input_path).state_token
    key = options.cache_key(state, reuse_key, attributes_fingerprint(attributes) if options.exclude_by else "")
    ckpt = Checkpoints(spark, join(checkpoints, f"coordination-{key}"))
    files = [f for group in slices(spark, input_path, 1 << 62, since=options.since, until=options.until)
             for f in group]
    actor_col, label_col = ("channel_id", "channel") if options.actors == "channel" else ("author", "author")
    messages = read_messages(spark, input_path, files, [*MESSAGE_COLUMNS, "message_id"], since=options.since,
                             until=options.until)
    dated = messages.where(F.col("posted_at").isNotNull() & F.col(actor_col).isNotNull())
    numbered = number_rows(dated, [F.col("posted_at"), F.col("channel_id"), F.col("message_id"), F.col("uid")],
                           "post", ckpt, "posts")
    posts_rows = pl.from_arrow(numbered.select(
        "post", "uid", F.col(actor_col).cast("string").alias("_actor"), F.col(label_col).cast("string").alias("_label"),
        F.unix_seconds("posted_at").alias("t")).toArrow())
    assert isinstance(posts_rows, pl.DataFrame)
    posts_rows = posts_rows.sort("post")
    actor_ids, labels = _actors(posts_rows)
    codes = pl.DataFrame({"_actor": actor_ids, "actor": pl.Series(range(len(actor_ids)), dtype=pl.Int32)})
    posts = (posts_rows.join(codes, on="_actor", maintain_order="left")
             .select(pl.col("post").cast(pl.Int64), "uid", "actor", pl.col("t").cast(pl.Int64)))
    with_clusters = clusters is not None and "near_duplicate" in options.objects
    source = numbered
    if with_clusters:
        assert clusters is not None
        source = source.join(spark.createDataFrame(clusters.select("uid", pl.col("cluster").alias("_cluster"))
                                                   .to_arrow()), "uid", "left")
    from pyspark.sql.types import ByteType, LongType, StructField, StructType

    schema = StructType([StructField("post", LongType()), StructField("kind", ByteType()),
                         StructField("obj", LongType()), StructField("seq", LongType())])
    kernel = partial(action_batches, options.objects, options.min_text_chars, with_clusters)
    actions_df = ckpt.stage("actions", lambda: map_in_arrow(source.drop("message_id"), kernel, schema))
    acts_rows = pl.from_arrow(actions_df.toArrow())
    assert isinstance(acts_rows, pl.DataFrame)
    kind_pos = {KIND_CODES[k]: i for i, k in enumerate(options.objects)}
    acts_rows = (acts_rows.with_columns((pl.col("post") // _BATCH).alias("_batch"),
                                        pl.col("kind").replace_strict(kind_pos, return_dtype=pl.Int64).alias("_kind"))
                 .sort("_batch", "_kind", "post", "seq"))
    post = acts_rows["post"].to_numpy().astype(np.int64)
    post_actor = posts["actor"].to_numpy()
    post_t = posts["t"].to_numpy()
    acts = Actions(actor=post_actor[post].astype(np.int32), post=post, obj=_unsigned(acts_rows["obj"].to_numpy()),
                   kind=acts_rows["kind"].to_numpy().astype(np.int8), t=post_t[post].astype(np.int64), posts=posts,
                   actors=actor_ids, labels=labels)
    spark_posts = spark.createDataFrame(posts.select("post", "actor", "t").to_arrow())
    joined = actions_df.join(spark_posts, "post")
    shared = joined.groupBy("obj").agg(F.countDistinct("actor").alias("_n")).where(F.col("_n") >= 2).select("obj")
    candidates = ckpt.stage("candidates", lambda: joined.join(shared, "obj").select("obj", "t", "actor", "post",
                                                                                     "kind"))
    partitions = spark_options.partitions or spark.sparkContext.defaultParallelism

    def object_labels_of(involved: pl.DataFrame) -> pl.DataFrame:
        wanted = spark.createDataFrame(involved.select("uid").to_arrow())
        rows = messages.join(F.broadcast(wanted), "uid")
        frame = pl.from_arrow(rows.select(*MESSAGE_COLUMNS).toArrow())
        assert isinstance(frame, pl.DataFrame)
        return object_labels(frame, involved, options.objects, options.min_text_chars, clusters)

    steps = _SparkSteps(spark, candidates, partitions)
    result = coordination_from_actions(acts, options, attributes=attributes, labels=object_labels_of,
                                       steps=CoordinationSteps(coactions=steps.coactions, null_counts=steps.null_counts))
    params = {"options": asdict(options), "stats": {**result.stats, "engine": "spark"}, "reuse_key": reuse_key or None}
    tables = {f"coordination_{name}": to_spark(spark, getattr(result, name)) for name in TABLES}
    manifest = write_results(spark, output, analysis="coordination", key=key, state_token=state, tables=tables,
                             params={"coordination_groups": params})
    report = JobReport(manifest, output, list(ckpt.resumed), list(ckpt.computed))
    if not spark_options.keep_checkpoints:
        ckpt.clear()
    report.seconds = round(time.perf_counter() - clock, 3)
    return report
