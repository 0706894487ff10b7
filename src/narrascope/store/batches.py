"""Records to Arrow batches, with a last line of defence against values the store's columns cannot hold.

Readers check their formats, but a hostile file can still carry a value no reader anticipated: a string with a lone
UTF-16 surrogate that UTF-8 cannot encode (Python's JSON decoder lets them through), a count beyond 64 bits, a
number where text belongs. Converting a batch costs nothing extra when it is clean; when Arrow refuses it, the batch
is cleaned value by value (surrogates → U+FFFD, out-of-range counts → null, scalars → text) and converted again,
and what was repaired is counted for the ingest log. Anything still refused is an input error naming the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..ingest.base import ReadContext
from ..models import MESSAGE_SCHEMA, make_uid
from ..text.script import with_script_columns
from .privacy import PERSONAL_CHAT_TYPES, protect_record
from .pseudonym import Pseudonymiser

__all__ = ["record_batches", "to_table"]

_INT64 = (1 << 63) - 1
_STRINGS = [f.name for f in MESSAGE_SCHEMA if pa.types.is_string(f.type)]
_LISTS = [f.name for f in MESSAGE_SCHEMA if pa.types.is_list(f.type)]
_INTS = [f.name for f in MESSAGE_SCHEMA if pa.types.is_integer(f.type)]
_TIMES = [f.name for f in MESSAGE_SCHEMA if pa.types.is_timestamp(f.type)]
_REFUSED = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, UnicodeEncodeError, TypeError, ValueError)


def _text(value: Any, ctx: ReadContext) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: joined with its partner where one follows (surrogatepass), else U+FFFD.
        fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        halves = sum(1 for ch in text if "\ud800" <= ch <= "\udfff")
        ctx.count_surrogates(halves - 2 * (len(text) - len(fixed)))  # each joined pair shortens the text by one
        return fixed
    return text


def _clean(rec: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    out = dict(rec)
    for name in _STRINGS:
        out[name] = _text(out.get(name), ctx)
    for name in _LISTS:
        items = out.get(name)
        out[name] = [t for t in (_text(v, ctx) for v in items) if t] if isinstance(items, list | tuple) else []
    for name in _INTS:
        value = out.get(name)
        out[name] = value if isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value <= _INT64 \
            else None
    for name in _TIMES:
        if not isinstance(out.get(name), datetime):
            out[name] = None
    return out


def to_table(records: list[dict[str, Any]], ctx: ReadContext, first: int) -> pa.Table:
    """The records as a table of the messages schema; ``first``: the file's number of the first record."""
    try:
        return pa.Table.from_pylist(records, schema=MESSAGE_SCHEMA)
    except _REFUSED:
        pass
    cleaned = []
    for i, rec in enumerate(records):
        fixed = _clean(rec, ctx)
        try:
            pa.Table.from_pylist([fixed], schema=MESSAGE_SCHEMA)
        except _REFUSED as exc:
            raise InputError(f"message {rec.get('message_id')!r} holds a value the store cannot keep ({exc})",
                             path=ctx.path, position=f"record {first + i:,}") from None
        cleaned.append(fixed)
    return pa.Table.from_pylist(cleaned, schema=MESSAGE_SCHEMA)


def record_batches(records: Iterator[dict[str, Any]], ctx: ReadContext, ingest_id: int, size: int,
                   pseudo: Pseudonymiser, known: dict[tuple[str, str], str],
                   names: set[tuple[str, str]]) -> Iterator[pa.Table]:
    """A reader's records as Arrow tables of ``size`` rows, ready for the store: uid computed, ``name:`` channels
    mapped to a ``known`` id, people pseudonymised (``names``: channel names known to the store), provenance set."""
    source = str(ctx.path)
    batch: list[dict[str, Any]] = []
    seen_channels = 0
    first = 1
    for rec in records:
        platform = rec["platform"]
        cid = rec["channel_id"]
        if cid.startswith("name:"):  # reader could not see the id (Telegram HTML): reuse a known one
            cid = rec["channel_id"] = known.get((platform, cid[5:]), cid)
        rec["uid"] = make_uid(platform, cid, rec["message_id"])
        if len(ctx.channels) != seen_channels:  # channels of this file are known names too
            seen_channels = len(ctx.channels)
            names |= {(c.platform, c.name) for c in ctx.channels.values()
                      if c.name and c.type not in PERSONAL_CHAT_TYPES}
        protect_record(rec, pseudo, names)
        rec["source_file"] = source
        rec["ingest_id"] = ingest_id
        batch.append(rec)
        if len(batch) >= size:
            yield with_script_columns(to_table(batch, ctx, first))
            first += len(batch)
            batch = []
    if batch:
        yield with_script_columns(to_table(batch, ctx, first))
