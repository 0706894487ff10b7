"""The HTML report: a self-contained page built from the store's counts and stored analysis results.

Reports read results; they never compute analyses. Sections are discovered from :mod:`.sections`.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from .model import ReportOptions, Section

_EXPORTS = {"build_report": ".build", "build_sections": ".build", "write_report": ".build"}

__all__ = ["ReportOptions", "Section", "build_report", "build_sections", "write_report"]


# the names above, imported on first use (narrascope._lazy): the options (the CLI's flags) need no DuckDB or
# polars.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .build import build_report, build_sections, write_report
