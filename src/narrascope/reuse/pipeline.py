"""Text reuse end to end: options, the run over a messages frame or a store, and caching in the store.

:func:`find_reuse_frame` runs on any polars frame of messages (the store's columns); :func:`find_reuse` streams
the store's messages (never all texts at once), runs the same engine and saves every table with
``corpus.results`` under a key made of the options, the store's ingest state and the matching-form version, so
asking again is instant. Steps (:mod:`.engine`):

1. boilerplate lines per channel are found and removed (:mod:`.boilerplate`); texts go to matching form;
2. identical matching texts collapse into one representative (their members are ``copy`` pairs);
3. representatives get shingle sets (char n-grams when short, word n-grams otherwise; channel-boilerplate
   n-grams removed), MinHash signatures and LSH candidates, verified by exact Jaccard ≥ threshold
   (``near_duplicate``);
4. longer representatives also get passage candidates (shared rare word n-grams), reported by rules that scale
   with the shorter text's length (:mod:`.passages`); their relation is ``rewrite`` when the overall vocabulary
   overlap is at least ``rewrite_vocabulary``, else ``partial``; passages are aligned with offsets in both
   original texts;
5. forwards whose metadata names a channel in the corpus are linked to the original (``forward``);
6. pairs → cascades, members, channel edges (:mod:`.cascades`).

Memory: per-document numbers plus a fixed working set (:class:`~narrascope.reuse.spill.Chunking`); the rest is
spilled to a temporary folder beside the store, removed when the run ends or fails. Results are published in one
transaction, so a failed or killed run never leaves a partial result visible. :func:`find_reuse_stream` runs the
engine over message batches from anywhere (the Spark job's input), with :class:`ReuseSteps` to run its
relational steps elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ..dates import parse_bounds
from ..errors import UsageError
from .engine import ReuseSteps, TextsFn, run
from .options import PIPELINE_VERSION, ReuseOptions, option_fields  # noqa: F401 (re-exported: their earlier home)
from .scan import LocalPasses, Passes
from .spill import Chunking

__all__ = ["HAS_TEXT", "INPUT_COLUMNS", "ReuseOptions", "ReuseResult", "ReuseSteps", "find_reuse",
           "find_reuse_frame", "find_reuse_passes", "find_reuse_stream", "load_reuse", "typed_inputs"]

#: DuckDB's memory while it streams the store's messages in document order (its sort spills beyond this).
STORE_MEMORY_LIMIT = "512MB"
TABLES = ("pairs", "members", "cascades", "edges", "boilerplate", "passages")
INPUT_COLUMNS = ("uid", "channel_id", "channel", "message_id", "posted_at", "text", "fwd_from_name", "fwd_from_id",
                  "fwd_posted_at")


@dataclass
class ReuseResult:
    """Reuse found in a corpus; every table is a polars DataFrame (``.to_pandas()`` converts). Members are in
    time order (posted_at, then channel and message id)."""

    pairs: pl.DataFrame
    members: pl.DataFrame
    cascades: pl.DataFrame
    edges: pl.DataFrame
    boilerplate: pl.DataFrame
    passages: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)

    def cascade(self, cascade_id: str) -> pl.DataFrame:
        """Members of one cascade, in time order."""
        return self.members.filter(pl.col("cascade_id") == cascade_id)

    def pairs_by_relation(self) -> dict[str, int]:
        """How many pairs of each relation (near_duplicate, copy, passage, rewrite, forward …) were found."""
        return dict(self.pairs.group_by("relation").len().sort("relation").iter_rows())



# ---------------------------------------------------------------------------------------------------- helpers
def _prepare(messages: pl.DataFrame, options: ReuseOptions) -> pl.DataFrame:
    missing = [c for c in ("uid", "channel_id", "posted_at", "text") if c not in messages.columns]
    if missing:
        raise UsageError(f"messages frame lacks column(s) {', '.join(missing)}: pass the store's message columns")
    frame = messages.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in INPUT_COLUMNS if c not in messages.columns
         and c != "fwd_posted_at"]
    )
    if "fwd_posted_at" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("fwd_posted_at"))
    # A user's frame may carry all-null (dtype Null) or non-string id columns: give every column the store's type.
    frame = typed_inputs(frame.select(INPUT_COLUMNS)).filter(HAS_TEXT)
    since, until = parse_bounds(options.since, options.until)
    posted = pl.col("posted_at").dt.convert_time_zone("UTC")  # the store's zone is "Etc/UTC"
    if since is not None:
        frame = frame.filter(posted >= since)
    if until is not None:
        frame = frame.filter(posted < until)
    frame = frame.sort(["posted_at", "channel_id", "message_id", "uid"], nulls_last=True)
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"))


def _batches(frame: pl.DataFrame, rows: int) -> Iterator[pl.DataFrame]:
    for lo in range(0, frame.height, max(1, rows)):
        yield frame.slice(lo, rows)


def find_reuse_frame(messages: pl.DataFrame, options: ReuseOptions | None = None, *,
                     chunking: Chunking | None = None, workdir: Path | None = None,
                     steps: ReuseSteps | None = None) -> ReuseResult:
    """Find reuse among ``messages`` (columns of the store's ``messages`` table; at least uid, channel_id,
    posted_at, text). Returns pairs, cascades, members, channel edges, boilerplate and aligned passages.
    ``chunking`` sets the sizes of the pieces worked on (memory, never results); spill files go to a temporary
    folder in ``workdir`` (default: the system's); ``steps`` runs the relational steps elsewhere."""
    options = options or ReuseOptions()
    chunking = chunking or Chunking()
    frame = _prepare(messages, options)
    texts = frame.get_column("text")

    def originals(docs: np.ndarray, uids: list[str]) -> list[str]:
        return texts.gather(docs).to_list()

    out = run(LocalPasses(_batches(frame, chunking.docs)), frame.height, options, chunking, workdir, originals, steps)
    return ReuseResult(**out)


def find_reuse_stream(batches: Iterable[pl.DataFrame], expected: int, texts: TextsFn,
                      options: ReuseOptions | None = None, *, chunking: Chunking | None = None,
                      workdir: Path | None = None, steps: ReuseSteps | None = None) -> ReuseResult:
    """Find reuse in message ``batches`` (:data:`INPUT_COLUMNS`) that arrive in document order — posted_at,
    channel_id, message_id, uid, missing values last — already limited to ``options.since``/``until``; messages
    without text are left out here. ``expected``: about how many messages come (sizes the spill partitions,
    never changes results); ``texts(docs, uids)``: the original texts of some of them, for alignment."""
    options = options or ReuseOptions()
    chunking = chunking or Chunking()

    def numbered() -> Iterator[pl.DataFrame]:
        done = 0
        for batch in batches:
            frame = typed_inputs(batch).filter(HAS_TEXT)
            frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + done).alias("doc"))
            done += frame.height
            yield frame

    return find_reuse_passes(LocalPasses(numbered()), expected, texts, options, chunking=chunking, workdir=workdir,
                             steps=steps)


def find_reuse_passes(passes: Passes, expected: int, texts: TextsFn, options: ReuseOptions | None = None, *,
                      chunking: Chunking | None = None, workdir: Path | None = None,
                      steps: ReuseSteps | None = None) -> ReuseResult:
    """:func:`find_reuse_stream` with the per-batch work of the passes done by ``passes`` (another engine's; they
    number the messages that have text, in document order, and hand each pass its batches in that order)."""
    return ReuseResult(**run(passes, expected, options or ReuseOptions(), chunking or Chunking(), workdir, texts,
                             steps))


#: The messages a run reads: those with a text that is not only white space (see :func:`typed_inputs`).
HAS_TEXT = pl.col("text").fill_null("").str.strip_chars() != ""


def typed_inputs(batch: pl.DataFrame) -> pl.DataFrame:
    """A batch of :data:`INPUT_COLUMNS` in the types :func:`_prepare` gives (a column of nulls becomes a string
    or UTC time column)."""
    return batch.with_columns(
        *(pl.col(c).cast(pl.String) for c in INPUT_COLUMNS if c not in ("posted_at", "fwd_posted_at")),
        *(pl.col(c).cast(pl.Datetime("us", "UTC")) for c in ("posted_at", "fwd_posted_at")
          if batch.schema[c] == pl.Null),
    )


# ---------------------------------------------------------------------------------------------------- store
def find_reuse(corpus: Any, options: ReuseOptions | None = None, *, refresh: bool = False,
               chunking: Chunking | None = None) -> ReuseResult:
    """Find reuse in a :class:`~narrascope.store.corpus.Corpus` and save it (``result_reuse_*`` tables);
    a stored result for the same options and corpus state is loaded instead unless ``refresh``."""
    options = options or ReuseOptions()
    key = options.cache_key(corpus.state_token())
    if not refresh:
        cached = _load(corpus, key)
        if cached is not None:
            if not corpus.read_only:
                _mark_latest(corpus, key, cached)
            return cached
    chunking = chunking or Chunking()
    expected = corpus.count_messages(since=options.since, until=options.until)  # before the reader: one query at a time
    reader = corpus.message_batches(INPUT_COLUMNS, since=options.since, until=options.until,
                                    batch_rows=chunking.docs, memory_limit=STORE_MEMORY_LIMIT)

    def batches() -> Iterator[pl.DataFrame]:
        for record_batch in reader:
            batch = pl.from_arrow(record_batch)
            assert isinstance(batch, pl.DataFrame)
            yield batch

    def originals(docs: np.ndarray, uids: list[str]) -> list[str]:
        # DuckDB reads every text to find these (a semi-join over the table) and, uncapped (a read-only store),
        # keeps what it read: 40,000 texts of a 10 M-message store took the process to 20.4 GB, 0.87 GB capped
        with corpus.memory_capped(STORE_MEMORY_LIMIT):
            found = dict(corpus.by_uid(uids, ["uid", "text"]).iter_rows())
        return [found[u] for u in uids]

    result = find_reuse_stream(batches(), expected, originals, options, chunking=chunking,
                               workdir=Path(corpus.path).resolve().parent)
    if corpus.read_only:
        return result
    params = {"options": asdict(options), "stats": result.stats}
    # One transaction for all tables: a run killed half-way never becomes "the latest" (load_reuse).
    # One table at a time, each exported without a copy (Arrow string views): the tables of a 10 M-message run
    # are gigabytes, and converting them all at once to Arrow's plain strings doubled them.
    tables = ((f"reuse_{name}", getattr(result, name).to_arrow(compat_level=pl.CompatLevel.newest()))
              for name in TABLES)
    corpus.results.save_many(tables, key, {"reuse_cascades": params})
    return result


def _load(corpus: Any, key: str) -> ReuseResult | None:
    tables: dict[str, pl.DataFrame] = {}
    for name in TABLES:
        table = corpus.results.load(f"reuse_{name}", key)
        if table is None:
            return None
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        tables[name] = frame
    # Row order is part of the contract (time order; largest cascades first): restore it explicitly.
    tables["members"] = tables["members"].sort(["posted_at", "channel_id", "message_id", "uid"], nulls_last=True,
                                               maintain_order=True)
    tables["cascades"] = tables["cascades"].sort(["size", "channels", "first_at", "cascade_id"],
                                                 descending=[True, True, False, False], maintain_order=True)
    entry = [r for r in corpus.results.list("reuse_cascades") if r["result_key"] == key]
    stats = json.loads(entry[-1]["params"]).get("stats", {}) if entry else {}
    return ReuseResult(stats={**stats, "cached": True}, **tables)


def _mark_latest(corpus: Any, key: str, cached: ReuseResult) -> None:
    """Make a reused stored result the latest one again, so that `cascades` and the report show the options
    just asked for (they read the most recently saved run)."""
    corpus.results.touch("reuse_cascades", key)


def load_reuse(corpus: Any) -> ReuseResult | None:
    """The most recently saved reuse result of this store (any options), or None when reuse was never run."""
    runs = corpus.results.list("reuse_cascades")
    return _load(corpus, runs[-1]["result_key"]) if runs else None
