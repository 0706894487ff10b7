"""The corpus store (DuckDB): the only part of narrascope that speaks SQL to the file."""

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {"DEFAULT_DB": ".corpus", "Corpus": ".corpus", "FileResult": ".corpus", "IngestReport": ".corpus"}

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport"]


def __getattr__(name: str) -> Any:
    """The names above, imported on first use (PEP 562): the store's light modules (e.g. ``.pseudonym``) can be
    imported without DuckDB."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .corpus import DEFAULT_DB, Corpus, FileResult, IngestReport
