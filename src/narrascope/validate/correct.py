"""Corrected frame shares: raw keyword shares next to shares corrected for the dictionary's errors.

Two estimators (formulas, assumptions and citations in docs/methods.md, "Validation and corrected shares"):

- **Rogan–Gladen** (1978): θ_g = (p_g + spec − 1)/(sens + spec − 1) for each group's raw share p_g, with sens and
  spec estimated once from the whole coded sample (:mod:`.score`). Assumes the dictionary errs at the same rates in
  every group. Its interval is a parametric-bootstrap percentile interval carrying the uncertainty of p_g, PPV and
  NPV (hence of sens and spec): p_g ~ Beta(k_g + ½, n_g − k_g + ½), each coded stratum's proportion ~ Beta(k_h + ½,
  m_h − k_h + ½) (Jeffreys), θ recomputed per draw. Not identifiable when J = sens + spec − 1 ≤ 0. (A delta-method
  interval under-covered in the simulation study: 91–92 % for a nominal 95 %.)
- **Prediction-powered inference** (Angelopoulos et al. 2023) with the dictionary's 0/1 decision as the prediction
  and a design-weighted rectifier from the coded items *of the group*: θ_g = p_g − Δ_g with Δ_g the weighted mean of
  (prediction − label) — which, stratified by the prediction, equals p_g·PPV_g + (1 − p_g)(1 − NPV_g). It needs
  coded items in the group (both sides where the group has both) but no transport assumption. Interval: the same
  parametric bootstrap with the group's own strata.

Both accept ``coder_error``, the known rate at which coders flip a label: every coded proportion (PPV, the
false-omission rate, whole-sample and per group) and every bootstrap draw of it is first mapped to the true one,
(q − e)/(1 − 2e) (:func:`~narrascope.validate.score.coder_corrected`); e = 0 leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ..frames.prevalence import (
    ANY,
    GROUPS,
    MESSAGE_COLUMNS,
    add_period_columns,
    check_groups,
    label_missing,
    shares_table,
)
from .coded import CodedSample, load_coded
from .score import (
    REPLICATES,
    Accuracy,
    ProportionEstimate,
    accuracy,
    check_coder_error,
    coder_corrected,
    stratified_proportion,
)

if TYPE_CHECKING:
    from ..frames.lexicon import Lexicon
    from ..store.corpus import Corpus

__all__ = [
    "corrected_shares",
    "ppi_estimate",
    "ppi_interval",
    "rg_interval",
    "rogan_gladen",
    "validated_frame_shares",
]

F = np.ndarray


def rg_interval(k: F, n: F, pi: F | float, ppv_draws: F, for_draws: F, rng: np.random.Generator,
                confidence: float = 0.95) -> tuple[F, F, F]:
    """Percentile interval of the Rogan–Gladen share for raw counts ``k`` of ``n`` (shape (..., R)), by parametric
    bootstrap: the raw share is drawn from Beta(k + ½, n − k + ½), sens/spec from the PPV and false-omission draws
    (shape (..., B)) and the hit share π. Returns (lower, upper, share of draws with J ≤ 0)."""
    from .score import percentile_interval, sens_spec

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    pi_arr = np.asarray(pi, dtype=float)[..., None]
    sens_d, spec_d, _ = sens_spec(pi_arr, ppv_draws, 1 - for_draws)
    j_d = sens_d + spec_d - 1
    bad = np.mean(~(j_d > 0), axis=-1)
    j_d = np.where(j_d > 0, j_d, np.nan)
    lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    for r in range(k.shape[-1]):
        kr, nr = k[..., r], n[..., r]
        ok = nr > 0
        p_d = rng.beta(kr[..., None] + 0.5, np.where(ok, nr - kr, 0)[..., None] + 0.5, size=ppv_draws.shape)
        lo[..., r], hi[..., r] = percentile_interval((p_d + spec_d - 1) / j_d, confidence)
        lo[..., r] = np.where(ok, lo[..., r], np.nan)
        hi[..., r] = np.where(ok, hi[..., r], np.nan)
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1), np.broadcast_to(bad[..., None], k.shape)


def rogan_gladen(k: F, n: F, acc: Accuracy, confidence: float = 0.95, *,
                 seed: int = 0) -> tuple[F, F, F, float, F]:
    """Corrected shares for raw counts ``k`` of ``n`` messages with sens/spec from ``acc``: (estimate clipped to
    [0, 1], lower, upper, J = sens + spec − 1, share of bootstrap draws with J ≤ 0). NaN estimates when J ≤ 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    j = acc.sensitivity + acc.specificity - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(n > 0, (k / n + acc.specificity - 1) / j, np.nan) if j > 0 else np.full(k.shape, np.nan)
    lo, hi, bad = rg_interval(k, n, acc.hit_share, acc.ppv_draws, acc.for_draws, np.random.default_rng(seed),
                              confidence)
    if not j > 0:
        lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    return np.clip(theta, 0, 1), lo, hi, float(j), bad


def ppi_interval(k: F, n: F, ppv_draws: F, for_draws: F, rng: np.random.Generator,
                 confidence: float = 0.95) -> tuple[F, F]:
    """Percentile interval of θ = p·PPV + (1 − p)·FOR for a group (shapes as in :func:`rg_interval`, with the
    group's own PPV and false-omission draws of shape (..., B) matching k's leading shape)."""
    from .score import percentile_interval

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p_d = rng.beta(k[..., None] + 0.5, (n - k)[..., None] + 0.5, size=ppv_draws.shape)
    return percentile_interval(p_d * ppv_draws + (1 - p_d) * for_draws, confidence)


def ppi_estimate(p: F | float, ppv: F | float, npv: F | float) -> F:
    """PPI point estimate: the raw share minus the design-weighted rectifier, θ = p·PPV + (1 − p)(1 − NPV)."""
    p, ppv, npv = (np.asarray(x, dtype=float) for x in (p, ppv, npv))
    return np.clip(np.where(p > 0, p * ppv, 0.0) + np.where(p < 1, (1 - p) * (1 - npv), 0.0), 0, 1)


def _group_side(items: pl.DataFrame, hit: bool, confidence: float) -> ProportionEstimate:
    """The group's own positive share on one side (precision on the hit side, false omission on the other).

    A group may hold only part of a sampling stratum (strata by channel, groups by month), so each stratum is
    weighted by its estimated size *within the group*, N̂_hg = m_hg·N_h/n_h (coded items times the inverse inclusion
    probability), not by N_h: the design-weighted (Hájek) mean of the labels."""
    side = items.filter(pl.col("hit") == hit)
    strata = side.group_by("stratum").agg(pl.col("stratum_size").first().cast(pl.Float64).alias("size"),
                                          pl.col("stratum_sampled").first().cast(pl.Float64).alias("sampled"),
                                          pl.col("label").is_not_null().sum().alias("m"),
                                          pl.col("label").cast(pl.Float64).sum().fill_null(0).alias("k"))
    m = strata["m"].to_numpy().astype(float)
    in_group = m * strata["size"].to_numpy() / np.maximum(strata["sampled"].to_numpy(), 1.0)
    return stratified_proportion(strata["k"].to_numpy(), m, in_group, confidence)


def corrected_shares(
    messages: pl.DataFrame,
    hits: pl.DataFrame,
    frames: Sequence[str],
    by: Sequence[str] = (),
    coded: CodedSample | None = None,
    *,
    confidence: float = 0.95,
    min_group_coded: int = 10,
    coder_error: float = 0.0,
) -> pl.DataFrame:
    """:func:`~narrascope.frames.prevalence.shares_table` plus, for every frame the coded sample covers,
    ``corrected``/``corrected_lower``/``corrected_upper`` (Rogan–Gladen), ``ppi``/``ppi_lower``/``ppi_upper``,
    ``coded`` (labelled items in the group, ties included as soft labels) and ``warning`` (one line, or null).
    ``coder_error``: the known rate at which each coder's labels are wrong, in [0, 0.5)."""
    e = check_coder_error(coder_error)
    if coded is None:
        raise ValueError("corrected_shares needs a coded sample: load one with load_coded(paths, lexicon)")
    keys = check_groups(by, [c for c in messages.columns if c not in GROUPS])
    raw = shares_table(messages, hits, frames, keys, confidence=confidence)
    gkeys = keys or ["_all"]
    if not keys:
        raw = raw.with_columns(pl.lit("all").alias("_all"))
    groups = label_missing(add_period_columns(messages.select(
        ["uid", *[c for c in messages.columns if c != "uid" and (c in MESSAGE_COLUMNS or c in keys)]]), keys), keys)
    if not keys:
        groups = groups.with_columns(pl.lit("all").alias("_all"))
    pieces = []
    for frame in [*frames, ANY]:
        part = raw.filter(pl.col("frame") == frame)
        pieces.append(_correct_frame(part, frame, groups.select(["uid", *gkeys]), hits, coded, gkeys, confidence,
                                     min_group_coded, e))
    out = pl.concat(pieces, how="vertical").sort([*gkeys, "frame"])
    return out.drop("_all") if "_all" in out.columns else out


_EXTRA = {"corrected": pl.Float64, "corrected_lower": pl.Float64, "corrected_upper": pl.Float64,
          "ppi": pl.Float64, "ppi_lower": pl.Float64, "ppi_upper": pl.Float64, "coded": pl.Int64,
          "warning": pl.Utf8}


def _correct_frame(part: pl.DataFrame, frame: str, groups: pl.DataFrame, hits: pl.DataFrame, coded: CodedSample,
                   gkeys: list[str], confidence: float, min_group_coded: int,
                   coder_error: float = 0.0) -> pl.DataFrame:
    n_rows = len(part)
    cols: dict[str, list[object]] = {c: [None] * n_rows for c in _EXTRA}
    if frame not in coded.frames:
        why = "no coded sample for this frame" if frame != ANY else "not corrected: validate frames one by one"
        cols["warning"] = [why] * n_rows
        return part.with_columns([pl.Series(c, v, dtype=_EXTRA[c]) for c, v in cols.items()])
    cons = coded.consensus(frame)
    acc = accuracy(cons, frame, confidence, coder_error=coder_error)
    # the dictionary's decision now, for the coded messages; a changed corpus or matcher shows up here
    now_hit = hits.filter(pl.col("frame") == frame).select(pl.col("uid").unique(), pl.lit(True).alias("_now"))
    items = (cons.filter(pl.col("label").is_not_null()).join(groups, on="uid", how="left")
             .join(now_hit, on="uid", how="left"))
    unknown = items.filter(pl.col(gkeys[0]).is_null()) if gkeys[0] != "_all" else items.clear()
    changed = items.filter(pl.col("_now").fill_null(False) != pl.col("hit"))
    general: list[str] = list(acc.warnings)
    if len(unknown):
        general.append(f"{len(unknown)} coded item(s) are not among these messages (another corpus, or outside "
                       "since/until): they count for sens/spec but not for any group")
    if len(changed):
        general.append(f"{len(changed)} coded item(s) changed dictionary status since sampling: the corpus or "
                       "matcher changed; draw a new sample")
    est, lo, hi, j, bad = rogan_gladen(part["k"].to_numpy(), part["n"].to_numpy(), acc, confidence)
    if not np.isfinite(j) or j <= 0:
        general.append(f"not identifiable: sensitivity + specificity = {acc.sensitivity + acc.specificity:.3f} "
                       "≤ 1, so the dictionary tells nothing about the frame; no correction is possible")
    elif len(bad) and bad[0] > (1 - confidence) / 2:
        general.append(f"weakly identified: in {bad[0]:.0%} of bootstrap draws sensitivity + specificity ≤ 1; "
                       "code more items before trusting the corrected share")
    cols["corrected"], cols["corrected_lower"], cols["corrected_upper"] = (
        [float(x) for x in est], [float(x) for x in lo], [float(x) for x in hi])
    parts = items.partition_by(gkeys, as_dict=True) if len(items) else {}
    rng = np.random.default_rng(1)
    warn: list[str | None] = []
    for i, row in enumerate(part.iter_rows(named=True)):
        g = parts.get(tuple(row[k] for k in gkeys))
        n_coded = 0 if g is None else len(g)
        cols["coded"][i] = n_coded
        notes = list(general)
        k, n = float(row["k"]), float(row["n"])
        if g is None or n_coded < min_group_coded:
            notes.append(f"only {n_coded} coded item(s) in this group (< {min_group_coded}): no PPI estimate; the "
                         "corrected share assumes the dictionary errs here as in the whole sample")
        elif n > 0:
            ppv_g, fo_g = _group_side(g, True, confidence), _group_side(g, False, confidence)
            if (k > 0 and ppv_g.coded == 0) or (k < n and fo_g.coded == 0):
                side = "hit" if k > 0 and ppv_g.coded == 0 else "non-hit"
                notes.append(f"no coded {side} item in this group: no PPI estimate")
            else:
                # a side the group lacks carries no weight; borrow the whole sample's draws so the maths stays finite
                # the group's label proportions and their draws, corrected for the coders' error
                ppv_d = coder_corrected(ppv_g.draws(rng, REPLICATES), coder_error) if ppv_g.coded else acc.ppv_draws
                fo_d = coder_corrected(fo_g.draws(rng, REPLICATES), coder_error) if fo_g.coded else acc.for_draws
                ppv_e = float(coder_corrected(ppv_g.estimate, coder_error)) if ppv_g.coded else 0.0
                npv_e = 1 - float(coder_corrected(fo_g.estimate, coder_error)) if fo_g.coded else 1.0
                cols["ppi"][i] = float(ppi_estimate(k / n, ppv_e, npv_e))
                p_lo, p_hi = ppi_interval(np.array(k), np.array(n), ppv_d, fo_d, rng, confidence)
                cols["ppi_lower"][i], cols["ppi_upper"][i] = float(np.clip(p_lo, 0, 1)), float(np.clip(p_hi, 0, 1))
        if np.isfinite(j) and j > 0 and n > 0 and not 0 <= (k / n + acc.specificity - 1) / j <= 1:
            notes.append("the raw share is outside what sens/spec allow: the corrected share is clipped to [0, 1]")
        warn.append("; ".join(notes) if notes else None)
    cols["warning"] = list(warn)
    clean = {c: [None if isinstance(x, float) and x != x else x for x in v] for c, v in cols.items()}
    return part.with_columns([pl.Series(c, v, dtype=_EXTRA[c]) for c, v in clean.items()])


def validated_frame_shares(
    corpus: Corpus,
    lexicon: Lexicon,
    coded_paths: str | Path | Iterable[str | Path],
    by: Sequence[str] = ("channel", "month"),
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    confidence: float = 0.95,
    coder_error: float = 0.0,
    hits: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, CodedSample]:
    """Raw and corrected frame shares of the stored corpus, from coded sample files drawn with ``lexicon``,
    corrected also for a known ``coder_error`` of each coder's labels. ``hits``: the lexicon's matches when already
    loaded (:func:`~narrascope.frames.prevalence.frame_hits`, same range).
    Returns the table and the loaded sample (its ``warnings`` are about the files)."""
    from ..frames.prevalence import frame_hits, frame_messages

    e = check_coder_error(coder_error)
    attributes = [b for b in by if b not in GROUPS]
    check_groups(by, attributes)
    coded = load_coded(coded_paths, lexicon)
    messages = frame_messages(corpus, since=since, until=until, attributes=attributes)
    if hits is None:
        hits = frame_hits(corpus, lexicon, since=since, until=until)
    frames = [f.id for f in lexicon.frames]
    return corrected_shares(messages, hits, frames, by, coded, confidence=confidence, coder_error=e), coded
