"""Shingles: the sets of hashed word or character n-grams that near-duplicate matching compares.

All work is vectorised over a whole batch. Texts are tokenised in polars (Rust regex, both cores) into runs of
letters, digits and marks of the *matching form* (:func:`narrascope.text.normalize.normalize`, so Persian/Arabic
letter variants, ZWNJ, diacritics and digit systems do not matter). Tokens are hashed once by polars; n-gram
hashes are combined from token hashes with 64-bit multiply-add arithmetic in numpy and finalised with the
SplitMix64 mixer. A message's shingle set is stored as sorted unique ``uint32`` values in a CSR layout
(:class:`ShingleSets`: one flat array plus offsets), which the MinHash, verification and index steps share.

Which shingles (defaults in :class:`narrascope.reuse.pipeline.ReuseOptions`):

* messages with at least ``short_tokens`` tokens: word ``word_ngram``-grams (3);
* shorter messages: character ``char_ngram``-grams (5) over the tokens joined by single spaces — a one-word
  change in a six-word message leaves most character 5-grams intact, but removes half of its word 3-grams;
* a text shorter than n units yields one shingle (the whole sequence), so no non-empty text has an empty set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = [
    "TOKEN_PATTERN",
    "DistinctValues",
    "Shared",
    "ShingleSets",
    "char_shingles",
    "contains",
    "gather",
    "gather_index",
    "sorted_unique",
    "intersection_sizes",
    "jaccard_and_containment",
    "similarity",
    "shared_values",
    "mix64",
    "pair_chunks",
    "ngram_rows",
    "runs",
    "set_bits",
    "token_hashes",
    "token_lists",
    "unique",
    "word_shingles",
    "word_shingles_tenths",
]

#: A token: a run of letters, marks, digits and underscores of the matching form.
TOKEN_PATTERN = r"[\p{L}\p{M}\p{N}_]+"

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_COMBINE = np.uint64(0x100000001B3)  # odd multiplier used to fold one more unit into a running n-gram hash


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection on uint64 that spreads every input bit over the output."""
    with np.errstate(over="ignore"):
        z = x + _M1
        z = (z ^ (z >> np.uint64(30))) * _M2
        z = (z ^ (z >> np.uint64(27))) * _M3
        return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class ShingleSets:
    """One sorted set of uint32 shingle hashes per document: ``values[offsets[i]:offsets[i+1]]``."""

    values: np.ndarray  # uint32
    offsets: np.ndarray  # int64, length n_docs + 1

    @property
    def n_docs(self) -> int:
        return int(self.offsets.size - 1)

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def owners(self) -> np.ndarray:
        """The document index of every value."""
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), self.sizes())

    def take(self, docs: np.ndarray) -> ShingleSets:
        """The sets of ``docs`` (in that order) as a new :class:`ShingleSets`."""
        values, owner = gather(self.offsets, self.values, docs)
        offsets = np.zeros(docs.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=docs.size), out=offsets[1:])
        return ShingleSets(values, offsets)

    @classmethod
    def from_pairs(cls, owner: np.ndarray, values: np.ndarray, n_docs: int) -> ShingleSets:
        """Sets from (document, value) pairs in any order, with duplicates removed."""
        keys, _ = sorted_unique((owner.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
        doc = (keys >> np.uint64(32)).astype(np.int64)
        offsets = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=n_docs), out=offsets[1:])
        return cls((keys & np.uint64(0xFFFFFFFF)).astype(np.uint32), offsets)

    @classmethod
    def empty(cls, n_docs: int) -> ShingleSets:
        return cls(np.zeros(0, np.uint32), np.zeros(n_docs + 1, np.int64))


def runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position of the first of each run of equal keys, length of the run) in already sorted keys."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    return first, np.diff(np.append(first, sorted_keys.size))


def sorted_unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys, their counts) by one in-place sort — much faster than ``np.unique`` on numpy 2's
    hash path for tens of millions of uint64 keys."""
    keys = np.sort(keys)
    first, counts = runs(keys)
    return keys[first], counts


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort, not numpy 2's slower hash path of ``np.unique``)."""
    return sorted_unique(np.asarray(values))[0]


class DistinctValues:
    """The sorted distinct uint32 values of many arrays added one at a time, in bounded memory.

    Few values are kept as they come and sorted once; past ``bitmap_after`` of them, a bitmap of all 2^32
    values (512 MB, whatever their number) takes over. Merging sorted arrays now and then instead held several
    copies of all of them at each merge (the pending arrays, their concatenation and its sorted copy: up to about
    ten times the distinct values)."""

    def __init__(self, bitmap_after: int = 1 << 24) -> None:
        self._parts: list[np.ndarray] = []
        self._held = 0
        self._bitmap_after = bitmap_after
        self._bitmap: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.uint32)
        if values.size > 1 and not (values[1:] >= values[:-1]).all():
            values = np.sort(values)
        if self._bitmap is not None:
            set_bits(self._bitmap, values)
            return
        self._parts.append(values)
        self._held += values.size
        if self._held > self._bitmap_after:
            self._bitmap = np.zeros(1 << 29, dtype=np.uint8)
            for part in self._parts:
                set_bits(self._bitmap, part)
            self._parts, self._held = [], 0

    def sorted(self) -> np.ndarray:
        if self._bitmap is None:
            return unique(np.concatenate(self._parts)) if self._parts else np.zeros(0, dtype=np.uint32)
        found = []
        step = 1 << 22  # bitmap bytes read at a time: the unpacked bits of a block stay a few tens of MB
        for lo in range(0, self._bitmap.size, step):
            block = self._bitmap[lo : lo + step]
            at = np.flatnonzero(block)
            if at.size:
                byte, bit = np.nonzero(np.unpackbits(block[at][:, None], axis=1, bitorder="little"))
                found.append(((at[byte] + lo).astype(np.uint32) << np.uint32(3)) | bit.astype(np.uint32))
        return np.concatenate(found) if found else np.zeros(0, dtype=np.uint32)


def set_bits(bitmap: np.ndarray, values: np.ndarray) -> None:
    """Set the bits of ``values`` (sorted uint32) in ``bitmap``: the bits of one byte OR-ed together first, so
    that each byte is written once (plain fancy indexing; ``np.bitwise_or.at`` is several times slower)."""
    byte = values >> np.uint32(3)
    first, _ = runs(byte)
    if first.size:
        bits = (np.uint8(1) << (values & np.uint32(7)).astype(np.uint8)).astype(np.uint8)
        bitmap[byte[first]] |= np.bitwise_or.reduceat(bits, first)


def contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_values`` (sorted), by binary search."""
    if sorted_values.size == 0:
        return np.zeros(np.shape(values), dtype=bool)
    values = np.asarray(values)
    if values.ndim == 1 and sorted_values.size >= _LARGE and values.size >= _LARGE // 16:
        # searched in sorted order, then put back: random needles into a large array miss the cache at every
        # step of the search; sorted ones reuse its path (measured 16x faster for 2.5 M needles into 40 M values)
        order = np.argsort(values)
        found = np.empty(values.shape, dtype=bool)
        found[order] = _contains(sorted_values, values[order])
        return found
    return _contains(sorted_values, values)


#: Arrays of this many values no longer fit a CPU cache (see :func:`contains`).
_LARGE = 1 << 20


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    pos = np.minimum(np.searchsorted(sorted_values, values), sorted_values.size - 1)
    return sorted_values[pos] == values


def gather_index(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in the flat values) of the concatenated CSR rows ``rows``, and each one's position in ``rows``."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), lengths)
    if total == 0:
        return np.zeros(0, dtype=np.int64), owner
    first = np.zeros(rows.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return np.arange(total, dtype=np.int64) - first[owner] + starts[owner], owner


def gather(offsets: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated CSR rows ``rows`` and, for every gathered value, its position in ``rows``."""
    index, owner = gather_index(offsets, rows)
    return values[index], owner


def token_lists(matching: pa.Array | pa.ChunkedArray) -> pl.Series:
    """Tokens of each matching-form text (a list column; nulls become empty lists)."""
    frame = pl.DataFrame({"t": pl.Series(matching)})
    out = frame.lazy().select(pl.col("t").fill_null("").str.extract_all(TOKEN_PATTERN).alias("tokens")).collect()
    return out.get_column("tokens")


def token_hashes(tokens: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(flat uint64 token hashes, offsets) for a list column of tokens."""
    lengths = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = tokens.explode(empty_as_null=False, keep_nulls=False)
    hashes = flat.hash(seed=0x5EED, seed_1=1, seed_2=2, seed_3=3).to_numpy().astype(np.uint64)
    return hashes, offsets


_CHUNK_UNITS = 1 << 22  # n-gram positions hashed at once: bounds the scratch arrays to a few hundred MB


def _ngram_hashes(units: np.ndarray, offsets: np.ndarray, n: int, docs: np.ndarray,
                  tenths: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(owner, sorted-unique uint32 n-gram hashes per owner, and with ``tenths`` the tenth of its text (0–9) where
    each n-gram first occurs) for ``docs`` (ascending, all non-empty)."""
    starts = offsets[docs]
    lengths = offsets[docs + 1] - starts
    # n-gram start positions: every position with n units left; texts shorter than n get one shingle.
    counts = np.maximum(lengths - n + 1, 1)
    owner = np.repeat(docs, counts)
    first = np.zeros(docs.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    pos = np.repeat(starts - first, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    width = np.minimum(np.repeat(lengths, counts), n)
    h = np.zeros(pos.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            unit = units[np.minimum(pos + j, units.size - 1)]
            h = np.where(j < width, h * _COMBINE + unit, h)
        h = mix64(h ^ width.astype(np.uint64))
    raw = (owner.astype(np.uint64) << np.uint64(32)) | (h >> np.uint64(32))
    where = None
    if tenths:
        order = np.argsort(raw, kind="stable")  # stable: the first occurrence of a key comes first
        raw = raw[order]
        head = np.concatenate(([True], raw[1:] != raw[:-1]))
        index = np.arange(pos.size, dtype=np.int64) - np.repeat(first, counts)  # n-gram index within its text
        where = (index * 10 // np.repeat(counts, counts))[order][head].astype(np.uint8)
        keys = raw[head]
    else:
        keys, _ = sorted_unique(raw)
    return (keys >> np.uint64(32)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32), where


def _ngram_sets(units: np.ndarray, offsets: np.ndarray, n: int, docs: np.ndarray,
                tenths: bool = False) -> tuple[ShingleSets, np.ndarray | None]:
    """Hashed n-gram sets over the unit sequences of ``docs`` (units: uint64 per token or character), computed
    in chunks of documents so that memory stays bounded at millions of messages (with ``tenths``, also where in
    its text each n-gram first occurs, aligned with the values)."""
    n_docs = offsets.size - 1
    docs = np.unique(docs)
    docs = docs[offsets[docs + 1] > offsets[docs]]
    per_doc = np.maximum(offsets[docs + 1] - offsets[docs], 1)
    bounds = np.searchsorted(np.cumsum(per_doc), np.arange(_CHUNK_UNITS, int(per_doc.sum()), _CHUNK_UNITS))
    owners, values, wheres = [], [], []
    for chunk in np.split(docs, bounds):
        if chunk.size:
            owner, value, where = _ngram_hashes(units, offsets, n, chunk, tenths)
            owners.append(owner)
            values.append(value)
            wheres.append(where)
    if not owners:
        return ShingleSets.empty(n_docs), (np.zeros(0, np.uint8) if tenths else None)
    owner_all = np.concatenate(owners)
    sizes = np.bincount(owner_all, minlength=n_docs)
    out = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return ShingleSets(np.concatenate(values), out), (np.concatenate(wheres) if tenths else None)  # type: ignore[arg-type]


def word_shingles(hashes: np.ndarray, offsets: np.ndarray, n: int, docs: np.ndarray | None = None) -> ShingleSets:
    """Word n-gram sets from token hashes (``docs``: which documents; others get empty sets)."""
    if docs is None:
        docs = np.arange(offsets.size - 1, dtype=np.int64)
    return _ngram_sets(hashes, offsets, n, np.asarray(docs, dtype=np.int64))[0]


def ngram_rows(hashes: np.ndarray, offsets: np.ndarray, n: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, uint32 n-gram hash) for every n-gram position of ``docs`` — the values of :func:`word_shingles`,
    before duplicates within a text are removed (a posting index removes them when it sorts its rows)."""
    docs = np.asarray(docs, dtype=np.int64)
    docs = docs[offsets[docs + 1] > offsets[docs]]
    starts = offsets[docs]
    lengths = offsets[docs + 1] - starts
    counts = np.maximum(lengths - n + 1, 1)
    owner = np.repeat(docs, counts)
    first = np.zeros(docs.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    pos = np.repeat(starts - first, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    width = np.minimum(np.repeat(lengths, counts), n)
    h = np.zeros(pos.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            unit = hashes[np.minimum(pos + j, hashes.size - 1)]
            h = np.where(j < width, h * _COMBINE + unit, h)
        h = mix64(h ^ width.astype(np.uint64))
    return owner, (h >> np.uint64(32)).astype(np.uint32)


def word_shingles_tenths(hashes: np.ndarray, offsets: np.ndarray, n: int,
                         docs: np.ndarray) -> tuple[ShingleSets, np.ndarray]:
    """:func:`word_shingles`, and for every value the tenth (0–9) of its text where that n-gram first occurs."""
    sets, where = _ngram_sets(hashes, offsets, n, np.asarray(docs, dtype=np.int64), tenths=True)
    assert where is not None
    return sets, where


def char_shingles(tokens: pl.Series, n: int, docs: np.ndarray) -> ShingleSets:
    """Character n-gram sets over each document's tokens joined by single spaces (only ``docs``)."""
    n_docs = tokens.len()
    docs = np.asarray(docs, dtype=np.int64)
    if docs.size == 0:
        return ShingleSets.empty(n_docs)
    joined = tokens.gather(docs).list.join(" ").fill_null("").to_list()
    lengths = np.fromiter((len(t) for t in joined), dtype=np.int64, count=len(joined))
    codepoints = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    local_offsets = np.zeros(docs.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=local_offsets[1:])
    local = _ngram_sets(mix64(codepoints), local_offsets, n, np.arange(docs.size, dtype=np.int64))[0]
    values, owner = local.values, local.owners()
    return ShingleSets.from_pairs(docs[owner], values, n_docs)


@dataclass(frozen=True)
class Shared:
    """The values the two sets of each pair of a chunk share: pair (index within the chunk), value, and where
    the value sits in the flat values array in the first and in the second set of the pair."""

    owner: np.ndarray
    values: np.ndarray
    at_a: np.ndarray
    at_b: np.ndarray


def pair_chunks(sizes: np.ndarray, pairs: np.ndarray, chunk_values: int,
                chunk_pairs: int | None = None) -> list[tuple[int, int]]:
    """Consecutive ``(lo, hi)`` slices of ``pairs`` whose two sets (``sizes`` per document) hold about
    ``chunk_values`` values together, and at most ``chunk_pairs`` pairs (at least one pair each)."""
    cum = np.cumsum(sizes[pairs[:, 0]] + sizes[pairs[:, 1]])
    bounds = [0]
    while bounds[-1] < len(pairs):
        done = int(cum[bounds[-1] - 1]) if bounds[-1] else 0
        nxt = int(np.searchsorted(cum, done + chunk_values, side="right"))
        if chunk_pairs is not None:
            nxt = min(nxt, bounds[-1] + chunk_pairs)
        bounds.append(max(nxt, bounds[-1] + 1))
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def shared_values(sets: ShingleSets, pairs: np.ndarray,
                  chunk_values: int = 1 << 23) -> Iterator[tuple[int, int, Shared]]:
    """For consecutive chunks ``pairs[lo:hi]``: (lo, hi, what the pairs of the chunk share)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    for lo, hi in pair_chunks(sets.sizes(), pairs, chunk_values):
        chunk = pairs[lo:hi]
        ia, oa = gather_index(sets.offsets, chunk[:, 0])
        ib, ob = gather_index(sets.offsets, chunk[:, 1])
        # rows are sorted sets gathered in pair order, so both key arrays are sorted: a binary search of one in
        # the other finds the shared keys without sorting anything
        ka = (oa.astype(np.uint64) << np.uint64(32)) | sets.values[ia]
        kb = (ob.astype(np.uint64) << np.uint64(32)) | sets.values[ib]
        swap = ka.size < kb.size
        if swap:
            ka, kb, ia, ib = kb, ka, ib, ia
        pos = np.minimum(np.searchsorted(ka, kb), max(ka.size - 1, 0))
        hit = ka[pos] == kb if ka.size else np.zeros(kb.size, dtype=bool)
        at_a, at_b = ia[pos[hit]], ib[hit]
        if swap:
            at_a, at_b = at_b, at_a
        shared = kb[hit]
        yield lo, hi, Shared((shared >> np.uint64(32)).astype(np.int64),
                             (shared & np.uint64(0xFFFFFFFF)).astype(np.uint32), at_a, at_b)


def intersection_sizes(sets: ShingleSets, pairs: np.ndarray, chunk_values: int = 1 << 23) -> np.ndarray:
    """``|S_a ∩ S_b|`` for every row (a, b) of ``pairs``: a sort-and-count over the concatenated sets, in chunks."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=np.int64)
    for lo, hi, shared in shared_values(sets, pairs, chunk_values):
        out[lo:hi] = np.bincount(shared.owner, minlength=hi - lo)
    return out


def jaccard_and_containment(sets: ShingleSets, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment (intersection over the smaller set) of each pair."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return similarity(intersection_sizes(sets, pairs), sets.sizes()[pairs[:, 0]], sets.sizes()[pairs[:, 1]])


def similarity(inter: np.ndarray, sa: np.ndarray, sb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard similarity and containment of pairs of sets from their intersection and set sizes (0 for empty
    sets) — the one formula every engine uses, so that their floats are identical."""
    inter = np.asarray(inter).astype(float)
    union = sa + sb - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / union, 0.0)
        con = np.where(np.minimum(sa, sb) > 0, inter / np.minimum(sa, sb), 0.0)
    return jac, con
