"""Word tokens of the matching form (authored cases)."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.text.normalize import normalize
from narrascope.text.tokens import token_spans, tokens


def test_persian_and_latin_tokens():
    assert tokens(normalize("او مي‌رود، كتاب ها را «می‌خواند»!")) == ["او", "میرود", "کتابها", "را", "میخواند"]
    assert tokens("don't stop covid-19 g7 l'état") == ["don't", "stop", "covid", "19", "g7", "l'état"]
    assert tokens("  ''x'' 😂 ؟ ") == ["x"]
    assert tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]  # vowel signs are marks and stay inside the word
    assert tokens("") == []


def test_spans_index_the_tokens():
    text = "a bb, ccc"
    assert token_spans(text) == [(0, 1), (2, 4), (6, 9)]
    assert [text[s:e] for s, e in token_spans(text)] == tokens(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ک می\u200c'’-.5😂\u0301"), max_size=40))
def test_tokens_cover_every_letter_and_digit_in_order(text):
    spans = token_spans(text)
    assert [text[s:e] for s, e in spans] == tokens(text)
    assert all(e > s for s, e in spans) and all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    outside = "".join(text[e:s] for (_, e), (s, _) in zip([(0, 0), *spans], [*spans, (len(text), 0)], strict=True))
    assert not regex.search(r"[\p{L}\p{N}]", outside)
