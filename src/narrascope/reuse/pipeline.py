"""Text reuse end to end: options, the batch pipeline over a messages frame, and caching in the store.

:func:`find_reuse_frame` runs on any polars frame of messages (the store's columns); :func:`find_reuse` reads
the store, runs it and saves every table with ``corpus.results`` under a key made of the options, the store's
ingest state and the matching-form version, so asking again is instant. Steps:

1. boilerplate lines per channel are found and removed (:mod:`.boilerplate`); texts go to matching form;
2. identical matching texts collapse into one representative (their members are ``copy`` pairs);
3. representatives get shingle sets (char n-grams when short, word n-grams otherwise; channel-boilerplate
   n-grams removed), MinHash signatures and LSH candidates, verified by exact Jaccard ≥ threshold
   (``near_duplicate``);
4. long representatives also get passage candidates (shared rare word n-grams); their relation is ``rewrite``
   when the overall vocabulary overlap is at least ``rewrite_vocabulary``, else ``partial``; passages are
   aligned with offsets in both original texts;
5. forwards whose metadata names a channel in the corpus are linked to the original (``forward``);
6. pairs → cascades, members, channel edges (:mod:`.cascades`).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import typing
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from ..errors import UsageError
from ..text.normalize import MATCH_TABLE_VERSION
from .align import align
from .boilerplate import boilerplate_lines, drop_channel_ngrams
from .cascades import STRENGTH, build_cascades, reuse_edges
from .lsh import band_keys, choose_bands, lsh_pairs, shared_gram_pairs
from .minhash import signatures
from .shingle import (
    ShingleSets,
    char_shingles,
    intersection_sizes,
    jaccard_and_containment,
    token_hashes,
    token_lists,
    word_shingles,
)

__all__ = ["ReuseOptions", "ReuseResult", "find_reuse", "find_reuse_frame", "load_reuse"]

PIPELINE_VERSION = "reuse-3"  # bump whenever stored rows change meaning or shape
TABLES = ("pairs", "members", "cascades", "edges", "boilerplate", "passages")
_INPUT_COLUMNS = ("uid", "channel_id", "channel", "message_id", "posted_at", "text", "fwd_from_name", "fwd_from_id",
                  "fwd_posted_at")


def _option(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class ReuseOptions:
    """How reuse is found. Every field is also a CLI flag of ``narrascope reuse`` (``--field-name``)."""

    threshold: float = _option(0.5, "Jaccard similarity from which two messages are near-duplicates")
    num_perm: int = _option(128, "MinHash permutations (signature length)")
    word_ngram: int = _option(3, "word n-gram size (messages of at least short_tokens tokens)")
    char_ngram: int = _option(5, "character n-gram size (shorter messages)")
    short_tokens: int = _option(8, "messages with fewer tokens are compared by character n-grams")
    lsh_recall: float = _option(0.95, "LSH candidate probability required at the threshold (sets bands, rows)")
    max_bucket: int = _option(200, "LSH buckets larger than this are chained instead of emitting all pairs")
    boilerplate: bool = _option(True, "leave each channel's boilerplate lines and n-grams out of matching")
    boilerplate_min_messages: int = _option(5, "boilerplate occurs in at least this many distinct texts of a channel")
    line_max_share: float = _option(0.02, "a line is boilerplate from this share of its channel's distinct texts")
    ngram_max_share: float = _option(0.05, "a word n-gram is boilerplate from this share of the channel's texts")
    passage_min_tokens: int = _option(30, "messages of at least this many tokens are searched for shared passages")
    passage_ngram: int = _option(5, "passage n-gram size, also the shortest aligned passage (tokens)")
    passage_max_df: int = _option(100, "passage n-grams in more documents are ignored (passim's max-df)")
    passage_max_share: float = _option(1.0, "… or in more than this share of all documents (below 1: also a "
                                             "share limit, for small templated corpora)")
    passage_min_match: int = _option(5, "shared rare n-grams making a passage candidate (passim's min-match)")
    passage_min_shared: int = _option(30, "shared n-grams (rare or not) a passage pair needs to be reported")
    rewrite_vocabulary: float = _option(0.3, "word-set Jaccard from which a passage pair is a rewrite, not partial")
    max_alignments: int = _option(20000, "passage pairs aligned during the run (others are aligned on demand)")
    since: str | None = _option(None, "only messages posted at or after this time (ISO date or timestamp)")
    until: str | None = _option(None, "only messages posted before this time")
    workers: int = _option(1, "worker processes for MinHash (and DuckDB threads); results do not change")
    seed: int = _option(1, "seed of the MinHash permutations")

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise UsageError(f"threshold {self.threshold} is outside (0, 1]: use e.g. 0.5")
        for name in ("num_perm", "word_ngram", "char_ngram", "short_tokens", "max_bucket", "passage_ngram",
                     "passage_max_df", "passage_min_match", "passage_min_shared", "workers", "boilerplate_min_messages"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    raise UsageError(f"--{name} {value!r} is not a date or time: use e.g. 2024-01-31 or "
                                     "2024-01-31T18:00:00+03:30") from None
        for name in ("line_max_share", "ngram_max_share", "passage_max_share", "rewrite_vocabulary"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise UsageError(f"{name} {getattr(self, name)} is outside (0, 1]: use a share such as 0.05")
        if not 0.0 < self.lsh_recall < 1.0:
            raise UsageError(f"lsh_recall {self.lsh_recall} must be between 0 and 1 (exclusive)")

    def cache_key(self, state: str) -> str:
        """Key of stored results: everything that changes them (not ``workers``)."""
        params = {k: v for k, v in asdict(self).items() if k != "workers"}
        blob = json.dumps([params, state, MATCH_TABLE_VERSION, PIPELINE_VERSION, pl.__version__], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    @property
    def bands(self) -> tuple[int, int]:
        return choose_bands(self.threshold, self.num_perm, self.lsh_recall)


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
        [pl.lit(None, dtype=pl.String).alias(c) for c in _INPUT_COLUMNS if c not in messages.columns
         and c != "fwd_posted_at"]
    )
    if "fwd_posted_at" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("fwd_posted_at"))
    # A user's frame may carry all-null (dtype Null) or non-string id columns: give every column the store's type.
    frame = frame.select(_INPUT_COLUMNS).with_columns(
        *(pl.col(c).cast(pl.String) for c in _INPUT_COLUMNS if c not in ("posted_at", "fwd_posted_at")),
        *(pl.col(c).cast(pl.Datetime("us", "UTC")) for c in ("posted_at", "fwd_posted_at")
          if frame.schema[c] == pl.Null),
    ).filter(pl.col("text").fill_null("").str.strip_chars() != "")
    if options.since:
        frame = frame.filter(pl.col("posted_at").dt.convert_time_zone("UTC")  # the store's zone is "Etc/UTC"
                             >= pl.lit(options.since).str.to_datetime(time_zone="UTC"))
    if options.until:
        frame = frame.filter(pl.col("posted_at").dt.convert_time_zone("UTC")
                             < pl.lit(options.until).str.to_datetime(time_zone="UTC"))
    frame = frame.sort(["posted_at", "channel_id", "message_id", "uid"], nulls_last=True)
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"))


def _pairs_frame(pairs: np.ndarray, relation: str, **cols: Any) -> pl.DataFrame:
    data: dict[str, Any] = {"a": pairs[:, 0].astype(np.int64), "b": pairs[:, 1].astype(np.int64),
                            "relation": pl.Series([relation] * len(pairs), dtype=pl.String)}
    for name in ("similarity", "jaccard", "containment", "vocabulary"):
        data[name] = np.asarray(cols.get(name, np.full(len(pairs), np.nan)), dtype=float)
    data["shared_ngrams"] = np.asarray(cols.get("shared_ngrams", np.zeros(len(pairs))), dtype=np.int64)
    return pl.DataFrame(data).with_columns(pl.col(c).fill_nan(None) for c in ("similarity", "jaccard", "containment",
                                                                          "vocabulary"))


def _exact_groups(matching: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(representative of each doc, copy pairs (rep, doc)) for identical non-empty matching texts."""
    frame = pl.DataFrame({"m": matching}).with_row_index("doc").with_columns(pl.col("doc").cast(pl.Int64))
    rep = frame.with_columns(pl.col("doc").min().over("m").alias("rep")).get_column("rep").to_numpy()
    empty = (matching == "").to_numpy()
    rep = np.where(empty, -1, rep)
    docs = np.flatnonzero((rep >= 0) & (rep != np.arange(rep.size)))
    return rep, np.stack([rep[docs], docs], axis=1)


def _near_duplicates(sets: ShingleSets, docs: np.ndarray, pair_ok: Any, options: ReuseOptions,
                     stats: dict[str, Any], label: str) -> pl.DataFrame:
    """LSH candidates among ``docs`` verified by exact Jaccard ≥ threshold."""
    if docs.size < 2:
        return _pairs_frame(np.zeros((0, 2), np.int64), "near_duplicate")
    bands, rows = options.bands
    clock = time.perf_counter()
    sig = signatures(sets.take(docs), options.num_perm, options.seed, options.workers)
    seconds = stats.setdefault("stage_seconds", {})
    seconds[f"{label}_minhash"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    cand, cstats = lsh_pairs(band_keys(sig, bands, rows), docs, options.max_bucket, options.workers)
    del sig
    seconds[f"{label}_lsh"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    cand = cand[pair_ok(cand)] if len(cand) else cand
    jac, con = jaccard_and_containment(sets, cand)
    seconds[f"{label}_verify"] = round(time.perf_counter() - clock, 3)
    keep = jac >= options.threshold - 1e-12
    stats[f"{label}_candidates"] = int(len(cand))
    stats[f"{label}_verified"] = int(keep.sum())
    stats.setdefault("capped_buckets", 0)
    stats["capped_buckets"] += cstats.capped_buckets
    stats["largest_bucket"] = max(stats.get("largest_bucket", 0), cstats.largest_bucket)
    return _pairs_frame(cand[keep], "near_duplicate", similarity=jac[keep], jaccard=jac[keep], containment=con[keep])


def _forward_pairs(frame: pl.DataFrame, full: pl.Series) -> pl.DataFrame:
    """Forwards linked to their original: same matching text, earlier, in the channel the metadata names."""
    docs = frame.select("doc", "channel_id", "channel", "posted_at", "fwd_from_id", "fwd_from_name").with_columns(
        full.alias("full"))
    names = (docs.filter(pl.col("channel").is_not_null()).group_by("channel")
             .agg(pl.col("channel_id").unique()).filter(pl.col("channel_id").list.len() == 1)
             .select(pl.col("channel").alias("fwd_from_name"), pl.col("channel_id").list.first().alias("by_name")))
    ids = docs.select(pl.col("channel_id").unique().alias("fwd_from_id"))
    ids = ids.with_columns(pl.col("fwd_from_id").alias("by_id"))
    fwd = (docs.filter((pl.col("fwd_from_id").is_not_null() | pl.col("fwd_from_name").is_not_null())
                       & (pl.col("full") != ""))
           .join(ids, on="fwd_from_id", how="left").join(names, on="fwd_from_name", how="left")
           .with_columns(pl.coalesce("by_id", "by_name").alias("target"))
           .filter(pl.col("target").is_not_null()))
    if fwd.height == 0:
        return _pairs_frame(np.zeros((0, 2), np.int64), "forward")
    fwd_posted = frame.select("doc", "fwd_posted_at")
    originals = docs.select(pl.col("doc").alias("a"), pl.col("channel_id").alias("target"), "full",
                            pl.col("posted_at").alias("a_at"))
    linked = (fwd.select(pl.col("doc").alias("b"), "target", "full", "posted_at")
              .join(fwd_posted.rename({"doc": "b"}), on="b")
              .join(originals, on=["target", "full"])
              .filter(pl.col("a") < pl.col("b"))
              .with_columns((pl.col("a_at") - pl.col("fwd_posted_at")).abs().alias("gap"))
              .sort(["b", "gap", "a"], descending=[False, False, True], nulls_last=True)
              .group_by("b", maintain_order=True).first())
    pairs = np.stack([linked.get_column("a").to_numpy(), linked.get_column("b").to_numpy()], axis=1)
    return _pairs_frame(pairs.reshape(-1, 2), "forward", similarity=np.ones(len(pairs)))


def _passage_pairs(texts: list[str], hashes: np.ndarray, offsets: np.ndarray, docs: np.ndarray,
                   options: ReuseOptions, stats: dict[str, Any]) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    grams = word_shingles(hashes, offsets, options.passage_ngram, docs)
    max_df = int(min(options.passage_max_df, max(2, options.passage_max_share * len(texts))))
    cand = shared_gram_pairs(grams, max_df, options.passage_min_match, options.workers)
    n_shared = intersection_sizes(grams, cand)
    sizes = grams.sizes()
    smaller = np.minimum(sizes[cand[:, 0]], sizes[cand[:, 1]]) if len(cand) else np.zeros(0, np.int64)
    keep = n_shared >= options.passage_min_shared
    cand, n_shared = cand[keep], n_shared[keep]
    stats.update(passage_max_df=max_df, passage_candidates=int(keep.size), passage_verified=int(keep.sum()))
    if len(cand) == 0:
        return _pairs_frame(cand, "partial"), []
    vocab, _ = jaccard_and_containment(word_shingles(hashes, offsets, 1, docs), cand)
    relation = np.where(vocab >= options.rewrite_vocabulary, "rewrite", "partial")
    frame = pl.DataFrame({
        "a": cand[:, 0], "b": cand[:, 1], "relation": relation, "similarity": vocab,
        "jaccard": np.full(len(cand), np.nan), "containment": n_shared / np.maximum(smaller[keep], 1),
        "vocabulary": vocab, "shared_ngrams": n_shared,
    }).with_columns(pl.col("jaccard").fill_nan(None))
    passages: list[dict[str, Any]] = []
    for a, b in cand[: options.max_alignments].tolist():
        result = align(texts[a], texts[b], options.passage_ngram, options.passage_ngram)
        passages += [{"a": a, "b": b, "a_start": p.a_start, "a_end": p.a_end, "b_start": p.b_start,
                      "b_end": p.b_end, "tokens": p.tokens} for p in result.passages]
    stats["aligned_pairs"] = int(min(len(cand), options.max_alignments))
    return frame, passages


def _strongest(pairs: pl.DataFrame) -> pl.DataFrame:
    ranked = pairs.with_columns(pl.col("relation").replace_strict(STRENGTH, return_dtype=pl.Int8).alias("s"))
    return (ranked.sort(["a", "b", "s", "similarity"], descending=[False, False, True, True], nulls_last=True)
            .group_by(["a", "b"], maintain_order=True).first().drop("s"))


# ---------------------------------------------------------------------------------------------------- pipeline
def find_reuse_frame(messages: pl.DataFrame, options: ReuseOptions | None = None) -> ReuseResult:
    """Find reuse among ``messages`` (columns of the store's ``messages`` table; at least uid, channel_id,
    posted_at, text). Returns pairs, cascades, members, channel edges, boilerplate and aligned passages."""
    options = options or ReuseOptions()
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    frame = _prepare(messages, options)
    n = frame.height
    stats: dict[str, Any] = {"messages": n}
    bands, rows = options.bands
    stats.update(bands=bands, rows=rows)
    lines = boilerplate_lines(frame.get_column("text"), frame.get_column("channel_id"),
                              options.boilerplate_min_messages, options.line_max_share, options.boilerplate)
    matching = pl.Series("m", lines.matching)
    lap("normalise_and_boilerplate")
    rep, copy_pairs = _exact_groups(matching)
    reps = np.flatnonzero(rep == np.arange(n))
    tokens = token_lists(lines.matching)
    hashes, offsets = token_hashes(tokens)
    ntok = np.diff(offsets)
    lap("tokens")
    # Short texts are compared by characters, longer by words; messages up to short_tokens / threshold tokens
    # get both, so that a pair straddling short_tokens is still compared (Jaccard ≥ t needs lengths within 1/t).
    char_docs = reps[ntok[reps] < math.ceil(options.short_tokens / options.threshold)]
    word_docs = reps[ntok[reps] >= options.short_tokens]
    chars = char_shingles(tokens, options.char_ngram, char_docs)
    words = word_shingles(hashes, offsets, options.word_ngram, word_docs)
    del tokens  # the token strings are the largest intermediate; hashes carry on from here
    stats["boilerplate_ngrams"] = 0
    if options.boilerplate and word_docs.size:
        codes = frame.get_column("channel_id").cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
        distinct = np.zeros(n, dtype=bool)
        distinct[word_docs] = True
        words, stats["boilerplate_ngrams"] = drop_channel_ngrams(words, codes, distinct,
                                                                 options.boilerplate_min_messages,
                                                                 options.ngram_max_share)
    lap("shingles")
    short = options.short_tokens
    near = [
        _near_duplicates(chars, char_docs, lambda c: np.minimum(ntok[c[:, 0]], ntok[c[:, 1]]) < short,
                         options, stats, "char"),
        _near_duplicates(words, word_docs, lambda c: np.minimum(ntok[c[:, 0]], ntok[c[:, 1]]) >= short,
                         options, stats, "word"),
    ]
    lap("minhash_lsh_verify")
    texts = frame.get_column("text").to_list()
    long_docs = reps[ntok[reps] >= options.passage_min_tokens]
    passage_frame, passage_rows = _passage_pairs(texts, hashes, offsets, long_docs, options, stats)
    lap("passages")
    copies = _pairs_frame(copy_pairs, "copy", similarity=np.ones(len(copy_pairs)), jaccard=np.ones(len(copy_pairs)),
                          containment=np.ones(len(copy_pairs)))
    forwards = _forward_pairs(frame, pl.Series(lines.full))
    pairs = _strongest(pl.concat([forwards, copies, *near, passage_frame], how="vertical_relaxed"))
    result = _assemble(frame, pairs, passage_rows, lines.lines, stats)
    lap("cascades")
    stats.update(
        with_text=n, representatives=int(reps.size), exact_copies=int(len(copy_pairs)),
        char_docs=int(char_docs.size), word_docs=int(word_docs.size), passage_docs=int(long_docs.size),
        boilerplate_lines=int(lines.lines.height), messages_with_boilerplate=int((lines.dropped_lines > 0).sum()),
        pairs=int(pairs.height), cascades=int(result.cascades.height), timings=timings,
    )
    return result


def _assemble(frame: pl.DataFrame, pairs: pl.DataFrame, passage_rows: list[dict[str, Any]],
              boiler: pl.DataFrame, stats: dict[str, Any]) -> ReuseResult:
    docs = frame.select("doc", "uid", "channel_id", "channel", "message_id", "posted_at",
                        pl.col("text").str.slice(0, 200).alias("preview"))
    members, cascades = build_cascades(docs, pairs)
    side = docs.select("doc", "uid", "channel_id", "posted_at")
    named = (pairs.join(side.rename({c: f"a_{c}" if c != "doc" else "a" for c in side.columns}), on="a")
             .join(side.rename({c: f"b_{c}" if c != "doc" else "b" for c in side.columns}), on="b")
             .with_columns((pl.col("b_posted_at") - pl.col("a_posted_at")).dt.total_seconds().alias("lag_s"))
             .sort(["a", "b"])
             .select("a_uid", "b_uid", "a_channel_id", "b_channel_id", "a_posted_at", "b_posted_at", "relation",
                     "similarity", "jaccard", "containment", "vocabulary", "shared_ngrams", "lag_s"))
    passage_schema = {"a": pl.Int64, "b": pl.Int64, "a_start": pl.Int64, "a_end": pl.Int64, "b_start": pl.Int64,
                      "b_end": pl.Int64, "tokens": pl.Int64}
    passages = pl.DataFrame(passage_rows, schema=passage_schema)
    passages = (passages.join(side.select("doc", pl.col("uid").alias("a_uid")).rename({"doc": "a"}), on="a")
                .join(side.select("doc", pl.col("uid").alias("b_uid")).rename({"doc": "b"}), on="b")
                .sort(["a", "b", "a_start"])
                .select("a_uid", "b_uid", "a_start", "a_end", "b_start", "b_end", "tokens"))
    return ReuseResult(pairs=named, members=members.drop("doc"), cascades=cascades, edges=reuse_edges(members),
                       boilerplate=boiler.rename({"channel": "channel_id"}), passages=passages, stats=stats)


# ---------------------------------------------------------------------------------------------------- store
def find_reuse(corpus: Any, options: ReuseOptions | None = None, *, refresh: bool = False) -> ReuseResult:
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
    messages = corpus.messages(since=options.since, until=options.until, columns=list(_INPUT_COLUMNS))
    result = find_reuse_frame(messages, options)
    if corpus.read_only:
        return result
    params = {"options": asdict(options), "stats": result.stats}
    # One transaction for all tables: a run killed half-way never becomes "the latest" (load_reuse).
    corpus.results.save_many({f"reuse_{name}": getattr(result, name).to_arrow() for name in TABLES}, key,
                             {"reuse_cascades": params})
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


def option_fields() -> list[tuple[str, Any, Any, str]]:
    """(name, type, default, help) of every option, for CLIs and forms."""
    hints = typing.get_type_hints(ReuseOptions)
    return [(f.name, hints[f.name], f.default, f.metadata.get("help", "")) for f in fields(ReuseOptions)]
