"""The tolerant JSON stream: Telegram's \\xNN escapes repaired across any chunking; errors located to the byte."""

from __future__ import annotations

import io
import json
from pathlib import Path

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.ingest.json_stream import (
    BOM,
    FixingReader,
    fix_escapes,
    input_error,
    open_fixed,
    parse_errors,
)


def reference_fix(data: bytes) -> bytes:
    """Byte-by-byte reference: a backslash either escapes the next byte or is escaped itself."""
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i : i + 1]
        if b == b"\\" and i + 1 < len(data):
            nxt = data[i + 1 : i + 2]
            out += b"\\u00" if nxt == b"x" else b"\\" + nxt
            i += 2
            continue
        out += b
        i += 1
    return bytes(out)


class ChunkedRaw(io.RawIOBase):
    """A raw stream that hands out data in the given chunk sizes, whatever size is asked for."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._pos = 0
        self._sizes = sizes or [1]
        self._turn = 0

    def read(self, size: int = -1) -> bytes:
        step = self._sizes[self._turn % len(self._sizes)]
        self._turn += 1
        chunk = self._data[self._pos : self._pos + max(1, min(step, size if size > 0 else step))]
        self._pos += len(chunk)
        return chunk


def read_all(reader: FixingReader, size: int = 7) -> bytes:
    out = bytearray()
    while chunk := reader.read(size):
        out += chunk
    return bytes(out)


def test_invalid_escape_becomes_unicode_escape() -> None:
    assert fix_escapes(rb'"a\x0Bb"') == rb'"a\u000Bb"'
    assert json.loads(fix_escapes(rb'"a\x0Bb\x1f"')) == "a\x0bb\x1f"


def test_escaped_backslash_before_x_is_left_alone() -> None:
    assert fix_escapes(rb'"C:\\x0B"') == rb'"C:\\x0B"'  # \\ is one backslash, then a plain "x0B"
    assert fix_escapes(rb'"\\\x0B"') == rb'"\\\u000B"'  # \\ then an invalid \x0B
    assert json.loads(fix_escapes(rb'"\\\x0B"')) == "\\\x0b"


def test_run_of_backslashes_split_across_chunks() -> None:
    data = rb'"ab\\\x0B and \\x"'
    for cut in range(len(data) + 1):
        reader = FixingReader(ChunkedRaw(data, [cut or 1, len(data)]))  # type: ignore[arg-type]
        assert read_all(reader, 64) == reference_fix(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60).map(lambda b: bytes(b"\\xa0B\""[x % 6] for x in b)),
       st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=8))
@pytest.mark.slow
def test_chunked_rewrite_equals_whole_string_reference(data: bytes, sizes: list[int]) -> None:
    assert fix_escapes(data) == reference_fix(data)
    reader = FixingReader(ChunkedRaw(data, sizes))  # type: ignore[arg-type]
    assert read_all(reader) == reference_fix(data)
    assert reader.raw_pos == len(data)


def desktop_string(text: str) -> str:
    """How Telegram Desktop writes a string: control characters as \\xNN, the rest like JSON."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ax\\\x0b\x01\n\"ی\u200c"), max_size=12), min_size=1, max_size=6),
       st.lists(st.integers(min_value=1, max_value=11), min_size=1, max_size=5))
@pytest.mark.slow
def test_desktop_strings_parse_back_exactly_under_any_chunking(texts: list[str], sizes: list[int]) -> None:
    doc = ("[" + ",".join(desktop_string(t) for t in texts) + "]").encode("utf-8")
    reader = FixingReader(ChunkedRaw(doc, sizes))  # type: ignore[arg-type]
    assert list(ijson.items(reader, "item", buf_size=5)) == texts


def test_bom_is_dropped_even_when_split() -> None:
    data = BOM + b'{"a": 1}'
    assert read_all(FixingReader(io.BytesIO(data))) == b'{"a": 1}'
    assert read_all(FixingReader(ChunkedRaw(data, [1, 1, 1, 50]))) == b'{"a": 1}'  # type: ignore[arg-type]
    assert list(ijson.items(FixingReader(io.BytesIO(data)), "a")) == [1]


def test_read_zero_consumes_nothing() -> None:
    reader = FixingReader(io.BytesIO(b"[1]"))
    assert reader.read(0) == b""
    assert not reader.eof
    assert read_all(reader) == b"[1]"


def test_progress_reports_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b",".join([b'"' + b"a" * 1000 + b'"'] * 9000) + b"]")
    seen: list[int] = []
    with open_fixed(path, seen.append) as reader:
        assert sum(1 for _ in ijson.items(reader, "item")) == 9000
        reader.finish()
    assert seen == sorted(seen) and len(seen) >= 2
    assert seen[-1] == path.stat().st_size


def _error_for(path: Path) -> InputError:
    with pytest.raises(InputError) as info, open_fixed(path) as reader, parse_errors(path, reader):
        for _ in ijson.items(reader, "item"):
            pass
    return info.value


def test_truncated_file_names_its_end(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(b'[{"a": "' + b"x" * 200_000 + b'"}, {"b": ')
    err = _error_for(path)
    assert f"byte {path.stat().st_size:,}" in str(err) and "truncated" in str(err)
    assert str(path) in str(err) and "\n" not in str(err)


def test_invalid_utf8_is_located_exactly(tmp_path: Path) -> None:
    prefix = b'[{"a": "' + "ی".encode() * 50_000 + b"ok "
    path = tmp_path / "bad.json"
    path.write_bytes(prefix + b"\xff" + b'"}]')
    err = _error_for(path)
    assert f"byte {len(prefix):,}" in str(err) and "UTF-8" in str(err) and "0xFF" in str(err)


def test_syntax_error_is_located_exactly_past_the_first_chunk(tmp_path: Path) -> None:
    prefix = b"[" + b'"\\x0Bpad", ' * 20_000 + b"tru"
    path = tmp_path / "bad.json"
    path.write_bytes(prefix + b"}]")
    err = _error_for(path)
    assert "malformed JSON" in str(err)
    assert f"byte {len(prefix):,}" in str(err)  # the "}" that ends the bad literal, in raw file bytes


def test_input_error_keeps_the_parser_reason(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'{"a": 1 "b": 2}')
    with open_fixed(path) as reader:
        try:
            list(ijson.parse(reader))
        except ijson.JSONError as exc:
            err = input_error(exc, path, reader)
    assert "parse error" in str(err) and "byte 10" in str(err)  # the parser gives up at the end of the "b" token
