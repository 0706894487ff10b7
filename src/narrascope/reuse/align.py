"""Shared passages of two texts, with character offsets into both ORIGINAL texts (seed-and-extend).

Both texts are put in matching form with offsets (:func:`narrascope.text.normalize.normalize_with_offsets`) and
tokenised (letters, marks, digits). Every word ``ngram`` shared by the two token sequences is a *seed*; each seed
is extended left and right while the tokens agree, giving a maximal exact run on its diagonal (the same idea as
BLAST's and passim's seeds, without gaps: a changed word ends a passage, and the next seed starts the next one).
Overlapping runs are resolved longest first, runs shorter than ``min_tokens`` are dropped, and each run's first
and last token are mapped back through the offsets, so ``original[start:end]`` is exactly the reused passage as
each text spells it (case, ZWNJ, Arabic/Persian letter forms and punctuation inside the passage may differ).

Cost is linear in the two lengths plus the number of seed hits (an n-gram repeated more than ``max_repeats``
times in one text is not used as a seed), which is fast for article-length texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

from ..text.normalize import Normalized, normalize_with_offsets
from .shingle import TOKEN_PATTERN

__all__ = ["Alignment", "Passage", "Tokenized", "align", "tokenize"]

_TOKEN = regex.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class Tokenized:
    """A text's tokens (matching form) with each token's span in the original text."""

    original: str
    tokens: tuple[str, ...]
    starts: np.ndarray  # original start offset of each token
    ends: np.ndarray  # original end offset of each token


@lru_cache(maxsize=256)
def tokenize(text: str) -> Tokenized:
    """Tokens of ``text``'s matching form and their original spans."""
    norm: Normalized = normalize_with_offsets(text)
    tokens: list[str] = []
    bounds: list[int] = []
    for m in _TOKEN.finditer(norm.text):
        tokens.append(m.group())
        bounds += m.span()
    span = np.array(bounds, dtype=np.int64).reshape(-1, 2)
    # tokens are never empty: each one's original span runs from its first character's start to its last's end
    starts = norm.starts[span[:, 0]] if len(tokens) else np.zeros(0, dtype=np.int64)
    ends = norm.ends[span[:, 1] - 1] if len(tokens) else np.zeros(0, dtype=np.int64)
    return Tokenized(text, tuple(tokens), starts.astype(np.int64), ends.astype(np.int64))


@dataclass(frozen=True)
class Passage:
    """One shared passage: ``a_text[a_start:a_end]`` and ``b_text[b_start:b_end]``, ``tokens`` words long."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    tokens: int


@dataclass(frozen=True)
class Alignment:
    """The passages of a pair and the measures the relation is decided on."""

    passages: tuple[Passage, ...]
    tokens_a: int
    tokens_b: int
    aligned_tokens: int  # tokens of A inside passages (equal to those of B: runs are exact)
    vocabulary_jaccard: float  # Jaccard similarity of the two token SETS (overall word overlap)

    @property
    def coverage(self) -> float:
        """Share of the shorter text covered by passages."""
        shorter = min(self.tokens_a, self.tokens_b)
        return self.aligned_tokens / shorter if shorter else 0.0


def _runs(a: list[int], b: list[int], ngram: int, max_repeats: int) -> list[tuple[int, int, int]]:
    """Maximal exact runs (a_start, b_start, length) grown from shared n-gram seeds."""
    index: dict[tuple[int, ...], list[int]] = {}
    for i in range(len(a) - ngram + 1):
        index.setdefault(tuple(a[i : i + ngram]), []).append(i)
    reach: dict[int, int] = {}  # diagonal (j - i) -> the end (in A) of the last run found on it
    runs = []
    for j in range(len(b) - ngram + 1):
        hits = index.get(tuple(b[j : j + ngram]))
        if not hits or len(hits) > max_repeats:
            continue
        for i in hits:
            d = j - i
            if reach.get(d, -1) > i:
                continue  # inside a run already found on this diagonal
            i0, j0 = i, j
            while i0 > 0 and j0 > 0 and a[i0 - 1] == b[j0 - 1]:
                i0, j0 = i0 - 1, j0 - 1
            i1, j1 = i + ngram, j + ngram
            while i1 < len(a) and j1 < len(b) and a[i1] == b[j1]:
                i1, j1 = i1 + 1, j1 + 1
            reach[d] = i1
            runs.append((i0, j0, i1 - i0))
    return runs


def align(a_text: str, b_text: str, ngram: int = 5, min_tokens: int = 5, max_repeats: int = 20) -> Alignment:
    """Shared passages of two texts (see the module docstring)."""
    ta, tb = tokenize(a_text), tokenize(b_text)
    vocab: dict[str, int] = {}
    a = [vocab.setdefault(t, len(vocab)) for t in ta.tokens]
    b = [vocab.setdefault(t, len(vocab)) for t in tb.tokens]
    n = max(1, min(ngram, min_tokens))
    used_a = np.zeros(len(a), dtype=bool)
    used_b = np.zeros(len(b), dtype=bool)
    passages = []
    for i0, j0, length in sorted(_runs(a, b, n, max_repeats), key=lambda r: (-r[2], r[0], r[1])):
        if length < min_tokens or used_a[i0 : i0 + length].any() or used_b[j0 : j0 + length].any():
            continue
        used_a[i0 : i0 + length] = True
        used_b[j0 : j0 + length] = True
        passages.append(Passage(int(ta.starts[i0]), int(ta.ends[i0 + length - 1]),
                                int(tb.starts[j0]), int(tb.ends[j0 + length - 1]), length))
    passages.sort(key=lambda p: (p.a_start, p.b_start))
    sa, sb = set(ta.tokens), set(tb.tokens)
    union = len(sa | sb)
    return Alignment(
        passages=tuple(passages),
        tokens_a=len(a),
        tokens_b=len(b),
        aligned_tokens=int(used_a.sum()),
        vocabulary_jaccard=len(sa & sb) / union if union else 0.0,
    )
