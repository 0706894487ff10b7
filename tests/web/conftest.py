"""Fixtures of the web tests: private stores, a running app (in-process client or a real server)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web tests need the web extra: pip install -e '.[web,test]'")



@pytest.fixture
def demo_copy(demo_store: tuple[Path, Any], tmp_path: Path) -> tuple[Path, Any]:
    """A private copy of the demo store (and its lexicon next to it): tests may write to it."""
    db, manifest = demo_store
    shutil.copy(db, tmp_path / "corpus.duckdb")
    shutil.copy(manifest.lexicon_path, tmp_path / "lexicon.yaml")
    return tmp_path / "corpus.duckdb", manifest


@pytest.fixture
def client(demo_copy: tuple[Path, Any]) -> Iterator[Any]:
    """An in-process client of the app over a demo copy (index built before the first request)."""
    from starlette.testclient import TestClient

    from narrascope.web import create_app

    app = create_app(demo_copy[0], build_index=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        from narrascope.store import search

        with app.state.web.store.writer() as writer:
            search.build_index(writer)
        yield c


def csrf(client: Any, page: str = "/validate") -> str:
    """The CSRF token of this client's browser id (read from a page, as a form would carry it)."""
    import re

    html = client.get(page).text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html) or re.search(r'"X-CSRF-Token": "([0-9a-f]+)"',
                                                                                  html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def wait_job(client: Any, fragment: str) -> None:
    """Wait until the job started by the page ``fragment`` came from has finished; it must have succeeded."""
    import re
    import time

    job = re.search(r'id="job-(\d+)"', fragment).group(1)
    for _ in range(600):
        status = re.search(r'data-status="(\w+)"', client.get(f"/jobs/{job}").text).group(1)
        if status not in ("queued", "running"):
            assert status == "done", client.get(f"/jobs/{job}").text
            return
        time.sleep(0.2)
    raise AssertionError("job did not finish")
