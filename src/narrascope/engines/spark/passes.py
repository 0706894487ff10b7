"""The per-message work of a reuse run's two passes as Spark tasks: the driver only takes in what they prepared.

The streaming engine (:mod:`narrascope.reuse.scan`) splits each pass into work that depends on one batch of
documents alone (:mod:`narrascope.reuse.stages`) and decisions taken in document order (what is kept per document,
the spills). Here the first runs on the executors, with the same functions, and the driver receives finished
batches in document order (:class:`~narrascope.reuse.scan.Passes`):

1. *sorted* — messages with a text are sorted into document order and numbered (:func:`.order.number_rows`);
2. *lines* — each batch of messages is split into lines in matching form
   (:func:`~narrascope.reuse.stages.line_batch`); the lines stay on the cluster, the batch's per-document
   numbers and metadata go to the driver's line pass;
3. *matching* — the lines of each document, boilerplate lines dropped, become its matching text
   (:func:`~narrascope.reuse.stages.matching_texts`; the driver's boilerplate lines and channel codes broadcast);
4. *reps* — the representative of each matching text is the first document that has it (a minimum per text hash:
   what the driver's :class:`~narrascope.reuse.spill.FirstSeen` finds when it reads the documents in order);
5. *shingled* — tokens, shingle sets, MinHash bands and postings of the representatives
   (:func:`~narrascope.reuse.stages.shingle_batch`), committed by the driver to its spills — but for the
   character sets' LSH rows and the n-gram postings, which stay on the cluster as the indexes the candidate steps
   read, as do the raw word sets;
6. *word-bands* — once the driver has counted the channel n-gram boilerplate, the word sets without it are signed
   and banded where they are: the LSH index the candidate step reads (:class:`RemoteIndex`).

Each stage is a checkpoint, so a killed job resumes after the last one finished. What a stage sends to the driver
(a line batch's metadata, a batch of shingles) travels as one pickled object per batch, in a binary column beside
the stage's rows: both ends run the same narrascope, and the pickles live only in this job's checkpoints.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...reuse.boilerplate import drop_keys
from ...reuse.pipeline import HAS_TEXT, typed_inputs
from ...reuse.shingle import ShingleSets, intersection_sizes
from ...reuse.stages import band_rows, line_batch, matching_texts, shingle_batch
from .order import number_rows
from .session import arrow_batches, map_in_arrow

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ...reuse.scan import LinePass, TokenPass
    from .checkpoint import Checkpoints

__all__ = ["RemoteIndex", "RemoteSets", "SparkPasses", "intersect_kernel", "spark_type"]

#: the document order of a run (the store's: narrascope.store.corpus.Corpus.message_batches)
ORDER = ("posted_at", "channel_id", "message_id", "uid")
#: messages per task of a pass: a few hundred MB of texts, lines and shingles in a Python worker
DOCS_PER_TASK = 200_000
#: representatives per shingled batch sent to the driver (about 4 KB of shingles each for real posts)
REPS_PER_BATCH = 5_000
#: prepared batches per partition the driver fetches (so that a fetch stays near 100 MB)
BATCHES_PER_FETCH = 4
_UTC = pl.Datetime("us", "UTC")
LOW32 = np.uint64(0xFFFFFFFF)  # the document half of a posting key


#: each stage's rows (a stage also carries the rows for the driver: ``lo`` and a pickled ``payload``, see
#: :func:`_payload`); a row kind leaves the other kinds' columns null
LINES = pa.schema([("doc", pa.int64()), ("seq", pa.int64()), ("channel_id", pa.string()), ("key", pa.int64()),
                   ("norm", pa.string()), ("lo", pa.int64()), ("payload", pa.binary())])
MATCHING = pa.schema([("doc", pa.int64()), ("chan", pa.int32()), ("hash", pa.int64()), ("text", pa.string()),
                      ("dropped", pa.int32()), ("bad_key", pa.int64())])
SHINGLED = pa.schema([("lo", pa.int64()), ("payload", pa.binary()), ("doc", pa.int64()), ("chan", pa.int32()),
                      ("words", pa.binary()), ("bucket", pa.int64()), ("gram", pa.int64()), ("n", pa.int32()),
                      ("chars", pa.binary())])
BANDS = pa.schema([("bucket", pa.int64()), ("doc", pa.int64()), ("words", pa.binary())])
INTERSECTIONS = pa.schema([("i", pa.int64()), ("inter", pa.int64()), ("na", pa.int64()), ("nb", pa.int64())])


def spark_type(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _rows(schema: pa.Schema, size: int, **cols: Any) -> pa.RecordBatch:
    """``size`` rows of ``schema`` with the given columns (arrays or numpy arrays), the others null."""
    return pa.RecordBatch.from_arrays(
        [pa.array(cols[f.name], f.type) if f.name in cols else pa.nulls(size, f.type) for f in schema],
        schema=schema)


@dataclass(frozen=True)
class RemoteSets:
    """Shingle sets kept on Spark, ``(doc, set)`` rows (``set``: the uint32 values as bytes; see
    :meth:`SparkPasses.sets`)."""

    name: str
    frame: DataFrame


@dataclass(frozen=True)
class RemoteIndex:
    """An index built on Spark: LSH ``(bucket, doc)`` rows (:meth:`SparkPasses.char_bands`,
    :meth:`SparkPasses.word_bands`) or n-gram postings, ``(gram, doc)`` rows (:meth:`SparkPasses.postings`)."""

    name: str
    frame: DataFrame
    rows: int


def _int64(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values).astype(np.uint64).view(np.int64)


def _uint64(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def _payload(schema: pa.Schema, lo: int, obj: Any) -> pa.RecordBatch:
    """One row for the driver: ``obj`` pickled, ``lo`` the first document it concerns (the order they are taken in)."""
    return _rows(schema, 1, lo=[lo], payload=[pickle.dumps(obj, protocol=5)])


# --------------------------------------------------------------------------------------------- the kernels
def _with_text(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The messages a run reads (:data:`~narrascope.reuse.pipeline.HAS_TEXT`), as the embedded engine picks them."""
    for batch in batches:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        keep = frame.select(HAS_TEXT).to_series().to_numpy()
        yield batch.filter(pa.array(keep))


def _contiguous(frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
    """``frame`` (sorted by doc) cut where document numbers jump: a pass batch is a run of documents."""
    docs = frame.get_column("doc").to_numpy()
    cuts = [0, *(np.flatnonzero(np.diff(docs) != 1) + 1).tolist(), docs.size]
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if hi > lo:
            yield frame.slice(lo, hi - lo)


def _line_kernel(boilerplate: bool, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Numbered messages (sorted by doc) → their lines' rows and, per batch, the pickled
    :class:`~narrascope.reuse.stages.LineBatch` for the driver."""
    for batch in batches:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        frame = typed_inputs(frame).with_columns(pl.col("posted_at", "fwd_posted_at").cast(_UTC))
        for run in _contiguous(frame):
            prepared, lines = line_batch(run, boilerplate)
            ldocs = lines.column("doc").to_numpy()
            yield _rows(LINES, lines.num_rows, doc=ldocs, seq=np.arange(lines.num_rows, dtype=np.int64),
                        channel_id=run.get_column("channel_id").gather(ldocs - prepared.lo).to_arrow(),
                        key=_int64(lines.column("key").to_numpy()), norm=lines.column("norm").combine_chunks())
            yield _payload(LINES, prepared.lo, prepared)


def _whole_documents(batches: Iterator[pa.RecordBatch]) -> Iterator[pl.DataFrame]:
    """Line rows sorted by (doc, seq) regrouped so that no document is split between two frames (Spark cuts its
    Arrow batches by row count)."""
    carry: pl.DataFrame | None = None
    for batch in batches:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if carry is not None:
            frame = pl.concat([carry, frame])
        last = frame.get_column("doc")[-1]
        carry = frame.filter(pl.col("doc") == last)
        done = frame.filter(pl.col("doc") != last)
        if done.height:
            yield done
    if carry is not None and carry.height:
        yield carry


def _matching_kernel(codes: Any, bad_lines: Any, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Lines (sorted by doc, seq) → one row per document that has a matching text or lost boilerplate lines, and one
    per boilerplate line first met in the batch (``bad_key``: its channel key; ``doc``: the batch's first document)."""
    codes, bad_lines = codes.value, bad_lines.value
    for frame in _whole_documents(batches):
        ldocs = frame.get_column("doc").to_numpy().astype(np.int64)
        chan = frame.get_column("channel_id").replace_strict(codes, return_dtype=pl.Int32).to_numpy()
        lo, hi = int(ldocs[0]), int(ldocs[-1]) + 1
        lines = frame.select("doc", pl.Series("key", _uint64(frame.get_column("key").to_numpy())), "norm")
        t = matching_texts(lo, hi, lines, chan, bad_lines)
        dropped = t.dropped if t.dropped is not None else np.zeros(hi - lo, np.int64)
        keep = t.nonempty | (dropped > 0)
        docs = np.arange(lo, hi, dtype=np.int64)[keep]
        hashes = np.zeros(hi - lo, np.uint64)
        hashes[t.nonempty] = t.hashes
        yield _rows(MATCHING, docs.size, doc=docs, chan=chan[np.searchsorted(ldocs, docs)],  # kept docs have lines
                    hash=_int64(hashes[keep]), text=t.matching.filter(pl.Series(keep)).to_arrow(),
                    dropped=dropped[keep].astype(np.int32))
        first: dict[int, str] = {}
        for key, text in zip(t.bad_keys, t.bad_texts, strict=True):
            first.setdefault(key, text)
        if first:
            yield _rows(MATCHING, len(first), doc=np.full(len(first), lo, np.int64), text=list(first.values()),
                        bad_key=_int64(np.array(list(first), dtype=np.uint64)))


def _shingle_kernel(options: Any, bands: tuple[int, int], parts: dict[str, int], size: int,
                    batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Representatives (doc, chan, text; sorted by doc) → pickled
    :class:`~narrascope.reuse.stages.Shingled` batches of up to ``size`` documents, without their character LSH
    rows and n-gram postings, which stay here as ``(bucket, doc)`` and ``(gram, doc, n)`` rows; and a row per
    document with word shingles (``words``: its raw word set, uint32 values as bytes) for
    :func:`_word_band_kernel`."""

    for batch in batches:
        for lo in range(0, batch.num_rows, size):
            part = batch.slice(lo, size)
            reps = part.column("doc").to_numpy().astype(np.int64)
            chan = part.column("chan").to_numpy().astype(np.int32)
            text = pl.Series("m", part.column("text")).cast(pl.String)
            shingled = shingle_batch(text, reps, chan, options, bands, parts)
            char_bands, shingled.char_bands = shingled.char_bands, None
            postings = {5: shingled.postings5, 4: shingled.postings4}
            shingled.postings5 = shingled.postings4 = None
            yield _payload(SHINGLED, int(reps[0]), shingled)
            if shingled.words is not None:
                sets, docs, _ = shingled.words
                yield _rows(SHINGLED, docs.size, doc=docs, chan=chan[np.searchsorted(reps, docs)],
                            words=_set_bytes(sets))
            if shingled.chars is not None:
                sets, docs = shingled.chars
                yield _rows(SHINGLED, docs.size, doc=docs.astype(np.int64), chars=_set_bytes(sets))
            if char_bands is not None:
                cols = char_bands[1]
                yield _rows(SHINGLED, cols["doc"].size, doc=cols["doc"].astype(np.int64),
                            bucket=cols["bucket"].view(np.int64))
            for n, posted in postings.items():
                if posted is not None:
                    keys = posted[1]["key"]
                    yield _rows(SHINGLED, keys.size, doc=(keys & LOW32).astype(np.int64),
                                gram=(keys >> np.uint64(32)).astype(np.int64), n=np.full(keys.size, n, np.int32))


def _set_bytes(sets: ShingleSets) -> pa.Array:
    """Each set's uint32 values as one binary value (no copy of the values)."""
    offsets = (sets.offsets * 4).astype(np.int64)
    return pa.Array.from_buffers(pa.large_binary(), sets.n_docs, [
        None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(sets.values, dtype=np.uint32))]).cast(
        pa.binary())


def _byte_sets(values: pa.Array) -> ShingleSets:
    """:func:`_set_bytes` read back."""
    values = values.cast(pa.large_binary())
    offsets = np.frombuffer(values.buffers()[1], np.int64)[values.offset : values.offset + len(values) + 1]
    data = values.buffers()[2]
    flat = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    return ShingleSets(flat.view(np.uint32), (offsets - offsets[0]) // 4)


def _word_band_kernel(options: Any, bad: Any, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Raw word sets (doc, chan, words) → their LSH rows once the channel n-gram boilerplate (``bad``) is out: what
    the run's own banding (:func:`narrascope.reuse.engine._clean_words`) spills."""
    bad = bad.value
    for batch in batches:
        docs = batch.column("doc").to_numpy().astype(np.int64)
        sets, _ = drop_keys(_byte_sets(batch.column("words")), batch.column("chan").to_numpy(), bad)
        _, cols = band_rows(sets, docs, options, options.bands, 1)
        yield _rows(BANDS, docs.size * options.bands[0], bucket=cols["bucket"].view(np.int64),
                    doc=cols["doc"].astype(np.int64))
        yield _rows(BANDS, docs.size, doc=docs, words=_set_bytes(sets))  # the clean sets, for verification


def intersect_kernel(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Candidate pairs with both sets (``i``, ``sa``, ``sb``; a missing set is empty) → the size of their
    intersection and of each set, by the embedded engine's sort-and-count
    (:func:`~narrascope.reuse.shingle.intersection_sizes`)."""
    for batch in batches:
        n = batch.num_rows
        a, b = _byte_sets(batch.column("sa").fill_null(b"")), _byte_sets(batch.column("sb").fill_null(b""))
        both = ShingleSets(np.concatenate([a.values, b.values]),
                           np.concatenate([a.offsets, b.offsets[1:] + a.offsets[-1]]))
        local = np.stack([np.arange(n), np.arange(n, 2 * n)], axis=1)
        yield _rows(INTERSECTIONS, n, i=batch.column("i"), inter=intersection_sizes(both, local),
                    na=a.sizes(), nb=b.sizes())


# ------------------------------------------------------------------------------------------------ the passes
class SparkPasses:
    """:class:`~narrascope.reuse.scan.Passes` over a Spark frame of messages (the run's input columns)."""

    def __init__(self, rows: DataFrame, ckpt: Checkpoints, partitions: int, expected: int) -> None:
        self.rows = rows
        self.ckpt = ckpt
        self.spark = rows.sparkSession
        self.tasks = max(partitions, -(-expected // DOCS_PER_TASK), 1)
        self.lines_stage: DataFrame | None = None
        self.shingled_stage: DataFrame | None = None
        self.word_stage: DataFrame | None = None

    def _by_doc(self, frame: DataFrame, *order: str) -> DataFrame:
        return frame.repartitionByRange(self.tasks, "doc").sortWithinPartitions("doc", *order)

    def _payloads(self, stage: DataFrame) -> Iterator[Any]:
        """The pickled objects of a stage, in document order, fetched a few at a time."""
        from pyspark.sql import functions as F

        rows = stage.where(F.col("payload").isNotNull()).select("lo", "payload")
        count = rows.count()
        ordered = rows.repartitionByRange(max(1, math.ceil(count / BATCHES_PER_FETCH)), "lo").sortWithinPartitions("lo")
        for row in ordered.toLocalIterator():
            yield pickle.loads(row["payload"])

    def lines(self, line_pass: LinePass, pool: Any, workers: int) -> None:
        from pyspark.sql import functions as F

        order = [F.col(c).asc_nulls_last() for c in ORDER]
        with_text = map_in_arrow(self.rows, _with_text, self.rows.schema)
        numbered = number_rows(with_text, order, "doc", self.ckpt, "sorted")
        kernel = partial(_line_kernel, line_pass.boilerplate)
        self.lines_stage = self.ckpt.stage("lines", lambda: map_in_arrow(self._by_doc(numbered), kernel,
                                                                           spark_type(LINES)))
        for prepared in self._payloads(self.lines_stage):
            line_pass.commit(prepared)

    def tokens(self, token_pass: TokenPass, line_pass: LinePass) -> None:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        assert self.lines_stage is not None, "the line pass runs first"
        sc = self.spark.sparkContext
        codes, bad = sc.broadcast(dict(line_pass.codes)), sc.broadcast(token_pass.bad_lines)
        lines = self.lines_stage.where(F.col("payload").isNull()).select("doc", "seq", "channel_id", "key", "norm")
        matching = self.ckpt.stage("matching", lambda: map_in_arrow(
            self._by_doc(lines, "seq"), partial(_matching_kernel, codes, bad), spark_type(MATCHING)))
        texts = matching.where(F.col("bad_key").isNull())

        bad_lines = (matching.where(F.col("bad_key").isNotNull()).groupBy("bad_key")
                     .agg(F.min_by("text", "doc").alias("text")).toArrow())
        token_pass.note_bad_lines(_uint64(bad_lines.column("bad_key").to_numpy()).tolist(),
                                  bad_lines.column("text").to_pylist())
        dropped = texts.where(F.col("dropped") > 0).select("doc", "dropped").toArrow()
        token_pass.note_dropped(dropped.column("doc").to_numpy(), dropped.column("dropped").to_numpy())

        reps = self.ckpt.stage("reps", lambda: texts.where(F.col("text") != "").select(
            "doc", F.min("doc").over(Window.partitionBy("hash")).alias("rep")))
        for batch in arrow_batches(self._by_doc(reps)):
            token_pass.note_reps(batch.column("doc").to_numpy(), batch.column("rep").to_numpy())

        firsts = reps.where(F.col("doc") == F.col("rep")).select("doc")
        chosen = texts.join(firsts, "doc", "left_semi").select("doc", "chan", "text")
        kernel = partial(_shingle_kernel, token_pass.options, token_pass.bands, token_pass.parts, REPS_PER_BATCH)
        shingled = self.ckpt.stage("shingled", lambda: map_in_arrow(self._by_doc(chosen), kernel,
                                                                     spark_type(SHINGLED)))
        for prepared in self._payloads(shingled):
            token_pass.commit(prepared)
        self.shingled_stage = shingled
        codes.unpersist()
        bad.unpersist()

    def char_bands(self) -> RemoteIndex:
        """The character sets' LSH index: the rows the shingled stage kept (see :class:`RemoteIndex`)."""
        from pyspark.sql import functions as F

        assert self.shingled_stage is not None, "the token pass runs first"
        frame = self.shingled_stage.where(F.col("bucket").isNotNull()).select("bucket", "doc")
        return RemoteIndex("char-bands", frame, frame.count())

    def postings(self, n: int) -> RemoteIndex:
        """The passage ``n``-gram postings, ``(gram, doc)`` rows, as the shingled stage kept them (a row repeated
        when a text repeats an n-gram)."""
        from pyspark.sql import functions as F

        assert self.shingled_stage is not None, "the token pass runs first"
        frame = self.shingled_stage.where(F.col("n") == n).select("gram", "doc")
        return RemoteIndex(f"post{n}", frame, frame.count())

    def word_bands(self, bad: np.ndarray, options: Any) -> RemoteIndex:
        """The word sets' LSH index, built from the raw sets the shingled stage kept (see :class:`RemoteIndex`)."""
        from pyspark.sql import functions as F

        assert self.shingled_stage is not None, "the token pass runs first"
        sets = self.shingled_stage.where(F.col("words").isNotNull()).select("doc", "chan", "words")
        bad_bc = self.spark.sparkContext.broadcast(bad)
        kernel = partial(_word_band_kernel, options, bad_bc)
        self.word_stage = self.ckpt.stage("word-bands", lambda: map_in_arrow(sets, kernel, spark_type(BANDS)))
        bad_bc.unpersist()
        frame = self.word_stage.where(F.col("bucket").isNotNull()).select("bucket", "doc")
        return RemoteIndex("word-bands", frame, frame.count())

    def sets(self, kind: str) -> RemoteSets:
        """The character sets (kept by the shingled stage) or the clean word sets (by the word band stage)."""
        from pyspark.sql import functions as F

        stage, column = (self.shingled_stage, "chars") if kind == "char" else (self.word_stage, "words")
        assert stage is not None, "the passes run first"
        frame = stage.where(F.col(column).isNotNull()).select("doc", F.col(column).alias("set"))
        return RemoteSets(f"{kind}-sets", frame)
