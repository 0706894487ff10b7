"""The test holds its level: on generated corpora without planted coordination (the demo generator at intensity 0:
its decoys and ordinary reuse kept, the aggregator and the same-owner family tagged by their attributes), a
coordinated group is reported in at most about 5 % of corpora at α = 0.05. A null that ignores each channel's times
of day (the popular-hours digests then look coordinated) fails the same bound — so the bound can fail.

bench/coordination.py runs 200 corpora and reports the share with its Wilson interval (docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from narrascope.coordination import CoordinationOptions, find_coordination_frame, nulls
from narrascope.demo import DemoConfig
from narrascope.demo.records import demo_messages

OPTIONS = CoordinationOptions(nulls=200, exclude_by=("type=aggregator", "owner"))
CORPORA = 24  # P(5 or more of 24 | a true level of 5 %) = 0.7 %


def flagged(seed: int, options: CoordinationOptions = OPTIONS) -> bool:
    frame, stream = demo_messages(DemoConfig(seed=seed, messages=3000, coordination=0.0, html_channels=0))
    attributes = pl.DataFrame([{"channel_id": s.channel_id, "type": s.channel_type, "owner": s.owner}
                               for s in stream.channels])
    result = find_coordination_frame(frame, options, attributes=attributes)
    return bool(result.groups.height and result.groups["significant"].any())


@pytest.mark.slow
def test_no_planted_coordination_no_group_in_about_95_percent_of_corpora():
    hits = sum(flagged(seed) for seed in range(2000, 2000 + CORPORA))
    print(f"corpora with a reported group: {hits} of {CORPORA}")
    assert hits <= 4, hits


@pytest.mark.slow
def test_a_null_ignoring_times_of_day_fails_the_bound(monkeypatch):
    def uniform_times(plan: nulls.NullPlan, rng: np.random.Generator) -> np.ndarray:
        return plan.day * nulls.DAY + rng.integers(0, nulls.DAY, plan.day.size)

    monkeypatch.setattr(nulls, "null_times", uniform_times)
    hits = sum(flagged(seed) for seed in range(2000, 2006))
    assert hits >= 5, hits  # the digests, posting at the same popular minutes, look coordinated
