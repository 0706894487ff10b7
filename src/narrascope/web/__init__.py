"""A local web interface over a corpus store (``narrascope serve``): overview, messages and search, frames,
validation coding, cascades. Needs the ``web`` extra (Starlette, uvicorn, python-multipart); Jinja2 and the
vendored htmx are part of narrascope itself.

    from narrascope.web import create_app, serve
    serve("corpus.duckdb", port=8765)        # blocks; prints the address
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import MissingDependency

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["create_app", "require_web", "serve"]


def require_web() -> None:
    """Raise :class:`MissingDependency` (one line: the pip command) when the web extra is not installed."""
    import importlib.util

    for module, package in (("starlette", "starlette"), ("uvicorn", "uvicorn"), ("multipart", "python-multipart")):
        if importlib.util.find_spec(module) is None:
            raise MissingDependency(package, "web")


def create_app(*args: Any, **kwargs: Any) -> Starlette:
    """The ASGI application (see :func:`narrascope.web.app.create_app`)."""
    require_web()
    from .app import create_app as _create

    return _create(*args, **kwargs)


def serve(*args: Any, **kwargs: Any) -> Any:
    """Run the server until interrupted (see :func:`narrascope.web.server.serve`)."""
    require_web()
    from .server import serve as _serve

    return _serve(*args, **kwargs)
