"""The frames the demo generator plants, their listed terms, spelling variants and unlisted co-terms.

Two framings of the same (fictional) events: an opposition framing and a state-media framing. Each frame
has *listed* terms (the lexicon a user would write, :func:`planted_lexicon`) and *unlisted* terms that
co-occur mostly with carrying posts (what term discovery should find). Planted occurrences of listed terms
use spelling variants a Persian-aware matcher must equate with the listed form: Arabic yeh/kaf, tatweel,
diacritics (an ezafe kasra), ZWNJ vs nothing inside a word, ZWNJ vs space vs nothing before the plural
suffix ``ها``, and Latin case. Variants are deterministic (not seeded) so the truth file can list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FRAMES",
    "Frame",
    "planted_lexicon",
    "term_variants",
    "write_planted_lexicon",
]

ZWNJ = "\u200c"
TATWEEL = "\u0640"
KASRA = "\u0650"
FATHA = "\u064e"
ARABIC_YEH, ARABIC_KAF, ALEF_MAKSURA = "\u064a", "\u0643", "\u0649"
PERSIAN_YEH, PERSIAN_KAF = "\u06cc", "\u06a9"

# Letters that join to the following letter; tatweel may only follow one of these.
_JOINS_LEFT = set("بپتثجچحخسشصضطظعغفقکگلمنهیئك" + ARABIC_YEH)


@dataclass(frozen=True)
class Frame:
    """One planted frame: listed terms per language plus unlisted co-occurring terms."""

    id: str
    label: str
    description: str
    terms: dict[str, tuple[str, ...]]
    unlisted: dict[str, tuple[str, ...]]
    # Persian terms whose listed form has no ZWNJ but may be written with one at this character offset.
    zwnj_joints: dict[str, int] = field(default_factory=dict)


FRAMES: tuple[Frame, ...] = (
    Frame(
        id="resistance",
        label="Opposition: uprising and resistance",
        description="Events described as a popular uprising against the state, led by an organised resistance.",
        terms={
            "en": ("regime change", "uprising", "Iranian Resistance", "freedom fighters"),
            "fa": ("تغییر رژیم", "خیزش", "مقاومت ایران", "کانون‌های شورشی"),
        },
        unlisted={
            "en": ("tyranny", "free elections", "brave youth"),
            "fa": ("استبداد", "رهایی", "جوانان دلیر"),
        },
    ),
    Frame(
        id="sedition",
        label="State media: sedition and rioters",
        description="The same events described as riots and sedition steered by foreign enemies.",
        terms={
            "en": ("rioters", "sedition", "hypocrites", "enemy agents"),
            "fa": ("اغتشاشگران", "فتنه", "منافقین", "عوامل دشمن"),
        },
        unlisted={
            "en": ("hostile media", "chaos", "foreign plot"),
            "fa": ("رسانه‌های معاند", "آشوب", "توطئه خارجی"),
        },
        zwnj_joints={"اغتشاشگران": 6},
    ),
)


def _arabic_letters(term: str) -> str:
    return term.replace(PERSIAN_KAF, ARABIC_KAF).replace(PERSIAN_YEH, ARABIC_YEH)


def _final_maksura(term: str) -> str:
    """Word-final yeh typed as alef maksura (common in text typed on Arabic keyboards)."""
    chars = list(term)
    for i, ch in enumerate(chars):
        if ch == PERSIAN_YEH and (i + 1 == len(chars) or not chars[i + 1].isalpha()):
            chars[i] = ALEF_MAKSURA
    return "".join(chars)


def _with_tatweel(term: str) -> str | None:
    for i in range(len(term) - 2, 0, -1):
        if term[i] in _JOINS_LEFT and term[i + 1].isalpha():
            return term[: i + 1] + TATWEEL + term[i + 1 :]
    return None


def _fa_variants(term: str, joint: int | None) -> list[str]:
    forms = [_arabic_letters(term), _final_maksura(term)]
    tat = _with_tatweel(term)
    if tat:
        forms.append(tat)
    forms.append(term.replace(" ", KASRA + " ", 1) if " " in term else term + KASRA)  # ezafe kasra
    forms.append(term[:2] + FATHA + term[2:] if term[1] != "ا" else term[:1] + FATHA + term[1:])
    if ZWNJ + "ها" in term:  # plural suffix: ZWNJ, space or nothing
        forms.append(term.replace(ZWNJ + "ها", "ها"))
        forms.append(term.replace(ZWNJ + "ها", " ها"))
        forms.append(term.replace(ZWNJ, ZWNJ + ZWNJ))
    elif ZWNJ in term:
        forms.append(term.replace(ZWNJ, ""))
    if joint is not None:
        forms.append(term[:joint] + ZWNJ + term[joint:])
    return list(dict.fromkeys(f for f in forms if f != term))


def _en_variants(term: str) -> list[str]:
    forms = [term.lower(), term.upper(), term.title(), term[:1].upper() + term[1:]]
    return list(dict.fromkeys(f for f in forms if f != term))


def term_variants(frame: Frame, lang: str, term: str) -> list[str]:
    """Spelling variants of a listed term, without the listed form itself (deterministic order)."""
    if lang == "fa":
        return _fa_variants(term, frame.zwnj_joints.get(term))
    return _en_variants(term)


def planted_lexicon() -> dict[str, Any]:
    """The listed terms as a lexicon in the project's YAML shape: {"frames": [{id, label, description, terms}]}."""
    return {
        "frames": [
            {
                "id": f.id,
                "label": f.label,
                "description": f.description,
                "terms": {lang: list(terms) for lang, terms in f.terms.items()},
            }
            for f in FRAMES
        ]
    }


def write_planted_lexicon(path: Path) -> Path:
    """Write :func:`planted_lexicon` as UTF-8 YAML (Persian kept readable, not escaped)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(planted_lexicon(), allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")
    return path
