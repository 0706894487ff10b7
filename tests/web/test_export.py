"""Exports: formula-neutralised CSV, Parquet that reads back, the same rows as the page."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from narrascope.text.normalize import normalize
from narrascope.web.export import csv_cell, download_name

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("plain") == "plain" and csv_cell(None) == "" and csv_cell(["a", "b"]) == "a | b"


def test_download_names_are_plain_ascii():
    assert download_name('<img src=x onerror=alert(1)>"; x=', "csv") == "img-src-x-onerror-alert-1-x.csv"
    assert download_name("", "parquet") == "export.parquet"


def test_message_exports_match_the_list(client):
    page = client.get("/messages?q=%D9%85%D9%82%D8%A7%D9%88%D9%85%D8%AA")  # مقاومت
    total = int(page.text.split('data-total="')[1].split('"')[0])
    assert total > 0
    data = client.get("/messages/export.csv?q=%D9%85%D9%82%D8%A7%D9%88%D9%85%D8%AA").content
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == total and all("مقاومت" in normalize(r["text"]) for r in rows)
    parquet = pl.read_parquet(io.BytesIO(client.get("/messages/export.parquet?q=%D9%85%D9%82%D8%A7%D9%88%D9%85%D8%AA")
                                         .content))
    assert parquet.height == total and set(parquet["uid"]) == {r["uid"] for r in rows}
    everything = client.get("/messages/export.parquet").content
    assert pl.read_parquet(io.BytesIO(everything)).height > total
