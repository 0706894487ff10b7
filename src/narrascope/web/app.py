"""The web application: routes of every page, the security middleware, startup and shutdown.

Pages read the store through :class:`~narrascope.store.serving.SharedStore` and call the same public library
functions as the CLI; they never compute an analysis of their own. POST routes are added only through
:func:`_post`, which wraps them in the CSRF check.
"""

from __future__ import annotations

import secrets
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import NarrascopeError
from ..store.serving import SharedStore
from . import views_browse, views_cascades, views_coding, views_frames, views_jobs, views_network
from .security import SecurityMiddleware, allowed_hosts, csrf_protected
from .state import WebState, state

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"


def _post(path: str, endpoint: Callable[[Request], Awaitable[Response]], name: str) -> Route:
    return Route(path, csrf_protected(endpoint), methods=["POST"], name=name)


async def _favicon(request: Request) -> Response:
    return Response(status_code=204)


async def _user_error(request: Request, exc: Exception) -> Response:
    return state(request).page(request, "error.html", status=400, title="Cannot do that", message=str(exc))


async def _bug(request: Request, exc: Exception) -> Response:
    """A bug: the traceback goes to the server's terminal, the page says so (as HTML, under the same headers)."""
    traceback.print_exception(exc)
    return state(request).page(request, "error.html", status=500, title="Internal error",
                               message=f"internal error: {type(exc).__name__} — this is a narrascope bug; the "
                                       "server's terminal shows the traceback: please report it")


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return state(request).page(request, "error.html", status=code, title=str(code), message=str(detail))


def create_app(db: str | Path, *, host: str = "127.0.0.1", read_only: bool = False,
               build_index: bool = True, store: SharedStore | None = None) -> Starlette:
    """The ASGI app serving the store at ``db`` (opened when the app starts, unless an opened ``store`` is
    given; closed when it stops)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal store
        store = store or SharedStore(db, read_only=read_only)
        web = WebState(store=store, host=host)
        app.state.web = web
        if build_index:
            views_browse.ensure_index(web)
        if web.index_ready():
            web.load_directories()  # channel filters and uid look-ups in memory: loaded in the background
        threading.Thread(target=views_browse.warm_up, args=(web,), name="warm-up", daemon=True).start()
        try:
            yield
        finally:
            web.jobs.shutdown()
            store.close()

    routes: list[BaseRoute] = [
        *views_browse.routes(),
        *views_frames.routes(_post),
        *views_coding.routes(_post),
        *views_cascades.routes(_post),
        *views_jobs.routes(_post),
        *views_network.routes(_post),
        Route("/favicon.ico", _favicon, name="favicon"),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    # every POST route is CSRF-checked: the _post factory is the only way one is made
    for route in routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            assert getattr(route.endpoint, "csrf_protected", False), route.path
    secret = secrets.token_bytes(32)
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware, hosts=allowed_hosts(host), secret=secret)],
        exception_handlers={NarrascopeError: _user_error, HTTPException: _http_error, Exception: _bug},
        lifespan=lifespan,
    )
    return app
