"""Reading a message dataset (``narrascope export --parquet``) in Spark: its manifest, slices and rows.

A job cuts its input into *slices* — runs of whole files of about ``slice_bytes`` — and checkpoints each slice's
output, so a run killed after k slices redoes only the others. Months outside ``since``/``until`` are not read at
all (the dataset is partitioned by month). Rows are the store's analysis rows: content kinds only (no service
messages) and ``since`` inclusive, ``until`` exclusive on ``posted_at``, exactly as the store filters them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...errors import UsageError
from ...models import MESSAGE_SCHEMA
from ...store.corpus import CONTENT_KINDS, parse_when
from ..dataset import DATASET_FORMAT, MANIFEST, MONTH_COLUMN, DatasetManifest
from .fs import HadoopFS, join

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["input_manifest", "read_messages", "slices"]

_MONTH = re.compile(rf"/{MONTH_COLUMN}=([^/]+)/")


def input_manifest(spark: SparkSession, path: str) -> DatasetManifest:
    """The manifest of the dataset at ``path`` (any file system Spark reaches)."""
    fs = HadoopFS(spark)
    where = join(path, MANIFEST)
    if not fs.exists(where):
        raise UsageError(f"{path} is not a narrascope message dataset (no {MANIFEST}): write one with "
                         "`narrascope export --parquet DIR`")
    import json

    data = json.loads(fs.read_text(where))
    if data.get("format") != DATASET_FORMAT:
        raise UsageError(f"{path} holds {data.get('format')!r}, not a message dataset")
    return DatasetManifest(**{k: data[k] for k in DatasetManifest.__dataclass_fields__})


def _month_bounds(since: Any, until: Any) -> tuple[str | None, str | None]:
    lo = parse_when(since, "--since").strftime("%Y-%m") if since else None
    hi = parse_when(until, "--until").strftime("%Y-%m") if until else None
    return lo, hi


def slices(spark: SparkSession, path: str, slice_bytes: int, *, since: Any = None,
           until: Any = None) -> list[list[str]]:
    """The dataset's files in the months the range touches, grouped into runs of about ``slice_bytes``."""
    lo, hi = _month_bounds(since, until)
    groups: list[list[str]] = []
    size = 0
    for file, length in HadoopFS(spark).files(path):
        m = _MONTH.search(file)
        month = m.group(1) if m else None
        if (lo or hi) and (month is None or not re.fullmatch(r"\d{4}-\d{2}", month)):
            continue  # undated messages fall outside every date range
        if month is not None and ((lo and month < lo) or (hi and month > hi)):
            continue
        if not groups or size + length > slice_bytes:
            groups.append([])
            size = 0
        groups[-1].append(file)
        size += length
    return groups


def read_messages(spark: SparkSession, path: str, files: list[str], columns: list[str], *, since: Any = None,
                  until: Any = None) -> DataFrame:
    """``columns`` of the analysis rows in ``files`` (content kinds, date range applied)."""
    from pyspark.sql import functions as F

    if not files:  # nothing in the range: no rows, the canonical columns
        return spark.createDataFrame(MESSAGE_SCHEMA.empty_table()).select(*columns)
    frame = spark.read.option("basePath", path).parquet(*files)
    frame = frame.where(F.col("kind").isin(list(CONTENT_KINDS)))
    if since:
        frame = frame.where(F.col("posted_at") >= F.lit(_utc(since, "--since")))
    if until:
        frame = frame.where(F.col("posted_at") < F.lit(_utc(until, "--until")))
    return frame.select(*columns)


def _utc(value: Any, option: str) -> datetime:
    return parse_when(value, option)
