"""Row numbers in a total order, computed in the JVM (no Python round trip per row), as the embedded engine numbers
its documents and posts.

A global ``orderBy`` range-partitions the rows, each partition sorted and holding a contiguous run of the order;
``monotonically_increasing_id`` carries (partition, index within partition). Counting each partition's rows gives
its offset, and offset + index is the row's position. The sorted rows are checkpointed first, so the ids the count
sees are the ids the numbering uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checkpoint import Checkpoints

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

__all__ = ["number_rows"]

_INDEX_BITS = 33  # monotonically_increasing_id: partition id above bit 33, index within the partition below


def number_rows(frame: DataFrame, order: list[Column], name: str, checkpoints: Checkpoints, stage: str) -> DataFrame:
    """``frame`` with a long column ``name``: each row's 0-based position in ``order`` (which must be total)."""
    from pyspark.sql import functions as F

    staged = checkpoints.stage(stage, lambda: frame.orderBy(*order).withColumn("_part", F.spark_partition_id())
                               .withColumn("_mid", F.monotonically_increasing_id()))
    counts = sorted((r["_part"], r["count"]) for r in staged.groupBy("_part").count().collect())
    offsets, total = [], 0
    for part, n in counts:
        offsets.append((part, total))
        total += n
    spark = staged.sparkSession
    table = spark.createDataFrame(offsets or [(0, 0)], "_part int, _offset long")
    index = F.col("_mid").bitwiseAND(F.lit((1 << _INDEX_BITS) - 1))
    return (staged.join(F.broadcast(table), "_part")
            .withColumn(name, F.col("_offset") + index)
            .drop("_part", "_mid", "_offset"))
