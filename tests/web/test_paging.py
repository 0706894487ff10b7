"""Paged lists: the page a URL asks for (missing, junk, too small, too large), one page of a table, page counts,
and export formats — shared by the messages list, an edge's evidence and a coordinated group's."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from narrascope.errors import UsageError
from narrascope.web.paging import export_format, page_count, page_number, paged


def _request(query: str = "", fmt: str | None = None) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": [],
             "path_params": {} if fmt is None else {"fmt": fmt}}
    return Request(scope)


def test_page_numbers_from_the_query_string():
    assert page_number(_request()) == 1
    assert page_number(_request("page=7")) == 7
    for junk in ("page=", "page=two", "page=1.5", "page=0", "page=-4"):
        assert page_number(_request(junk)) == 1, junk
    assert page_number(_request("page=99999"), most=2000) == 2000
    assert page_number(_request("page=12"), most=2000) == 12


@given(st.integers(0, 500), st.integers(1, 60))
def test_pages_cover_every_row_once(total, size):
    frame = pl.DataFrame({"i": list(range(total))})
    pages = page_count(total, size)
    seen = []
    for page in range(1, pages + 1):
        ctx = paged(frame, page, size)
        assert ctx["page"] == page and ctx["pages"] == pages and ctx["total"] == total
        assert 0 < len(ctx["rows"]) <= size
        seen += [r["i"] for r in ctx["rows"]]
    assert seen == list(range(total))
    assert paged(frame, pages + 1, size)["rows"] == []
    assert page_count(total, size, most=3) == min(3, pages)


def test_export_formats():
    assert export_format(_request(fmt="csv")) == "csv" and export_format(_request(fmt="parquet")) == "parquet"
    with pytest.raises(UsageError, match="choose csv or parquet"):
        export_format(_request(fmt="xlsx"))
