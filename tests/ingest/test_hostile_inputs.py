"""Regression tests for each class of hostile input in issue 15: wrong field types, lone surrogates, deep nesting,
CR-only line ends, odd time-zone suffixes, long lines, CSV files cut short, huge CSV headers, huge numbers. Each
ends in exit 0 (read, with a note where something was repaired) or exit 2 with one line, and a refused file leaves
the store as it was."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope import Corpus
from narrascope.cli import main
from narrascope.ingest.json_guard import MAX_DEPTH
from tests.conftest import desktop_message, store_state, write_chat
from tests.fuzz.seeds import FOURCAT_HEADER, TRACKER_COLUMNS


def _ingest(capsys: Any, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["ingest", *args, "--no-progress"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _refused(capsys: Any, path: Path, db: Path, *needles: str) -> str:
    before = store_state(db) if db.exists() else None
    code, _, err = _ingest(capsys, str(path), "--db", str(db))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, (code, err)
    assert "internal error" not in err and "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert (store_state(db) if db.exists() else None) == before
    return lines[0]


def _texts(db: Path) -> list[str]:
    with Corpus.open(db, read_only=True) as c:
        return [r[0] for r in c.sql("SELECT text FROM messages WHERE kind <> 'service' ORDER BY message_id").rows()]


def _notes(db: Path) -> str:
    with Corpus.open(db, read_only=True) as c:
        return " ".join(r[0] or "" for r in c.sql("SELECT notes FROM ingests").rows())


def _fourcat(mid: int, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": mid, "peer_id": {"channel_id": 1001, "_type": "PeerChannel"}, "date": 1677664800.0 + mid,
        "message": f"متن {mid} @kanal2", "entities": [{"offset": 6, "length": 7, "_type": "MessageEntityMention"}],
        "_chat": {"id": 1001, "title": "Kanal Eins", "username": "kanal1", "broadcast": True, "_type": "Channel"},
    }
    item.update(extra)
    return item


# ---------------------------------------------------------------------------------------------- wrong types
@pytest.mark.slow
@pytest.mark.parametrize("entities", [1.5, 7, ["a", "b"], {"offset": 1}, "text", None, [[1]], True])
def test_fourcat_entities_of_any_type_are_read_without_entities(tmp_path: Path, capsys: Any, entities: Any) -> None:
    path = tmp_path / "telegram.ndjson"
    path.write_text(json.dumps(_fourcat(1, entities=entities)) + "\n" + json.dumps(_fourcat(2)) + "\n")
    db = tmp_path / "c.duckdb"
    code, _, err = _ingest(capsys, str(path), "--db", str(db))
    assert code == 0, err
    with Corpus.open(db, read_only=True) as c:
        mentions = dict(c.sql("SELECT message_id, mentions FROM messages").rows())
    assert mentions["2"] == ["@kanal2"] and mentions["1"] in ([], ["@kanal2"])


@pytest.mark.parametrize("field,value", [
    ("type", ["message"]), ("type", {"x": 1}), ("type", 7), ("grouped_id", [1, 2]), ("grouped_id", {"a": 1}),
    ("grouped_id", 1.5), ("media", 7), ("media", ["x"]), ("media", {"_": "MessageMediaDocument", "document": 5}),
    ("media", {"_": "MessageMediaDocument", "document": {"attributes": 9}}), ("reactions", "many"),
    ("views", -(2**62)), ("forwards", "x"), ("fwd_from", [1]), ("reply_to", 5), ("entities", {"a": 1}),
])
@pytest.mark.slow
def test_telethon_fields_of_wrong_types_are_read(tmp_path: Path, capsys: Any, field: str, value: Any) -> None:
    msg = {"_": "Message", "id": 5, "peer_id": {"_": "PeerChannel", "channel_id": 9}, "date": "2024-01-01T00:00:00",
           "message": "hello", "grouped_id": None}
    msg[field] = value
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([msg, {**msg, "id": 6}]))
    db = tmp_path / "c.duckdb"
    code, _, err = _ingest(capsys, str(path), "--db", str(db))
    assert code == 0, err
    assert _texts(db)[-1] == "hello"


@pytest.mark.parametrize("field,value", [("type", ["service"]), ("text", {"a": 1}), ("text_entities", 5),
                                         ("reactions", [{"count": "lots"}, {"count": 1e300}]), ("photo", None),
                                         ("reply_to_message_id", [3]), ("from_id", {"x": 1}), ("media_type", 7)])
@pytest.mark.slow
def test_desktop_json_fields_of_wrong_types_are_read(tmp_path: Path, capsys: Any, field: str, value: Any) -> None:
    path = write_chat(tmp_path / "result.json", [desktop_message(1, **{field: value}), desktop_message(2)])
    db = tmp_path / "c.duckdb"
    code, _, err = _ingest(capsys, str(path), "--db", str(db))
    assert code == 0, err


def test_a_message_id_of_a_wrong_type_is_refused_in_one_line(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([{"_": "Message", "id": {"x": 1}, "peer_id": {"channel_id": 9}, "message": "x"}]))
    _refused(capsys, path, tmp_path / "c.duckdb", "dump.json", "no usable id")


# ---------------------------------------------------------------------------------------------- lone surrogates
def _surrogate_files(folder: Path) -> dict[str, Path]:
    """The same broken text (an emoji cut in half, then a low half alone) in every JSON-based format."""
    folder.mkdir()
    broken = "cut \ud83d here \udc00 and 😀 whole"
    out = {}
    chat = {"name": "c", "type": "public_channel", "id": 1, "messages": [desktop_message(1, broken)]}
    (folder / "result.json").write_text(json.dumps(chat))  # ensure_ascii: the halves become \udXXX escapes
    out["telegram_json"] = folder / "result.json"
    (folder / "dump.json").write_text(json.dumps([{"_": "Message", "id": 1, "peer_id": {"channel_id": 9},
                                                   "date": "2024-01-01T00:00:00", "message": broken}]))
    out["telethon"] = folder / "dump.json"
    (folder / "telegram.ndjson").write_text(json.dumps(_fourcat(1, message=broken)) + "\n")
    out["fourcat"] = folder / "telegram.ndjson"
    (folder / "posts.jsonl").write_text(json.dumps({"id": 1, "text": broken, "channel": "c"}) + "\n")
    out["table"] = folder / "posts.jsonl"
    insta = folder / "instagram-user-2024-01-01-x" / "content" / "posts_1.json"
    insta.parent.mkdir(parents=True)
    insta.write_text(json.dumps([{"media": [{"uri": "a.jpg", "creation_timestamp": 1700000000, "title": broken}]}]))
    out["instagram"] = insta
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["telegram_json", "telethon", "fourcat", "table", "instagram"])
def test_lone_surrogates_are_replaced_and_noted_not_refused(tmp_path: Path, capsys: Any, fmt: str) -> None:
    path = _surrogate_files(tmp_path / "in")[fmt]
    assert b"\\ud83d here" in path.read_bytes()  # written as JSON escapes, as Telegram and Meta exports do
    db = tmp_path / "c.duckdb"
    code, out, err = _ingest(capsys, str(path), "--db", str(db))
    assert code == 0, err
    assert _texts(db) == ["cut \ufffd here \ufffd and 😀 whole"]
    count = 4 if fmt == "telegram_json" else 2  # Desktop writes the text twice: text and text_entities
    assert f"{count} lone UTF-16 surrogate(s)" in _notes(db) and f"{count} lone UTF-16 surrogate(s)" in out


_PIECES = ["\\ud83d", "\\ude00", "\\\\", "x", "\\u0041", "\\ud800", "\\n", "پیام", "\\\\ud83d", "\\x0B"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.integers(1, 20))
def test_surrogate_repair_does_not_depend_on_where_reads_end(pieces: list[str], size: int) -> None:
    """Reads end anywhere: an escaped emoji split across two reads must not be taken for two lone halves."""
    from narrascope.ingest.json_guard import fix_surrogates
    from narrascope.ingest.json_stream import FixingReader, fix_escapes

    text = ('"' + "".join(pieces) + '"').encode()
    reader = FixingReader(io.BytesIO(text))
    data = b"".join(iter(lambda: reader.read(size), b""))
    assert data == fix_surrogates(fix_escapes(text))[0]


# ---------------------------------------------------------------------------------------------- deep nesting
def _deep_files(folder: Path, depth: int) -> dict[str, Path]:
    """A text value nested ``depth`` deep in every JSON-based format (100,000 deep is a 200 KB file)."""
    folder.mkdir()
    deep = "[" * depth + "]" * depth
    out = {}
    (folder / "result.json").write_text('{"name": "c", "type": "public_channel", "id": 1, "messages": '
                                        '[{"id": 1, "type": "message", "date_unixtime": "1700000000", "text": '
                                        + deep + "}]}")
    out["telegram_json"] = folder / "result.json"
    (folder / "dump.json").write_text('[{"_": "Message", "id": 1, "peer_id": {"channel_id": 9}, "message": '
                                      + deep + "}]")
    out["telethon"] = folder / "dump.json"
    (folder / "dump.ndjson").write_text('{"_": "Message", "id": 1, "peer_id": {"channel_id": 9}, "message": "x"}\n'
                                        '{"_": "Message", "id": 2, "message": ' + deep + "}\n")
    out["telethon_ndjson"] = folder / "dump.ndjson"
    (folder / "telegram.ndjson").write_text(json.dumps(_fourcat(1)) + "\n" + '{"_chat": {}, "id": 2, "message": '
                                            + deep + "}\n")
    out["fourcat"] = folder / "telegram.ndjson"
    (folder / "posts.jsonl").write_text('{"id": 1, "text": "x"}\n{"id": 2, "text": ' + deep + "}\n")
    out["table"] = folder / "posts.jsonl"
    insta = folder / "instagram-u-2024-01-01-x" / "content" / "posts_1.json"
    insta.parent.mkdir(parents=True)
    insta.write_text('[{"media": [{"uri": "a.jpg", "creation_timestamp": 1700000000, "title": ' + deep + "}]}]")
    out["instagram"] = insta
    return out


@pytest.mark.parametrize("fmt", ["telegram_json", "telethon", "telethon_ndjson", "fourcat", "table", "instagram"])
def test_deep_nesting_is_refused_in_one_line(tmp_path: Path, capsys: Any, fmt: str) -> None:
    path = _deep_files(tmp_path / "in", 5_000)[fmt]
    _refused(capsys, path, tmp_path / "c.duckdb", path.name)


def test_nesting_up_to_the_limit_is_read(tmp_path: Path, capsys: Any) -> None:
    deep = "[" * (MAX_DEPTH - 6) + '"x"' + "]" * (MAX_DEPTH - 6)
    path = tmp_path / "result.json"
    path.write_text('{"name": "c", "type": "public_channel", "id": 1, "messages": [{"id": 1, "type": "message", '
                    '"date_unixtime": "1700000000", "text": "t", "extra": ' + deep + "}]}")
    code, _, err = _ingest(capsys, str(path), "--db", str(tmp_path / "c.duckdb"))
    assert code == 0, err


_RSS_SCRIPT = textwrap.dedent("""
    import json, sys
    from narrascope.cli import main

    def peak():
        # VmHWM: this process's own peak. ru_maxrss would include the forking parent's size (kept across exec).
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) // 1024

    def ingest(path):
        try:
            return main(["ingest", path, "--db", sys.argv[1], "--no-progress"])
        except SystemExit as exc:
            return exc.code

    report = {"baseline_code": ingest(sys.argv[2]), "baseline_mb": peak()}
    report["codes"] = [ingest(path) for path in sys.argv[3:]]
    report["peak_mb"] = peak()
    print(json.dumps(report))
""")

_READERS_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from narrascope.ingest.base import ReadContext
    from narrascope.ingest.detect import plan, reader
    from narrascope.ingest.json_guard import TooDeep

    refused = 0
    for name in sys.argv[1:]:
        path = Path(name)
        unit = plan([path])[0]
        try:
            list(reader(unit.format).read(path, ReadContext(path)))
        except TooDeep:
            refused += 1
    with open("/proc/self/status") as fh:  # VmHWM: this process's own peak (ru_maxrss counts the parent's too)
        peak_mb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) // 1024
    print(json.dumps({"refused": refused, "peak_mb": peak_mb}))
""")


def _child(script: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["stderr"] = proc.stderr
    return result


@pytest.mark.slow
def test_a_226_kb_file_nested_100k_deep_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Issue 15: this file once took 24 GB (ijson's prefixes grow with the square of the depth; a Telethon dump 18
    GB). Every JSON reader refuses it. Measured in child processes: the readers alone stay under 500 MB; through the
    whole CLI (which imports polars, DuckDB, … and opens a store) refusing all six raises the peak by less than 100 MB
    over one ordinary ingest in the same process."""
    files = _deep_files(tmp_path / "in", 100_000)
    assert all(150_000 < p.stat().st_size < 260_000 for p in files.values())
    readers = _child(_READERS_SCRIPT, *map(str, files.values()))
    assert readers["refused"] == len(files)
    assert readers["peak_mb"] < 500, f"readers: peak RSS {readers['peak_mb']} MB"
    valid = write_chat(tmp_path / "valid" / "result.json", [desktop_message(1)])
    cli = _child(_RSS_SCRIPT, str(tmp_path / "c.duckdb"), str(valid), *map(str, files.values()))
    assert cli["baseline_code"] == 0 and cli["codes"] == [2] * len(files), cli
    assert cli["stderr"].count("nested more than") == len(files)
    assert cli["peak_mb"] - cli["baseline_mb"] < 100, cli
    assert cli["peak_mb"] < 1024, cli


# ---------------------------------------------------------------------------------------------- CSV
def _csv(path: Path, body: str, newline: str = "\n") -> Path:
    path.write_bytes(body.replace("\n", newline).encode("utf-8"))
    return path


TABLE = 'id,channel,date,text\n1,chan,2024-01-01T00:00:00Z,"first, quoted"\n2,chan,2024-01-02T00:00:00Z,second\n'


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_csv_line_ends_of_every_kind_are_read(tmp_path: Path, capsys: Any, newline: str) -> None:
    db = tmp_path / "c.duckdb"
    code, _, err = _ingest(capsys, str(_csv(tmp_path / "t.csv", TABLE, newline)), "--db", str(db))
    assert code == 0, err
    assert _texts(db) == ["first, quoted", "second"]


@pytest.mark.parametrize("body,needle", [
    (TABLE + "3,chan,2024-01-03T00:00:00Z", "row 3"),  # cut after a field: too few fields
    (TABLE + '3,chan,2024-01-03T00:00:00Z,"a quote never closed\nand more', "never closed"),
    (TABLE.replace("2,chan,2024-01-02T00:00:00Z,second", "2,chan"), "row 2"),
    (TABLE + '3,"chan', "never closed"),
])
@pytest.mark.slow
def test_a_csv_cut_mid_row_is_an_error(tmp_path: Path, capsys: Any, body: str, needle: str) -> None:
    db = tmp_path / "c.duckdb"
    write_chat(tmp_path / "ok" / "result.json", [desktop_message(1)])
    assert _ingest(capsys, str(tmp_path / "ok" / "result.json"), "--db", str(db))[0] == 0
    _refused(capsys, _csv(tmp_path / "cut.csv", body), db, "cut.csv", needle)


def _fourcat_csv(path: Path, rows: int = 3) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, FOURCAT_HEADER)
    writer.writeheader()
    for i in range(1, rows + 1):
        writer.writerow({"id": f"k-{i}", "thread_id": "k", "chat": "k", "body": f"متن {i}\nline two",
                         "unix_timestamp": str(1677664800 + i), "author_forwarded_from_name": ""})
    path.write_text(buf.getvalue(), encoding="utf-8")
    return buf.getvalue()


@pytest.mark.parametrize("cut", ["in_body", "in_timestamp_row"])
def test_a_4cat_csv_cut_short_is_an_error(tmp_path: Path, capsys: Any, cut: str) -> None:
    text = _fourcat_csv(tmp_path / "full.csv")
    at = text.rindex("line two") if cut == "in_body" else text.rindex("k-3") + 5
    path = tmp_path / "cut.csv"
    path.write_text(text[:at], encoding="utf-8")
    _refused(capsys, path, tmp_path / "c.duckdb", "cut.csv")


def test_a_tracker_csv_with_a_short_row_is_an_error(tmp_path: Path, capsys: Any) -> None:
    header = ",".join(TRACKER_COLUMNS)
    row = ",".join(["s", "1001", "news", "1", "text", "text", "2023-03-01 10:00:00"] + [""] * (len(TRACKER_COLUMNS) - 7))
    path = tmp_path / "msgs_dataset.csv"
    path.write_text(f"{header}\n{row}\n" + ",".join(["s", "1001", "news", "2"]) + "\n")
    _refused(capsys, path, tmp_path / "c.duckdb", "row 2")


def test_a_csv_header_over_64_kib_is_read_whole(tmp_path: Path, capsys: Any) -> None:
    """The header was once read from the first 64 KiB only, so rows seemed to have too many fields."""
    extra = [f"column_{i:05d}_{'x' * 20}" for i in range(3000)]
    header = ",".join(["id", "channel", "text", *extra])
    assert len(header) > 65536
    rows = [",".join([str(i), "chan", f"text {i}", *([""] * len(extra))]) for i in (1, 2)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    db = tmp_path / "c.duckdb"
    code, _, err = _ingest(capsys, str(path), "--db", str(db))
    assert code == 0, err
    assert _texts(db) == ["text 1", "text 2"]


def test_a_csv_without_a_final_line_break_is_read_with_a_note(tmp_path: Path, capsys: Any) -> None:
    db = tmp_path / "c.duckdb"
    code, out, err = _ingest(capsys, str(_csv(tmp_path / "t.csv", TABLE.rstrip("\n"))), "--db", str(db))
    assert code == 0, err
    assert "does not end with a line break" in out and len(_texts(db)) == 2


def test_numbers_beyond_64_bits_are_left_empty(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "x", "views": 10**30}) + "\n"
                    + json.dumps({"id": 2, "text": "y", "views": 5}) + "\n")
    db = tmp_path / "c.duckdb"
    assert _ingest(capsys, str(path), "--db", str(db))[0] == 0
    with Corpus.open(db, read_only=True) as c:
        assert c.sql("SELECT views FROM messages ORDER BY message_id").rows() == [(None,), (5,)]


# ---------------------------------------------------------------------------------------------- HTML, long lines
@pytest.mark.parametrize("suffix", [" UTC+99:99", " UTC+24:00", " GMT+5:75", " UTC+999999999999:00", " UTC-",
                                    " UTC+03:30 extra"])
@pytest.mark.slow
def test_odd_time_zone_suffixes_in_html_are_one_line_errors(tmp_path: Path, capsys: Any, suffix: str) -> None:
    from narrascope.demo.html_export import write_html_export

    folder = tmp_path / "ChatExport"
    write_html_export({"name": "c", "type": "public_channel", "id": 1, "messages": [desktop_message(1)]}, folder)
    page = folder / "messages.html"
    page.write_text(page.read_text().replace(" UTC+00:00", suffix))
    _refused(capsys, folder, tmp_path / "c.duckdb", "messages.html", "message 1")


@pytest.mark.slow
def test_a_message_on_one_3_mb_line_is_read(tmp_path: Path, capsys: Any) -> None:
    long_text = "word " * 600_000
    path = write_chat(tmp_path / "result.json", [desktop_message(1, long_text)])
    db = tmp_path / "c.duckdb"
    assert _ingest(capsys, str(path), "--db", str(db))[0] == 0
    assert _texts(db) == [long_text]


@pytest.mark.slow
def test_tz_given_for_a_format_with_offsets_is_noted(tmp_path: Path, capsys: Any) -> None:
    """Issue 10 §6: --tz was accepted and ignored silently when every timestamp carries its offset."""
    path = write_chat(tmp_path / "result.json", [desktop_message(1)])
    db = tmp_path / "c.duckdb"
    code, out, _ = _ingest(capsys, str(path), "--db", str(db), "--tz", "Asia/Tehran")
    assert code == 0 and "--tz Asia/Tehran not used" in out
    assert "--tz Asia/Tehran not used" in _notes(db)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"name": "c", "type": "public_channel", "id": 2, "messages": [
        {"id": 1, "type": "message", "date": "2020-06-01T12:00:00", "text": "x"}]}))
    code, out, _ = _ingest(capsys, str(old), "--db", str(db), "--tz", "Asia/Tehran")
    assert code == 0 and "not used" not in out
