"""A known coder error rate: the correction (q − e)/(1 − 2e), its threading through accuracy/corrected_shares/score
and the CLI, and the rate estimated from disagreements between coders."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.cli import main
from narrascope.errors import UsageError
from narrascope.validate.agreement import (
    coder_error_from_disagreement,
    disagreement_rate,
    per_coder_error,
)
from narrascope.validate.coded import CodedSample
from narrascope.validate.correct import corrected_shares
from narrascope.validate.score import accuracy, check_coder_error, coder_corrected, score

from .helpers import LEXICON, synthetic
from .test_cli_roundtrip import _code
from .test_correct import _coded
from .test_score import _consensus


@given(st.floats(0, 1), st.floats(0, 0.49))
def test_the_correction_undoes_symmetric_flips(p, e):
    labelled = (1 - e) * p + e * (1 - p)  # P(label = 1) when each label is flipped with probability e
    assert float(coder_corrected(labelled, e)) == pytest.approx(p, abs=1e-9)


def test_zero_coder_error_is_the_identity_and_bad_rates_are_refused():
    x = np.array([0.0, 0.3, 1.0])
    assert coder_corrected(x, 0.0) is x
    assert check_coder_error(0) == 0.0 and check_coder_error(0.49) == 0.49
    for bad in (0.5, 0.7, -0.01, float("nan")):
        with pytest.raises(UsageError, match=r"outside \[0, 0.5\)") as info:
            check_coder_error(bad)
        assert "\n" not in str(info.value)


def test_accuracy_by_hand_with_a_known_coder_error():
    # 80 % of hit items and 10 % of non-hit items labelled 1, coders wrong 10 % of the time:
    # PPV = (0.8 − 0.1)/0.8 = 0.875, false omission = (0.1 − 0.1)/0.8 = 0
    cons = _consensus([("hit#001", True, 100, [1] * 40 + [0] * 10, None),
                       ("miss#001", False, 900, [1] * 5 + [0] * 45, None)])
    plain, told = accuracy(cons, "f"), accuracy(cons, "f", coder_error=0.1)
    assert plain.precision.estimate == pytest.approx(0.8) and plain.npv.estimate == pytest.approx(0.9)
    assert told.precision.estimate == pytest.approx(0.875) and told.npv.estimate == pytest.approx(1.0)
    assert told.precision.lower == pytest.approx((plain.precision.lower - 0.1) / 0.8)
    assert told.sensitivity == pytest.approx(1.0)  # no false negatives once the coders' errors are removed
    assert told.specificity == pytest.approx(0.9 / (0.9 + 0.1 * 0.125))
    assert np.all((told.ppv_draws >= 0) & (told.ppv_draws <= 1)) and np.min(told.for_draws) == 0.0
    assert told.to_dict()["coder_error"] == 0.1 and "coder_error" not in plain.to_dict()


def test_corrected_shares_with_flipped_labels_recover_the_truth_only_when_told():
    messages, hits, truth = synthetic(20000, seed=11)
    rng = np.random.default_rng(5)
    flip = rng.random(20000) < 0.08
    noisy = _coded(messages, hits, truth ^ flip, n=1200)  # coders see the truth through 8 % flips
    true_share = float(truth.mean())
    told = corrected_shares(messages, hits, ["unrest"], [], noisy, coder_error=0.08).filter(
        pl.col("frame") == "unrest").row(0, named=True)
    untold = corrected_shares(messages, hits, ["unrest"], [], noisy).filter(pl.col("frame") == "unrest").row(
        0, named=True)
    assert told["corrected_lower"] <= true_share <= told["corrected_upper"], (told, true_share)
    assert abs(told["corrected"] - true_share) < abs(untold["corrected"] - true_share)
    assert untold["corrected"] - true_share > 0.03  # false-omission labels inflate the untold estimate
    with pytest.raises(UsageError):
        corrected_shares(messages, hits, ["unrest"], [], noisy, coder_error=0.5)


def _two_coders(n_items: int, e: float, rng: np.random.Generator, coders: int = 2) -> tuple[np.ndarray, np.ndarray]:
    truth = rng.random(n_items) < 0.4
    labels = truth[None, :] ^ (rng.random((coders, n_items)) < e)
    return labels.sum(axis=0), np.full(n_items, coders)


@pytest.mark.parametrize("coders", [2, 3])
def test_disagreement_recovers_a_planted_coder_error_within_its_sampling_error(coders):
    e, reps = 0.05, 400
    rng = np.random.default_rng(coders)
    est, covered = np.empty(reps), np.empty(reps, dtype=bool)
    for r in range(reps):
        k, m = _two_coders(300, e, rng, coders)
        d, lo, hi, _, _ = disagreement_rate(k, m)
        est[r] = per_coder_error(d)
        covered[r] = per_coder_error(lo) <= e <= per_coder_error(min(hi, 0.5))
    assert abs(est.mean() - e) < 3 * est.std() / np.sqrt(reps), est.mean()
    assert 0.92 <= covered.mean() <= 0.98, covered.mean()


def test_per_coder_error_is_undefined_beyond_one_half():
    assert np.isnan(float(per_coder_error(0.6)))


def test_score_reports_the_disagreement_estimate_but_does_not_apply_it():
    messages, hits, truth = synthetic(6000, seed=3)
    one = _coded(messages, hits, truth, n=600)
    rng = np.random.default_rng(9)
    items = pl.concat([one.items.with_columns(pl.lit(c).alias("coder"),
                                              pl.Series("label", (one.items["label"].to_numpy()
                                                                  ^ (rng.random(len(one.items)) < 0.06))
                                                        .astype(np.int8)))
                       for c in ("ann", "bob")])
    sample = CodedSample(items, LEXICON.content_hash)
    report = score(sample, bootstrap=200)
    est = report["frames"][0]["coder_error_estimate"]
    assert est == coder_error_from_disagreement(items.filter(pl.col("frame") == "unrest"))
    assert est["pairable_items"] == 600 and est["per_coder_lower"] <= 0.06 <= est["per_coder_upper"], est
    assert "coder_error" not in report  # reported, never applied silently
    told = score(sample, bootstrap=200, coder_error=est["per_coder"])
    assert told["coder_error"] == est["per_coder"]
    # every coder's labels are scored (soft labels), so the per-coder rate is the one to correct for: it brings
    # precision back to what error-free labels give
    truth_ppv = score(one, bootstrap=200)["frames"][0]["accuracy"]["precision"]["estimate"]
    noisy = report["frames"][0]["accuracy"]["precision"]["estimate"]
    fixed = told["frames"][0]["accuracy"]["precision"]["estimate"]
    assert abs(fixed - truth_ppv) < 0.5 * abs(noisy - truth_ppv) and abs(fixed - truth_ppv) < 0.03


def test_cli_refuses_a_coder_error_of_one_half_in_one_line(demo_store, tmp_path, capsys):
    db, lexicon = demo_store / "corpus.duckdb", demo_store / "demo" / "lexicon.yaml"
    sample = tmp_path / "sample.csv"
    assert main(["validate", "sample", str(lexicon), "--frame", "sedition", "--n", "60", "--seed", "2",
                 "-o", str(sample), "--db", str(db), "--json"]) == 0
    capsys.readouterr()
    coded = _code(sample, tmp_path / "coded.csv", "utf-8", ",", "ann")
    for args in (["validate", "score", str(coded), "--coder-error", "0.5"],
                 ["frames", str(lexicon), "--validated", str(coded), "--coder-error", "0.6", "--db", str(db)]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert "outside [0, 0.5)" in err and len(err.splitlines()) == 1, err
    assert main(["validate", "score", str(coded), "--coder-error", "0.02", "--json", "--bootstrap", "100"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["coder_error"] == 0.02
    assert main(["frames", str(lexicon), "--validated", str(coded), "--coder-error", "0.02", "--by", "",
                 "--db", str(db), "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["rows"] if r["frame"] == "sedition"]
    assert len(rows) == 1 and rows[0]["corrected"] is not None
