"""Mutations of a seed file, in the classes of issue 15's fault-injection campaign: truncations, bit flips,
bracket damage, NUL bytes, BOMs, UTF-16, CR-only line ends, wrong field types, lone surrogates, deep nesting,
long lines, control characters, CSV rows cut or short, huge headers, odd time-zone suffixes.

Every mutator takes (random generator, bytes, seed kind) and returns the mutated bytes, or None when it does not
apply to that kind of file. All randomness comes from the generator passed in, so a case is reproducible from
(seed name, mutator name, case number). Mutators of one kind of file are written over what they change — JSON
documents, CSV lines, the last CSV row — and wrapped (:func:`_json_docs`, :func:`_csv_rows`, :func:`_csv_tail`,
:func:`_only`) into that signature; the wrappers draw nothing from the generator, so cases stay as they were.
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Callable
from typing import Any

__all__ = ["MUTATORS", "Mutator", "deep_nesting_json"]

Mutator = Callable[[random.Random, bytes, str], bytes | None]
#: (generator, documents, kind) → whether anything changed; the documents are changed in place
JsonChange = Callable[[random.Random, list[Any], str], bool]
#: (generator, lines with their ends (three or more), separator) → the mutated file
CsvLinesChange = Callable[[random.Random, list[bytes], bytes], bytes | None]
#: (generator, the file without its final line ends, where its last row starts) → the mutated file
CsvTailChange = Callable[[random.Random, bytes, int], bytes | None]

_BOM = b"\xef\xbb\xbf"
_JUNK = [b"\x00", b"{", b"}", b"[", b"]", b'"', b"\\", b",", b"\n", b"\r", b"\xff", b"\xc3", b"<", b">", b"'", b"\t"]
_WRONG = [1.5, 7, -1, 0, ["a", "b"], [1, 2], {"x": 1}, {"_": "Message"}, None, True, False, "str", "", [], [[1]],
          1e308, 10**30, "2023-13-45T99:99:99"]
#: keys whose wrong types once reached an internal error (issue 15), tried first.
_KEYS = ["entities", "type", "grouped_id", "media", "text", "text_entities", "date", "id", "fwd_from", "peer_id",
         "reactions", "from_id", "_chat", "_sender", "title", "creation_timestamp", "uri", "message", "date_unixtime",
         "results", "count", "offset", "length", "messages", "name", "edit_date", "reply_to", "forwarded_from",
         "from", "actor_id", "photo", "post_author", "views", "document", "attributes", "to_id", "action", "_type",
         "_", "channel_id", "from_name", "channel_post", "edited_unixtime", "owner", "webpage", "url"]
_ESCAPES = ["\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "\x1b[31mred\x1b[0m", "[/bold] x", "[link=file:///etc]y[/link]",
            "\x9b31m", "\r\rline", "\x08\x08\x08", "\u202egnp.exe"]


def _only(*kinds: str) -> Callable[[Mutator], Mutator]:
    """A mutator for these kinds of file alone (None for others)."""
    def wrap(change: Mutator) -> Mutator:
        @functools.wraps(change)
        def mutate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
            return change(rng, data, kind) if kind in kinds else None
        return mutate
    return wrap


# ---------------------------------------------------------------------------------------------- bytes
def truncate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    return data[: rng.randrange(1, len(data))] if len(data) > 2 else None


def truncate_late(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    """A cut in the last quarter: most of the file is fine, its end is missing (a copy interrupted)."""
    if len(data) < 8:
        return None
    cut = rng.randrange(len(data) * 3 // 4, len(data) - 1)
    return data[:cut]


def bit_flip(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_junk(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out))
        if rng.random() < 0.3:
            del out[i]
        else:
            out[i:i] = rng.choice(_JUNK)
    return bytes(out)


def nul_bytes(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    i = rng.randrange(len(data))
    return data[:i] + b"\x00" * rng.randint(1, 64) + data[i:]


def bom(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    if rng.random() < 0.5:
        return _BOM + _BOM + data if data.startswith(_BOM) else _BOM + data
    i = rng.randrange(len(data))
    return data[:i] + _BOM + data[i:]


def utf16(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text.encode("utf-16" if rng.random() < 0.5 else "utf-16-be")


def cr_only(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    if b"\n" not in data:
        return None
    return data.replace(b"\r\n", b"\r").replace(b"\n", b"\r")


def bracket_damage(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    spots = [m.start() for m in re.finditer(rb"[\[\]{}<>]", data)]
    if not spots:
        return None
    out = bytearray(data)
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        out[i] = rng.choice(b"[]{}<>")
    return bytes(out)


def long_line(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    """A 1–3 MB run without a line break, inside the text where a string allows it."""
    run = b"a" * rng.randint(1 << 20, 3 << 20)
    if kind in ("json", "ndjson"):
        m = list(re.finditer(rb'"(?:message|text|title|body)"\s*:\s*"', data))
        if m:
            at = rng.choice(m).end()
            return data[:at] + run + data[at:]
    i = rng.randrange(len(data))
    return data[:i] + run + data[i:]


def control_chars(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    """Terminal escapes and rich markup inside values (stored as data; must never reach a terminal raw)."""
    payload = rng.choice(_ESCAPES)
    if kind in ("json", "ndjson"):
        encoded = json.dumps(payload)[1:-1].encode()
        spots = [m.end() for m in re.finditer(rb'"(?:message|text|title|name|from|body)"\s*:\s*"', data)]
        if not spots:
            return None
        at = rng.choice(spots)
        return data[:at] + encoded + data[at:]
    i = rng.randrange(len(data))
    return data[:i] + payload.encode() + data[i:]


# ---------------------------------------------------------------------------------------------- JSON structure
def _load_json(data: bytes, kind: str) -> list[Any] | None:
    """The documents of a JSON file (one) or NDJSON file (one per line)."""
    try:
        text = data.decode("utf-8-sig")
        if kind == "ndjson":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return [json.loads(text)]
    except ValueError:
        return None


def _dump_json(docs: list[Any], kind: str) -> bytes:
    if kind == "ndjson":
        return "".join(json.dumps(d) + "\n" for d in docs).encode()
    return json.dumps(docs[0], indent=1).encode()  # ensure_ascii: lone surrogates stay \udXXX escapes


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) pair in a JSON value."""
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            _slots(v, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            _slots(v, out)
    return out


def _json_docs(change: JsonChange) -> Mutator:
    """A JSON/NDJSON mutator that changes the parsed documents; None for other kinds, unparsable files or when
    nothing changed."""
    @functools.wraps(change)
    def mutate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
        if kind not in ("json", "ndjson"):
            return None
        docs = _load_json(data, kind)
        if docs is None or not change(rng, docs, kind):
            return None
        return _dump_json(docs, kind)

    return mutate


def _structural(change: Callable[[random.Random, Any, Any], bool], strings_only: bool = False) -> Mutator:
    """One to three values anywhere in the documents changed by ``change(rng, container, key)``."""
    def values(rng: random.Random, docs: list[Any], kind: str) -> bool:
        slots = [(c, k) for c, k in _slots(docs, []) if not strings_only or isinstance(c[k], str)]
        if not slots:
            return False
        changed = False
        for _ in range(rng.randint(1, 3)):
            container, key = rng.choice(slots)
            changed = change(rng, container, key) or changed
        return changed

    return _json_docs(values)


def _wrong_type(rng: random.Random, container: Any, key: Any) -> bool:
    container[key] = rng.choice(_WRONG)
    return True


@_json_docs
def _targeted_wrong_type(rng: random.Random, docs: list[Any], kind: str) -> bool:
    """A wrong type for a key that matters (entities, type, grouped_id, media, …), in every place it occurs."""
    slots = [(c, k) for c, k in _slots(docs, []) if isinstance(c, dict) and k in _KEYS]
    if not slots:
        return False
    key = rng.choice(sorted({k for _, k in slots}))
    value = rng.choice(_WRONG)
    for container, k in slots:
        if k == key:
            container[k] = value
    return True


def _lone_surrogate(rng: random.Random, container: Any, key: Any) -> bool:
    value = container[key]
    if not isinstance(value, str):
        return False
    at = rng.randrange(len(value) + 1)
    container[key] = value[:at] + rng.choice(["\ud800", "\udc00\ud800", "\udfff", "\ud83d"]) + value[at:]
    return True


def deep_nesting_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_nesting(depth_range: tuple[int, int]) -> Mutator:
    """A value replaced by brackets nested thousands deep (written as text: json.dumps would recurse)."""
    marker = "__NARRASCOPE_DEEP__"

    @_json_docs
    def mark(rng: random.Random, docs: list[Any], kind: str) -> bool:
        slots = [(c, k) for c, k in _slots(docs, []) if isinstance(c, dict)]
        if not slots:
            return False
        container, key = rng.choice(slots)
        container[key] = marker
        return True

    def mutate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
        marked = mark(rng, data, kind)
        if marked is None:
            return None
        return marked.replace(f'"{marker}"'.encode(), deep_nesting_json(rng.randint(*depth_range)).encode(), 1)

    return mutate


def _huge_number(rng: random.Random, container: Any, key: Any) -> bool:
    container[key] = rng.choice([float("inf"), float("-inf"), float("nan"), 10**400, -(10**40), 1e-320])
    return True


# ---------------------------------------------------------------------------------------------- CSV
def _csv_rows(change: CsvLinesChange) -> Mutator:
    """A CSV mutator over the file's lines (None for other kinds and files of fewer than three lines)."""
    @functools.wraps(change)
    def mutate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
        lines = data.splitlines(keepends=True)
        if kind != "csv" or len(lines) < 3:
            return None
        return change(rng, lines, b"\t" if b"\t" in lines[0] else b",")

    return mutate


def _csv_tail(change: CsvTailChange) -> Mutator:
    """A CSV mutator of the last row (None for other kinds and files of a single line)."""
    @functools.wraps(change)
    def mutate(rng: random.Random, data: bytes, kind: str) -> bytes | None:
        if kind != "csv":
            return None
        body = data.rstrip(b"\r\n")
        last = max(body.rfind(b"\n"), body.rfind(b"\r"))
        return None if last < 0 else change(rng, body, last)

    return mutate


@_csv_tail
def csv_cut_row(rng: random.Random, body: bytes, last: int) -> bytes | None:
    """The file ends inside its last row (a copy cut short)."""
    if last + 2 >= len(body):
        return None
    return body[: rng.randrange(last + 2, len(body))]


@_csv_tail
def csv_open_quote(rng: random.Random, body: bytes, last: int) -> bytes | None:
    """An unterminated quote on the last row."""
    row = body[last + 1:]
    sep = b"\t" if b"\t" in row else b","
    cells = row.split(sep)
    i = rng.randrange(len(cells))
    cells[i] = b'"' + cells[i].replace(b'"', b"")
    return body[: last + 1] + sep.join(cells) + b"\n"


@_csv_rows
def csv_short_row(rng: random.Random, lines: list[bytes], sep: bytes) -> bytes | None:
    """A row with fewer fields than the header."""
    i = rng.randrange(1, len(lines))
    cells = lines[i].rstrip(b"\r\n").split(sep)
    if len(cells) < 2 or b'"' in lines[i]:
        return None
    lines[i] = sep.join(cells[: rng.randrange(1, len(cells))]) + b"\n"
    return b"".join(lines)


@_csv_rows
def csv_huge_header(rng: random.Random, lines: list[bytes], sep: bytes) -> bytes | None:
    """A header longer than the 64 KiB sniffing window."""
    extra = b"x" * rng.randint(70_000, 100_000)
    lines[0] = lines[0].rstrip(b"\r\n") + sep + extra + b"\n"
    for i in range(1, len(lines)):
        lines[i] = lines[i].rstrip(b"\r\n") + sep + b"\n"
    return b"".join(lines)


@_csv_rows
def csv_wrong_cells(rng: random.Random, lines: list[bytes], sep: bytes) -> bytes | None:
    """A cell replaced by a value readers misparse (nan, huge numbers, impossible dates, Persian digits, a
    formula)."""
    i = rng.randrange(1, len(lines))
    if b'"' in lines[i]:
        return None
    cells = lines[i].rstrip(b"\r\n").split(sep)
    j = rng.randrange(len(cells))
    cells[j] = rng.choice([b"nan", b"1e400", b"-", b"", b"9999999999999999999999", b"2023-13-45 99:99:99", b"-1",
                           b"0x1F", b"\xd9\xa1\xd9\xa2", b"=HYPERLINK(\"http://x\")", b"True", b"inf"])
    lines[i] = sep.join(cells) + b"\n"
    return b"".join(lines)


# ---------------------------------------------------------------------------------------------- HTML
_TITLE = re.compile(rb'title="(\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d)( UTC[+-]\d\d:\d\d)?"')


@_only("html")
def html_odd_zone(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    """Time-zone suffixes Desktop never writes, and dates that do not exist."""
    if not _TITLE.search(data):
        return None
    suffix = rng.choice([b" UTC+99:99", b" UTC+24:00", b" UTC-", b" GMT+5:75", b" UTC+\xdb\xb3:\xdb\xb3\xdb\xb0",
                         b" UTC+100", b" UTC+-3", b" UTC+03:30 extra", b" UTC+999999999999:00"])
    if rng.random() < 0.3:
        return _TITLE.sub(b'title="31.02.2023 10:00:00"', data, count=1)
    return _TITLE.sub(lambda m: b'title="' + m.group(1) + suffix + b'"', data, count=rng.randint(1, 3))


@_only("html")
def html_strip_ids(rng: random.Random, data: bytes, kind: str) -> bytes | None:
    """Message ids removed, garbled or too large for an integer."""
    if b'id="message' not in data:
        return None
    return re.sub(rb'id="message(-?\d+)"', lambda m: rng.choice([b'id="message"', b'id="messagex"', m.group(0),
                                                                 b'id="message99999999999999999999999"']), data)


MUTATORS: dict[str, Mutator] = {
    "truncate": truncate,
    "truncate_late": truncate_late,
    "bit_flip": bit_flip,
    "byte_junk": byte_junk,
    "nul_bytes": nul_bytes,
    "bom": bom,
    "utf16": utf16,
    "cr_only": cr_only,
    "bracket_damage": bracket_damage,
    "long_line": long_line,
    "control_chars": control_chars,
    "wrong_type": _structural(_wrong_type),
    "targeted_wrong_type": _targeted_wrong_type,
    "lone_surrogate": _structural(_lone_surrogate, strings_only=True),
    "deep_nesting": _deep_nesting((2_000, 100_000)),
    "huge_number": _structural(_huge_number),
    "csv_cut_row": csv_cut_row,
    "csv_open_quote": csv_open_quote,
    "csv_short_row": csv_short_row,
    "csv_huge_header": csv_huge_header,
    "csv_wrong_cells": csv_wrong_cells,
    "html_odd_zone": html_odd_zone,
    "html_strip_ids": html_strip_ids,
}
