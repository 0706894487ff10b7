"""The result tables a Spark job may write, each with its conversion to the Arrow types the embedded engine saves.

The store keys a result table's layout by a fingerprint of its Arrow schema: rows imported with other types
(``string`` where the embedded engine saves ``large_string``, say) would replace the table's earlier results
instead of joining them. Each conversion therefore targets the embedded engine's exact schema.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import polars as pl
import pyarrow as pa

from ..errors import UsageError
from ..frames.corpus_match import CORPUS_HITS_SCHEMA
from .results import register_table

__all__ = ["conform_frame_hits"]


def _select_cast(table: pa.Table, schema: pa.Schema | None, names: list[str] | None = None) -> pa.Table:
    """``table``'s columns ``names`` (default: the schema's), in that order, cast to ``schema`` when given."""
    names = names if names is not None else (schema.names if schema is not None else table.column_names)
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise UsageError(f"a result table lacks column(s) {', '.join(missing)}: it was not written by this "
                         "narrascope version's job")
    table = table.select(names)
    return table.cast(schema) if schema is not None else table


def conform_frame_hits(table: pa.Table) -> pa.Table:
    return _select_cast(table, CORPUS_HITS_SCHEMA)


register_table("frame_hits", conform_frame_hits)


def _as_polars_schema(schema: dict[str, Any]) -> Callable[[pa.Table], pa.Table]:
    """Conversion through polars to the schema of a table the embedded engine saves with ``DataFrame.to_arrow()``
    (polars decides that Arrow schema, e.g. ``large_string``; going through it gives the same one)."""

    def conform(table: pa.Table) -> pa.Table:
        frame = pl.from_arrow(_select_cast(table, None, list(schema)))
        assert isinstance(frame, pl.DataFrame)
        return frame.cast(schema).to_arrow()  # type: ignore[arg-type]

    return conform


def _register_coordination() -> None:
    from ..coordination.results import TABLES, empty_tables

    empty = empty_tables()
    for name in TABLES:
        register_table(f"coordination_{name}", _as_polars_schema(dict(empty[name].schema)))


_register_coordination()


@cache
def _reuse_schemas() -> dict[str, dict[str, Any]]:
    """The reuse tables' polars schemas, as the pipeline itself builds them (a run over no messages)."""
    from ..reuse.pipeline import TABLES, find_reuse_frame

    empty = pl.DataFrame(schema={"uid": pl.String, "channel_id": pl.String, "posted_at": pl.Datetime("us", "UTC"),
                                 "text": pl.String})
    result = find_reuse_frame(empty)
    return {name: dict(getattr(result, name).schema) for name in TABLES}


def _register_reuse() -> None:
    from ..reuse.pipeline import TABLES

    for name in TABLES:
        def conform(table: pa.Table, name: str = name) -> pa.Table:
            return _as_polars_schema(_reuse_schemas()[name])(table)

        register_table(f"reuse_{name}", conform)


_register_reuse()
