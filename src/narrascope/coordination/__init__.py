"""Coordinated behaviour: co-action on the same objects within a sliding window, tested against null worlds.

``find_coordination(corpus, CoordinationOptions(...))`` runs on the store and saves ``result_coordination_*``;
``find_coordination_frame(messages, ...)`` runs on any polars frame of messages; ``load_coordination(corpus)``
reads the latest run. Every table is a polars DataFrame. Methods and their citations: docs/methods.md.
"""

from .options import CoordinationOptions, format_window, parse_window
from .pipeline import CoordinationResult, find_coordination_frame
from .results import find_coordination, load_coordination

__all__ = [
    "CoordinationOptions",
    "CoordinationResult",
    "find_coordination",
    "find_coordination_frame",
    "format_window",
    "load_coordination",
    "parse_window",
]
