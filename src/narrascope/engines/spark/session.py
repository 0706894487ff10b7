"""The Spark session narrascope's jobs run in, and what every job needs set on it.

Under ``spark-submit`` (or in a notebook) the active session is used as it is, with only the settings that
results depend on applied (UTC session time zone, microsecond Parquet timestamps). Otherwise a session is started
from :class:`SparkOptions`: ``master`` from the option, ``$NARRASCOPE_SPARK_MASTER``, or ``local[*]``; in local
mode the Python workers run this interpreter, so they import the same narrascope and numpy as the driver.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency, NarrascopeError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, GroupedData, SparkSession

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")

__all__ = ["SparkOptions", "arrow_batches", "java_available", "local_driver_memory", "pyspark_available",
           "spark_session", "with_task_retries"]

#: attempts of a task in local mode, as ``spark.task.maxFailures`` gives on a cluster (local mode's own default is
#: one: a task result dropped by the block manager under memory pressure — "TaskResultLost" — failed the whole job).
LOCAL_TASK_ATTEMPTS = 4
_LOCAL = re.compile(r"local(\[(\*|\d+)\])?")

#: settings results depend on: applied to every session, also one started by spark-submit.
RUNTIME_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # batches handed to the Python kernels: large enough for their vectorised work to pay off
    "spark.sql.execution.arrow.maxRecordsPerBatch": "50000",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}


@dataclass(frozen=True)
class SparkOptions:
    """How narrascope runs Spark jobs from the command line or the library (not under spark-submit)."""

    master: str | None = field(default=None, metadata={"help": "Spark master URL (default "
                                                               "$NARRASCOPE_SPARK_MASTER or local[*])"})
    workdir: str | None = field(default=None, metadata={"help": "folder for the exported input, checkpoints and "
                                                                "result datasets (default $NARRASCOPE_SPARK_DIR, "
                                                                "else next to the store)"})
    partitions: int | None = field(default=None, metadata={"help": "repartition each input slice into this many "
                                                                   "partitions (default: as read)"})
    slice_bytes: int = field(default=2 << 30, metadata={"help": "input bytes per checkpointed slice"})
    keep_checkpoints: bool = field(default=False, metadata={"help": "keep stage checkpoints after a run"})
    conf: tuple[tuple[str, str], ...] = field(default=(), metadata={"help": "extra Spark settings"})

    def __post_init__(self) -> None:
        if self.partitions is not None and self.partitions < 1:
            raise UsageError(f"partitions must be at least 1, not {self.partitions}")
        if self.slice_bytes < 1:
            raise UsageError(f"slice_bytes must be at least 1, not {self.slice_bytes}")


def pyspark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def java_available() -> bool:
    """A Java runtime PySpark can start: ``$JAVA_HOME/bin/java`` or ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def _require() -> None:
    if not pyspark_available():
        raise MissingDependency("pyspark", "spark")
    if not java_available():
        raise NarrascopeError("Spark needs a Java runtime (17 or newer) and none was found: install one "
                              "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")


def prepare(spark: SparkSession) -> SparkSession:
    """Apply :data:`RUNTIME_CONF` to a session (they are runtime settings, so an existing session takes them)."""
    for key, value in RUNTIME_CONF.items():
        spark.conf.set(key, value)
    return spark


def map_in_arrow(frame: DataFrame, kernel: Callable[..., Any], schema: Any) -> DataFrame:
    """``frame.mapInArrow(kernel, schema)``, without PySpark's warning about pandas 3 (Arrow batches only)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*pandas >= 3.0.0.*", category=FutureWarning)
        return frame.mapInArrow(kernel, schema)


def apply_in_arrow(grouped: GroupedData, kernel: Callable[[pa.Table], pa.Table], schema: Any) -> DataFrame:
    """``grouped.applyInArrow(kernel, schema)``, without the pandas 3 warning; ``kernel`` must be a plain function
    with type hints (PySpark inspects them; a ``functools.partial`` fails there)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*pandas >= 3.0.0.*", category=FutureWarning)
        return grouped.applyInArrow(kernel, schema)


def _to_ipc(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` kernel: each batch as one row holding its Arrow IPC stream."""
    import pyarrow as pa

    for batch in batches:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        yield pa.RecordBatch.from_arrays([pa.array([sink.getvalue().to_pybytes()], pa.binary())], names=["ipc"])


def arrow_batches(frame: DataFrame) -> Iterator[pa.RecordBatch]:
    """The rows of ``frame`` on the driver as Arrow batches, one partition at a time and in partition order — so
    a sorted frame arrives in its order, and the driver never holds more than a partition of it."""
    import pyarrow as pa
    from pyspark.sql.types import BinaryType, StructField, StructType

    blobs = map_in_arrow(frame, _to_ipc, StructType([StructField("ipc", BinaryType(), nullable=False)]))
    for row in blobs.toLocalIterator():
        with pa.ipc.open_stream(row["ipc"]) as reader:
            yield from reader


def local_driver_memory() -> str:
    """The heap for a local session's JVM, which is driver and executor at once: a quarter of physical memory,
    between 1 and 8 GB. Spark's own default (1 GB) ran out of heap pickling the ordered reuse stream in a long
    test session on 200,000 messages; the heap is reserved, not used, until a job needs it."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not on every platform
        return "1g"
    return f"{max(1, min(8, total // 4 >> 30))}g"


def with_task_retries(master: str) -> str:
    """``local``, ``local[N]`` or ``local[*]`` with :data:`LOCAL_TASK_ATTEMPTS` attempts per task
    (``local[N,F]``); any other master, or a local one that names its attempts, unchanged."""
    match = _LOCAL.fullmatch(master)
    if match is None:
        return master
    return f"local[{match.group(2) or 1},{LOCAL_TASK_ATTEMPTS}]"


def spark_session(options: SparkOptions | None = None) -> SparkSession:
    """The active Spark session, or a new one started from ``options`` (see the module docstring)."""
    _require()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return prepare(active)
    options = options or SparkOptions()
    master = with_task_retries(options.master or os.environ.get("NARRASCOPE_SPARK_MASTER") or "local[*]")
    conf: dict[str, Any] = {
        **RUNTIME_CONF,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # its progress line would interleave with narrascope's output
        "spark.sql.shuffle.partitions": "8" if master.startswith("local") else "200",
    }
    if master.startswith("local"):  # PySpark starts its workers with $PYSPARK_PYTHON (else a bare python3)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "resolves to a loopback address" warning
        # the driver JVM's own start-up logging, which setLogLevel comes too late for
        conf["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
        if not os.environ.get("SPARK_DRIVER_MEMORY"):  # a heap given there, or in options.conf, wins
            conf["spark.driver.memory"] = local_driver_memory()
    conf.update(dict(options.conf))
    builder = SparkSession.builder.master(master).appName("narrascope")
    for key, value in conf.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return prepare(spark)
