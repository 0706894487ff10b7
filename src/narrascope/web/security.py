"""Every message, name and label the server shows is hostile text; the server is reachable by any page the user's
browser opens. What stands in the way:

- **Host check** (DNS rebinding: a hostile site whose name resolves to 127.0.0.1 would otherwise talk to us as
  "same origin"): only ``127.0.0.1``, ``localhost``, ``[::1]`` and the ``--host`` given are accepted;
- **Origin check** on state-changing requests: a cross-site POST is refused even before its token is looked at;
- **CSRF tokens**: a random per-browser id in a SameSite=Strict, HttpOnly cookie, and a token = HMAC(server key,
  id) that every form carries (field ``csrf_token``) and htmx sends as the ``X-CSRF-Token`` header. Every POST
  route is registered through :func:`csrf_protected` (``app.py`` has no other way to add one);
- **Content-Security-Policy** without ``'unsafe-inline'`` or ``'unsafe-eval'``: scripts and styles only from our
  own vendored files, no inline handlers, no inline ``style`` attributes (bars are ``<progress>``/``<meter>`` or
  SVG attributes); plus nosniff, no framing, no referrer;
- templates autoescape (``app.py``); highlighted text is built from escaped pieces (``render.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "CSRF_COOKIE", "CSRF_FIELD", "CSRF_HEADER", "SecurityMiddleware", "allowed_hosts", "csrf_protected",
           "csrf_token", "host_allowed"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
CSRF_COOKIE = "narrascope_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def allowed_hosts(host: str | None) -> frozenset[str]:
    """Host names the server answers to: loopback names and the one it was bound to."""
    names = set(_LOOPBACK)
    if host:
        names.add(host.strip("[]").lower())
    return frozenset(names)


def _host_name(value: str) -> str:
    """The name part of a Host header ("[::1]:8765" → "::1", "localhost:80" → "localhost")."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(header: str, allowed: frozenset[str]) -> bool:
    return _host_name(header) in allowed


def csrf_token(secret: bytes, browser_id: str) -> str:
    return hmac.new(secret, browser_id.encode(), hashlib.sha256).hexdigest()


class SecurityMiddleware:
    """Host and Origin checks, the CSRF cookie, and security headers on every response (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], secret: bytes) -> None:
        self.app = app
        self.hosts = hosts
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not host_allowed(headers.get("host", ""), self.hosts):
            await PlainTextResponse("unknown host: open the address narrascope serve printed", 421)(scope, receive,
                                                                                                 send)
            return
        if scope["method"] in _UNSAFE:
            origin = headers.get("origin") or headers.get("referer")
            if origin and origin != "null" and not host_allowed(urlsplit(origin).netloc, self.hosts):
                await PlainTextResponse("cross-site request refused", 403)(scope, receive, send)
                return
        request = Request(scope)
        browser_id = request.cookies.get(CSRF_COOKIE)
        new_id = None
        if not browser_id or len(browser_id) != 43:
            browser_id = new_id = secrets.token_urlsafe(32)
        scope.setdefault("state", {})
        scope["state"]["csrf_token"] = csrf_token(self.secret, browser_id)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(_HEADERS)
                if new_id:
                    extra.append((b"set-cookie", f"{CSRF_COOKIE}={new_id}; Path=/; HttpOnly; SameSite=Strict"
                                  .encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_protected(endpoint: Endpoint) -> Endpoint:
    """Refuse the request unless it carries this browser's token (header, or form field)."""

    @wraps(endpoint)
    async def checked(request: Request) -> Response:
        expected = request.state.csrf_token
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                form = await request.form()
                value: Any = form.get(CSRF_FIELD)
                given = value if isinstance(value, str) else None
        if not given or not hmac.compare_digest(given, expected):
            return PlainTextResponse("missing or wrong CSRF token: reload the page and try again", 403)
        return await endpoint(request)

    checked.csrf_protected = True  # type: ignore[attr-defined]
    return checked
