"""How batch work runs: the embedded engine (DuckDB, this machine) or Spark (a cluster, or ``local[N]``).

The analyses are written as pure functions over Arrow/polars batches plus relational steps; an engine decides how
the data moves between them, never what is computed, so both engines give identical results (parity tests in
tests/engines/). The interface is deliberately narrow — one method per heavy analysis, returning what the
embedded library function returns, with results saved in the store under the same keys::

    engine = get_engine("spark")                    # or "duckdb" (the default everywhere)
    hits = engine.frame_hits(corpus, lexicon)       # then frame_shares(corpus, lexicon, hits=hits), …
    result = engine.coordination(corpus, CoordinationOptions(window=60))
    reuse = engine.reuse(corpus, ReuseOptions(threshold=0.6))

Data movement for Spark: :func:`export_parquet` writes the store's canonical records as a Parquet dataset (the
jobs' input), the jobs write result datasets with the ``result_*`` tables' columns, and :func:`import_results`
publishes such a dataset in a store, atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from ..coordination import CoordinationOptions, CoordinationResult
    from ..frames.lexicon import Lexicon
    from ..reuse import ReuseOptions, ReuseResult
    from ..store.corpus import Corpus
    from .spark.session import SparkOptions

__all__ = ["ENGINES", "Engine", "export_parquet", "get_engine", "import_results"]

#: engine names, the default first.
ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    """What an engine offers (each method returns what the embedded library function returns)."""

    name: str

    def frame_hits(self, corpus: Corpus, lexicon: Lexicon, *, since: Any = None, until: Any = None,
                   progress: Callable[[int, int], None] | None = None) -> pl.DataFrame: ...

    def coordination(self, corpus: Corpus, options: CoordinationOptions | None = None, *, refresh: bool = False,
                     progress: Callable[[str], None] | None = None) -> CoordinationResult: ...

    def reuse(self, corpus: Corpus, options: ReuseOptions | None = None, *, refresh: bool = False) -> ReuseResult: ...


def get_engine(name: str = "duckdb", spark: SparkOptions | None = None) -> Engine:
    """The engine called ``name`` (one of :data:`ENGINES`); ``spark`` configures the Spark engine."""
    if name == "duckdb":
        from .local import LocalEngine

        return LocalEngine()
    if name == "spark":
        from .spark.engine import SparkEngine

        return SparkEngine(spark)
    raise UsageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


def export_parquet(corpus: Corpus, folder: Any, *, force: bool = False, rows_per_file: int | None = None) -> Any:
    """Write the store's messages as a Parquet dataset (see :func:`narrascope.engines.dataset.export_parquet`)."""
    from .dataset import ROWS_PER_FILE
    from .dataset import export_parquet as _export

    return _export(corpus, folder, force=force, rows_per_file=rows_per_file or ROWS_PER_FILE)


def import_results(corpus: Corpus, folder: Any) -> Any:
    """Publish a Spark job's result dataset in the store (see :func:`narrascope.engines.results.import_results`)."""
    from .results import import_results as _import

    return _import(corpus, folder)
