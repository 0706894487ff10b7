"""Word boundaries on UTF-8 buffers: the classes, the digit-glue rule, wildcard extension over long words."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.frames.boundary import (
    ARABIC_LETTER,
    DIGIT,
    NONWORD,
    OTHER_WORD,
    bounded,
    char_class_table,
    extend_to_word_end,
    is_boundary,
    word_table,
)


def test_classes() -> None:
    cls = char_class_table()
    assert [cls[ord(c)] for c in "a9متر ٣_é"] == [OTHER_WORD, DIGIT, ARABIC_LETTER, ARABIC_LETTER, ARABIC_LETTER,
                                                  NONWORD, DIGIT, NONWORD, OTHER_WORD]
    assert word_table()[ord("۹")] and not word_table()[0x200C]


def test_digits_glued_to_arabic_script_letters_are_boundaries() -> None:
    pairs = {("۹", "م"): True, ("م", "9"): True, ("a", "9"): False, ("9", "a"): False, ("م", "ن"): False,
             ("9", "9"): False, (" ", "a"): True, ("a", "،"): True, ("e", "ه"): True, ("ه", "x"): True,
             ("a", "б"): False}
    cls = char_class_table()
    for (a, b), expected in pairs.items():
        assert bool(is_boundary(np.array([cls[ord(a)]]), np.array([cls[ord(b)]]))[0]) is expected, (a, b)


def _buffer(text: str) -> np.ndarray:
    return np.frombuffer((text + "\n").encode(), dtype=np.uint8)


def test_bounded_checks_both_sides() -> None:
    text = "۹متر x9 کتابخانه"
    u8 = _buffer(text)
    b = lambda s: len(text[:s].encode())  # noqa: E731 - character → byte offset
    spans = [(1, 4), (0, 1), (6, 7), (8, 12)]  # متر, ۹, 9 (after x), کتاب (inside کتابخانه)
    got = bounded(u8, np.array([b(s) for s, _ in spans]), np.array([b(e) for _, e in spans]),
                  np.zeros(len(spans), dtype=bool))
    assert got.tolist() == [True, True, False, False]


WORDS = st.text(alphabet=st.sampled_from("abمت۹9 .ـ"), min_size=1, max_size=600)


@settings(max_examples=150, deadline=None)
@given(WORDS, st.integers(min_value=1, max_value=599))
def test_extension_to_the_word_end_equals_a_character_loop(text: str, at: int) -> None:
    """The vectorised extension (64 steps, then doubling windows) agrees with a plain loop, words of any length.
    ``at`` is the end of a match, so at least one character lies before it."""
    at = min(at, len(text))
    u8 = _buffer(text)
    cls = char_class_table()
    expected = at
    while expected < len(text) and not is_boundary(np.array([cls[ord(text[expected - 1])]]),
                                                   np.array([cls[ord(text[expected])]]))[0]:
        expected += 1
    start = len(text[:at].encode())
    got = extend_to_word_end(u8, np.array([start]), np.array([len(u8) - 1]))
    assert got.tolist() == [len(text[:expected].encode())]


def test_extension_of_a_very_long_word_is_not_quadratic() -> None:
    text = "قیام" + "م" * 200_000 + "۵۷ x"
    u8 = _buffer(text)
    got = extend_to_word_end(u8, np.array([len("قیام".encode())] * 50), np.array([len(u8) - 1] * 50))
    assert set(got.tolist()) == {len(("قیام" + "م" * 200_000).encode())}


def test_extension_of_long_words_stops_where_a_short_one_would() -> None:
    for word, tail in (("a" * 300 + "99", " x"), ("ب" * 70, "9م"), ("é" * 1000, ".")):
        u8 = _buffer(word + tail)
        got = extend_to_word_end(u8, np.array([1 if word[0] == "a" else 2]), np.array([len(u8) - 1]))
        assert got.tolist() == [len(word.encode())], word[:3]
