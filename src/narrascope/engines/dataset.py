"""Parquet datasets of canonical records: what ``narrascope export --parquet DIR`` writes and Spark jobs read.

Layout (Hive-style partitions by UTC month, so a job over a date range reads only its months)::

    DIR/_narrascope.json                 manifest: format, version, the store's state token, counts, schema
    DIR/month=2024-01/part-0.parquet     canonical columns (docs/formats.md), zstd, row groups of ≤ 100 k rows
    DIR/month=__HIVE_DEFAULT_PARTITION__/…   messages without a date

Files hold at most ``rows_per_file`` rows, which is also the grain at which a Spark job slices its input for
checkpoints. The folder is written next to its final place and renamed into it, so a killed export never looks
complete. The manifest's ``state_token`` ties the dataset to the store's ingest state: results computed from it
are imported only into a store in that same state (:mod:`.results`).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds

from .._version import __version__
from ..errors import UsageError
from ..models import MESSAGE_SCHEMA
from ..store.export import MONTH_COLUMN, export_reader

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["DATASET_FORMAT", "MANIFEST", "MONTH_COLUMN", "DatasetManifest", "export_parquet", "read_manifest"]

MANIFEST = "_narrascope.json"  # a leading underscore: Spark and pyarrow skip it when reading the dataset
DATASET_FORMAT = "narrascope-messages"
DATASET_VERSION = 1
ROWS_PER_FILE = 1_000_000
ROWS_PER_GROUP = 100_000


@dataclass(frozen=True)
class DatasetManifest:
    """What a message dataset holds and where it came from."""

    format: str
    version: int
    state_token: str
    messages: int
    files: int
    partitioning: str
    columns: list[str]
    store: str
    created_at: str
    narrascope: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(folder: str | Path) -> DatasetManifest:
    """The manifest of a message dataset written by :func:`export_parquet` (a local folder)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise UsageError(f"{folder} is not a narrascope message dataset (no {MANIFEST}): write one with "
                         f"`narrascope export --parquet {folder}`")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != DATASET_FORMAT:
        raise UsageError(f"{folder} holds {data.get('format')!r}, not a message dataset: give the folder written "
                         "by `narrascope export --parquet`")
    if int(data.get("version", 0)) > DATASET_VERSION:
        raise UsageError(f"{folder} was written by a newer narrascope (dataset version {data['version']}): "
                         "upgrade narrascope")
    return DatasetManifest(**{k: data[k] for k in DatasetManifest.__dataclass_fields__})


def _is_dataset(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def export_parquet(corpus: Corpus, folder: str | Path, *, force: bool = False,
                   rows_per_file: int = ROWS_PER_FILE) -> DatasetManifest:
    """Write every message of the store (service rows included) as a Parquet dataset in ``folder``.

    An existing earlier export in ``folder`` is replaced; any other non-empty folder only with ``force``."""
    if rows_per_file < 1:
        raise UsageError(f"rows_per_file must be at least 1, not {rows_per_file}")
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file: --parquet takes a folder")
    if target.is_dir() and any(target.iterdir()) and not _is_dataset(target) and not force:
        raise UsageError(f"{target} is not empty and holds no earlier export: choose an empty folder or pass --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    state = corpus.state_token()
    schema = MESSAGE_SCHEMA.append(pa.field(MONTH_COLUMN, pa.string()))
    written: list[str] = []
    counted = [0]

    def visit(f: ds.WrittenFile) -> None:
        written.append(f.path)

    reader = export_reader(corpus, batch_rows=ROWS_PER_GROUP)
    try:
        ds.write_dataset(
            _cast(reader, schema, counted), partial, format="parquet",
            partitioning=ds.partitioning(pa.schema([pa.field(MONTH_COLUMN, pa.string())]), flavor="hive"),
            basename_template="part-{i}.parquet", max_rows_per_file=rows_per_file,
            max_rows_per_group=min(ROWS_PER_GROUP, rows_per_file), min_rows_per_group=min(ROWS_PER_GROUP, rows_per_file),
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
            existing_data_behavior="error", file_visitor=visit,
        )
        manifest = DatasetManifest(
            format=DATASET_FORMAT, version=DATASET_VERSION, state_token=state, messages=counted[0], files=len(written),
            partitioning=MONTH_COLUMN, columns=list(MESSAGE_SCHEMA.names), store=str(corpus.path.resolve()),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"), narrascope=__version__,
        )
        partial.mkdir(parents=True, exist_ok=True)
        (partial / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _cast(reader: pa.RecordBatchReader, schema: pa.Schema, counted: list[int]) -> pa.RecordBatchReader:
    """The store's batches with the canonical Arrow types (DuckDB may widen or relax nullability), counted."""

    def batches() -> Any:
        for batch in reader:
            counted[0] += batch.num_rows
            yield pa.RecordBatch.from_arrays(
                [batch.column(i).cast(f.type) for i, f in enumerate(schema)], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())
