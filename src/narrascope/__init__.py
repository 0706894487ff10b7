"""narrascope: turn claims about online information campaigns into measured, validated numbers.

The curated public API (everything else lives in the subpackages: ``narrascope.frames``, ``.reuse``, ``.validate``,
``.report``, ``.demo``, ``.ingest``, ``.text``)::

    with Corpus.open("corpus.duckdb") as corpus:
        corpus.ingest(["ChatExport/"], IngestOptions(tz="Asia/Tehran"))
        shares = frame_shares(corpus, load_lexicon("lexicon.yaml"), by=("channel", "month"))
        reuse = find_reuse(corpus, ReuseOptions(threshold=0.5))
        build_report(corpus, Path("report.html"), ReportOptions(lexicon=Path("lexicon.yaml")))

Names are imported on first use (PEP 562), so ``import narrascope`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "CoordinationOptions": "narrascope.coordination",
    "Corpus": "narrascope.store.corpus",
    "DemoConfig": "narrascope.demo",
    "IngestOptions": "narrascope.ingest.base",
    "Lexicon": "narrascope.frames",
    "Matcher": "narrascope.frames",
    "NarrascopeError": "narrascope.errors",
    "ReportOptions": "narrascope.report",
    "ReuseOptions": "narrascope.reuse",
    "build_report": "narrascope.report",
    "find_coordination": "narrascope.coordination",
    "find_reuse": "narrascope.reuse",
    "frame_shares": "narrascope.frames.prevalence",
    "generate_demo": "narrascope.demo",
    "load_coordination": "narrascope.coordination",
    "load_lexicon": "narrascope.frames",
    "load_reuse": "narrascope.reuse",
    "match_corpus": "narrascope.frames",
    "validated_frame_shares": "narrascope.validate",
}

__all__ = [  # the names of _EXPORTS and __version__, sorted (tests/test_public_api.py holds them equal)
    "CoordinationOptions",
    "Corpus",
    "DemoConfig",
    "IngestOptions",
    "Lexicon",
    "Matcher",
    "NarrascopeError",
    "ReportOptions",
    "ReuseOptions",
    "__version__",
    "build_report",
    "find_coordination",
    "find_reuse",
    "frame_shares",
    "generate_demo",
    "load_coordination",
    "load_lexicon",
    "load_reuse",
    "match_corpus",
    "validated_frame_shares",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'narrascope' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .coordination import CoordinationOptions, find_coordination, load_coordination
    from .demo import DemoConfig, generate_demo
    from .errors import NarrascopeError
    from .frames import Lexicon, Matcher, load_lexicon, match_corpus
    from .frames.prevalence import frame_shares
    from .ingest.base import IngestOptions
    from .report import ReportOptions, build_report
    from .reuse import ReuseOptions, find_reuse, load_reuse
    from .store.corpus import Corpus
    from .validate import validated_frame_shares
