"""Candidate pairs as relational group-bys: LSH banding over MinHash signatures, and shared rare n-grams.

**LSH banding** (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3). A signature of ``b·r``
components is cut into ``b`` bands of ``r`` rows; two documents are candidates when all rows of at least one band
agree, which happens with probability ``1 − (1 − s^r)^b`` for Jaccard similarity ``s``. :func:`choose_bands`
derives (b, r) from the requested threshold: the largest ``r`` (fewest false candidates) whose curve still
reaches ``recall_at_threshold`` at the threshold itself, so pairs above it are found almost surely.

Each band's rows are hashed to one uint64 *band key*; candidates are then the pairs inside each
``(band, band_key)`` group — a GROUP BY and a self-join over rows ``(band, key, doc)``. A run spreads the rows
over hash partitions of (band, key) on disk and groups one partition at a time with a numpy sort (Spark can run
the same plan); a bucket never spans two partitions, so the result is that of one global GROUP BY. Buckets
larger than ``max_bucket`` (mass-posted texts that survived the exact-duplicate collapse) do not emit all
k(k−1)/2 pairs: their members are chained in document order, which keeps them connected for clustering; how
many were capped is reported.

**Shared rare n-grams** (passim, Smith, Cordell & Mullen 2015): documents sharing at least ``min_match``
n-grams whose document frequency is at most ``max_df`` are candidates for passage alignment, even when their
overall similarity is low (a quoted paragraph inside a rewritten article). Also a GROUP BY + self-join, by
partitions of the n-gram (:func:`gram_pairs`); the pairs' counts are then summed by partitions of the pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .ordered import in_order
from .shingle import mix64, sorted_unique

if TYPE_CHECKING:
    from .ordered import Workers
    from .spill import Partitioned

__all__ = ["CandidateStats", "band_keys", "bucket_pairs", "candidate_probability", "choose_bands", "gram_pairs",
           "group_pairs", "lsh_pairs", "posting_keys", "spilled_bucket_pairs", "unique_pairs"]


def candidate_probability(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """The probability ``1 − (1 − s^r)^b`` that a pair of Jaccard similarity ``s`` becomes a candidate."""
    return 1.0 - (1.0 - np.asarray(s, dtype=float) ** rows) ** bands


def choose_bands(threshold: float, num_perm: int, recall_at_threshold: float = 0.95) -> tuple[int, int]:
    """(bands, rows) for a threshold: the largest ``rows`` with ``P(candidate | s = threshold) ≥ recall``."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall_at_threshold:
            best = (bands, rows)
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n_docs, bands)`` uint64 keys, one hash of each band's ``rows`` signature components."""
    n = signatures.shape[0]
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):  # one band at a time: never a uint64 copy of the whole signature matrix
            key = np.zeros(n, dtype=np.uint64)
            for j in range(band * rows, (band + 1) * rows):
                key = mix64(key * np.uint64(0x100000001B3) + signatures[:, j].astype(np.uint64))
            keys[:, band] = key
    return keys


@dataclass
class CandidateStats:
    """What candidate generation did (reported with the results)."""

    candidates: int = 0
    buckets: int = 0
    capped_buckets: int = 0
    largest_bucket: int = 0

    def add(self, other: CandidateStats) -> None:
        self.buckets += other.buckets
        self.capped_buckets += other.capped_buckets
        self.largest_bucket = max(self.largest_bucket, other.largest_bucket)


def _groups(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, size) of the runs of equal rows in already sorted key columns."""
    n = keys[0].size
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    start = np.flatnonzero(change)
    return start, np.diff(np.append(start, n))


def group_pairs(start: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every pair of rows inside each group (groups given by start and size)."""
    total = int(size.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(size) - size, size)
    rows = np.repeat(start, size) + within
    per_row = np.repeat(size, size) - within - 1  # partners after each row in its group
    left = np.repeat(rows, per_row)
    first = np.cumsum(per_row) - per_row
    right = left + (np.arange(int(per_row.sum()), dtype=np.int64) - np.repeat(first, per_row)) + 1
    return left, right


def bucket_pairs(bucket: np.ndarray, doc: np.ndarray, max_bucket: int = 200) -> tuple[np.ndarray, CandidateStats]:
    """Candidate pairs (a < b, sorted, unique) of rows sharing a bucket (a band and its key, hashed together).
    A bucket of more than ``max_bucket`` documents is chained in document order instead of emitting all pairs.
    Rows must come in increasing document order within each bucket (a stable sort keeps it)."""
    order = np.argsort(bucket, kind="stable")
    bucket, doc = bucket[order], doc[order].astype(np.int64)
    start, size = _groups(bucket)
    stats = CandidateStats()
    multi = size > 1
    stats.buckets = int(multi.sum())
    stats.capped_buckets = int((size > max_bucket).sum())
    stats.largest_bucket = int(size[multi].max(initial=0))
    small = multi & (size <= max_bucket)
    i, j = group_pairs(start[small], size[small])
    big = np.flatnonzero(size > max_bucket)
    chain = (np.repeat(start[big], size[big] - 1)
             + np.arange(int((size[big] - 1).sum())) - np.repeat(np.cumsum(size[big] - 1) - (size[big] - 1),
                                                                  size[big] - 1))
    a = np.concatenate([doc[i], doc[chain]])
    b = np.concatenate([doc[j], doc[chain + 1]])
    return unique_pairs(a, b), stats


def spilled_bucket_pairs(bands: Partitioned, max_bucket: int,
                         pool: Workers | None = None) -> tuple[np.ndarray, CandidateStats]:
    """:func:`bucket_pairs` over every partition of a spilled LSH index (rows ``bucket``, ``doc``; a bucket lies
    in one partition, its rows in document order): the sorted unique candidate pairs of the whole index.
    Partitions are independent: ``pool``'s workers take one each."""
    bands.flush()  # on this thread: the workers only read

    def pairs_of(p: int) -> tuple[np.ndarray, CandidateStats]:
        rows = bands.read(p)
        return bucket_pairs(rows["bucket"], rows["doc"], max_bucket)

    found, stats = [], CandidateStats()
    for pairs, part_stats in in_order(pool, pairs_of, range(bands.parts)):
        found.append(pairs)
        stats.add(part_stats)
    cand = np.concatenate(found) if found else np.zeros((0, 2), np.int64)
    cand = unique_pairs(cand[:, 0], cand[:, 1]) if len(cand) else cand
    stats.candidates = len(cand)
    return cand, stats


def unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique rows (min, max) of document pairs (documents below 2^31)."""
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    keys, _ = sorted_unique((lo << np.uint64(32)) | hi)
    return np.stack([(keys >> np.uint64(32)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)],
                    axis=1)


def lsh_pairs(keys: np.ndarray, docs: np.ndarray, max_bucket: int = 200) -> tuple[np.ndarray, CandidateStats]:
    """Candidate pairs ``(a, b)`` with ``a < b`` (document numbers from ``docs``) sharing a band key, sorted;
    ``keys`` is the ``(n_docs, bands)`` matrix of :func:`band_keys`. (In memory; a run partitions the rows.)"""
    n, bands = keys.shape
    docs = np.asarray(docs, dtype=np.int64)
    band = np.tile(np.arange(bands, dtype=np.uint64), n)
    with np.errstate(over="ignore"):
        bucket = mix64(keys.reshape(-1) ^ (band * np.uint64(0xD6E8FEB86659FD93)))
    order = np.argsort(np.repeat(docs, bands), kind="stable")
    pairs, stats = bucket_pairs(bucket[order], np.repeat(docs, bands)[order], max_bucket)
    stats.candidates = len(pairs)
    return pairs, stats


def posting_keys(grams: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """One uint64 per (n-gram, document) row of a posting index (documents below 2^32)."""
    return (np.asarray(grams).astype(np.uint64) << np.uint64(32)) | np.asarray(docs).astype(np.uint64)


def gram_pairs(keys: np.ndarray, max_df: int) -> np.ndarray:
    """For posting rows (:func:`posting_keys`; a row repeated when a text repeats an n-gram): the pairs (a, b),
    a < b, of documents sharing each n-gram of document frequency 2…``max_df`` (one row per shared n-gram, so a pair
    appears as often as it shares such n-grams)."""
    keys, _ = sorted_unique(keys)
    gram = (keys >> np.uint64(32)).astype(np.uint32)
    doc = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    start, size = _groups(gram)
    rare = (size >= 2) & (size <= max_df)
    i, j = group_pairs(start[rare], size[rare])
    return np.stack([doc[i], doc[j]], axis=1)
