"""Simulation study of corrected frame shares (docs/methods.md, "Validation and corrected shares").

Runs :func:`narrascope.validate.simulate.simulate` over a grid of true shares, dictionary accuracies, coded-sample
sizes and coder error rates, and prints three markdown tables: coverage and bias with gold-standard coding; what
coder error does when the estimators are told the rate and when they are not; every scenario with coders wrong on
5 % of labels and the rate given. Usage: ``python bench/validation.py [--studies 2000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import time

from narrascope.validate.simulate import simulate

SCENARIOS = [
    # (true shares of three groups, sensitivity, specificity, coded items)
    ((0.05, 0.15, 0.30), 0.80, 0.97, 400),
    ((0.05, 0.15, 0.30), 0.80, 0.97, 200),
    ((0.02, 0.05, 0.10), 0.70, 0.95, 400),
    ((0.02, 0.05, 0.10), 0.90, 0.99, 400),
    ((0.30, 0.50, 0.60), 0.90, 0.90, 400),
    ((0.10, 0.20, 0.40), 0.60, 0.98, 400),
]
CODER_ERRORS = (0.0, 0.02, 0.05, 0.10)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--studies", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    print(f"Gold-standard coding: {args.studies} studies per row, 3 groups of 4,000 messages each, 95 % intervals.\n")
    print("| true shares | sens | spec | coded | raw coverage % | RG coverage % | PPI coverage % | raw bias (pp) "
          "| RG bias (pp) | PPI bias (pp) | RG width (pp) | PPI width (pp) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for theta, sens, spec, n in SCENARIOS:
        r = simulate(args.studies, theta=theta, sens=sens, spec=spec, n_coded=n, seed=args.seed)
        print(f"| {', '.join(f'{t:g}' for t in theta)} | {sens} | {spec} | {n} | {_pct(r.raw_coverage)} | "
              f"{_pct(r.rg_coverage)} | {_pct(r.ppi_coverage)} | {_pct(r.raw_bias)} | {_pct(r.rg_bias)} | "
              f"{_pct(r.ppi_bias)} | {_pct(r.rg_mean_width)} | {_pct(r.ppi_mean_width)} |")
    print("\nCoder error (labels flipped at random with this probability), the estimators told the rate or not; "
          "shares 0.05/0.15/0.30, sens 0.8, spec 0.97, 400 coded.\n")
    print("| coder error | rate given | raw coverage % | RG coverage % | PPI coverage % | RG bias (pp) | PPI bias (pp) "
          "| RG width (pp) | PPI width (pp) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for e in CODER_ERRORS:
        for told in ((False, True) if e else (False,)):
            r = simulate(args.studies, coder_error=e, assumed_coder_error=e if told else 0.0, seed=args.seed)
            print(f"| {e:g} | {'yes' if told else 'no'} | {_pct(r.raw_coverage)} | {_pct(r.rg_coverage)} | "
                  f"{_pct(r.ppi_coverage)} | {_pct(r.rg_bias)} | {_pct(r.ppi_bias)} | {_pct(r.rg_mean_width)} | "
                  f"{_pct(r.ppi_mean_width)} |")
    print("\nEvery scenario with coders wrong on 5 % of labels, the estimators told the rate.\n")
    print("| true shares | sens | spec | coded | raw coverage % | RG coverage % | PPI coverage % | RG bias (pp) "
          "| PPI bias (pp) | RG width (pp) | PPI width (pp) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for theta, sens, spec, n in SCENARIOS:
        r = simulate(args.studies, theta=theta, sens=sens, spec=spec, n_coded=n, coder_error=0.05,
                     assumed_coder_error=0.05, seed=args.seed)
        print(f"| {', '.join(f'{t:g}' for t in theta)} | {sens} | {spec} | {n} | {_pct(r.raw_coverage)} | "
              f"{_pct(r.rg_coverage)} | {_pct(r.ppi_coverage)} | {_pct(r.rg_bias)} | {_pct(r.ppi_bias)} | "
              f"{_pct(r.rg_mean_width)} | {_pct(r.ppi_mean_width)} |")
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
