"""A graded text-reuse test set: sources and their revisions at four levels, 50 to 2,000 words, English and Persian.

For each (language, length band) the generator writes ``families`` sources, three to a topic. A topic has its own
vocabulary (content words drawn more often than elsewhere), named entities, technical phrases, standard
formulations and numbers, shared by every text on it; each source family yields:

* ``source`` — an original text of a length drawn log-uniformly within the band, about one story: besides its
  topic's words it names a few things of its own (people, places, figures);
* ``copy`` — cut and paste: the whole source, or a run of at least half its sentences, with layout changes only
  (line breaks, case, punctuation, Persian ZWNJ/space/Arabic-letter variants that the matching form folds);
* ``light`` — a light revision: most sentences kept in place, a share of words swapped for synonyms, stock
  phrases reworded, a few words and sentences inserted or dropped, an occasional sentence moved;
* ``heavy`` — a heavy revision: most words swapped, clauses moved inside sentences, sentences reordered, merged
  and split, about a fifth dropped and new ones written in;
* ``unrelated`` — texts written independently on the same topic (same vocabulary, entities, phrases, formulations
  and numbers; stories of their own): the precision hazard, they must never be linked.

Revision operators work on sentences made of *units* (a word, a stock phrase, an entity name). Synonyms and
phrase paraphrases come from the hand-written lists in :mod:`tests.reuse.graded_words`; every generated content
word has one generated synonym. Everything is drawn from one seeded ``numpy`` generator: same arguments, same
texts. The intensities were set so that the pre-scaling defaults (``passage_min_shared = 30`` for every length)
reproduce at ~250 English words what a held-out graded corpus showed (every copy, about three quarters of light
and under half of heavy revisions linked) — see docs/methods.md, "Short texts".
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from .graded_words import (
    CODAS,
    COMMON_PHRASES,
    FILLERS,
    FUNCTION,
    JOINERS,
    ONSETS,
    PARAPHRASES,
    SYNONYMS,
    VOWELS,
)

__all__ = ["BANDS", "LANGS", "LEVELS", "Revision", "graded_corpus"]

LANGS = ("en", "fa")
#: Source length bands in words (lower inclusive, upper exclusive).
BANDS = ((50, 100), (100, 300), (300, 800), (800, 2001))
LEVELS = ("source", "copy", "light", "heavy", "unrelated")
VOCABULARY = 30_000
#: Consecutive families share a topic: several stories on one topic, each with its own unrelated texts.
TOPIC_FAMILIES = 3


@dataclass(frozen=True)
class Revision:
    """How strongly a reviser changes a text (shares apply per unit or per sentence)."""

    keep: tuple[float, float]  # share of the source's sentences the reviser works from (a contiguous run)
    synonym: float  # content words and listed words swapped for a synonym
    paraphrase: float  # stock phrases reworded
    function: float  # function words changed (grammar reworked)
    move_clause: float  # sentences whose clauses are rotated
    move_sentence: float  # sentences moved elsewhere
    merge: float  # sentence boundaries merged away or split
    drop_sentence: float  # sentences dropped
    new_sentence: float  # new sentences written in (per kept sentence)
    drop_word: float  # words dropped
    filler: float  # fillers inserted (per sentence)
    strength: tuple[float, float] = (1.0, 1.0)  # every rate above is scaled by a factor drawn from this range

    def scaled(self, factor: float) -> Revision:
        rates = {k: min(1.0, v * factor) for k, v in self.__dict__.items() if isinstance(v, float)}
        return Revision(**{**self.__dict__, **rates})


LIGHT = Revision(keep=(0.8, 1.0), synonym=0.3, paraphrase=0.7, function=0.06, move_clause=0.12,
                 move_sentence=0.1, merge=0.1, drop_sentence=0.06, new_sentence=0.06, drop_word=0.05, filler=0.2,
                 strength=(0.9, 1.45))
HEAVY = Revision(keep=(0.7, 1.0), synonym=0.55, paraphrase=0.9, function=0.2, move_clause=0.5,
                 move_sentence=0.5, merge=0.3, drop_sentence=0.2, new_sentence=0.2, drop_word=0.1, filler=0.4,
                 strength=(0.3, 1.1))

Sentence = list[str]  # units: a word, a stock phrase or an entity name


class _Draw:
    """Uniform numbers from a seeded generator, drawn in blocks (one numpy call per 65,536 draws keeps the
    generator fast; the sequence depends only on the seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.buf: list[float] = []
        self.i = 0

    def random(self) -> float:
        if self.i >= len(self.buf):
            self.buf = self.rng.random(1 << 16).tolist()
            self.i = 0
        self.i += 1
        return self.buf[self.i - 1]

    def integers(self, lo: int, hi: int | None = None) -> int:
        """An integer in [lo, hi) (or [0, lo))."""
        if hi is None:
            lo, hi = 0, lo
        return lo + int(self.random() * (hi - lo))

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.random()

    def pick(self, items: list[str] | tuple[str, ...]) -> str:
        return items[int(self.random() * len(items))]


class _Language:
    """Vocabulary of one language: function words, Zipf-distributed pseudo-words, synonym and paraphrase maps."""

    def __init__(self, lang: str, draw: _Draw) -> None:
        self.lang = lang
        self.function = list(FUNCTION[lang])
        self.phrases = list(COMMON_PHRASES[lang])
        real = set(self.function) | {w for pair in SYNONYMS[lang] for w in pair}
        words: list[str] = []
        seen = set(real)
        while len(words) < VOCABULARY:
            w = "".join(draw.pick(ONSETS[lang]) + draw.pick(VOWELS[lang]) + draw.pick(CODAS[lang])
                        for _ in range(draw.integers(2, 4)))
            if w not in seen and len(w) >= 4:
                seen.add(w)
                words.append(w)
        self.words = words
        # Content words follow Zipf's law from rank ~100 of a real vocabulary (the ranks above are function words):
        # the commonest content word is about 0.2 % of them, as in running text.
        self.content_cdf = _cdf(1.0 / (np.arange(VOCABULARY) + 100.0))
        self.function_cdf = _cdf(1.0 / (np.arange(len(self.function)) + 3.0))
        pairing = draw.rng.permutation(VOCABULARY).reshape(-1, 2)
        self.synonym: dict[str, str] = {}
        for i, j in pairing.tolist():
            self.synonym[words[i]] = words[j]
            self.synonym[words[j]] = words[i]
        for a, b in SYNONYMS[lang]:
            self.synonym[a], self.synonym[b] = b, a
        self.listed = [w for pair in SYNONYMS[lang] for w in pair]
        self.paraphrase: dict[str, str] = {}
        for a, b in PARAPHRASES[lang]:
            self.paraphrase[a], self.paraphrase[b] = b, a

    def content(self, draw: _Draw) -> str:
        return self.words[bisect.bisect_right(self.content_cdf, draw.random())]

    def function_word(self, draw: _Draw) -> str:
        return self.function[bisect.bisect_right(self.function_cdf, draw.random())]


def _cdf(weights: np.ndarray) -> list[float]:
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 2.0  # a draw of 1 - 1e-17 still lands on the last item
    return list(cdf[:-1])


@dataclass
class _Topic:
    words: list[str]
    entities: list[str]
    terms: list[str]
    formulae: list[str]
    numbers: list[str]


@dataclass
class _Story:
    """What one story (a source, or an unrelated text) names that other stories on its topic do not."""

    details: list[str]


def _story(language: _Language, draw: _Draw) -> _Story:
    names = [" ".join(language.words[draw.integers(1000, VOCABULARY)] for _ in range(draw.integers(1, 3)))
             for _ in range(4)]
    if language.lang == "en":
        names = [" ".join(w.capitalize() for w in n.split(" ")) for n in names]
    numbers = [str(draw.integers(2, 10_000)) for _ in range(3)]
    if language.lang == "fa":
        numbers = [n.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) for n in numbers]
    return _Story(names + numbers)


def _topic(language: _Language, draw: _Draw) -> _Topic:
    words = [language.words[draw.integers(300, VOCABULARY)] for _ in range(40)]

    def name(k: int) -> str:
        parts = [language.words[draw.integers(1000, VOCABULARY)] for _ in range(k)]
        return " ".join(p.capitalize() for p in parts) if language.lang == "en" else " ".join(parts)

    entities = [name(draw.integers(1, 4)) for _ in range(6)]
    glue = language.function[:12]
    terms = [" ".join([draw.pick(words), draw.pick(glue), draw.pick(words), draw.pick(words)][: draw.integers(2, 5)])
             for _ in range(4)]
    # the topic's standard formulations ("the Supreme National Security Council said that"): every text on the
    # topic uses some of them, so unrelated texts on one topic share word 3- to 5-grams
    formulae = [" ".join(draw.pick(glue) if k % 2 else draw.pick(words) for k in range(draw.integers(4, 8)))
                for _ in range(6)]
    numbers = [str(draw.integers(1900, 2025)) for _ in range(3)] + [str(draw.integers(2, 500)) for _ in range(3)]
    if language.lang == "fa":
        numbers = [n.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) for n in numbers]
    return _Topic(words, entities, terms, formulae, numbers)


def _content(language: _Language, topic: _Topic, draw: _Draw) -> str:
    r = draw.random()
    if r < 0.25:
        return draw.pick(topic.words)
    if r < 0.35:
        return draw.pick(language.listed)
    return language.content(draw)


def _sentence(language: _Language, topic: _Topic, story: _Story, draw: _Draw) -> Sentence:
    target = draw.integers(8, 27)
    units: Sentence = []
    count = 0
    while count < target:
        r = draw.random()
        if r < 0.02:
            unit = draw.pick(language.phrases)
        elif r < 0.05:
            unit = draw.pick(topic.terms)
        elif r < 0.08:
            unit = draw.pick(topic.entities)
        elif r < 0.10:
            unit = draw.pick(topic.numbers)
        elif r < 0.14:
            unit = draw.pick(topic.formulae)
        elif r < 0.17:
            unit = draw.pick(story.details)
        else:
            units += [language.function_word(draw) for _ in range(draw.integers(1, 3))]
            units += [_content(language, topic, draw) for _ in range(draw.integers(1, 3))]
            count = sum(u.count(" ") + 1 for u in units)
            continue
        units.append(unit)
        count = sum(u.count(" ") + 1 for u in units)
    return units


def _words(sentences: list[Sentence]) -> int:
    return sum(u.count(" ") + 1 for s in sentences for u in s)


def _text(language: _Language, topic: _Topic, story: _Story, length: int, draw: _Draw) -> list[Sentence]:
    sentences: list[Sentence] = []
    words = 0
    while words < length:
        sentences.append(_sentence(language, topic, story, draw))
        words += _words(sentences[-1:])
    return sentences


def _excerpt(sentences: list[Sentence], share: float, draw: _Draw, min_words: int = 50) -> list[Sentence]:
    """A run of about ``share`` of the sentences, and of at least ``min_words`` words (or the whole text)."""
    k = max(1, min(len(sentences), int(round(share * len(sentences)))))
    start = draw.integers(0, len(sentences) - k + 1)
    while _words(sentences[start : start + k]) < min_words and k < len(sentences):
        k += 1
        start = min(start, len(sentences) - k)
    return [list(s) for s in sentences[start : start + k]]


def _reword(s: Sentence, how: Revision, language: _Language, keep: set[str], draw: _Draw) -> None:
    """Unit-level edits of one sentence, in place: paraphrases, synonyms, grammar, drops, a filler, a moved clause."""
    function = language.function
    for i, unit in enumerate(s):
        if unit in keep:
            continue  # names and figures survive any rewording
        if unit in language.paraphrase:
            if draw.random() < how.paraphrase:
                s[i] = language.paraphrase[unit]
        elif unit in function:
            if draw.random() < how.function:
                s[i] = language.function_word(draw)
        elif unit in language.synonym:
            if draw.random() < how.synonym:
                s[i] = language.synonym[unit]
        elif " " in unit and draw.random() < how.synonym:
            s[i] = " ".join(language.synonym.get(w, w) for w in unit.split(" "))  # a technical term reworded
    s[:] = [u for u in s if u in keep or draw.random() >= how.drop_word] or s[:1]
    if draw.random() < how.filler:
        s.insert(draw.integers(0, len(s) + 1), draw.pick(FILLERS[language.lang]))
    if len(s) > 4 and draw.random() < how.move_clause:
        cut = draw.integers(2, len(s) - 1)
        s[:] = s[cut:] + s[:cut]


def _revise(sentences: list[Sentence], how: Revision, language: _Language, topic: _Topic, story: _Story,
            draw: _Draw) -> list[Sentence]:
    how = how.scaled(draw.uniform(*how.strength))
    out = _excerpt(sentences, draw.uniform(*how.keep), draw)
    keep = set(topic.entities) | set(topic.numbers) | set(story.details)
    for s in out:
        _reword(s, how, language, keep, draw)
    kept: list[Sentence] = []
    for i, s in enumerate(out):  # sentences dropped while at least 50 words remain (the set's shortest length)
        if draw.random() < how.drop_sentence and _words(kept) + _words(out[i + 1 :]) >= 50:
            continue
        kept.append(s)
    out = kept
    grown: list[Sentence] = []
    for s in out:
        grown.append(s)
        if draw.random() < how.new_sentence:
            grown.append(_sentence(language, topic, story, draw))
    merged: list[Sentence] = []
    for s in grown:
        if merged and draw.random() < how.merge / 2:
            merged[-1] = merged[-1] + [draw.pick(JOINERS[language.lang])] + s
        elif len(s) > 8 and draw.random() < how.merge / 2:
            cut = draw.integers(3, len(s) - 3)
            merged += [s[:cut], s[cut:]]
        else:
            merged.append(s)
    for _ in range(int(round(how.move_sentence * len(merged)))):
        if len(merged) > 1:
            i, j = draw.integers(len(merged)), draw.integers(len(merged))
            merged.insert(j, merged.pop(i))
    return merged


_FA_VARIANTS = (("ی", "ي"), ("ک", "ك"), ("\u200c", " "), ("\u200c", ""))


def _render(sentences: list[Sentence], lang: str, draw: _Draw, layout: bool = False) -> str:
    """Sentences as text in paragraphs; ``layout`` adds changes the matching form folds (case, spacing, letter
    forms)."""
    parts = []
    for s in sentences:
        text = " ".join(s)
        parts.append((text[:1].upper() + text[1:] if lang == "en" else text) + ".")
    paragraphs: list[str] = []
    i = 0
    while i < len(parts):
        k = draw.integers(2, 6)
        paragraphs.append(" ".join(parts[i : i + k]))
        i += k
    text = "\n\n".join(paragraphs)
    if layout:
        text = text.replace(". ", ".  ") if draw.random() < 0.5 else text.replace("\n\n", "\n")
        if lang == "en" and draw.random() < 0.5:
            text = text.upper()
        if lang == "fa":
            a, b = _FA_VARIANTS[draw.integers(len(_FA_VARIANTS))]
            text = text.replace(a, b)
    return text


def graded_corpus(seed: int = 0, families: int = 40, bands: tuple[tuple[int, int], ...] = BANDS,
                  langs: tuple[str, ...] = LANGS, unrelated: int = 2) -> pl.DataFrame:
    """The graded corpus as a messages frame (uid, channel_id, channel, message_id, posted_at, text) with the
    truth columns lang, band (e.g. "50-99"), family, level, source_uid and words."""
    draw = _Draw(seed)
    rows: list[dict[str, object]] = []
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for lang in langs:
        language = _Language(lang, draw)
        for lo, hi in bands:
            band = f"{lo}-{hi - 1}"
            for f in range(families):
                if f % TOPIC_FAMILIES == 0:
                    topic = _topic(language, draw)
                family = f"{lang}-{band}-{f:03d}"
                length = int(np.exp(draw.uniform(np.log(lo), np.log(hi))))
                story = _story(language, draw)
                source = _text(language, topic, story, length, draw)
                share = 1.0 if draw.random() < 0.5 else draw.uniform(0.5, 1.0)
                texts = [("source", source, False), ("copy", _excerpt(source, share, draw), True),
                         ("light", _revise(source, LIGHT, language, topic, story, draw), False),
                         ("heavy", _revise(source, HEAVY, language, topic, story, draw), False)]
                texts += [("unrelated", _text(language, topic, _story(language, draw),
                                              int(length * draw.uniform(0.7, 1.3)), draw), False)
                          for _ in range(unrelated)]
                start = t0 + timedelta(days=len(rows) // 3)
                source_uid = f"{len(rows):05d}-{family}-0-source"  # a numbered prefix: cascade ids are uid prefixes
                for k, (level, sentences, layout) in enumerate(texts):
                    rows.append({
                        "uid": f"{len(rows):05d}-{family}-{k}-{level}", "channel_id": f"{lang}{k}{f % 7}",
                        "channel": f"{lang} outlet {k}{f % 7}", "message_id": f"{family}-{k}",
                        "posted_at": start + timedelta(hours=k + 24 * (level == "unrelated")),
                        "text": _render(sentences, lang, draw, layout), "lang": lang, "band": band,
                        "family": family, "level": level, "source_uid": source_uid,
                        "words": _words(sentences),
                    })
    return pl.DataFrame(rows).with_columns(pl.col("posted_at").cast(pl.Datetime("us", "UTC")))


def link_rates(corpus: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Per (lang, band, level): texts, how many are linked and the share. A copy or revision is linked when a
    reported pair joins it to its own source; an unrelated text when ANY pair involves it; ``wrong`` counts pairs
    between different families (always a false link)."""
    family = dict(zip(corpus["uid"].to_list(), corpus["family"].to_list(), strict=True))
    edges = list(zip(pairs["a_uid"].to_list(), pairs["b_uid"].to_list(), strict=True))
    direct = {frozenset(e) for e in edges}
    touched = {u for e in edges for u in e}
    wrong: dict[str, int] = {}
    for a, b in edges:
        if family[a] != family[b]:
            for u in (a, b):
                wrong[u] = wrong.get(u, 0) + 1
    linked = [
        (u in touched) if level == "unrelated" else frozenset((u, s)) in direct
        for u, s, level in zip(corpus["uid"], corpus["source_uid"], corpus["level"], strict=True)
    ]
    frame = corpus.select("uid", "lang", "band", "level").with_columns(
        pl.Series("linked", linked), pl.col("uid").replace_strict(wrong, default=0, return_dtype=pl.Int64).alias("wrong"))
    return (frame.filter(pl.col("level") != "source").group_by("lang", "band", "level")
            .agg(pl.len().alias("texts"), pl.col("linked").sum().alias("linked"), pl.col("wrong").sum().alias("wrong"))
            .with_columns((pl.col("linked") / pl.col("texts")).alias("share")).sort("lang", "band", "level"))
