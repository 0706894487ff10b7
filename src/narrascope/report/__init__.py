"""The HTML report: a self-contained page built from the store's counts and stored analysis results.

Reports read results; they never compute analyses. Sections are discovered from :mod:`.sections`.
"""

from .build import build_report, build_sections, write_report
from .model import ReportOptions, Section

__all__ = ["ReportOptions", "Section", "build_report", "build_sections", "write_report"]
