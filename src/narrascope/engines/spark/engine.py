"""The Spark engine seen from a store: export once per ingest state, run the job, import its result.

Everything lands in a work folder (``SparkOptions.workdir``, ``$NARRASCOPE_SPARK_DIR``, or ``.<store>.spark/``
next to the store)::

    input/                         the store's messages (narrascope export --parquet), redone when the store changes
    checkpoints/<job>-<key>/       stage outputs of a running job (removed when it finishes)
    results/<job>-<key>/           the job's result dataset, imported into the store when complete

A run killed anywhere leaves the store as it was; running the same command again resumes from the checkpoints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ...errors import UsageError
from ..dataset import export_parquet, read_manifest
from ..results import import_results
from .session import SparkOptions, spark_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from ...coordination import CoordinationOptions, CoordinationResult
    from ...frames.lexicon import Lexicon
    from ...reuse import ReuseOptions, ReuseResult
    from ...store.corpus import Corpus
    from .jobs import JobReport

__all__ = ["SparkEngine"]

Job = Callable[["SparkSession", str, str, str], "JobReport"]
"""job(spark, input path, output path, checkpoint root) → report."""


class SparkEngine:
    """Runs narrascope's heavy analyses as Spark jobs (see the module docstring)."""

    name = "spark"

    def __init__(self, options: SparkOptions | None = None) -> None:
        self.options = options or SparkOptions()
        self.last_report: JobReport | None = None

    def workdir(self, corpus: Corpus) -> Path:
        chosen = self.options.workdir or os.environ.get("NARRASCOPE_SPARK_DIR")
        if chosen:
            return Path(chosen)
        return corpus.path.with_name(f".{corpus.path.name}.spark")

    def prepare_input(self, corpus: Corpus) -> Path:
        """The store's export in the work folder, written again only when the store's ingest state changed."""
        folder = self.workdir(corpus) / "input"
        if folder.is_dir():
            try:
                if read_manifest(folder).state_token == corpus.state_token():
                    return folder
            except UsageError:
                pass
        export_parquet(corpus, folder, force=True)
        return folder

    def run(self, corpus: Corpus, name: str, key: str, job: Job) -> JobReport:
        """Run ``job`` over the store's export and import its result dataset into the store."""
        if corpus.read_only:
            raise UsageError(f"{corpus.path} is open read-only: the Spark engine imports its results into the store")
        work = self.workdir(corpus)
        source = self.prepare_input(corpus)
        output = work / "results" / f"{name}-{key}"
        spark = spark_session(self.options)
        report = job(spark, str(source.resolve()), str(output.resolve()), str((work / "checkpoints").resolve()))
        import_results(corpus, output)
        self.last_report = report
        return report

    # ------------------------------------------------------------------ analyses
    def frame_hits(self, corpus: Corpus, lexicon: Lexicon, *, since: Any = None, until: Any = None,
                   progress: Callable[[int, int], None] | None = None) -> pl.DataFrame:
        """The lexicon's hits (as :func:`narrascope.frames.prevalence.frame_hits`), matched on Spark unless the
        store already holds them for this lexicon and corpus state."""
        from ...frames.corpus_match import frame_hits_key
        from ...frames.prevalence import frame_hits
        from .frames import frames_job

        key = frame_hits_key(lexicon, corpus, since, until)
        if not corpus.results.has("frame_hits", key):
            self.run(corpus, "frames", key, lambda spark, src, out, ckpt: frames_job(
                spark, src, lexicon, out, checkpoints=ckpt, since=since, until=until, options=self.options))
        return frame_hits(corpus, lexicon, since=since, until=until)

    def coordination(self, corpus: Corpus, options: CoordinationOptions | None = None, *, refresh: bool = False,
                     progress: Callable[[str], None] | None = None) -> CoordinationResult:
        """Coordination (as :func:`narrascope.coordination.find_coordination`), computed on Spark unless the store
        already holds it for these options and inputs (or ``refresh``)."""
        from ...coordination import CoordinationOptions, find_coordination
        from ...coordination.exclusions import attributes_fingerprint
        from ...network.attributes import channel_attributes
        from .coordination import coordination_job

        options = options or CoordinationOptions()
        stored = channel_attributes(corpus)
        attributes = stored if stored.height else None
        clusters, reuse_key = None, ""
        if "near_duplicate" in options.objects:
            from ...reuse import load_reuse

            runs = corpus.results.list("reuse_cascades")
            reuse = load_reuse(corpus) if runs else None
            if reuse is None:
                raise UsageError(f"near_duplicate objects use the latest reuse run, and {corpus.path} has none: run "
                                 f"`narrascope reuse --db {corpus.path}` first")
            clusters = reuse.members.select("uid", pl.col("cascade_id").cast(pl.String).alias("cluster"))
            reuse_key = str(runs[-1]["result_key"])
        key = options.cache_key(corpus.state_token(), reuse_key,
                                attributes_fingerprint(attributes) if options.exclude_by else "")
        if refresh or not corpus.results.has("coordination_groups", key):
            if progress is not None:
                progress("running on Spark")
            self.run(corpus, "coordination", key, lambda spark, src, out, ckpt: coordination_job(
                spark, src, out, options, checkpoints=ckpt, attributes=attributes, clusters=clusters,
                reuse_key=reuse_key, spark_options=self.options))
        return find_coordination(corpus, options, attributes=attributes)

    def reuse(self, corpus: Corpus, options: ReuseOptions | None = None, *, refresh: bool = False) -> ReuseResult:
        """Reuse (as :func:`narrascope.reuse.find_reuse`), computed on Spark unless the store already holds it for
        these options and this corpus state (or ``refresh``)."""
        from ...reuse import ReuseOptions, find_reuse
        from .reuse import reuse_job

        options = options or ReuseOptions()
        key = options.cache_key(corpus.state_token())
        if refresh or not corpus.results.has("reuse_cascades", key):
            self.run(corpus, "reuse", key, lambda spark, src, out, ckpt: reuse_job(
                spark, src, out, options, checkpoints=ckpt, spark_options=self.options))
        return find_reuse(corpus, options)
