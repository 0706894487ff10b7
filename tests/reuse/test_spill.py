"""Spill structures of a reuse run: partitioned rows, shingle sets on disk, first occurrences, the workspace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.reuse.ordered import Workers
from narrascope.reuse.shingle import DistinctValues, ShingleSets, intersection_sizes
from narrascope.reuse.spill import (
    Chunking,
    FirstSeen,
    Partitioned,
    SetSpill,
    Workspace,
    _bucket_screen,
    partition_of,
)


@pytest.mark.parametrize("bitmap_after", [1 << 24, 1000, 0])
def test_distinct_values_whether_kept_or_in_the_bitmap(bitmap_after: int) -> None:
    rng = np.random.default_rng(bitmap_after)
    parts = [rng.integers(0, 2**32, int(rng.integers(0, 3000)), dtype=np.uint64).astype(np.uint32) for _ in range(12)]
    parts.append(np.array([0, 2**32 - 1, 7, 8, 8, 15, 16], dtype=np.uint32))  # the ends, and one byte's bits
    distinct = DistinctValues(bitmap_after=bitmap_after)
    for part in parts:
        distinct.add(part)
    got = distinct.sorted()
    assert got.dtype == np.uint32 and got.tolist() == np.unique(np.concatenate(parts)).tolist()
    assert DistinctValues().sorted().size == 0


@pytest.mark.parametrize("step", [1, 16, 17, 1 << 23])
def test_bucket_screen_counts_each_bucket_once_across_steps(step: int) -> None:
    rng = np.random.default_rng(step)
    values = np.unique(np.concatenate([rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32),
                                       np.arange(1000, 1040, dtype=np.uint32)]))  # full buckets cut by steps
    bits, buckets, open_in = _bucket_screen(values, step)
    want, sizes = np.unique(values >> np.uint32(4), return_counts=True)
    assert buckets.tolist() == want.tolist() and open_in.tolist() == sizes.tolist()
    on = np.flatnonzero(np.unpackbits(bits, bitorder="little"))
    assert on.tolist() == want.tolist()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=20), min_size=1, max_size=8))
def test_first_seen_gives_the_first_document_of_every_key(batches: list[list[int]]) -> None:
    seen = FirstSeen()
    reference: dict[int, int] = {}
    doc = 0
    for batch in batches:
        docs = np.arange(doc, doc + len(batch))
        got = seen.update(np.array(batch, dtype=np.uint64), docs)
        for key, d in zip(batch, docs.tolist(), strict=True):
            reference.setdefault(key, d)
        assert got.tolist() == [reference[k] for k in batch]
        doc += len(batch)


def test_partitions_keep_every_row_of_a_key_together_and_in_arrival_order(tmp_path: Path) -> None:
    with Workspace(tmp_path) as ws:
        part = Partitioned(ws, "t", {"key": "uint64", "doc": "uint32"}, parts=4, buffer_rows=5)
        rng = np.random.default_rng(1)
        keys = rng.integers(0, 20, size=200).astype(np.uint64)
        for lo in range(0, 200, 17):
            k = keys[lo : lo + 17]
            part.append(partition_of(k, 4), key=k, doc=np.arange(lo, lo + k.size, dtype=np.uint32))
        rows = list(part)
        assert sum(r["key"].size for r in rows) == 200
        for p, r in enumerate(rows):
            assert (partition_of(r["key"], 4) == p).all()
            assert (np.diff(r["doc"].astype(np.int64)) > 0).all()
        root = ws.root
    assert not root.exists()


def test_set_spill_reads_ranges_and_pairs_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    docs = np.array([1, 2, 5, 8])
    rows = [np.unique(rng.integers(0, 50, size=rng.integers(1, 12))).astype(np.uint32) for _ in docs]
    owner = np.repeat(np.arange(docs.size), [r.size for r in rows])
    sets = ShingleSets.from_pairs(owner, np.concatenate(rows), docs.size)
    tags = np.arange(sets.values.size, dtype=np.uint8)
    with Workspace(tmp_path) as ws:
        spill = SetSpill(ws, "s", tagged=True)
        spill.append(sets.take(np.array([0, 1])), docs[:2], tags[: sets.offsets[2]])
        spill.append(sets.take(np.array([2, 3])), docs[2:], tags[sets.offsets[2] :])
        spill.finish(10)
        for i, d in enumerate(docs.tolist()):
            assert spill.range(d, d + 1).row(0).tolist() == rows[i].tolist()
        assert spill.range(3, 5).values.size == 0 and spill.range_tags(1, 2).tolist() == tags[: rows[0].size].tolist()
        pairs = np.array([[1, 2], [1, 8], [5, 8], [0, 1]])
        full = ShingleSets.from_pairs(np.repeat(docs, [r.size for r in rows]), np.concatenate(rows), 10)
        expected = intersection_sizes(full, pairs)
        assert spill.intersections(pairs, chunk=1).tolist() == expected.tolist()
        found = list(spill.shared(pairs, chunk=2))
        assert sum(f[0].owner.size for f in found) == expected.sum()
        counts = spill.count_values(np.unique(np.concatenate(rows)), docs=3)
        assert counts.tolist() == [sum(v in r for r in rows) for v in np.unique(np.concatenate(rows)).tolist()]



def test_capped_value_counts_are_exact_up_to_the_cap(tmp_path: Path) -> None:
    """Counting stops past the cap (values leave the screen once counted past it), so common values cost no
    more than rare ones; below the cap the counts are exact, above it they stay above it — over chunks of one
    set, where values saturate mid-spill, and over values sharing a screening bucket with a rare one."""
    rng = np.random.default_rng(7)
    n_docs, cap = 60, 5
    common = np.array([16, 17, 5000], dtype=np.uint32)  # 16 and 17 share a bucket (value >> 4) with rare 18
    rows = [np.unique(np.concatenate([common[rng.random(3) < 0.8], rng.integers(2000, 2400, 6).astype(np.uint32)]))
            for _ in range(n_docs)]
    rows[0] = np.union1d(rows[0], [18]).astype(np.uint32)
    rows[59] = np.union1d(rows[59], [18]).astype(np.uint32)
    sets = ShingleSets.from_pairs(np.repeat(np.arange(n_docs), [r.size for r in rows]), np.concatenate(rows), n_docs)
    values = np.unique(np.concatenate(rows))
    exact = np.array([sum(v in r for r in rows) for v in values.tolist()])
    assert (exact > cap).any() and (exact <= cap).any()
    with Workspace(tmp_path) as ws:
        spill = SetSpill(ws, "s")
        spill.append(sets, np.arange(n_docs))
        spill.finish(n_docs)
        with Workers(2) as pool:
            for docs, workers in ((1, None), (7, None), (n_docs, None), (1, pool), (7, pool)):
                counts = spill.count_values(values, docs=docs, cap=cap, pool=workers)
                assert ((counts > cap) == (exact > cap)).all()
                assert counts[exact <= cap].tolist() == exact[exact <= cap].tolist()
                assert counts[values == 18].tolist() == [2]
            assert spill.count_values(values, docs=1, pool=pool).tolist() == exact.tolist()
        # 5000 left the screen once past the cap (its count stops short of its occurrences); 16 and 17 could not,
        # their bucket still holding 18, which is counted to the end
        counts = spill.count_values(values, docs=1, cap=cap)
        at = {v: i for i, v in enumerate(values.tolist())}
        assert cap < counts[at[5000]] < exact[at[5000]]
        assert counts[at[16]] == exact[at[16]] and counts[at[17]] == exact[at[17]]


def test_partition_count_follows_the_corpus_size() -> None:
    assert Chunking().partitions(1000) == 1
    assert Chunking().partitions(10**9) == 167
    assert Chunking(parts=7).partitions(10**9) == 7


def test_contains_gives_the_same_answer_for_large_arrays_searched_in_sorted_order() -> None:
    """Large haystacks are searched with the needles sorted and the answers put back in the needles' order."""
    from narrascope.reuse.shingle import _LARGE, _contains, contains

    rng = np.random.default_rng(3)
    hay = np.unique(rng.integers(0, 1 << 26, _LARGE + 50_000).astype(np.uint32))
    needles = rng.integers(0, 1 << 26, _LARGE // 8).astype(np.uint32)
    assert hay.size >= _LARGE
    found = contains(hay, needles)
    assert found.any() and not found.all()
    assert np.array_equal(found, _contains(hay, needles))
    assert np.array_equal(found, np.isin(needles, hay))


def test_pairs_are_gathered_by_reads_of_their_own_sets_a_few_thousand_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A memory map's touched pages count as resident memory (and the kernel maps far more than is read), so a set
    spill is never mapped: each chunk of at most GATHER_PAIRS pairs reads the sets of its own documents, and the
    answers do not change with the chunk size or the gaps read between close sets."""
    from narrascope.reuse import spill as spill_module

    rng = np.random.default_rng(5)
    n_docs = 300
    rows = [np.unique(rng.integers(0, 40, rng.integers(0, 9))).astype(np.uint32) for _ in range(n_docs)]
    sets = ShingleSets.from_pairs(np.repeat(np.arange(n_docs), [r.size for r in rows]), np.concatenate(rows), n_docs)
    tags = rng.integers(0, 10, sets.values.size).astype(np.uint8)
    pairs = np.sort(rng.integers(0, n_docs, (1000, 2)), axis=1)
    monkeypatch.setattr(np, "memmap", None)  # any map fails
    with Workspace(tmp_path) as ws:
        spill = SetSpill(ws, "s", tagged=True)
        spill.append(sets, np.arange(n_docs), tags)
        spill.finish(n_docs)
        expected = intersection_sizes(sets, pairs)
        for gap in (0, 3, 4096):
            monkeypatch.setattr(spill_module, "_GATHER_GAP", gap)
            got, local, got_tags = spill.gather(pairs[:50])
            docs = np.unique(pairs[:50])
            assert [got.row(i).tolist() for i in range(docs.size)] == [rows[d].tolist() for d in docs.tolist()]
            assert got_tags is not None
            assert got_tags.tolist() == np.concatenate([tags[sets.offsets[d]:sets.offsets[d + 1]]
                                                        for d in docs.tolist()]).tolist()
            assert (docs[local] == pairs[:50]).all()
        chunks = []
        gather = SetSpill.gather
        monkeypatch.setattr(SetSpill, "gather", lambda self, p, tags=True: chunks.append(len(p)) or gather(self, p, tags))
        monkeypatch.setattr(spill_module, "GATHER_PAIRS", 64)
        assert spill.intersections(pairs, chunk=2_000_000).tolist() == expected.tolist()
        assert len(chunks) == -(-len(pairs) // 64) and max(chunks) == 64
        chunks.clear()
        found = list(spill.shared(pairs, chunk=2_000_000))
        assert sum(f[0].owner.size for f in found) == expected.sum()
        assert len(chunks) == -(-len(pairs) // 64)
        for f, tag_a, tag_b in found:  # the tags of each shared value, in each of the two sets
            for owner, value, ta, tb in zip(f.owner.tolist(), f.values.tolist(), tag_a.tolist(), tag_b.tolist(),
                                            strict=True):
                a, b = pairs[owner]
                assert ta == tags[sets.offsets[a] + rows[a].tolist().index(value)]
                assert tb == tags[sets.offsets[b] + rows[b].tolist().index(value)]
