"""Stored analysis results: Arrow tables saved under (analysis, key), so repeated queries are instant.

``key`` is chosen by the analysis and must change whenever anything that affects the rows changes (e.g. the
lexicon's content hash plus the normalisation table version plus the corpus's ingest state). Rows live in
``result_<analysis>`` with leading ``result_key`` and ``result_row`` columns — a public table users may query like
any other. ``result_row`` keeps the saved row order: the store writes with DuckDB's ``preserve_insertion_order`` off,
so without it a reloaded result could come back shuffled.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import pyarrow as pa

from .._version import __version__
from ..errors import UsageError
from .health import rollback_quietly

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["ResultStore", "load_tables"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_ROW = "result_row"


def _fingerprint(schema: pa.Schema) -> str:
    # Arrow's string/binary views (polars' zero-copy export) store as the same columns as their plain forms
    text = str(schema).replace("string_view", "large_string").replace("binary_view", "large_binary")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ResultStore:
    """Save and load analysis results inside a corpus store (used through ``Corpus.results``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    @staticmethod
    def _table(analysis: str) -> str:
        if not _NAME.match(analysis):
            raise UsageError(f"invalid analysis name {analysis!r}: lowercase letters, digits and _ only")
        return f"result_{analysis}"

    def has(self, analysis: str, key: str) -> bool:
        row = self._con.execute(
            "SELECT 1 FROM results WHERE analysis = ? AND result_key = ?", [analysis, key]
        ).fetchone()
        return row is not None

    def save(self, analysis: str, key: str, table: pa.Table, params: dict[str, Any] | None = None) -> None:
        """Replace the rows stored under (analysis, key) with ``table``, atomically."""
        self.save_many({analysis: table}, key, {analysis: params} if params is not None else None)

    def save_many(self, tables: Mapping[str, pa.Table] | Iterable[tuple[str, pa.Table]], key: str,
                  params: dict[str, dict[str, Any] | None] | None = None) -> None:
        """Publish several analyses' rows under one key in a single transaction: a run killed or failing
        half-way leaves every earlier result in force and none of this run's (``params`` per analysis).
        ``tables`` may be an iterator of (analysis, table), so that only one table need be in Arrow form at once."""
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            for analysis, table in tables.items() if isinstance(tables, Mapping) else tables:
                self._replace(analysis, key, table, (params or {}).get(analysis))
                del table  # before the iterator makes the next one
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise

    def _replace(self, analysis: str, key: str, table: pa.Table, params: dict[str, Any] | None) -> None:
        name = self._table(analysis)
        fp = _fingerprint(table.schema)
        con = self._con
        old = con.execute(
            "SELECT DISTINCT schema_fingerprint FROM results WHERE analysis = ?", [analysis]
        ).fetchall()
        if old and any(r[0] != fp for r in old):
            # The analysis changed its row shape (a new narrascope version): old rows cannot share the table.
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute("DELETE FROM results WHERE analysis = ?", [analysis])
        elif self._exists(name) and "result_row" not in self._columns(name):
            # Written by narrascope 0.1, before rows were numbered: those results are recomputed, not mis-ordered.
            con.execute(f"DROP TABLE {name}")
            con.execute("DELETE FROM results WHERE analysis = ?", [analysis])
        numbered = table.append_column(_ROW, pa.array(range(table.num_rows), pa.int64()))
        con.register("_result_rows", numbered)
        try:
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {name} AS SELECT CAST(NULL AS VARCHAR) AS result_key, {_ROW}, "
                f"* EXCLUDE ({_ROW}) FROM _result_rows LIMIT 0"
            )
            con.execute(f"DELETE FROM {name} WHERE result_key = ?", [key])
            con.execute(f"INSERT INTO {name} SELECT ?, {_ROW}, * EXCLUDE ({_ROW}) FROM _result_rows", [key])
        finally:
            con.unregister("_result_rows")
        con.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
            [analysis, key, datetime.now(UTC), json.dumps(params or {}, ensure_ascii=False, default=str),
             table.num_rows, fp, __version__],
        )

    def touch(self, analysis: str, key: str) -> None:
        """Make the stored (analysis, key) the most recent of its analysis (what "latest run" readers show)."""
        self._con.execute("UPDATE results SET created_at = ? WHERE analysis = ? AND result_key = ?",
                          [datetime.now(UTC), analysis, key])

    def params(self, analysis: str, key: str) -> dict[str, Any]:
        """The parameters saved with (analysis, key); empty when there are none."""
        row = self._con.execute("SELECT params FROM results WHERE analysis = ? AND result_key = ?",
                                [analysis, key]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def load(self, analysis: str, key: str) -> pa.Table | None:
        """The rows saved under (analysis, key), without the key column; None when there are none."""
        if not self.has(analysis, key):
            return None
        name = self._table(analysis)
        # execute, not sql(): a relation's Arrow result ignored ORDER BY with insertion order off (DuckDB 1.5)
        order = f"ORDER BY {_ROW}" if _ROW in self._columns(name) else ""  # 0.1 tables: as they were written
        excluded = f"result_key, {_ROW}" if order else "result_key"
        return self._con.execute(f"SELECT * EXCLUDE ({excluded}) FROM {name} WHERE result_key = ? {order}",
                                 [key]).to_arrow_table()

    def _exists(self, name: str) -> bool:
        return bool(self._columns(name))

    def _columns(self, name: str) -> list[str]:
        rows = self._con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                 "AND schema_name = current_schema()", [name]).fetchall()
        return [r[0] for r in rows]

    def list(self, analysis: str | None = None) -> list[dict[str, Any]]:
        q = "SELECT analysis, result_key, created_at, params, rows FROM results"
        args: list[Any] = []
        if analysis:
            q += " WHERE analysis = ?"
            args.append(analysis)
        cur = self._con.execute(q + " ORDER BY created_at", args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def load_tables(corpus: Corpus, prefix: str, names: Iterable[str], key: str) -> dict[str, pl.DataFrame] | None:
    """Every table ``<prefix>_<name>`` of one run (``key``) as polars frames, in the order they were saved; None
    when any is missing (the run was never saved whole, or the analysis changed its row shape since).

    Timestamps come back in UTC: DuckDB labels the same instants "Etc/UTC", which polars does not treat as equal."""
    tables: dict[str, pl.DataFrame] = {}
    for name in names:
        table = corpus.results.load(f"{prefix}_{name}", key)
        if table is None:
            return None
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        tables[name] = frame.with_columns(pl.col(c).dt.convert_time_zone("UTC") for c, t in frame.schema.items()
                                          if isinstance(t, pl.Datetime) and t.time_zone)
    return tables
