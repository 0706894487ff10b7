"""What frame shares can be grouped by, and the name of "any frame": constants only, so the CLI can build its
flags (and --help) without importing polars."""

from __future__ import annotations

__all__ = ["ANY", "ENTITY_GROUPS", "GROUPS", "PERIODS"]

ANY = "any frame"
PERIODS = ("day", "week", "month", "quarter", "year")
ENTITY_GROUPS = ("channel", "channel_id", "platform", "author", "kind", "lang", "script")
GROUPS = ENTITY_GROUPS + PERIODS
