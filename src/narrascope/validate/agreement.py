"""Agreement between coders: Krippendorff's α for nominal data, any number of coders, missing values allowed.

Following Krippendorff (2011, "Computing Krippendorff's Alpha-Reliability", section C): for each unit u with m_u ≥ 2
values, every ordered pair of values from different coders adds 1/(m_u − 1) to the coincidence matrix o_ck. With
n_c = Σ_k o_ck and n = Σ_c n_c (pairable values), the nominal α is

    α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k.

Units with fewer than two values are not pairable and do not count. The interval is a percentile bootstrap over
units (items are resampled with replacement, α recomputed), vectorised: each unit's contribution to o is
precomputed and a bootstrap replicate is a weighted sum of them.

Disagreement also measures the coders' error rate: two independent coders who each flip a label with probability e
disagree with probability d = 2e(1 − e), so e = (1 − √(1 − 2d))/2 (:func:`coder_error_from_disagreement`). It is
reported next to α for the user to pass as the known coder error; nothing applies it silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

__all__ = ["agreement_report", "coder_error_from_disagreement", "disagreement_rate",
           "krippendorff_alpha", "per_coder_error", "value_counts"]


def value_counts(matrix: np.ndarray | list[list[Any]]) -> tuple[np.ndarray, list[Any]]:
    """units × values count matrix from a coders × units reliability matrix (None/NaN = missing)."""
    arr = np.asarray(matrix, dtype=object)
    values = sorted({v for v in arr.ravel() if not _missing(v)}, key=lambda v: (str(type(v)), v))
    index = {v: i for i, v in enumerate(values)}
    counts = np.zeros((arr.shape[1], len(values)), dtype=float)
    for coder in arr:
        for u, v in enumerate(coder):
            if not _missing(v):
                counts[u, index[v]] += 1
    return counts, values


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _unit_contributions(counts: np.ndarray) -> np.ndarray:
    """Per-unit disagreement contributions and value totals: columns [Σ_{c≠k} o_ck, n_1 … n_V]."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    c = counts[pairable]
    mu = m[pairable]
    disagree = (mu * mu - np.sum(c * c, axis=1)) / (mu - 1)  # Σ_{c≠k} n_uc n_uk / (m_u − 1)
    # the values a unit contributes to the margins n_c: all its values, when pairable
    return np.column_stack([disagree, c])


def _alpha_from_totals(disagree: np.ndarray, margins: np.ndarray) -> np.ndarray:
    n = margins.sum(axis=-1)
    expected = n * n - np.sum(margins * margins, axis=-1)  # Σ_{c≠k} n_c n_k
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * disagree / expected, np.nan)


def krippendorff_alpha(matrix: np.ndarray | list[list[Any]] | None = None, *,
                       counts: np.ndarray | None = None) -> float:
    """Nominal α from a coders × units matrix (None/NaN missing) or a units × values ``counts`` matrix.
    NaN when no unit has two values or all pairable values are the same (α is 0/0 then)."""
    if counts is None:
        if matrix is None:
            raise ValueError("give a reliability matrix or value counts")
        counts, _ = value_counts(matrix)
    contrib = _unit_contributions(np.asarray(counts, dtype=float))
    if len(contrib) == 0:
        return float("nan")
    totals = contrib.sum(axis=0)
    return float(_alpha_from_totals(totals[0], totals[1:]))


def bootstrap_alpha(counts: np.ndarray, *, replicates: int = 1000, seed: int = 0,
                    confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of α over unit-resampled replicates (NaN replicates are ignored)."""
    contrib = _unit_contributions(np.asarray(counts, dtype=float))
    if len(contrib) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(contrib), np.full(len(contrib), 1 / len(contrib)), size=replicates)
    totals = weights.astype(float) @ contrib
    alphas = _alpha_from_totals(totals[:, 0], totals[:, 1:])
    alphas = alphas[np.isfinite(alphas)]
    if not len(alphas):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2
    return float(np.quantile(alphas, tail)), float(np.quantile(alphas, 1 - tail))


def agreement_report(items: pl.DataFrame, *, confidence: float = 0.95, bootstrap: int = 1000,
                     seed: int = 0) -> dict[str, Any]:
    """α (nominal, labels 1/0) over the items of one frame coded by two or more coders, its bootstrap interval,
    the number of pairable items, and every disagreement (sample_id, uid and each coder's label)."""
    labelled = items.filter(pl.col("label").is_not_null())
    wide = labelled.pivot(on="coder", index=["sample_id", "uid"], values="label", aggregate_function="first")
    coders = [c for c in wide.columns if c not in ("sample_id", "uid")]
    matrix = wide.select(coders).to_numpy().T.astype(float)  # coders × units, NaN = missing
    counts = np.stack([(matrix == 0).sum(axis=0), (matrix == 1).sum(axis=0)], axis=1).astype(float)
    alpha = krippendorff_alpha(counts=counts)
    lo, hi = bootstrap_alpha(counts, replicates=bootstrap, seed=seed, confidence=confidence)
    pairable = int((counts.sum(axis=1) >= 2).sum())
    disagree_mask = (counts > 0).sum(axis=1) > 1
    disagreements = []
    for row in wide.filter(pl.Series(disagree_mask)).iter_rows(named=True):
        disagreements.append({"sample_id": row["sample_id"], "uid": row["uid"],
                              "labels": {c: row[c] for c in coders if row[c] is not None}})
    verdict = ("reliable (α ≥ 0.8)" if alpha >= 0.8 else "tentative (0.667 ≤ α < 0.8)" if alpha >= 0.667
               else "unreliable (α < 0.667)") if np.isfinite(alpha) else "undefined (no variation in the labels)"
    return {"alpha": alpha, "lower": lo, "upper": hi, "pairable_items": pairable, "coders": coders,
            "interval": f"percentile bootstrap over items, {bootstrap} replicates", "verdict": verdict,
            "disagreements": disagreements}


def per_coder_error(disagreement: Any) -> Any:
    """The per-coder error rate e implied by the probability that two coders disagree, d = 2e(1 − e), for
    independent coders with the same symmetric error: e = (1 − √(1 − 2d))/2 (NaN for d > ½, which no such pair
    of coders produces). Arrays welcome."""
    d = np.asarray(disagreement, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(d <= 0.5, (1 - np.sqrt(np.clip(1 - 2 * d, 0, None))) / 2, np.nan)


def disagreement_rate(positives: np.ndarray, labels: np.ndarray,
                      confidence: float = 0.95) -> tuple[float, float, float, int, int]:
    """Share of disagreeing coder pairs over items with ``labels`` 1/0 labels of which ``positives`` are 1:
    (d, lower, upper, pairs, items). A ratio over items (pairs on one item are not independent): Wilson's
    interval on the effective size d(1 − d)/Var(d̂), Var from the items' residuals; with exactly two labels per
    item that is Wilson on the items themselves."""
    from ..stats.intervals import wilson_interval

    k, m = np.asarray(positives, dtype=float), np.asarray(labels, dtype=float)
    keep = m >= 2
    k, m = k[keep], m[keep]
    n = len(m)
    pairs = m * (m - 1) / 2
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0, 0
    d = float(np.sum(k * (m - k)) / pairs.sum())
    if np.all(m == 2) or n < 2:
        n_eff = float(n)
    else:
        var = n / (n - 1) * np.sum((k * (m - k) - d * pairs) ** 2) / pairs.sum() ** 2
        n_eff = float(d * (1 - d) / var) if var > 0 and 0 < d < 1 else float(n)
    lo, hi = wilson_interval(d * n_eff, n_eff, confidence)
    return d, float(lo), float(hi), int(pairs.sum()), n


def coder_error_from_disagreement(items: pl.DataFrame, confidence: float = 0.95) -> dict[str, Any]:
    """The coder error rate implied by how often coders disagree, for items of one frame labelled by two or more
    coders: per coder, e from d = 2e(1 − e). Scores average every coder's labels (soft labels), whose expected
    error is this same per-coder rate, so ``per_coder`` is what ``--coder-error`` takes. Assumes every coder errs
    with the same symmetric probability, independently of the others and of the dictionary. Reported for the user
    to judge and pass with --coder-error; never applied silently."""
    labelled = items.filter(pl.col("label").is_not_null())
    per_item = labelled.group_by("sample_id").agg(pl.len().alias("m"),
                                                 pl.col("label").cast(pl.Int64).sum().alias("k"))
    m, k = per_item["m"].to_numpy(), per_item["k"].to_numpy()
    d, lo, hi, pairs, n = disagreement_rate(k, m, confidence)
    e, e_lo, e_hi = (float(per_coder_error(x)) for x in (d, lo, min(hi, 0.5)))
    return {"pairable_items": n, "coder_pairs": pairs, "disagreement": d, "disagreement_lower": lo,
            "disagreement_upper": hi, "per_coder": e, "per_coder_lower": e_lo, "per_coder_upper": e_hi,
            "assumes": "every coder errs with the same probability on 1s and 0s, independently of the other "
                       "coders and of the dictionary"}
