"""The corpus store (DuckDB): the only part of narrascope that speaks SQL to the file."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {"DEFAULT_DB": ".corpus", "Corpus": ".corpus", "FileResult": ".corpus", "IngestReport": ".corpus"}

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport"]


# the names above, imported on first use (narrascope._lazy): the store's light modules (e.g. ``.pseudonym``) can
# be imported without DuckDB.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .corpus import DEFAULT_DB, Corpus, FileResult, IngestReport
