"""Any table (CSV, TSV, JSON lines, Parquet, Excel) mapped onto the canonical record.

``--map text=body,posted_at=created,channel=source`` names the column behind each canonical field; fields left
unmapped are guessed from common column names (:data:`GUESSES`). The mapping used, the table's kind, encoding
and delimiter and each timestamp column's form (ISO 8601, epoch seconds or milliseconds) go to the ingest log
(``ctx.extra``, stored in ``ingests.options``) and its notes. Missing pieces have stable defaults: no
``message_id`` column → the row number (stable while the file's row order is); no channel → the file's stem;
no ``platform`` column → ``"table"`` (the source is unknown; map a column to say otherwise).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..models import KINDS, RECORD_FIELDS, Channel, empty_record
from .base import ReadContext
from .tabular_io import TableSource, TimestampParser, open_table, table_kind, to_int
from .telegram_common import dedupe, text_fields

__all__ = ["DEFAULT_PLATFORM", "GUESSES", "MAPPABLE", "NAME", "read", "resolve_mapping", "sniff"]

NAME = "table"
DEFAULT_PLATFORM = "table"

#: Canonical fields a column can feed (uid, script and provenance are computed by the store).
MAPPABLE = tuple(f for f in RECORD_FIELDS if f not in ("uid", "script", "source_file", "ingest_id"))

#: Column names tried, in order and case-insensitively, for fields the mapping leaves out.
GUESSES: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "body", "content", "full_text", "caption"),
    "posted_at": ("posted_at", "date", "timestamp", "created_at", "created", "datetime", "published_at",
                  "published", "time"),
    "channel": ("channel", "channel_name", "source", "chat", "chat_name"),
    "channel_id": ("channel_id", "chat_id", "source_id"),
    "message_id": ("message_id", "id", "msg_id", "post_id"),
    "author": ("author", "author_name", "sender", "from"),
    "edited_at": ("edited_at", "edit_date", "edited"),
    "reply_to": ("reply_to", "reply_to_msg_id", "reply_to_message_id"),
    "views": ("views", "view_count"),
    "forwards": ("forwards", "forward_count", "shares"),
    "reactions": ("reactions", "reaction_count"),
    "url": ("url", "permalink"),
    "title": ("title", "headline"),
    "platform": ("platform",),
    "kind": ("kind",),
    "lang": ("lang", "language"),
    "media_type": ("media_type",),
    "links": ("links",),
    "mentions": ("mentions",),
    "hashtags": ("hashtags",),
    "fwd_from_name": ("fwd_from_name", "forwarded_from"),
    "fwd_from_id": ("fwd_from_id",),
    "fwd_from_message_id": ("fwd_from_message_id",),
    "fwd_posted_at": ("fwd_posted_at",),
}
_TIMES = ("posted_at", "edited_at", "fwd_posted_at")
_COUNTS = ("views", "forwards", "reactions")
_LISTS = ("links", "mentions", "hashtags")
_FLOAT_ID = re.compile(r"^(-?\d+)\.0+$")


def sniff(path: Path, head: bytes) -> bool:
    """Any CSV/TSV, JSON-lines, Parquet or Excel file this reader can open (tried last of all readers)."""
    return table_kind(path, head) is not None


def _column_list(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:40])
    return shown + (f", … ({len(columns)} in all)" if len(columns) > 40 else "")


def resolve_mapping(columns: list[str], mapping: tuple[tuple[str, str], ...], path: Path) -> tuple[dict[str, str], list[str]]:
    """(field → column, fields that were guessed). Raises UsageError for unknown fields and InputError for
    columns the file lacks or when no text column can be found."""
    by_lower = {c.lower(): c for c in columns}
    chosen: dict[str, str] = {}
    for field, column in mapping:
        if field not in MAPPABLE:
            raise UsageError(f"--map names unknown field {field!r}: fields are {', '.join(MAPPABLE)}")
        found = column if column in columns else by_lower.get(column.lower())
        if found is None:
            raise InputError(f"column {column!r} (mapped to {field}) is not in the file; its columns are "
                             f"{_column_list(columns)}: correct --map", path=path)
        chosen[field] = found
    guessed: list[str] = []
    used = set(chosen.values())
    for field, names in GUESSES.items():
        if field in chosen:
            continue
        found = next((by_lower[n] for n in names if n in by_lower and by_lower[n] not in used), None)
        if found is not None:
            chosen[field] = found
            used.add(found)
            guessed.append(field)
    if "text" not in chosen:
        raise InputError(f"no text column (looked for {', '.join(GUESSES['text'])}); its columns are "
                         f"{_column_list(columns)}: name one with --map text=COLUMN", path=path)
    return chosen, guessed


def _id(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    m = _FLOAT_ID.match(text)
    return (m.group(1) if m else text) or None


def _str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return text if text.strip() else None


def _list(value: Any) -> list[str]:
    """A list cell: a real list (JSON lines, Parquet), a JSON array in a string, or comma/space-separated items."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
            if isinstance(items, list):
                return [str(v) for v in items if v is not None and str(v).strip()]
        except ValueError:
            pass
    return [part for part in re.split(r"[,\s]+", text) if part]


def read(path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
    source, notes = open_table(path, ctx.progress)
    for note in notes:
        ctx.note(note)
    mapping, guessed = resolve_mapping(source.columns, ctx.options.mapping, path)
    ctx.extra["mapping"] = dict(mapping)
    ctx.extra["table"] = {"kind": source.kind, "encoding": source.encoding, "delimiter": source.delimiter}
    ctx.note(f"read as {source.describe()}")
    ctx.note("columns used: " + ", ".join(f"{f}={c}" + (" (guessed)" if f in guessed else "")
                                          for f, c in mapping.items()))
    if "message_id" not in mapping:
        ctx.note("no message_id column: row numbers used as ids (stable only while the row order is unchanged)")
    if "channel" not in mapping and "channel_id" not in mapping:
        ctx.note(f"no channel column: every row is put in channel {path.stem!r} (the file name)")
    if "posted_at" not in mapping:
        ctx.note("no timestamp column: posted_at left empty")
    yield from _records(source, mapping, ctx)


def _records(source: TableSource, mapping: dict[str, str], ctx: ReadContext) -> Iterator[dict[str, Any]]:
    to_record = _RowMapper(mapping, ctx)
    for n, row in source.rows():
        yield to_record(row, n)
    ctx.count_surrogates(source.surrogates)
    if to_record.missing_ids:
        ctx.note(f"{to_record.missing_ids} rows had an empty message_id: their row numbers were used")
    forms = {f: p.form for f, p in to_record.parsers.items() if p.form}
    ctx.extra["timestamps"] = forms
    for field, form in forms.items():
        ctx.note(f"{field} ({mapping[field]!r}) read as {form}")


class _RowMapper:
    """Turns rows into records; works out once per file which columns feed which fields and how."""

    def __init__(self, mapping: dict[str, str], ctx: ReadContext) -> None:
        self.ctx = ctx
        self.col = {f: mapping.get(f) for f in ("platform", "channel", "channel_id", "kind", "message_id", "text")}
        self.parsers = {f: TimestampParser(ctx.path, mapping[f], ctx.local_to_utc) for f in _TIMES if f in mapping}
        self.parse_cols = [(f, mapping[f], p) for f, p in self.parsers.items()]
        self.strs = [(f, mapping[f]) for f in ("author", "title", "url", "lang", "media_type", "fwd_from_name")
                     if f in mapping]
        self.ids = [(f, mapping[f]) for f in ("reply_to", "fwd_from_id", "fwd_from_message_id") if f in mapping]
        self.counts = [(f, mapping[f]) for f in _COUNTS if f in mapping]
        self.lists = [(i, f, mapping.get(f)) for i, f in enumerate(_LISTS)]
        self.extract = any(f not in mapping for f in _LISTS)
        self.seen: set[tuple[str, str]] = set()
        self.missing_ids = 0

    def get(self, row: Mapping[str, Any], field: str) -> Any:
        column = self.col[field]
        return None if column is None else row.get(column)

    def __call__(self, row: Mapping[str, Any], n: int) -> dict[str, Any]:
        rec = empty_record()
        platform = _str(self.get(row, "platform")) or DEFAULT_PLATFORM
        name = _str(self.get(row, "channel"))
        cid = _id(self.get(row, "channel_id"))
        if cid is None:
            cid = f"name:{name}" if name else f"name:{self.ctx.path.stem}"
            name = name or self.ctx.path.stem
        if (platform, cid) not in self.seen:
            self.seen.add((platform, cid))
            self.ctx.add_channel(Channel(platform, cid, name, None))
        message_id = _id(self.get(row, "message_id"))
        if message_id is None and self.col["message_id"] is not None:
            self.missing_ids += 1
        kind = _str(self.get(row, "kind"))
        rec.update(platform=platform, channel_id=cid, channel=name, message_id=message_id or str(n),
                   kind=kind if kind in KINDS else "post", text=_str(self.get(row, "text")) or "")
        for field, column, parse in self.parse_cols:
            rec[field] = parse(row.get(column), n)
        for field, column in self.strs:
            rec[field] = _str(row.get(column))
        for field, column in self.ids:
            rec[field] = _id(row.get(column))
        for field, column in self.counts:
            rec[field] = to_int(row.get(column))
        found = text_fields(rec["text"]) if self.extract and rec["text"] else None
        for i, field, list_column in self.lists:
            if list_column is not None:
                rec[field] = dedupe(_list(row.get(list_column)))
            elif found is not None:
                rec[field] = list(found[i])
        return rec
