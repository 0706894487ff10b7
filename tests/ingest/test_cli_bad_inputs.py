"""`narrascope ingest` on broken inputs, self-contained (no ../shared needed): one line per bad file naming file and
position, exit code 2, nothing written for a bad file, good files of the same folder ingested, --strict, --format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from narrascope.cli import main
from narrascope.store.corpus import Corpus
from tests.conftest import desktop_message, write_chat


def _export_bytes(n: int = 40) -> bytes:
    root = {"name": "Test Channel", "type": "public_channel", "id": 1001,
            "messages": [desktop_message(i, f"پیام {i} with some text") for i in range(1, n + 1)]}
    return json.dumps(root, ensure_ascii=False, indent=1).encode("utf-8")


def _run(args: list[str]) -> int:
    """The exit code, whether main() returns it or the command raises SystemExit (partial failures do)."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def _counts(db: Path) -> tuple[int, int, int]:
    if not db.exists():
        return (0, 0, 0)
    with Corpus.open(db, read_only=True) as c:
        row = c.sql("SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM ingests) AS i, "
                    "(SELECT count(*) FROM channels) AS ch").rows()[0]
    return (int(row[0]), int(row[1]), int(row[2]))


def _bad_files(folder: Path) -> dict[str, str]:
    """Broken inputs -> the position each error must name."""
    data = _export_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "b_truncated.json").write_bytes(data[:2000])
    at = data.index("پیام 7".encode()) + 2
    (folder / "c_bad_utf8.json").write_bytes(data[:at] + b"\xff" + data[at:])
    (folder / "d_messages_object.json").write_bytes(b'{"name": "x", "type": "public_channel", "id": 7, "messages": {}}')
    (folder / "e_unknown.bin").write_bytes(bytes(range(256)) * 4)
    return {"b_truncated.json": "(byte 2,000)", "c_bad_utf8.json": f"(byte {at:,})",
            "d_messages_object.json": '(root key "messages")', "e_unknown.bin": "not recognised"}


@pytest.mark.slow
def test_folder_mixing_good_and_bad_files_ingests_the_good_and_lists_each_bad(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "exports"
    bad = _bad_files(folder)
    write_chat(folder / "a_good.json", [desktop_message(i) for i in range(1, 6)])
    write_chat(folder / "f_good.json", [desktop_message(i) for i in range(1, 4)], name="Other", chat_id=2002)
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(folder), "--db", str(db), "--no-progress"]) == 2
    out = capsys.readouterr().out.splitlines()
    failed = [line for line in out if line.startswith("FAILED")]
    broken = {k: v for k, v in bad.items() if k != "e_unknown.bin"}
    assert len(failed) == len(broken)
    for name, position in broken.items():
        [line] = [f for f in failed if name in f]
        assert position in line, line
    # a file in no known format, met while walking a folder, is reported as skipped, not as an error
    assert [line for line in out if line.startswith("skipped") and "e_unknown.bin" in line]
    assert _counts(db) == (8, 2, 2)  # the two good files, nothing from the bad ones


def test_json_report_lists_bad_files_with_their_errors(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "exports"
    bad = _bad_files(folder)
    write_chat(folder / "a_good.json", [desktop_message(1)])
    assert _run(["ingest", str(folder), "--db", str(tmp_path / "c.duckdb"), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    status = {Path(f["path"]).name: (f["status"], f["error"]) for f in report["files"]}
    assert status["a_good.json"] == ("ok", None)
    for name, position in bad.items():
        expected = "skipped" if name == "e_unknown.bin" else "failed"
        assert status[name][0] == expected and position in status[name][1]
    assert report["totals"]["added"] == 1


@pytest.mark.slow
def test_strict_stops_at_the_first_bad_file_with_one_line(tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "exports"
    _bad_files(folder)
    write_chat(folder / "a_good.json", [desktop_message(i) for i in range(1, 6)])
    write_chat(folder / "z_good.json", [desktop_message(i) for i in range(1, 4)], name="Other", chat_id=2002)
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(folder), "--db", str(db), "--no-progress", "--strict"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "b_truncated.json (byte 2,000)" in err and "Traceback" not in err
    assert _counts(db) == (5, 1, 1)  # a_good.json (before the bad one) stays; z_good.json is never reached


@pytest.mark.slow
@pytest.mark.parametrize("name", ["b_truncated.json", "c_bad_utf8.json", "d_messages_object.json", "e_unknown.bin"])
def test_each_bad_file_alone_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, capsys: Any, name: str) -> None:
    bad = _bad_files(tmp_path / "in")
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(tmp_path / "in" / name), "--db", str(db), "--no-progress"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and name in err and bad[name] in err and "Traceback" not in err
    assert _counts(db) == (0, 0, 0)


def test_unknown_format_is_refused_with_the_choices(tmp_path: Path, capsys: Any) -> None:
    path = write_chat(tmp_path / "result.json", [desktop_message(1)])
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(path), "--db", str(db), "--format", "telegram_jsn"]) == 2
    err = capsys.readouterr().err
    assert "telegram_jsn" in err and "telegram_json" in err and "telegram_html" in err
    assert _counts(db) == (0, 0, 0)


def test_forced_format_that_does_not_fit_is_an_input_error(tmp_path: Path, capsys: Any) -> None:
    path = write_chat(tmp_path / "result.json", [desktop_message(1)])
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(path), "--db", str(db), "--no-progress", "--format", "instagram"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "result.json" in err and "Traceback" not in err
    assert _counts(db) == (0, 0, 0)


def test_missing_path_is_one_line(tmp_path: Path, capsys: Any) -> None:
    assert _run(["ingest", str(tmp_path / "nope.json"), "--db", str(tmp_path / "c.duckdb"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope.json" in err


def test_unknown_tz_is_refused_before_anything_is_read(tmp_path: Path, capsys: Any) -> None:
    # The file carries Unix times, so no reader would ever consult the zone: the typo must still be caught.
    path = write_chat(tmp_path / "result.json", [desktop_message(1)])
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(path), "--db", str(db), "--no-progress", "--tz", "Asia/Tehrn"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Asia/Tehrn" in err
    assert not db.exists()


@pytest.mark.slow
def test_the_zone_of_local_dates_is_recorded_in_the_ingest_log(tmp_path: Path, capsys: Any) -> None:
    old = {"id": 1, "type": "message", "date": "2020-06-01T12:00:00", "from": "Chan", "from_id": 555, "text": "x"}
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"name": "Chan", "type": "public_channel", "id": 555, "messages": [old]}))
    db = tmp_path / "c.duckdb"
    assert _run(["ingest", str(path), "--db", str(db), "--no-progress", "--tz", "Asia/Tehran"]) == 0
    with Corpus.open(db, read_only=True) as c:
        assert c.sql("SELECT tz FROM ingests").rows() == [("Asia/Tehran",)]
        assert str(c.sql("SELECT posted_at FROM messages")["posted_at"][0]).startswith("2020-06-01 07:30:00")
