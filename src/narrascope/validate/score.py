"""How good is the dictionary? Precision, NPV, sensitivity and specificity from a coded sample, with intervals that
respect the stratified design (docs/methods.md, "Validation and corrected shares").

The design: the population is split into hit and non-hit strata (optionally crossed with channel/period cells)
with known sizes N_h; n_h messages are drawn at random from each; coders label m_h of them (k_h positive).

- **Precision** (PPV = P(true | hit)) and **NPV** (P(not true | no hit)) are stratified proportions over the hit
  and non-hit strata: p = Σ W_h k_h/m_h with W_h = N_h/ΣN. With one stratum the interval is Wilson's; with several,
  Wilson's with Kish's effective size n_eff = (ΣN_h)²/Σ(N_h²/m_h).
- **Sensitivity and specificity** combine both sides with the known hit share π = N_hit/N:
  sens = π·PPV / (π·PPV + (1−π)(1−NPV)), spec = (1−π)·NPV / ((1−π)·NPV + π(1−PPV)).
  Their intervals come from a parametric bootstrap: PPV and 1 − NPV are drawn from their Jeffreys distributions
  Beta(k + ½, n − k + ½) (on Kish's effective size with several strata; PPV and NPV independent: disjoint strata),
  sens and spec are computed per draw, and the 2.5 % and 97.5 % quantiles are the interval. A delta method was tried first and under-covered:
  1 − NPV rests on a handful of false negatives, so sens is skewed.
- **Per-term precision**: among coded hit items containing the term, the share labelled true (Wilson).
- **Coder error**: with a known rate e at which coders flip a label (symmetric, independent of the dictionary's
  decision given the truth), a stratum's share of 1-labels is q = (1 − e)·p + e·(1 − p), so the share that truly
  carries the frame is p = (q − e)/(1 − 2e) — Rogan–Gladen applied to the coder (:func:`coder_corrected`). It is
  applied to PPV and the false-omission rate and to every Monte Carlo draw of them, before sens/spec are formed.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from ..errors import UsageError
from ..stats.intervals import wilson_interval, z_value
from .coded import CodedSample

__all__ = [
    "Accuracy",
    "ProportionEstimate",
    "accuracy",
    "adjusted_variance",
    "check_coder_error",
    "coder_corrected",
    "score",
    "sens_spec",
    "stratified_proportion",
    "term_precision",
]


@dataclass(frozen=True)
class ProportionEstimate:
    """A design-weighted proportion: estimate, interval, the adjusted value and variance used by delta methods,
    Kish's effective size, coded items and positives, and strata left without coded items."""

    estimate: float
    lower: float
    upper: float
    adjusted: float
    variance: float
    n_eff: float
    coded: int
    positive: float  # labels saying "carries" (soft: a two-coder tie counts ½)
    empty_strata: int = 0

    def draws(self, rng: np.random.Generator, replicates: int) -> np.ndarray:
        """Monte Carlo draws of the proportion for intervals of quantities built from it: Jeffreys,
        Beta(k + ½, m − k + ½), with one stratum; with several, the same on Kish's effective size
        (k = p̂·n_eff, m = n_eff), since per-stratum Jeffreys draws pile up bias over many small strata.
        NaN draws when no stratum has coded items."""
        if not self.coded or not np.isfinite(self.estimate):
            return np.full(replicates, np.nan)
        k, m = self.estimate * self.n_eff, self.n_eff
        return rng.beta(k + 0.5, m - k + 0.5, size=replicates)

    def for_coder_error(self, coder_error: float) -> ProportionEstimate:
        """The same proportion of *true* positives when the labels were flipped with probability ``coder_error``:
        estimate and interval ends mapped through :func:`coder_corrected` (monotone, so the interval stays one),
        the variance scaled by 1/(1 − 2e)². Counts and n_eff are those of the labels. Unchanged for e = 0.
        :meth:`draws` of the result would be wrong: draw from the labels' proportion and correct the draws."""
        if coder_error == 0:
            return self
        est, lo, hi, adj = (float(coder_corrected(x, coder_error)) for x in
                            (self.estimate, self.lower, self.upper, self.adjusted))
        return replace(self, estimate=est, lower=lo, upper=hi, adjusted=adj,
                       variance=self.variance / (1 - 2 * coder_error) ** 2)


def check_coder_error(coder_error: float) -> float:
    """The coder error rate as a float, or a one-line UsageError when it is not in [0, 0.5)."""
    e = float(coder_error)
    if not 0 <= e < 0.5:
        raise UsageError(f"coder error {coder_error!r} is outside [0, 0.5): give the share of labels a coder gets "
                         "wrong, e.g. 0.05 (at 0.5 the labels are coin flips and nothing can be corrected)")
    return e


def coder_corrected(share: Any, coder_error: float) -> Any:
    """P(truly carries the frame) from P(labelled 1) when coders flip each label with probability e, independently
    of the dictionary's decision: (q − e)/(1 − 2e), clipped to [0, 1] (arrays welcome; returned as is for e = 0)."""
    if coder_error == 0:
        return share
    return np.clip((np.asarray(share, dtype=float) - coder_error) / (1 - 2 * coder_error), 0.0, 1.0)


def stratified_proportion(k: np.ndarray, m: np.ndarray, size: np.ndarray,
                          confidence: float = 0.95) -> ProportionEstimate:
    """Σ W_h k_h/m_h over strata with coded items (W_h ∝ N_h), Wilson interval with Kish's n_eff."""
    k, m, size = (np.asarray(x, dtype=float) for x in (k, m, size))
    used = m > 0
    empty = int(np.sum(~used & (size > 0)))
    if not used.any():
        return ProportionEstimate(np.nan, 0.0, 1.0, 0.5, np.inf, 0.0, 0, 0, empty)
    k, m, size = k[used], m[used], size[used]
    weights = size / size.sum()
    p = float(np.sum(weights * k / m))
    n_eff = float(size.sum() ** 2 / np.sum(size * size / m)) if len(m) > 1 else float(m[0])
    if len(m) == 1:
        lo, hi = wilson_interval(k[0], m[0], confidence)
    else:
        lo, hi = wilson_interval(p * n_eff, n_eff, confidence)
    adj, var = adjusted_variance(p, n_eff, confidence)
    return ProportionEstimate(p, float(lo), float(hi), float(adj), float(var), n_eff, int(m.sum()), float(k.sum()),
                              empty)


def adjusted_variance(p: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Agresti–Coull-adjusted proportion p̃ = (p·n + z²/2)/(n + z²) and its variance p̃(1 − p̃)/(n + z²)
    (arrays welcome): used inside delta methods, where p = 0 or 1 must not mean zero variance."""
    z = z_value(confidence)
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    adj = (p * n + z * z / 2) / (n + z * z)
    return adj, adj * (1 - adj) / (n + z * z)


REPLICATES = 4000


@dataclass(frozen=True)
class Accuracy:
    """The dictionary's accuracy for one frame, estimated from a coded sample. ``ppv_draws`` and ``for_draws``
    (false-omission rate = 1 − NPV) are Monte Carlo draws shared by every interval derived from them."""

    frame: str
    population: int  # N, messages in the sampled population
    population_hits: int  # N_hit
    hit_share: float  # π = N_hit / N
    precision: ProportionEstimate
    npv: ProportionEstimate
    sensitivity: float
    sensitivity_lower: float
    sensitivity_upper: float
    specificity: float
    specificity_lower: float
    specificity_upper: float
    true_share: float  # the stratified estimate of P(true) over the whole population
    true_share_lower: float
    true_share_upper: float
    warnings: tuple[str, ...] = ()
    ppv_draws: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    for_draws: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    coder_error: float = 0.0  # the coders' error rate the estimates were corrected for

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k not in ("ppv_draws", "for_draws")}
        d["warnings"] = list(self.warnings)
        if not self.coder_error:
            del d["coder_error"]  # a report without coder error reads as it always did
        return d


def _strata(items: pl.DataFrame) -> pl.DataFrame:
    """Per stratum: size N_h, coded items m_h and the sum k_h of their (soft) labels."""
    return items.group_by(["hit", "stratum"]).agg(
        pl.col("stratum_size").first().alias("size"),
        pl.col("label").is_not_null().sum().alias("m"),
        pl.col("label").cast(pl.Float64).sum().fill_null(0).alias("k"),
    ).sort("stratum")


def percentile_interval(draws: np.ndarray, confidence: float, axis: int = -1) -> tuple[Any, Any]:
    """Equal-tailed percentile interval of Monte Carlo draws (NaN draws ignored)."""
    tail = (1 - confidence) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN, as they should
        return np.nanquantile(draws, tail, axis=axis), np.nanquantile(draws, 1 - tail, axis=axis)


def sens_spec(pi: Any, ppv: Any, npv: Any) -> tuple[Any, Any, Any]:
    """(sensitivity, specificity, true share) implied by the hit share and the predictive values (arrays welcome)."""
    pi, ppv, npv = (np.asarray(x, dtype=float) for x in (pi, ppv, npv))
    tp, fn = pi * ppv, (1 - pi) * (1 - npv)
    tn, fp = (1 - pi) * npv, pi * (1 - ppv)
    theta = tp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        sens = np.where(theta > 0, tp / theta, np.nan)
        spec = np.where(tn + fp > 0, tn / (tn + fp), np.nan)
    return sens, spec, theta


def accuracy(consensus: pl.DataFrame, frame: str, confidence: float = 0.95, min_coded: int = 10, *,
             seed: int = 0, coder_error: float = 0.0) -> Accuracy:
    """Precision, NPV, sensitivity, specificity of ``frame`` from the items' soft labels (:meth:`CodedSample.consensus`),
    corrected for coders who flip a label with the known probability ``coder_error`` (0: labels are the truth)."""
    e = check_coder_error(coder_error)
    items = consensus.filter(pl.col("frame") == frame)
    strata = _strata(items)
    hit = strata.filter(pl.col("hit"))
    miss = strata.filter(~pl.col("hit"))
    ppv_labels = stratified_proportion(hit["k"].to_numpy(), hit["m"].to_numpy(), hit["size"].to_numpy(),
                                       confidence)
    # the non-hit strata's positives are false negatives: their share is the false-omission rate, NPV = 1 − it
    fo_labels = stratified_proportion(miss["k"].to_numpy(), miss["m"].to_numpy(), miss["size"].to_numpy(),
                                      confidence)
    ppv, fo = ppv_labels.for_coder_error(e), fo_labels.for_coder_error(e)
    npv = ProportionEstimate(1 - fo.estimate, 1 - fo.upper, 1 - fo.lower, 1 - fo.adjusted, fo.variance, fo.n_eff,
                             fo.coded, fo.coded - fo.positive, fo.empty_strata)
    n_hit, n_miss = int(hit["size"].sum()), int(miss["size"].sum())
    pi = n_hit / (n_hit + n_miss) if n_hit + n_miss else np.nan
    sens, spec, theta = (float(x) for x in sens_spec(pi, ppv.estimate, npv.estimate))
    rng = np.random.default_rng(seed)
    # draw the labels' proportions (their sampling error), then correct every draw for the coders' error
    ppv_draws = coder_corrected(ppv_labels.draws(rng, REPLICATES), e)
    for_draws = coder_corrected(fo_labels.draws(rng, REPLICATES), e)
    sens_d, spec_d, theta_d = sens_spec(pi, ppv_draws, 1 - for_draws)
    # a percentile interval of Jeffreys draws never reaches 0 or 1; widen it to hold the estimate itself
    s_lo, s_hi = (f(x, sens) for f, x in zip((min, max), percentile_interval(sens_d, confidence), strict=True))
    p_lo, p_hi = (f(x, spec) for f, x in zip((min, max), percentile_interval(spec_d, confidence), strict=True))
    t_lo, t_hi = (f(x, theta) for f, x in zip((min, max), percentile_interval(theta_d, confidence), strict=True))
    warns = []
    for name, est, side in (("hit", ppv, "precision"), ("non-hit", npv, "NPV")):
        if est.coded < min_coded:
            warns.append(f"frame {frame}: only {est.coded} coded {name} item(s) (fewer than {min_coded}): "
                         f"{side} and everything built on it is very uncertain; code more")
        if est.empty_strata:
            warns.append(f"frame {frame}: {est.empty_strata} {name} stratum/strata have no coded item: they are "
                         "left out and the other strata reweighted")
    return Accuracy(frame, n_hit + n_miss, n_hit, pi, ppv, npv, sens, float(s_lo), float(s_hi), spec, float(p_lo),
                    float(p_hi), theta, float(t_lo), float(t_hi), tuple(warns), ppv_draws, for_draws, e)


def term_precision(consensus: pl.DataFrame, frame: str, confidence: float = 0.95) -> pl.DataFrame:
    """Per matched term: coded hit items containing it, how many were true (soft labels: a tie counts ½),
    precision with Wilson interval. Sorted worst first (the terms that fire falsely)."""
    items = consensus.filter((pl.col("frame") == frame) & pl.col("hit") & pl.col("label").is_not_null())
    exploded = items.select("sample_id", "label", "terms").explode("terms", empty_as_null=True).drop_nulls("terms").unique(
        ["sample_id", "terms"])
    out = exploded.group_by("terms").agg(pl.len().alias("coded"), pl.col("label").cast(pl.Float64).sum()
                                         .alias("true")).rename({"terms": "term"})
    if out.is_empty():
        return pl.DataFrame(schema={"term": pl.Utf8, "coded": pl.Int64, "true": pl.Float64, "false": pl.Float64,
                                    "precision": pl.Float64, "lower": pl.Float64, "upper": pl.Float64})
    k, n = out["true"].to_numpy(), out["coded"].to_numpy()
    lo, hi = wilson_interval(k, n, confidence)
    return out.with_columns((pl.col("coded") - pl.col("true")).alias("false"),
                            (pl.col("true") / pl.col("coded")).alias("precision"),
                            pl.Series("lower", lo), pl.Series("upper", hi)).select(
        "term", "coded", "true", "false", "precision", "lower", "upper").sort(["precision", "coded", "term"],
                                                                               descending=[False, True, False])


def score(coded: CodedSample, confidence: float = 0.95, *, bootstrap: int = 1000, seed: int = 0,
          coder_error: float = 0.0) -> dict[str, Any]:
    """Everything `narrascope validate score` reports, JSON-ready: per frame the accuracy from every coder's labels
    (soft labels, :meth:`CodedSample.consensus`; corrected for a known per-coder ``coder_error``), per-term
    precision, and — with two or more coders — Krippendorff's α
    with a bootstrap interval, the disagreements and the coder error rate they imply (reported, never applied)."""
    from .agreement import agreement_report, coder_error_from_disagreement

    e = check_coder_error(coder_error)
    out: dict[str, Any] = {"lexicon": f"sha256:{coded.lexicon_hash}", "coders": coded.coders,
                           "warnings": list(coded.warnings), "frames": []}
    if e:
        out["coder_error"] = e
    for frame in coded.frames:
        cons = coded.consensus(frame)
        acc = accuracy(cons, frame, confidence, coder_error=e)
        ties = cons.filter((pl.col("n_labels") > 0) & pl.col("majority").is_null())
        warnings = list(acc.warnings)
        if len(ties):
            warnings.append(f"frame {frame}: {len(ties)} item(s) have tied labels across coders "
                            f"({', '.join(ties['sample_id'].head(8).to_list())}): each counts as half carrying the "
                            "frame (soft labels); adjudicate them to sharpen the estimates")
        entry: dict[str, Any] = {"frame": frame, "accuracy": acc.to_dict(),
                                 "terms": term_precision(cons, frame, confidence).to_dicts(), "warnings": warnings}
        items = coded.items.filter(pl.col("frame") == frame)
        if items["coder"].n_unique() >= 2:
            entry["agreement"] = agreement_report(items, confidence=confidence, bootstrap=bootstrap, seed=seed)
            entry["coder_error_estimate"] = coder_error_from_disagreement(items, confidence)
        out["frames"].append(entry)
    return out
