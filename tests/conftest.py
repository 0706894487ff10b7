"""Shared fixtures: small Telegram Desktop JSON exports written by the tests themselves (authored for narrascope)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# One headless chromium per session for every browser test (report and web): defined once here, since a session
# fixture imported into two folders' conftests would start two Playwright drivers in one thread.
from tests.browser import browser, browser_page, chromium  # noqa: F401  (pytest fixtures)

# No timed assertions in tests: Hypothesis' per-example deadline fails on a loaded machine (a first call that warms
# up polars or DuckDB can take 300 ms), so it is off for every property test.
settings.register_profile("narrascope", deadline=None)
settings.load_profile("narrascope")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: Session fixtures that take seconds to build: a test using one is slow (``pytest -m "not slow"`` leaves it out),
#: whether or not it is the one that pays for the build in a given run.
SLOW_FIXTURES = frozenset({"demo_store"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

BASE_TS = 1_700_000_000  # 2023-11-14T22:13:20Z


def desktop_message(i: int, text: Any = None, *, edited: int | None = None, **extra: Any) -> dict[str, Any]:
    """A channel post as Telegram Desktop's JSON export writes it."""
    ts = BASE_TS + 3600 * i
    msg: dict[str, Any] = {
        "id": i,
        "type": "message",
        "date": "2023-11-14T22:13:20",
        "date_unixtime": str(ts),
        "from": "Test Channel",
        "from_id": "channel1001",
        "text": text if text is not None else f"post number {i}",
        "text_entities": [{"type": "plain", "text": text if isinstance(text, str) else f"post number {i}"}],
    }
    if edited is not None:
        msg["edited"] = "2023-11-15T00:00:00"
        msg["edited_unixtime"] = str(edited)
    msg.update(extra)
    return msg


def write_chat(path: Path, messages: list[dict[str, Any]], *, name: str = "Test Channel", chat_id: int = 1001,
               chat_type: str = "public_channel") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    root = {"name": name, "type": chat_type, "id": chat_id, "messages": messages}
    path.write_text(json.dumps(root, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def store_state(db: Path) -> tuple[list[tuple[Any, ...]], ...]:
    """Every row of the store's messages, ingests and channels, in a stable order: to compare before and after."""
    from narrascope import Corpus

    with Corpus.open(db, read_only=True) as c:
        return (
            c.sql("SELECT * FROM messages ORDER BY uid").rows(),
            c.sql("SELECT * FROM ingests ORDER BY ingest_id").rows(),
            c.sql("SELECT * FROM channels ORDER BY channel_id").rows(),
        )


@pytest.fixture
def chat_file(tmp_path: Path) -> Callable[..., Path]:
    """Factory: chat_file(messages, name=…, filename=…) writes a single-chat result.json and returns its path."""

    def make(messages: list[dict[str, Any]], filename: str = "result.json", **kw: Any) -> Path:
        return write_chat(tmp_path / "exports" / filename, messages, **kw)

    return make


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The default demo corpus, generated and ingested once per test session: (store path, DemoManifest)."""
    from narrascope import Corpus
    from narrascope.demo import DemoConfig, generate_demo

    folder = tmp_path_factory.mktemp("demo")
    manifest = generate_demo(folder, DemoConfig())
    db = folder / "corpus.duckdb"
    with Corpus.open(db) as corpus:
        report = corpus.ingest([folder / "exports"])
    assert not report.failed, report.failed
    return db, manifest
