"""The embedded engine: DuckDB and worker threads/processes on this machine — narrascope's default.

It is the analyses' own store functions, gathered behind the engine interface so that the command line can
choose an engine with one flag; the Spark engine (:mod:`.spark.engine`) computes the same tables elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from ..coordination import CoordinationOptions, CoordinationResult
    from ..frames.lexicon import Lexicon
    from ..reuse import ReuseOptions, ReuseResult
    from ..store.corpus import Corpus

__all__ = ["LocalEngine"]


class LocalEngine:
    """Runs the analyses in this process (DuckDB for relational steps)."""

    name = "duckdb"

    def frame_hits(self, corpus: Corpus, lexicon: Lexicon, *, since: Any = None, until: Any = None,
                   progress: Callable[[int, int], None] | None = None) -> pl.DataFrame:
        from ..frames.prevalence import frame_hits

        return frame_hits(corpus, lexicon, since=since, until=until, progress=progress)

    def coordination(self, corpus: Corpus, options: CoordinationOptions | None = None, *, refresh: bool = False,
                     progress: Callable[[str], None] | None = None) -> CoordinationResult:
        from ..coordination import find_coordination

        return find_coordination(corpus, options, refresh=refresh, progress=progress)

    def reuse(self, corpus: Corpus, options: ReuseOptions | None = None, *, refresh: bool = False) -> ReuseResult:
        from ..reuse import find_reuse

        return find_reuse(corpus, options, refresh=refresh)
