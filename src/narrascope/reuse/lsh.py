"""Candidate pairs as relational group-bys: LSH banding over MinHash signatures, and shared rare n-grams.

**LSH banding** (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3). A signature of ``b·r``
components is cut into ``b`` bands of ``r`` rows; two documents are candidates when all rows of at least one band
agree, which happens with probability ``1 − (1 − s^r)^b`` for Jaccard similarity ``s``. :func:`choose_bands`
derives (b, r) from the requested threshold: the largest ``r`` (fewest false candidates) whose curve still
reaches ``recall_at_threshold`` at the threshold itself, so pairs above it are found almost surely.

Each band's rows are hashed to one uint64 *band key*; candidates are then the pairs inside each
``(band, band_key)`` group — a GROUP BY and a self-join that DuckDB runs here and Spark can run on the same
table layout ``(doc, band, key)``. Buckets larger than ``max_bucket`` (mass-posted texts that survived the
exact-duplicate collapse) do not emit all k(k−1)/2 pairs: their members are chained in document order, which
keeps them connected for clustering; how many were capped is reported.

**Shared rare n-grams** (passim, Smith, Cordell & Mullen 2015): documents sharing at least ``min_match``
n-grams whose document frequency is at most ``max_df`` are candidates for passage alignment, even when their
overall similarity is low (a quoted paragraph inside a rewritten article). Also one GROUP BY + self-join.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from .shingle import ShingleSets, mix64

__all__ = ["CandidateStats", "band_keys", "candidate_probability", "choose_bands", "lsh_pairs", "shared_gram_pairs"]


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


def _connect(threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar would write into the CLI's --json output
    con.execute(f"SET threads = {max(1, threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _pairs(con: duckdb.DuckDBPyConnection, query: str) -> np.ndarray:
    table = con.sql(query).to_arrow_table()
    if table.num_rows == 0:
        return np.zeros((0, 2), dtype=np.int64)
    a = table.column("a").to_numpy().astype(np.int64)
    b = table.column("b").to_numpy().astype(np.int64)
    order = np.lexsort((b, a))
    return np.stack([a[order], b[order]], axis=1)


def lsh_pairs(keys: np.ndarray, docs: np.ndarray, max_bucket: int = 200, threads: int = 1,
              bands_per_query: int = 8) -> tuple[np.ndarray, CandidateStats]:
    """Candidate pairs ``(a, b)`` with ``a < b`` (document numbers from ``docs``) sharing a band key, sorted.

    The bands are sent to DuckDB ``bands_per_query`` at a time (the same query on fewer rows), which bounds the
    memory of the group-by; a pair found in several bands is kept once.
    """
    n, bands = keys.shape
    docs = np.asarray(docs, dtype=np.int64)
    con = _connect(threads)
    found: list[np.ndarray] = []
    stats = CandidateStats()
    for first in range(0, bands, bands_per_query):
        width = min(bands_per_query, bands - first)
        table = pa.table({
            "doc": np.repeat(docs, width),
            "band": np.tile(np.arange(first, first + width, dtype=np.int16), n),
            "key": np.ascontiguousarray(keys[:, first : first + width]).reshape(-1),
        })
        con.register("lsh", table)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE bucket AS
            SELECT band, key, count(*) AS n FROM lsh GROUP BY band, key HAVING count(*) > 1""")
        found.append(_pairs(con, f"""
            WITH member AS (
                SELECT l.doc, l.band, l.key, k.n,
                       row_number() OVER (PARTITION BY l.band, l.key ORDER BY l.doc) AS rn
                FROM lsh l JOIN bucket k USING (band, key))
            SELECT DISTINCT x.doc AS a, y.doc AS b FROM member x JOIN member y
              ON x.band = y.band AND x.key = y.key AND x.rn < y.rn
             AND (x.n <= {int(max_bucket)} OR y.rn = x.rn + 1)"""))
        row = con.execute(
            f"SELECT count(*), count(*) FILTER (n > {int(max_bucket)}), coalesce(max(n), 0) FROM bucket").fetchone()
        con.unregister("lsh")
        if row:
            stats.buckets += int(row[0])
            stats.capped_buckets += int(row[1])
            stats.largest_bucket = max(stats.largest_bucket, int(row[2]))
    con.close()
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    stats.candidates = len(pairs)
    return pairs, stats


def shared_gram_pairs(grams: ShingleSets, max_df: int = 100, min_match: int = 5, threads: int = 1) -> np.ndarray:
    """Pairs ``(a, b)``, ``a < b``, sharing ≥ ``min_match`` n-grams of document frequency 2…``max_df``, sorted."""
    if grams.values.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    table = pa.table({"doc": grams.owners(), "gram": grams.values})
    con = _connect(threads)
    con.register("grams", table)
    pairs = _pairs(con, f"""
        WITH df AS (SELECT gram FROM grams GROUP BY gram HAVING count(*) BETWEEN 2 AND {int(max_df)}),
             rare AS (SELECT g.doc, g.gram FROM grams g SEMI JOIN df USING (gram))
        SELECT x.doc AS a, y.doc AS b FROM rare x JOIN rare y ON x.gram = y.gram AND x.doc < y.doc
        GROUP BY x.doc, y.doc HAVING count(*) >= {int(min_match)}""")
    con.close()
    return pairs
