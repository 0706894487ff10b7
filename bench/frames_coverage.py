"""bench/frames_coverage: do 95% Wilson intervals of matched shares cover the planted truth in 93–97% of cells?

    python bench/frames_coverage.py [--corpora 200] [--messages 1500]

Each corpus is generated in memory by the demo generator with its own seed; the planted lexicon is matched with the
production matcher; every channel-month-frame cell of the channels where the lexicon is an exact detector gives one
interval. The CI test runs the same check on 40 corpora.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, self_peak_rss_mb  # noqa: E402

from narrascope.demo import DemoConfig, planted_lexicon  # noqa: E402
from narrascope.demo.evaluate import frame_cells  # noqa: E402
from narrascope.frames import Matcher  # noqa: E402
from narrascope.frames.lexicon import parse_lexicon_yaml  # noqa: E402
from narrascope.stats.intervals import wilson_interval  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=int, default=200)
    ap.add_argument("--messages", type=int, default=1500)
    ap.add_argument("--first-seed", type=int, default=1000, help="seeds first-seed … first-seed+corpora-1")
    args = ap.parse_args()
    lexicon = parse_lexicon_yaml(yaml.safe_dump(planted_lexicon(), allow_unicode=True))
    matcher = Matcher(lexicon)
    frames = [f.id for f in lexicon.frames]
    t0 = time.perf_counter()
    cells = []
    per_corpus = []
    for seed in range(args.first_seed, args.first_seed + args.corpora):
        c = frame_cells(DemoConfig(seed=seed, messages=args.messages, html_channels=0), matcher, frames)
        p, n, k = (np.array(x, dtype=float) for x in zip(*c, strict=True))
        lo, hi = wilson_interval(k, n)
        per_corpus.append(float(((lo <= p) & (p <= hi)).mean()))
        cells.extend(c)
    p, n, k = (np.array(x, dtype=float) for x in zip(*cells, strict=True))
    lo, hi = wilson_interval(k, n)
    covered = (lo <= p) & (p <= hi)
    rate = float(covered.mean())
    se = float(np.sqrt(rate * (1 - rate) / len(covered)))
    print_table(
        f"frames coverage: {args.corpora} generated corpora × {args.messages} posts",
        ["corpora", "cells", "coverage", "± 1.96·se", "corpus coverage min–max", "seconds", "peak RSS MB"],
        [[args.corpora, f"{len(covered):,}", f"{rate:.4f}", f"{1.96 * se:.4f}",
          f"{min(per_corpus):.3f}–{max(per_corpus):.3f}", f"{time.perf_counter() - t0:.1f}", f"{self_peak_rss_mb():.0f}"]],
    )
    print(f"target 0.93–0.97: {'PASS' if 0.93 <= rate <= 0.97 else 'FAIL'}")


if __name__ == "__main__":
    main()
