"""Seeded fuzzing of every reader through `narrascope ingest` (issue 15): mutated inputs in every class of the
fault-injection campaign must end in exit 0 or 2 (never 1, never a hang), refuse in one line, and leave the store as
it was when refused. One case per (seed, mutator) pair, plus a seeded share under odd file names; bench/fuzz.py runs
the larger campaign. A failure prints each case's label, which reproduces it:
``run_case(Case(seed, mutator, number), root)``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import cases, run_case
from tests.fuzz.mutate import MUTATORS
from tests.fuzz.seeds import SEEDS

CASES = cases(1, rng_seed=15, odd_name_share=0.15)


@pytest.mark.slow  # about 230 ingests: ~50 s of CPU in all
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_mutation_of_a_reader_is_ingested_or_refused_in_one_line(seed: str, tmp_path: Path) -> None:
    outcomes = [run_case(c, tmp_path) for c in CASES if c.seed == seed]
    ran = [o for o in outcomes if not o.skipped]
    assert len(ran) >= 8, f"{seed}: only {len(ran)} mutators apply"
    problems = [f"{o.case.label}: {p}" for o in ran for p in o.problems]
    assert not problems, "\n".join(problems)


def test_cases_cover_every_reader_and_every_mutation_class() -> None:
    assert {c.seed for c in CASES} == set(SEEDS) and {c.mutator for c in CASES} == set(MUTATORS)
    assert sum(1 for c in CASES if c.odd_name) >= 30  # odd file names (newlines, escapes, markup) are in the mix
