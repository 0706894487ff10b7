"""Is this file a usable store? Checks made before DuckDB opens it, and DuckDB's own failures told apart.

A store file damaged on disk must give one accurate line, not "in use by another process" (a corrupt block's message
contains "block", which a search for "lock" once matched) nor a crash in the middle of a command. Three layers:

- :func:`check_file` before opening: not a regular file, a folder that does not exist, no write permission, not a
  DuckDB file; :func:`check_size` right after: a file shorter than the blocks it uses (cut short by a copy or a
  full disk);
- :func:`open_error` classifies DuckDB's refusal to open (another process's lock vs. damage vs. permissions);
- :func:`damage_error` classifies a DuckDB error raised later, while reading (a checksum or short read of a damaged
  block), so the CLI can report it in one line (exit 2) instead of as an internal error.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import duckdb

from ..errors import StoreError, StoreVersionError

__all__ = ["check_file", "check_size", "damage_error", "is_duckdb_file", "open_error", "rollback_quietly"]

_FIXED = 3 * 4096  # the main header and two database headers, then blocks
#: DuckDB's own words when another process holds the file (never just "lock": "block" contains it).
_LOCK_MARKERS = ("could not set lock", "conflicting lock")
_DAMAGE_MARKERS = ("could not read enough bytes", "corrupt", "checksum", "invalid block", "not a valid duckdb",
                   "unexpected end", "failed to read", "serialization error", "database file", "could not read")
_FIX = "restore the store from a backup, or rebuild it by ingesting the exports again into a new --db"


def is_duckdb_file(path: Path) -> bool:
    """DuckDB files carry the magic bytes "DUCK" after an 8-byte checksum."""
    with path.open("rb") as fh:
        return fh.read(12)[8:12] == b"DUCK"


def check_file(path: Path, *, write: bool) -> None:
    """Refuse, with the real reason, a --db path DuckDB would fail on or misread."""
    if not path.exists():
        if not path.parent.exists():
            raise StoreError(f"the folder {path.parent} does not exist: create it first, or choose another --db path")
        if write and not os.access(path.parent, os.W_OK):
            raise StoreError(f"cannot create a store in {path.parent}: no write permission there; choose another "
                             "--db path")
        return
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise StoreError(f"{path} is a folder: --db takes the path of a .duckdb file")
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path} is not a regular file (a named pipe, socket or device): --db takes the path of a "
                         ".duckdb file")
    if not os.access(path, os.R_OK):
        raise StoreError(f"{path} cannot be read: no read permission (see its owner and mode with ls -l)")
    if write and not os.access(path, os.W_OK):
        raise StoreError(f"{path} is read-only for you: this command writes to the store (ingests, cached results); "
                         "make it writable (chmod u+w) or work on a copy")
    size = path.stat().st_size
    if size == 0:
        return  # an empty file becomes a new store
    if not is_duckdb_file(path):
        raise StoreVersionError(f"{path} is not a DuckDB store (a corpus store is a .duckdb file written by "
                                "narrascope): check the --db path")


def check_size(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A store file shorter than the blocks its tables use was cut short (an interrupted copy, a full disk).
    Checked right after opening: otherwise some commands work and others fail later on a missing block.

    DuckDB may drop free blocks from the end of the file, so a file shorter than ``total_blocks`` is only suspect;
    then the highest block any table's data lives in decides (read from metadata, not data). Skipped while a
    write-ahead log is pending (its blocks are not in the file yet)."""
    if Path(f"{path}.wal").exists():
        return
    row = con.execute("SELECT block_size, total_blocks FROM pragma_database_size() "
                      "WHERE database_name = current_database()").fetchone()
    if not row:
        return
    block_size, total = int(row[0]), int(row[1])
    size = path.stat().st_size
    if size >= _FIXED + total * block_size:
        return
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
    highest = -1
    for table in tables:
        quoted = table.replace("'", "''").replace('"', '""')
        found = con.execute(f"SELECT max(block_id) FROM pragma_storage_info('\"{quoted}\"') "
                            "WHERE block_id >= 0").fetchone()
        if found and found[0] is not None:
            highest = max(highest, int(found[0]))
    needed = _FIXED + (highest + 1) * block_size
    if size < needed:
        raise StoreError(f"{path} is cut short: {size:,} bytes where its tables need {needed:,} (an interrupted "
                         f"copy or a full disk); {_FIX}")


def open_error(exc: duckdb.Error, path: Path) -> StoreError:
    """The accurate one-line error for DuckDB refusing to open ``path``."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = msg.lower()
    if any(m in low for m in _LOCK_MARKERS):
        return StoreError(f"{path} is in use by another process: wait for it to finish or use another --db")
    if "permission denied" in low:
        return StoreError(f"{path} cannot be opened: permission denied (see its owner and mode with ls -l)")
    if "no such file or directory" in low:
        return StoreError(f"{path} cannot be created: the folder {path.parent} does not exist")
    if isinstance(exc, duckdb.IOException | duckdb.SerializationException) or any(m in low for m in _DAMAGE_MARKERS):
        return StoreError(f"{path} is damaged and cannot be opened ({_short(msg)}); {_FIX}")
    return StoreVersionError(f"{path} cannot be opened as a store ({_short(msg)}): choose another --db path")


def damage_error(exc: BaseException) -> StoreError | None:
    """A StoreError when ``exc`` is DuckDB reporting a damaged store file while reading it; None otherwise (a bug)."""
    if not isinstance(exc, duckdb.Error):
        return None
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = msg.lower()
    if isinstance(exc, duckdb.IOException) and any(m in low for m in _LOCK_MARKERS):
        return StoreError("the store is in use by another process: wait for it to finish or use another --db")
    if isinstance(exc, duckdb.IOException | duckdb.SerializationException) or (
            isinstance(exc, duckdb.InternalException | duckdb.FatalException)
            and any(m in low for m in _DAMAGE_MARKERS)):
        return StoreError(f"the store file is damaged: DuckDB could not read it ({_short(msg)}); {_FIX}")
    return None


def _short(msg: str, limit: int = 200) -> str:
    return msg if len(msg) <= limit else msg[:limit] + "…"


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK after a failure inside a transaction, without hiding that failure behind a second one (a damaged
    file or a lost connection can make ROLLBACK itself fail)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
