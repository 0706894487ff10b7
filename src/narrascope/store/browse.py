"""Read queries for browsing a corpus: filtered counts, pages of messages, one message and its forwards.

What the web interface shows comes from here (only store/ speaks SQL to the store). Every query is parameterised;
a filter is a frozen :class:`MessageFilter`, so one set of filters means the same rows on every page and export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import pyarrow as pa

from ..models import MESSAGE_SCHEMA
from .corpus import CONTENT_KINDS, Corpus, parse_when

__all__ = ["LIST_COLUMNS", "MessageFilter", "channels", "filter_sql", "forwards_of", "message", "message_page",
           "messages_by_uid", "messages_reader", "overview"]

#: Columns of a message list (the text is shown and highlighted; the rest is metadata).
LIST_COLUMNS = ["uid", "platform", "channel_id", "channel", "message_id", "kind", "posted_at", "author", "text",
                "views", "forwards", "fwd_from_name", "lang", "script"]


@dataclass(frozen=True)
class MessageFilter:
    """Which messages: channels (ids), platform, a period (``since`` inclusive, ``until`` exclusive, UTC), kinds
    (default: content, no service rows)."""

    channels: tuple[str, ...] = ()
    platform: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[str, ...] = CONTENT_KINDS

    @classmethod
    def parse(cls, channels: list[str] | tuple[str, ...] = (), platform: str | None = None,
              since: str | None = None, until: str | None = None) -> MessageFilter:
        """From form values (empty strings mean no filter); bad dates raise a one-line UsageError."""
        return cls(channels=tuple(c for c in channels if c), platform=platform or None,
                   since=parse_when(since, "since") if since else None,
                   until=parse_when(until, "until") if until else None)


def filter_sql(filt: MessageFilter, alias: str = "") -> tuple[str, list[Any]]:
    """WHERE clause (or "") and parameters for the filter, on columns of messages or search_docs."""
    p = f"{alias}." if alias else ""
    clauses: list[str] = []
    params: list[Any] = []
    # literal IN lists (not a subquery): DuckDB then pushes them into the scan and keeps top-N pages cheap
    if filt.channels:
        clauses.append(f"{p}channel_id IN ({', '.join('?' for _ in filt.channels)})")
        params += list(filt.channels)
    if filt.platform:
        clauses.append(f"{p}platform = ?")
        params.append(filt.platform)
    if filt.since:
        clauses.append(f"{p}posted_at >= ?")
        params.append(filt.since)
    if filt.until:
        clauses.append(f"{p}posted_at < ?")
        params.append(filt.until)
    if filt.kinds:
        clauses.append(f"{p}kind IN ({', '.join('?' for _ in filt.kinds)})")
        params += list(filt.kinds)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _dicts(corpus: Corpus, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = corpus.connection.execute(query, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def channels(corpus: Corpus) -> list[dict[str, Any]]:
    """Every channel with its display name and message count, busiest first (for filter menus)."""
    return _dicts(corpus, """
        SELECT m.platform, m.channel_id, coalesce(any_value(c.name), any_value(m.channel), m.channel_id) AS name,
               count(*) AS messages
        FROM messages m LEFT JOIN channels c USING (platform, channel_id)
        GROUP BY m.platform, m.channel_id ORDER BY messages DESC, name""", [])


def overview(corpus: Corpus, filt: MessageFilter) -> dict[str, Any]:
    """The report's corpus numbers for the filtered messages: totals, date range, per month, channel, kind,
    script and platform; ``undated``: the messages without a date, which the per-month counts leave out."""
    where, params = filter_sql(filt)
    base = f"FROM messages {where}"
    total = _dicts(corpus, f"SELECT count(*) AS messages, count(DISTINCT channel_id) AS channels, "
                           f"min(posted_at) AS first, max(posted_at) AS last, "
                           f"count(*) FILTER (WHERE length(trim(coalesce(text, ''))) > 0) AS with_text, "
                           f"count(*) FILTER (WHERE posted_at IS NULL) AS undated {base}",
                   params)[0]
    months = _dicts(corpus, f"SELECT strftime(posted_at AT TIME ZONE 'UTC', '%Y-%m') AS month, count(*) AS messages "
                            f"{base} {'AND' if where else 'WHERE'} posted_at IS NOT NULL GROUP BY 1 ORDER BY 1",
                    params)
    by_channel = _dicts(corpus, f"""
        SELECT m.platform, m.channel_id, coalesce(any_value(c.name), any_value(m.channel), m.channel_id) AS name,
               count(*) AS messages, min(m.posted_at) AS first, max(m.posted_at) AS last
        FROM (SELECT * {base}) m LEFT JOIN channels c USING (platform, channel_id)
        GROUP BY m.platform, m.channel_id ORDER BY messages DESC, name LIMIT 200""", params)
    by_kind = _dicts(corpus, f"SELECT kind, count(*) AS messages {base} GROUP BY 1 ORDER BY 2 DESC, 1", params)
    by_script = _dicts(corpus, f"SELECT coalesce(script, 'none') AS script, count(*) AS messages {base} "
                               "GROUP BY 1 ORDER BY 2 DESC, 1", params)
    by_platform = _dicts(corpus, f"SELECT platform, count(*) AS messages {base} GROUP BY 1 ORDER BY 2 DESC, 1",
                         params)
    return {**total, "months": months, "by_channel": by_channel, "by_kind": by_kind, "by_script": by_script,
            "by_platform": by_platform}


def message_page(corpus: Corpus, filt: MessageFilter, *, limit: int = 50, offset: int = 0) -> tuple[int, pl.DataFrame]:
    """(messages matching the filter, one page of them newest first)."""
    where, params = filter_sql(filt)
    cols = ", ".join(LIST_COLUMNS)
    page = corpus.sql(f"SELECT {cols} FROM messages {where} ORDER BY posted_at DESC NULLS LAST, channel_id, "
                      f"message_id LIMIT {int(limit)} OFFSET {int(offset)}", params)
    row = corpus.connection.execute(f"SELECT count(*) FROM messages {where}", params).fetchone()
    return (int(row[0]) if row else 0), page


def messages_by_uid(corpus: Corpus, uids: list[str], columns: list[str] | None = None) -> pl.DataFrame:
    """The given messages in the given order (the list columns by default)."""
    cols = list(columns or LIST_COLUMNS)
    frame = corpus.by_uid(uids, cols if "uid" in cols else ["uid", *cols])
    if not uids:
        return frame
    order = pl.DataFrame({"uid": uids, "_order": list(range(len(uids)))})
    return frame.join(order, on="uid").sort("_order").drop("_order")


def message(corpus: Corpus, uid: str, rowid: int | None = None) -> dict[str, Any] | None:
    """Every stored column of one message, with its channel's stored name, or None. ``rowid`` (from the search
    index) is a hint that reads the row directly instead of scanning for its uid; the uid is checked either way."""
    rows = _dicts(corpus, "SELECT * FROM messages WHERE rowid = ?", [int(rowid)]) if rowid is not None else []
    if not rows or rows[0]["uid"] != uid:
        rows = _dicts(corpus, "SELECT * FROM messages WHERE uid = ?", [uid])
    if not rows:
        return None
    msg = rows[0]
    channel = corpus.connection.execute("SELECT name, type FROM channels WHERE platform = ? AND channel_id = ?",
                                        [msg["platform"], msg["channel_id"]]).fetchone()
    msg["channel_name"], msg["channel_type"] = channel if channel else (None, None)
    return msg


def forwards_of(corpus: Corpus, msg: dict[str, Any], limit: int = 200) -> pl.DataFrame:
    """Messages whose forward metadata names this message (its channel id or name and its message id)."""
    names = [n for n in (msg.get("channel_name"), msg.get("channel")) if n]
    return corpus.sql(
        f"SELECT {', '.join(LIST_COLUMNS)} FROM messages WHERE fwd_from_message_id = ? AND "
        "(fwd_from_id = ? OR fwd_from_name IN (SELECT unnest(?))) AND uid <> ? "
        f"ORDER BY posted_at NULLS LAST LIMIT {int(limit)}",
        [str(msg["message_id"]), msg["channel_id"], names, msg["uid"]])


def messages_reader(corpus: Corpus, filt: MessageFilter, columns: list[str],
                    batch_rows: int = 20_000) -> pa.RecordBatchReader:
    """Every message matching the filter (the given columns), newest first, in Arrow batches (exports)."""
    bad = [c for c in columns if c not in MESSAGE_SCHEMA.names]
    if bad:
        raise ValueError(f"unknown columns {bad}")
    where, params = filter_sql(filt)
    return corpus.connection.execute(
        f"SELECT {', '.join(columns)} FROM messages {where} ORDER BY posted_at DESC NULLS LAST, channel_id, "
        "message_id", params).to_arrow_reader(batch_rows)
