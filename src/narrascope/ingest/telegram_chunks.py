"""The fast path of the Desktop JSON reader: a chat's ``messages`` array cut into chunks decoded by msgspec.

ijson hands out one Python dict per message through an event-level C parser; msgspec decodes a whole chunk of
messages into typed structs several times faster. The bytes still pass through :class:`~.json_stream.FixingReader`
(Telegram's ``\\xNN`` escapes, lone surrogates, the depth guard), so both paths see the same repaired bytes.

**Cutting.** Desktop writes one message after another at a fixed indentation (``,\\n  {``). A chunk ends before
the last such separator in the buffer; a raw newline cannot stand inside a valid JSON string, and a cut anywhere
but between two messages leaves a bracket or string open, so a chunk that decodes is a run of whole messages — no
position is trusted without that proof. Files without newlines between messages go the tolerant way.

**Ladder.** Each chunk tries, in order: typed structs (most exports); plain msgspec objects through the tolerant
record builder (a field of an unexpected type); ijson over the chunk alone (numbers beyond 64 bits, which msgspec
accepts and ijson refuses, and anything msgspec refuses but ijson might read). When ijson fails too, or the layout
is not understood, the whole file is read again by the tolerant reader, skipping the messages already handed out,
so errors and rows are exactly the tolerant reader's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import ijson
import msgspec

from ..errors import InputError
from .base import Columns, ReadContext, records_to_columns
from .json_stream import BUF_SIZE, FixingReader
from .reader import PartFailed
from .telegram_columns import FILLED, TYPED, add_typed, empty_columns

__all__ = ["CHUNK_BYTES", "Span", "plan_spans", "read_chunked", "read_span"]

#: Repaired bytes decoded at a time (a chunk holds the whole messages inside it; memory ~ 10× this at peak). Small
#: chunks are faster: the structs of 256 KB stay in the CPU cache while their columns are built (4 MB: 1.2× the CPU).
CHUNK_BYTES = 256 << 10
#: A buffer that grows past this without a message boundary (one-line files) is read the tolerant way.
_MAX_BUFFER = 64 << 20
#: A JSON number of 19 digits or more may overflow ijson's 64-bit integers (msgspec reads it): such a chunk is read
#: by ijson. Found without a regex over every comma: digits become "0", then runs of 19 are searched for.
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_RUN = b"0" * 19
_ZEROS = re.compile(rb"0+")
_PLAIN = msgspec.json.Decoder()


class _Restart(Exception):
    """The fast path cannot go on: the tolerant reader takes over (see the module's docstring)."""


class _HashingFile:
    """The raw file, hashed as it is read (the store then needs no second pass over the file). Hashing runs on a
    helper thread: hashlib releases the GIL, so it costs the reader nothing on a second core."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="narrascope-hash")
        self._pending: Future[None] | None = None

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._pending is not None:
            self._pending.result()  # in order, and at most one chunk held back
        self._pending = self._pool.submit(self._sha.update, data)
        return data

    def hexdigest(self) -> str:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        return self._sha.hexdigest()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# ----------------------------------------------------------------------------------------------- cutting
def _array_start(buf: bytes, root: str) -> int | None:
    """Offset just after the ``[`` that opens the messages (``root``: "chat" or "array"), or None."""
    if root == "array":
        i = len(buf) - len(buf.lstrip())
        return i + 1 if buf[i:i + 1] == b"[" else None
    depth, i, n, last_key = 0, 0, len(buf), None
    while i < n:
        c = buf[i]
        if c == 0x22:  # a string: find its end (escapes skipped pairwise)
            j = i + 1
            while True:
                j = buf.find(b'"', j)
                if j < 0:
                    return None
                k = j
                while buf[k - 1] == 0x5C:
                    k -= 1
                if (j - k) % 2 == 0:
                    break
                j += 1
            last_key = buf[i + 1:j] if depth == 1 else None
            i = j + 1
            continue
        if c in b"{[":
            depth += 1
        elif c in b"}]":
            depth -= 1
        elif c == 0x3A and depth == 1 and last_key == b"messages":  # ':' after the root key "messages"
            rest = buf[i + 1:]
            k = i + 1 + len(rest) - len(rest.lstrip())
            return k + 1 if buf[k:k + 1] == b"[" else None
        elif c == 0x2C:
            last_key = None
        i += 1
    return None


def _separator(buf: bytes, start: int) -> bytes | None:
    """The bytes between two messages, learned from the whitespace before the first one (``,\\n  {``)."""
    lead = buf[start:start + 256]
    body = lead.lstrip()
    if not body.startswith(b"{"):
        return None
    space = lead[:len(lead) - len(body)]
    return b"," + space + b"{" if b"\n" in space else None


# ----------------------------------------------------------------------------------------------- spans
@dataclass(frozen=True)
class Span:
    """Raw bytes ``[start, end)`` of the file that should hold whole messages, read on their own (one per core).
    The first span starts at byte 0 (the header); the last has ``end`` None (it reads what follows the messages).
    Nothing is trusted until every chunk of every span decodes (see :func:`plan_spans`)."""

    start: int
    end: int | None
    sep: bytes


def plan_spans(path: Path, root: str, parts: int, chunk_bytes: int | None = None) -> list[Span] | None:
    """Up to ``parts`` spans of about equal size, cut before a message separator found in the raw bytes; None
    when the layout is not understood (the file is then read whole).

    Why a cut found by a byte search is safe: the first span starts at the real beginning of the messages, and a
    chunk that decodes is a run of whole messages (module docstring), so by induction every cut of a span whose
    chunks all decode falls between two messages — and the next span starts where that one ends. A cut that does
    not (a separator inside a string is impossible: it holds a raw newline) makes a chunk fail, and the file is
    then read whole."""
    with path.open("rb") as fh:
        reader = FixingReader(fh)
        try:
            head = reader.read(chunk_bytes or CHUNK_BYTES)
        except InputError:
            return None
        start = _array_start(head, root)
        sep = _separator(head, start) if start is not None else None
        if start is None or sep is None:
            return None
        size = path.stat().st_size
        cuts = [0]
        for k in range(1, parts):
            found = _find(fh, sep, max(size * k // parts, reader.raw_pos, cuts[-1] + 1))
            if found is None:
                break
            cuts.append(found + 1)  # the comma ends the span before; the next starts after it
    spans = [Span(a, b - 1, sep) for a, b in zip(cuts, cuts[1:], strict=False)]
    spans.append(Span(cuts[-1], None, sep))
    return spans


def _find(fh: BinaryIO, sep: bytes, at: int) -> int | None:
    """Offset of the first ``sep`` at or after byte ``at`` (looking at most :data:`_MAX_BUFFER` bytes ahead)."""
    fh.seek(at)
    window = b""
    while len(window) < _MAX_BUFFER:
        more = fh.read(1 << 20)
        if not more:
            return None
        keep = len(window)
        window += more
        found = window.find(sep, max(keep - len(sep), 0))
        if found >= 0:
            return at + found
    return None


class _Window:
    """The raw file from its current position up to byte ``end``."""

    def __init__(self, raw: BinaryIO, end: int) -> None:
        self._raw = raw
        self._left = end - raw.tell()

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._raw.read(size)
        self._left -= len(data)
        return data


def read_span(path: Path, ctx: ReadContext, root: str, chat_id: str, chat_name: str | None, span: Span,
              records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]], batch_rows: int,
              chunk_bytes: int | None = None) -> Iterator[Columns]:
    """Column batches of the messages in ``span``. :class:`~.reader.PartFailed` where :func:`read_chunked` would
    hand over to the tolerant reader or raise an error: the file is then read whole, which reports it exactly (the
    messages' numbers, say, are only known from the start of the file). Repaired surrogates are counted in ctx."""
    try:
        yield from _fast(path, ctx, root, chat_id, chat_name, records, batch_rows, chunk_bytes or CHUNK_BYTES,
                         span)
    except (_Restart, InputError):
        raise PartFailed from None


# ----------------------------------------------------------------------------------------------- reading
def read_chunked(path: Path, ctx: ReadContext, root: str, chat_id: str, chat_name: str | None,
                 records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]],
                 tolerant: Callable[[int], Iterator[dict[str, Any]]], batch_rows: int,
                 chunk_bytes: int | None = None) -> Iterator[Columns]:
    """Column batches of every message of the single chat (``root`` "chat") or bare array (``root`` "array") at
    ``path``. ``records(messages, first)`` builds tolerant records from plain message objects numbered from
    ``first``; ``tolerant(skip)`` is the tolerant reader's records past the first ``skip`` messages."""
    done = 0  # messages handed out in finished batches
    try:
        for cols in _fast(path, ctx, root, chat_id, chat_name, records, batch_rows, chunk_bytes or CHUNK_BYTES):
            done += len(cols["message_id"])
            yield cols
        return
    except _Restart:
        pass
    ctx.surrogates = 0  # the tolerant reader counts the whole file's repairs again
    ctx.sha256 = None
    batch: list[dict[str, Any]] = []
    for rec in tolerant(done):
        batch.append(rec)
        if len(batch) >= batch_rows:
            yield records_to_columns(batch)
            batch = []
    if batch:
        yield records_to_columns(batch)


def _read(reader: FixingReader, size: int) -> bytes:
    """The next repaired bytes; a refusal there (nesting too deep, …) is left to the tolerant reader to report."""
    try:
        return reader.read(size)
    except InputError:
        raise _Restart from None


#: nesting depth just outside a message: inside the root object and its "messages" array, or the root array
_MESSAGE_DEPTH = {"chat": 2, "array": 1}


def _fast(path: Path, ctx: ReadContext, root: str, chat_id: str, chat_name: str | None,
          records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]], batch_rows: int,
          chunk_bytes: int, span: Span | None = None) -> Iterator[Columns]:
    """The whole file (``span`` None: hashed in the same pass) or one span of it."""
    with path.open("rb") as fh, contextlib.ExitStack() as stack:
        raw: Any = fh
        hashing = None
        if span is None:
            raw = hashing = stack.enter_context(contextlib.closing(_HashingFile(fh)))
        else:
            fh.seek(span.start)
            raw = fh if span.end is None else _Window(fh, span.end)
        inside = span is not None and span.start > 0  # starts between two messages
        reader = FixingReader(cast(BinaryIO, raw), ctx.progress, path=path, on_repair=ctx.count_surrogates,
                              depth=_MESSAGE_DEPTH[root] if inside else 0)
        buf = _read(reader, chunk_bytes)
        if inside:
            assert span is not None
            sep = span.sep
        else:
            start = _array_start(buf, root)
            found = _separator(buf, start) if start is not None else None
            if start is None or found is None or (span is not None and found != span.sep):
                raise _Restart
            sep = found
            buf = buf[start:]
        last = span is None or span.end is None  # the messages' closing bracket and what follows are in here
        cols = empty_columns()
        eof = False
        seen = 0  # messages decoded so far (numbering for the tolerant builder's messages)
        while True:
            cut = buf.rfind(sep) if not eof else -1
            if cut < 0 and not eof:
                if len(buf) > _MAX_BUFFER:
                    raise _Restart
                more = _read(reader, chunk_bytes)
                eof = not more
                buf += more
                continue
            if eof and last:
                end = buf.rfind(b"]")
                if end < 0 or not _valid_tail(buf[end + 1:], root):
                    raise _Restart
                chunk, buf = buf[:end], b""
            elif eof:
                chunk, buf = buf, b""  # a span ends where the next begins: between two messages
            else:
                chunk, buf = buf[:cut], buf[cut + 1:]  # the comma stays out of both
            seen += _decode(chunk, cols, chat_id, chat_name, ctx, records, seen)
            if len(cols["message_id"]) >= batch_rows:
                yield cols
                cols = empty_columns()
            if eof:
                break
            if len(buf) < chunk_bytes:
                more = _read(reader, chunk_bytes)
                eof = not more
                buf += more
        reader.finish()
        if hashing is not None:
            while hashing.read(1 << 20):  # bytes the parser never asked for (none: FixingReader reads to the end)
                pass
            ctx.sha256 = hashing.hexdigest()
        if cols["message_id"]:
            yield cols


def _valid_tail(tail: bytes, root: str) -> bool:
    """What follows the messages array is well-formed (more root keys and the closing brace, or nothing)."""
    try:
        _PLAIN.decode(b'{"m":[]' + tail if root == "chat" else b"[]" + tail)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return True


def _decode(chunk: bytes, cols: Columns, chat_id: str, chat_name: str | None, ctx: ReadContext,
            records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]], seen: int) -> int:
    """Decode one chunk of whole messages into ``cols``; returns how many it held."""
    body = b"[" + chunk + b"]"
    if not _long_number(chunk):
        try:
            msgs = TYPED.decode(body)
        except msgspec.ValidationError:
            msgs = None
        except msgspec.DecodeError:
            return _by_ijson(body, cols, records, seen)
        if msgs is not None:
            add_typed(cols, msgs, chat_id, chat_name, ctx)
            return len(msgs)
        try:
            plain = _PLAIN.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return _by_ijson(body, cols, records, seen)
        return _extend(cols, records(iter(plain), seen + 1))
    return _by_ijson(body, cols, records, seen)


def _long_number(chunk: bytes) -> bool:
    """Whether a JSON number of 19 digits or more may stand in ``chunk``: a run of 19 digits after ``:``, ``[`` or
    ``,`` (and whitespace, and a minus sign). Runs inside strings, such as long ids in links, mostly fail that test;
    one that passes only costs speed."""
    zeros = chunk.translate(_DIGITS)
    at = zeros.find(_RUN)
    while at >= 0:
        i = at - 1
        if i >= 0 and chunk[i] == 0x2D:  # "-"
            i -= 1
        while i >= 0 and chunk[i] in b" \t\r\n":
            i -= 1
        if i >= 0 and chunk[i] in b":[,":
            return True
        end = _ZEROS.match(zeros, at)
        at = zeros.find(_RUN, end.end() if end else at + 1)
    return False


def _by_ijson(body: bytes, cols: Columns, records: Callable[[Iterator[Any], int], Iterator[dict[str, Any]]],
              seen: int) -> int:
    """The chunk read by ijson, as the tolerant reader would (a failure there sends the file to that reader)."""
    items = ijson.items(io.BytesIO(body), "item", use_float=True, buf_size=BUF_SIZE)
    try:
        return _extend(cols, records(items, seen + 1))
    except (ijson.JSONError, UnicodeDecodeError):
        raise _Restart from None


def _extend(cols: Columns, recs: Iterator[dict[str, Any]]) -> int:
    more = records_to_columns(list(recs), FILLED)
    for name, values in more.items():
        cols[name].extend(values)
    return len(more["message_id"])

