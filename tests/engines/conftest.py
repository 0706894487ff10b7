"""Fixtures for the engine tests: one Spark session (local[2]) for the whole test run, and the parity corpora.

Spark tests skip — saying why — only where PySpark or a Java runtime is missing; CI installs both (``.[test]``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
