"""Running the web interface: bind (loopback unless told otherwise), print the address, serve until Ctrl-C.

The socket is bound and listening before the address is printed, so whoever reads the line can connect at once;
port 0 picks a free port. ``check=True`` starts the server, fetches every top-level page once through the real
socket and stops: a smoke test of an installation (and what the terminal test runs).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import NarrascopeError, StoreError, UsageError

__all__ = ["CHECK_PAGES", "ServeInfo", "serve"]

CHECK_PAGES = ("/", "/messages", "/frames", "/validate", "/cascades", "/jobs", "/static/htmx.min.js")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServeInfo:
    url: str
    host: str
    port: int
    db: str
    read_only: bool


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, and without it every
    # keep-alive response after a connection's first waits ~40 ms for the client's delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _url(host: str, port: int) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _check(url: str, host_header: str) -> list[str]:
    """Fetch the check pages; returns the problems (empty when every page answered 200)."""
    import httpx

    problems = []
    with httpx.Client(base_url=url.rstrip("/"), headers={"host": host_header}, timeout=60) as client:
        for page in CHECK_PAGES:
            response = client.get(page)
            if response.status_code != 200:
                problems.append(f"{page}: HTTP {response.status_code}")
    return problems


def serve(db: str | Path, *, host: str = "127.0.0.1", port: int = 8765, read_only: bool = False,
          announce: Callable[[ServeInfo], None] = lambda info: None, check: bool = False) -> ServeInfo:
    """Serve the store at ``db`` until interrupted (or, with ``check``, until every page answered once)."""
    import uvicorn

    from .app import create_app

    path = Path(db)
    if not path.is_file():
        raise StoreError(f"no corpus store at {path}: run `narrascope ingest PATH --db {path}` (or "
                         "`narrascope demo`) first")
    from ..store.serving import SharedStore

    # opened here, not in the app's startup: a store held by another process is then a one-line error
    store = SharedStore(path, read_only=read_only)
    try:
        sock = _bind(host, port)
    except BaseException:
        store.close()
        raise
    app = create_app(path, host=host, read_only=read_only, store=store)
    bound_port = sock.getsockname()[1]
    info = ServeInfo(_url(host, bound_port), host, bound_port, str(path), read_only)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    problems: list[str] = []
    failure: list[BaseException] = []

    def checker() -> None:
        try:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                problems.extend(_check(info.url, "127.0.0.1" if host in ("0.0.0.0", "::") else host))
        except BaseException as exc:  # reported below, after the server stopped
            failure.append(exc)
        finally:
            server.should_exit = True

    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        if server.started:
            announce(info)

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=checker, daemon=True) if check else None
    if thread:
        thread.start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its graceful shutdown: for a server, that is how it is stopped
    finally:
        sock.close()
    if thread:
        thread.join(10)
    if failure:
        raise failure[0]
    if not server.started:
        raise StoreError(f"the server did not start on {info.url}: see the message above")
    if problems:
        raise NarrascopeError("pages failed the check: " + "; ".join(problems))
    return info
