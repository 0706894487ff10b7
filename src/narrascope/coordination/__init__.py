"""Coordinated behaviour: co-action on the same objects within a sliding window, tested against null worlds.

``find_coordination(corpus, CoordinationOptions(...))`` runs on the store and saves ``result_coordination_*``;
``find_coordination_frame(messages, ...)`` runs on any polars frame of messages; ``load_coordination(corpus)``
reads the latest run. Every table is a polars DataFrame. Methods and their citations: docs/methods.md.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from .options import CoordinationOptions, format_window, parse_window

_EXPORTS = {
    "CoordinationResult": ".pipeline",
    "find_coordination": ".results",
    "find_coordination_frame": ".pipeline",
    "load_coordination": ".results",
}

__all__ = [
    "CoordinationOptions",
    "CoordinationResult",
    "find_coordination",
    "find_coordination_frame",
    "format_window",
    "load_coordination",
    "parse_window",
]


# the names above, imported on first use (narrascope._lazy): the options (the CLI's flags) need no polars or
# scipy.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .pipeline import CoordinationResult, find_coordination_frame
    from .results import find_coordination, load_coordination
