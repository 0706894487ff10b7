"""The written forms a Persian/Arabic term stands for beyond its matching form: inflections and hamza seats.

Both are expansions of the *term* into more literals, not changes to the text's matching form, so they cost nothing
for lexicons that do not ask for them and never merge two words of the text with each other.

**Inflections** (``suffixes: true`` on a term whose last word ends in Arabic script): the last word may carry a chain
of attached suffixes, ``[nisba] [plural] [ending]``, as in آمریکا + یی + ها (آمریکایی‌ها), مسئول + ین (مسئولین),
اعتراض + ات + شان. Each slot is optional:

- nisba (adjective) ی، یی;
- plural ها، ان، ین، ات، جات — the Persian plurals and the Arabic sound plurals Persian writing uses
  (مسئولین، تظاهرات، میوه‌جات); ون after a nisba or a stem ending in ی (انقلابیون، روحانیون — not بدون or درون);
  after a stem ending in ا or و also یان (دانشجویان);
- ending: ezafe/indefinite ی، ای، یی, or a possessive clitic — م ت ش مان تان شان and ام ات اش after the stem, یم یت یش
  یمان یتان یشان after ها (کتاب‌هایشان) or a stem ending in ا/و; after ات/جات also ی (اعتراضاتی); after ان ین ون یان
  گان only a possessive (دوستانم), since -انی is mostly another word (طولانی، زندانی); after a nisba alone only ای
  (ایرانی‌ای) — not a possessive, so مسئول does not reach مسئولیت ("responsibility");
- comparative تر، ترین on the stem.

A stem ending in a silent ه also takes the plurals that replace it: گان and ات (نماینده → نمایندگان، نظریه → نظریات).
Diminutives and compounds (چه، خانه) stay out: کتابچه and کتابخانه are other words. A stem of one or two letters
takes only the endings and ها/ان: the chains from such stems measured mostly as other words (حس → حسین).

**Hamza seats** (always on; docs/methods.md, "Hamza", has the measurement on the UD Persian treebank vocabulary):

- *waw seat*: wherever the term's matching form has ی or و right before و, both are tried — مسئول (matching form
  مسیول), مسؤول and مسوول (مسوول) are one word whichever of them the lexicon writes. The first
  :data:`MAX_SEAT_VARIANTS` positions of a term vary; more never occur in real words.
- *alef seat*: a hamza written on yeh or alef (ئ أ) between two letters, before a consonant (not ا و ی ه), is also
  tried as ا and ی — مسئله / مسأله / مساله, هیئت / هیأت / هیات, جرئت / جرأت / جرات. Only when the term itself is
  written with the hamza: a hamza-less مساله cannot know where a hamza was.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

__all__ = [
    "ENDINGS_AFTER_HA",
    "ENDINGS_AFTER_PLURAL",
    "ENDINGS_AFTER_STEM",
    "HEH_PLURALS",
    "MAX_SEAT_VARIANTS",
    "MIN_CHAIN_STEM",
    "NISBA",
    "PERSIAN_PLURALS",
    "persian_inflections",
    "persian_tails",
    "seat_variants",
]

NISBA: tuple[str, ...] = ("ی", "یی")
PERSIAN_PLURALS: tuple[str, ...] = ("ها", "ان", "ین", "ات", "جات")
_YEH_PLURALS = ("ون",)  # only after ی: a nisba, or a stem ending in ی
HEH_PLURALS: tuple[str, ...] = ("گان", "ات")
_POSSESSIVE = ("م", "ت", "ش", "مان", "تان", "شان")
_POSSESSIVE_AFTER_HEH = ("ام", "ات", "اش")
_POSSESSIVE_AFTER_VOWEL = ("یم", "یت", "یش", "یمان", "یتان", "یشان")
_EZAFE = ("ی", "ای", "یی")
_COMPARATIVE = ("تر", "ترین")
#: what may follow the stem directly, ها, another plural (ان ین ون ات جات یان گان)
ENDINGS_AFTER_STEM: tuple[str, ...] = _EZAFE + _POSSESSIVE + _POSSESSIVE_AFTER_HEH + _COMPARATIVE
ENDINGS_AFTER_HA: tuple[str, ...] = ("ی", "یی") + _POSSESSIVE_AFTER_VOWEL
ENDINGS_AFTER_PLURAL: tuple[str, ...] = _POSSESSIVE
_EZAFE_AFTER = ("ات", "جات")  # plurals that also take ی (اعتراضاتی)
_AFTER_NISBA = ("ای",)
#: stems shorter than this take only the single suffixes and ها/ان (+ endings): on the treebank vocabulary most
#: chains from two-letter stems were other words (حس → حسین، پا → پایان، بد → بدین)
MIN_CHAIN_STEM = 3
_VOWEL_ENDINGS = ("ا", "و")

#: hamza seat positions varied per term (2**3 forms at most, times the alef-seat forms)
MAX_SEAT_VARIANTS = 3
_WAW_SEAT = re.compile("[یو](?=و)")
# ئ/أ between two Arabic letters, the next one a consonant: the hamza's seat may be written ی or ا, or dropped to ا
_ALEF_SEAT = re.compile("(?<=[\u0620-\u064a\u066e-\u06d3\u06d5])[ئأ](?=[\u0620-\u064a\u066e-\u06d3\u06d5])"
                        "(?![اآأإوؤیيىئهةۀ])")


def _plural_chains(plurals: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for plural in plurals:
        out.append(plural)
        out += [plural + e for e in (ENDINGS_AFTER_HA if plural == "ها" else ENDINGS_AFTER_PLURAL)]
        if plural in _EZAFE_AFTER:
            out.append(plural + "ی")
    return out


def persian_inflections(word: str) -> tuple[str, ...]:
    """``word`` (a matching-form word in Arabic script) and every inflected form ``suffixes: true`` adds."""
    if len(word) < MIN_CHAIN_STEM:
        return tuple(dict.fromkeys([word, *(word + s for s in ENDINGS_AFTER_STEM),
                                    *(word + c for c in _plural_chains(("ها", "ان")))]))
    plurals = (PERSIAN_PLURALS + (("یان",) if word.endswith(_VOWEL_ENDINGS) else ())
               + (_YEH_PLURALS if word.endswith("ی") else ()))
    suffixes: list[str] = ["", *ENDINGS_AFTER_STEM, *_plural_chains(plurals)]
    if word.endswith(_VOWEL_ENDINGS):
        suffixes += _POSSESSIVE_AFTER_VOWEL
    for nisba in NISBA:
        chains = _plural_chains(PERSIAN_PLURALS + _YEH_PLURALS)
        suffixes += [nisba, *(nisba + e for e in _AFTER_NISBA), *(nisba + c for c in chains)]
    forms = dict.fromkeys(word + s for s in suffixes)
    if word.endswith("ه") and len(word) > 1:
        forms.update(dict.fromkeys(word[:-1] + c for c in _plural_chains(HEH_PLURALS)))
    return tuple(forms)


_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat and tatweel: normalisation deletes them anyway


def persian_tails(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """The inflections of ``word`` as tails: (what may follow ``word`` itself — ``""`` included —, what may follow
    ``word`` without its final ه — the plurals that replace it, empty for other words)."""
    after, after_cut = set(), set()
    for form in persian_inflections(word):
        if form.startswith(word):
            after.add(form[len(word):])
        else:
            after_cut.add(form[len(word) - 1:])
    return frozenset(after), frozenset(after_cut)


def seat_variants(raw: str, normalise: Callable[[str], list[str]]) -> list[tuple[str, ...]]:
    """The term ``raw`` (as written) in matching form — its words, via ``normalise`` — with every hamza-seat
    variant: a list of word tuples, the plain normalised words first."""
    raw = _MARKS.sub("", raw)
    alef_positions = [m.start() for m in _ALEF_SEAT.finditer(raw)][:MAX_SEAT_VARIANTS]
    out: dict[tuple[str, ...], None] = {}
    for seats in itertools.product(("", "ی", "ا"), repeat=len(alef_positions)):
        chars = list(raw)
        for at, seat in zip(alef_positions, seats, strict=True):
            chars[at] = seat or chars[at]
        words = tuple(normalise("".join(chars)))
        for variant in _waw_variants(words):
            out.setdefault(variant, None)
    return list(out)


def _waw_variants(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    joined = " ".join(words)
    positions = [m.start() for m in _WAW_SEAT.finditer(joined)][:MAX_SEAT_VARIANTS]
    out = []
    for seats in itertools.product("یو", repeat=len(positions)):
        chars = list(joined)
        for at, seat in zip(positions, seats, strict=True):
            chars[at] = seat
        out.append(tuple("".join(chars).split(" ")))
    out.sort(key=lambda v: v != words)  # the plain form first
    return out
