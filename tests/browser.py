"""A real browser for tests: Debian's chromium driven by Playwright for Python (its own browser download is not
reachable here). Tests that use :func:`browser_page` skip, with the reason, when either is absent;
``.ci/run`` installs chromium, the ``test`` extra installs playwright.

tests/conftest.py imports the fixtures once for every folder (a session fixture imported into two folders'
conftests would start two Playwright drivers in one thread, which Playwright refuses)::

    def test_page(browser_page):
        browser_page.set_viewport_size({"width": 390, "height": 844})
        browser_page.goto(path.as_uri())
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["CHROMIUM_ARGS", "browser", "browser_page", "chromium", "chromium_path"]

#: Flags for a headless, sandbox-less chromium that contacts nothing on its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    """``$NARRASCOPE_CHROMIUM``, else /usr/bin/chromium, else ``chromium`` on the PATH; None when none exists."""
    for candidate in (os.environ.get("NARRASCOPE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless chromium for the test session (a Playwright Browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]' (browser tests need it)")
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed: apt-get install -y chromium (browser tests need it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """The session's chromium under the name the web tests use."""
    return chromium


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page (own context, 1366 × 900, scale 1) in the session's chromium; closed after the test."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()
