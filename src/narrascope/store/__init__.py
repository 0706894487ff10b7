"""The corpus store (DuckDB): the only part of narrascope that speaks SQL to the file."""

from .corpus import DEFAULT_DB, Corpus, FileResult, IngestReport

__all__ = ["DEFAULT_DB", "Corpus", "FileResult", "IngestReport"]
