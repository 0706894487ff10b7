"""Guards for hostile JSON: nesting depth, lone UTF-16 surrogates, one-line documents.

**Depth.** ijson keeps a prefix string per nesting level, so memory grows with the square of the depth: one text
nested 100,000 deep (a 226 KB file) took 24 GB. No export nests deeper than about a dozen levels, so
:class:`DepthGuard` refuses anything nested more than :data:`MAX_DEPTH` levels *before* the parser sees it. It follows
string state across chunks without a Python loop over bytes (escaped backslashes and quotes removed, every byte but
quotes and brackets deleted, then string state by a running count of quotes in numpy), so it costs little on
gigabyte exports; only a refused chunk is scanned byte by byte, to name the offending byte.

**Lone surrogates.** Telegram and Meta exports contain broken surrogate pairs (``"\\ud83d"`` alone) when a message
was cut inside an emoji. JSON allows the escape, UTF-8 cannot encode it, and parsers then fail or hand out strings
that cannot be stored. :func:`fix_surrogates` rewrites every lone surrogate escape to ``\\ufffd`` (U+FFFD, the
replacement character), keeps valid pairs, and counts the repairs so the ingest log can say how many there were;
data without a lone half (almost all) is passed after one C-speed search.

**Lines.** :func:`load_json_line` parses one NDJSON line with both guards (and Python's recursion limit caught).
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["MAX_DEPTH", "DepthGuard", "TooDeep", "fix_surrogates", "load_json_line", "too_deep"]

#: Deepest nesting accepted (objects and arrays). Telegram, Telethon, 4CAT and Instagram files stay below 20.
MAX_DEPTH = 100

_ESCAPE = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')  # every byte but these is deleted
_ESCAPED_PAIR = re.compile(rb'\\[\\"]')
_LONE = re.compile(rb"\\u[dD](?:[89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                   rb"|[c-fC-F][0-9a-fA-F]{2}(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}))")


class TooDeep(InputError):
    """JSON nested more than :data:`MAX_DEPTH` levels."""


def too_deep(path: object, offset: int | None) -> TooDeep:
    return TooDeep(f"JSON nested more than {MAX_DEPTH} levels deep — no export nests like that; the file is "
                   "damaged or built to exhaust memory, and was not read further",
                   path=path, position=f"near byte {offset:,}" if offset is not None else None)


class DepthGuard:
    """Tracks the nesting depth of a JSON byte stream fed chunk by chunk; raises :class:`TooDeep` past the limit."""

    def __init__(self, path: object = None, limit: int = MAX_DEPTH) -> None:
        self.path = path
        self.limit = limit
        self.depth = 0
        self._in_string = False
        self._pending_backslash = False

    def feed(self, data: bytes, offset: int | None = None) -> None:
        """Account for the next bytes of the document; raise :class:`TooDeep` if they nest past the limit
        (``offset``: their position in the file, for the message)."""
        at = self.check(data)
        if at is not None:
            raise too_deep(self.path, None if offset is None else offset + at)

    def check(self, data: bytes) -> int | None:
        """Account for the next bytes; None when they stay within the limit, else the index in ``data`` of the
        bracket that goes past it (the guard is then spent: the document is refused)."""
        start = (self.depth, self._in_string, self._pending_backslash)
        work = data
        if b"\\" in work or self._pending_backslash:
            if self._pending_backslash:
                work = b"\\" + work
            # escaped backslashes and quotes, paired from the left as a parser does (one regex pass: two
            # bytes.replace of a 2-byte needle cost twice as much)
            work = _ESCAPED_PAIR.sub(b"", work)
            self._pending_backslash = work.endswith(b"\\")
            if self._pending_backslash:
                work = work[:-1]
        symbols = work.translate(None, _STRUCTURE)
        if not symbols:
            return None
        arr = np.frombuffer(symbols, dtype=np.uint8)
        quotes = arr == 0x22
        # quotes before each symbol (plus one when the chunk starts inside a string): odd means inside a string
        before = np.cumsum(quotes) - quotes + int(self._in_string)
        brackets = arr[(before % 2 == 0) & ~quotes]
        self._in_string = bool((int(quotes.sum()) + int(self._in_string)) % 2)
        # "[" 0x5B and "{" 0x7B have bit 1 set; "]" 0x5D and "}" 0x7D do not
        steps = np.where(brackets & 2, 1, -1)
        opens = int((steps > 0).sum())
        if self.depth + opens <= self.limit:
            self.depth = max(self.depth + int(steps.sum()), 0)
            return None
        running = self.depth + np.cumsum(steps)
        if int(running.max()) <= self.limit:
            self.depth = max(int(running[-1]), 0)
            return None
        return _exact_position(data, *start, self.limit)


def _exact_position(data: bytes, depth: int, in_string: bool, escaped: bool, limit: int) -> int:
    """Index of the bracket in ``data`` that first nests past ``limit`` (byte by byte: runs once, on refusal)."""
    for i, byte in enumerate(data):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return i
        elif byte in (0x5D, 0x7D):
            depth = max(depth - 1, 0)
    return len(data)


def fix_surrogates(data: bytes, odd_backslashes_before: bool = False) -> tuple[bytes, int]:
    """``data`` with every lone surrogate escape (``\\ud800``, a low one without its high one) replaced by
    ``\\ufffd``, and how many were replaced. ``odd_backslashes_before``: ``data`` continues an escape."""
    if not odd_backslashes_before:  # else the first byte is escaped by the chunk before: the exact path below
        if b"\\ud" not in data and b"\\uD" not in data:
            return data, 0  # no surrogate escape at all: the common case
        if b"\\\\u" not in data and _LONE.search(data) is None:
            # Every half is in a pair (emoji written as escapes). Without an escaped backslash right before a "u"
            # (text such as \\ud83d, which the search would take for an escape) this needs no tokenising.
            return data, 0
    count = 0

    def repl(m: re.Match[bytes]) -> bytes:
        nonlocal count
        text = m.group(0)
        if text == b"\\\\" or len(text) == 12:
            return text
        count += 1
        return b"\\ufffd"

    fixed = _ESCAPE.sub(repl, b"\\" + data)[1:] if odd_backslashes_before else _ESCAPE.sub(repl, data)
    return fixed, count


def load_json_line(line: bytes, path: object = None, position: str | None = None) -> tuple[Any, int]:
    """One JSON document held in ``line``: (value, lone surrogates replaced). Raises TooDeep past the nesting limit
    and ValueError for malformed JSON."""
    DepthGuard(path).feed(line)
    fixed, repaired = fix_surrogates(line)
    try:
        return json.loads(fixed), repaired
    except RecursionError:  # unreachable below the depth limit; kept so no parser recursion escapes as a crash
        raise TooDeep(f"JSON nested too deeply (more than {MAX_DEPTH} levels)", path=path, position=position) from None
