"""The corpus store: one DuckDB file holding messages, channels, the ingest log and analysis results.

This module is the only place that writes SQL against the store. Tables are a public contract (docs/formats.md):
users query them directly. Each file's ingest runs in one transaction, so a crash, ``kill -9`` or bad record
leaves the store exactly as it was before that file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import InputError, NarrascopeError, StoreError, UsageError
from ..ingest.base import IngestOptions, ReadContext
from ..ingest.detect import Unit, plan, reader, require
from ..ingest.walk import regular_files_under
from ..models import MESSAGE_SCHEMA
from .attributes import ChannelAttributeStore
from .batches import record_batches
from .health import check_file, check_size, damage_error, open_error, rollback_quietly
from .merge import Merge, absorb_name_twins, merge_channels
from .migrations import migrate, schema_version
from .privacy import PERSONAL_CHAT_TYPES, reidentify_channels
from .pseudonym import KEY_BYTES, Pseudonymiser, new_key, parse_key
from .results import ResultStore
from .summary import store_summary

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport", "parse_when"]

DEFAULT_DB = "corpus.duckdb"
#: kinds analyses see by default; ``service`` rows (joins, pins) are kept but left out.
CONTENT_KINDS = ("post", "comment", "article", "caption")

#: DuckDB's buffer limit for a writable store: merges spill to disk beyond it (keeps ingest under ~1 GB RSS).
INGEST_MEMORY_LIMIT = "256MB"

ProgressFn = Callable[[Path, int, int], None]
"""progress(unit path, bytes done, bytes total)."""


@dataclass
class FileResult:
    """What happened to one ingest unit."""

    path: str
    format: str | None
    status: str  # "ok", "failed", or "skipped" (a file in a walked folder that is in no format narrascope reads)
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    ingest_id: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileResult]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "skipped"]

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "added", "updated", "skipped", "duplicates")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"files": [asdict(f) for f in self.files], "totals": self.totals()}


# In a folder unit (Telegram HTML export, instaloader folder) these files carry the content; media files are skipped
# so that hashing a folder of videos does not take longer than reading its messages.
_DATA_SUFFIXES = {".html", ".json", ".xz", ".txt"}


def _unit_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    # no links followed inside a folder unit: a link out of it must not be read, hashed or looped through
    return [p for p in regular_files_under(path) if p.suffix.lower() in _DATA_SUFFIXES]


def _unit_size(path: Path) -> int:
    return sum(p.stat().st_size for p in _unit_files(path))


def parse_when(value: str | datetime, option: str = "date") -> datetime:
    """A date or timestamp from the command line or API as an aware UTC datetime; naive values are UTC."""
    if isinstance(value, datetime):
        when = value
    else:
        text = str(value).strip()
        try:
            when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise UsageError(f"{option} {text!r} is not a date: write it as 2024-01-31 or 2024-01-31T12:00:00Z") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def _sha256(path: Path) -> str:
    """SHA-256 of the file, or of a folder's data files (relative names included, so renames change it)."""
    h = hashlib.sha256()
    for f in _unit_files(path):
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


class Corpus:
    """A corpus store. Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

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
                    corpus._remove_stale_spools()
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
        unless ``options.strict``, which raises at the first bad unit (earlier units stay ingested)."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        options = options or IngestOptions()
        units = plan([Path(p) for p in paths], options.format, follow_links=options.follow_links)
        results: list[FileResult] = []
        for unit in units:
            if unit.skipped:
                results.append(FileResult(str(unit.path), None, "skipped", error=unit.problem))
                continue
            try:
                results.append(self._ingest_unit(unit, options, progress))
            except NarrascopeError as exc:
                if options.strict or len(units) == 1:
                    raise
                results.append(FileResult(str(unit.path), unit.format, "failed", error=str(exc)))
        return IngestReport(results)

    def _channel_names(self) -> set[tuple[str, str]]:
        """(platform, name) of every stored channel that is not a one-to-one chat (whose name is a person's)."""
        rows = self._con.execute(
            "SELECT DISTINCT platform, name FROM channels WHERE name IS NOT NULL AND coalesce(type, '') NOT IN "
            f"({', '.join(repr(t) for t in sorted(PERSONAL_CHAT_TYPES))})"
        ).fetchall()
        return {(p, n) for p, n in rows}

    def _known_channel_ids(self) -> dict[tuple[str, str], str]:
        """(platform, name) -> id for channels whose name is unambiguous and whose id is real."""
        rows = self._con.execute(
            "SELECT platform, name, any_value(channel_id) FROM channels "
            "WHERE name IS NOT NULL AND channel_id NOT LIKE 'name:%' GROUP BY platform, name HAVING count(*) = 1"
        ).fetchall()
        return {(p, n): c for p, n, c in rows}

    def _spool_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.ingest-{os.getpid()}.parquet")

    def _remove_stale_spools(self) -> None:
        """Spool files left by killed processes (their pid is gone) are deleted at open."""
        for f in self.path.parent.glob(f".{self.path.name}.ingest-*.parquet"):
            pid = f.name.rsplit("-", 1)[-1].split(".")[0]
            if pid.isdigit() and not _pid_alive(int(pid)):
                f.unlink(missing_ok=True)

    def _ingest_unit(self, unit: Unit, options: IngestOptions, progress: ProgressFn | None) -> FileResult:
        """Read the unit into a Parquet spool file (bounded memory; a bad record stops here, before the store is
        touched), then merge the spool into the store in one transaction."""
        fmt = require(unit)
        mod = reader(fmt)
        total = _unit_size(unit.path)
        sha = _sha256(unit.path)
        started = datetime.now(UTC)
        cb = (lambda done: progress(unit.path, done, total)) if progress else None
        ctx = ReadContext(unit.path, options, cb)
        pseudo = Pseudonymiser(self.export_key(), keep=options.keep_authors)
        con = self._con
        row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
        ingest_id = int(row[0]) if row else 1
        known = self._known_channel_ids()
        spool = self._spool_path()
        try:
            rows_read = 0
            with pq.ParquetWriter(spool, MESSAGE_SCHEMA, compression="zstd") as writer:
                for table in record_batches(mod.read(unit.path, ctx), ctx, ingest_id, options.batch_size, pseudo,
                                            known, self._channel_names()):
                    rows_read += table.num_rows
                    writer.write_table(table)
            if rows_read == 0 and not ctx.channels:
                raise InputError("holds no messages", path=unit.path)
            ctx.closing_notes()
            con.execute("BEGIN TRANSACTION")
            try:
                # the same chat stored earlier from an HTML export (no id) becomes this channel first
                incoming = [(c.platform, known.get((c.platform, c.channel_id[5:]), c.channel_id)
                             if c.channel_id.startswith("name:") else c.channel_id, c.name)
                            for c in ctx.channels.values()]
                for merged in absorb_name_twins(con, f"read_parquet('{_sql_str(spool)}')", incoming):
                    ctx.note(merged.note())
                counts = self._merge(spool)
                self._upsert_channels(ctx, ingest_id, known)
                back = reidentify_channels(con, pseudo, {(c.platform, c.name) for c in ctx.channels.values()
                                                         if c.name and c.type not in PERSONAL_CHAT_TYPES})
                if back:
                    ctx.note(f"{back} earlier forward(s) from a channel of this file had its name pseudonymised "
                             "(the store did not know it was a channel): the name is now restored")
                con.execute(
                    "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?)",
                    [ingest_id, str(unit.path), sha, fmt, started, datetime.now(UTC), rows_read,
                     counts["added"], counts["updated"], counts["skipped"], counts["duplicates"], ctx.tz_used,
                     options.keep_authors, json.dumps({"format": options.format, "tz": options.tz, **ctx.extra}),
                     "; ".join(ctx.notes) or None, __version__],
                )
                con.execute("COMMIT")
            except BaseException:
                rollback_quietly(con)
                raise
        finally:
            spool.unlink(missing_ok=True)
        return FileResult(str(unit.path), fmt, "ok", rows_read=rows_read, ingest_id=ingest_id, notes=ctx.notes,
                          added=counts["added"], updated=counts["updated"], skipped=counts["skipped"],
                          duplicates=counts["duplicates"])

    def _merge(self, spool: Path) -> dict[str, int]:
        """Upsert the spooled rows into messages: new uids are added, newer edits replace older, the rest skipped.

        Only narrow (uid, row number) sets are materialised; the wide rows stream from the spool straight into
        ``messages``, so memory stays bounded whatever the file's size.
        """
        con = self._con
        src = f"read_parquet('{_sql_str(spool)}', file_row_number = true)"
        # Within one file keep the latest edit of each message; the others are duplicates.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _keep AS
            SELECT uid, arg_max(file_row_number, (coalesce(edited_at, posted_at), file_row_number)) AS row_no,
                   max(coalesce(edited_at, posted_at)) AS version, count(*) AS copies
            FROM {src} GROUP BY uid"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _verdict AS
            SELECT k.uid, k.row_no, CASE WHEN m.uid IS NULL THEN 'add'
                                         WHEN k.version > coalesce(m.edited_at, m.posted_at) THEN 'update'
                                         ELSE 'skip' END AS v, k.copies
            FROM _keep k LEFT JOIN messages m USING (uid)"""
        )
        counts = dict(con.execute("SELECT v, count(*) FROM _verdict GROUP BY v").fetchall())
        dup_row = con.execute("SELECT coalesce(sum(copies - 1), 0) FROM _verdict").fetchone()
        duplicates = int(dup_row[0]) if dup_row else 0
        con.execute("DELETE FROM messages WHERE uid IN (SELECT uid FROM _verdict WHERE v = 'update')")
        con.execute(
            f"""INSERT INTO messages SELECT * EXCLUDE (file_row_number) FROM {src}
            WHERE file_row_number IN (SELECT row_no FROM _verdict WHERE v <> 'skip')"""
        )
        con.execute("DROP TABLE _verdict")
        con.execute("DROP TABLE _keep")
        return {
            "added": counts.get("add", 0),
            "updated": counts.get("update", 0),
            "skipped": counts.get("skip", 0) + duplicates,
            "duplicates": duplicates,
        }

    def _upsert_channels(self, ctx: ReadContext, ingest_id: int, known: dict[tuple[str, str], str]) -> None:
        for ch in ctx.channels.values():
            if ch.channel_id.startswith("name:"):
                ch = replace(ch, channel_id=known.get((ch.platform, ch.channel_id[5:]), ch.channel_id))
            self._con.execute(
                """INSERT INTO channels VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (platform, channel_id) DO UPDATE SET
                    name = coalesce(excluded.name, channels.name), type = coalesce(excluded.type, channels.type)""",
                [ch.platform, ch.channel_id, ch.name, ch.type, ingest_id],
            )

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
            where = (where + " AND " if where else "WHERE ") + "length(trim(coalesce(text, ''))) > 0"
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
                        batch_rows: int = 50_000, memory_limit: str | None = None) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` of the messages in Arrow record batches, in one total order (posted_at, channel_id,
        message_id, uid; missing values last), for analyses over corpora larger than memory. With
        ``memory_limit`` (e.g. ``"1GB"``) DuckDB's memory is capped while the batches stream (its sort spills to
        disk beyond it); the connection's own limit is restored, and the cache released, once they are done."""
        cols = list(columns)
        bad = [c for c in cols if c not in MESSAGE_SCHEMA.names]
        if bad:
            raise UsageError(f"unknown column(s) {', '.join(bad)}: columns are {', '.join(MESSAGE_SCHEMA.names)}")
        if memory_limit:
            _check_size(memory_limit)
        where, params = self._filters(None, None, since, until, kinds)
        order = ", ".join(f"{c} NULLS LAST" for c in ("posted_at", "channel_id", "message_id", "uid"))
        query = f"SELECT {', '.join(cols)} FROM messages {where} ORDER BY {order}"
        return self._stream(query, params, batch_rows, memory_limit)

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
        self._con.execute(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            self._con.execute("SET memory_limit = '64MB'")  # lowering the limit evicts the cached blocks
            if self.read_only:
                self._con.execute("RESET memory_limit")
            else:  # the limit open() set (current_setting prints it rounded: not a value to set back)
                self._con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")

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
