"""Lexicon loading: the YAML shape, line-numbered errors, regex safety, LIWC .dic import, the content hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrascope.errors import InputError
from narrascope.frames import EXAMPLE_LEXICON
from narrascope.frames.compile import hyperscan_available, term_literals
from narrascope.frames.lexicon import LexiconError, Term, load_lexicon, parse_lexicon_yaml, parse_liwc_dic

GOOD = """\
name: test
frames:
  - id: a
    label: A
    description: first
    terms:
      en: [regime change, "iran*", {term: rioter, suffixes: true}]
      fa: [{term: کتاب, suffixes: true, prefixes: true}, میروم]
    exclude: [iran air]
  - id: b
    label: B
    terms:
      en: [{regex: "ab+c", term: abc-like}]
"""


def test_good_lexicon_parses_into_frozen_dataclasses() -> None:
    lex = parse_lexicon_yaml(GOOD)
    assert lex.name == "test" and lex.frame_ids == ["a", "b"]
    a = lex.frame("a")
    assert a.label == "A" and a.description == "first" and a.languages() == ["en", "fa"]
    assert a.terms[1] == Term(text="iran*", lang="en", wildcard=True)
    assert a.terms[2].suffixes and not a.terms[2].prefixes
    assert a.terms[3].suffixes and a.terms[3].prefixes and a.terms[3].lang == "fa"
    assert a.terms[0].line == 7 and a.terms[3].line == 8
    assert [t.text for t in a.exclude] == ["iran air"]
    assert lex.frame("b").terms[0].regex == "ab+c" and lex.frame("b").terms[0].text == "abc-like"
    with pytest.raises(AttributeError):
        a.id = "x"  # type: ignore[misc]


def test_content_hash_is_stable_and_tracks_every_field() -> None:
    h = parse_lexicon_yaml(GOOD).content_hash
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert parse_lexicon_yaml("# a comment\n" + GOOD).content_hash == h  # formatting does not count
    for old, new in [("regime change", "regime changes"), ("suffixes: true}]", "suffixes: false}]"),
                     ("label: B", "label: C"), ("description: first", "description: second"),
                     ("iran air", "iran airways")]:
        assert parse_lexicon_yaml(GOOD.replace(old, new, 1)).content_hash != h, old


def test_term_literals_cover_gaps_and_affixes() -> None:
    lex = parse_lexicon_yaml(GOOD)
    forms = term_literals(lex.frame("a").terms[0])
    assert sorted(forms) == ["regime change", "regimechange"]
    book = set(term_literals(lex.frame("a").terms[3]))
    assert {"کتاب", "کتابها", "کتابهایی", "بیکتاب", "میکتاب"} <= book
    assert "کتابچه" not in book and "کتابخانه" not in book
    assert set(term_literals(lex.frame("a").terms[2])) == {"rioter", "rioters", "rioteres"}


def error_of(text: str) -> LexiconError:
    with pytest.raises(LexiconError) as info:
        parse_lexicon_yaml(text, path="lexicon.yaml")
    err = info.value
    assert isinstance(err, InputError)
    assert "\n" not in str(err)
    return err


@pytest.mark.parametrize(("text", "line", "words"), [
    ("frames:\n  - id: a\n    terms: {en: [x, [y]\n", 4, "invalid YAML"),
    ("frames:\n  - id: a\n    terms:\n      en: ['', x]\n", 4, "empty"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - ok\n        - \"\u064e\u0640\"\n", 6, "empty once normalised"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {regex: '(ab'}\n", 5, "does not compile"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {regex: '(a)\\1'}\n", 5, "backreference"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {regex: 'a(?=b)'}\n", 5, "lookaround"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {regex: 'a++'}\n", 5, "possessive"),
    ("frames:\n  - id: a\n    terms:\n      en: [x]\n  - id: a\n    terms: {en: [y]}\n", 5, "used twice"),
    ("frames:\n  - id: a\n    terms:\n      en: [x]\n    colour: red\n", 5, "unknown frame key"),
    ("frames:\n  - id: a\n    label: A\n", 2, "no `terms`"),
    ("frames:\n  - id: a\n    terms:\n      en: [\"a*b\"]\n", 4, "only at the end"),
    ("frames:\n  - id: a\n    terms:\n      english: [x]\n", 4, "not a language code"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {term: x, suffixes: maybe}\n", 5, "true or false"),
    ("frames:\n  - id: a\n    terms:\n      en:\n        - {term: x, colour: red}\n", 5, "unknown term key"),
    ("frames:\n  - id: a\n    terms:\n      en: [one two three four five six seven eight]\n", 4, "at most"),
    ("frames: []\n", 1, "non-empty list"),
    ("", 1, "empty"),
    ("frames:\n  - id: 'has space'\n    terms: {en: [x]}\n", 2, "frame id"),
])
def test_errors_name_the_line(text: str, line: int, words: str) -> None:
    err = error_of(text)
    assert str(err).startswith(f"lexicon.yaml line {line}: "), str(err)
    assert words in str(err)
    assert err.line == line


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")
def test_regex_that_matches_empty_text_is_refused() -> None:
    err = error_of("frames:\n  - id: a\n    terms:\n      en:\n        - {regex: 'a*'}\n")
    assert "line 5" in str(err) and "not accepted by the matcher" in str(err)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*", "(?:ab+c)+", "([a-z]+\\s?)*", "(x|y+){2,}", "((a+)b)+",
                                     "(?:\\p{L}+ )+"])
def test_catastrophic_backtracking_regex_is_refused_with_its_line(pattern: str) -> None:
    # The matcher itself is linear on these (test_match.py builds one past validation); the lexicon refuses them
    # anyway, so that no lexicon file is a trap for a backtracking engine reading it.
    err = error_of(f"frames:\n  - id: a\n    terms:\n      en:\n        - ok\n        - {{regex: '{pattern}'}}\n")
    assert str(err).startswith("lexicon.yaml line 6: ") and "exponential time" in str(err), str(err)


@pytest.mark.parametrize("pattern", ["(ab)+", "a+b+", "(a+){2}", "b(a+)?", "\\(a+\\)+", "[(a+)+]", "[0-9]{3}x",
                                     "(a{2,3})+", "x{2,}y", "(?i)abc+", "ab\\p{L}+",
                                     "[*+]x"])
def test_single_level_repetition_is_accepted(pattern: str) -> None:
    from narrascope.frames.lexicon import nested_unbounded_quantifier

    assert not nested_unbounded_quantifier(pattern)
    parse_lexicon_yaml(f"frames:\n  - id: a\n    terms:\n      en:\n        - {{regex: '{pattern}'}}\n")


def test_example_lexicon_has_two_opposing_framings_in_two_languages() -> None:
    lex = load_lexicon(EXAMPLE_LEXICON)
    assert lex.frame_ids == ["opposition", "state"]
    for frame in lex.frames:
        assert frame.languages() == ["en", "fa"] and frame.description
    texts = {t.text for f in lex.frames for t in f.terms}
    assert {"regime change", "mullahs' regime", "Iranian Resistance", "the enemy", "sedition", "منافقین"} <= texts


def test_load_reports_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "frames.yaml"
    bad.write_text("frames:\n  - id: a\n    terms:\n      en: ['']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"frames\.yaml line 4: "):
        load_lexicon(bad)
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"frames:\n  - id: a\n    terms: {en: [caf\xe9]}\n")
    with pytest.raises(LexiconError, match="line 3: not UTF-8"):
        load_lexicon(latin)


DIC = """%
1\tposemo
2\tnegemo
3\tunused
%
happy\t1
sad*\t2
bitter sweet\t1\t2
"""


def test_liwc_dic_categories_become_frames(tmp_path: Path) -> None:
    path = tmp_path / "mini.dic"
    path.write_text(DIC, encoding="utf-8")
    lex = load_lexicon(path)
    assert lex.frame_ids == ["posemo", "negemo"] and lex.name == "mini"
    assert [t.text for t in lex.frame("posemo").terms] == ["happy", "bitter sweet"]
    assert lex.frame("negemo").terms[0].wildcard and lex.frame("negemo").terms[0].lang == "und"
    other = tmp_path / "mini.txt"  # recognised by content too
    other.write_text(DIC, encoding="utf-8")
    assert load_lexicon(other).content_hash == lex.content_hash


@pytest.mark.parametrize(("text", "line", "words"), [
    ("1\tposemo\n%\nx\t1\n", 1, "starts with"),
    ("%\n1\tposemo\n2\tnegemo\n", 3, "not closed"),
    ("%\n1\tposemo\n%\nhappy\t7\n", 4, "category 7"),
    ("%\n1\tposemo\n%\nlike\t(02 134)125/464\n", 4, "conditional"),
    ("%\n1\tposemo\n%\nhappy\n", 4, "category numbers"),
    ("%\nx\tposemo\n%\n", 2, "number<TAB>category"),
])
def test_liwc_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(LexiconError) as info:
        parse_liwc_dic(text, path="x.dic")
    assert str(info.value).startswith(f"x.dic line {line}: ") and words in str(info.value)


# ---------------------------------------------------------------------------------------------- hostile lexicons
def test_deep_yaml_is_refused_with_its_line_not_a_recursion_error(tmp_path: Path) -> None:
    from narrascope.frames.lexicon import MAX_YAML_DEPTH

    path = tmp_path / "deep.yaml"
    path.write_text("frames: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(LexiconError, match=f"nested more than {MAX_YAML_DEPTH} levels"):
        load_lexicon(path)


def test_too_many_regex_terms_fail_before_any_is_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope.frames import lexicon as lexicon_module

    checked: list[str] = []
    monkeypatch.setattr(lexicon_module, "check_regex", lambda regex, **_: checked.append(regex))
    terms = "\n".join(f"        - regex: 'w{i}x'" for i in range(lexicon_module.MAX_REGEX_TERMS + 1))
    path = tmp_path / "many.yaml"
    path.write_text(f"frames:\n  - id: f\n    terms:\n      en:\n{terms}\n")
    with pytest.raises(LexiconError, match=f"more than {lexicon_module.MAX_REGEX_TERMS} regex terms"):
        load_lexicon(path)
    assert checked == []  # failed fast: no regex was compiled first


def test_a_huge_regex_is_refused_and_shown_cut(tmp_path: Path) -> None:
    alternation = "|".join(f"word{i}" for i in range(50_000))
    path = tmp_path / "huge.yaml"
    path.write_text(f"frames:\n  - id: f\n    terms:\n      en:\n        - regex: '{alternation}'\n")
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    assert len(str(info.value)) < 600 and f"({len(alternation):,} characters)" in str(info.value)


def test_alias_bombs_cannot_expand(tmp_path: Path) -> None:
    """Terms must be text or mappings, so nested aliases (a "billion laughs" lexicon) are refused at the first."""
    langs = ["en", "fa", "ar", "de", "fr", "es"]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("frames:\n  - id: f\n    exclude: &a0 [t, t, t, t, t, t, t, t, t, t]\n    terms:\n"
                    + "".join(f"      {lang}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
                              for i, lang in enumerate(langs, start=1)))
    with pytest.raises(LexiconError, match="a term must be a mapping"):
        load_lexicon(bomb)


def test_too_many_terms_fail_at_the_first_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope.frames import lexicon as lexicon_module

    monkeypatch.setattr(lexicon_module, "MAX_TERMS", 50)
    many = tmp_path / "many.dic"
    many.write_text("%\n1\tcat\n%\n" + "".join(f"word{i}\t1\n" for i in range(60)))
    with pytest.raises(LexiconError, match="line 54: more than 50 terms"):
        load_lexicon(many)
    yaml_terms = tmp_path / "many.yaml"
    yaml_terms.write_text("frames:\n  - id: f\n    terms:\n      en: [" + ", ".join(f"w{i}" for i in range(60)) + "]\n")
    with pytest.raises(LexiconError, match="more than 50 terms"):
        load_lexicon(yaml_terms)


def test_a_lexicon_that_is_a_named_pipe_is_refused(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(LexiconError, match="not a regular file"):
        load_lexicon(tmp_path / "pipe.yaml")
