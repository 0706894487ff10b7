"""The benchmarks check themselves: a baseline that disagrees with narrascope fails its benchmark, and a failed
benchmark fails ``bench/run.py`` (which CI runs with ``--quick`` after the tests)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_frame_baselines_find_what_narrascope_finds():
    pytest.importorskip("pandas")  # the bench extra
    frames = _bench("frames")
    from narrascope.frames.match import Matcher

    texts, lexicon = frames.make_corpus(400, terms=60, hit_rate=0.2)
    ours = Matcher(lexicon).frame_mask(texts)
    assert ours.any()
    frames.check_agreement("pandas", frames.baseline_pandas(texts, lexicon), ours, texts)
    frames.check_agreement("re", frames.baseline_re(texts, lexicon), ours, texts)
    wrong = ours.copy()
    wrong[np.flatnonzero(ours.any(axis=1))[0]] = False  # a baseline that misses one message's frames
    with pytest.raises(SystemExit, match="disagrees with narrascope on 1 of 400 messages"):
        frames.check_agreement("pandas", wrong, ours, texts)


def test_a_failing_benchmark_fails_the_runner(tmp_path):
    shutil.copy(ROOT / "bench" / "run.py", tmp_path / "run.py")
    (tmp_path / "agrees.py").write_text("print('| a | b |')\n", encoding="utf-8")
    (tmp_path / "disagrees.py").write_text("raise SystemExit('baseline disagrees')\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(tmp_path / "run.py"), "--quick"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "agrees: ok" in done.stdout and "disagrees: FAILED (exit 1)" in done.stdout
    assert "baseline disagrees" in done.stderr


def test_ci_runs_the_quick_benchmarks_after_the_tests():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    tests = next(i for i, line in enumerate(lines) if "pytest" in line)
    bench = next(i for i, line in enumerate(lines) if "bench/run.py --quick" in line)
    assert bench > tests
