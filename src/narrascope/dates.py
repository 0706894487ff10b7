"""Dates and time bounds given on the command line or to the API (``--since``/``--until``).

One parser for every analysis, so a value its options accept is a value its filters understand. Kept free of
DuckDB and polars: options objects validate their bounds when the CLI builds them, and the CLI must start fast.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import UsageError

__all__ = ["parse_bounds", "parse_when"]


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


Bound = str | datetime | None


def parse_bounds(since: Bound, until: Bound) -> tuple[datetime | None, datetime | None]:
    """``since`` (inclusive) and ``until`` (exclusive) as UTC datetimes, None where not given; a bad value (an
    empty string too) raises :class:`UsageError` naming its flag. Options call it in ``__post_init__`` so a bad
    bound is refused before any work."""
    return (None if since is None else parse_when(since, "--since"),
            None if until is None else parse_when(until, "--until"))
