"""The fast matcher against a simple reference: one regex per term over normalize(text).

The reference lives only here. It is deliberately naive — per term, per message, Python ``regex`` with lookaround
boundaries — so that it states the matching rules (docs/methods.md, "Frame matching") directly.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.frames.compile import ENGLISH_SUFFIXES, PERSIAN_PREFIXES, hyperscan_available
from narrascope.frames.lexicon import Lexicon, Term, parse_lexicon_yaml
from narrascope.frames.match import HITS_SCHEMA, Matcher
from narrascope.text.normalize import normalize, normalize_with_offsets

needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")

LEXICON_YAML = """
frames:
  - id: opposition
    label: Opposition
    terms:
      en: [regime change, "iran*", the enemy, {term: rioter, suffixes: true}, "mek", {term: good, elongation: true},
           iphone]
      fa: [میروم, {term: کتاب, suffixes: true}, رژیم آخوندی, "قیام*", {term: ایران, prefixes: true, suffixes: true},
           "۱۴۰۲", تغییر رژیم, {term: مسئول, suffixes: true}, مسئله, {term: خیلی, elongation: true}, متر,
           {term: "آمریکا", suffixes: true}, {term: "قیام*", elongation: true}, اعضاء]
    exclude: [iran air, رژیم آخوندی سابق, {term: خیلی کم, elongation: true}]
  - id: state
    label: State
    terms:
      en: [the enemy, sedition, "a b", irgc]
      fa: [منافقین, {term: دشمن, suffixes: true}, فتنه, دشمن, {term: نماینده, suffixes: true}]
"""
REGEX_YAML = LEXICON_YAML + """
  - id: patterns
    label: Patterns
    terms:
      en: [{regex: "ab+c"}, {regex: "[0-9]{3}x", term: "digits-x"}]
"""
LEXICON = parse_lexicon_yaml(LEXICON_YAML)
REGEX_LEXICON = parse_lexicon_yaml(REGEX_YAML)
WORD = r"[\p{L}\p{N}]"


ARAB_LETTER = r"[\p{L}&&\p{Arabic}]"
# a word boundary between the character before and the one after (docs/formats.md, "Lexicons"): not two word
# characters, or an Arabic-script letter next to another word character (۹متر is ۹ and متر; iPhoneها)
NON_ARAB_WORD = rf"[[\p{{L}}\p{{N}}]--{ARAB_LETTER}]"
GLUE = rf"(?:(?<={NON_ARAB_WORD})(?={ARAB_LETTER})|(?<={ARAB_LETTER})(?={NON_ARAB_WORD}))"
BOUNDARY = rf"(?:(?<!{WORD})|(?!{WORD})|{GLUE})"


def _term_forms(term: Term) -> list[str]:
    """Every written form of a non-regex term in matching form, enumerated here from the rules as documented."""
    from narrascope.frames.forms import _ALEF_SEAT, persian_inflections

    body = term.text[:-1] if term.wildcard else term.text
    raw = regex.sub("[\u064b-\u065f\u0670\u0640]", "", body)
    alef = [m.start() for m in _ALEF_SEAT.finditer(raw)][:3]
    arabic = regex.compile(r"\p{Arabic}")
    forms: set[str] = set()
    for seats in itertools.product(("", "ی", "ا"), repeat=len(alef)):
        chars = list(raw)
        for at, seat in zip(alef, seats, strict=True):
            chars[at] = seat or chars[at]
        joined = " ".join(w for w in normalize("".join(chars)).split(" ") if w)
        waw = [m.start() for m in regex.finditer("[یو](?=و)", joined)][:3]
        for wseats in itertools.product("یو", repeat=len(waw)):
            wchars = list(joined)
            for at, seat in zip(waw, wseats, strict=True):
                wchars[at] = seat
            words = "".join(wchars).split(" ")
            prefixes = [""] + (list(PERSIAN_PREFIXES) if term.prefixes and arabic.match(words[0][0]) else [])
            last = words[-1]
            lasts = [last]
            if term.suffixes:
                lasts = (list(persian_inflections(last)) if arabic.match(last[-1])
                         else [last] + [last + x for x in ENGLISH_SUFFIXES])
            for gaps in itertools.product((" ", ""), repeat=len(words) - 1):
                head = "".join(w + g for w, g in zip(words[:-1], gaps, strict=True))
                forms.update(p + head + x for p in prefixes for x in lasts)
    return sorted(forms, key=len, reverse=True)


def _form_regex(form: str, elongation: bool) -> str:
    if not elongation:
        return regex.escape(form)
    out = []  # elongation: each run of k equal letters may be written k or more times
    for m in regex.finditer(r"(.)\1*", form):
        ch, k = m.group(1), len(m.group())
        out.append(f"{regex.escape(ch)}{{{k},}}" if regex.match(r"\p{L}", ch) else regex.escape(m.group()))
    return "".join(out)


def _term_regex(term: Term) -> str:
    if term.regex is not None:
        return term.regex
    alternatives = "|".join(_form_regex(f, term.elongation) for f in _term_forms(term))
    tail = rf"(?:(?!{GLUE}){WORD})*" if term.wildcard else BOUNDARY
    return f"{BOUNDARY}(?:{alternatives}){tail}"


@functools.cache
def _compiled(term: Term) -> regex.Pattern[str]:
    return regex.compile(_term_regex(term), regex.MULTILINE | regex.V1)


def _occurrences(term: Term, text: str) -> set[tuple[int, int]]:
    rx = _compiled(term)
    if term.regex is None:
        return {m.span() for m in rx.finditer(text, overlapped=True) if m.end() > m.start()}
    found = set()
    for end in range(1, len(text) + 1):  # regex terms: the leftmost start of a match ending at each end
        ending_here = _ending_at(term.regex, len(text) - end)
        for start in range(end):
            if ending_here.match(text, pos=start):
                if _boundary_at(text, start) and _boundary_at(text, end):
                    found.add((start, end))
                break
    return found


@functools.cache
def _ending_at(pattern: str, remaining: int) -> regex.Pattern[str]:
    """``pattern`` forced to end where ``remaining`` characters of the text are left (so ``$`` keeps its meaning)."""
    return regex.compile(rf"(?:{pattern})(?=[\s\S]{{{remaining}}}\Z)", regex.MULTILINE | regex.V1)


def _boundary_at(text: str, i: int) -> bool:
    return regex.match(BOUNDARY, text, pos=i, flags=regex.V1) is not None


def reference_scan(lexicon: Lexicon, texts: Sequence[str | None]) -> list[tuple[int, str, str, int, int]]:
    out = []
    for row, text in enumerate(texts):
        norm = normalize_with_offsets(text or "")
        assert norm.text == normalize(text or "")
        for frame in lexicon.frames:
            blocked = [span for t in frame.exclude for span in _occurrences(t, norm.text)]
            by_text: dict[str, set[tuple[int, int]]] = {}
            for term in frame.terms:  # a term written twice in a frame is reported once
                by_text.setdefault(term.text, set()).update(_occurrences(term, norm.text))
            for text_, spans in by_text.items():
                for s, e in spans:
                    if any(xs < e and s < xe for xs, xe in blocked):
                        continue
                    out.append((row, frame.id, text_, *norm.original_span(s, e)))
    return sorted(out)


def as_tuples(table: pa.Table) -> list[tuple[int, str, str, int, int]]:
    assert table.schema == HITS_SCHEMA
    return sorted(zip(*(table.column(c).to_pylist() for c in HITS_SCHEMA.names), strict=True))


ENGINES = [pytest.param("hyperscan", marks=needs_hyperscan), "ahocorasick"]

# ---------------------------------------------------------------------------------------------- examples
EXAMPLES = [
    "می‌روم", "مي روم", "روم باستان", "کتاب‌هایی", "كتاب ها", "کتابخانه", "The Regime  Change!", "regimechange",
    "Iranian people", "IRAN AIR flight", "iranair", "رژیم\u200cآخوندی", "رژیم آخوندی سابق", "بی‌ایرانی",
    "قیامها", "a b a b", "ab", "sedition.", "۱۴۰۲", "1402", "١٤٠٢", "x1402", "the enemy's", "دشمنان", "دشمن‌شان",
    "منافقين", "فتنـــه", "rioters 🔥 rioter", "🇮🇷iran", None, "", "ab" * 3 + " abbbc 123x",
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("prefilter", [True, False])
def test_examples_equal_reference(engine: str, prefilter: bool) -> None:
    got = as_tuples(Matcher(LEXICON, engine=engine, prefilter=prefilter).scan(EXAMPLES))
    assert got == reference_scan(LEXICON, EXAMPLES)
    assert got  # the examples do hit


def test_expected_hits_on_examples() -> None:
    m = Matcher(LEXICON)
    per_row = m.frames_per_row(EXAMPLES)
    assert per_row[EXAMPLES.index("مي روم")] == {"opposition"}
    assert per_row[EXAMPLES.index("روم باستان")] == set()
    assert per_row[EXAMPLES.index("کتابخانه")] == set()
    assert per_row[EXAMPLES.index("IRAN AIR flight")] == set()  # excluded: iran* inside "iran air"
    assert per_row[EXAMPLES.index("رژیم آخوندی سابق")] == set()
    assert per_row[EXAMPLES.index("رژیم\u200cآخوندی")] == {"opposition"}
    assert per_row[EXAMPLES.index("the enemy's")] == {"opposition", "state"}  # one term in two frames
    assert per_row[EXAMPLES.index("١٤٠٢")] == {"opposition"}
    assert per_row[EXAMPLES.index("x1402")] == set()
    assert per_row[EXAMPLES.index("فتنـــه")] == {"state"}


def test_spans_point_into_the_original_text() -> None:
    texts = ["Down with the REGIME CHANGE deniers", "او می \u200cروم گفت", "كتاب‌هاي قدیمی"]
    table = Matcher(LEXICON).scan(texts)
    spans = {(r["row"], texts[r["row"]][r["start"]:r["end"]]) for r in table.to_pylist()}
    assert spans == {(0, "REGIME CHANGE"), (1, "می \u200cروم"), (2, "كتاب‌هاي")}


def test_frame_mask_matches_scan_and_frame_order() -> None:
    m = Matcher(LEXICON)
    mask = m.frame_mask(EXAMPLES)
    assert mask.shape == (len(EXAMPLES), 2) and m.frame_ids == ["opposition", "state"]
    expected = np.zeros_like(mask)
    for row, frame, *_ in as_tuples(m.scan(EXAMPLES)):
        expected[row, m.frame_ids.index(frame)] = True
    assert np.array_equal(mask, expected)


def test_accepts_arrow_arrays_and_chunks_consistently() -> None:
    texts = EXAMPLES * 3
    m = Matcher(LEXICON)
    as_list = as_tuples(m.scan(texts))
    assert as_tuples(m.scan(pa.chunked_array([pa.array(texts[:10]), pa.array(texts[10:])]))) == as_list
    assert as_tuples(m.scan(pa.array(texts, type=pa.large_string()).slice(0))) == as_list


def test_chunk_boundaries_offset_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import narrascope.frames.match as match_module

    texts = ["x", "the enemy"] * 7
    whole = as_tuples(Matcher(LEXICON).scan(texts))
    monkeypatch.setattr(match_module, "_CHUNK_ROWS", 3)
    assert as_tuples(Matcher(LEXICON).scan(texts)) == whole
    assert [r for r, *_ in whole] == [1, 1, 3, 3, 5, 5, 7, 7, 9, 9, 11, 11, 13, 13]


@needs_hyperscan
def test_regex_terms_equal_reference() -> None:
    texts = ["xabbbc abc", "abc", "zabc", "123x 9999x", "abcabc", "ab c", "aBc", "12345x"]
    got = as_tuples(Matcher(REGEX_LEXICON).scan(texts))
    assert got == reference_scan(REGEX_LEXICON, texts)
    assert (4, "patterns", "digits-x", 0, 4) not in got and (3, "patterns", "digits-x", 0, 4) in got


def test_regex_terms_need_hyperscan() -> None:
    from narrascope.errors import UsageError

    with pytest.raises(UsageError, match="hyperscan"):
        Matcher(REGEX_LEXICON, engine="ahocorasick")


@needs_hyperscan
def test_catastrophic_regex_matches_linearly() -> None:
    # (a+)+$ backtracks exponentially in Python re on "aaa…ab"; hyperscan runs it as an automaton. Lexicon loading
    # refuses it (test_lexicon.py), so the term is built directly: the matcher must stay linear even then.
    from narrascope.frames.lexicon import Frame

    term = Term(text="(a+)+$", lang="en", regex="(a+)+$")
    lex = Lexicon(frames=(Frame(id="f", label="f", description="", terms=(term,)),))
    texts = ["a" * 50_000 + "b", "b aaaa"]
    assert Matcher(lex).frames_per_row(texts) == [set(), {"f"}]


# ---------------------------------------------------------------------------------------------- differential
PIECES = [
    "می", "نمی", "روم", "میروم", "می\u200cروم", "مي", "کتاب", "كتاب", "ها", "های", "هایی", "خانه", "چه", "رژیم",
    "آخوندی", "اخوندی", "قیام", "قيام", "ایران", "ايران", "بی", "منافقین", "منافقين", "دشمن", "دشمنان", "فتنه",
    "فتنـه", "سابق", "۱۴۰۲", "١٤٠٢", "1402", "regime", "REGIME", "change", "Iran", "iran", "air", "the", "enemy",
    "The", "Enemy", "rioter", "rioters", "Sedition", "mek", "MEK", "a", "b", "ab", "abbc", "123x", "🔥", "🇮🇷",
    "َ", "ـ", "x", "é", "ß", "٫", "،", ".", "!", "'", "#", "ﻻ", "ﮐ",
    # issue 10 §2 classes: hashtags, hamza seats, inflections, compatibility forms, elongation, glued digits
    "_", "#تغییر_رژیم", "تغییر", "مسئول", "مسؤول", "مسوول", "مسئولین", "ین", "ات", "یی", "مسئله", "مسأله",
    "مساله", "خیلی", "خیییلی", "خخیلی", "کم", "کممم", "good", "goood", "god", "ＩＲＧＣ", "𝐢𝐫𝐠𝐜", "۹", "متر",
    "۹متر", "اعضا", "ء", "آمریکا", "آمریکایی", "نمایندگان", "نماینده", "قیاممم", "ه", "iPhone", "iphoneها", "اعضاﺀ", "ﺀ",
]
SEPARATORS = [" ", " ", " ", "", "\u200c", "  ", "\n", "\u00a0", "\u200f", "-"]
messages = st.lists(
    st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), min_size=0, max_size=14
).map(lambda parts: "".join(p + s for p, s in parts))
batches = st.lists(st.one_of(messages, st.none(), st.text(max_size=12)), min_size=100, max_size=100)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=batches)
def test_fast_matcher_equals_reference(engine: str, texts: list[str | None]) -> None:
    """100 examples × 100 messages = 10,000 generated messages per engine, prefilter on and off."""
    expected = reference_scan(LEXICON, texts)
    for prefilter in (True, False):
        assert as_tuples(_matcher(LEXICON, engine, prefilter).scan(texts)) == expected
    if engine == "hyperscan":  # regex terms (no prefilter then)
        assert as_tuples(_matcher(REGEX_LEXICON, engine, True).scan(texts)) == reference_scan(REGEX_LEXICON, texts)
    for row, frame, term, start, end in expected:  # spans map back to the original text: the slice is the term
        original = texts[row] or ""
        assert 0 <= start < end <= len(original)
        _assert_slice_is_term(normalize(original[start:end]), LEXICON, frame, term)


_FORMS: dict[tuple[int, str, str], list[tuple[set[str], bool, bool]]] = {}


def _assert_slice_is_term(piece: str, lexicon: Lexicon, frame: str, term: str) -> None:
    """The normalised slice of the original text is one of the term's literal forms (or extends a wildcard)."""
    from narrascope.frames.compile import term_literals

    key = (id(lexicon), frame, term)
    if key not in _FORMS:
        _FORMS[key] = [({_squeeze(f.replace(" ", ""), t.elongation) for f in term_literals(t)}, t.wildcard,
                        t.elongation) for t in lexicon.frame(frame).terms if t.text == term]
    for forms, wildcard, elongation in _FORMS[key]:
        squeezed = _squeeze(piece.replace(" ", ""), elongation)
        if squeezed in forms or (wildcard and any(squeezed.startswith(f) for f in forms)):
            return
    raise AssertionError(f"span {piece!r} is not a form of {term!r} in frame {frame}")


def _squeeze(text: str, elongation: bool) -> str:
    return regex.sub(r"(\p{L})\1+", r"\1", text) if elongation else text


def test_span_check_catches_a_shifted_span() -> None:
    _assert_slice_is_term(normalize("The Enemy"), LEXICON, "state", "the enemy")
    _assert_slice_is_term(normalize("کتاب‌های"), LEXICON, "opposition", "کتاب")
    _assert_slice_is_term(normalize("Iranian"), LEXICON, "opposition", "iran*")
    for piece in ("he enemy", "the enem", "کتابخانه"):
        with pytest.raises(AssertionError):
            _assert_slice_is_term(normalize(piece), LEXICON, "state" if "enem" in piece else "opposition",
                                  "the enemy" if "enem" in piece else "کتاب")


_MATCHERS: dict[tuple[int, str, bool], Matcher] = {}


def _matcher(lexicon: Lexicon, engine: str, prefilter: bool) -> Matcher:
    key = (id(lexicon), engine, prefilter)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher(lexicon, engine=engine, prefilter=prefilter)
    return _MATCHERS[key]


# ---------------------------------------------------------------------------------------------- hostile input
@needs_hyperscan
@pytest.mark.parametrize("pattern", [r"at all\s", r"\n", r"[\s\S]", r"(?s).", r"all\s+the", r"\s$", r"l\s*\n?"])
def test_regex_terms_never_span_or_touch_the_row_separator(pattern: str) -> None:
    """Issue 15: a regex that can match the separator at the end of the scan buffer crashed with an IndexError."""
    from narrascope.frames.lexicon import Frame

    lex = Lexicon(frames=(Frame(id="f", label="f", description="",
                                terms=(Term(text=pattern, lang="en", regex=pattern),)),))
    texts = ["we did not see it at all", "at all", "all", "", "all the way", "x at all"]
    got = as_tuples(Matcher(lex).scan(texts))
    assert got == reference_scan(lex, texts)
    for row, _, _, start, end in got:  # every hit lies inside its own message
        assert 0 <= start < end <= len(texts[row])


def test_spans_take_one_pass_per_message_whatever_the_number_of_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: spans decoded the message's prefix for every hit (quadratic). Now each hit message is normalised
    with offsets once and its byte offsets converted once, for all its hits together."""
    import narrascope.frames.match as match_module

    calls = {"offsets": 0, "chars": 0}
    real_offsets, real_chars = match_module.normalize_with_offsets, match_module.utf8_char_offsets

    def count_offsets(text: str):  # type: ignore[no-untyped-def]
        calls["offsets"] += 1
        return real_offsets(text)

    def count_chars(u8):  # type: ignore[no-untyped-def]
        calls["chars"] += 1
        return real_chars(u8)

    monkeypatch.setattr(match_module, "normalize_with_offsets", count_offsets)
    monkeypatch.setattr(match_module, "utf8_char_offsets", count_chars)
    texts = ["The enemy, کتاب‌ها! " * 5000, "nothing here", "the enemy"]
    table = Matcher(LEXICON).scan(texts)
    assert table.num_rows == 3 * 5000 + 2  # per repetition: the enemy in 2 frames, کتاب‌ها; row 2: 2
    assert calls == {"offsets": 2, "chars": 2}
    first = [t for t in table.to_pylist() if t["row"] == 0]
    assert all(texts[0][t["start"]:t["end"]] in ("The enemy", "کتاب‌ها") for t in first)
