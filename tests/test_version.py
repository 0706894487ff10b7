"""One version, in narrascope/_version.py: the package face re-exports it, pyproject.toml reads it, and no module
inside the package imports it from the face (store/, report/ and exports would import the whole public API)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

import narrascope
from narrascope._version import __version__

SRC = Path(narrascope.__file__).resolve().parent
ROOT = SRC.parents[1]


def _imports_from_the_face(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_depth = len(path.relative_to(SRC).parts)  # narrascope/x.py: 1, narrascope/store/x.py: 2
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.ImportFrom) and any(a.name == "__version__" for a in node.names)
                and (node.module == "narrascope" or (node.level == package_depth and not node.module))):
            lines.append(node.lineno)
    return lines


@pytest.mark.slow
def test_no_module_takes_the_version_from_the_package_face():
    offenders = {str(p.relative_to(SRC)): lines for p in SRC.rglob("*.py") if p != SRC / "__init__.py"
                 if (lines := _imports_from_the_face(p))}
    assert not offenders, f"import __version__ from narrascope._version instead: {offenders}"


def test_one_version_everywhere():
    assert narrascope.__version__ == __version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "narrascope._version.__version__"
