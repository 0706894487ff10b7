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
from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "HITS_SCHEMA": ".match",
    "Frame": ".lexicon",
    "Lexicon": ".lexicon",
    "LexiconError": ".lexicon",
    "Matcher": ".match",
    "Term": ".lexicon",
    "frame_mask_many": ".corpus_match",
    "load_lexicon": ".lexicon",
    "match_corpus": ".corpus_match",
}

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


# the names above, imported on first use (narrascope._lazy): ``narrascope.frames.groups`` (the CLI's flags) needs
# no polars.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .corpus_match import frame_mask_many, match_corpus
    from .lexicon import Frame, Lexicon, LexiconError, Term, load_lexicon
    from .match import HITS_SCHEMA, Matcher
