"""narrascope info"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .common import db_option, emit_json, json_option, open_corpus, out_console


def _table(title: str, rows: list[dict[str, Any]], columns: list[str], limit: int | None = None) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c in {"messages", "added", "skipped", "updated"} else "left")
    for r in rows[:limit]:
        t.add_row(*("" if r.get(c) is None else str(r[c]) for c in columns))
    return t


def _month_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["month"], r["platform"])
        totals[key] = totals.get(key, 0) + r["messages"]
    return [{"month": m, "platform": p, "messages": n} for (m, p), n in sorted(totals.items())]


def register(group: click.Group) -> None:
    @group.command("info")
    @db_option
    @json_option
    def info(db: Path, as_json: bool) -> None:
        """Summarise the store: counts by platform, channel, month and script; date range; ingest log; channels
        merged (one chat exported as HTML and as JSON) and same-name channels that were not."""
        with open_corpus(db, read_only=True) as corpus:
            data = corpus.info()
        if as_json:
            emit_json(data)
            return
        out = out_console()
        out.print(f"{data['store']}: {data['messages']} messages, {data['first'] or '-'} … {data['last'] or '-'}")
        out.print(_table("Platforms", data["by_platform"], ["platform", "messages"]))
        out.print(_table("Kinds", data["by_kind"], ["kind", "messages"]))
        out.print(_table("Scripts", data["by_script"], ["script", "lang", "messages"]))
        out.print(_table("Channels (top 30)", data["by_channel"],
                         ["platform", "channel", "channel_id", "messages", "first", "last"], 30))
        out.print(_table("Months", _month_totals(data["by_month"]), ["month", "platform", "messages"]))
        out.print(_table("Ingest log", data["ingests"],
                         ["ingest_id", "source_file", "format", "finished_at", "added", "updated", "skipped", "tz"]))
        if data["merged_channels"]:
            out.print(_table("Merged channels (one chat exported twice: HTML without its id, and with it)",
                             data["merged_channels"], ["merged_at", "from_id", "into_id", "messages", "shared", "how"]))
        for twin in data["unmerged_twins"]:
            out.print(f"note: channels {twin['name_id']!r} (an HTML export, no chat id) and {twin['id']} share the name "
                      f"{twin['name']!r} but no message id, so they were not merged; if they are one chat: "
                      f"narrascope merge-channels {shlex.quote(twin['name_id'])} {twin['id']} --db {shlex.quote(str(db))}")
