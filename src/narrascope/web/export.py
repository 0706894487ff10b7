"""Exports of any list the pages show: CSV (UTF-8 with BOM, formula-neutralised) or Parquet, streamed.

CSV cells a spreadsheet would evaluate (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a
leading apostrophe (OWASP's CSV-injection advice), as the validation sample files do. Large lists stream batch by
batch, so exporting a million messages neither times out nor holds them all in memory.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from starlette.responses import Response, StreamingResponse

__all__ = ["FORMATS", "csv_cell", "download_name", "export_frame", "export_reader"]

FORMATS = ("csv", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def csv_cell(value: Any) -> str:
    """One CSV cell: lists joined with ' | ', dates in ISO form, formula-looking text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = " | ".join("" if v is None else str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def download_name(stem: str, fmt: str) -> str:
    """An ASCII file name for Content-Disposition (hostile names cannot break out of the header)."""
    safe = _SAFE_NAME.sub("-", stem).strip("-.")[:80] or "export"
    return f"{safe}.{fmt}"


def _headers(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}


def _csv_chunks(batches: Iterator[pa.RecordBatch], names: list[str]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    for batch in batches:
        buf.seek(0)
        buf.truncate()
        for row in batch.to_pylist():
            writer.writerow([csv_cell(row.get(n)) for n in names])
        yield buf.getvalue().encode("utf-8")


def _parquet_file(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in batches:
                writer.write_batch(batch)
        tmp.seek(0)
        while chunk := tmp.read(1 << 20):
            yield chunk


def export_reader(reader: pa.RecordBatchReader, fmt: str, stem: str) -> Response:
    """Stream an Arrow reader as a CSV or Parquet download."""
    name = download_name(stem, fmt)
    if fmt == "parquet":
        return StreamingResponse(_parquet_file(iter(reader), reader.schema), media_type="application/vnd.apache.parquet",
                                 headers=_headers(name))
    return StreamingResponse(_csv_chunks(iter(reader), reader.schema.names), media_type="text/csv; charset=utf-8",
                             headers=_headers(name))


def export_frame(frame: pl.DataFrame, fmt: str, stem: str) -> Response:
    """A polars DataFrame (a table a page shows) as a CSV or Parquet download."""
    table = frame.to_arrow()
    return export_reader(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), fmt, stem)
