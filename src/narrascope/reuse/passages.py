"""Shared passages and rewrites: which candidate pairs of longer texts are reported, with thresholds that scale
with the length of the shorter text.

Candidates share rare word ``passage_ngram``-grams (:func:`narrascope.reuse.lsh.shared_gram_pairs`). A candidate
is reported when either

* it shares at least ``passage_min_shared`` of those n-grams (all of them, rare or not) — about 34 words of
  verbatim text: a quoted passage, whatever the lengths of the two texts; or
* it shares more word 3-grams than independently written texts on the same topic would by chance. If each of
  the shorter text's ``L`` 3-grams occurred in an unrelated text with probability ``p = rewrite_background``,
  the shared count would be about Binomial(L, p); a pair is reported when it shares at least
  ``ceil(p·L + z·sqrt(p·(1−p)·L))`` 3-grams, ``z = rewrite_z``. The required *share* falls with length (for
  p = 0.05, z = 3: 15 % of a 50-word text's 3-grams, 11 % at 150 words, 8 % at 450, 7 % at 1,200), because the
  count an unrelated text reaches by chance varies less, relatively, the longer the text.

The first rule, alone, was tuned on articles and missed lightly rewritten short texts (a 250-word text shares at
most ~250 n-grams, so 30 of them is a high bar); the second one holds across lengths. How many shared rare
n-grams make a *candidate* scales the same way: ``passage_min_match``, or for short texts
``passage_min_match_share`` of the shorter text's n-grams, at least 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .lsh import gram_pairs
from .ordered import Workers, in_order
from .shingle import DistinctValues, Shared, contains, sorted_unique, unique
from .spill import Chunking, Partitioned, SetSpill, Workspace, partition_of

__all__ = ["SharedGrams", "candidate_need", "passage_pairs", "rewrite_need", "shared_grams"]

#: Fewest shared rare n-grams that make a candidate, whatever the length.
MIN_MATCH_FLOOR = 2


def rewrite_need(lengths: np.ndarray, background: float, z: float) -> np.ndarray:
    """Word 3-grams a pair must share, given the shorter text's 3-gram count ``lengths`` (see the module doc)."""
    n = np.asarray(lengths, dtype=float)
    need = np.ceil(background * n + z * np.sqrt(background * (1.0 - background) * n) - 1e-9)
    return np.maximum(need, 1).astype(np.int64)


def candidate_need(lengths: np.ndarray, min_match: int, share: float) -> np.ndarray:
    """Shared rare n-grams that make a candidate for a text of ``lengths`` n-grams (the pair uses its shorter
    text's value, which is the smaller one: the need grows with length)."""
    n = np.asarray(lengths, dtype=float)
    need = np.ceil(share * n - 1e-9).astype(np.int64)
    return np.clip(need, min(MIN_MATCH_FLOOR, min_match), min_match)


def _pair_keys(pairs: np.ndarray) -> np.ndarray:
    return (pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1].astype(np.uint64)


def _from_keys(keys: np.ndarray) -> np.ndarray:
    return np.stack([(keys >> np.uint64(32)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)],
                    axis=1).reshape(-1, 2)


@dataclass
class SharedGrams:
    """Candidate pairs of one posting index and how many rare n-grams each shares."""

    keys: np.ndarray  # sorted uint64 pair keys (a << 32 | b)
    rare: np.ndarray  # shared rare n-grams per pair


def shared_grams(postings: Partitioned, sizes: np.ndarray, max_df: int, min_match: int, share: float,
                 ws: Workspace, chunking: Chunking, keep: np.ndarray | None = None,
                 pool: Workers | None = None) -> SharedGrams:
    """Pairs sharing at least :func:`candidate_need` rare n-grams (or listed in ``keep``, sorted pair keys).
    Two group-bys, one partition at a time (of the n-gram, then of the pair); ``pool``'s workers take one each."""
    need = candidate_need(sizes, min_match, share)
    rows = Partitioned(ws, "pair-rows", {"key": "uint64"}, postings.parts, chunking.buffer_rows)
    postings.flush()  # on this thread: the workers only read

    def pair_rows(p: int) -> np.ndarray:
        return _pair_keys(gram_pairs(postings.read(p)["key"], max_df))

    for keys in in_order(pool, pair_rows, range(postings.parts)):
        rows.append(partition_of(keys, rows.parts), key=keys)
    rows.flush()

    def counted(p: int) -> tuple[np.ndarray, np.ndarray]:
        keys, counts = sorted_unique(rows.read(p)["key"])
        pairs = _from_keys(keys)
        ok = counts >= np.minimum(need[pairs[:, 0]], need[pairs[:, 1]])
        if keep is not None and keep.size:
            ok |= contains(keep, keys)
        return keys[ok], counts[ok]

    out_keys, out_n = [], []
    for keys, counts in in_order(pool, counted, range(rows.parts)):
        out_keys.append(keys)
        out_n.append(counts)
    for path in (p for paths in rows.paths.values() for p in paths):
        path.unlink(missing_ok=True)
    keys = np.concatenate(out_keys) if out_keys else np.zeros(0, np.uint64)
    rare = np.concatenate(out_n) if out_n else np.zeros(0, np.int64)
    order = np.argsort(keys)
    return SharedGrams(keys[order], rare[order])


#: Evidence of a rewrite is counted over words and 3-grams in at most 1 % of the documents (and at most the
#: passage max-df), never fewer than 10: a word in a tenth of a small corpus is no sign of reuse.
RARE_SHARE, RARE_FLOOR = 0.01, 10


def rare_limit(max_df: int, n_docs: int) -> int:
    return int(min(max_df, max(RARE_FLOOR, np.ceil(RARE_SHARE * n_docs))))


def rare_shared(sets: SetSpill, counted: SetSpill, pairs: np.ndarray, max_df: int, chunking: Chunking,
                pool: Workers | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each pair: how many values its two sets in ``sets`` share that are in at most ``max_df`` sets of
    ``counted`` (the common ones — a template sentence, a stock phrase — are expected to be shared by chance),
    and over how many tenths of each text those rare shared values are spread (the smaller of the two counts).
    Chunks of pairs are independent: ``pool``'s workers take one each."""
    # two passes over the pairs, so that memory holds one chunk's shared values: which shared values are
    # common (counted once over the whole spill), then the rare ones per pair
    shared = DistinctValues()
    for values in sets.map_shared(pairs, chunking.pairs, lambda found, _a, _b: unique(found.values), pool):
        shared.add(values)
    distinct = shared.sorted()
    del shared
    common = distinct[counted.count_values(distinct, chunking.docs, cap=max_df, pool=pool) > max_df]
    del distinct

    def rare_counts(found: Shared, tag_a: np.ndarray | None,
                    tag_b: np.ndarray | None) -> tuple[int, np.ndarray, list[np.ndarray | None]] | None:
        rare = ~contains(common, found.values)
        owner = found.owner[rare]
        if owner.size == 0:
            return None
        # a chunk's pairs are consecutive: counted over them, not over all pairs (that made it quadratic)
        base = int(owner.min())
        spreads: list[np.ndarray | None] = []
        for tag in (tag_a, tag_b):
            cells = None if tag is None else unique((owner - base) * 10 + tag[rare].astype(np.int64))
            spreads.append(None if cells is None else np.bincount(cells // 10))  # (pair, tenth) cells holding one
        return base, np.bincount(owner - base), spreads

    count = np.zeros(len(pairs), dtype=np.int64)
    spread_a = np.zeros(len(pairs), dtype=np.int64)
    spread_b = np.zeros(len(pairs), dtype=np.int64)
    for chunk in sets.map_shared(pairs, chunking.pairs, rare_counts, pool):
        if chunk is None:
            continue
        base, counts, spreads = chunk
        _add(count, base, counts)
        for total, spread in zip((spread_a, spread_b), spreads, strict=True):
            if spread is not None:
                _add(total, base, spread)
    return count, np.minimum(spread_a, spread_b)


def _add(total: np.ndarray, base: int, counts: np.ndarray) -> None:
    total[base : base + counts.size] += counts


def passage_measures(grams5: SetSpill, candidates: np.ndarray, words: SetSpill, words_raw: SetSpill,
                     vocab: SetSpill, max_df: int, chunking: Chunking,
                     pool: Workers | None = None) -> dict[str, np.ndarray]:
    """What the rules look at, for every candidate (sorted pair keys); ``grams5`` holds each passage document's
    set of passage n-grams (its shared ones, rare or frequent, are the "shared" measure)."""
    pairs = _from_keys(candidates)
    limit = rare_limit(max_df, words_raw.n_docs)
    rare3, spread = rare_shared(words, words_raw, pairs, limit, chunking, pool)
    rare_words, _ = rare_shared(vocab, vocab, pairs, limit, chunking, pool)
    sizes, vsizes = words.sizes(), vocab.sizes()
    return {"pairs": pairs, "shared": grams5.intersections(pairs, chunking.pairs, pool), "rare3": rare3,
            "size3": np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]]), "spread": spread,
            "rare_words": rare_words, "words": np.minimum(vsizes[pairs[:, 0]], vsizes[pairs[:, 1]])}


def reported(m: dict[str, np.ndarray], options: Any) -> np.ndarray:
    """Which measured candidates are reported: a quoted passage, or more rare 3-grams and more rare words than
    an unrelated text would share by chance, spread over both texts (the rules of the module doc)."""
    z = options.rewrite_z
    beyond_chance = ((m["rare3"] >= rewrite_need(m["size3"], options.rewrite_background, z))
                     & (m["rare_words"] >= rewrite_need(m["words"], options.rewrite_word_background, z)))
    spread = m["spread"] >= np.ceil(10 * options.rewrite_spread - 1e-9)
    return (m["shared"] >= options.passage_min_shared) | (beyond_chance & spread)


def passage_pairs(grams5: SetSpill, candidates: np.ndarray, words: SetSpill, words_raw: SetSpill,
                  vocab: SetSpill, max_df: int, options: Any, chunking: Chunking,
                  pool: Workers | None = None) -> dict[str, np.ndarray]:
    """The candidates (sorted pair keys) that are reported, with their measures."""
    m = passage_measures(grams5, candidates, words, words_raw, vocab, max_df, chunking, pool)
    keep = reported(m, options)
    pairs = m["pairs"][keep]
    vocab_j, _ = vocab.jaccard_and_containment(pairs, chunking.pairs, pool)
    return {"pairs": pairs, "shared": m["shared"][keep],
            "containment": m["rare3"][keep] / np.maximum(m["size3"][keep], 1), "vocabulary": vocab_j}
