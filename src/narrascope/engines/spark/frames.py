"""Frame matching on Spark: the embedded engine's :class:`~narrascope.frames.match.Matcher`, run per partition.

The lexicon is broadcast once; each Python worker compiles it into a Matcher the first time a task needs it and
keeps it for every later task it runs (Spark reuses its Python workers), so a lexicon is compiled once per worker
process rather than once per batch. Partitions reach the matcher as Arrow record batches (``mapInArrow``), and
each batch goes through exactly the code the embedded engine runs (:meth:`Matcher.scan`): the engines differ only
in how texts move, so their hits are identical — checked in tests/engines/test_spark_frames.py.

The output is the store's ``frame_hits`` result (uid, frame, term, start, end), saved under the key the embedded
engine would use, so ``frames``, ``show``, ``trends`` and the report read it from the store's cache unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from ...frames.corpus_match import CORPUS_HITS_SCHEMA, frame_hits_key
from ...frames.lexicon import Lexicon
from ...frames.match import MATCHER_VERSION, Matcher
from ...text.normalize import MATCH_TABLE_VERSION
from .checkpoint import Checkpoints
from .fs import join
from .inputs import input_manifest, read_messages, slices
from .jobs import JobReport, begin_output, write_results
from .session import SparkOptions, map_in_arrow

if TYPE_CHECKING:
    from pyspark.broadcast import Broadcast
    from pyspark.sql import SparkSession

__all__ = ["frames_job", "match_batches"]

#: compiled matchers of this Python process, by lexicon content hash (one per worker, reused across tasks).
_MATCHERS: dict[str, Matcher] = {}


def _matcher(lexicon: Lexicon) -> Matcher:
    matcher = _MATCHERS.get(lexicon.content_hash)
    if matcher is None:
        matcher = _MATCHERS[lexicon.content_hash] = Matcher(lexicon)
    return matcher


def match_batches(lexicon: Broadcast[Lexicon] | Lexicon, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` kernel: (uid, text) batches → hit batches with :data:`CORPUS_HITS_SCHEMA`."""
    matcher: Matcher | None = None
    for batch in batches:
        if matcher is None:
            matcher = _matcher(lexicon if isinstance(lexicon, Lexicon) else lexicon.value)
        hits = matcher.scan(batch.column("text"))
        cols = {name: hits.column(name).combine_chunks() for name in hits.column_names}
        yield pa.RecordBatch.from_arrays([
            pc.take(batch.column("uid"), cols["row"]).cast(pa.string()),
            cols["frame"], cols["term"], cols["start"], cols["end"],
        ], schema=CORPUS_HITS_SCHEMA)


def _spark_schema() -> Any:
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    return StructType([StructField("uid", StringType()), StructField("frame", StringType()),
                       StructField("term", StringType()), StructField("start", IntegerType()),
                       StructField("end", IntegerType())])


def frames_job(spark: SparkSession, input_path: str, lexicon: Lexicon, output: str, *, checkpoints: str,
               since: Any = None, until: Any = None, options: SparkOptions | None = None) -> JobReport:
    """Match ``lexicon`` against the message dataset at ``input_path``; write the ``frame_hits`` result dataset
    to ``output`` (manifest last). Slices finished by an earlier, killed run of the same job are not redone."""

    options = options or SparkOptions()
    clock = time.perf_counter()
    begin_output(spark, output)
    state = input_manifest(spark, input_path).state_token
    key = frame_hits_key(lexicon, state, since, until)
    ckpt = Checkpoints(spark, join(checkpoints, f"frames-{key}"))
    lexicon_bc = spark.sparkContext.broadcast(lexicon)
    kernel = partial(match_batches, lexicon_bc)
    parts = []
    groups = slices(spark, input_path, options.slice_bytes, since=since, until=until)
    for i, files in enumerate(groups):
        def build(files: list[str] = files) -> Any:
            rows = read_messages(spark, input_path, files, ["uid", "text"], since=since, until=until)
            if options.partitions:
                rows = rows.repartition(options.partitions)
            return map_in_arrow(rows, kernel, _spark_schema())

        parts.append(ckpt.stage(f"hits-slice-{i:05d}", build))
    hits = parts[0] if parts else spark.createDataFrame([], _spark_schema())
    for part in parts[1:]:
        hits = hits.unionByName(part)
    manifest = write_results(
        spark, output, analysis="frames", key=key, state_token=state, tables={"frame_hits": hits},
        params={"frame_hits": {"lexicon": lexicon.name, "lexicon_hash": lexicon.content_hash, "since": since,
                               "until": until, "normalization": MATCH_TABLE_VERSION, "matcher": MATCHER_VERSION,
                               "engine": "spark", "slices": len(groups)}})
    report = JobReport(manifest, output, list(ckpt.resumed), list(ckpt.computed))
    if not options.keep_checkpoints:
        ckpt.clear()
    lexicon_bc.unpersist()
    report.seconds = round(time.perf_counter() - clock, 3)
    return report
