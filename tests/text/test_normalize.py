"""The matching form: the ordered mapping, offsets back to the original, and the batch path (authored cases)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.text.normalize import (
    MATCH_TABLE,
    MATCH_TABLE_VERSION,
    Normalized,
    nfc_sensitive_codepoints,
    normalize,
    normalize_many,
    normalize_with_offsets,
)
from narrascope.text.tokens import token_spans

ZWNJ = "\u200c"

# Pieces that exercise every rule and their interactions; mixed with arbitrary code points (astral included).
FRAGMENTS = [
    "می", "نمی", " ", "  ", "ها", "های", "هایی", ZWNJ, "کتاب", "روم", "ـ", "\u064e", "\u0650", "\u0651", "\u0670",
    "ي", "ك", "ى", "ة", "ۀ", "ئ", "۱", "٢", "٫", "ß", "İ", "ǰ", "ẞ", "\u0301", "\u0308", "\u0654", "\u0653", "ا", "ه",
    "ے", "Σ", "ﷺ", "﷽", "ﻧ", "ﺎ", "\ufe70", "\u00a0", "\u2003", "\n", "\t", "\r\n", "😂", "👩\u200d💻", "A", "e", "x",
    "\u200b", "\u200f", "\u2066", "\u202b", "\ufeff", "\u00ad", "\u212b", "한", "\u1100", "\u1161", "\u11a8", "\ufb01",
    "\u200d", "5", ".", "'", "’", "_", "-", "«", "»", "،", "Ё", "ΐ",
    # compatibility forms, the connector _, hamza after alef/heh
    "ء", "اء", "هء", "ＩＲＧＣ", "𝐁", "ﬁ", "²", "＿", "ｶ", "ﾞ", "ㅎ", "ㅏ", "™", "①", "\u2126", "ſ",
]
TEXTS = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.characters(exclude_categories=["Cs"])), max_size=30
).map("".join)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the mapping, case by case ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form", ["می\u200cروم", "میروم", "می روم", "مي\u200cروم", "مى روم", "می\u200c\u200cروم", "میـــروم", "مِی‌رَوَم"]
)
def test_mi_prefix_forms_share_one_key(form):
    assert normalize(form) == "میروم"


@pytest.mark.parametrize("form", ["کتاب\u200cها", "کتابها", "کتاب ها", "كتاب ها", "کتاب  ها", "کتاب\u00a0ها"])
def test_plural_suffix_forms_share_one_key(form):
    assert normalize(form) == "کتابها"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("نمی دانم", "نمیدانم"),
        ("كتاب هاي ما", "کتابهای ما"),
        ("لحظه هایی سخت", "لحظههایی سخت"),
        ("ماه می", "ماه می"),  # a standalone می at the end joins nothing
        ("همی روم", "همی روم"),  # می inside a word is no prefix
        ("می 5", "می 5"),  # the prefix joins Arabic-script letters only
        ("کتاب هاشم", "کتاب هاشم"),  # ها must be a whole token
        ("5 ها", "5 ها"),
        ("کتاب ها ها", "کتابهاها"),  # the suffix join repeats
        ("ﻧﺎﻥ", "نان"),  # presentation forms
        ("ﷲ", "الله"),
        ("﷽", "بسم الله الرحمن الرحیم"),
        ("\ufe70کتاب", "کتاب"),  # an isolated diacritic form vanishes
        ("٥ و ۵ و 5", "5 و 5 و 5"),
        ("۳٫۵", "3.5"),
        ("ۀ خانۀ ما", "ه خانه ما"),
        ("مسئله", "مسیله"),
        ("آمد أمد إمد", "امد امد امد"),
        ("ا\u0653مد", "امد"),  # decomposed alef madda
        ("\u200fسلام\u200e \u2067x\u2069", "سلام x"),
        ("  a\u00a0\u2003b\n\tc  ", "a b c"),
        # hashtags join words with "_": it reads as a space (issue 10 §2)
        ("#تغییر_رژیم", "#تغییر رژیم"),
        ("#جمهوری_اسلامی_ایران", "#جمهوری اسلامی ایران"),
        ("__a__b__", "a b"),
        ("#می_روم", "#میروم"),  # then the joins apply as for a space
        # compatibility characters: letters, digits, punctuation take their NFKC form; symbols stay
        ("ＩＲＧＣ ｉｒｇｃ", "irgc irgc"),
        ("𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐", "bold italic"),
        ("ﬁnal ſtate", "final state"),
        ("① x² H₂O ½", "1 x2 h2o 1⁄2"),
        ("（ok）！", "(ok)!"),
        ("Apple™ 30℃ Ⓐ ´", "apple™ 30℃ ⓐ ´"),
        ("ｶﾞ", "ガ"),
        # hamza after alef or heh is dropped; elsewhere it stays (جزء "part" ≠ جز "except")
        ("اعضاء", "اعضا"),
        ("اعضاء ها", "اعضاها"),
        ("خانهء ما", "خانه ما"),
        ("اجزاءءء", "اجزا"),
        ("جزء و سوء", "جزء و سوء"),
        ("Straße ΣΊΣΥΦΟΣ Ёлка", "strasse σίσυφοσ ёлка"),
        ("İ", "i\u0307"),
        ("don’t", "don't"),
        ("😂 👍", "😂 👍"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_examples(raw, key):
    assert normalize(raw) == key


def test_table_values_are_fixed_points_in_nfc():
    for value in MATCH_TABLE.values():
        assert value.translate(MATCH_TABLE) == value
        assert unicodedata.is_normalized("NFC", value)


def test_deleted_marks_give_the_same_result_with_or_without_nfc():
    """Why normalize_many may skip NFC on rows whose only unstable characters are deleted marks."""
    checked = 0
    for cp in range(0x20000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<") and MATCH_TABLE.get(int(parts[1], 16)) == "":
            base, mark = chr(int(parts[0], 16)), chr(int(parts[1], 16))
            assert chr(cp).translate(MATCH_TABLE) == base.translate(MATCH_TABLE), hex(cp)
            assert (base + mark).translate(MATCH_TABLE) == normalize(base + mark), hex(cp)
            checked += 1
    assert checked >= 8  # آ أ إ ؤ ئ ۀ ۂ ۓ at least
    sensitive = nfc_sensitive_codepoints()
    assert 0x0301 in sensitive and 0x0130 in sensitive  # Latin acute; İ (its fold has a combining dot)
    assert 0x064E not in sensitive and 0x0654 not in sensitive  # Arabic marks are deleted by the table


def test_version_is_stable_and_names_the_mapping():
    assert MATCH_TABLE_VERSION.startswith("mf2-")
    assert len(MATCH_TABLE_VERSION) == 20


# --- offsets ----------------------------------------------------------------------------------------------------------


def test_offsets_of_a_joined_word_point_into_the_original():
    original = "او مي‌روم به كتاب ها"
    result = normalize_with_offsets(original)
    assert result.text == "او میروم به کتابها"
    start = result.text.index("میروم")
    assert original[slice(*result.original_span(start, start + 5))] == "مي‌روم"
    start = result.text.index("کتابها")
    assert original[slice(*result.original_span(start, start + 6))] == "كتاب ها"


def test_expansions_and_nfc_clusters_share_their_source_span():
    original = "Aße\u0301"
    result = normalize_with_offsets(original)
    assert result.text == "assé"
    assert result.starts.tolist() == [0, 1, 1, 2]
    assert result.ends.tolist() == [1, 2, 2, 4]


def test_empty_spans_and_bounds():
    result = normalize_with_offsets("  ab ")
    assert result.original_span(0, 0) == (2, 2)
    assert result.original_span(2, 2) == (4, 4)
    assert result.original_span(0, 2) == (2, 4)
    with pytest.raises(IndexError):
        result.original_span(1, 3)
    empty = normalize_with_offsets(" \u200c ")
    assert empty.text == "" and empty.original_span(0, 0) == (0, 0)
    assert isinstance(empty, Normalized) and empty.starts.dtype == np.int64


def _group_boundary(result: Normalized, i: int) -> bool:
    """True unless characters i-1 and i come from one source character or NFC cluster (ß → ss, ﷺ → 4 words)."""
    return i in (0, len(result.text)) or result.starts[i] != result.starts[i - 1]


@pytest.mark.slow
@PROPERTY
@given(TEXTS)
def test_offsets_map_token_spans_back_to_original_text_with_the_same_key(text):
    result = normalize_with_offsets(text)
    n = len(result.text)
    assert result.text == normalize(text)
    assert len(result.starts) == len(result.ends) == n
    if n:
        assert result.starts.min() >= 0 and result.ends.max() <= len(text)
        assert (result.starts < result.ends).all()
        assert (np.diff(result.starts) >= 0).all() and (np.diff(result.ends) >= 0).all()
    spans = token_spans(result.text)
    # The strongest statement that holds: any run of whole tokens whose ends do not split one source character's
    # expansion maps back to original text that normalises to exactly that run.
    for a, (i, _) in enumerate(spans):
        for _, j in spans[a:]:
            if _group_boundary(result, i) and _group_boundary(result, j):
                start, end = result.original_span(i, j)
                assert normalize(text[start:end]) == result.text[i:j]
    start, end = result.original_span(0, n)
    assert normalize(text[start:end]) == result.text


@pytest.mark.slow
@PROPERTY
@given(TEXTS)
def test_normalize_is_idempotent(text):
    key = normalize(text)
    assert normalize(key) == key


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), TEXTS), max_size=40))
def test_normalize_many_equals_normalize(texts):
    import narrascope.text.normalize as module

    expected = [None if t is None else normalize(t) for t in texts]
    assert normalize_many(texts).to_pylist() == expected  # the small-batch path
    small = module.SMALL_BATCH
    module.SMALL_BATCH = -1  # the vectorised path, whatever the batch size
    try:
        assert normalize_many(texts).to_pylist() == expected
        assert normalize_many(pa.array(texts, type=pa.large_string())).to_pylist() == expected
    finally:
        module.SMALL_BATCH = small


def test_normalize_many_accepts_arrow_and_iterables():
    out = normalize_many(pa.array(["مي روم", None, "A  B"]))
    assert out.type == pa.string()
    assert out.to_pylist() == ["میروم", None, "a b"]
    assert normalize_many(iter(["كتاب ها"])).to_pylist() == ["کتابها"]
    assert normalize_many([]).to_pylist() == []
    assert normalize_many(pa.chunked_array([["x"], ["Y"]])).to_pylist() == ["x", "y"]
    with pytest.raises(TypeError):
        normalize_many(pa.array([1, 2]))
