"""The corpus store: one DuckDB file holding messages, channels, the ingest log and analysis results.

:class:`Corpus` is the public face of the store: opening (and migrating), the pseudonym key, queries over
messages, saved results, channel attributes and merges. Ingesting is delegated to
:mod:`narrascope.store.ingest_runner` (each file in one transaction, so a crash, ``kill -9`` or bad record leaves
the store exactly as it was before that file). Tables are a public contract (docs/formats.md): users query them
directly, but only store/ writes SQL against them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ..dates import parse_when  # re-exported: it lived here before narrascope.dates
from ..errors import StoreError, UsageError
from ..ingest.base import IngestOptions
from ..models import MESSAGE_SCHEMA
from .attributes import ChannelAttributeStore
from .health import check_file, check_size, damage_error, open_error, rollback_quietly
from .ingest_runner import FileResult, IngestReport, ProgressFn, remove_stale_spools, run_ingest
from .merge import Merge, merge_channels
from .migrations import migrate, schema_version
from .pseudonym import KEY_BYTES, Pseudonymiser, new_key, parse_key
from .results import ResultStore
from .summary import store_summary

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport", "ProgressFn", "parse_when"]

DEFAULT_DB = "corpus.duckdb"
#: kinds analyses see by default; ``service`` rows (joins, pins) are kept but left out.
CONTENT_KINDS = ("post", "comment", "article", "caption")
#: the order analyses stream messages in: one total order, missing values last
DOCUMENT_ORDER = ", ".join(f"{c} NULLS LAST" for c in ("posted_at", "channel_id", "message_id", "uid"))
#: messages with text (a media-only post carries no textual frame)
_HAS_TEXT = "length(trim(coalesce(text, ''))) > 0"

#: DuckDB's buffer limit for a writable store: merges spill to disk beyond it (keeps ingest under ~1 GB RSS).
INGEST_MEMORY_LIMIT = "256MB"


class Corpus:
    """A corpus store. Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._own_limit: str | None = None  # the connection's memory limit before any memory_capped block

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | Path = DEFAULT_DB, *, read_only: bool = False, create: bool = True) -> Corpus:
        """Open (and, unless ``create=False``, create) the store at ``path``, migrating it if older.

        A new store is created readable by its owner only (mode 600): it holds the pseudonym key."""
        p = Path(path)
        if not p.exists() and (read_only or not create):
            raise StoreError(f"no corpus store at {p}: run `narrascope ingest PATH --db {p}` first")
        check_file(p, write=not read_only)
        fresh = not p.exists() or p.stat().st_size == 0
        old_umask = os.umask(0o077) if fresh else None  # the file, and the WAL that first holds the key
        try:
            try:
                con = duckdb.connect(str(p), read_only=read_only)
            except duckdb.Error as exc:
                raise open_error(exc, p) from None
            try:
                con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would write into --json output
                check_size(con, p)
                migrate(con, read_only=read_only)
                corpus = cls(con, p, read_only)
                if not read_only:
                    con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
                    con.execute("SET preserve_insertion_order = false")
                    corpus._ensure_key()
                    if fresh:
                        con.execute("CHECKPOINT")  # the key leaves the WAL for the owner-only store file
                    remove_stale_spools(p)
            except duckdb.Error as exc:
                con.close()
                raise (damage_error(exc) or exc) from None
            except BaseException:
                con.close()
                raise
        finally:
            if old_umask is not None:
                os.umask(old_umask)
        return corpus

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def results(self) -> ResultStore:
        """Saved analysis results (see :mod:`narrascope.store.results`)."""
        return ResultStore(self._con)

    @property
    def channel_attributes(self) -> ChannelAttributeStore:
        """Channel attributes supplied by the user (see :mod:`narrascope.store.attributes`)."""
        if self.read_only:
            return ChannelAttributeStore(self._con)
        return ChannelAttributeStore(self._con, Pseudonymiser(self.export_key()))

    def state_token(self) -> str:
        """Changes whenever the messages change (any ingest, channel merge, or names given back to forwards by a
        channel table): part of every cached result's key."""
        row = self._con.execute("SELECT coalesce(max(ingest_id), 0), count(*), "
                                "(SELECT count(*) FROM channel_merges), "
                                "(SELECT max(value) FROM narrascope_meta WHERE key = 'revision') FROM ingests").fetchone()
        if not row:
            return "i0"
        return f"i{row[0]}-{row[1]}" + (f"-m{row[2]}" if row[2] else "") + (f"-r{row[3]}" if row[3] else "")

    def merge_channels(self, from_id: str, into_id: str, platform: str = "telegram") -> Merge:
        """Merge channel ``from_id`` (e.g. ``name:<title>`` from an HTML export) into ``into_id``, in one
        transaction; recorded in ``channel_merges``. See :mod:`narrascope.store.merge`."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        self._con.execute("BEGIN TRANSACTION")
        try:
            merged = merge_channels(self._con, from_id, into_id, platform)
            self._con.execute("COMMIT")
        except BaseException:
            rollback_quietly(self._con)
            raise
        return merged

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection, for read queries beyond this API."""
        return self._con

    def sql(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run a query against the store and return a polars DataFrame."""
        if params:  # execute, not sql(): with parameters, sql() lost ORDER BY when insertion order is off (DuckDB 1.5)
            return self._con.execute(query, params).pl()
        return self._con.sql(query).pl()

    # ------------------------------------------------------------------ meta and key
    def _meta(self, key: str) -> str | None:
        row = self._con.execute("SELECT value FROM narrascope_meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._con.execute("INSERT OR REPLACE INTO narrascope_meta VALUES (?, ?)", [key, value])

    def _ensure_key(self) -> None:
        """A new store gets a key. A store that lost its key while holding pseudonyms does not get a new one
        silently (its pseudonyms would stop matching): ingests and `key export` then say how to restore it."""
        if self._meta("pseudonym_key") is None and not self._has_pseudonyms():
            self._set_meta("pseudonym_key", new_key())

    def _has_pseudonyms(self) -> bool:
        row = self._con.execute("SELECT count(*) FROM (SELECT 1 FROM messages WHERE author IS NOT NULL LIMIT 1)").fetchone()
        return bool(row and row[0])

    @property
    def schema_version(self) -> int:
        return schema_version(self._con)

    def export_key(self) -> str:
        """The store's pseudonym key (hex). Import it into another store so both give authors the same pseudonyms."""
        key = self._meta("pseudonym_key")
        if key is None:
            if self._has_pseudonyms():
                raise StoreError(f"{self.path} has lost its pseudonym key (narrascope_meta was edited): import the key "
                                 "it was built with (`narrascope key import KEYFILE --force`), or rebuild the store")
            raise StoreError("this store has no pseudonym key yet: open it once without read-only")
        try:
            return parse_key(key)
        except UsageError:
            raise StoreError(f"{self.path}: the pseudonym key in narrascope_meta is damaged (not {KEY_BYTES * 2} "
                             "hexadecimal digits): import the key the store was built with (`narrascope key import "
                             "KEYFILE --force`), or rebuild the store") from None

    def import_key(self, key: str, *, force: bool = False) -> None:
        """Replace the pseudonym key. Refused once authors were pseudonymised, unless ``force``."""
        key = parse_key(key)
        n = self._con.execute("SELECT count(*) FROM messages WHERE author IS NOT NULL").fetchone()
        if n and n[0] and not force and key != self._meta("pseudonym_key"):
            raise UsageError(
                f"the store already holds {n[0]} pseudonymised authors; importing a key would mix two pseudonym "
                "schemes: import into an empty store, or pass --force"
            )
        self._set_meta("pseudonym_key", key)
        self._con.execute("CHECKPOINT")  # into the store file (owner-only), out of the write-ahead log

    # ------------------------------------------------------------------ ingest
    def ingest(
        self,
        paths: Iterable[str | Path],
        options: IngestOptions | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Ingest files and folders. Each unit is atomic; a bad unit is reported and the rest go on,
        unless ``options.strict``, which raises at the first bad unit (earlier units stay ingested).
        The work is done by :mod:`narrascope.store.ingest_runner`."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        return run_ingest(self._con, self.path, self.export_key, paths, options or IngestOptions(), progress)

    # ------------------------------------------------------------------ reading
    def messages(
        self,
        *,
        platform: str | None = None,
        channel: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        kinds: Iterable[str] | None = CONTENT_KINDS,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
        text_only: bool = False,
    ) -> pl.DataFrame:
        """Messages as a polars DataFrame (``.to_pandas()`` converts). Service rows are left out unless
        ``kinds=None``; ``channel`` matches the channel id or name; ``since`` inclusive, ``until`` exclusive;
        ``text_only`` leaves out messages without text (media-only posts), as frame shares do."""
        cols = list(columns) if columns else list(MESSAGE_SCHEMA.names)
        bad = [c for c in cols if c not in MESSAGE_SCHEMA.names]
        if bad:
            raise UsageError(f"unknown column(s) {', '.join(bad)}: columns are {', '.join(MESSAGE_SCHEMA.names)}")
        where, params = self._filters(platform, channel, since, until, kinds)
        if text_only:
            where = (where + " AND " if where else "WHERE ") + _HAS_TEXT
        q = f"SELECT {', '.join(cols)} FROM messages {where} ORDER BY posted_at, channel_id, message_id"
        if limit is not None:
            q += f" LIMIT {int(limit)}"
        return self.sql(q, params)

    def by_uid(self, uids: Iterable[str], columns: Iterable[str] = ("uid", "text")) -> pl.DataFrame:
        """The given messages (any kind), for display: e.g. the texts of a few matched or reused messages."""
        cols = list(columns)
        bad = [c for c in cols if c not in MESSAGE_SCHEMA.names]
        if bad:
            raise UsageError(f"unknown column(s) {', '.join(bad)}: columns are {', '.join(MESSAGE_SCHEMA.names)}")
        return self.sql(f"SELECT {', '.join(cols)} FROM messages WHERE uid IN (SELECT unnest(?))", [list(uids)])

    def count_messages(self, *, since: str | datetime | None = None, until: str | datetime | None = None,
                       kinds: Iterable[str] | None = CONTENT_KINDS) -> int:
        """How many messages :meth:`text_batches` would yield."""
        where, params = self._filters(None, None, since, until, kinds)
        row = self._con.execute(f"SELECT count(*) FROM messages {where}", params).fetchone()
        return int(row[0]) if row else 0

    def text_batches(self, *, since: str | datetime | None = None, until: str | datetime | None = None,
                     kinds: Iterable[str] | None = CONTENT_KINDS, batch_rows: int = 50_000) -> pa.RecordBatchReader:
        """Stream (uid, text) in Arrow record batches, in a stable order (posted_at, channel_id, message_id), so
        analyses can scan a corpus larger than memory."""
        where, params = self._filters(None, None, since, until, kinds)
        return self._con.execute(
            f"SELECT uid, text FROM messages {where} ORDER BY posted_at, channel_id, message_id", params
        ).to_arrow_reader(batch_rows)

    def message_batches(self, columns: Iterable[str], *, since: str | datetime | None = None,
                        until: str | datetime | None = None, kinds: Iterable[str] | None = CONTENT_KINDS,
                        batch_rows: int = 50_000, memory_limit: str | None = None,
                        text_only: bool = False, ordered: bool = True) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` of the messages in Arrow record batches, in document order (:data:`DOCUMENT_ORDER`),
        for analyses over corpora larger than memory. With ``memory_limit`` (e.g. ``"1GB"``) DuckDB's memory is
        capped while the batches stream (its sort spills to disk beyond it); the connection's own limit is
        restored, and the cache released, once they are done. ``text_only`` as in :meth:`messages`.
        ``ordered=False`` streams the rows as the store holds them, with no sort: for work whose result does not
        depend on order (sums), or that puts its few results in order afterwards (:meth:`document_order`) — on
        10 M messages the sort of the texts spilled 11 GB."""
        cols = list(columns)
        bad = [c for c in cols if c not in MESSAGE_SCHEMA.names]
        if bad:
            raise UsageError(f"unknown column(s) {', '.join(bad)}: columns are {', '.join(MESSAGE_SCHEMA.names)}")
        if memory_limit:
            _check_size(memory_limit)
        where, params = self._filters(None, None, since, until, kinds)
        if text_only:
            where = (where + " AND " if where else "WHERE ") + _HAS_TEXT
        query = f"SELECT {', '.join(cols)} FROM messages {where}" + (f" ORDER BY {DOCUMENT_ORDER}" if ordered else "")
        return self._stream(query, params, batch_rows, memory_limit)

    def document_order(self, uids: pa.Array) -> pa.Array:
        """The stored messages among ``uids``, each once, in document order (:meth:`message_batches`'s): puts
        results found over an unordered stream in order by sorting only the messages they concern."""
        name = f"_narrascope_uids_{id(uids):x}"
        self._con.register(name, pa.table({"uid": pc.unique(uids).cast(pa.string())}))
        try:
            return self._con.execute(f"SELECT uid FROM messages WHERE uid IN (SELECT uid FROM {name}) "
                                     f"ORDER BY {DOCUMENT_ORDER}").to_arrow_table().column("uid").combine_chunks()
        finally:
            self._con.unregister(name)

    def _stream(self, query: str, params: list[Any], batch_rows: int,
                memory_limit: str | None) -> Iterator[pa.RecordBatch]:
        if not memory_limit:
            yield from self._con.execute(query, params).to_arrow_reader(batch_rows)
            return
        with self.memory_capped(memory_limit):
            yield from self._con.execute(query, params).to_arrow_reader(batch_rows)

    @contextmanager
    def memory_capped(self, limit: str) -> Iterator[None]:
        """DuckDB's memory capped at ``limit`` (e.g. ``"512MB"``) inside the block: its sorts spill to disk beyond
        it, and the blocks a scan read (the texts, for a filter on them) are not kept. The connection's own limit is
        restored, and its cache released, at the end — a query over every text of a large store otherwise leaves
        DuckDB holding them (2.3 GB after reading the metadata of 1 M realistic messages, docs/benchmarks.md)."""
        _check_size(limit)
        if self._own_limit is None:
            # the limit open() set; for a read-only store DuckDB's default, as its buffer manager holds it (set
            # back explicitly: in DuckDB 1.5 RESET changes what current_setting reports but leaves the buffer
            # manager at the lowered limit — an export after a capped stream failed at 61 MiB)
            self._own_limit = (INGEST_MEMORY_LIMIT if not self.read_only else
                               str(self._con.execute("SELECT memory_limit FROM pragma_database_size()").fetchall()[0][0]))
        self._con.execute(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            self._con.execute("SET memory_limit = '64MB'")  # lowering the limit evicts the cached blocks
            self._con.execute(f"SET memory_limit = '{self._own_limit}'")

    @staticmethod
    def _filters(platform: str | None, channel: str | None, since: Any, until: Any,
                 kinds: Iterable[str] | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if platform:
            clauses.append("platform = ?")
            params.append(platform)
        if channel:
            clauses.append("(channel_id = ? OR channel = ?)")
            params += [channel, channel]
        if since:
            clauses.append("posted_at >= ?")
            params.append(parse_when(since, "--since"))
        if until:
            clauses.append("posted_at < ?")
            params.append(parse_when(until, "--until"))
        if kinds is not None:
            ks = list(kinds)
            clauses.append(f"kind IN ({', '.join('?' for _ in ks)})")
            params += ks
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def info(self) -> dict[str, Any]:
        """Counts by platform, channel, month and kind; date range; scripts; merged channels and possible
        duplicates; the ingest log. JSON-ready (see :func:`narrascope.store.summary.store_summary`)."""
        return store_summary(self._con, self.path)


def _check_size(limit: str) -> None:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit):
        raise UsageError(f"memory limit {limit!r} is not a size such as 512MB or 2GB")
