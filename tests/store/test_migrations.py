"""Migrations that move data: a store of the previous version keeps every row."""

from __future__ import annotations

import duckdb

from narrascope.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate


def _store_at(path, version: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for v in range(1, version + 1):
        for statement in MIGRATIONS[v]:
            con.execute(statement)
    con.execute("INSERT OR REPLACE INTO narrascope_meta VALUES ('schema_version', ?)", [str(version)])
    return con


def test_search_docs_are_copied_whole_when_their_texts_become_uncompressed(tmp_path):
    version = next(v for v, statements in MIGRATIONS.items()
                   if any("search_docs_compressed" in s for s in statements))
    con = _store_at(tmp_path / "old.duckdb", version - 1)
    con.execute("INSERT INTO search_docs (rid, src_rowid, uid, channel_id, message_id, text, norm) "
                "SELECT i, 100 + i, md5(i::VARCHAR), 'c' || (i % 3), 'https://example.org/news/' || i, "
                "'text number ' || i || ' with <b>some</b> words', 'text ' || i FROM range(5000) t(i) "
                "ORDER BY random()")
    before = con.execute("SELECT * FROM search_docs ORDER BY rid").fetchall()
    assert migrate(con) == version - 1 <= SCHEMA_VERSION
    assert con.execute("SELECT * FROM search_docs ORDER BY rid").fetchall() == before
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'search_docs_compressed'"
                       ).fetchone() == (0,)
    con.execute("CREATE TEMP TABLE kept AS SELECT * FROM search_docs")
    con.execute("DELETE FROM search_docs")  # as an index rebuild does: the columns keep their storage
    con.execute("INSERT INTO search_docs SELECT * FROM kept ORDER BY rid")
    con.execute("CHECKPOINT")
    for column in ("text", "uid", "message_id"):  # what a page reads of scattered rows
        assert {r[0] for r in con.execute("SELECT compression FROM pragma_storage_info('search_docs') WHERE "
                                          "column_name = ? AND segment_type = 'VARCHAR'", [column]).fetchall()
                } == {"Uncompressed"}, column
    con.close()
