"""narrascope merge-channels FROM INTO — one chat filed as two channels (an HTML export carries no chat id)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from .common import db_option, echo, emit_json, json_option, open_corpus


def register(group: click.Group) -> None:
    @group.command("merge-channels")
    @click.argument("from_id")
    @click.argument("into_id")
    @click.option("--platform", default="telegram", show_default=True, help="Platform of both channels.")
    @db_option
    @json_option
    def merge(from_id: str, into_id: str, platform: str, db: Path, as_json: bool) -> None:
        """Move every message of channel FROM_ID (e.g. name:<title> from an HTML export) into INTO_ID.

        Ingests merge them by themselves when both exports hold some of the same messages; use this when they do
        not (exports of different periods) and you know they are one chat. `narrascope info` lists candidates.
        Recorded in the store's channel_merges table.
        """
        with open_corpus(db) as corpus:
            merged = corpus.merge_channels(from_id, into_id, platform)
        if as_json:
            emit_json(asdict(merged))
        else:
            echo(f"merged {merged.from_id!r} into {merged.into_id}: {merged.moved} message(s) moved, "
                 f"{merged.shared} already there")


__all__ = ["register"]
