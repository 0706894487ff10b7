"""Exports: formula-neutralised CSV, Parquet that reads back, the same rows as the page."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from narrascope.text.normalize import normalize

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


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
