"""What a reader is, for the type checker and at registration.

A reader is a module of :mod:`narrascope.ingest` registered by name in :data:`~.detect.READERS`. It satisfies
:class:`Reader`; one that ingests a folder as a whole also satisfies :class:`FolderReader`, and one that can hand
out column batches (no per-record dicts) also :class:`ColumnReader`, and one whose files can be cut into parts read
on their own (one per core) also :class:`PartReader`. ``detect`` checks every registered module
against these protocols twice: statically (mypy sees the modules assigned to protocol-typed names, so a reader
missing a method fails the type check) and at import (:func:`check_reader`, for readers mypy never saw).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from .base import Columns, ReadContext

__all__ = ["ColumnReader", "FolderReader", "PartFailed", "PartReader", "Reader", "check_reader"]


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


class PartFailed(Exception):
    """A part cannot be read on its own: read the whole file (:meth:`ColumnReader.read_columns`)."""


class PartReader(ColumnReader, Protocol):
    """A column reader whose files can be cut into parts, each read on its own (in another process): the store
    reads them on every core. Parts must be picklable; reading them all, in order, gives :meth:`read`'s rows."""

    def column_parts(self, path: Path, ctx: ReadContext, parts: int) -> list[Any] | None:
        """Up to ``parts`` parts of ``path``, or None when the file is better read whole (:meth:`read_columns`).
        Registers the file's channels in ``ctx`` as reading it whole would."""

    def read_column_part(self, part: Any, ctx: ReadContext, batch_rows: int) -> Iterator[Columns]:
        """The part's rows as column batches. Raises :class:`PartFailed` when the file must be read whole
        instead (an error or a quirk in the part): reading it whole then gives the rows, notes and errors."""


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
    if hasattr(module, "column_parts") and not (callable(getattr(module, "read_column_part", None))
                                                and callable(getattr(module, "read_columns", None))):
        missing.append("read_column_part and read_columns (it has column_parts)")
    if missing:
        raise TypeError(f"reader {module.__name__} lacks {', '.join(missing)} (see narrascope.ingest.reader)")
    return module
