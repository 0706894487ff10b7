"""Frames: lexicons (YAML or LIWC .dic) → Persian-aware matching → per-message frames and hits with spans.

Public API::

    lexicon = load_lexicon("frames.yaml")          # Lexicon(frames=(Frame(id, label, description, terms, exclude), …))
    matcher = Matcher(lexicon)
    matcher.scan(texts)            # pyarrow Table: row, frame, term, start, end (offsets in the original text)
    matcher.frame_mask(texts)      # numpy bool (rows × frames), the cheap path for shares
    match_corpus(corpus, lexicon)  # uid, frame, term, start, end over a store's messages, cached

:data:`EXAMPLE_LEXICON` is a shipped example: two opposing framings of the seed story, in English and Persian.
"""

from __future__ import annotations

from pathlib import Path

from .corpus_match import frame_mask_many, match_corpus
from .lexicon import Frame, Lexicon, LexiconError, Term, load_lexicon
from .match import HITS_SCHEMA, Matcher

__all__ = [
    "EXAMPLE_LEXICON",
    "HITS_SCHEMA",
    "Frame",
    "Lexicon",
    "LexiconError",
    "Matcher",
    "Term",
    "frame_mask_many",
    "load_lexicon",
    "match_corpus",
]

EXAMPLE_LEXICON = Path(__file__).parent / "example_lexicons" / "seeds_framings.yaml"
