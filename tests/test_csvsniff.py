"""The one CSV encoding/delimiter detector: spreadsheet encodings (legacy code pages, UTF-16 without a mark), used by
ingest, coded files and uploads alike; the csv module's field limit untouched outside a read. Fixtures are authored
for narrascope: the sentences are written here, the coded files are real sample files re-saved as Excel does."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from narrascope.csvsniff import decode_csv, detect_encoding, long_fields, sniff_csv, utf16_without_bom
from narrascope.ingest.tabular_io import header_of, open_table, table_kind
from narrascope.validate.coded import load_coded
from narrascope.web.coding_files import parse_upload
from tests.validate.helpers import LEXICON
from tests.validate.test_coded import _sample, _write

PERSIAN = "خبرگزاری گزارش داد که نشست روز یکشنبه در پایتخت برگزار می‌شود"
ARABIC = "ذكرت وكالة الأنباء أن الاجتماع سيعقد في العاصمة يوم الأحد"
WESTERN = ["Le café de la gare ouvre à neuf heures", "Müller grüßt die Straße", "El niño comió en Año Nuevo",
           "São Paulo é enorme", "Zoë", "Crème brûlée façon Renée"]


def _cp1256(text: str) -> str:
    """Persian as Windows-1256 holds it: cp1256 has no Persian yeh, Excel writes the Arabic one."""
    return text.replace("ی", "ي")


def _table(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize("text", WESTERN)
def test_one_western_row_is_cp1252(text: str) -> None:
    raw = _table([["id", "text"], ["1", text]]).encode("cp1252")
    assert detect_encoding(raw)[0] == "cp1252"


@pytest.mark.parametrize("text", [_cp1256(PERSIAN), ARABIC, _cp1256(PERSIAN)[:12]])
def test_one_persian_or_arabic_row_is_cp1256(text: str) -> None:
    raw = _table([["id", "text"], ["1", text]]).encode("cp1256")
    encoding, note = detect_encoding(raw)
    assert encoding == "cp1256" and note and "cp1256" in note
    assert decode_csv(raw)[0].splitlines()[1] == f"1,{text}"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [PERSIAN, "plain English", "Zoë"])
def test_utf16_without_a_byte_order_mark(tmp_path: Path, codec: str, text: str) -> None:
    content = _table([["id", "text", "label"], ["1", text, "1"], ["2", text, "0"]], "\t")
    raw = content.encode(codec)
    assert utf16_without_bom(raw) == codec
    assert sniff_csv(raw) == sniff_csv(raw, ".txt")
    assert (sniff_csv(raw).encoding, sniff_csv(raw).delimiter) == (codec, "\t")
    assert decode_csv(raw)[0] == content
    path = tmp_path / "unicode.txt"
    path.write_bytes(raw)
    assert table_kind(path, raw[:65536]) == "csv"
    assert header_of(path, raw[:65536]) == ["id", "text", "label"]
    source, _ = open_table(path)
    assert [row for _, row in source.rows()][0] == {"id": "1", "text": text, "label": "1"}


def test_single_byte_text_is_never_taken_for_utf16() -> None:
    for raw in (PERSIAN.encode("utf-8"), "café, Zoë".encode("cp1252"), _cp1256(ARABIC).encode("cp1256")):
        assert utf16_without_bom(raw) is None


@pytest.mark.parametrize(("delimiter", "expected"), [(";", ";"), ("\t", "\t"), (",", ",")])
def test_delimiter_of_a_table_with_quoted_delimiters(delimiter: str, expected: str) -> None:
    rows = [["sample_id", "label", "text"]] + [[f"S{i:04d}", "1", "a, b; c\td"] for i in range(5)]
    assert sniff_csv(_table(rows, delimiter).encode("utf-8")).delimiter == expected


def test_western_excel_coded_file_is_read_as_cp1252(tmp_path: Path) -> None:
    """A sample file coded on a French/Spanish Windows: Excel's "CSV" writes cp1252 with semicolons. Coders' notes
    hold accented letters; the message text (Persian) cannot be written in cp1252 and became '?'."""
    _, rows = _sample(tmp_path)
    for i, r in enumerate(rows):
        r["note"] = WESTERN[i % len(WESTERN)]
        r["coder"] = "Renée"
    path = _write(tmp_path / "coded.csv", rows, "cp1252", ";")
    coded = load_coded(path, LEXICON)
    assert len(coded.items) == len(rows)
    assert coded.items["coder"].unique().to_list() == ["Renée"]  # not 'Reني e' (cp1256)
    assert any("cp1252" in w for w in coded.warnings)
    uploaded = parse_upload(path.read_bytes(), "coded.csv")
    assert {r["note"] for r in uploaded} == set(WESTERN)


def test_persian_excel_coded_file_is_read_as_cp1256(tmp_path: Path) -> None:
    _, rows = _sample(tmp_path)
    for r in rows:
        r["note"] = _cp1256("نامشخص، دوباره بررسی شود")
        r["text"] = _cp1256(PERSIAN)
    path = _write(tmp_path / "coded.csv", rows, "cp1256", ",")
    coded = load_coded(path, LEXICON)
    assert len(coded.items) == len(rows)
    assert any("cp1256" in w for w in coded.warnings)
    assert {r["note"] for r in parse_upload(path.read_bytes(), "c.csv")} == {_cp1256("نامشخص، دوباره بررسی شود")}


def test_coded_file_in_utf16_without_bom(tmp_path: Path) -> None:
    _, rows = _sample(tmp_path)
    path = _write(tmp_path / "coded.txt", rows, "utf-16-be", "\t")
    assert len(load_coded(path, LEXICON).items) == len(rows)


@pytest.mark.slow
def test_importing_narrascope_leaves_the_csv_field_limit_alone() -> None:
    code = ("import csv; before = csv.field_size_limit(); import narrascope.ingest.tabular_io, "
            "narrascope.validate.coded, narrascope.network.attributes, narrascope.cli.cmd_ingest; "
            "print(before, csv.field_size_limit())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == out[1] == str(128 * 1024)


def test_long_fields_are_read_and_the_limit_restored(tmp_path: Path) -> None:
    before = csv.field_size_limit()
    long_post = PERSIAN * 5000  # ~600 KB of UTF-8: above the csv module's default 128 KiB
    path = tmp_path / "long.csv"
    path.write_text(_table([["id", "text"], ["1", long_post], ["2", "short"]]), encoding="utf-8")
    source, _ = open_table(path)
    rows = source.rows()
    assert next(rows)[1]["text"] == long_post
    assert csv.field_size_limit() > before  # raised while the table is being read …
    assert [row["id"] for _, row in rows] == ["2"]
    assert csv.field_size_limit() == before  # … and restored when it is done
    with long_fields(), long_fields():
        assert csv.field_size_limit() > before
    assert csv.field_size_limit() == before
