"""The HTML report: a self-contained page built from the store's counts and stored analysis results.

Reports read results; they never compute analyses. Sections are discovered from :mod:`.sections`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .model import ReportOptions, Section

_EXPORTS = {"build_report": ".build", "build_sections": ".build", "write_report": ".build"}

__all__ = ["ReportOptions", "Section", "build_report", "build_sections", "write_report"]


def __getattr__(name: str) -> Any:
    """The names above, imported on first use (PEP 562): the options (the CLI's flags) need no DuckDB or polars."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .build import build_report, build_sections, write_report
