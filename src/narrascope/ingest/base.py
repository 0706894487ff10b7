"""What every reader shares: options, the per-file read context, time-zone handling.

A reader is a module with ``NAME``, ``sniff(path, head) -> bool`` and ``read(path, ctx) -> Iterator[dict]``.
``read`` yields canonical records (see :mod:`narrascope.models`) with raw author identities in ``author``;
the store pseudonymises them and computes ``uid``. Readers never touch the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import UsageError
from ..models import FWD_KIND, PERSON_MENTIONS, RECORD_FIELDS, Channel, timestamp_fields

__all__ = ["COLUMN_FIELDS", "Columns", "IngestOptions", "ReadContext", "parse_tz", "records_to_columns"]

Columns = dict[str, list[Any]]
"""A batch of records as columns: canonical field name (or reader hint) → values, one per record. Timestamps are
integer microseconds since the epoch (UTC); a column that is absent is null throughout."""

#: every column a reader may fill: the canonical fields and the privacy hints
COLUMN_FIELDS: tuple[str, ...] = (*RECORD_FIELDS, FWD_KIND, PERSON_MENTIONS)
_TIMESTAMPS = frozenset(timestamp_fields())
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return value  # None, or a value the store's last line of defence will refuse or clean


def records_to_columns(records: list[dict[str, Any]], names: tuple[str, ...] = COLUMN_FIELDS) -> Columns:
    """Records (dicts) as :data:`Columns` of ``names``."""
    return {name: [_micros(r.get(name)) for r in records] if name in _TIMESTAMPS else [r.get(name) for r in records]
            for name in names}


@dataclass(frozen=True)
class IngestOptions:
    """How files are read into the store. CLI flags of ``narrascope ingest`` mirror these fields."""

    format: str | None = None
    """Force a reader (``telegram_json``, ``telegram_html``, …) instead of auto-detection."""
    tz: str | None = None
    """IANA zone for timestamps written in local time without an offset (``date`` in old Telegram exports).
    None reads them as UTC and says so in the ingest log."""
    keep_authors: bool = False
    """Store individual authors' names as they are instead of keyed pseudonyms (recorded in the ingest log)."""
    strict: bool = False
    """Stop at the first bad file instead of ingesting the good ones and listing the bad."""
    mapping: tuple[tuple[str, str], ...] = ()
    """Column mapping for tables: pairs (canonical field, source column), e.g. (("text", "body"),)."""
    batch_size: int = 10_000
    """Records per Arrow batch on the way into the store (bounds memory)."""
    follow_links: bool = False
    """Follow symbolic links met inside folders (each folder and file is then read once: loops end). By default
    links inside a folder are listed as skipped, so nothing outside the folders given is read."""

    def __post_init__(self) -> None:
        # Refuse a bad zone before any file is read: readers only consult it on the first local timestamp, so a
        # typo would otherwise pass silently on exports that carry Unix times, or fail each file of a folder alone.
        parse_tz(self.tz)


def parse_tz(name: str | None) -> ZoneInfo | timezone:
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}: use an IANA name such as Asia/Tehran or Europe/Berlin") from None


@dataclass
class ReadContext:
    """Per-file state a reader fills while it reads: channels seen, notes for the ingest log, progress."""

    path: Path
    options: IngestOptions = field(default_factory=IngestOptions)
    progress: Callable[[int], None] | None = None
    """Called with the number of bytes consumed so far (readers call it every so often)."""
    channels: dict[tuple[str, str], Channel] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tz_used: str | None = None
    """Set by a reader that had to interpret local timestamps: the zone it used."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Reader-specific facts worth logging (e.g. the column mapping of a table)."""
    surrogates: int = 0
    """Lone UTF-16 surrogates (a message cut inside an emoji) replaced by U+FFFD while reading."""
    sha256: str | None = None
    """Set by a reader that hashed every byte of the file while reading it (the store then skips its own pass)."""

    def count_surrogates(self, n: int) -> None:
        self.surrogates += n

    def closing_notes(self) -> None:
        """Notes only known once the whole file is read (called by the store after the reader finishes)."""
        if self.surrogates:
            self.note(f"{self.surrogates:,} lone UTF-16 surrogate(s) (text cut inside an emoji) replaced by U+FFFD")
        if self.options.tz and self.tz_used is None:
            self.note(f"--tz {self.options.tz} not used: every timestamp in this file carries its offset or is UTC "
                      "by the format's definition")

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def add_channel(self, channel: Channel) -> None:
        key = (channel.platform, channel.channel_id)
        old = self.channels.get(key)
        if old is None or (channel.name and not old.name):
            self.channels[key] = channel

    def local_to_utc(self, naive: datetime) -> datetime:
        """Interpret a naive local timestamp in the ``--tz`` zone (UTC when none) and record which zone was used."""
        zone = parse_tz(self.options.tz)
        if self.tz_used is None:
            self.tz_used = self.options.tz or "UTC"
            if not self.options.tz:
                self.note("local timestamps read as UTC (no --tz given)")
        return naive.replace(tzinfo=zone).astimezone(UTC)
