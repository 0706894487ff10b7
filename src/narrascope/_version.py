"""The version, in a module of its own: store/, report/ and exports record it without importing the package face
(``narrascope/__init__.py``, which lazily re-exports the public API). pyproject.toml reads it from here too."""

__version__ = "0.1.0"
