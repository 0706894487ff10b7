"""Frame matching over many messages: batches on worker threads, and over a corpus store with a result cache.

Batches are matched on ``workers`` threads sharing one compiled :class:`Matcher` (each thread has its own
hyperscan scratch space). Threads suffice because the heavy steps — numpy array operations, hyperscan
scans, polars normalisation — release the GIL; unlike a process pool they need no start-up and no copying of
texts (measured in bench/frames.py: 2 threads ≈ 1.6–1.9× one). Results are put back in input order, so they are
identical for 1 and 2 workers. Memory stays bounded: at most ``2 × workers`` batches are in flight, and the store
streams its texts with DuckDB's memory capped (bench/scale.py measures time and peak RSS by corpus size).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..store.corpus import Corpus
from ..text.normalize import MATCH_TABLE_VERSION
from .lexicon import Lexicon
from .match import MATCHER_VERSION, Matcher

__all__ = ["CORPUS_HITS_SCHEMA", "frame_hits_key", "frame_mask_many", "map_batches", "match_corpus"]

CORPUS_HITS_SCHEMA = pa.schema([("uid", pa.string()), ("frame", pa.string()), ("term", pa.string()),
                                ("start", pa.int32()), ("end", pa.int32())])
BATCH_ROWS = 50_000
#: DuckDB's memory while it streams the texts (see :meth:`narrascope.store.corpus.Corpus.message_batches`).
STORE_MEMORY_LIMIT = "512MB"


def map_batches(lexicon: Lexicon, batches: Iterable[pa.Array], *, kind: str = "hits", workers: int = 2,
                engine: str | None = None) -> Iterator[Any]:
    """For each batch of texts, in order: ``Matcher.scan`` (``kind="hits"``) or ``Matcher.frame_mask``
    (``kind="mask"``), on ``workers`` threads."""
    if kind not in ("hits", "mask"):
        raise ValueError(f"kind must be 'hits' or 'mask', not {kind!r}")
    matcher = Matcher(lexicon, engine=engine)

    def run(texts: pa.Array) -> Any:
        return matcher.scan(texts) if kind == "hits" else matcher.frame_mask(texts)

    if workers <= 1:
        yield from map(run, batches)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="narrascope-frames") as pool:
        pending: deque[Future[Any]] = deque()
        for texts in batches:
            pending.append(pool.submit(run, texts))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def frame_hits_key(lexicon: Lexicon, corpus: Corpus | str, since: Any, until: Any) -> str:
    """Key of the stored hits; ``corpus`` may also be a store's state token (a job over an exported dataset)."""
    state = corpus if isinstance(corpus, str) else corpus.state_token()
    parts = [lexicon.content_hash, MATCH_TABLE_VERSION, MATCHER_VERSION, state,
             str(since or ""), str(until or "")]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


def match_corpus(corpus: Corpus, lexicon: Lexicon, *, since: Any = None, until: Any = None,
                 progress: Callable[[int, int], None] | None = None, workers: int = 2,
                 use_cache: bool = True) -> pa.Table:
    """Every frame hit in the corpus's non-service messages (``since`` inclusive, ``until`` exclusive): a table
    (uid, frame, term, start, end) with spans in the original text. Cached in the store as result
    ``frame_hits`` under a key of the lexicon's content hash, the normalisation and matcher versions, the
    corpus state and the date range; ``progress(done, total)`` is called after each batch."""
    key = frame_hits_key(lexicon, corpus, since, until)
    if use_cache:
        cached = corpus.results.load("frame_hits", key)
        if cached is not None:
            return cached.cast(CORPUS_HITS_SCHEMA)
    total = corpus.count_messages(since=since, until=until)
    # Streamed as stored, with DuckDB's memory capped, and only the hits (a few per cent of the messages) put in
    # document order at the end: sorting the texts themselves spilled 11 GB on 10 M messages.
    reader = corpus.message_batches(["uid", "text"], since=since, until=until, batch_rows=BATCH_ROWS,
                                    memory_limit=STORE_MEMORY_LIMIT, ordered=False)
    uids_by_batch: deque[pa.Array] = deque()

    def texts() -> Iterator[pa.Array]:
        for batch in reader:
            uids_by_batch.append(batch.column(0))
            yield batch.column(1)

    tables = []
    done = 0
    for hits in map_batches(lexicon, texts(), kind="hits", workers=workers):
        uids = uids_by_batch.popleft()
        done += len(uids)
        tables.append(pa.table({
            "uid": pc.take(uids, hits.column("row")).cast(pa.string()),
            "frame": hits.column("frame"), "term": hits.column("term"),
            "start": hits.column("start"), "end": hits.column("end"),
        }, schema=CORPUS_HITS_SCHEMA))
        if progress is not None:
            progress(done, total)
    table = _in_document_order(corpus, pa.concat_tables(tables)) if tables else CORPUS_HITS_SCHEMA.empty_table()
    if not corpus.read_only:
        corpus.results.save("frame_hits", key, table, {
            "lexicon": lexicon.name, "lexicon_hash": lexicon.content_hash, "since": since, "until": until,
            "normalization": MATCH_TABLE_VERSION, "matcher": MATCHER_VERSION, "messages": total})
    return table


def _in_document_order(corpus: Corpus, hits: pa.Table) -> pa.Table:
    """``hits`` by their messages' document order; a message's hits keep the order the matcher gave them."""
    if hits.num_rows == 0:
        return hits
    rank = pc.index_in(hits.column("uid"), value_set=corpus.document_order(hits.column("uid")))
    order = pc.sort_indices(pa.table({"rank": rank, "row": pa.array(np.arange(hits.num_rows))}),
                            sort_keys=[("rank", "ascending"), ("row", "ascending")])
    return hits.take(order)


def frame_mask_many(lexicon: Lexicon, texts: pa.Array, *, workers: int = 2, batch_rows: int = BATCH_ROWS,
                    engine: str | None = None) -> np.ndarray:
    """:meth:`Matcher.frame_mask` over a large array, split into batches run on ``workers`` threads."""
    batches = (texts.slice(lo, batch_rows) for lo in range(0, len(texts), batch_rows))
    parts = list(map_batches(lexicon, batches, kind="mask", workers=workers, engine=engine))
    return np.concatenate(parts) if parts else np.zeros((0, len(lexicon.frames)), dtype=bool)

