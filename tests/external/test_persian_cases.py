"""The matching form against real Persian text and upstream normalisation cases in ../shared/data/persian.

Sources (see ../shared/data/README.md): UD Persian-Seraji test sentences (CC BY-SA 4.0), Uppsala Persian Treebank
sample and two versions of the Persian UDHR (samples/PROVENANCE.md), and normalization_cases.json (authored matching
examples plus hazm's and parsivar's tests, doctests and issues, each with provenance).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regex

from narrascope.text.normalize import normalize, normalize_many, normalize_with_offsets
from narrascope.text.tokens import token_spans, tokens

PERSIAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "persian"
pytestmark = pytest.mark.skipif(not PERSIAN.is_dir(), reason="../shared/data/persian is not present")


def _cases() -> dict[str, Any]:
    return json.loads((PERSIAN / "normalization_cases.json").read_text(encoding="utf-8"))


# --- matching_examples: what one lexicon term must and must not match --------------------------------------------


def _term_hits(term: str, text: str) -> bool:
    """Reference matcher: the term's key at word boundaries, with its simple plural/ezafe suffixes allowed."""
    pattern = rf"(?<![\p{{L}}\p{{N}}]){regex.escape(normalize(term))}(?:هایی|های|ها|ی)?(?![\p{{L}}\p{{N}}])"
    return regex.search(pattern, normalize(text)) is not None


def test_matching_examples():
    examples = _cases()["matching_examples"]
    assert len(examples) >= 2
    for example in examples:
        for form in example["must_match"]:
            assert _term_hits(example["term"], form), (example["id"], form)
        for form in example["must_not_match"]:
            assert not _term_hits(example["term"], form), (example["id"], form)


# --- hazm / parsivar display cases: same matching key where that is a fair expectation ----------------------------

METHOD_CATEGORY = {
    "normalize": "normalize_full",
    "correct_spacing": "spacing_zwnj",
    "remove_diacritics": "diacritics",
    "remove_specials_chars": "special_chars",
    "decrease_repeated_chars": "repeated_chars",
    "persian_style": "punctuation_style",
    "persian_number": "digits",
    "unicodes_replacement": "ligatures",
    "seperate_mi": "mi_prefix_zwnj",
    "token_spacing": "token_join_zwnj",
    "join_verb_parts": "verb_joining",
    "split_token_words": "token_split",
    "tokenize": "tokenize",
}
# Categories that are about display or analysis, not about which texts a lexicon term should hit.
SKIP_CATEGORY = {
    "repeated_chars": "guessing that repeated letters are emphasis would merge real words (سلامم ≠ سلام)",
    "special_chars": "hazm deletes ﷺ for display; we expand it (NFKC) so its words stay searchable",
    "verb_joining": "multi-word verb tokens (خواهد_رفت) are a lemmatiser's job, not character normalisation",
    "token_split": "splitting run-together words needs a lexicon",
    "date": "parsivar converts dates to y1396m6d11, a display/analysis feature",
    "pinglish": "parsivar transliterates Latin-script Persian, a different task",
}
# Single cases a matching normaliser cannot be expected to reproduce token for token.
SKIP_CASE_MARKERS = {
    "ممممم": "repeated-letter emphasis (see repeated_chars)",
    "۹کیلومتر": "digit–letter spacing: digits are word characters in the matching form (covid19, g7 stay one word)",
    "مسافت۹": "digit–letter spacing (as above)",
    "۹متر": "digit–letter spacing (as above)",
    "LINK": "hazm's tokenizer replaces URLs/numbers/ids/hashtags by placeholders",
    "NUMF": "placeholder (as above)",
    "TAG": "placeholder (as above)",
}
# Compound words hazm joins with ZWNJ from its lexicon (اخلال‌گر, زمین‌لرزه‌ای, منسوخ‌شده, آتش‌نشانی): a matcher
# without that lexicon keeps the space, so these are checked letter for letter with spaces ignored.
LETTERS_ONLY_MARKERS = ("اخلال", "زمین", "منسوخ", "آتش")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return " ".join(_as_text(v) for v in value)
    raise TypeError(value)


def _doctest_case(case: dict[str, Any]) -> tuple[str, Any, Any]:
    """(method, argument, expected) of a doctest such as ``print(' '.join(tokenizer.tokenize('…')))``."""
    calls = [node for node in ast.walk(ast.parse(case["doctest_source"])) if isinstance(node, ast.Call)]
    call = next(c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr in METHOD_CATEGORY)
    assert isinstance(call.func, ast.Attribute)
    try:
        expected = ast.literal_eval(case["expected_doctest_output"])
    except (ValueError, SyntaxError):
        expected = case["expected_doctest_output"]  # printed output, not a repr
    return call.func.attr, ast.literal_eval(call.args[0]), expected


def _display_cases() -> Iterator[tuple[str, str, Any, Any]]:
    """(id, category, input, expected) of every upstream case that states an expected output."""
    data = _cases()
    for case in data["hazm_tests_and_doctests"]:
        if case["category"] == "doctest":
            method, arg, expected = _doctest_case(case)
            yield case["id"], METHOD_CATEGORY[method], arg, expected
        else:
            yield case["id"], case["category"], case["input"], case["expected"]
    for case in data["hazm_regression_and_issue_cases"]:
        yield case["id"], METHOD_CATEGORY[case["call"].rsplit(".", 1)[-1]], case["input"], case["expected"]
    for case in data["parsivar_cases"]:
        if "expected" in case:
            call = case["call"]
            category = "date" if "date_" in call else "pinglish" if "pinglish" in call else "normalize_full"
            yield case["id"], category, case["input"], case["expected"]


def _key(text: str) -> list[str]:
    return tokens(normalize(text))


def test_upstream_display_cases_share_the_matching_key():
    checked, letters_only, skipped, empty = [], [], {}, []
    for case_id, category, raw, expected in _display_cases():
        source, target = _as_text(raw), _as_text(expected)
        marker = next((m for m in SKIP_CASE_MARKERS if m in source + target), None)
        if category in SKIP_CATEGORY or marker:
            skipped[case_id] = SKIP_CATEGORY.get(category) or SKIP_CASE_MARKERS[marker or ""]
        elif any(m in source for m in LETTERS_ONLY_MARKERS) and _key(source) != _key(target):
            assert "".join(_key(source)) == "".join(_key(target)), case_id
            letters_only.append(case_id)
        else:
            assert _key(source) == _key(target), (case_id, _key(source), _key(target))
            (checked if source.strip() else empty).append(case_id)
    counts = (len(checked), len(empty), len(letters_only), len(skipped))
    assert sum(counts) == 215 - 10, counts  # every case with an expected output (parsivar-obs are below)
    # Measured: 96 non-empty cases checked token for token, 32 empty/blank ones, 8 letters-only, 69 skipped.
    assert len(checked) >= 90 and len(letters_only) <= 10 and len(skipped) <= 70, counts


# parsivar's observed outputs are not expectations (ﻧﺎﻥ → ذن is a bug); our own key for each upstream input:
PARSIVAR_OBSERVED_KEYS = {
    "parsivar-obs-00": "کتابهای ما",
    "parsivar-obs-01": "میروم",
    "parsivar-obs-02": "جزء",
    "parsivar-obs-03": "نان",
    "parsivar-obs-04": "5 و 5",
    "parsivar-obs-05": "سلام 😂 دنیا",
    "parsivar-obs-06": "u.s. 3,000 and 3.5",
    "parsivar-obs-07": "ه خانه ما",
    "parsivar-obs-08": "بندرها",
    "parsivar-obs-09": "floatingpointnumber 12",
}


def test_parsivar_observed_inputs():
    observed = [c for c in _cases()["parsivar_cases"] if c["id"].startswith("parsivar-obs")]
    assert {c["id"] for c in observed} == set(PARSIVAR_OBSERVED_KEYS)
    for case in observed:
        assert normalize(case["input"]) == PARSIVAR_OBSERVED_KEYS[case["id"]], case["id"]


# --- real sentences round-trip through offsets ---------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _assert_round_trip(line: str) -> None:
    result = normalize_with_offsets(line)
    assert result.text == normalize(line)
    for start, end in token_spans(result.text):
        a, b = result.original_span(start, end)
        assert normalize(line[a:b]) == result.text[start:end], (line, result.text[start:end])
    a, b = result.original_span(0, len(result.text))
    assert normalize(line[a:b]) == result.text


@pytest.mark.parametrize(
    "relative", ["ud_persian_seraji/fa_seraji-ud-test.sentences.txt", "samples/updt_fa_sample.txt"]
)
@pytest.mark.slow
def test_real_sentences_round_trip_through_offsets(relative):
    lines = _lines(PERSIAN / relative)
    assert len(lines) >= 500
    for line in lines:
        _assert_round_trip(line)
    keys = normalize_many(lines).to_pylist()
    assert keys == [normalize(line) for line in lines]
    joined = "\n".join(keys)
    for removed in ("\u200c", "ي", "ك", "\u064e", "\u0650", "\u0651", "۱", "ـ"):
        assert removed not in joined


def test_seraji_zwnj_words_match_their_spaced_and_joined_forms():
    sentences = _lines(PERSIAN / "ud_persian_seraji/fa_seraji-ud-test.sentences.txt")
    words = {w for s in sentences for w in s.split() if regex.fullmatch(r"(?:ن?می)\u200c\p{Arabic}+", w)}
    assert len(words) >= 50
    for word in words:
        assert normalize(word.replace("\u200c", " ")) == normalize(word) == normalize(word.replace("\u200c", ""))


def test_udhr_versions_share_more_normalised_shingles():
    first, second = (_lines(PERSIAN / f"samples/udhr_pes_{i}.txt") for i in (1, 2))

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = tokens(text)
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    def jaccard(a: str, b: str) -> tuple[float, int]:
        x, y = shingles(a), shingles(b)
        return len(x & y) / len(x | y), len(x & y)

    raw = jaccard("\n".join(first), "\n".join(second))
    normalised = jaccard(normalize("\n".join(first)), normalize("\n".join(second)))
    assert normalised[0] >= raw[0] + 0.05, (raw, normalised)
    assert normalised[1] >= raw[1] + 50, (raw, normalised)
