"""The demo corpus as canonical message records in memory, without writing or ingesting files.

Statistical tests and benchmarks need many generated corpora (the coordination null model is checked on 200):
:func:`demo_messages` turns :class:`~narrascope.demo.stream.DemoStream`'s Desktop-JSON dicts into the store's
columns with the Telegram Desktop reader's own per-message function, so the frame equals what ``narrascope ingest``
stores for the JSON exports (authors are left unpseudonymised: no store key exists here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from ..ingest.base import IngestOptions, ReadContext
from ..ingest.telegram_json import Chat, message_record
from ..models import MESSAGE_SCHEMA, make_uid
from .stream import DemoStream

__all__ = ["demo_messages"]


def demo_messages(config: Any, *, kinds: tuple[str, ...] = ("post",)) -> tuple[pl.DataFrame, DemoStream]:
    """(messages frame with the store's columns, the consumed stream with its truth) for a demo config."""
    stream = DemoStream(config)
    ctx = ReadContext(Path("demo"))
    ctx.options = IngestOptions()
    chats = {s.index: Chat(s.channel_id, s.name, s.chat_type) for s in stream.channels}
    rows: list[dict[str, Any]] = []
    for n, (spec, msg) in enumerate(stream, 1):
        rec = message_record(msg, chats[spec.index], ctx, n)
        if rec["kind"] not in kinds:
            continue
        rec["uid"] = make_uid(rec["platform"], rec["channel_id"], rec["message_id"])
        rows.append(rec)
    table = pa.Table.from_pylist(rows, schema=MESSAGE_SCHEMA)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame, stream
