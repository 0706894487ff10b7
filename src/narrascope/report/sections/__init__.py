"""Report sections, discovered: every module here (not starting with ``_``) is one section.

A section module exposes::

    ORDER: int                                     # position on the page (overview = 10)
    def build(corpus: Corpus, options: ReportOptions) -> Section | None   # None: nothing to show

Sections read ``corpus.info()`` and stored analysis results; they never compute analyses themselves. Render
HTML with :func:`narrascope.report.render.render` (autoescaped templates in report/templates/).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["discover"]


def discover() -> list[ModuleType]:
    """Section modules sorted by (ORDER, module name); a module without ORDER or build() is a bug, so it raises."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not isinstance(getattr(module, "ORDER", None), int) or not callable(getattr(module, "build", None)):
            raise TypeError(f"report section module {module.__name__} must define ORDER: int and build(corpus, options)")
        modules.append(module)
    return sorted(modules, key=lambda m: (m.ORDER, m.__name__))
