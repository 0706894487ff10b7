"""Table kind, encoding, delimiter and timestamp detection. Fixtures are authored for narrascope."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.ingest.tabular_io import (
    detect_delimiter,
    detect_encoding,
    open_table,
    parse_timestamp,
    table_kind,
    to_int,
)

ARABIC = "ذكرت وكالة الأنباء أن الاجتماع سيعقد في العاصمة يوم الأحد"
PERSIAN = "خبرگزاری گزارش داد که نشست روز یکشنبه در پایتخت برگزار می‌شود"
FRENCH = "Le café de la gare ouvre à neuf heures; élève, où êtes-vous? Müller grüßt"


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("utf-16", "utf-16")])
def test_unicode_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path / "t.csv", f"id,text\n1,{PERSIAN}\n", encoding)
    assert detect_encoding(path) == (expected, None)


@pytest.mark.parametrize("sample", [ARABIC, ARABIC.replace("ك", "ک")])
def test_cp1256_arabic_is_not_taken_for_cp1252(tmp_path: Path, sample: str) -> None:
    path = write(tmp_path / "ar.csv", f"id,text\n1,{sample}\n2,hello world\n", "cp1256")
    encoding, note = detect_encoding(path)
    assert encoding == "cp1256"
    assert note and "cp1256" in note


def test_persian_in_cp1256(tmp_path: Path) -> None:
    # Persian-only letters (گ پ) and ZWNJ sit on bytes cp1252 leaves undefined; cp1256 has no Persian yeh
    text = PERSIAN.replace("ی", "ي")
    path = write(tmp_path / "fa.csv", f"id,text\n1,{text}\n", "cp1256")
    encoding, _ = detect_encoding(path)
    assert encoding == "cp1256"
    assert path.read_bytes().decode(encoding).splitlines()[1] == f"1,{text}"


def test_cp1252_western_text_is_not_taken_for_cp1256(tmp_path: Path) -> None:
    path = write(tmp_path / "fr.csv", f"id,text\n1,{FRENCH}\n", "cp1252")
    encoding, note = detect_encoding(path)
    assert encoding == "cp1252"
    assert note and "cp1252" in note


@pytest.mark.slow
def test_late_invalid_byte_still_rejects_utf8(tmp_path: Path) -> None:
    # the first megabytes are ASCII; only a byte near the end shows the file is not UTF-8
    body = "".join(f"{i},plain ascii row\n" for i in range(150_000))
    path = tmp_path / "late.csv"
    path.write_bytes(b"id,text\n" + body.encode() + "1,café\n".encode("cp1252"))
    assert detect_encoding(path)[0] == "cp1252"


@pytest.mark.parametrize(("delim", "suffix"), [(",", ".csv"), ("\t", ".tsv"), (";", ".csv"), ("|", ".txt")])
def test_delimiters(delim: str, suffix: str) -> None:
    sample = "\n".join(delim.join(["a", "b, c" if delim != "," else '"b, c"', "d"]) for _ in range(5)) + "\n"
    sample = delim.join(["id", "text", "date"]) + "\n" + sample
    assert detect_delimiter(sample, suffix) == delim


def test_prose_is_not_a_table() -> None:
    prose = "This is a sentence, with a comma.\nAnother line without one\nAnd a third, two, commas.\n"
    assert detect_delimiter(prose) is None


def test_table_kinds(tmp_path: Path) -> None:
    csv_file = write(tmp_path / "a.data", "id,text,date\n1,x,2023-01-01\n2,y,2023-01-02\n")
    jsonl = write(tmp_path / "b.data", json.dumps({"text": "x"}) + "\n" + json.dumps({"text": "y"}) + "\n")
    parquet = tmp_path / "c.data"
    pq.write_table(pa.table({"text": ["x"]}), parquet)
    array = write(tmp_path / "d.json", json.dumps([{"text": "x"}]))
    html = write(tmp_path / "e.html", "<html><body>hi, there</body></html>")
    for path, kind in ((csv_file, "csv"), (jsonl, "jsonl"), (parquet, "parquet"), (array, None), (html, None)):
        assert table_kind(path, path.read_bytes()[:65536]) == kind, path.name


def test_open_table_streams_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "t.tsv", "id\ttext\n1\ta\tb\n2\t\"multi\nline\"\n")
    with pytest.raises(InputError, match="row 1"):  # three fields under a two-column header
        list(open_table(path)[0].rows())
    path = write(tmp_path / "ok.tsv", "id\ttext\n1\ta\n2\t\"multi\nline\"\n")
    source, _ = open_table(path)
    assert (source.delimiter, source.columns) == ("\t", ["id", "text"])
    assert [row for _, row in source.rows()] == [{"id": "1", "text": "a"}, {"id": "2", "text": "multi\nline"}]


def test_parquet_rows_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"id": list(range(25_000)), "text": ["x"] * 25_000}), path, row_group_size=7_000)
    source, _ = open_table(path)
    rows = list(source.rows())
    assert len(rows) == 25_000 and rows[-1] == (25_000, {"id": 24_999, "text": "x"})


@pytest.mark.parametrize(("value", "expected", "form"), [
    ("2023-03-01T10:00:00Z", datetime(2023, 3, 1, 10, tzinfo=UTC), "ISO 8601"),
    ("2023-03-01 13:30:00+03:30", datetime(2023, 3, 1, 10, tzinfo=UTC), "ISO 8601"),
    ("1677664800", datetime(2023, 3, 1, 10, tzinfo=UTC), "epoch seconds"),
    (1677664800000, datetime(2023, 3, 1, 10, tzinfo=UTC), "epoch milliseconds"),
    ("1677664800000.0", datetime(2023, 3, 1, 10, tzinfo=UTC), "epoch milliseconds"),
    ("01.03.2023 10:00:00", datetime(2023, 3, 1, 10, tzinfo=UTC), "%d.%m.%Y %H:%M:%S"),
])
def test_timestamp_forms(value: object, expected: datetime, form: str) -> None:
    assert parse_timestamp(value, _utc) == (expected, form)


def test_unreadable_timestamp_raises() -> None:
    with pytest.raises(ValueError):
        parse_timestamp("next tuesday", _utc)


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_epoch_units_round_trip(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC, microsecond=0)
    seconds = int(moment.timestamp())
    assert parse_timestamp(seconds, _utc)[0] == moment
    assert parse_timestamp(seconds * 1000, _utc)[0] == moment
    assert parse_timestamp(moment.isoformat(), _utc)[0] == moment


def test_to_int() -> None:
    assert [to_int(v) for v in ("1,234", "12.0", 7, 3.0, "", None, "n/a", True)] == [1234, 12, 7, 3, None, None,
                                                                                     None, None]
