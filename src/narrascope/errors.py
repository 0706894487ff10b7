"""Every error narrascope raises on purpose derives from :class:`NarrascopeError`.

The tree::

    NarrascopeError            a user can act on it; the CLI prints one line and exits 2
    ├── InputError             a source file is unreadable or malformed (names file and position)
    │   └── FormatNotRecognised  no reader claims the file (or --format names an unknown one)
    ├── StoreError             the corpus store cannot be used as asked
    │   └── StoreVersionError  the store was written by a newer narrascope, or is not a narrascope store
    ├── UsageError             arguments that contradict each other or name unknown things
    └── MissingDependency      an optional extra is needed (message says which pip command installs it)

Anything else escaping the library is a bug: the CLI exits 1 and asks for a report.
Messages say what happened, why, and how to fix it, in one line.
"""

from __future__ import annotations

__all__ = [
    "FormatNotRecognised",
    "InputError",
    "MissingDependency",
    "NarrascopeError",
    "StoreError",
    "StoreVersionError",
    "UsageError",
]


class NarrascopeError(Exception):
    """Base class: an error the user can fix. ``str(err)`` is a complete one-line message."""


class InputError(NarrascopeError):
    """A source file is malformed. Carries the file and, where known, the position in it."""

    def __init__(self, message: str, *, path: object = None, position: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.position = position
        prefix = ""
        if self.path:
            prefix = f"{self.path}"
            if position:
                prefix += f" ({position})"
            prefix += ": "
        super().__init__(prefix + message)


class FormatNotRecognised(InputError):
    """No reader recognises the file's structure."""


class StoreError(NarrascopeError):
    """The corpus store cannot be opened or changed as asked."""


class StoreVersionError(StoreError):
    """The store's schema is newer than this narrascope, or the file is not a narrascope store."""


class UsageError(NarrascopeError):
    """Arguments contradict each other or name something that does not exist."""


class MissingDependency(NarrascopeError):
    """An optional dependency is missing; the message names the pip command that installs it."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(f"this feature needs {package}: pip install 'narrascope[{extra}]'")
