"""Text reuse: near-duplicates, shared passages and rewrites, clustered into cascades with inferred origins.

``find_reuse(corpus, ReuseOptions(...))`` runs the pipeline on a store and saves its tables;
``find_reuse_frame(messages)`` runs it on a polars frame; ``align(a, b)`` aligns the passages two texts share.
See docs/methods.md ("Text reuse and cascades") for the method and its assumptions.
"""

from .align import Alignment, Passage, align
from .cascades import RELATIONS
from .lsh import candidate_probability, choose_bands
from .pipeline import ReuseOptions, ReuseResult, find_reuse, find_reuse_frame, load_reuse

__all__ = [
    "RELATIONS",
    "Alignment",
    "Passage",
    "ReuseOptions",
    "ReuseResult",
    "align",
    "candidate_probability",
    "choose_bands",
    "find_reuse",
    "find_reuse_frame",
    "load_reuse",
]
