"""The curated top-level API: sorted, importable, and every name documented in docs/python-api.md."""

from __future__ import annotations

from pathlib import Path

import narrascope

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def test_all_is_sorted_and_importable():
    names = narrascope.__all__
    assert names == sorted(names)
    assert sorted(names) == sorted([*narrascope._EXPORTS, "__version__"])
    for name in names:
        assert getattr(narrascope, name) is not None


def test_every_public_name_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = [n for n in narrascope.__all__ if n != "__version__" and n not in doc]
    assert not missing, f"not in docs/python-api.md: {missing}"
