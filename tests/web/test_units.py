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
