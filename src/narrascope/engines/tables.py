"""The result tables a Spark job may write, each with its conversion to the Arrow types the embedded engine saves.

The store keys a result table's layout by a fingerprint of its Arrow schema: rows imported with other types
(``string`` where the embedded engine saves ``large_string``, say) would replace the table's earlier results
instead of joining them. Each conversion therefore targets the embedded engine's exact schema.
"""

from __future__ import annotations

import pyarrow as pa

from ..frames.corpus_match import CORPUS_HITS_SCHEMA
from .results import register_table

__all__ = ["conform_frame_hits"]


def _select_cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    missing = [n for n in schema.names if n not in table.column_names]
    if missing:
        from ..errors import UsageError

        raise UsageError(f"a result table lacks column(s) {', '.join(missing)}: it was not written by this "
                         "narrascope version's job")
    return table.select(schema.names).cast(schema)


def conform_frame_hits(table: pa.Table) -> pa.Table:
    return _select_cast(table, CORPUS_HITS_SCHEMA)


register_table("frame_hits", conform_frame_hits)
