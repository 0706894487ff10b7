"""Terms with ``elongation: true`` match letters repeated for emphasis; spans cover the whole stretched word."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.frames.elongation import SqueezedBuffer, squeeze_literal
from narrascope.frames.lexicon import LexiconError, parse_lexicon_yaml

from .test_forms import assert_hits

LEXICON = """
frames:
  - id: f
    terms:
      fa: [{term: خیلی, elongation: true}, {term: "قیام*", elongation: true}, {term: آمریکا, suffixes: true,
           elongation: true}, خوب]
      en: [{term: good, elongation: true}, {term: so, elongation: true}]
    exclude: [{term: خیلی کم, elongation: true}]
"""


def test_repeated_letters_match_when_the_term_asks() -> None:
    assert_hits(parse_lexicon_yaml(LEXICON), {
        "خیییییلی بد شد 😡": ["خیییییلی"],
        "خیلیییی": ["خیلیییی"],
        "خخخیلی و خیلی": ["خخخیلی", "خیلی"],
        "قیاممم مردم و قیااام‌ها": ["قیاممم", "قیااام‌ها"],
        "آمریکاییییی‌ها": ["آمریکاییییی‌ها"],
        "sooo goooood!": ["sooo", "goooood"],
        "SO GOOD": ["SO", "GOOD"],
        "خووووب": [],  # خوب has no elongation switch
    }, ["god", "goo", "خلی", "خیییییلی کم بود", "s0oo"])


def test_the_lexicon_can_switch_elongation_on_for_every_term() -> None:
    lex = parse_lexicon_yaml("elongation: true\nframes:\n  - id: f\n    terms:\n      fa: [خیلی, {term: بد, "
                             "elongation: false}]\n    exclude: [خیلی کم]\n")
    terms = lex.frames[0].terms
    assert [t.elongation for t in terms] == [True, False] and lex.frames[0].exclude[0].elongation
    assert terms[0].canonical()["elongation"] is True and "elongation" not in terms[1].canonical()
    assert_hits(lex, {"خیییلی بددد": ["خیییلی"], "بد": ["بد"]}, ["بددد", "خیلی کممم"])
    with_regex = parse_lexicon_yaml("elongation: true\nframes:\n  - id: f\n    terms:\n      en: [{regex: 'x+y'}]\n")
    assert not with_regex.frames[0].terms[0].elongation  # the lexicon's default leaves regex terms alone


def test_elongation_is_refused_on_regex_terms() -> None:
    with pytest.raises(LexiconError, match="line 5.*cannot set elongation"):
        parse_lexicon_yaml("frames:\n  - id: f\n    terms:\n      en:\n        - {regex: 'ab+', elongation: true}\n")


def test_content_hash_without_elongation_is_unchanged() -> None:
    plain = parse_lexicon_yaml("frames:\n  - id: f\n    terms:\n      fa: [خیلی]\n")
    off = parse_lexicon_yaml("frames:\n  - id: f\n    terms:\n      fa: [{term: خیلی, elongation: false}]\n")
    on = parse_lexicon_yaml("frames:\n  - id: f\n    terms:\n      fa: [{term: خیلی, elongation: true}]\n")
    assert plain.content_hash == off.content_hash != on.content_hash


def test_squeeze_keeps_digits_and_spaces() -> None:
    assert squeeze_literal("goood  1000 کتاب") == ("god  1000 کتاب", (1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
    buf = SqueezedBuffer.of("خیییلی 100\n".encode())
    assert buf.buffer.decode() == "خیلی 100\n"
    assert buf.run_length.tolist() == [1, 3, 1, 1, 1, 1, 1, 1, 1]
    # squeezed characters map back to the byte offsets of their runs in the original buffer
    assert np.array_equal(buf.orig_char_bytes[buf.run_start], [0, 2, 8, 10, 12, 13, 14, 15, 16])
