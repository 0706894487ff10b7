"""Passage alignment: offsets slice both ORIGINAL texts, across Persian/Arabic spelling variants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.reuse import align
from narrascope.text.normalize import normalize

WORDS = ["خبر", "فوری", "می‌گوید", "کتاب‌ها", "دولت", "ايران", "ملت", "news", "Regime", "social", "media", "۱۴۰۲", "said"]


def test_a_quote_inside_two_different_texts_is_aligned_exactly() -> None:
    quote = "the terminology of regime change is gaining complete control in social media networks today"
    a = f"Opening words here. “{quote}.” Closing words of the first article."
    b = f"An unrelated lede, then the expert said: {quote.capitalize()}… and more."
    (p,) = align(a, b).passages
    assert a[p.a_start : p.a_end] == quote
    assert b[p.b_start : p.b_end] == quote.capitalize()
    assert p.tokens == len(quote.split())


def test_persian_variants_align_and_keep_each_texts_spelling() -> None:
    a = "گزارش رسمی: مردم می‌گویند کتاب‌ها در ایران گران شده است و دولت پاسخی نداده است."
    b = "به گفته منابع، مردم ميگويند كتاب ها در ايران گران شده است و دولت پاسخي نداده است!"
    (p,) = align(a, b).passages
    assert a[p.a_start : p.a_end] == "مردم می‌گویند کتاب‌ها در ایران گران شده است و دولت پاسخی نداده است"
    assert b[p.b_start : p.b_end] == "مردم ميگويند كتاب ها در ايران گران شده است و دولت پاسخي نداده است"


def test_unrelated_texts_share_no_passage() -> None:
    result = align("one two three four five six", "seven eight nine ten eleven twelve")
    assert result.passages == () and result.aligned_tokens == 0 and result.vocabulary_jaccard == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=6, max_size=14), st.lists(st.sampled_from(WORDS), max_size=8),
       st.lists(st.sampled_from(WORDS), max_size=8), st.sampled_from([" ", "  ", "\n", " ، "]))
def test_passages_slice_to_the_same_normalised_words(shared, left, right, sep) -> None:
    a = sep.join(["alpha", *left, *shared, "omega"])
    b = " ".join(["beta", *right, *shared, "gamma"])
    result = align(a, b)
    assert result.aligned_tokens >= len(shared)
    for p in result.passages:
        assert 0 <= p.a_start < p.a_end <= len(a) and 0 <= p.b_start < p.b_end <= len(b)
        x, y = normalize(a[p.a_start : p.a_end]), normalize(b[p.b_start : p.b_end])
        assert x.replace("،", "").split() == y.replace("،", "").split()
        assert len(x.replace("،", "").split()) == p.tokens
