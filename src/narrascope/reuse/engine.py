"""One reuse run over a stream of message batches, in bounded memory: passes, global steps, assembly.

The order of work (see :mod:`.scan` for the two passes over the texts):

1. line pass → boilerplate lines (exact counts per channel, one hash partition at a time);
2. token pass → representatives and copies, shingle sets and postings spilled;
3. channel n-gram boilerplate (counted the same way) → word sets cleaned, signed and banded (clean pass);
4. LSH buckets → candidates → exact Jaccard (``near_duplicate``), for character and word shingles;
5. passage candidates from rare n-gram postings → length-scaled rules (``rewrite``/``partial``), aligned;
6. forwards by metadata; all pairs → cascades over the documents that are in a pair.

Only per-document numbers stay in memory between steps; everything proportional to the texts is in the
run's :class:`~narrascope.reuse.spill.Workspace`, deleted when the run ends or fails.

The three relational steps whose work grows fastest — LSH buckets → candidate pairs (4), shared rare n-grams →
passage candidates (5) and the connected components of the pairs (6) — are called through :class:`ReuseSteps`,
so that another engine can run them where its data lives (:mod:`narrascope.engines.spark.reuse` does); the
defaults are this module's own partition-at-a-time numpy code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .align import align
from .boilerplate import drop_keys, frequent_gram_keys, frequent_keys
from .cascades import STRENGTH, build_cascades, cluster_labels, reuse_edges
from .lsh import CandidateStats, spilled_bucket_pairs
from .ordered import Workers, in_order, release_freed_memory
from .passages import SharedGrams, passage_pairs, shared_grams
from .scan import BAND_COLUMNS, Docs, LinePass, Passes, TokenPass, TokenSpills, channel_key
from .shingle import ShingleSets, contains, gather_index, unique
from .spill import Chunking, Partitioned, SetSpill, Workspace
from .stages import Rows, band_rows

__all__ = ["ReuseSteps", "RunResult", "run", "verify_spilled"]

TextsFn = Callable[[np.ndarray, list[str]], list[str]]  # (documents, their uids) -> original texts
RunResult = dict[str, Any]
BucketPairsFn = Callable[[Any, int], tuple[np.ndarray, CandidateStats]]
SharedGramsFn = Callable[[Any, np.ndarray, int, int, float, Workspace, Chunking, np.ndarray | None],
                         SharedGrams]
LabelsFn = Callable[[int, np.ndarray, np.ndarray], np.ndarray]
VerifyFn = Callable[[Any, np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def verify_spilled(sets: SetSpill, pairs: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment of candidate pairs from spilled sets, ``chunk`` pairs at a time."""
    return sets.jaccard_and_containment(pairs, chunk)


@dataclass(frozen=True)
class ReuseSteps:
    """The relational steps of a run that another engine may carry out instead of this process. Each gets what
    the embedded step gets — the run's spilled rows (:class:`~narrascope.reuse.spill.Partitioned`, read
    partition by partition) or per-document arrays — and must return exactly what the embedded step returns:

    * ``bucket_pairs(bands, max_bucket)`` → (sorted unique candidate pairs ``(a, b)``, ``a < b``;
      :class:`~narrascope.reuse.lsh.CandidateStats`) of an LSH index of ``(bucket, doc)`` rows —
      :func:`~narrascope.reuse.lsh.spilled_bucket_pairs`; the index is a spill, or what the engine's own
      :meth:`~.scan.Passes.char_bands` or :meth:`~.scan.Passes.word_bands` returned;
    * ``shared_grams(postings, sizes, max_df, min_match, share, ws, chunking, keep)`` → the passage candidates of
      a posting index of ``(n-gram << 32 | doc)`` rows — :func:`~narrascope.reuse.passages.shared_grams`; the
      index is a spill, or what the engine's own :meth:`~.scan.Passes.postings` returned;
    * ``verify(sets, pairs, chunk)`` → exact Jaccard similarity and containment of each candidate pair — what
      :meth:`~narrascope.reuse.spill.SetSpill.jaccard_and_containment` gives; the sets are a spill, or what the
      engine's own :meth:`~.scan.Passes.sets` returned;
    * ``cluster_labels(n_docs, a, b)`` → a component label per document (labels may differ from the embedded
      ones; the partition they induce may not) — :func:`~narrascope.reuse.cascades.cluster_labels`.

    A spilled index's :attr:`~narrascope.reuse.spill.Partitioned.name` says which one it is (``char-bands``,
    ``word-bands``, ``post4``, ``post5``); its files are deleted once the step returns."""

    bucket_pairs: BucketPairsFn = spilled_bucket_pairs
    shared_grams: SharedGramsFn = shared_grams
    cluster_labels: LabelsFn = cluster_labels
    verify: VerifyFn = verify_spilled

    @classmethod
    def embedded(cls, pool: Workers | None) -> ReuseSteps:
        """This module's steps, with ``pool``'s workers taking a partition each."""
        def grams(postings: Partitioned, sizes: np.ndarray, max_df: int, min_match: int, share: float,
                  ws: Workspace, chunking: Chunking, keep: np.ndarray | None) -> SharedGrams:
            return shared_grams(postings, sizes, max_df, min_match, share, ws, chunking, keep, pool)

        return cls(bucket_pairs=lambda bands, max_bucket: spilled_bucket_pairs(bands, max_bucket, pool),
                   shared_grams=grams,
                   verify=lambda sets, pairs, chunk: sets.jaccard_and_containment(pairs, chunk, pool))


class _Clock:
    """Wall and CPU seconds per stage (CPU time of the whole process, all threads: robust to a busy machine)."""

    def __init__(self) -> None:
        self.t, self.c = time.perf_counter(), time.process_time()
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.t, 3)
        self.cpu[name] = round(self.cpu.get(name, 0.0) + cpu - self.c, 3)
        self.t, self.c = now, cpu


def run(passes: Passes, expected: int, options: Any, chunking: Chunking, workdir: Path | None,
        texts: TextsFn, steps: ReuseSteps | None = None) -> RunResult:
    """Find reuse in the messages ``passes`` prepare (:class:`~.scan.LocalPasses`: prepared message frames with a
    ``doc`` column, in document order, worked on here); ``steps`` runs the relational steps elsewhere (default:
    here)."""
    clock = _Clock()
    bands = options.bands
    stats: dict[str, Any] = {"bands": bands[0], "rows": bands[1], "capped_buckets": 0, "largest_bucket": 0}
    with Workspace(workdir) as ws, Workers(options.workers) as pool:
        steps = steps or ReuseSteps.embedded(pool)
        lines = LinePass(ws, chunking, options.boilerplate, expected)
        passes.lines(lines, pool, options.workers)
        docs, channel_texts = lines.finish()
        release_freed_memory()
        clock.lap("normalise_and_boilerplate")
        bad_c, bad_k, bad_n = (frequent_keys(lines.lines, "key", channel_texts, options.boilerplate_min_messages,
                                             options.line_max_share, pool) if options.boilerplate
                               else (np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64)))
        tokens = TokenPass(ws, docs, options, chunking, channel_key(bad_c, bad_k), bands, pool)
        passes.tokens(tokens, lines)
        spills = tokens.finish()
        release_freed_memory()
        clock.lap("tokens_and_shingles")
        reps = np.flatnonzero(docs.rep == np.arange(docs.n))
        word_docs = reps[docs.ntok[reps] >= options.short_tokens]
        char_docs = reps[docs.ntok[reps] < math.ceil(options.short_tokens / options.threshold)]
        long_docs = reps[docs.ntok[reps] >= options.passage_min_tokens]
        words, word_bands, stats["boilerplate_ngrams"] = _clean_words(ws, docs, spills, word_docs, options,
                                                                      chunking, pool, passes)
        release_freed_memory()
        clock.lap("channel_ngrams_and_minhash")
        char_bands, char_sets, word_sets = passes.char_bands(), passes.sets("char"), passes.sets("word")
        near = [
            _near_duplicates(spills.char_bands if char_bands is None else char_bands,
                             spills.chars if char_sets is None else char_sets,
                             _by_length(docs.ntok, options.short_tokens, below=True),
                             options, chunking, stats, "char", steps),
            _near_duplicates(word_bands, words if word_sets is None else word_sets,
                             _by_length(docs.ntok, options.short_tokens, below=False),
                             options, chunking, stats, "word", steps),
        ]
        release_freed_memory()
        clock.lap("lsh_and_verify")
        passage_frame, aligned = _passages(ws, docs, spills, words, options, chunking, stats, texts,
                                           lines.meta_path, steps, pool, passes)
        release_freed_memory()
        clock.lap("passages")
        copies = np.concatenate(spills.copies) if spills.copies else np.zeros((0, 2), np.int64)
        pairs = _strongest(pl.concat([
            _forward_pairs(lines, docs), _pairs_frame(copies, "copy", similarity=np.ones(len(copies)),
                                                      jaccard=np.ones(len(copies)), containment=np.ones(len(copies))),
            *near, passage_frame], how="vertical_relaxed"))
        stats.update(
            messages=docs.n, with_text=docs.n, representatives=int(reps.size), exact_copies=int(len(copies)),
            char_docs=int(char_docs.size), word_docs=int(word_docs.size), passage_docs=int(long_docs.size),
            boilerplate_lines=int(bad_c.size), messages_with_boilerplate=int((docs.dropped > 0).sum()),
            pairs=int(pairs.height),
            workspace_files_mb=round(sum(f.stat().st_size for f in ws.root.iterdir()) / 1e6, 1),
        )
        boilerplate = _boilerplate_table(lines.codes, spills, bad_c, bad_k, bad_n)
        n_docs, meta_path = docs.n, lines.meta_path
        # the assembly holds the result tables: what the passes kept per document goes first (the process held
        # 2-3 GB through the passes at 10 M)
        del docs, spills, words, word_bands, near, passage_frame, copies, reps, word_docs, char_docs, long_docs
        del lines, tokens
        release_freed_memory()
        result = _assemble(meta_path, n_docs, pairs, aligned, boilerplate, steps.cluster_labels)
        clock.lap("cascades")
        stats.update(cascades=int(result["cascades"].height), timings=clock.timings, cpu_seconds=clock.cpu)
    result["stats"] = stats
    return result


def _clean_words(ws: Workspace, docs: Docs, spills: TokenSpills, word_docs: np.ndarray, options: Any,
                 chunking: Chunking, pool: Workers, passes: Passes) -> tuple[SetSpill, Any, int]:
    """Channel n-gram boilerplate out of the raw word sets; the clean sets are spilled, and signed and banded (a
    block of documents per worker, appended in document order) unless ``passes`` band them where they were made
    (:meth:`~.scan.Passes.word_bands`). Returns the clean sets, the LSH index and the number of boilerplate n-grams."""
    bad = np.zeros(0, np.uint64)
    if options.boilerplate and word_docs.size:
        texts = np.bincount(docs.channel[word_docs], minlength=int(docs.channel.max(initial=0)) + 1)
        bad = frequent_gram_keys(spills.word_grams, texts, options.boilerplate_min_messages,
                                 options.ngram_max_share, pool)
    _unlink(spills.word_grams)
    index = passes.word_bands(bad, options)
    words = SetSpill(ws, "words", tagged=True)
    bands = None if index is not None else Partitioned(
        ws, "word-bands", BAND_COLUMNS, chunking.partitions(word_docs.size * options.bands[0]), chunking.buffer_rows)
    raw = spills.words_raw
    blocks = [(lo, min(docs.n, lo + chunking.docs)) for lo in range(0, docs.n, chunking.docs)]

    def clean(block: tuple[int, int]) -> tuple[np.ndarray, ShingleSets, np.ndarray, Rows | None] | None:
        lo, hi = block
        local = word_docs[(word_docs >= lo) & (word_docs < hi)]
        if local.size == 0:
            return None
        sets = raw.range(lo, hi)
        at, _ = gather_index(sets.offsets, local - lo)
        sets, kept = drop_keys(sets.take(local - lo), docs.channel[local], bad)
        tags = raw.range_tags(lo, hi)[at][kept]
        return local, sets, tags, None if bands is None else band_rows(sets, local, options, options.bands,
                                                                       bands.parts)

    for done in in_order(pool, clean, blocks):
        if done is not None:
            local, sets, tags, rows = done
            words.append(sets, local, tags)
            if bands is not None and rows is not None:
                bands.append(rows[0], **rows[1])
    words.finish(docs.n)
    if bands is not None:
        bands.flush()
        index = bands
    return words, index, int(bad.size)


def _unlink(part: Partitioned) -> None:
    for paths in part.paths.values():
        for p in paths:
            p.unlink(missing_ok=True)


def _pairs_frame(pairs: np.ndarray, relation: str, **cols: Any) -> pl.DataFrame:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    data: dict[str, Any] = {"a": pairs[:, 0], "b": pairs[:, 1],
                            "relation": pl.Series([relation] * len(pairs), dtype=pl.String)}
    for name in ("similarity", "jaccard", "containment", "vocabulary"):
        data[name] = np.asarray(cols.get(name, np.full(len(pairs), np.nan)), dtype=float)
    data["shared_ngrams"] = np.asarray(cols.get("shared_ngrams", np.zeros(len(pairs))), dtype=np.int64)
    return pl.DataFrame(data).with_columns(pl.col(c).fill_nan(None) for c in ("similarity", "jaccard", "containment",
                                                                          "vocabulary"))


def _by_length(ntok: np.ndarray, short: int, below: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Which pairs' shorter text has fewer than ``short`` tokens (``below``), or at least that many."""
    def ok(pairs: np.ndarray) -> np.ndarray:
        shorter = np.minimum(ntok[pairs[:, 0]], ntok[pairs[:, 1]])
        return shorter < short if below else shorter >= short
    return ok


def _near_duplicates(bands: Any, sets: Any, pair_ok: Callable[[np.ndarray], np.ndarray],
                     options: Any, chunking: Chunking, stats: dict[str, Any], label: str,
                     steps: ReuseSteps) -> pl.DataFrame:
    """LSH candidates verified by exact Jaccard ≥ threshold."""
    clock = _Clock()
    cand, cstats = steps.bucket_pairs(bands, options.max_bucket)
    if isinstance(bands, Partitioned):
        _unlink(bands)
    clock.lap(f"{label}_lsh")
    cand = cand[pair_ok(cand)] if len(cand) else cand
    jac, con = steps.verify(sets, cand, chunking.pairs)
    clock.lap(f"{label}_verify")
    stats.setdefault("stage_seconds", {}).update(clock.timings)
    keep = jac >= options.threshold - 1e-12
    stats[f"{label}_candidates"] = int(len(cand))
    stats[f"{label}_verified"] = int(keep.sum())
    stats["capped_buckets"] += cstats.capped_buckets
    stats["largest_bucket"] = max(stats["largest_bucket"], cstats.largest_bucket)
    return _pairs_frame(cand[keep], "near_duplicate", similarity=jac[keep], jaccard=jac[keep], containment=con[keep])


def _passages(ws: Workspace, docs: Docs, spills: TokenSpills, words: SetSpill, options: Any, chunking: Chunking,
              stats: dict[str, Any], texts: TextsFn, meta_path: Path, steps: ReuseSteps,
              pool: Workers, passes: Passes) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    max_df = int(min(options.passage_max_df, max(2, options.passage_max_share * docs.n)))
    post4, post5 = passes.postings(4), passes.postings(5)
    short = steps.shared_grams(spills.postings4 if post4 is None else post4, spills.sizes4, max_df,
                               options.passage_min_match, options.passage_min_match_share, ws, chunking, None)
    _unlink(spills.postings4)
    grams = steps.shared_grams(spills.postings5 if post5 is None else post5, spills.sizes5, max_df,
                               options.passage_min_match, options.passage_min_match_share, ws, chunking, short.keys)
    _unlink(spills.postings5)
    candidates = unique(np.concatenate([grams.keys, short.keys]))
    found = passage_pairs(spills.grams5, candidates, words, spills.words_raw, spills.vocab, max_df, options, chunking,
                          pool)
    pairs = found["pairs"]
    stats.update(passage_max_df=max_df, passage_candidates=int(candidates.size), passage_verified=int(len(pairs)))
    vocab = found["vocabulary"]
    frame = _pairs_frame(pairs, "partial", similarity=vocab, containment=found["containment"], vocabulary=vocab,
                         shared_ngrams=found["shared"]).with_columns(
        pl.when(pl.col("vocabulary") >= options.rewrite_vocabulary).then(pl.lit("rewrite"))
        .otherwise(pl.lit("partial")).alias("relation"))
    todo = pairs[: options.max_alignments]
    aligned: list[dict[str, Any]] = []
    if len(todo):
        wanted = np.unique(todo)
        uids = _meta_rows(meta_path, wanted).get_column("uid").to_list()
        text = dict(zip(wanted.tolist(), texts(wanted, uids), strict=True))
        for a, b in todo.tolist():
            result = align(text[a], text[b], options.passage_ngram, options.passage_ngram)
            aligned += [{"a": a, "b": b, "a_start": p.a_start, "a_end": p.a_end, "b_start": p.b_start,
                         "b_end": p.b_end, "tokens": p.tokens} for p in result.passages]
    stats["aligned_pairs"] = int(len(todo))
    return frame, aligned


def _forward_pairs(lines: LinePass, docs: Docs) -> pl.DataFrame:
    """Forwards linked to their original: same full matching text, earlier, in the channel the metadata names."""
    if not lines.forwards:
        return _pairs_frame(np.zeros((0, 2), np.int64), "forward")
    fwd = pl.concat(lines.forwards)
    by_name: dict[str, str] = {}
    for name, ids in pl.DataFrame(list(lines.names), schema=["channel", "channel_id"], orient="row").filter(
            pl.col("channel").is_not_null()).group_by("channel").agg(pl.col("channel_id").unique()).iter_rows():
        if len(ids) == 1:
            by_name[name] = ids[0]
    codes = lines.codes
    fwd = fwd.with_columns(
        pl.when(pl.col("fwd_from_id").is_in(list(codes))).then(pl.col("fwd_from_id"))
        .otherwise(pl.col("fwd_from_name").replace_strict(by_name, default=None, return_dtype=pl.String))
        .alias("target"))
    fwd = fwd.filter(pl.col("target").is_not_null())
    b = fwd.get_column("doc").to_numpy().astype(np.int64)
    keep = ~docs.full_empty[b]
    fwd, b = fwd.filter(pl.Series(keep)), b[keep]
    if b.size == 0:
        return _pairs_frame(np.zeros((0, 2), np.int64), "forward")
    target = fwd.get_column("target").replace_strict(codes, return_dtype=pl.Int64).to_numpy()
    key_b = channel_key(target, docs.full_hash[b])
    key_all = channel_key(docs.channel, docs.full_hash)
    a = np.flatnonzero(contains(unique(key_b), key_all) & ~docs.full_empty)
    at = pl.Series("a_at", docs.posted[a]).cast(fwd.schema["fwd_posted_at"])
    originals = pl.DataFrame({"a": a, "key": key_all[a], "a_at": at}).with_columns(
        pl.when(pl.Series(docs.posted_null[a])).then(None).otherwise(pl.col("a_at")).alias("a_at"))
    linked = (pl.DataFrame({"b": b, "key": key_b, "fwd_posted_at": fwd.get_column("fwd_posted_at")})
              .join(originals, on="key")
              .filter(pl.col("a") < pl.col("b"))
              .with_columns((pl.col("a_at") - pl.col("fwd_posted_at")).abs().alias("gap"))
              .sort(["b", "gap", "a"], descending=[False, False, True], nulls_last=True)
              .group_by("b", maintain_order=True).first())
    pairs = np.stack([linked.get_column("a").to_numpy(), linked.get_column("b").to_numpy()], axis=1)
    return _pairs_frame(pairs.reshape(-1, 2), "forward", similarity=np.ones(len(pairs)))


def _strongest(pairs: pl.DataFrame) -> pl.DataFrame:
    ranked = pairs.with_columns(pl.col("relation").replace_strict(STRENGTH, return_dtype=pl.Int8).alias("s"))
    return (ranked.sort(["a", "b", "s", "similarity"], descending=[False, False, True, True], nulls_last=True)
            .group_by(["a", "b"], maintain_order=True).first().drop("s"))


def _boilerplate_table(codes: dict[str, int], spills: TokenSpills, ch: np.ndarray, key: np.ndarray,
                       count: np.ndarray) -> pl.DataFrame:
    ids = list(codes)
    lines = [spills.bad_line_text.get(int(k), "") for k in channel_key(ch, key).tolist()]
    return pl.DataFrame({"channel_id": [ids[c] for c in ch.tolist()], "line": lines,
                         "texts": pl.Series(count, dtype=pl.UInt32)},
                        schema={"channel_id": pl.String, "line": pl.String, "texts": pl.UInt32}).sort(
        ["channel_id", "texts", "line"], descending=[False, True, False])


def _meta_rows(meta_path: Path, docs: np.ndarray, columns: list[str] | None = None) -> pl.DataFrame:
    """The metadata rows of ``docs`` (sorted document numbers), from the spill: one row group (a streamed batch) at
    a time, skipping those without a wanted document, so memory holds the rows asked for and not the whole file
    (a semi-join over the scanned file read every column of every row: 4 GB at 10 M messages)."""
    docs = np.asarray(docs, dtype=np.int64)
    meta = pq.ParquetFile(meta_path)
    names = meta.schema_arrow.names
    wanted = ["doc", *(c for c in (columns if columns is not None else names) if c != "doc")]
    at = names.index("doc")
    found = []
    for group in range(meta.num_row_groups):
        stats = meta.metadata.row_group(group).column(at).statistics
        if stats is not None and stats.has_min_max:
            lo, hi = np.searchsorted(docs, [stats.min, stats.max + 1])
            if lo == hi:
                continue
        rows = meta.read_row_group(group, columns=wanted)
        keep = contains(docs, rows.column("doc").to_numpy())
        if keep.any():
            # into polars group by group: Arrow's pool then recycles one group's buffers instead of growing to
            # hold them all (measured at 4 M rows: 1.2 GB for a 0.3 GB frame when converted at the end)
            part = pl.from_arrow(rows.filter(pa.array(keep)))
            assert isinstance(part, pl.DataFrame)
            found.append(part)
    if not found:
        empty = pl.from_arrow(meta.schema_arrow.empty_table().select(wanted))
        assert isinstance(empty, pl.DataFrame)
        return empty
    frame = pl.concat(found)
    return frame if frame.get_column("doc").is_sorted() else frame.sort("doc")


def _first_of_each(labels: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each label (the members are in document order)."""
    _, first = np.unique(labels, return_index=True)
    return np.sort(first)


def _assemble(meta_path: Path, n_docs: int, pairs: pl.DataFrame, aligned: list[dict[str, Any]],
              boilerplate: pl.DataFrame, labels_of: LabelsFn) -> RunResult:
    """Cascades over the documents that are in a pair (read back from the metadata spill), named pairs and
    passages."""
    a, b = pairs.get_column("a").to_numpy(), pairs.get_column("b").to_numpy()
    labels = labels_of(n_docs, a, b)
    sizes = np.bincount(labels, minlength=int(labels.max(initial=-1)) + 1)
    members = np.flatnonzero(sizes[labels] > 1) if n_docs else np.zeros(0, np.int64)
    if meta_path.exists() and members.size:
        # previews (200 characters) are read for the cascades' origins only — the earliest member of each
        meta = _meta_rows(meta_path, members, ["uid", "channel_id", "channel", "message_id", "posted_at"])
        previews = _meta_rows(meta_path, members[_first_of_each(labels[members])], ["preview"]).get_column("preview")
    else:
        meta = pl.DataFrame(schema={"doc": pl.Int64, "uid": pl.String, "channel_id": pl.String,
                                    "channel": pl.String, "message_id": pl.String,
                                    "posted_at": pl.Datetime("us", "UTC")})
        previews = pl.Series("preview", [], dtype=pl.String)
    member_frame, cascades = build_cascades(meta, pairs, labels[members], previews)
    del previews  # the cascades hold their own copy
    edges = reuse_edges(member_frame)  # before the pairs' columns are gathered: its working arrays peak here
    # rows of ``meta`` are the members in document order: pairs and passages find theirs by position, and their
    # uids, channels and times are gathered, not joined (pairs come sorted by a, b from _strongest)
    at = {"a": np.searchsorted(members, a), "b": np.searchsorted(members, b)}
    named = pairs.select(
        *(meta.get_column(c).gather(at[side]).alias(f"{side}_{c}") for c in ("uid", "channel_id", "posted_at")
          for side in ("a", "b")),
        "relation", "similarity", "jaccard", "containment", "vocabulary", "shared_ngrams",
    ).with_columns((pl.col("b_posted_at") - pl.col("a_posted_at")).dt.total_seconds().alias("lag_s"))
    schema = {"a": pl.Int64, "b": pl.Int64, "a_start": pl.Int64, "a_end": pl.Int64, "b_start": pl.Int64,
              "b_end": pl.Int64, "tokens": pl.Int64}
    spans = pl.DataFrame(aligned, schema=schema).sort(["a", "b", "a_start"])
    sa, sb = (np.searchsorted(members, spans.get_column(c).to_numpy()) for c in ("a", "b"))
    passages = spans.select(meta.get_column("uid").gather(sa).alias("a_uid"),
                            meta.get_column("uid").gather(sb).alias("b_uid"),
                            "a_start", "a_end", "b_start", "b_end", "tokens")
    return {"pairs": named, "members": member_frame.drop("doc"), "cascades": cascades,
            "edges": edges, "boilerplate": boilerplate, "passages": passages}
