"""Deterministic demo corpus with exact ground truth (Telegram Desktop exports in Persian and English).

``generate_demo(folder, DemoConfig(...))`` writes exports, truth and the planted lexicon;
``DemoStream(config)`` / ``iter_posts(config)`` yield the same messages in memory for statistical tests.
"""

from .generate import DemoConfig, DemoManifest, generate_demo
from .lexicon import FRAMES, planted_lexicon, term_variants, write_planted_lexicon
from .stream import CascadeMember, CellTruth, DemoStream, HardCase, iter_posts, shingle_jaccard

__all__ = [
    "FRAMES",
    "CascadeMember",
    "CellTruth",
    "DemoConfig",
    "DemoManifest",
    "DemoStream",
    "HardCase",
    "generate_demo",
    "iter_posts",
    "planted_lexicon",
    "shingle_jaccard",
    "term_variants",
    "write_planted_lexicon",
]
