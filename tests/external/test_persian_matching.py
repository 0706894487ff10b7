"""The matching examples of ../shared/data/persian/normalization_cases.json hold for the matcher.

For each example, the term (``کتاب`` with suffixes on, as the case's id says; ``میروم`` plain) must hit every
``must_match`` form and no ``must_not_match`` form — with both engines and with the prefilter on and off — and each
hit's span must cover the form in the original text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrascope.frames.compile import hyperscan_available
from narrascope.frames.lexicon import Frame, Lexicon, make_term
from narrascope.frames.match import Matcher

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "persian" / "normalization_cases.json"
pytestmark = pytest.mark.skipif(not CASES.exists(), reason="../shared/data is not present")
ENGINES = ["ahocorasick"] + (["hyperscan"] if hyperscan_available() else [])


def _examples() -> list[dict]:
    if not CASES.exists():
        return []
    return json.loads(CASES.read_text(encoding="utf-8"))["matching_examples"]


@pytest.mark.parametrize("example", _examples(), ids=lambda e: e["id"])
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("prefilter", [True, False])
def test_matching_examples(example: dict, engine: str, prefilter: bool) -> None:
    suffixes = "plural" in example["id"]  # match-plural-ha: the term with attached suffixes switched on
    term = make_term(example["term"], "fa", suffixes=suffixes)
    lexicon = Lexicon(frames=(Frame(id="f", label="f", description="", terms=(term,)),))
    matcher = Matcher(lexicon, engine=engine, prefilter=prefilter)
    must, must_not = example["must_match"], example["must_not_match"]
    assert must and must_not
    # alone, and inside a sentence with neighbours on both sides
    texts = must + must_not + [f"امروز {form} را دیدم." for form in must + must_not]
    per_row = matcher.frames_per_row(texts)
    n = len(must) + len(must_not)
    for i, form in enumerate(must):
        assert per_row[i] == {"f"} and per_row[n + i] == {"f"}, form
    for j, form in enumerate(must_not):
        assert per_row[len(must) + j] == set() and per_row[n + len(must) + j] == set(), form
    for hit in matcher.scan(texts).to_pylist():
        original = texts[hit["row"]]
        form = (must + must_not)[hit["row"] % n]
        assert original[hit["start"]:hit["end"]] == form
