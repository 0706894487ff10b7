"""Paged lists: the page a request asks for, one page of a table as template context, and the export format a
request names — the same for every list the pages show, so a hand-edited URL behaves alike everywhere."""

from __future__ import annotations

from typing import Any

import polars as pl
from starlette.requests import Request

from ..errors import UsageError
from .export import FORMATS

__all__ = ["export_format", "page_count", "page_number", "paged"]


def page_number(request: Request, most: int | None = None) -> int:
    """The ``page`` query parameter: 1 when missing or not a number, never below 1 (nor above ``most``)."""
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1
    return page if most is None else min(most, page)


def page_count(total: int, size: int, most: int | None = None) -> int:
    """Pages of ``size`` rows that ``total`` rows fill (at most ``most``)."""
    pages = (total + size - 1) // size
    return pages if most is None else min(most, pages)


def paged(frame: pl.DataFrame, page: int, size: int) -> dict[str, Any]:
    """Page ``page`` of ``frame`` for a template: ``rows`` (dicts), ``page``, ``pages`` and ``total``."""
    return {"rows": frame.slice((page - 1) * size, size).to_dicts(), "page": page,
            "pages": page_count(frame.height, size), "total": frame.height}


def export_format(request: Request) -> str:
    """The ``fmt`` path parameter of an export URL; anything but csv or parquet is a usage error."""
    fmt = str(request.path_params["fmt"])
    if fmt not in FORMATS:
        raise UsageError(f"export format {fmt!r}: choose csv or parquet")
    return fmt
