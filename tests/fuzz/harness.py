"""Run mutated inputs through ``narrascope ingest`` in-process and check what a user is promised:

- the exit code is 0 (ingested) or 2 (a user error) — never 1 (an internal error) and never a hang;
- a refused file gives exactly one line on stderr, with no traceback; an ingested one gives none;
- a refused file leaves the store exactly as it was (messages, channels, ingest log, meta, results).

Shared by tests/fuzz/test_fuzz.py (a few hundred seeded cases) and bench/fuzz.py (the larger run).
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import MUTATORS
from tests.fuzz.seeds import SEEDS, Seed

__all__ = ["Case", "Outcome", "cases", "run_case", "store_snapshot"]

#: names a file may carry: newlines, terminal escapes, markup, a leading dash, bidi override, very long
ODD_NAMES = ["line\nbreak", "esc\x1b]0;title\x07", "[bold red]x", "-rf", "  spaced  ", "\u202eevil", "x" * 200,
             "tab\there", "é-ü-ß", "پیام"]


@dataclass(frozen=True)
class Case:
    seed: str
    mutator: str
    number: int
    odd_name: str | None = None

    @property
    def label(self) -> str:
        odd = " +odd-name" if self.odd_name else ""
        return f"{self.seed}/{self.mutator}#{self.number}{odd}"


@dataclass
class Outcome:
    case: Case
    code: int
    stdout: str
    stderr: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    skipped: bool = False


def cases(n_per_pair: int, rng_seed: int = 15, odd_name_share: float = 0.1) -> list[Case]:
    """Every (seed, mutator) pair ``n_per_pair`` times; a share of them under an odd file name."""
    rng = random.Random(rng_seed)
    out = []
    for seed in SEEDS:
        for mutator in MUTATORS:
            for i in range(n_per_pair):
                odd = rng.choice(ODD_NAMES) if rng.random() < odd_name_share else None
                out.append(Case(seed, mutator, i, odd))
    return out


def store_snapshot(db: Path) -> tuple[Any, ...] | None:
    """Everything a failed ingest must leave alone; None when there is no store."""
    if not db.exists():
        return None
    from narrascope import Corpus

    with Corpus.open(db, read_only=True) as c:
        return tuple(c.sql(q).rows() for q in (
            "SELECT * FROM messages ORDER BY uid",
            "SELECT * FROM ingests ORDER BY ingest_id",
            "SELECT * FROM channels ORDER BY platform, channel_id",
            "SELECT * FROM narrascope_meta ORDER BY key",
            "SELECT analysis, result_key, rows FROM results ORDER BY analysis, result_key",
        ))


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def fire(_sig: int, _frame: Any) -> None:
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _template(seed: str, root: Path) -> Seed:
    """The clean seed, written once under ``root/templates``."""
    folder = root / "templates" / seed
    marker = folder / ".seed-name"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        made = SEEDS[seed](folder)
        marker.write_text(f"{made.target.relative_to(folder)}\n{made.victim.relative_to(folder)}\n{made.kind}")
    target, victim, kind = marker.read_text().split("\n")
    return Seed(seed, folder / target, folder / victim, kind)


def _materialise(case: Case, root: Path) -> Path | None:
    """Copy the seed into a folder of its own, mutate its victim file; the path to ingest, or None (not applicable)."""
    seed = _template(case.seed, root)
    rng = random.Random(f"{case.seed}/{case.mutator}/{case.number}")
    mutated = MUTATORS[case.mutator](rng, seed.victim.read_bytes(), seed.kind)
    if mutated is None:
        return None
    template = root / "templates" / case.seed
    folder = root / "cases" / f"{case.seed}-{case.mutator}-{case.number}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(template, folder)
    (folder / seed.victim.relative_to(template)).write_bytes(mutated)
    target = folder / seed.target.relative_to(template)
    if case.odd_name:
        suffix = "".join(target.suffixes) if target.is_file() else ""
        renamed = target.with_name(case.odd_name + suffix)
        target.rename(renamed)
        target = renamed
    return target


def _ingest(target: Path, db: Path, timeout: int) -> tuple[int, str, str]:
    from narrascope.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with _deadline(timeout):
                code = main(["ingest", str(target), "--db", str(db), "--no-progress"])
        except SystemExit as exc:
            code = int(exc.code or 0)
        except _Timeout:
            code = -1
    return code, out.getvalue(), err.getvalue()


_SNAPSHOTS: dict[Path, tuple[Any, ...] | None] = {}


def run_case(case: Case, root: Path, timeout: int = 30) -> Outcome:
    """Run one case against the store of its seed (created from the clean seed on first use) and check it."""
    target = _materialise(case, root)
    if target is None:
        return Outcome(case, 0, "", "", 0.0, skipped=True)
    db = root / "stores" / f"{case.seed}.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        code, _, err = _ingest(_template(case.seed, root).target, db, timeout)
        assert code == 0, f"the clean {case.seed} seed does not ingest: {err}"
        _SNAPSHOTS.pop(db, None)
    if db not in _SNAPSHOTS:  # a store changes only when an ingest succeeds: snapshot once per change
        _SNAPSHOTS[db] = store_snapshot(db)
    before = _SNAPSHOTS[db]
    started = time.perf_counter()
    code, out, err = _ingest(target, db, timeout)
    outcome = Outcome(case, code, out, err, time.perf_counter() - started)
    lines = [line for line in err.splitlines() if line.strip()]
    if code == -1:
        outcome.problems.append(f"no answer within {timeout} s")
    elif code not in (0, 2):
        outcome.problems.append(f"exit {code}: {err.strip()[:300]}")
    if "Traceback" in err or "internal error" in err:
        outcome.problems.append(f"internal error: {err.strip()[:300]}")
    if code == 2 and len(lines) != 1:
        outcome.problems.append(f"{len(lines)} lines on stderr: {err[:300]!r}")
    if code == 0 and lines:  # nothing may leak around the report (a library's own warnings once did)
        outcome.problems.append(f"stderr not empty after a successful ingest: {err[:300]!r}")
    if code != 0 and store_snapshot(db) != before:
        outcome.problems.append("the store changed although the ingest failed")
    if code == 0:
        _SNAPSHOTS.pop(db, None)
    shutil.rmtree(root / "cases" / f"{case.seed}-{case.mutator}-{case.number}", ignore_errors=True)
    return outcome
