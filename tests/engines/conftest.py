"""Fixtures for the engine tests: one Spark session (local[2]) for the whole test run, and the parity corpora; and
the steps the Spark tests share: a command run on two store copies (embedded and ``--engine spark``), a job run on a
store's Parquet export and imported into a copy, and a driver killed with SIGKILL once a checkpoint is written.

Spark tests skip — saying why — only where PySpark or a Java runtime is missing; CI installs both (``.[test]``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from narrascope.engines.spark.session import java_available, pyspark_available

PARITY_MESSAGES = 200_000


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] session shared by every Spark test (starting one costs ~10 s)."""
    if not pyspark_available():
        pytest.skip("pyspark is not installed: pip install -e '.[test]' (or '.[spark]') to run the Spark engine tests")
    if not java_available():
        pytest.skip("no Java runtime (java on PATH or $JAVA_HOME): install Java 17 to run the Spark engine tests")
    from narrascope.engines.spark.session import SparkOptions, spark_session

    session = spark_session(SparkOptions(master="local[2]", conf=(("spark.sql.shuffle.partitions", "4"),)))
    yield session
    session.stop()


@pytest.fixture
def demo_copy(demo_store: tuple[Path, Any], tmp_path: Path) -> Path:
    """A private copy of the demo store, without the frame hits the demo run cached."""
    from narrascope import Corpus

    db = tmp_path / "corpus.duckdb"
    shutil.copy(demo_store[0], db)
    with Corpus.open(db) as corpus:
        for entry in corpus.results.list("frame_hits"):
            corpus.connection.execute("DELETE FROM results WHERE analysis = 'frame_hits' AND result_key = ?",
                                      [entry["result_key"]])
    return db


@pytest.fixture(scope="session")
def parity_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 200,000 synthetic messages (tests/engines/synthetic.py), built once per run (~1 minute)."""
    from tests.engines.synthetic import synthetic_store

    return synthetic_store(tmp_path_factory.mktemp("parity"), PARITY_MESSAGES)


def result_tables(result: Any, names: Iterable[str]) -> dict[str, pl.DataFrame]:
    """An analysis result's tables by name (the names it stores)."""
    return {name: getattr(result, name) for name in names}


def assert_same_tables(ours: Any, theirs: Any, names: Iterable[str]) -> None:
    """Every table of two results equal, row for row and in order."""
    mine = result_tables(ours, names)
    for name, table in result_tables(theirs, names).items():
        assert mine[name].equals(table), name


def command_on_both_engines(args: list[str], store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """``narrascope ARGS --json`` on a copy of ``store``, and with ``--engine spark`` on another copy (Spark's work
    folder under ``tmp_path``): both succeed and print the same JSON but for the run's own statistics. Returns the
    two copies (embedded, spark)."""
    embedded, remote = tmp_path / "embedded.duckdb", tmp_path / "remote.duckdb"
    shutil.copy(store, embedded)
    shutil.copy(store, remote)
    monkeypatch.setenv("NARRASCOPE_SPARK_DIR", str(tmp_path / "work"))
    from narrascope.cli import main

    printed = []
    for engine, db in (([], embedded), (["--engine", "spark"], remote)):
        assert main([*args, "--json", *engine, "--db", str(db)]) == 0
        out = json.loads(capsys.readouterr().out)
        out.pop("stats", None)
        printed.append(out)
    assert printed[1] == printed[0]
    return embedded, remote


def job_via_dataset(store: Path, tmp_path: Path, find: Callable[[Any], Any], key: Callable[[Any], str],
                    job: Callable[[str, str, str], Any]) -> tuple[Any, Any]:
    """The embedded engine's ``find(corpus)`` on ``store``; then ``job(input, output, checkpoints)`` on the store's
    Parquet export (50,000 rows a file), its results imported into a copy of the store and read back by ``find``,
    which must find them stored under the embedded engine's ``key(corpus)``. Returns (embedded, spark) results."""
    from narrascope import Corpus
    from narrascope.engines import export_parquet, import_results
    from narrascope.engines.results import read_result_manifest

    with Corpus.open(store, read_only=True) as corpus:
        local = find(corpus)
        export_parquet(corpus, tmp_path / "in", rows_per_file=50_000)
        expected = key(corpus)
    report = job(str(tmp_path / "in"), str(tmp_path / "out"), str(tmp_path / "ckpt"))
    assert report.manifest.key == expected and read_result_manifest(tmp_path / "out").key == expected
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    with Corpus.open(copy) as corpus:
        import_results(corpus, tmp_path / "out")
        remote = find(corpus)
    assert remote.stats.get("cached")
    return local, remote


def kill_at_checkpoint(driver: str, args: list[str], checkpoint: Path, timeout: float = 600) -> list[str]:
    """Run the Python ``driver`` code with ``args`` in a session of its own, SIGKILL it (kill -9) as soon as
    ``checkpoint`` (a stage folder) is complete, then its whole process group (its JVM and Python workers).
    Returns the stages beside ``checkpoint`` that had finished."""
    proc = subprocess.Popen([sys.executable, "-c", driver, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not (checkpoint / "_SUCCESS").exists():
            assert proc.poll() is None, f"the driver ended before it could be killed: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, f"no checkpoint within {timeout:.0f} s"
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        assert proc.stderr is not None
        proc.stderr.close()
    return sorted(p.parent.name for p in checkpoint.parent.glob("*/_SUCCESS"))
