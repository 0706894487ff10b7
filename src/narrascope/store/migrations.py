"""Registered schema migrations of the corpus store.

Each migration is a list of SQL statements that takes the schema from version N-1 to N; they are frozen history:
change the schema by appending a migration, never by editing one. ``narrascope_meta.schema_version`` records
where a store stands. A store newer than this code is refused with an actionable message.
"""

from __future__ import annotations

import duckdb

from ..errors import StoreVersionError
from .health import rollback_quietly

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]

_V1 = [
    """CREATE TABLE narrascope_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE messages (
        uid VARCHAR NOT NULL,
        platform VARCHAR NOT NULL,
        channel_id VARCHAR NOT NULL,
        channel VARCHAR,
        message_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        posted_at TIMESTAMPTZ,
        edited_at TIMESTAMPTZ,
        author VARCHAR,
        text VARCHAR,
        title VARCHAR,
        url VARCHAR,
        lang VARCHAR,
        script VARCHAR,
        reply_to VARCHAR,
        fwd_from_name VARCHAR,
        fwd_from_id VARCHAR,
        fwd_from_message_id VARCHAR,
        fwd_posted_at TIMESTAMPTZ,
        links VARCHAR[],
        mentions VARCHAR[],
        hashtags VARCHAR[],
        views BIGINT,
        forwards BIGINT,
        reactions BIGINT,
        media_type VARCHAR,
        source_file VARCHAR,
        ingest_id BIGINT
    )""",
    """CREATE TABLE channels (
        platform VARCHAR NOT NULL,
        channel_id VARCHAR NOT NULL,
        name VARCHAR,
        type VARCHAR,
        first_ingest_id BIGINT,
        PRIMARY KEY (platform, channel_id)
    )""",
    """CREATE TABLE ingests (
        ingest_id BIGINT PRIMARY KEY,
        source_file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        rows_read BIGINT NOT NULL,
        added BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        skipped BIGINT NOT NULL,
        duplicates BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        tz VARCHAR,
        keep_authors BOOLEAN NOT NULL,
        options VARCHAR,
        notes VARCHAR,
        narrascope_version VARCHAR
    )""",
]

# Analysis results: each analysis keeps its rows in a table ``result_<analysis>`` (created on first save from the
# rows' Arrow schema, with a leading ``result_key`` column); this registry says which keys exist and with what
# parameters, so a repeated query is answered from the store and changed parameters recompute.
_V2 = [
    """CREATE TABLE results (
        analysis VARCHAR NOT NULL,
        result_key VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        params VARCHAR,
        rows BIGINT NOT NULL,
        schema_fingerprint VARCHAR NOT NULL,
        narrascope_version VARCHAR,
        PRIMARY KEY (analysis, result_key)
    )""",
]

# Channel attributes supplied by the user (`narrascope channels set-attributes`), in long form: one row per channel
# and attribute, so any column of the user's table fits without a schema change. A row of the user's table that
# names no channel of the store is kept with ``in_store = false`` (its identifiers as given), so channels outside
# the corpus (a forward's origin) can carry attributes too; ``entry`` numbers the user's rows (identity of a channel
# not in the store), ``position`` keeps the user's column order.
_CHANNEL_ATTRIBUTES = [
    """CREATE TABLE channel_attributes (
        platform VARCHAR,
        channel_id VARCHAR,
        in_store BOOLEAN NOT NULL,
        name VARCHAR,
        entry INTEGER NOT NULL,
        key VARCHAR NOT NULL,
        value VARCHAR,
        position INTEGER NOT NULL,
        source VARCHAR,
        set_at TIMESTAMPTZ NOT NULL
    )""",
]

# The web interface (narrascope serve): human coding of validation samples, saved decision by decision, and the
# search index (every message's list columns in newest-first order with its matching form, and its words; rebuilt
# when the corpus changes). The server
# writes only these tables and results. Self-contained: refers to no other migration's tables.
_CODING_AND_SEARCH = [
    """CREATE TABLE coding_lexicons (
        lexicon_hash VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        filename VARCHAR,
        format VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        added_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE coding_samples (
        sample VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        frame VARCHAR NOT NULL,
        lexicon_hash VARCHAR NOT NULL,
        params VARCHAR,
        created_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE coding_items (
        sample VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        sample_id VARCHAR NOT NULL,
        uid VARCHAR NOT NULL,
        text VARCHAR,
        channel VARCHAR,
        posted_at VARCHAR,
        link VARCHAR,
        matched_terms VARCHAR,
        dictionary VARCHAR,
        frame VARCHAR NOT NULL,
        stratum VARCHAR NOT NULL,
        stratum_size VARCHAR NOT NULL,
        stratum_sampled VARCHAR NOT NULL,
        inclusion_probability VARCHAR,
        lexicon VARCHAR NOT NULL,
        "check" VARCHAR NOT NULL,
        PRIMARY KEY (sample, sample_id)
    )""",
    """CREATE TABLE coding_labels (
        sample VARCHAR NOT NULL,
        sample_id VARCHAR NOT NULL,
        coder VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        note VARCHAR,
        seq BIGINT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (sample, sample_id, coder)
    )""",
    """CREATE TABLE coding_events (
        seq BIGINT PRIMARY KEY,
        sample VARCHAR NOT NULL,
        sample_id VARCHAR NOT NULL,
        coder VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        label VARCHAR,
        note VARCHAR,
        happened_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE coding_adjudications (
        sample VARCHAR NOT NULL,
        sample_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        note VARCHAR,
        adjudicator VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (sample, sample_id)
    )""",
    """CREATE TABLE search_state (
        index_key VARCHAR NOT NULL,
        built_at TIMESTAMPTZ NOT NULL,
        docs BIGINT NOT NULL,
        tokens BIGINT NOT NULL
    )""",
    """CREATE TABLE search_docs (
        rid INTEGER NOT NULL,
        src_rowid BIGINT NOT NULL,
        uid VARCHAR NOT NULL,
        platform VARCHAR,
        channel_id VARCHAR,
        channel VARCHAR,
        message_id VARCHAR,
        kind VARCHAR,
        posted_at TIMESTAMPTZ,
        author VARCHAR,
        text VARCHAR,
        views BIGINT,
        forwards BIGINT,
        fwd_from_name VARCHAR,
        lang VARCHAR,
        script VARCHAR,
        norm VARCHAR
    )""",
    """CREATE TABLE search_tokens (token VARCHAR NOT NULL, rid INTEGER NOT NULL)""",
    """CREATE TABLE search_bigrams (bigram VARCHAR NOT NULL, rid INTEGER NOT NULL)""",
]

# The search index's uid directory, sorted by uid: a message page finds its row in milliseconds (zone maps over the
# sorted column) instead of scanning every uid of the messages table (~50 ms of CPU per page on 1 M messages).
_SEARCH_UIDS = [
    """CREATE TABLE search_uids (uid VARCHAR NOT NULL, rid INTEGER NOT NULL, src_rowid BIGINT NOT NULL)""",
]

#: version -> statements taking the store from version-1 to version.
# Channels merged because two exports of one chat were filed apart (an HTML export carries no chat id): what was
# merged into what, when, how many messages moved and how many the two held in common (narrascope.store.merge).
_CHANNEL_MERGES = [
    """CREATE TABLE channel_merges (
        merged_at TIMESTAMPTZ NOT NULL,
        platform VARCHAR NOT NULL,
        from_id VARCHAR NOT NULL,
        into_id VARCHAR NOT NULL,
        messages BIGINT NOT NULL,
        shared BIGINT NOT NULL,
        how VARCHAR
    )""",
]

# The search index's texts, uids and message ids stored uncompressed: a page of search results reads fifty rows
# scattered over the table, and DuckDB decodes a compressed (FSST) string vector up to the row it wants —
# measured on 1 M messages, fifty scattered rows took ~11 ms of CPU compressed and ~6 ms uncompressed, for ~130 MB
# more on disk. The table is copied as it is (same rows and order): no index rebuild.
_SEARCH_DOC_COLUMNS = ("rid, src_rowid, uid, platform, channel_id, channel, message_id, kind, posted_at, author, "
                       "text, views, forwards, fwd_from_name, lang, script, norm")
_SEARCH_TEXT_UNCOMPRESSED = [
    "ALTER TABLE search_docs RENAME TO search_docs_compressed",
    """CREATE TABLE search_docs (
        rid INTEGER NOT NULL,
        src_rowid BIGINT NOT NULL,
        uid VARCHAR NOT NULL USING COMPRESSION uncompressed,
        platform VARCHAR,
        channel_id VARCHAR,
        channel VARCHAR,
        message_id VARCHAR USING COMPRESSION uncompressed,
        kind VARCHAR,
        posted_at TIMESTAMPTZ,
        author VARCHAR,
        text VARCHAR USING COMPRESSION uncompressed,
        views BIGINT,
        forwards BIGINT,
        fwd_from_name VARCHAR,
        lang VARCHAR,
        script VARCHAR,
        norm VARCHAR
    )""",
    f"INSERT INTO search_docs ({_SEARCH_DOC_COLUMNS}) SELECT {_SEARCH_DOC_COLUMNS} FROM search_docs_compressed "
    "ORDER BY rid",
    "DROP TABLE search_docs_compressed",
]

#: version -> statements taking the store from version-1 to version.
MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2, 3: _CHANNEL_ATTRIBUTES, 4: _CODING_AND_SEARCH,
                                     5: _CHANNEL_MERGES, 6: _SEARCH_UIDS, 7: _SEARCH_TEXT_UNCOMPRESSED}
SCHEMA_VERSION = max(MIGRATIONS)


def _meta_version(con: duckdb.DuckDBPyConnection) -> int:
    """``schema_version`` from narrascope_meta; a damaged value is a one-line StoreVersionError, not a crash."""
    try:
        row = con.execute("SELECT value FROM narrascope_meta WHERE key = 'schema_version'").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):
        raise StoreVersionError("this store's narrascope_meta table is damaged (no key/value columns): restore the "
                                "store from a backup, or rebuild it by ingesting again") from None
    if row is None:
        raise StoreVersionError("this store's narrascope_meta has no schema_version row (the table was edited or "
                                "damaged): restore the store from a backup, or rebuild it by ingesting again")
    value = str(row[0]).strip()
    if not value.isdigit():
        raise StoreVersionError(f"this store's schema_version is {value[:40]!r}, not a number (narrascope_meta was "
                                "edited or damaged): restore the store from a backup, or rebuild it by ingesting again")
    return int(value)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "narrascope_meta" not in tables:
        if tables:
            raise StoreVersionError(
                "this DuckDB file is not a narrascope store (it has other tables): choose another --db path"
            )
        return 0
    return _meta_version(con)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open store (checked when it was opened)."""
    return _meta_version(con)


def migrate(con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> int:
    """Bring the store to :data:`SCHEMA_VERSION`; returns the version found before."""
    found = current_version(con)
    if found > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the store has schema version {found}, newer than this narrascope understands ({SCHEMA_VERSION}): "
            "upgrade narrascope (pip install -U narrascope)"
        )
    if found == SCHEMA_VERSION:
        return found
    if read_only:
        raise StoreVersionError(
            f"the store has schema version {found} and needs migrating to {SCHEMA_VERSION}: open it once without read-only"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            con.execute(
                "INSERT OR REPLACE INTO narrascope_meta VALUES ('schema_version', ?)", [str(version)]
            )
        con.execute("COMMIT")
    except BaseException:
        rollback_quietly(con)
        raise
    return found
