"""The JSON guards agree with a byte-by-byte reference wherever chunks end: the depth found, the strings skipped,
every lone surrogate replaced and every pair kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.ingest.json_guard import DepthGuard, TooDeep, fix_surrogates, load_json_line

# pieces of text, including a literal backslash followed by "ud83d" (which a careless scan takes for an escape)
_TEXT = st.lists(st.sampled_from(list('ab"\\[]{}/') + ["\n", "😀", "\ud83d", "\udc00", "ی", "\\ud83d", "\\udc00"]),
                 max_size=8).map("".join)
_JSON = st.recursive(st.none() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                     max_leaves=25)


def _depth(doc: str) -> int:
    """Maximum nesting of a JSON document, byte by byte (the reference)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in doc:
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _chunks(data: bytes, sizes: list[int]) -> list[bytes]:
    out, at, i = [], 0, 0
    while at < len(data):
        n = sizes[i % len(sizes)] if sizes else len(data)
        out.append(data[at:at + n])
        at, i = at + n, i + 1
    return out


@pytest.mark.slow
@settings(max_examples=300)
@given(_JSON, st.lists(st.integers(1, 9), max_size=6))
def test_depth_guard_agrees_with_the_reference_wherever_chunks_end(value: Any, sizes: list[int]) -> None:
    data = json.dumps(value).encode()  # ensure_ascii: escapes of every kind, lone halves included
    true = _depth(data.decode())
    for limit in {true, max(true - 1, 0)}:
        guard = DepthGuard(limit=limit)
        refused = any(guard.check(chunk) is not None for chunk in _chunks(data, sizes))
        assert refused == (true > limit), (data, limit)


@pytest.mark.slow
@settings(max_examples=300)
@given(st.lists(_TEXT, max_size=6))
def test_lone_surrogates_become_replacement_characters_and_pairs_stay(texts: list[str]) -> None:
    data = json.dumps(texts).encode()
    fixed, count = fix_surrogates(data)
    decoded = json.loads(fixed)
    expected = [t.encode("utf-16", "surrogatepass").decode("utf-16", "replace") for t in texts]
    assert decoded == expected
    halves = sum(1 for t in texts for ch in t if "\ud800" <= ch <= "\udfff")
    joined = sum(len(t) - len(e) for t, e in zip(texts, expected, strict=True))  # each pair joined is one shorter
    assert count == halves - 2 * joined
    assert all(not ("\ud800" <= ch <= "\udfff") for t in decoded for ch in t)


def test_a_refusal_names_the_byte_where_the_limit_is_passed() -> None:
    data = b'{"a": "[[[[", "b": ' + b"[" * 5 + b"]" * 5 + b"}"
    assert DepthGuard(limit=5).check(data) == data.index(b"[[[[[") + 4
    assert DepthGuard(limit=6).check(data) is None


def test_one_line_documents_are_guarded_too() -> None:
    with pytest.raises(TooDeep):
        load_json_line(b"[" * 1000 + b"]" * 1000)
    assert load_json_line(b'{"t": "\\ud83d x \\ud83d\\ude00"}') == ({"t": "\ufffd x 😀"}, 1)
