"""The store at a glance: what ``narrascope info`` shows (counts, date range, channels, merges, the ingest log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from .merge import name_twins
from .migrations import schema_version

__all__ = ["store_summary"]


def store_summary(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Counts by platform, channel, month and kind; date range; scripts; merged channels and possible duplicates
    (``name:<title>`` channels from HTML exports beside a channel with an id and that title); the ingest log."""

    def rows(q: str) -> list[dict[str, Any]]:
        cur = con.execute(q)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    total = con.execute("SELECT count(*) FROM messages").fetchone()[0]  # type: ignore[index]
    rng = con.execute(
        "SELECT strftime(min(posted_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'), "
        "strftime(max(posted_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM messages"
    ).fetchone()
    return {
        "store": str(path),
        "schema_version": schema_version(con),
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
        "merged_channels": rows(
            "SELECT strftime(merged_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS merged_at, platform, from_id, "
            "into_id, messages, shared, how FROM channel_merges ORDER BY merged_at"
        ),
        "unmerged_twins": name_twins(con),
        "ingests": rows(
            "SELECT ingest_id, source_file, format, strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') "
            "AS finished_at, rows_read, added, updated, skipped, duplicates, status, tz, keep_authors, notes, sha256 "
            "FROM ingests ORDER BY ingest_id"
        ),
    }
