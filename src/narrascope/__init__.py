"""narrascope: turn claims about online information campaigns into measured, validated numbers."""

__version__ = "0.1.0"

from .errors import NarrascopeError  # noqa: E402
from .ingest.base import IngestOptions  # noqa: E402
from .store.corpus import Corpus  # noqa: E402

__all__ = ["Corpus", "IngestOptions", "NarrascopeError", "__version__"]
