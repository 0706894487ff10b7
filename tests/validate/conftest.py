"""A small demo corpus (generated and ingested once per test session) for the validation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.demo import DemoConfig, generate_demo
from narrascope.ingest.base import IngestOptions
from narrascope.store.corpus import Corpus


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with demo/ (exports, truth, lexicon.yaml) and corpus.duckdb."""
    root = tmp_path_factory.mktemp("validate_demo")
    generate_demo(root / "demo", DemoConfig(messages=3000))
    with Corpus.open(root / "corpus.duckdb") as corpus:
        corpus.ingest([root / "demo" / "exports"], IngestOptions(strict=True))
    return root
