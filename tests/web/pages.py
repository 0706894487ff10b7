"""Helpers of the browser tests: watch a page for errors, dialogs and CSP violations; screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["OUTPUT", "Watch", "screenshot"]

#: Where browser tests leave their screenshots (the test output; CI keeps the folder).
OUTPUT = Path(os.environ.get("NARRASCOPE_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")) / "web"


class Watch:
    """Everything a page says that a clean page never says: script errors, console errors (CSP violations are
    reported there), dialogs (alert/confirm/prompt)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"console {msg.type} at {page.url}: {msg.text} {msg.location}")
                if msg.type in ("error", "warning") else None)

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

    def clean(self) -> bool:
        return not self.errors and not self.dialogs


def screenshot(page: Any, name: str, width: int) -> Path:
    """A full-page screenshot at ``width`` CSS pixels, saved to the test output."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    path = OUTPUT / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
