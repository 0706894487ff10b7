"""Connected components of a large graph in Spark, without GraphFrames: the large-star / small-star iteration.

Kiveris, Lattanzi, Mirrokni, Rastogi & Vassilvitskii (2014), "Connected Components in MapReduce and Beyond"
(SoCC '14). Every node ends up linked to the smallest node of its component; each round is two group-bys and two
joins over the edge list, and the number of rounds grows with log² of the number of nodes, not with the graph's
diameter (a cascade that forwards along a chain of ten thousand channels still takes a few rounds).

* **large-star**: each node u links every neighbour v larger than u to m(u), the smallest of u and its neighbours;
* **small-star**: each node u links every neighbour v not larger than u, and u itself, to m over those.

The edge set only shrinks towards stars around each component's minimum; the iteration stops when a small-star
round changes nothing. Rounds are checkpointed (written as Parquet and read back), which keeps Spark's lineage
short and lets a killed run resume at the last finished round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checkpoint import Checkpoints

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["connected_components"]


def _large_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    both = edges.select(F.col("u"), F.col("v")).unionByName(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))
    low = both.groupBy("u").agg(F.min("v").alias("m")).select("u", F.least("u", "m").alias("m"))
    return (both.join(low, "u").where(F.col("v") > F.col("u"))
            .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())


def _small_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    oriented = edges.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v")).where(
        F.col("u") != F.col("v"))
    low = oriented.groupBy("u").agg(F.min("v").alias("m"))
    linked = oriented.join(low, "u")
    spokes = linked.where(F.col("v") != F.col("m")).select(F.col("v").alias("u"), F.col("m").alias("v"))
    hubs = low.select(F.col("u"), F.col("m").alias("v"))
    return spokes.unionByName(hubs).distinct()


def connected_components(edges: DataFrame, checkpoints: Checkpoints, name: str = "components",
                         max_rounds: int = 200) -> DataFrame:
    """``(node, component)`` for every node of an edge list with columns ``a``, ``b`` (long): ``component`` is
    the smallest node of the node's component (so labels are canonical). Nodes without an edge do not appear."""
    from pyspark.sql import functions as F

    current = checkpoints.stage(f"{name}-edges", lambda: edges.select(
        F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).where(F.col("u") != F.col("v")).distinct())
    for round_no in range(max_rounds):
        def step(current: DataFrame = current) -> DataFrame:
            return _small_star(_large_star(current))

        following = checkpoints.stage(f"{name}-round-{round_no:03d}", step)
        # both edge sets are distinct: they differ iff some edge is on one side only (one job, stops at the first)
        changed = (current.withColumn("_old", F.lit(True)).join(following.withColumn("_new", F.lit(True)),
                                                                ["u", "v"], "full_outer")
                   .where(F.col("_old").isNull() | F.col("_new").isNull()).limit(1).count())
        current = following
        if changed == 0:
            break
    else:  # pragma: no cover - needs a graph of more than 2**100 nodes
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    labels = current.select(F.col("u").alias("node"), F.col("v").alias("component"))
    roots = current.select(F.col("v").alias("node"), F.col("v").alias("component"))
    return labels.unionByName(roots).distinct()
