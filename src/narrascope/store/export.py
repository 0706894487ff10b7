"""Reading the whole store out, for exports (``narrascope export --parquet``): the store's side of the SQL.

Every canonical column of every message (service rows included — analyses filter kinds themselves), plus the UTC
month used to partition the export, streamed in Arrow batches so that a store larger than memory can be written out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from ..models import MESSAGE_SCHEMA

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["MONTH_COLUMN", "export_reader"]

#: the partition column of an export: ``YYYY-MM`` of ``posted_at`` in UTC, null for undated messages.
MONTH_COLUMN = "month"


def export_reader(corpus: Corpus, *, batch_rows: int = 100_000) -> pa.RecordBatchReader:
    """All messages with the canonical columns (:data:`~narrascope.models.MESSAGE_SCHEMA`, in its order) and
    :data:`MONTH_COLUMN`, in a stable order (month, then uid) so that two exports of one store write the same
    rows to the same files."""
    cols = ", ".join(MESSAGE_SCHEMA.names)
    month = "strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m')"
    return corpus.connection.execute(
        f"SELECT {cols}, {month} AS {MONTH_COLUMN} FROM messages ORDER BY {MONTH_COLUMN} NULLS LAST, uid"
    ).to_arrow_reader(batch_rows)
