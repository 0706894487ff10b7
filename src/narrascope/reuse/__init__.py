"""Text reuse: near-duplicates, shared passages and rewrites, clustered into cascades with inferred origins.

``find_reuse(corpus, ReuseOptions(...))`` runs the pipeline on a store and saves its tables;
``find_reuse_frame(messages)`` runs it on a polars frame; ``align(a, b)`` aligns the passages two texts share;
``cascade_detail(corpus, id)`` gives one cascade's posts and its most informative pairs, aligned.
See docs/methods.md ("Text reuse and cascades") for the method and its assumptions.
"""

import sys
import types
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_exports
from .options import ReuseOptions

_EXPORTS = {
    "RELATIONS": ".cascades",
    "Alignment": ".align",
    "CascadeDetail": ".detail",
    "Passage": ".align",
    "ReuseResult": ".pipeline",
    "align": ".align",
    "candidate_probability": ".lsh",
    "cascade_detail": ".detail",
    "choose_bands": ".lsh",
    "find_reuse": ".pipeline",
    "find_reuse_frame": ".pipeline",
    "load_reuse": ".pipeline",
}

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


# the names above, imported on first use (narrascope._lazy): ``from narrascope.reuse import ReuseOptions`` (the
# CLI's flags) needs no polars, numpy or scipy.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


class _Package(types.ModuleType):
    """The submodule ``align`` shares its name with the function :func:`align`: importing the submodule must not
    replace the package's ``align`` (the function, as when this package imported it eagerly)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .align import Alignment, Passage, align
    from .cascades import RELATIONS
    from .detail import CascadeDetail, cascade_detail
    from .lsh import candidate_probability, choose_bands
    from .pipeline import ReuseResult, find_reuse, find_reuse_frame, load_reuse
