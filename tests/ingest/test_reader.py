"""Readers are checked when registered: statically (mypy over detect's protocol-typed tuples) and at import."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from narrascope.ingest import detect
from narrascope.ingest.reader import check_reader


def _typed_tuple(name: str) -> list[str]:
    """The module names in detect's type-checked tuple ``name`` (inside ``if TYPE_CHECKING``)."""
    tree = ast.parse(Path(detect.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            assert isinstance(node.value, ast.Tuple)
            return [elt.id for elt in node.value.elts if isinstance(elt, ast.Name)]
    raise AssertionError(f"{name} not found in detect.py")


def test_every_registered_reader_is_in_the_type_checked_tuples() -> None:
    assert _typed_tuple("_CHECKED") == list(detect.READERS)
    folders = [n for n in detect.READERS if getattr(detect._module(n), "CLAIMS_FOLDERS", False)]
    assert sorted(_typed_tuple("_FOLDERS")) == sorted(folders)
    columns = [n for n in detect.READERS if hasattr(detect._module(n), "read_columns")]
    assert _typed_tuple("_COLUMNS") == columns == ["telegram_json"]


def test_every_registered_reader_passes_the_runtime_check() -> None:
    for name in detect.READERS:
        assert name == check_reader(detect._module(name)).NAME


def _module(**attrs: object) -> types.ModuleType:
    mod = types.ModuleType("narrascope.ingest.fake")
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def test_a_reader_missing_a_method_is_refused() -> None:
    with pytest.raises(TypeError, match="lacks read"):
        check_reader(_module(NAME="fake", sniff=lambda p, h: False))
    with pytest.raises(TypeError, match="lacks DATA_SUFFIXES"):
        check_reader(_module(NAME="fake", sniff=lambda p, h: False, read=lambda p, c: iter(()), CLAIMS_FOLDERS=True))
    with pytest.raises(TypeError, match="NAME"):
        check_reader(_module(sniff=lambda p, h: False, read=lambda p, c: iter(())))


def test_folder_units_hash_the_files_their_reader_declares() -> None:
    assert detect.folder_data_suffixes("telegram_html") == frozenset({".html"})
    assert ".xz" in detect.folder_data_suffixes("instaloader")
    assert detect.folder_data_suffixes("telegram_json") == frozenset()
