"""Stage checkpoints as Parquet, so that a killed or failed run resumes where it stopped (as passim does).

A job's checkpoints live under ``<workdir>/checkpoints/<job key>/``, one folder per stage (or per input slice of a
stage). The job key hashes everything the rows depend on (input state, options, kernel versions), so a checkpoint
left by a run with other options is never picked up. A stage counts as done only when Spark's committer wrote its
``_SUCCESS`` marker, which happens after every task's output was committed: a run killed mid-write leaves no
marker, and the stage is recomputed (its partial folder overwritten).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .fs import HadoopFS, join

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Checkpoints"]


class Checkpoints:
    """Stage outputs of one job under ``root``; :attr:`resumed` / :attr:`computed` list the stages of this run."""

    def __init__(self, spark: SparkSession, root: str) -> None:
        self.spark = spark
        self.root = root
        self.fs = HadoopFS(spark)
        self.resumed: list[str] = []
        self.computed: list[str] = []

    def path(self, name: str) -> str:
        return join(self.root, name)

    def done(self, name: str) -> bool:
        return self.fs.exists(join(self.path(name), "_SUCCESS"))

    def read(self, name: str) -> DataFrame:
        return self.spark.read.parquet(self.path(name))

    def stage(self, name: str, build: Callable[[], DataFrame]) -> DataFrame:
        """The stage's rows: read back when an earlier run finished it, else computed by ``build``, written, and
        read back (so later stages start from the checkpoint, not from a recomputation of the lineage)."""
        if self.done(name):
            self.resumed.append(name)
            return self.read(name)
        build().write.mode("overwrite").parquet(self.path(name))
        self.computed.append(name)
        return self.read(name)

    def stage_arrow(self, name: str, table_of: Callable[[], pa.Table]) -> DataFrame:
        """A stage whose rows the driver has (``table_of()``, called only when the stage is not done yet): written as
        Parquet on the driver's disk and copied into the stage's folder, then read by Spark. The rows never pass
        through the JVM's heap (``createDataFrame`` would hold them all there)."""
        if self.done(name):
            self.resumed.append(name)
            return self.read(name)
        import pyarrow.parquet as pq

        self.fs.delete(self.path(name))
        with tempfile.TemporaryDirectory(prefix="narrascope-stage-") as tmp:
            local = Path(tmp) / "part-00000.parquet"
            pq.write_table(table_of(), local, row_group_size=1 << 20)
            self.fs.copy_from_local(str(local), join(self.path(name), local.name))
        self.fs.write_text(join(self.path(name), "_SUCCESS"), "")
        self.computed.append(name)
        return self.read(name)

    def clear(self) -> None:
        """Remove this job's checkpoints (after its results were written)."""
        self.fs.delete(self.root)
