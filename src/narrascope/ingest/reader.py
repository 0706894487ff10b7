"""What a reader is, for the type checker and at registration.

A reader is a module of :mod:`narrascope.ingest` registered by name in :data:`~.detect.READERS`. It satisfies
:class:`Reader`; one that ingests a folder as a whole also satisfies :class:`FolderReader`, and one that can hand
out column batches (no per-record dicts) also :class:`ColumnReader`. ``detect`` checks every registered module
against these protocols twice: statically (mypy sees the modules assigned to protocol-typed names, so a reader
missing a method fails the type check) and at import (:func:`check_reader`, for readers mypy never saw).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from .base import Columns, ReadContext

__all__ = ["ColumnReader", "FolderReader", "Reader", "check_reader"]


class Reader(Protocol):
    """A reader module: ``NAME``, ``sniff`` and ``read``."""

    NAME: str

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether ``path`` (``head``: its first 64 KB; empty for a folder) is in this reader's format."""

    def read(self, path: Path, ctx: ReadContext) -> Iterator[dict[str, Any]]:
        """Canonical records (see :class:`~narrascope.models.Record`) with raw author identities."""


class FolderReader(Reader, Protocol):
    """A reader that takes a folder as one unit (a Telegram HTML export, an instaloader folder)."""

    CLAIMS_FOLDERS: bool
    DATA_SUFFIXES: frozenset[str]
    """Suffixes of the files in such a folder that carry content: the unit's hash and progress cover them."""


class ColumnReader(Reader, Protocol):
    """A reader that can also hand out its rows as column batches."""

    def read_columns(self, path: Path, ctx: ReadContext, batch_rows: int) -> Iterator[Columns] | None:
        """The rows of :meth:`read` as column batches of about ``batch_rows``, or None when this file is better
        read by :meth:`read`."""


def check_reader(module: ModuleType) -> ModuleType:
    """``module`` if it has what :class:`Reader` requires (and :class:`FolderReader` when it claims folders);
    a TypeError naming what is missing otherwise — a bug in the reader, caught when it is registered."""
    missing = [name for name in ("sniff", "read") if not callable(getattr(module, name, None))]
    if not isinstance(getattr(module, "NAME", None), str):
        missing.append("NAME")
    if getattr(module, "CLAIMS_FOLDERS", False) and not isinstance(getattr(module, "DATA_SUFFIXES", None), frozenset):
        missing.append("DATA_SUFFIXES")
    if hasattr(module, "read_columns") and not callable(module.read_columns):
        missing.append("read_columns (not callable)")
    if missing:
        raise TypeError(f"reader {module.__name__} lacks {', '.join(missing)} (see narrascope.ingest.reader)")
    return module
