"""Records to Arrow batches, with a last line of defence against values the store's columns cannot hold.

Readers check their formats, but a hostile file can still carry a value no reader anticipated: a string with a lone
UTF-16 surrogate that UTF-8 cannot encode (Python's JSON decoder lets them through), a count beyond 64 bits, a
number where text belongs. Converting a batch costs nothing extra when it is clean; when Arrow refuses it, the batch
is cleaned value by value (surrogates → U+FFFD, out-of-range counts → null, scalars → text) and converted again,
and what was repaired is counted for the ingest log. Anything still refused is an input error naming the message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..ingest.base import Columns, ReadContext
from ..models import FWD_KIND, MESSAGE_SCHEMA, PERSON_MENTIONS, make_uid
from .privacy import PERSONAL_CHAT_TYPES, protect_record
from .pseudonym import Pseudonymiser

__all__ = ["column_batches", "columns_table", "record_batches", "to_table"]

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
    mapped to a ``known`` id, people pseudonymised (``names``: channel names known to the store), provenance set.
    The script and lang columns are left for the caller (:func:`~narrascope.text.script.with_script_columns`)."""
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
            yield to_table(batch, ctx, first)
            first += len(batch)
            batch = []
    if batch:
        yield to_table(batch, ctx, first)


# ----------------------------------------------------------------------------------------------- column batches
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _uids(platforms: list[str], channel_ids: list[str], message_ids: list[str]) -> list[str]:
    """:func:`~narrascope.models.make_uid` of each row (the hash of a run of one channel's rows shares a prefix)."""
    out: list[str] = []
    prefix_of: dict[tuple[str, str], hashlib._Hash] = {}
    for p, c, m in zip(platforms, channel_ids, message_ids, strict=True):
        base = prefix_of.get((p, c))
        if base is None:
            base = prefix_of[(p, c)] = hashlib.sha256(f"{p}\x1f{c}\x1f".encode())
        h = base.copy()
        h.update(m.encode("utf-8"))
        out.append(h.hexdigest()[:32])
    return out


def _protect_columns(cols: Columns, n: int, pseudo: Pseudonymiser, names: set[tuple[str, str]]) -> None:
    """:func:`~narrascope.store.privacy.protect_record` over columns (in place; the hints are dropped)."""
    platforms = cols["platform"]
    if "author" in cols:
        cols["author"] = [pseudo(p, a) if a is not None else None for p, a in zip(platforms, cols["author"], strict=True)]
    kinds = cols.pop(FWD_KIND, None) or [None] * n
    if "fwd_from_name" in cols:
        cols["fwd_from_name"] = [
            pseudo(p, name) if name and (kind == "user" or (kind != "channel" and (p, name) not in names)) else name
            for p, name, kind in zip(platforms, cols["fwd_from_name"], kinds, strict=True)]
    people_col = cols.pop(PERSON_MENTIONS, None)
    if people_col is not None and "mentions" in cols:
        mentions = cols["mentions"]
        for i, people in enumerate(people_col):
            if people:
                p = platforms[i]
                mentions[i] = [pseudo(p, m) or m if m in people else m for m in mentions[i] or []]


def _rows(cols: Columns, n: int) -> list[dict[str, Any]]:
    """The batch as records for :func:`to_table`'s cleaning path (timestamps back to datetimes)."""
    names = [f.name for f in MESSAGE_SCHEMA]
    out = [{name: (cols[name][i] if name in cols else None) for name in names} for i in range(n)]
    for rec in out:
        for name in _TIMES:
            micros = rec[name]
            if isinstance(micros, int) and not isinstance(micros, bool):
                try:
                    rec[name] = _EPOCH + timedelta(microseconds=micros)
                except OverflowError:
                    rec[name] = None
        for name in _LISTS:
            if rec[name] is None:
                rec[name] = []
    return out


def columns_table(cols: Columns, n: int, ctx: ReadContext, first: int) -> pa.Table:
    """A column batch as a table of the messages schema (the cleaning path of :func:`to_table` when Arrow refuses
    a value)."""
    try:
        arrays = [pa.array(cols[f.name], type=f.type) if f.name in cols else pa.nulls(n, type=f.type)
                  for f in MESSAGE_SCHEMA]
        return pa.Table.from_arrays(arrays, schema=MESSAGE_SCHEMA)
    except _REFUSED:
        return to_table(_rows(cols, n), ctx, first)


def column_batches(batches: Iterator[Columns], ctx: ReadContext, ingest_id: int, pseudo: Pseudonymiser,
                   known: dict[tuple[str, str], str], names: set[tuple[str, str]]) -> Iterator[pa.Table]:
    """:func:`record_batches` for readers that hand out column batches (the same rows; script columns are left
    for the caller, which may compute them on another core)."""
    source = str(ctx.path)
    first = 1
    for cols in batches:
        n = len(cols["message_id"])
        if not n:
            continue
        cols = dict(cols)
        platforms, cids = cols["platform"], list(cols["channel_id"])
        for i, cid in enumerate(cids):
            if cid.startswith("name:"):
                cids[i] = known.get((platforms[i], cid[5:]), cid)
        cols["channel_id"] = cids
        cols["uid"] = _uids(platforms, cids, cols["message_id"])
        names |= {(c.platform, c.name) for c in ctx.channels.values() if c.name and c.type not in PERSONAL_CHAT_TYPES}
        _protect_columns(cols, n, pseudo, names)
        for name in _LISTS:
            if name in cols:
                cols[name] = [v if v is not None else [] for v in cols[name]]
        cols["source_file"] = [source] * n
        cols["ingest_id"] = [ingest_id] * n
        yield columns_table(cols, n, ctx, first)
        first += n
