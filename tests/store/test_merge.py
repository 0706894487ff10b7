"""One chat exported as HTML (no chat id) and as JSON becomes one channel in either order (issue 10 §6); exports
without a message in common are not merged silently: `info` lists them and `merge-channels` merges on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from narrascope import Corpus
from narrascope.cli import main
from narrascope.demo.html_export import write_html_export
from tests.conftest import desktop_message, write_chat

NAME = "Twin Channel"


def _exports(tmp_path: Path, html_ids: range, json_ids: range, edit: bool = False) -> tuple[Path, Path]:
    def msgs(ids: range) -> list[dict[str, Any]]:
        return [desktop_message(i, f"پیام {i} of the channel", from_id="channel1001", **{"from": NAME}) for i in ids]

    html = tmp_path / "html" / "ChatExport"
    write_html_export({"name": NAME, "type": "public_channel", "id": 1001, "messages": msgs(html_ids)}, html)
    json_msgs = msgs(json_ids)
    if edit:  # another chat of the same name: different texts under the same ids
        json_msgs = [{**m, "text": "unrelated " + str(m["id"]), "text_entities": []} for m in json_msgs]
    return html, write_chat(tmp_path / "json" / "result.json", json_msgs, name=NAME, chat_id=1001)


def _channels(db: Path) -> dict[str, int]:
    with Corpus.open(db, read_only=True) as c:
        return dict(c.sql("SELECT channel_id, count(*) FROM messages GROUP BY 1").rows())


@pytest.mark.parametrize("order", ["html first", "json first"])
def test_html_and_json_of_one_chat_are_one_channel_in_either_order(tmp_path: Path, order: str) -> None:
    html, jsn = _exports(tmp_path, range(1, 31), range(20, 51))
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as c:
        first, second = (html, jsn) if order == "html first" else (jsn, html)
        c.ingest([first])
        report = c.ingest([second]).files[0]
        channels = c.sql("SELECT platform, channel_id, name FROM channels").rows()
        merges = c.sql("SELECT from_id, into_id, messages, shared FROM channel_merges").rows()
    assert _channels(db) == {"1001": 50}
    assert channels == [("telegram", "1001", NAME)]
    if order == "html first":
        assert merges == [(f"name:{NAME}", "1001", 30, 11)]
        assert report.added == 20 and report.skipped == 11  # the shared messages are recognised as stored
        assert any("merged into it" in n for n in report.notes)
    else:
        assert merges == []  # the HTML rows were filed under the known id while reading


@pytest.mark.slow
def test_same_name_different_messages_are_not_merged_and_info_says_so(tmp_path: Path, capsys: Any) -> None:
    html, jsn = _exports(tmp_path, range(1, 11), range(1, 11), edit=True)
    db = tmp_path / "c.duckdb"
    for path in (html, jsn):
        assert main(["ingest", str(path), "--db", str(db), "--no-progress"]) == 0
    assert _channels(db) == {f"name:{NAME}": 10, "1001": 10}
    capsys.readouterr()
    assert main(["info", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "were not merged" in out and "merge-channels" in out
    assert main(["info", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unmerged_twins"] == [{"platform": "telegram", "name_id": f"name:{NAME}", "id": "1001", "name": NAME}]


@pytest.mark.slow
def test_exports_of_different_periods_merge_on_request(tmp_path: Path, capsys: Any) -> None:
    html, jsn = _exports(tmp_path, range(1, 11), range(20, 31))
    db = tmp_path / "c.duckdb"
    for path in (html, jsn):
        assert main(["ingest", str(path), "--db", str(db), "--no-progress"]) == 0
    assert _channels(db) == {f"name:{NAME}": 10, "1001": 11}
    with Corpus.open(db, read_only=True) as c:
        token = c.state_token()
    capsys.readouterr()
    assert main(["merge-channels", f"name:{NAME}", "1001", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["moved"] == 10
    assert _channels(db) == {"1001": 21}
    with Corpus.open(db, read_only=True) as c:
        assert c.state_token() != token  # cached results computed before the merge are not reused
        assert c.info()["merged_channels"][0]["how"] == "on request"
        assert c.info()["unmerged_twins"] == []
    assert main(["merge-channels", "nope", "1001", "--db", str(db)]) == 2
    assert "no telegram channel" in capsys.readouterr().err


def test_a_merge_keeps_newer_edits(tmp_path: Path) -> None:
    """Where both exports hold a message, the stored copy is replaced only by a newer edit."""
    html, _ = _exports(tmp_path, range(1, 6), range(1, 1))
    edited = [desktop_message(i, f"پیام {i} of the channel", from_id="channel1001", **{"from": NAME})
              for i in range(1, 6)]
    edited[0] = desktop_message(1, "پیام 1 of the channel", from_id="channel1001", edited=1_800_000_000,
                                **{"from": NAME})
    jsn = write_chat(tmp_path / "json2" / "result.json", edited, name=NAME, chat_id=1001)
    db = tmp_path / "c.duckdb"
    with Corpus.open(db) as c:
        c.ingest([html])
        report = c.ingest([jsn]).files[0]
        rows = c.sql("SELECT message_id, edited_at IS NOT NULL FROM messages ORDER BY message_id").rows()
    assert report.updated == 1 and report.skipped == 4
    assert rows == [("1", True), ("2", False), ("3", False), ("4", False), ("5", False)]
