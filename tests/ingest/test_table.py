"""The generic table reader, through the CLI and the store. Fixtures are authored for narrascope."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from narrascope.cli import main
from narrascope.errors import InputError, UsageError
from narrascope.ingest import table
from narrascope.ingest.base import IngestOptions, ReadContext
from narrascope.store.corpus import Corpus

ARABIC = "ذكرت وكالة الأنباء أن الاجتماع سيعقد في العاصمة يوم الأحد"
PERSIAN = "گزارش تازه درباره‌ی بازار"


def read_all(path: Path, mapping: tuple[tuple[str, str], ...] = ()) -> tuple[list[dict[str, Any]], ReadContext]:
    ctx = ReadContext(path, IngestOptions(mapping=mapping))
    return list(table.read(path, ctx)), ctx


def store_rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_cp1256_csv_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "akhbar.csv"
    path.write_bytes(f"id,body,created,source\n1,{ARABIC},2023-03-01T10:00:00Z,Agency A\n".encode("cp1256"))
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(path), "--db", str(db), "--map", "text=body,posted_at=created,channel=source",
                 "--no-progress"]) == 0
    assert store_rows(db, "SELECT text, channel, lang FROM messages") == [(ARABIC, "Agency A", "ar")]
    options, notes = store_rows(db, "SELECT options, notes FROM ingests")[0]
    logged = json.loads(options)
    assert logged["mapping"] == {"text": "body", "posted_at": "created", "channel": "source", "message_id": "id"}
    assert logged["table"]["encoding"] == "cp1256"
    assert "cp1256" in notes


def test_bom_csv_keeps_the_first_column_name(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(f"message_id,text,date\n7,{PERSIAN},2023-03-01 10:00:00\n".encode("utf-8-sig"))
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(path), "--db", str(db), "--no-progress"]) == 0
    # without BOM handling the first header would be '\ufeffmessage_id' and no id column would be found
    assert store_rows(db, "SELECT message_id, text, channel FROM messages") == [("7", PERSIAN, "bom")]
    assert json.loads(store_rows(db, "SELECT options FROM ingests")[0][0])["table"]["encoding"] == "utf-8-sig"


def test_epoch_ms_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "ms.tsv"
    path.write_text("id\tcontent\ttimestamp\n1\thello\t1677664800000\n2\tworld\t1677664860123\n", encoding="utf-8")
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(path), "--db", str(db), "--no-progress"]) == 0
    got = store_rows(db, "SELECT message_id, posted_at FROM messages ORDER BY message_id")
    assert [(m, t.astimezone(UTC)) for m, t in got] == [
        ("1", datetime(2023, 3, 1, 10, tzinfo=UTC)),
        ("2", datetime(2023, 3, 1, 10, 1, 0, 123000, tzinfo=UTC)),
    ]
    options, notes = store_rows(db, "SELECT options, notes FROM ingests")[0]
    assert json.loads(options)["timestamps"] == {"posted_at": "epoch milliseconds"}
    assert "epoch milliseconds" in notes


@pytest.mark.slow
def test_missing_mapped_column_is_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,message,when\n1,hi,2023-01-01\n", encoding="utf-8")
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(path), "--db", str(db), "--map", "text=body", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "'body'" in err and "'id', 'message', 'when'" in err
    assert not db.exists()  # a first ingest that took nothing leaves no store file behind
    # and into an existing store it writes nothing
    ok = tmp_path / "ok.csv"
    ok.write_text("id,body\n1,hello\n", encoding="utf-8")
    assert main(["ingest", str(ok), "--db", str(db), "--no-progress"]) == 0
    assert main(["ingest", str(path), "--db", str(db), "--map", "text=body", "--no-progress"]) == 2
    assert store_rows(db, "SELECT count(*) FROM messages") == [(1,)]
    assert store_rows(db, "SELECT count(*) FROM ingests") == [(1,)]


def test_no_text_column_and_unknown_field(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text column"):
        read_all(path)
    with pytest.raises(UsageError, match="unknown field 'txt'"):
        read_all(path, (("txt", "a"),))


def test_guesses_defaults_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("Message,Views,links\nsee https://a.org #x @chan_one,\"1,200\",\"[\"\"https://b.org\"\"]\"\n"
                    "plain,,\n", encoding="utf-8")
    recs, ctx = read_all(path)
    assert [r["message_id"] for r in recs] == ["1", "2"]  # row numbers
    assert {r["channel_id"] for r in recs} == {"name:posts"} and recs[0]["channel"] == "posts"
    assert recs[0]["platform"] == "table"
    assert recs[0]["links"] == ["https://b.org"]  # a mapped list column wins over extraction
    assert (recs[0]["hashtags"], recs[0]["mentions"]) == (["#x"], ["@chan_one"])
    assert recs[0]["views"] == 1200 and recs[1]["views"] is None
    assert ctx.extra["mapping"] == {"text": "Message", "views": "Views", "links": "links"}
    assert any("row numbers" in n for n in ctx.notes)
    assert any("file name" in n for n in ctx.notes)


def test_platform_channel_id_and_naive_times_with_tz(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [{"text": "a", "platform": "telegram", "chat_id": 42, "chat": "Forty Two", "id": 3.0,
             "date": "2023-03-01 13:30:00"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    ctx = ReadContext(path, IngestOptions(tz="Asia/Tehran"))
    (rec,) = list(table.read(path, ctx))
    assert (rec["platform"], rec["channel_id"], rec["channel"], rec["message_id"]) == ("telegram", "42", "Forty Two", "3")
    assert rec["posted_at"] == datetime(2023, 3, 1, 10, tzinfo=UTC)


def test_bad_timestamp_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text,date\na,2023-01-01\nb,soon\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2.*'date'"):
        read_all(path)


def test_parquet_and_excel(tmp_path: Path) -> None:
    when = datetime(2023, 3, 1, 10, tzinfo=UTC)
    pq.write_table(pa.table({"body": ["p1", "p2"], "created": [when, when], "post_id": [5, 6]}), tmp_path / "t.parquet")
    recs, ctx = read_all(tmp_path / "t.parquet", (("text", "body"), ("posted_at", "created")))
    assert [(r["message_id"], r["text"], r["posted_at"]) for r in recs] == [("5", "p1", when), ("6", "p2", when)]
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["text", "date", "channel"])
    sheet.append([PERSIAN, datetime(2023, 3, 1, 10), "Sheet Channel"])
    book.save(tmp_path / "t.xlsx")
    (rec,), _ = read_all(tmp_path / "t.xlsx")
    assert (rec["text"], rec["posted_at"], rec["channel"]) == (PERSIAN, when, "Sheet Channel")


def test_reingest_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text\nfirst\nsecond\n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        corpus.ingest([path])
        again = corpus.ingest([path])
    assert again.files[0].added == 0 and again.files[0].skipped == 2
