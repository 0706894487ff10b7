"""What every narrascope Spark job shares: its report, and writing its result dataset (tables, then manifest).

A job first deletes any manifest in its output folder (so an output being rewritten never passes for a finished
one), writes each result table with a leading ``result_key`` column — the columns of the store's ``result_*``
table — and writes the manifest last. Row counts are read back from the written tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from ..._version import __version__
from ..results import KEY_COLUMN, MANIFEST, ResultManifest
from .fs import HadoopFS, join

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["JobReport", "begin_output", "to_spark", "write_results"]


@dataclass
class JobReport:
    """What a Spark job did: its result dataset's manifest, and which checkpointed stages it resumed or ran."""

    manifest: ResultManifest
    output: str
    resumed: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def to_spark(spark: SparkSession, frame: pl.DataFrame) -> DataFrame:
    """A driver-side polars table as a Spark DataFrame (unsigned integers widened to Int64: Spark has none; the
    import casts them back, :mod:`narrascope.engines.tables`)."""
    unsigned = [n for n, t in frame.schema.items() if t in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)]
    return spark.createDataFrame(frame.with_columns(pl.col(unsigned).cast(pl.Int64)).to_arrow())


def begin_output(spark: SparkSession, output: str) -> None:
    """Mark ``output`` unfinished before anything is written to it."""
    HadoopFS(spark).delete(join(output, MANIFEST))


def write_results(spark: SparkSession, output: str, *, analysis: str, key: str, state_token: str,
                  tables: dict[str, DataFrame], params: dict[str, Any]) -> ResultManifest:
    """Write ``tables`` (name → rows with the analysis's columns, in order) and then the manifest."""
    from pyspark.sql import functions as F

    rows: dict[str, int] = {}
    for name, frame in tables.items():
        path = join(output, name)
        frame.select(F.lit(key).alias(KEY_COLUMN), *frame.columns).write.mode("overwrite").parquet(path)
        rows[name] = spark.read.parquet(path).count()
    manifest = ResultManifest(analysis=analysis, key=key, state_token=state_token, tables=list(tables), rows=rows,
                              params=params, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                              narrascope=__version__)
    HadoopFS(spark).write_text(join(output, MANIFEST), manifest.to_json())
    return manifest
