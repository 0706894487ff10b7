"""Readers: one module per source format, each yielding canonical records. See :mod:`.base` and :mod:`.detect`."""

from .base import IngestOptions, ReadContext

__all__ = ["IngestOptions", "ReadContext"]
