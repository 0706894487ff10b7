"""narrascope channels set-attributes | list — the user's table of channel attributes (location, side, owner …)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from .common import db_option, emit_json, err_console, json_option, open_corpus, out_console

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: Any) -> Text:
    """A cell from data: never markup, control characters removed (they could move the terminal's cursor)."""
    return Text(_CONTROL.sub("", "" if value is None else str(value)))


def register(group: click.Group) -> None:
    @group.group("channels")
    def channels() -> None:
        """Channels of the store and the attributes you give them (for --by and networks)."""

    @channels.command("set-attributes")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @db_option
    @json_option
    def set_attributes(files: tuple[Path, ...], db: Path, as_json: bool) -> None:
        """Store channel attributes from FILES (CSV, TSV, Excel, JSON lines, Parquet or YAML), replacing earlier ones.

        Each row names a channel by channel_id, channel (display name) or username; every other column is an
        attribute (e.g. location, side, owner, type), usable in `frames --by` and `network --group`. Rows naming no
        stored channel are listed and kept as channels outside the corpus (e.g. a forward's origin).
        """
        from ..network.attributes import set_channel_attributes  # here: --help imports no analysis library

        with open_corpus(db) as corpus:
            report = set_channel_attributes(corpus, list(files))
        if as_json:
            emit_json(report.to_dict())
            return
        out = out_console()
        out.print(plain(f"{report.matched} channel(s) given {len(report.attributes)} attribute(s) "
                        f"({', '.join(report.attributes) or 'none'}) from {report.entries} row(s)"))
        if report.unknown:
            err_console.print(plain(f"{len(report.unknown)} row(s) name no channel of the store (kept as channels "
                                    "outside the corpus):"))
            for u in report.unknown:
                who = " / ".join(str(v) for v in (u["channel_id"], u["username"] and f"@{u['username']}", u["name"])
                                 if v)
                err_console.print(plain(f"  {u['file']} row {u['row']}: {who} — {u['reason']}"), soft_wrap=True)
        if report.without_attributes:
            names = ", ".join(str(c["channel"] or c["channel_id"]) for c in report.without_attributes)
            err_console.print(plain(f"{len(report.without_attributes)} stored channel(s) got no attributes: {names}"))
        for note in report.notes:
            err_console.print(plain(f"note: {note}"))

    @channels.command("list")
    @click.option("--unknown", "show_unknown", is_flag=True,
                  help="Also list attribute rows that name no channel of the store.")
    @db_option
    @json_option
    def list_channels(show_unknown: bool, db: Path, as_json: bool) -> None:
        """The store's channels with their message counts and attributes."""
        from ..network.attributes import channels_with_attributes, unknown_channel_attributes

        with open_corpus(db, read_only=True) as corpus:
            table = channels_with_attributes(corpus)
            unknown = unknown_channel_attributes(corpus)
        if as_json:
            emit_json({"channels": table.to_dicts(), "unknown": unknown.to_dicts()})
            return
        out = out_console()
        t = Table(title=f"{table.height} channel(s)", title_justify="left")
        for c in table.columns:
            t.add_column(c, justify="right" if c == "messages" else "left")
        for row in table.iter_rows():
            t.add_row(*(plain(v) for v in row))
        out.print(t)
        if unknown.height and not show_unknown:
            out.print(plain(f"{unknown.height} attribute row(s) name no stored channel: `channels list --unknown` "
                            "shows them"))
        elif unknown.height:
            u = Table(title="attribute rows naming no stored channel", title_justify="left")
            for c in unknown.columns:
                u.add_column(c)
            for row in unknown.iter_rows():
                u.add_row(*(plain(v) for v in row))
            out.print(u)
