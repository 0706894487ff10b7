"""The report's data model: options for a report and the section every section module returns.

A section is rendered HTML plus the JSON-ready numbers behind it; the page embeds those numbers as
``<script type="application/json" id="data-<section id>">`` so readers and tests can check every chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

__all__ = ["ReportOptions", "Section"]

_SECTION_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows. CLI flags derive from these fields."""

    title: str = "narrascope report"
    #: rows of the channel table (every channel stays in the embedded data)
    max_channels: int = 30
    #: channels drawn as their own series in time charts; the rest are summed as "other"
    chart_channels: int = 8
    #: frame lexicon for the frames section; None = no frames section
    lexicon: Path | None = None
    #: coded validation samples: the frames section adds corrected shares beside the raw ones
    validated: tuple[Path, ...] = ()
    #: highlighted example messages per frame
    examples: int = 4

    def __post_init__(self) -> None:
        if self.max_channels < 1 or self.chart_channels < 1:
            raise ValueError("max_channels and chart_channels must be at least 1")
        if self.validated and self.lexicon is None:
            from ..errors import UsageError

            raise UsageError("--validated corrects the shares of a lexicon's frames: give the lexicon the coded "
                             "sample was drawn with, --lexicon LEXICON (validated without lexicon= in Python)")


@dataclass(frozen=True)
class Section:
    """One part of the report: ``html`` is an already-rendered, escaped fragment; ``data`` is JSON-ready."""

    id: str
    title: str
    html: Markup
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _SECTION_ID.match(self.id):
            raise ValueError(f"section id {self.id!r} must be lowercase letters, digits and hyphens")
        if not isinstance(self.html, Markup):
            raise TypeError("Section.html must be markupsafe.Markup (render it through a template)")
