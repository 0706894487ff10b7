"""The real Telegram Desktop sample (../shared/data/telegram/all1app_daily_channel) through the reader, store and CLI.

messages.json: a bare array of 601 message objects (500 distinct ids, 101 verbatim duplicates) of the public channel
"All1App daily"; result.reconstructed.json: the same under a single-chat root. See ../shared/data/README.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from narrascope.cli import main
from narrascope.ingest import telegram_json as tj
from narrascope.ingest.base import ReadContext
from narrascope.ingest.detect import sniff
from narrascope.store.corpus import Corpus

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "telegram" / "all1app_daily_channel"
MESSAGES = SAMPLE / "messages.json"
ROOTED = SAMPLE / "result.reconstructed.json"

pytestmark = pytest.mark.skipif(not MESSAGES.exists(), reason="../shared/data is not available")


def _source() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(MESSAGES.read_text(encoding="utf-8"))
    return data


def test_both_files_are_detected_as_telegram_json() -> None:
    assert sniff(MESSAGES) == "telegram_json"
    assert sniff(ROOTED) == "telegram_json"


@pytest.mark.parametrize("path", [MESSAGES, ROOTED], ids=["bare-array", "single-chat"])
def test_records_match_the_source_exactly(path: Path) -> None:
    ctx = ReadContext(path)
    recs = list(tj.read(path, ctx))
    source = _source()
    assert len(recs) == 601
    assert {r["channel_id"] for r in recs} == {"1858370886"} and {r["channel"] for r in recs} == {"All1App daily"}
    for rec, raw in zip(recs, source, strict=True):
        assert rec["message_id"] == str(raw["id"])
        assert rec["posted_at"] == datetime.fromtimestamp(int(raw["date_unixtime"]), UTC)
        assert rec["text"] == "".join(p if isinstance(p, str) else p["text"] for p in raw["text"])
        ents = [e for e in raw["text_entities"] if e["text"]]  # the sample has an empty "mention" part: not a mention
        links = [e["text"] for e in ents if e["type"] == "link"] + [e["href"] for e in ents if e["type"] == "text_link"]
        assert rec["links"] == list(dict.fromkeys(links))
        assert rec["hashtags"] == list(dict.fromkeys(e["text"] for e in ents if e["type"] == "hashtag"))
        assert rec["mentions"] == list(dict.fromkeys(e["text"] for e in ents if e["type"] == "mention"))
        assert rec["author"] is None and rec["kind"] == "post" and rec["media_type"] == "photo"
    first = recs[0]
    # 2022-11-30T19:51:08 is the exporter's local time (IST); the Unix time says 14:21:08 UTC.
    assert first["posted_at"] == datetime(2022, 11, 30, 14, 21, 8, tzinfo=UTC)
    assert "&amp;" in first["text"] and first["links"] == ["https://amzn.to/3irgzXB"]


def test_corpus_ingest_keeps_500_and_a_second_ingest_adds_nothing(tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        first = corpus.ingest([MESSAGES]).files[0]
        assert (first.rows_read, first.added, first.duplicates, first.skipped) == (601, 500, 101, 101)
        again = corpus.ingest([MESSAGES]).files[0]
        assert (again.rows_read, again.added, again.updated) == (601, 0, 0)
        rooted = corpus.ingest([ROOTED]).files[0]  # same channel id under a chat root: nothing new
        assert (rooted.rows_read, rooted.added) == (601, 0)
        assert corpus.sql("SELECT count(*) AS n FROM messages")["n"][0] == 500
        chan = corpus.sql("SELECT channel_id, name, type FROM channels").rows()
        assert chan == [("1858370886", "All1App daily", "public_channel")]


def _assert_one_line_failure(capsys: Any, db: Path, rc: int, *needles: str) -> None:
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    if db.exists():
        with Corpus.open(db, read_only=True) as corpus:
            assert corpus.sql("SELECT count(*) AS n FROM messages")["n"][0] == 0
            assert corpus.sql("SELECT count(*) AS n FROM ingests")["n"][0] == 0


def _ingest(path: Path, db: Path, *extra: str) -> int:
    return main(["ingest", str(path), "--db", str(db), "--no-progress", *extra])


def test_truncated_export_fails_cleanly(tmp_path: Path, capsys: Any) -> None:
    data = ROOTED.read_bytes()
    cut = tmp_path / "result.json"
    cut.write_bytes(data[:300_000])
    db = tmp_path / "c.duckdb"
    _assert_one_line_failure(capsys, db, _ingest(cut, db), "result.json (byte 300,000)", "truncated")


def test_invalid_utf8_fails_cleanly(tmp_path: Path, capsys: Any) -> None:
    data = ROOTED.read_bytes()
    at = data.index(b"Offer", 200_000) + 2
    bad = tmp_path / "result.json"
    bad.write_bytes(data[:at] + b"\xc3\x28" + data[at:])  # 0xC3 must be followed by a continuation byte
    db = tmp_path / "c.duckdb"
    _assert_one_line_failure(capsys, db, _ingest(bad, db), f"result.json (byte {at:,})", "invalid UTF-8")


def test_wrong_root_type_fails_cleanly(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "result.json"
    bad.write_text("[1, 2, 3]")
    db = tmp_path / "c.duckdb"
    _assert_one_line_failure(capsys, db, _ingest(bad, db), "result.json", "not recognised")
    _assert_one_line_failure(capsys, db, _ingest(bad, db, "--format", "telegram_json"),
                             "result.json (message #1)", "int, not an object")
    bad.write_text('"just a string"')
    _assert_one_line_failure(capsys, db, _ingest(bad, db, "--format", "telegram_json"),
                             "result.json (byte 0)", "the root is a string")


def test_empty_folder_fails_cleanly(tmp_path: Path, capsys: Any) -> None:
    empty = tmp_path / "export"
    empty.mkdir()
    db = tmp_path / "c.duckdb"
    _assert_one_line_failure(capsys, db, _ingest(empty, db), "export", "no files")


@pytest.mark.parametrize("path", [MESSAGES, ROOTED], ids=["bare-array", "single-chat"])
def test_the_chunked_path_gives_the_tolerant_readers_rows(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: the msgspec chunks (tiny and default sizes) against ijson record by record, on the real export."""
    from tests.ingest.test_telegram_chunks import assert_same

    out = assert_same(path, monkeypatch)
    assert len(out["rows"]) == 601 and out["typed"] >= 601 and out["in_parts"] >= 2
