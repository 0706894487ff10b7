"""The pipeline against an exact all-pairs Jaccard oracle on 20,000 generated messages.

The oracle compares every pair by exact Jaccard on the same shingle sets (character n-grams when the shorter
message is short, word n-grams otherwise) with sparse matrix products; the pipeline must find ≥ 99 % of the pairs
at threshold + 0.1 and above, and every near-duplicate or copy pair it reports must truly reach the threshold.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import sparse

from narrascope.reuse import ReuseOptions, find_reuse_frame
from narrascope.reuse.shingle import ShingleSets, char_shingles, token_hashes, token_lists, word_shingles
from narrascope.text.normalize import normalize_many

from .synthetic import synthetic_messages

# a module fixture generates a corpus and runs reuse on it (seconds): every test here waits for it
pytestmark = pytest.mark.slow

N = 20_000


def _matrix(sets: ShingleSets) -> sparse.csr_matrix:
    _, columns = np.unique(sets.values, return_inverse=True)
    data = np.ones(sets.values.size, dtype=np.int32)
    return sparse.csr_matrix((data, columns, sets.offsets), shape=(sets.n_docs, int(columns.max()) + 1))


def _all_pairs_jaccard(sets: ShingleSets) -> sparse.coo_matrix:
    x = _matrix(sets)
    inter = sparse.triu(x @ x.T, k=1).tocoo()
    sizes = sets.sizes()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    return sparse.coo_matrix((jac, (inter.row, inter.col)), shape=inter.shape)


@pytest.fixture(scope="module")
def run() -> dict:
    options = ReuseOptions(threshold=0.5, boilerplate=False)
    frame = synthetic_messages(N, seed=2024)
    result = find_reuse_frame(frame, options)
    normal = normalize_many(frame.get_column("text").to_arrow())
    tokens = token_lists(normal)
    hashes, offsets = token_hashes(tokens)
    ntok = np.diff(offsets)
    everyone = np.arange(N)
    oracle: dict[tuple[int, int], float] = {}
    for sets, short in ((char_shingles(tokens, options.char_ngram, everyone), True),
                        (word_shingles(hashes, offsets, options.word_ngram), False)):
        jac = _all_pairs_jaccard(sets)
        uses = (np.minimum(ntok[jac.row], ntok[jac.col]) < options.short_tokens) == short
        for i, j, v in zip(jac.row[uses].tolist(), jac.col[uses].tolist(), jac.data[uses].tolist(), strict=True):
            oracle[(i, j)] = v
    rep = pl.DataFrame({"t": pl.Series(normal)}).with_row_index("i").select(
        pl.col("i").min().over("t")).to_series().to_numpy()
    return {"result": result, "oracle": oracle, "rep": rep, "threshold": options.threshold,
            "index": {u: k for k, u in enumerate(frame.get_column("uid").to_list())}}


def test_the_oracle_sees_pairs_over_the_whole_range(run) -> None:
    values = np.array(list(run["oracle"].values()))
    assert np.histogram(values, bins=[0.5, 0.6, 0.7, 0.8, 0.9, 1.01])[0].min() >= 30


def test_recall_of_pairs_at_threshold_plus_0_1_is_at_least_0_99(run) -> None:
    index, rep = run["index"], run["rep"]
    pairs = run["result"].pairs
    reported = {(index[a], index[b]) for a, b in zip(pairs["a_uid"], pairs["b_uid"], strict=True)}
    reported_reps = {(min(rep[a], rep[b]), max(rep[a], rep[b])) for a, b in reported}
    wanted = [p for p, v in run["oracle"].items() if v >= run["threshold"] + 0.1]
    found = sum(1 for i, j in wanted if (i, j) in reported or rep[i] == rep[j]
                or (min(rep[i], rep[j]), max(rep[i], rep[j])) in reported_reps)
    assert len(wanted) > 500
    assert found / len(wanted) >= 0.99, (found, len(wanted))


def test_every_reported_near_duplicate_or_copy_reaches_the_threshold(run) -> None:
    index = run["index"]
    pairs = run["result"].pairs.filter(pl.col("relation").is_in(["near_duplicate", "copy"]))
    assert pairs.height > 500
    for a, b, jac in zip(pairs["a_uid"], pairs["b_uid"], pairs["jaccard"], strict=True):
        i, j = sorted((index[a], index[b]))
        assert run["oracle"].get((i, j), 0.0) >= run["threshold"] - 1e-12, (i, j, jac)
        assert abs(run["oracle"][(i, j)] - jac) < 1e-9
