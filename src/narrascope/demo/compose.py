"""Text composition for the demo corpus: sentences from templates, post bodies, rewrites, Desktop text parts.

A :class:`Body` is the structured form of a post (title, sentences, hashtags, link, boilerplate); rendering
turns it into Telegram Desktop text parts (plain strings mixed with entity objects). Frame sentences are
marked *protected* so that a light rewrite never drops or alters a planted term.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from typing import Any

from . import phrases
from .lexicon import FRAMES, Frame, term_variants

__all__ = ["Body", "Composer", "mention_parts", "merge_plain", "parts_text", "render_parts"]

_SLOT = re.compile(r"\{(\w+)\}")
_DIGITS = {"fa": str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫"), "ar": str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")}

Template = tuple[tuple[bool, str], ...]  # (is_slot, literal-or-slot-name) segments


def _compile(template: str) -> Template:
    segments: list[tuple[bool, str]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            segments.append((False, template[pos : m.start()]))
        segments.append((True, m.group(1)))
        pos = m.end()
    if pos < len(template):
        segments.append((False, template[pos:]))
    return tuple(segments)


def _compile_all(templates: tuple[str, ...]) -> tuple[Template, ...]:
    return tuple(_compile(t) for t in templates)


@dataclass
class Body:
    """A post before rendering. ``sentences`` holds (text, protected) pairs; protected = carries a frame."""

    lang: str
    sentences: list[tuple[str, bool]]
    title: str | None = None
    kicker: str | None = None  # a first line such as "🔴 free elections"
    dateline: str | None = None
    paragraph_breaks: tuple[int, ...] = ()  # sentence indexes that start a new paragraph
    tags: tuple[str, ...] = ()
    link: tuple[str, str] | None = None  # (entity type "link" | "text_link", url)
    boilerplate: str | None = None  # already formatted, contains one @mention
    photo: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def mention_parts(line: str) -> list[Any]:
    at = line.index("@")
    end = at + 1
    while end < len(line) and (line[end].isalnum() or line[end] == "_"):
        end += 1
    out: list[Any] = [line[:at], {"type": "mention", "text": line[at:end]}]
    if end < len(line):
        out.append(line[end:])
    return out


def render_parts(body: Body) -> list[Any]:
    """Desktop text parts: plain strings and entity dicts whose texts concatenate to the message text."""
    parts: list[Any] = []
    head = ""
    if body.kicker:
        head = body.kicker + "\n"
    if body.title:
        head += body.title + "\n\n"
    chunks: list[str] = []
    for i, (sentence, _) in enumerate(body.sentences):
        if i and i in body.paragraph_breaks:
            chunks.append("\n\n")
        elif i:
            chunks.append(" ")
        if i == 0 and body.dateline:
            chunks.append(body.dateline + " ")
        chunks.append(sentence)
    parts.append(head + "".join(chunks))
    if body.tags:
        parts.append("\n\n")
        for j, tag in enumerate(body.tags):
            if j:
                parts.append(" ")
            parts.append({"type": "hashtag", "text": tag})
    if body.link:
        kind, url = body.link
        parts.append("\n")
        if kind == "text_link":
            parts.append({"type": "text_link", "text": phrases.READ_MORE[body.lang], "href": url})
        else:
            parts.append({"type": "link", "text": url})
    if body.boilerplate:
        parts.append("\n\n")
        parts.extend(mention_parts(body.boilerplate))
    return merge_plain(parts)


def merge_plain(parts: list[Any]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        if isinstance(p, str):
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
                continue
        out.append(p)
    return out


def parts_text(parts: list[Any] | str) -> str:
    """Plain text of Desktop text parts (the concatenation of every part's text)."""
    if isinstance(parts, str):
        return parts
    return "".join(p if isinstance(p, str) else p["text"] for p in parts)


class Composer:
    """Builds sentences and bodies from the phrase material with one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.filler = {lang: _compile_all(phrases.FILLER[lang]) for lang in phrases.LANGS}
        self.headlines = {lang: _compile_all(phrases.HEADLINES[lang]) for lang in phrases.LANGS}
        self.co = {lang: _compile_all(phrases.CO_SENTENCES[lang]) for lang in phrases.LANGS}
        self.added = {lang: _compile_all(phrases.ADDED[lang]) for lang in phrases.LANGS}
        self.frame_sentences = {
            (f, lang): _compile_all(t) for f, by in phrases.FRAME_SENTENCES.items() for lang, t in by.items()
        }
        self.paraphrases = {
            (f, lang): _compile_all(t) for f, by in phrases.PARAPHRASES.items() for lang, t in by.items()
        }
        self.decoys = {(f, lang): _compile_all(t) for f, by in phrases.DECOYS.items() for lang, t in by.items()}
        # Listed forms weighted 2:1 against each single variant keeps the canonical spelling common.
        self.term_forms: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for frame in FRAMES:
            for lang, terms in frame.terms.items():
                self.term_forms[(frame.id, lang)] = [
                    (t, t, *term_variants(frame, lang, t)) for t in terms
                ]

    # -- slots -------------------------------------------------------------------------------------------------
    def _number(self, lang: str, value: str) -> str:
        if lang == "fa":
            r = self.rng.random()
            if r < 0.7:
                return value.translate(_DIGITS["fa"])
            if r < 0.75:
                return value.translate(_DIGITS["ar"])
        return value

    def _slot(self, lang: str, name: str, filled: dict[str, str]) -> str:
        rng = self.rng
        pools = phrases.SLOTS[lang]
        if name == "n":
            return self._number(lang, str(rng.randint(2, 60)))
        if name == "m":
            return self._number(lang, str(rng.randint(0, 5)))
        if name == "big":
            return self._number(lang, str(rng.randint(120, 98000)))
        if name == "pct":
            return self._number(lang, str(rng.randint(2, 45)))
        if name == "mag":
            return self._number(lang, f"{rng.randint(38, 63) / 10:.1f}")
        if name == "person":
            return f"{rng.choice(pools['first'])} {rng.choice(pools['last'])}"
        if name == "CITY":
            return rng.choice(pools["city"]).upper()
        if name == "city2":
            city = filled.get("city")
            while True:
                other = rng.choice(pools["city"])
                if other != city:
                    return other
        return rng.choice(pools[name])

    def fill(self, template: Template, lang: str, **fixed: str) -> str:
        filled: dict[str, str] = dict(fixed)
        out: list[str] = []
        for is_slot, value in template:
            if not is_slot:
                out.append(value)
                continue
            if value not in filled:
                filled[value] = self._slot(lang, value, filled)
            out.append(filled[value])
        text = "".join(out)
        return text[:1].upper() + text[1:] if lang == "en" else text

    # -- sentences ---------------------------------------------------------------------------------------------
    def filler_sentences(self, lang: str, count: int) -> list[tuple[str, bool]]:
        templates = self.rng.sample(self.filler[lang], count)
        return [(self.fill(t, lang), False) for t in templates]

    def term_form(self, frame_id: str, lang: str) -> str:
        forms = self.rng.choice(self.term_forms[(frame_id, lang)])
        return self.rng.choice(forms)

    def frame_sentence(self, frame_id: str, lang: str) -> str:
        template = self.rng.choice(self.frame_sentences[(frame_id, lang)])
        return self.fill(template, lang, term=self.term_form(frame_id, lang))

    def paraphrase(self, frame_id: str, lang: str) -> str:
        return self.fill(self.rng.choice(self.paraphrases[(frame_id, lang)]), lang)

    def decoy(self, frame_id: str, lang: str) -> str:
        return self.fill(self.rng.choice(self.decoys[(frame_id, lang)]), lang)

    def co_sentence(self, frame: Frame, lang: str) -> str:
        co = self.rng.choice(frame.unlisted[lang])
        return self.fill(self.rng.choice(self.co[lang]), lang, co=co)

    def kicker(self, frame: Frame, lang: str) -> str:
        return self.rng.choice(phrases.CO_KICKERS).format(co=self.rng.choice(frame.unlisted[lang]))

    def headline(self, lang: str) -> str:
        return self.fill(self.rng.choice(self.headlines[lang]), lang)

    def dateline(self, lang: str) -> str:
        city = self.rng.choice(phrases.SLOTS[lang]["city"])
        return phrases.DATELINE[lang].format(CITY=city.upper(), city=city)

    def added_sentence(self, lang: str) -> str:
        return self.fill(self.rng.choice(self.added[lang]), lang)

    # -- rewrites ----------------------------------------------------------------------------------------------
    def swap_words(self, sentence: str, lang: str) -> str:
        table = phrases.SWAPS[lang]
        tokens = sentence.split(" ")
        return " ".join(table.get(tok, tok) for tok in tokens)

    def rewrite(self, body: Body, lang: str) -> Body:
        """A light rewrite: word swaps, two sentences reordered, one dropped, one added (each maybe)."""
        rng = self.rng
        sentences = list(body.sentences)
        changed = False
        for i, (text, protected) in enumerate(sentences):
            if not protected and rng.random() < 0.35:
                new = self.swap_words(text, lang)
                changed = changed or new != text
                sentences[i] = (new, False)
        if len(sentences) >= 3 and rng.random() < 0.5:
            i = rng.randrange(len(sentences) - 1)
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
            changed = True
        droppable = [i for i, (_, protected) in enumerate(sentences) if not protected]
        if len(sentences) >= 4 and droppable and rng.random() < 0.4:
            del sentences[rng.choice(droppable)]
            changed = True
        if not changed or rng.random() < 0.4:
            sentences.append((self.added_sentence(lang), False))
        breaks = tuple(b for b in body.paragraph_breaks if b < len(sentences))
        return replace(body, sentences=sentences, paragraph_breaks=breaks)
