"""The ingest runner: files and folders into the store, one atomic unit at a time.

For each unit (a file, or a folder a reader takes whole): plan the reader, read into a Parquet spool file beside the
store (bounded memory; a bad record stops here, before the store is touched), then merge the spool into ``messages``
in one transaction together with the channels and the ingest log row. A crash, ``kill -9`` or bad record leaves the
store exactly as it was before that unit. Spool files of killed processes are removed at the next open.

Every core works. A large file whose reader can cut it into parts (Telegram Desktop JSON) is read one part per
core, each into its own spool file (:mod:`~narrascope.store.ingest_parts`). Otherwise the reader (Python) builds
Arrow batches on the calling thread while a second thread computes the script and lang columns (polars) and encodes
Parquet, which release the GIL (:mod:`~narrascope.store.spool`). Readers that hand out column batches
(:func:`~narrascope.ingest.telegram_json.read_columns`) skip per-record dicts entirely, and may hash the file in
their reading pass (``ReadContext.sha256``) so the file is read once.

:class:`~narrascope.store.corpus.Corpus` is the public face: ``corpus.ingest(...)`` delegates here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .._version import __version__
from ..errors import InputError, NarrascopeError
from ..ingest.base import IngestOptions, ReadContext
from ..ingest.detect import Unit, column_reader, folder_data_suffixes, plan, reader, require
from ..ingest.walk import regular_files_under
from .batches import column_batches, record_batches
from .health import rollback_quietly
from .ingest_parts import spool_parts
from .merge import absorb_name_twins
from .privacy import PERSONAL_CHAT_TYPES, reidentify_channels
from .pseudonym import Pseudonymiser
from .spool import Spool, remove_stale_spools, spool_path, write_spool

__all__ = ["FileResult", "IngestReport", "ProgressFn", "merge_spool", "remove_stale_spools", "run_ingest",
           "unit_sha256"]

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


# ----------------------------------------------------------------------------------------------- units and hashes
def _unit_files(path: Path, fmt: str) -> list[Path]:
    if not path.is_dir():
        return [path]
    # In a folder unit (Telegram HTML export, instaloader folder) the reader's data files carry the content; media
    # files are skipped so that hashing a folder of videos does not take longer than reading its messages. No
    # links are followed inside a folder unit: a link out of it must not be read, hashed or looped through.
    suffixes = folder_data_suffixes(fmt)
    return [p for p in regular_files_under(path) if p.suffix.lower() in suffixes]


def unit_sha256(path: Path, fmt: str) -> str:
    """SHA-256 of the file, or of a folder's data files (relative names included, so renames change it)."""
    h = hashlib.sha256()
    for f in _unit_files(path, fmt):
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------- the run
def run_ingest(con: duckdb.DuckDBPyConnection, db: Path, key: Callable[[], str], paths: Iterable[str | Path],
               options: IngestOptions, progress: ProgressFn | None = None) -> IngestReport:
    """Ingest files and folders into the store open on ``con`` (at ``db``; ``key()`` gives its pseudonym key).
    Each unit is atomic; a bad unit is reported and the rest go on, unless ``options.strict``, which raises at the
    first bad unit (earlier units stay ingested)."""
    units = plan([Path(p) for p in paths], options.format, follow_links=options.follow_links)
    results: list[FileResult] = []
    for unit in units:
        if unit.skipped:
            results.append(FileResult(str(unit.path), None, "skipped", error=unit.problem))
            continue
        try:
            results.append(_ingest_unit(con, db, key, unit, options, progress))
        except NarrascopeError as exc:
            if options.strict or len(units) == 1:
                raise
            results.append(FileResult(str(unit.path), unit.format, "failed", error=str(exc)))
    return IngestReport(results)


def _channel_names(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(platform, name) of every stored channel that is not a one-to-one chat (whose name is a person's)."""
    rows = con.execute(
        "SELECT DISTINCT platform, name FROM channels WHERE name IS NOT NULL AND coalesce(type, '') NOT IN "
        f"({', '.join(repr(t) for t in sorted(PERSONAL_CHAT_TYPES))})"
    ).fetchall()
    return {(p, n) for p, n in rows}


def _known_channel_ids(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(platform, name) -> id for channels whose name is unambiguous and whose id is real."""
    rows = con.execute(
        "SELECT platform, name, any_value(channel_id) FROM channels "
        "WHERE name IS NOT NULL AND channel_id NOT LIKE 'name:%' GROUP BY platform, name HAVING count(*) = 1"
    ).fetchall()
    return {(p, n): c for p, n, c in rows}


def _tables(unit: Unit, fmt: str, ctx: ReadContext, ingest_id: int, options: IngestOptions, pseudo: Pseudonymiser,
            known: dict[tuple[str, str], str], names: set[tuple[str, str]]) -> Iterator[pa.Table]:
    """The unit's rows as Arrow tables (without script columns): column batches where the reader offers them."""
    columns = column_reader(fmt)
    batches = columns.read_columns(unit.path, ctx, options.batch_size) if columns is not None else None
    if batches is not None:
        return column_batches(batches, ctx, ingest_id, pseudo, known, names)
    return record_batches(reader(fmt).read(unit.path, ctx), ctx, ingest_id, options.batch_size, pseudo, known, names)


def _ingest_unit(con: duckdb.DuckDBPyConnection, db: Path, key: Callable[[], str], unit: Unit,
                 options: IngestOptions, progress: ProgressFn | None) -> FileResult:
    fmt = require(unit)
    total = sum(p.stat().st_size for p in _unit_files(unit.path, fmt))
    started = datetime.now(UTC)
    cb = (lambda done: progress(unit.path, done, total)) if progress else None
    ctx = ReadContext(unit.path, options, cb)
    secret = key()
    pseudo = Pseudonymiser(secret, keep=options.keep_authors)
    row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
    ingest_id = int(row[0]) if row else 1
    known = _known_channel_ids(con)
    spool = Spool((spool_path(db),), (0,))
    try:
        names = _channel_names(con)
        parts = spool_parts(unit.path, fmt, ctx, options, db, secret, ingest_id, known, names)
        if parts is not None:
            spool = parts
        else:
            spool = Spool(spool.files, (write_spool(_tables(unit, fmt, ctx, ingest_id, options, pseudo, known, names),
                                                    spool.files[0]),))
        if spool.total == 0 and not ctx.channels:
            raise InputError("holds no messages", path=unit.path)
        sha = ctx.sha256 or unit_sha256(unit.path, fmt)
        ctx.closing_notes()
        with _one_thread(con):
            counts = _merge_unit(con, unit, fmt, ctx, options, spool, pseudo, ingest_id, known, sha, started)
    finally:
        spool.remove()
    return FileResult(str(unit.path), fmt, "ok", rows_read=spool.total, ingest_id=ingest_id, notes=ctx.notes,
                      added=counts["added"], updated=counts["updated"], skipped=counts["skipped"],
                      duplicates=counts["duplicates"])


@contextlib.contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread: measured on 100 MB of Desktop JSON rows, inserting them into ``messages`` on two
    threads took twice the CPU of one thread, and more time (each thread builds its own row groups)."""
    row = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(row[0]) if row else os.cpu_count() or 1}")


def _merge_unit(con: duckdb.DuckDBPyConnection, unit: Unit, fmt: str, ctx: ReadContext, options: IngestOptions,
                spool: Spool, pseudo: Pseudonymiser, ingest_id: int, known: dict[tuple[str, str], str], sha: str,
                started: datetime) -> dict[str, int]:
    """The unit's one transaction: its rows, channels and ingest log row; nothing of it when anything fails."""
    con.execute("BEGIN TRANSACTION")
    try:
        # the same chat stored earlier from an HTML export (no id) becomes this channel first
        incoming = [(c.platform, known.get((c.platform, c.channel_id[5:]), c.channel_id)
                     if c.channel_id.startswith("name:") else c.channel_id, c.name)
                    for c in ctx.channels.values()]
        for merged in absorb_name_twins(con, spool.relation(), incoming):
            ctx.note(merged.note())
        counts = merge_spool(con, spool)
        _upsert_channels(con, ctx, ingest_id, known)
        back = reidentify_channels(con, pseudo, {(c.platform, c.name) for c in ctx.channels.values()
                                                 if c.name and c.type not in PERSONAL_CHAT_TYPES})
        if back:
            ctx.note(f"{back} earlier forward(s) from a channel of this file had its name pseudonymised "
                     "(the store did not know it was a channel): the name is now restored")
        con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?)",
            [ingest_id, str(unit.path), sha, fmt, started, datetime.now(UTC), spool.total,
             counts["added"], counts["updated"], counts["skipped"], counts["duplicates"], ctx.tz_used,
             options.keep_authors, json.dumps({"format": options.format, "tz": options.tz, **ctx.extra}),
             "; ".join(ctx.notes) or None, __version__],
        )
        con.execute("COMMIT")
    except BaseException:
        rollback_quietly(con)
        raise
    return counts


def merge_spool(con: duckdb.DuckDBPyConnection, spool: Spool) -> dict[str, int]:
    """Upsert the spooled rows into messages: new uids are added, newer edits replace older, the rest skipped.

    Only narrow (uid, row number) sets are materialised; the wide rows stream from the spool straight into
    ``messages``, so memory stays bounded whatever the file's size.
    """
    src = spool.numbered()
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
    if set(counts) <= {"add"} and not duplicates:  # every row is new (a first ingest): no filter to apply
        con.execute(f"INSERT INTO messages SELECT * FROM {spool.relation()}")
    else:
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


def _upsert_channels(con: duckdb.DuckDBPyConnection, ctx: ReadContext, ingest_id: int,
                     known: dict[tuple[str, str], str]) -> None:
    for ch in ctx.channels.values():
        if ch.channel_id.startswith("name:"):
            ch = replace(ch, channel_id=known.get((ch.platform, ch.channel_id[5:]), ch.channel_id))
        con.execute(
            """INSERT INTO channels VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (platform, channel_id) DO UPDATE SET
                name = coalesce(excluded.name, channels.name), type = coalesce(excluded.type, channels.type)""",
            [ch.platform, ch.channel_id, ch.name, ch.type, ingest_id],
        )

