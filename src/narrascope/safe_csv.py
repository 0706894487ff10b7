"""CSV and spreadsheet exports that cannot run formulas: the one helper every export uses.

A channel name or message text such as ``=HYPERLINK("http://…","click")`` becomes a live formula when a CSV is opened
in Excel, LibreOffice or Google Sheets (CSV injection; OWASP lists ``=``, ``+``, ``-``, ``@``, tab and carriage return
as the leading characters that trigger it). Every text cell starting with one of them gets a leading apostrophe,
which spreadsheets show as text and do not display; numbers in numeric columns are left alone. Files are written to
a temporary sibling and moved into place, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl

from .errors import UsageError

__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_frame", "write_csv"]

#: leading characters that make a spreadsheet read a cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` neutralised (lists of text joined by ``; ``, as CSV cannot hold lists)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.List(pl.String):
            col = col.list.join("; ")
        elif dtype != pl.String:
            continue
        exprs.append(pl.when(col.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def write_csv(frame: pl.DataFrame, path: str | Path, *, excel: bool = False) -> Path:
    """Write ``frame`` as CSV with formulas neutralised, atomically. ``excel``: UTF-8 with a byte-order mark and
    CRLF line ends, which Excel needs to show Persian and Arabic text intact."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{p} is a folder: give the CSV file's path")
    if not p.parent.is_dir():
        raise UsageError(f"cannot write {p}: the folder {p.parent} does not exist")
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        neutralise_frame(frame).write_csv(tmp, include_bom=excel, line_terminator="\r\n" if excel else "\n")
        tmp.replace(p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {p}: {exc.strerror or exc}") from None
    return p
