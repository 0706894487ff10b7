"""Text reuse: near-duplicates, shared passages and rewrites, clustered into cascades with inferred origins.

``find_reuse(corpus, ReuseOptions(...))`` runs the pipeline on a store and saves its tables;
``find_reuse_frame(messages)`` runs it on a polars frame; ``align(a, b)`` aligns the passages two texts share;
``cascade_detail(corpus, id)`` gives one cascade's posts and its most informative pairs, aligned.
See docs/methods.md ("Text reuse and cascades") for the method and its assumptions.
"""

from .align import Alignment, Passage, align
from .cascades import RELATIONS
from .detail import CascadeDetail, cascade_detail
from .lsh import candidate_probability, choose_bands
from .pipeline import ReuseOptions, ReuseResult, find_reuse, find_reuse_frame, load_reuse

__all__ = [
    "RELATIONS",
    "Alignment",
    "CascadeDetail",
    "Passage",
    "ReuseOptions",
    "ReuseResult",
    "align",
    "candidate_probability",
    "cascade_detail",
    "choose_bands",
    "find_reuse",
    "find_reuse_frame",
    "load_reuse",
]
