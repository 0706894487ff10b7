"""The corpus store: one DuckDB file holding messages, channels, the ingest log and analysis results.

This module is the only place that writes SQL against the store. Tables are a public contract (docs/formats.md):
users query them directly. Each file's ingest runs in one transaction, so a crash, ``kill -9`` or bad record
leaves the store exactly as it was before that file.
"""

from __future__ import annotations

import hashlib
import json

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from .. import __version__
from ..errors import InputError, NarrascopeError, StoreError, StoreVersionError, UsageError
from ..ingest.base import IngestOptions, ReadContext
from ..ingest.detect import Unit, plan, reader, require
from ..models import MESSAGE_SCHEMA, make_uid
from ..text.script import LANG_SQL, SCRIPT_SQL
from .migrations import migrate
from .pseudonym import Pseudonymiser, new_key, parse_key
from .results import ResultStore

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport"]

DEFAULT_DB = "corpus.duckdb"
#: kinds analyses see by default; ``service`` rows (joins, pins) are kept but left out.
CONTENT_KINDS = ("post", "comment", "article", "caption")

ProgressFn = Callable[[Path, int, int], None]
"""progress(unit path, bytes done, bytes total)."""


@dataclass
class FileResult:
    """What happened to one ingest unit."""

    path: str
    format: str | None
    status: str  # "ok" or "failed"
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

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "added", "updated", "skipped", "duplicates")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"files": [asdict(f) for f in self.files], "totals": self.totals()}


def _unit_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.suffix.lower() in {".html", ".json"})
    return path.stat().st_size


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            if f.suffix.lower() != ".html":
                continue
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
        """Open (and, unless ``create=False``, create) the store at ``path``, migrating it if older."""
        p = Path(path)
        if not p.exists() and (read_only or not create):
            raise StoreError(f"no corpus store at {p}: run `narrascope ingest PATH --db {p}` first")
        if p.is_dir():
            raise StoreError(f"{p} is a folder: --db takes the path of a .duckdb file")
        try:
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as exc:
            msg = str(exc).splitlines()[0]
            if "lock" in msg.lower():
                raise StoreError(f"{p} is in use by another process: wait for it or use another --db") from None
            raise StoreVersionError(f"{p} is not a DuckDB store ({msg}): choose another --db path") from None
        except duckdb.Error as exc:
            raise StoreVersionError(f"{p} cannot be opened as a store: {str(exc).splitlines()[0]}") from None
        try:
            migrate(con, read_only=read_only)
            corpus = cls(con, p, read_only)
            if not read_only:
                corpus._ensure_key()
        except BaseException:
            con.close()
            raise
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

    def state_token(self) -> str:
        """Changes whenever the messages change (any ingest): part of every cached result's key."""
        row = self._con.execute("SELECT coalesce(max(ingest_id), 0), count(*) FROM ingests").fetchone()
        return f"i{row[0]}-{row[1]}" if row else "i0"

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection, for read queries beyond this API."""
        return self._con

    def sql(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run a query against the store and return a polars DataFrame."""
        return self._con.sql(query, params=params or None).pl()

    # ------------------------------------------------------------------ meta and key
    def _meta(self, key: str) -> str | None:
        row = self._con.execute("SELECT value FROM narrascope_meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._con.execute("INSERT OR REPLACE INTO narrascope_meta VALUES (?, ?)", [key, value])

    def _ensure_key(self) -> None:
        if self._meta("pseudonym_key") is None:
            self._set_meta("pseudonym_key", new_key())

    @property
    def schema_version(self) -> int:
        return int(self._meta("schema_version") or 0)

    def export_key(self) -> str:
        """The store's pseudonym key (hex). Import it into another store so both give authors the same pseudonyms."""
        key = self._meta("pseudonym_key")
        if key is None:
            raise StoreError("this store has no pseudonym key yet: open it once without read-only")
        return key

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
        units = plan([Path(p) for p in paths], options.format)
        results: list[FileResult] = []
        for unit in units:
            try:
                results.append(self._ingest_unit(unit, options, progress))
            except NarrascopeError as exc:
                if options.strict or len(units) == 1:
                    raise
                results.append(FileResult(str(unit.path), unit.format, "failed", error=str(exc)))
        return IngestReport(results)

    def _batches(self, records: Iterator[dict[str, Any]], ctx: ReadContext, ingest_id: int, size: int,
                 pseudo: Pseudonymiser) -> Iterator[pa.Table]:
        known = self._known_channel_ids()
        source = str(ctx.path)
        batch: list[dict[str, Any]] = []
        for rec in records:
            platform = rec["platform"]
            cid = rec["channel_id"]
            if cid.startswith("name:"):  # reader could not see the id (Telegram HTML): reuse a known one
                cid = rec["channel_id"] = known.get((platform, cid[5:]), cid)
            rec["uid"] = make_uid(platform, cid, rec["message_id"])
            rec["author"] = pseudo(platform, rec.get("author"))
            rec["source_file"] = source
            rec["ingest_id"] = ingest_id
            batch.append(rec)
            if len(batch) >= size:
                yield pa.Table.from_pylist(batch, schema=MESSAGE_SCHEMA)
                batch = []
        if batch:
            yield pa.Table.from_pylist(batch, schema=MESSAGE_SCHEMA)

    def _known_channel_ids(self) -> dict[tuple[str, str], str]:
        """(platform, name) -> id for channels whose name is unambiguous and whose id is real."""
        rows = self._con.execute(
            "SELECT platform, name, any_value(channel_id) FROM channels "
            "WHERE name IS NOT NULL AND channel_id NOT LIKE 'name:%' GROUP BY platform, name HAVING count(*) = 1"
        ).fetchall()
        return {(p, n): c for p, n, c in rows}

    def _ingest_unit(self, unit: Unit, options: IngestOptions, progress: ProgressFn | None) -> FileResult:
        fmt = require(unit)
        mod = reader(fmt)
        total = _unit_size(unit.path)
        sha = _sha256(unit.path)
        started = datetime.now(timezone.utc)
        cb = (lambda done: progress(unit.path, done, total)) if progress else None
        ctx = ReadContext(unit.path, options, cb)
        pseudo = Pseudonymiser(self.export_key(), keep=options.keep_authors)
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            ingest_id = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()[0]  # type: ignore[index]
            con.execute("CREATE OR REPLACE TEMP TABLE staging AS SELECT * FROM messages LIMIT 0")
            rows_read = 0
            for table in self._batches(mod.read(unit.path, ctx), ctx, ingest_id, options.batch_size, pseudo):
                rows_read += table.num_rows
                con.register("_batch", table)
                con.execute("INSERT INTO staging SELECT * FROM _batch")
                con.unregister("_batch")
            if rows_read == 0 and not ctx.channels:
                raise InputError("holds no messages", path=unit.path)
            counts = self._merge(ingest_id)
            self._upsert_channels(ctx, ingest_id)
            con.execute(
                "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?)",
                [ingest_id, str(unit.path), sha, fmt, started, datetime.now(timezone.utc), rows_read,
                 counts["added"], counts["updated"], counts["skipped"], counts["duplicates"], ctx.tz_used,
                 options.keep_authors, json.dumps({"format": options.format, "tz": options.tz, **ctx.extra}),
                 "; ".join(ctx.notes) or None, __version__],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DROP TABLE IF EXISTS staging")
            con.execute("DROP TABLE IF EXISTS fresh")
        return FileResult(str(unit.path), fmt, "ok", rows_read=rows_read, ingest_id=ingest_id, notes=ctx.notes, **counts)

    def _merge(self, ingest_id: int) -> dict[str, int]:
        """Upsert staging into messages: new uids are added, newer edits replace older, the rest are skipped."""
        con = self._con
        # Within one file keep the latest edit of each message; the others are duplicates.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fresh AS
            SELECT * REPLACE ({SCRIPT_SQL} AS script) FROM staging
            QUALIFY row_number() OVER (PARTITION BY uid ORDER BY edited_at DESC NULLS LAST) = 1"""
        )
        con.execute(f"UPDATE fresh SET lang = {LANG_SQL} WHERE lang IS NULL")
        staged = con.execute("SELECT count(*) FROM staging").fetchone()[0]  # type: ignore[index]
        fresh = con.execute("SELECT count(*) FROM fresh").fetchone()[0]  # type: ignore[index]
        con.execute(
            """CREATE OR REPLACE TEMP TABLE verdict AS
            SELECT f.uid, CASE WHEN m.uid IS NULL THEN 'add'
                               WHEN coalesce(f.edited_at, f.posted_at) > coalesce(m.edited_at, m.posted_at) THEN 'update'
                               ELSE 'skip' END AS v
            FROM fresh f LEFT JOIN messages m USING (uid)"""
        )
        counts = dict(con.execute("SELECT v, count(*) FROM verdict GROUP BY v").fetchall())
        con.execute("DELETE FROM messages WHERE uid IN (SELECT uid FROM verdict WHERE v = 'update')")
        con.execute("INSERT INTO messages SELECT * FROM fresh WHERE uid IN (SELECT uid FROM verdict WHERE v <> 'skip')")
        con.execute("DROP TABLE verdict")
        return {
            "added": counts.get("add", 0),
            "updated": counts.get("update", 0),
            "skipped": counts.get("skip", 0) + (staged - fresh),
            "duplicates": staged - fresh,
        }

    def _upsert_channels(self, ctx: ReadContext, ingest_id: int) -> None:
        for ch in ctx.channels.values():
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
    ) -> pl.DataFrame:
        """Messages as a polars DataFrame (``.to_pandas()`` converts). Service rows are left out unless
        ``kinds=None``; ``channel`` matches the channel id or name; ``since`` inclusive, ``until`` exclusive."""
        cols = list(columns) if columns else list(MESSAGE_SCHEMA.names)
        bad = [c for c in cols if c not in MESSAGE_SCHEMA.names]
        if bad:
            raise UsageError(f"unknown column(s) {', '.join(bad)}: columns are {', '.join(MESSAGE_SCHEMA.names)}")
        where, params = self._filters(platform, channel, since, until, kinds)
        q = f"SELECT {', '.join(cols)} FROM messages {where} ORDER BY posted_at, channel_id, message_id"
        if limit is not None:
            q += f" LIMIT {int(limit)}"
        return self.sql(q, params)

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
            clauses.append("posted_at >= CAST(? AS TIMESTAMPTZ)")
            params.append(str(since))
        if until:
            clauses.append("posted_at < CAST(? AS TIMESTAMPTZ)")
            params.append(str(until))
        if kinds is not None:
            ks = list(kinds)
            clauses.append(f"kind IN ({', '.join('?' for _ in ks)})")
            params += ks
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def info(self) -> dict[str, Any]:
        """Counts by platform, channel, month and kind; date range; scripts; the ingest log. JSON-ready."""
        con = self._con

        def rows(q: str) -> list[dict[str, Any]]:
            cur = con.execute(q)
            names = [d[0] for d in cur.description]  # type: ignore[union-attr]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        total = con.execute("SELECT count(*) FROM messages").fetchone()[0]  # type: ignore[index]
        rng = con.execute(
            "SELECT strftime(min(posted_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'), "
            "strftime(max(posted_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM messages"
        ).fetchone()
        return {
            "store": str(self.path),
            "schema_version": self.schema_version,
            "messages": total,
            "first": rng[0] if rng else None,
            "last": rng[1] if rng else None,
            "by_platform": rows("SELECT platform, count(*) AS messages FROM messages GROUP BY 1 ORDER BY 2 DESC, 1"),
            "by_kind": rows("SELECT kind, count(*) AS messages FROM messages GROUP BY 1 ORDER BY 2 DESC, 1"),
            "by_script": rows(
                "SELECT coalesce(script, 'none') AS script, coalesce(lang, '') AS lang, count(*) AS messages "
                "FROM messages GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
            ),
            "by_channel": rows(
                "SELECT m.platform, m.channel_id, coalesce(c.name, any_value(m.channel)) AS channel, "
                "count(*) AS messages, strftime(min(m.posted_at) AT TIME ZONE 'UTC', '%Y-%m-%d') AS first, "
                "strftime(max(m.posted_at) AT TIME ZONE 'UTC', '%Y-%m-%d') AS last "
                "FROM messages m LEFT JOIN channels c USING (platform, channel_id) "
                "GROUP BY m.platform, m.channel_id, c.name ORDER BY messages DESC, channel"
            ),
            "by_month": rows(
                "SELECT strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m') AS month, platform, channel_id, "
                "count(*) AS messages FROM messages WHERE kind <> 'service' AND posted_at IS NOT NULL "
                "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            ),
            "ingests": rows(
                "SELECT ingest_id, source_file, format, strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') "
                "AS finished_at, rows_read, added, updated, skipped, duplicates, status, tz, keep_authors, notes, sha256 "
                "FROM ingests ORDER BY ingest_id"
            ),
        }


