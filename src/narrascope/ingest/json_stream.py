"""Tolerant, streaming JSON input: a binary reader that repairs Telegram's invalid escapes on the fly.

Telegram Desktop writes control characters below U+0020 as ``\\x0B`` (not valid JSON). :class:`FixingReader` wraps a
binary file and rewrites every such escape into ``\\u000B`` while the parser reads, so multi-GB exports stream
through ijson's C parser in bounded memory. It also drops a UTF-8 byte-order mark, counts raw bytes for progress,
and remembers where the parser's current chunk began so that errors can be located exactly.

:func:`input_error` turns a parser failure into a one-line :class:`~narrascope.errors.InputError` naming the file and
the byte where the problem is: a truncated file, invalid UTF-8, or other malformed JSON (located by re-reading).
"""

from __future__ import annotations

import codecs
import collections
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import ijson

from ..errors import InputError
from .json_guard import DepthGuard, TooDeep, fix_surrogates, too_deep

__all__ = ["BOM", "BUF_SIZE", "FixingReader", "fix_escapes", "input_error", "open_fixed", "parse_errors"]

BOM = codecs.BOM_UTF8
#: Bytes the parser asks for at a time: measured fastest for ijson's C backend here (larger buffers were slower).
BUF_SIZE = 64 * 1024
_PROGRESS_EVERY = 4 * 1024 * 1024
_BACKSLASH_RUN_X = re.compile(rb"\\+x")
#: a backslash before x or u: without one, no \xNN escape and no surrogate escape (one regex pass is faster than the
#: two substring searches it saves)
_X_OR_U = re.compile(rb"\\[xu]")


def _rewrite_run(m: re.Match[bytes]) -> bytes:
    run = m.group(0)
    # A run of k backslashes before "x": if k is odd, the last backslash escapes the x (invalid \xNN); if even,
    # the backslashes escape each other and the x is a plain letter.
    return run[:-1] + b"u00" if (len(run) - 1) % 2 == 1 else run


def fix_escapes(data: bytes, odd_backslashes_before: bool = False) -> bytes:
    """``data`` with every unescaped ``\\x`` turned into ``\\u00`` (so ``\\x0B`` becomes ``\\u000B``).

    ``odd_backslashes_before`` says that ``data`` follows an odd run of backslashes (a chunk boundary inside a run).
    """
    if odd_backslashes_before:
        return _BACKSLASH_RUN_X.sub(_rewrite_run, b"\\" + data)[1:]
    return _BACKSLASH_RUN_X.sub(_rewrite_run, data)


def _ends_odd(chunk: bytes, odd_before: bool) -> bool:
    """Whether the backslash run at the end of ``chunk`` (continuing any run before it) has odd length."""
    stripped = chunk.rstrip(b"\\")
    run = len(chunk) - len(stripped)
    if run == len(chunk):
        return odd_before ^ (run % 2 == 1)
    return run % 2 == 1


_HIGH_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _cut_before_escape(data: bytes) -> int:
    """Where to end a chunk so that no escape (``\\uD83D``, 6 bytes) or surrogate pair (12 bytes) is cut in two:
    before the first backslash among the last 11 bytes, or before the high half just in front of it."""
    k = data.find(b"\\", max(len(data) - 11, 0))
    if k < 0:
        return len(data)
    if k >= 6 and _HIGH_ESCAPE.fullmatch(data, k - 6, k):
        return k - 6
    return k


class FixingReader:
    """A read-only binary stream over ``raw`` with Telegram's ``\\xNN`` escapes repaired, lone surrogate escapes
    replaced by ``\\ufffd``, nesting deeper than :data:`~.json_guard.MAX_DEPTH` refused (:class:`TooDeep`) and a
    leading BOM dropped.

    ``raw_pos`` counts the raw bytes consumed; ``chunk_start`` is the raw offset of the last chunk handed out;
    ``eof`` turns true once the raw stream is exhausted. ``fine_after``, when set, makes every read past that raw
    offset return a single byte — used to re-read a file up to an error and find its exact byte. ``repaired``
    counts the lone surrogates replaced (also reported to ``on_repair``). ``depth``: the nesting depth at which
    ``raw`` starts, for a stream that begins inside a document.
    """

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None] | None = None,
                 fine_after: int | None = None, *, path: object = None,
                 on_repair: Callable[[int], None] | None = None, depth: int = 0) -> None:
        self._raw = raw
        self._progress = progress
        self._next_progress = _PROGRESS_EVERY
        self._odd = False
        self._started = False
        self._fine_after = fine_after
        self._carry = b""
        self._guard = DepthGuard(path)
        self._guard.depth = depth  # a reader that starts inside the document (between two messages)
        self._path = path
        self._refusal: TooDeep | None = None
        self._on_repair = on_repair
        self.raw_pos = 0
        self.chunk_start = 0
        self.eof = False
        self.repaired = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes read(0) to learn whether the stream gives bytes or text
            return b""
        if self._refusal is not None:
            raise self._refusal
        if size is None or size < 0:
            size = BUF_SIZE
        if self._fine_after is not None:
            size = 1 if self.raw_pos >= self._fine_after else min(size, self._fine_after - self.raw_pos)
        self.chunk_start = self.raw_pos - len(self._carry)
        chunk = self._raw.read(size)
        if not self._started:
            self._started = True
            while len(chunk) < len(BOM) and chunk and BOM.startswith(chunk):
                more = self._raw.read(size)  # a tiny first read could split the BOM
                if not more:
                    break
                chunk += more
            if chunk.startswith(BOM):
                self.raw_pos += len(BOM)
                self.chunk_start = self.raw_pos
                chunk = chunk[len(BOM):] or self._raw.read(size)
        if not chunk:
            self.eof = True
        self.raw_pos += len(chunk)
        if self._progress is not None and self.raw_pos >= self._next_progress:
            self._progress(self.raw_pos)
            self._next_progress = self.raw_pos + _PROGRESS_EVERY
        data, self._carry = self._carry + chunk, b""
        if chunk and self._fine_after is None:
            # An escape cut at the end of a chunk (a surrogate pair is 12 bytes) is completed by the next read: the
            # tail from the first backslash among the last 11 bytes waits; when that is the whole chunk, read on.
            k = _cut_before_escape(data)
            while k == 0:
                more = self._raw.read(12)
                if not more:
                    self.eof = True
                    break
                self.raw_pos += len(more)
                data += more
                k = _cut_before_escape(data)
            if 0 < k < len(data):
                data, self._carry = data[:k], data[k:]
        if not data:
            return b""
        odd = self._odd
        self._odd = _ends_odd(data, odd)
        if odd or _X_OR_U.search(data) is not None:  # one pass finds whether either repair may apply
            if b"\\x" in data or (odd and data[:1] == b"x"):
                data = fix_escapes(data, odd)
            data, repaired = fix_surrogates(data, odd)
            if repaired:
                self.repaired += repaired
                if self._on_repair is not None:
                    self._on_repair(repaired)
        at = self._guard.check(data)
        if at is not None:
            # Hand the parser what comes before the bracket that nests too deep (so a sniffer still sees the keys
            # before it), and refuse at the next read.
            self._refusal = too_deep(self._path, self.chunk_start + at)
            if at == 0:
                raise self._refusal
            return data[:at]
        return data

    def finish(self) -> None:
        """Report the final position to the progress callback."""
        if self._progress is not None:
            self._progress(self.raw_pos)


@contextmanager
def open_fixed(path: Path, progress: Callable[[int], None] | None = None,
               fine_after: int | None = None, on_repair: Callable[[int], None] | None = None) -> Iterator[FixingReader]:
    with path.open("rb") as fh:
        yield FixingReader(fh, progress, fine_after, path=path, on_repair=on_repair)


# ----------------------------------------------------------------------------------------------- errors
def _first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """(raw offset, byte value) of the first invalid UTF-8 sequence in the file, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            final = not chunk
            try:
                decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                pending = len(exc.object) - len(chunk)  # bytes the decoder held back from the previous chunk
                pos = offset - pending + exc.start
                return pos, exc.object[exc.start]
            if final:
                return None
            offset += len(chunk)


def _locate_syntax_error(path: Path, chunk_start: int) -> int | None:
    """Re-parse the file, one byte at a time from ``chunk_start`` on, and return the raw offset where it fails."""
    with open_fixed(path, fine_after=chunk_start) as reader:
        try:
            collections.deque(ijson.basic_parse(reader, buf_size=BUF_SIZE), maxlen=0)
        except (ijson.JSONError, UnicodeDecodeError):
            return max(reader.raw_pos - 1, 0)
    return None


def _first_line(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0].rstrip(".") if str(text).strip() else type(exc).__name__


def input_error(exc: BaseException, path: Path, reader: FixingReader) -> InputError:
    """A one-line InputError for a parser failure on ``path`` while ``reader`` was feeding the parser."""
    detail = _first_line(exc)
    name = str(path)
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in detail or "UTF-8" in detail:
        found = _first_invalid_utf8(path)
        if found is not None:
            pos, byte = found
            return InputError(
                f"invalid UTF-8 (byte 0x{byte:02X}) — the file is damaged or was saved in another encoding; "
                "re-export it from Telegram Desktop or convert it to UTF-8",
                path=name, position=f"byte {pos:,}")
    if reader.eof and ("premature EOF" in detail or "Incomplete JSON" in detail):
        return InputError(
            "truncated JSON — the export was cut off before its end; re-export it or copy the complete file",
            path=name, position=f"byte {reader.raw_pos:,}")
    located = _locate_syntax_error(path, reader.chunk_start)
    where = f"byte {located:,}" if located is not None else f"bytes {reader.chunk_start:,}–{reader.raw_pos:,}"
    return InputError(
        f"malformed JSON ({detail}) — the file is damaged or is not a Telegram Desktop export; re-export it",
        path=name, position=where)


@contextmanager
def parse_errors(path: Path, reader: FixingReader) -> Iterator[None]:
    """Turn ijson and UTF-8 failures raised inside the block into :func:`input_error`."""
    try:
        yield
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise input_error(exc, path, reader) from None
