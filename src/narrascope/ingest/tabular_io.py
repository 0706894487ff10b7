"""Reading tables without surprises: kind, encoding, delimiter and timestamp detection, streamed row by row.

Shared by the ``table``, ``fourcat`` and ``telegram_tracker`` readers. :func:`open_table` looks at a file once
(its kind by structure; its text encoding and delimiter by :mod:`narrascope.csvsniff`, the detector every CSV
narrascope reads goes through) and returns a :class:`TableSource` whose :meth:`~TableSource.rows` streams dicts: the ``csv``
module over a text stream for CSV/TSV, one ``json.loads`` per line for JSONL, pyarrow ``iter_batches`` for
Parquet, openpyxl's read-only mode for Excel. Nothing holds the whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..csvsniff import detect_delimiter, detect_encoding, long_fields, sniff_csv, utf16_without_bom
from ..errors import InputError, MissingDependency
from .json_guard import TooDeep, load_json_line

__all__ = [
    "TableSource",
    "TimestampParser",
    "detect_delimiter",
    "detect_encoding",
    "header_of",
    "open_table",
    "parse_timestamp",
    "table_kind",
    "to_int",
]

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

#: a line no real table holds, appended after the last one to notice a quote left open at the end of the file
_EOF_SENTINEL = "\ue000narrascope-end-of-file\ue000"


# ---------------------------------------------------------------------------------------------- kind
def _first_line(head: bytes) -> bytes | None:
    text = head.lstrip(_UTF8_BOM).lstrip()
    end = text.find(b"\n")
    return text[:end] if end >= 0 else (text if len(head) < 65536 else None)


def table_kind(path: Path, head: bytes) -> str | None:
    """'parquet', 'xlsx', 'jsonl', 'csv' or None, by the file's first bytes (extension only breaks ties)."""
    suffix = path.suffix.lower()
    if not head or path.is_dir():
        return None
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if (suffix in (".xlsx", ".xlsm") or b"xl/" in head) else None
    if head.startswith(_UTF16_BOMS):
        return "csv"
    if b"\x00" in head:
        utf16 = utf16_without_bom(head)
        text = head[: len(head) // 2 * 2].decode(utf16, errors="replace") if utf16 else ""
        return "csv" if utf16 and detect_delimiter(text, suffix) is not None else None
    stripped = head.lstrip(_UTF8_BOM).lstrip()
    if stripped.startswith(b"{"):
        line = _first_line(head)
        if line is None:
            return "jsonl" if suffix in (".jsonl", ".ndjson") else None
        try:
            return "jsonl" if isinstance(load_json_line(line)[0], dict) else None
        except (ValueError, TooDeep):
            return None
    if stripped.startswith((b"[", b"<")):
        return None
    text = head.decode("utf-8", errors="replace")
    if detect_delimiter(text, suffix) is not None:
        return "csv"
    return "csv" if suffix in (".csv", ".tsv", ".tab") else None


_HEADER_MAX = 16 << 20


def _header_bytes(path: Path, head: bytes) -> bytes:
    """The head, extended to the end of the first line when that line is longer than the head (a header of
    hundreds of columns): a cut header would miss the columns that identify a format."""
    if b"\n" in head or b"\r" in head or len(head) < 65536:
        return head
    with path.open("rb") as fh:
        data = fh.read(65536)
        while data and b"\n" not in data[-65536:] and b"\r" not in data[-65536:] and len(data) < _HEADER_MAX:
            more = fh.read(1 << 20)
            if not more:
                break
            data += more
    return data


def header_of(path: Path, head: bytes) -> list[str] | None:
    """Column names of a CSV/TSV from its first bytes (for sniffing), else None."""
    if table_kind(path, head) != "csv":
        return None
    head = _header_bytes(path, head)
    utf16 = "utf-16" if head.startswith(_UTF16_BOMS) else utf16_without_bom(head) if b"\x00" in head else None
    text = head[: len(head) // 2 * 2].decode(utf16, errors="replace") if utf16 else \
        head.decode("utf-8-sig", errors="replace")
    delim = detect_delimiter(text, path.suffix.lower()) or ","
    try:
        with long_fields():
            first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delim), None)
    except csv.Error:
        return None
    return [c.strip() for c in first] if first else None


# ---------------------------------------------------------------------------------------------- rows
@dataclass
class TableSource:
    """A table ready to stream: what it is, how it is encoded, its columns."""

    path: Path
    kind: str
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    progress: Callable[[int], None] | None = field(default=None, repr=False)
    surrogates: int = 0
    """Lone UTF-16 surrogates replaced by U+FFFD while reading JSON lines."""

    def describe(self) -> str:
        if self.kind == "csv":
            name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(self.delimiter or ",", "comma")
            return f"{'TSV' if self.delimiter == chr(9) else 'CSV'} ({name}-separated, {self.encoding})"
        return {"jsonl": f"JSON lines ({self.encoding})", "parquet": "Parquet", "xlsx": "Excel workbook"}[self.kind]

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, row) pairs; row numbers count data rows from 1 (the header is not a row)."""
        return {"csv": self._csv_rows, "jsonl": self._jsonl_rows, "parquet": self._parquet_rows,
                "xlsx": self._xlsx_rows}[self.kind]()

    def _tick(self, raw: Any, n: int) -> None:
        if self.progress is not None and n % 5000 == 0:
            self.progress(raw.tell())

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Rows of a CSV/TSV. A file cut short is an error, like truncated JSON: a row with fewer fields than the
        header (a row cut in two, or damaged), and a quote left open at the end of the file (which would swallow
        everything after it into one field)."""
        # Columns up to the last named one: a header ending in a delimiter names an empty last column that rows
        # written without the trailing delimiter do not have.
        width = max((i + 1 for i, c in enumerate(self.columns) if c), default=len(self.columns))
        with long_fields(), self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding or "utf-8", newline="")
            # After the last line comes a sentinel line: if a quote is still open, the csv module reads the sentinel
            # into the open field (it does not report an unterminated quote itself).
            reader = csv.reader(itertools.chain(text, (_EOF_SENTINEL + "\n",)), delimiter=self.delimiter or ",")
            try:
                next(reader, None)  # header, already read by open_table
                for n, values in enumerate(reader, start=1):
                    if values and values[-1].endswith(_EOF_SENTINEL + "\n"):
                        raise InputError("a quote opened in the last row is never closed: the file is cut short or "
                                         "damaged; export it again", path=self.path, position=f"row {n}")
                    if values == [_EOF_SENTINEL]:
                        break
                    if not values or not any(v.strip() for v in values):
                        continue
                    if len(values) > width and any(v.strip() for v in values[width:]):
                        raise InputError(f"has {len(values)} fields where the header names {width}: check the "
                                         "delimiter and quoting", path=self.path, position=f"row {n}")
                    if len(values) < width:
                        raise InputError(f"has {len(values)} field(s) where the header names {width}: the row is cut "
                                         "short (an export interrupted, or a damaged line); export the file again",
                                         path=self.path, position=f"row {n}")
                    yield n, dict(zip(self.columns, values, strict=False))
                    self._tick(raw, n)
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc}): check quoting", path=self.path,
                                 position=f"line {reader.line_num}") from None

    def _jsonl_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding or "utf-8")
            n = 0
            for line_no, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                try:
                    obj, repaired = load_json_line(line.encode("utf-8"), self.path, f"line {line_no}")
                except ValueError as exc:
                    raise InputError(f"not a JSON object ({exc.args[0]})", path=self.path,
                                     position=f"line {line_no}") from None
                if not isinstance(obj, dict):
                    raise InputError("each line must be a JSON object", path=self.path, position=f"line {line_no}")
                self.surrogates += repaired
                n += 1
                yield n, obj
                self._tick(raw, n)

    def _parquet_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        import pyarrow.parquet as pq

        n = 0
        try:
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=10_000):
                for row in batch.to_pylist():
                    n += 1
                    yield n, row
        except (OSError, pa.ArrowException) as exc:  # damaged pages surface only when read
            raise InputError(f"cannot read the Parquet file ({_message_line(str(exc))}): it is damaged or cut short",
                             path=self.path, position=f"after row {n:,}") from None

    def _xlsx_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        book = _open_workbook(self.path)
        n = 0
        try:
            sheet_rows = book.worksheets[0].iter_rows(values_only=True)
            next(sheet_rows, None)
            for n, values in enumerate(sheet_rows, start=1):
                if values and any(v is not None for v in values):
                    yield n, dict(zip(self.columns, values, strict=False))
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types (zip, XML, KeyError) for damaged sheets
            raise InputError(f"cannot read the workbook ({_message_line(str(exc)) or type(exc).__name__}): it is "
                             "damaged; save it again from the spreadsheet program", path=self.path,
                             position=f"after row {n:,}") from None
        finally:
            book.close()


def _open_workbook(path: Path) -> Any:
    try:
        import openpyxl
    except ImportError:
        raise MissingDependency("openpyxl", "excel") from None
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(f"cannot open the workbook ({_message_line(str(exc)) or type(exc).__name__})", path=path) from None


def open_table(path: Path, progress: Callable[[int], None] | None = None) -> tuple[TableSource, list[str]]:
    """Detect a table's kind, encoding, delimiter and columns. Returns the source and notes for the ingest log."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    kind = table_kind(path, head)
    notes: list[str] = []
    if kind is None:
        raise InputError("is not a table narrascope can read (CSV, TSV, JSON lines, Parquet, Excel)", path=path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            columns = list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
            raise InputError(f"cannot read the Parquet file ({_message_line(str(exc))})", path=path) from None
        return TableSource(path, kind, columns, progress=progress), notes
    if kind == "xlsx":
        book = _open_workbook(path)
        try:
            first = next(book.worksheets[0].iter_rows(values_only=True, max_row=1), ())
            if len(book.worksheets) > 1:
                notes.append(f"workbook has {len(book.worksheets)} sheets: read the first only")
        finally:
            book.close()
        columns = [str(c).strip() if c is not None else f"column_{i + 1}" for i, c in enumerate(first)]
        return TableSource(path, kind, columns, progress=progress), notes
    if kind == "jsonl":
        encoding, note = detect_encoding(path)
        notes += [note] if note else []
        return TableSource(path, kind, _jsonl_columns(path, encoding), encoding, progress=progress), notes
    sniffed = sniff_csv(path)  # the detector every CSV narrascope reads goes through (narrascope.csvsniff)
    encoding, delimiter = sniffed.encoding, sniffed.delimiter
    notes += [sniffed.note] if sniffed.note else []
    with long_fields(), path.open(encoding=encoding, newline="") as fh:  # the whole first record: a header may
        try:                                                           # exceed the sample
            header = next(csv.reader(fh, delimiter=delimiter), None)
        except csv.Error as exc:
            raise InputError(f"malformed header ({exc}): check quoting", path=path, position="line 1") from None
    if not header:
        raise InputError("has no header row", path=path, position="line 1")
    if not _ends_with_line_break(path, encoding):
        notes.append("the file does not end with a line break: check that its last row is complete (a copy cut "
                     "short loses its end)")
    return TableSource(path, kind, [c.strip() for c in header], encoding, delimiter, progress), notes


def _ends_with_line_break(path: Path, encoding: str) -> bool:
    width = 2 if encoding.startswith("utf-16") else 1
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        if fh.tell() < width:
            return True
        fh.seek(-width, io.SEEK_END)
        last = fh.read(width)
    return last in (b"\n", b"\r", b"\n\x00", b"\r\x00", b"\x00\n", b"\x00\r")


def _message_line(text: str) -> str:
    """The first line of a library's error message (pyarrow's run over several)."""
    return text.strip().splitlines()[0] if text.strip() else ""


def _jsonl_columns(path: Path, encoding: str) -> list[str]:
    """Keys of the first JSON line (later lines may add keys; mapped columns must exist in the first)."""
    with path.open(encoding=encoding) as fh:
        for line in fh:
            if line.strip():
                try:
                    obj, _ = load_json_line(line.encode("utf-8"), path, "line 1")
                except ValueError:
                    raise InputError("not a JSON object", path=path, position="line 1") from None
                return [str(k) for k in obj] if isinstance(obj, dict) else []
    return []


# ---------------------------------------------------------------------------------------------- values
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_FORMATS = ("%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%dT%H%M%S")


_INT64 = (1 << 63) - 1


def to_int(value: Any) -> int | None:
    """An integer from a cell ('1234', '1,234', '12.0', 12), or None for empty/unreadable cells and for numbers
    outside the 64-bit range the store's count columns hold."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -_INT64 <= value <= _INT64 else None
    if isinstance(value, float):
        return int(value) if value == value and abs(value) <= 9.2e18 else None
    text = str(value).strip().replace(",", "").replace("\u066c", "")
    if len(text) > 40 or not _NUMBER.match(text):
        return None
    return to_int(float(text)) if "." in text else to_int(int(text))


def _epoch(number: float) -> tuple[datetime, str]:
    """Epoch seconds, milliseconds or microseconds, told apart by magnitude (seconds stop at year 5138)."""
    magnitude = abs(number)
    if magnitude < 1e11:
        return datetime.fromtimestamp(number, UTC), "epoch seconds"
    if magnitude < 1e14:
        return datetime.fromtimestamp(number / 1e3, UTC), "epoch milliseconds"
    return datetime.fromtimestamp(number / 1e6, UTC), "epoch microseconds"


def parse_timestamp(value: Any, naive: Callable[[datetime], datetime]) -> tuple[datetime | None, str | None]:
    """(UTC datetime, form name) of a timestamp cell; (None, None) when empty.

    Forms: datetime objects, ISO 8601 (with 'T' or space, with or without offset or 'Z'), epoch seconds,
    milliseconds or microseconds (numbers or numeric strings), and a few fixed layouts (``31.12.2022 23:59:59``).
    Naive values go through ``naive`` (the caller decides their zone). Raises ValueError for anything else.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None, None
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else naive(value)), "datetime"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(float(value))
    text = str(value).strip()
    if not text:
        return None, None
    if _NUMBER.match(text):
        return _epoch(float(text))
    try:
        dt = datetime.fromisoformat(text)
        form = "ISO 8601"
    except ValueError:
        for fmt in _FORMATS:
            try:
                dt = datetime.strptime(text, fmt)
                form = fmt
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unreadable timestamp {text[:40]!r}") from None
    return (dt.astimezone(UTC) if dt.tzinfo else naive(dt)), form


class TimestampParser:
    """Parses one column's timestamps, remembering which form it met first (reported in the ingest log)."""

    def __init__(self, path: Path, column: str, naive: Callable[[datetime], datetime]) -> None:
        self.path = path
        self.column = column
        self.naive = naive
        self.form: str | None = None

    def __call__(self, value: Any, row: int) -> datetime | None:
        try:
            dt, form = parse_timestamp(value, self.naive)
        except (ValueError, OverflowError, OSError) as exc:
            raise InputError(
                f"column {self.column!r}: {exc}; accepted: ISO 8601, epoch seconds or milliseconds",
                path=self.path, position=f"row {row}",
            ) from None
        if self.form is None and form is not None:
            self.form = form
        return dt
