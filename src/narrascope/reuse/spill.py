"""Working storage of a reuse run: a temporary folder of spill files, so memory does not grow with the corpus.

A run keeps, per document, a handful of numbers in memory (channel code, hashes, token count: under 100 bytes);
everything proportional to the texts — normalised lines, shingle sets, band keys, n-gram postings — goes to files
in a :class:`Workspace` and is read back in bounded pieces:

* :class:`Partitioned` — rows spread over ``parts`` files by a hash of their key, so that a global GROUP BY is done
  one partition at a time in memory (every row of a key lands in the same partition);
* :class:`SetSpill` — shingle sets appended in document order (a CSR layout on disk), read back sequentially by
  document range or gathered for a chunk of pairs by explicit reads of just those sets (never a memory map);
* :class:`FirstSeen` — the first document of each 64-bit key, maintained as documents stream in time order (which
  document is the representative of identical texts, which is the first of a channel's distinct texts).

The workspace is a folder beside the store (or in the system's temporary folder), removed when the run ends,
whether it succeeds or fails; nothing in it is ever read by anything but the run that wrote it.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import numpy as np

from .ordered import Workers, in_order
from .shingle import (
    Shared,
    ShingleSets,
    intersection_sizes,
    mix64,
    pair_chunks,
    runs,
    set_bits,
    shared_values,
    similarity,
)

__all__ = ["Chunking", "FirstSeen", "Partitioned", "SetSpill", "Workspace", "partition_of"]


#: Pairs and set values gathered at a time for a chunk of pairs (see :meth:`SetSpill.shared`), read from the file
#: with explicit reads: a memory map's touched pages count as the process's resident memory, and the kernel maps
#: far more than is read — 64 KB of cached pages around every fault, or a whole large folio (up to 2 MB) on
#: kernels that cache files in them: a 10 M-message run reached 3.2 GB of mapped file pages with 2,048 pairs a map.
GATHER_PAIRS, GATHER_VALUES = 1 << 14, 1 << 23
#: Sets of a chunk that lie at most this many values apart in the file are read in one piece (fewer reads; the
#: gaps read cost at most this per set).
_GATHER_GAP = 4096
R = TypeVar("R")


@dataclass(frozen=True)
class Chunking:
    """Sizes of the pieces a run works on. They bound memory and never change results (a test runs tiny ones)."""

    docs: int = 25_000  # documents per streamed batch (a few hundred MB of working memory for real posts)
    parts: int = 0  # partitions of every global group-by (0: chosen from the corpus size)
    pairs: int = 2_000_000  # candidate pairs verified at once
    buffer_rows: int = 4_000_000  # rows buffered in memory before a partitioned spill writes them out

    def partitions(self, rows: int) -> int:
        """Partitions for about ``rows`` rows: each should hold a few million rows (a few tens of MB)."""
        if self.parts:
            return self.parts
        return int(min(256, max(1, -(-rows // 6_000_000))))


class Workspace:
    """A temporary folder for one run's spill files; removed on exit, also when the run fails."""

    def __init__(self, parent: Path | None = None) -> None:
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=".narrascope-reuse-", dir=parent))
        self._count = itertools.count(1)  # next() on it is atomic: worker threads name files too

    def file(self, name: str) -> Path:
        return self.root / f"{next(self._count):04d}-{name}"

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def partition_of(key: np.ndarray, parts: int) -> np.ndarray:
    """Partition of each uint64 key (well mixed, so skewed keys still spread evenly)."""
    if parts == 1:
        return np.zeros(key.size, dtype=np.int64)
    return (mix64(key.astype(np.uint64)) % np.uint64(parts)).astype(np.int64)


class Partitioned:
    """Rows of fixed-width numpy columns, spread over ``parts`` files by a partition index per row."""

    def __init__(self, ws: Workspace, name: str, columns: dict[str, str], parts: int, buffer_rows: int) -> None:
        self.name = name
        self.columns = {k: np.dtype(v) for k, v in columns.items()}
        self.parts = parts
        self.buffer_rows = buffer_rows
        self.paths = {c: [ws.file(f"{name}-{c}-{p:03d}.bin") for p in range(parts)] for c in self.columns}
        self._buffer: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        self._buffered = 0
        self.rows = 0

    def append(self, part: np.ndarray, **cols: np.ndarray) -> None:
        if part.size == 0:
            return
        self._buffer.append((part, {c: np.ascontiguousarray(cols[c], dtype=t) for c, t in self.columns.items()}))
        self._buffered += part.size
        self.rows += part.size
        if self._buffered >= self.buffer_rows:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        part = np.concatenate([b[0] for b in self._buffer]).astype(np.uint16)
        order = np.argsort(part, kind="stable")  # stable (a radix sort for 16-bit ids): rows keep their order
        cuts = np.searchsorted(part[order], np.arange(self.parts + 1))
        for c in self.columns:
            data = np.concatenate([b[1][c] for b in self._buffer])[order]
            for p in range(self.parts):
                if cuts[p + 1] > cuts[p]:
                    with open(self.paths[c][p], "ab") as fh:
                        data[cuts[p] : cuts[p + 1]].tofile(fh)
        self._buffer = []
        self._buffered = 0

    def filled(self, p: int) -> bool:
        """Whether partition ``p`` holds any row."""
        self.flush()
        return any(paths[p].exists() for paths in self.paths.values())

    def read(self, p: int) -> dict[str, np.ndarray]:
        """Every row of partition ``p``, in the order they were appended."""
        self.flush()
        out = {}
        for c, t in self.columns.items():
            path = self.paths[c][p]
            out[c] = np.fromfile(path, dtype=t) if path.exists() else np.zeros(0, dtype=t)
        return out

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        for p in range(self.parts):
            yield self.read(p)


class SetSpill:
    """Shingle sets (sorted unique uint32 per document) of some documents, appended in increasing document order."""

    def __init__(self, ws: Workspace, name: str, tagged: bool = False) -> None:
        self.path = ws.file(f"{name}.u32")
        self.tag_path = ws.file(f"{name}.u8") if tagged else None
        self._docs: list[np.ndarray] = []
        self._sizes: list[np.ndarray] = []
        self.values = 0
        self.offsets = np.zeros(1, dtype=np.int64)

    def append(self, sets: ShingleSets, docs: np.ndarray, tags: np.ndarray | None = None) -> None:
        """Append the sets of ``docs`` (document numbers, ascending; ``sets`` has one row per listed doc) and,
        for a tagged spill, one uint8 tag per value."""
        sizes = sets.sizes()
        with open(self.path, "ab") as fh:
            np.ascontiguousarray(sets.values, dtype=np.uint32).tofile(fh)
        if self.tag_path is not None:
            assert tags is not None and tags.size == sets.values.size
            with open(self.tag_path, "ab") as fh:
                np.ascontiguousarray(tags, dtype=np.uint8).tofile(fh)
        self._docs.append(np.asarray(docs, dtype=np.int64))
        self._sizes.append(sizes.astype(np.int64))
        self.values += int(sizes.sum())

    def finish(self, n_docs: int) -> None:
        """Build the document index (call once every set is appended)."""
        sizes = np.zeros(n_docs, dtype=np.int64)
        if self._docs:
            sizes[np.concatenate(self._docs)] = np.concatenate(self._sizes)
        self.offsets = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])
        self._docs, self._sizes = [], []

    @property
    def n_docs(self) -> int:
        return int(self.offsets.size - 1)

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def range(self, lo: int, hi: int) -> ShingleSets:
        """The sets of documents ``lo`` to ``hi - 1`` (read from disk), with offsets relative to ``lo``."""
        start, end = int(self.offsets[lo]), int(self.offsets[hi])
        return ShingleSets(_read(self.path, np.uint32, start, end), self.offsets[lo : hi + 1] - start)

    def range_tags(self, lo: int, hi: int) -> np.ndarray:
        """The tags of the values of documents ``lo`` to ``hi - 1``."""
        assert self.tag_path is not None
        return _read(self.tag_path, np.uint8, int(self.offsets[lo]), int(self.offsets[hi]))

    def intersections(self, pairs: np.ndarray, chunk: int, pool: Workers | None = None) -> np.ndarray:
        """``|S_a ∩ S_b|`` for every pair, at most ``chunk`` pairs at a time (see :meth:`shared`)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        out = np.zeros(len(pairs), dtype=np.int64)

        def sizes(span: tuple[int, int]) -> tuple[int, int, np.ndarray]:
            lo, hi = span
            sets, local, _ = self.gather(pairs[lo:hi], tags=False)
            return lo, hi, intersection_sizes(sets, local, GATHER_VALUES)

        for lo, hi, found in in_order(pool, sizes, self._chunks(pairs, chunk)):
            out[lo:hi] = found
        return out

    def shared(self, pairs: np.ndarray, chunk: int) -> Iterator[tuple[Shared, np.ndarray | None, np.ndarray | None]]:
        """What each pair shares (:class:`~narrascope.reuse.shingle.Shared`, with pair indices into all
        ``pairs``), at most ``chunk`` pairs at a time, and for a tagged spill the tags of the shared values in the
        first and in the second set (:meth:`map_shared` of nothing)."""
        return self.map_shared(pairs, chunk, lambda found, tag_a, tag_b: (found, tag_a, tag_b))

    def map_shared(self, pairs: np.ndarray, chunk: int, fn: Callable[[Shared, np.ndarray | None, np.ndarray | None], R],
                   pool: Workers | None = None) -> Iterator[R]:
        """``fn(shared, tags_a, tags_b)`` of what the pairs of each chunk share (see :meth:`shared`), in order;
        chunks are independent, so ``pool``'s workers take one each. A chunk holds at most :data:`GATHER_PAIRS`
        pairs and :data:`GATHER_VALUES` set values, read for it alone (:meth:`gather`); ``at_a``/``at_b`` of a
        :class:`~narrascope.reuse.shingle.Shared` are positions in the chunk's gathered values."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)

        def work(span: tuple[int, int]) -> list[R]:
            lo, hi = span
            sets, local, tags = self.gather(pairs[lo:hi])
            out = []
            for first, _, found in shared_values(sets, local, GATHER_VALUES):
                at = (tags[found.at_a], tags[found.at_b]) if tags is not None else (None, None)
                out.append(fn(Shared(found.owner + lo + first, found.values, found.at_a, found.at_b), *at))
            return out

        for results in in_order(pool, work, self._chunks(pairs, chunk)):
            yield from results

    def _chunks(self, pairs: np.ndarray, chunk: int) -> list[tuple[int, int]]:
        return pair_chunks(self.sizes(), pairs, GATHER_VALUES, max(1, min(chunk, GATHER_PAIRS)))

    def gather(self, pairs: np.ndarray, tags: bool = True) -> tuple[ShingleSets, np.ndarray, np.ndarray | None]:
        """The sets of the documents in ``pairs`` read from the file (one row per distinct document, in document
        order), the pairs as rows of those sets, and for a tagged spill (unless ``tags`` is False) the tags of the
        gathered values. Sets close together in the file are read in one piece."""
        docs = np.unique(pairs)
        local = np.searchsorted(docs, pairs)
        start, end = self.offsets[docs], self.offsets[docs + 1]
        sizes = end - start
        offsets = np.zeros(docs.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        if docs.size == 0 or offsets[-1] == 0:
            empty = tags and self.tag_path is not None
            return ShingleSets(np.zeros(0, np.uint32), offsets), local, np.zeros(0, np.uint8) if empty else None
        # runs of sets at most _GATHER_GAP values apart; documents are sorted, so their sets are in file order
        first = np.flatnonzero(np.concatenate(([True], start[1:] - end[:-1] > _GATHER_GAP)))
        run = np.repeat(np.arange(first.size), np.diff(np.append(first, docs.size)))
        run_start = start[first]
        run_end = np.maximum.reduceat(end, first)
        run_at = np.zeros(first.size, dtype=np.int64)  # where each run starts in the buffer read
        np.cumsum((run_end - run_start)[:-1], out=run_at[1:])
        index = np.repeat(run_at[run] + start - run_start[run] - offsets[:-1], sizes) + np.arange(offsets[-1])
        values = _read_runs(self.path, np.uint32, run_start, run_end)[index]
        tag_values = None
        if tags and self.tag_path is not None:
            tag_values = _read_runs(self.tag_path, np.uint8, run_start, run_end)[index]
        return ShingleSets(values, offsets), local, tag_values

    def count_values(self, values: np.ndarray, docs: int, cap: int | None = None,
                     pool: Workers | None = None) -> np.ndarray:
        """How many sets contain each of ``values`` (sorted, unique), reading the spill ``docs`` sets at a time;
        with ``cap``, a count stops growing once it exceeds ``cap`` (``cap + 1`` or a little more is returned),
        which is all a caller asking "in more than ``cap`` sets?" needs.

        A 32 MB bitmap of the wanted values' top 28 bits screens every spilled value in O(1); only the few that pass
        are looked up by binary search (a search for all of them cost minutes at a million messages). With a cap,
        a value is taken out of the bitmap once counted past it (its 16-value bucket once every value in it is):
        a common word or phrase occurs in a fixed share of all sets, so without the cap the lookups grow with the
        corpus times the number of wanted values — quadratically, since both grow with the corpus. For the same
        reason nothing per chunk touches all ``values``: counts are added where a chunk found something.

        ``pool``'s workers screen and look up a chunk each; counts and the bitmap are updated on this thread, in
        order. A chunk screened just before a bucket left the bitmap counts its values a little further past the
        cap; a value at or under the cap never leaves it, so its count — and which values exceed the cap — is exact
        whatever the timing."""
        counts = np.zeros(values.size, dtype=np.uint32)
        if values.size == 0:
            return counts
        bits, buckets, open_in = _bucket_screen(values)
        saturated = np.zeros(values.size, dtype=bool)

        def look_up(lo: int) -> tuple[np.ndarray, np.ndarray]:  # on a worker; ``bits`` is only read here
            chunk = self.range(lo, min(self.n_docs, lo + docs)).values
            b = chunk >> np.uint32(4)
            # sorted first: a binary search for sorted needles walks the same few cache lines again and again
            # (16x faster than random needles into tens of millions of values); the found positions come sorted
            chunk = np.sort(chunk[((bits[b >> np.uint32(3)] >> (b & np.uint32(7))) & 1).astype(bool)])
            pos = np.searchsorted(values, chunk)
            pos = pos[(pos < values.size) & (values[np.minimum(pos, values.size - 1)] == chunk)]
            first, hits = runs(pos)
            return pos[first], hits

        for found, hits in in_order(pool, look_up, range(0, self.n_docs, max(1, docs))):
            if found.size == 0:
                continue
            counts[found] += hits.astype(np.uint32)
            if cap is None:
                continue
            done = found[(counts[found] > cap) & ~saturated[found]]
            if done.size:
                saturated[done] = True
                bucket_of = np.searchsorted(buckets, values[done] >> np.uint32(4))  # buckets are sorted
                np.subtract.at(open_in, bucket_of, 1)
                touched = np.unique(bucket_of)
                closed = buckets[touched[open_in[touched] == 0]]
                np.bitwise_and.at(bits, closed >> np.uint32(3), ~(1 << (closed & np.uint32(7))).astype(np.uint8))
        return counts

    def jaccard_and_containment(self, pairs: np.ndarray, chunk: int,
                                pool: Workers | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Exact Jaccard similarity and containment (intersection over the smaller set) of each pair."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        sizes = self.sizes()
        return similarity(self.intersections(pairs, chunk, pool), sizes[pairs[:, 0]], sizes[pairs[:, 1]])


def _bucket_screen(values: np.ndarray, step: int = 1 << 23) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sorted unique uint32 ``values``: a bitmap of their 16-value buckets (``value >> 4``), the distinct
    buckets and how many values each holds. Values are sorted, so a bucket's values are adjacent; worked out
    ``step`` values at a time, as nothing here may be wider than 32 bits a value or touch all of them at once: at
    10 M messages tens of millions of values are wanted, and whole-array run lengths (64-bit positions, their
    differences, copies) held some 30 bytes a value at once."""
    step = max(step, 16)  # a bucket then spans at most two steps (merged below)
    bits = np.zeros(1 << 25, dtype=np.uint8)
    found: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    for lo in range(0, values.size, step):
        bucket = values[lo : lo + step] >> np.uint32(4)
        set_bits(bits, bucket)
        first, size = runs(bucket)
        found.append(bucket[first])
        sizes.append(size.astype(np.int32))
    buckets = np.concatenate(found) if found else np.zeros(0, dtype=np.uint32)
    open_in = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int32)
    split = np.flatnonzero(buckets[1:] == buckets[:-1])  # a bucket cut by a step boundary (16 values < a step)
    if split.size:
        open_in[split] += open_in[split + 1]
        buckets, open_in = np.delete(buckets, split + 1), np.delete(open_in, split + 1)
    return bits, buckets, open_in


def _read(path: Path, dtype: type, start: int, end: int) -> np.ndarray:
    if end <= start:
        return np.zeros(0, dtype=dtype)
    with open(path, "rb") as fh:
        fh.seek(start * np.dtype(dtype).itemsize)
        return np.fromfile(fh, dtype=dtype, count=end - start)


def _read_runs(path: Path, dtype: type, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The values ``starts[i]:ends[i]`` of a flat file, every run one after the other."""
    out: np.ndarray = np.empty(int((ends - starts).sum()), dtype=dtype)
    at = 0
    with open(path, "rb") as fh:
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            fh.seek(lo * out.itemsize)
            part: np.ndarray = np.fromfile(fh, dtype=dtype, count=hi - lo)
            if part.size != hi - lo:
                raise OSError(f"{path.name}: {part.size} of {hi - lo} values at {lo}")
            out[at : at + part.size] = part
            at += part.size
    return out


class FirstSeen:
    """For uint64 keys met in document order: the first document of each key (kept as sorted arrays)."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.first = np.zeros(0, dtype=np.int64)

    def update(self, keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The first document of each key (``docs`` ascending and later than any seen before)."""
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.size == 0:
            return np.zeros(0, dtype=np.int64)
        uniq, index, inverse = np.unique(keys, return_index=True, return_inverse=True)
        pos = np.searchsorted(self.keys, uniq)
        known = pos < self.keys.size
        known[known] = self.keys[pos[known]] == uniq[known]
        first = np.where(known, self.first[np.minimum(pos, max(self.first.size - 1, 0))] if self.first.size else 0,
                         np.asarray(docs, dtype=np.int64)[index])
        new = ~known
        if new.any():
            self.keys = np.insert(self.keys, pos[new], uniq[new])
            self.first = np.insert(self.first, pos[new], first[new])
        return first[inverse.reshape(-1)]
