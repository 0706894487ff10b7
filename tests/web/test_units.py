"""Fast checks of the web helpers that need no server: host names, CSV cells, download names."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="the web tests need the web extra: pip install -e '.[web,test]'")

from narrascope.web.export import csv_cell, download_name  # noqa: E402
from narrascope.web.security import allowed_hosts, host_allowed  # noqa: E402


def test_host_names():
    hosts = allowed_hosts("192.168.1.5")
    for ok in ("127.0.0.1", "127.0.0.1:8765", "localhost:1", "[::1]:8765", "192.168.1.5:80", "LOCALHOST"):
        assert host_allowed(ok, hosts), ok
    for bad in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "", "[::2]:1", "localhost.evil:80"):
        assert not host_allowed(bad, hosts), bad
    assert not host_allowed("192.168.1.5", allowed_hosts(None))


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("plain") == "plain" and csv_cell(None) == "" and csv_cell(["a", "b"]) == "a | b"


def test_download_names_are_plain_ascii():
    assert download_name('<img src=x onerror=alert(1)>"; x=', "csv") == "img-src-x-onerror-alert-1-x.csv"
    assert download_name("", "parquet") == "export.parquet"


def test_posting_cache_keeps_recent_lists_within_its_budget():
    import numpy as np

    from narrascope.web.caches import PostingCache

    cache = PostingCache(budget=3200)  # 800 int32 rids; a list over a quarter of it is never kept
    calls: list[str] = []

    def make(key: str, n: int):
        def compute():
            calls.append(key)
            return np.arange(n, dtype=np.int32)
        return compute

    assert len(cache.get(("a",), make("a", 200))) == 200
    cache.get(("a",), make("a", 200))
    assert calls == ["a"]
    for key in "bcd":
        cache.get((key,), make(key, 200))  # exactly the budget: all four kept
    cache.get(("a",), make("a", 200))
    assert calls == ["a", "b", "c", "d"]
    cache.get(("e",), make("e", 200))  # over budget: the least recently used ("b") goes
    cache.get(("a",), make("a", 200))
    cache.get(("b",), make("b", 200))
    assert calls == ["a", "b", "c", "d", "e", "b"]
    cache.get(("big",), make("big", 300))
    cache.get(("big",), make("big", 300))
    assert calls[-2:] == ["big", "big"]


def test_accepted_connections_send_without_nagle_delay():
    """The listening socket says it is TCP, so asyncio sets TCP_NODELAY on every accepted connection; without it a
    keep-alive response after the first waited ~40 ms for the client's delayed ACK (measured: 52 ms vs 12 ms)."""
    import asyncio
    import concurrent.futures
    import socket

    from narrascope.web.server import _bind

    sock = _bind("127.0.0.1", 0)
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            conn = transport.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one all session
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=60)
    assert seen and seen[0] != 0
