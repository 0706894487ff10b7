"""narrascope coordination: JSON with groups and evidence, one-line user errors, hostile names printed as text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrascope.cli import main
from tests.conftest import BASE_TS, desktop_message, write_chat

HOSTILE = "Evil [bold red]Chan[/bold red]\x1b[2J"


def _exports(folder: Path) -> Path:
    """Three channels; two of them (one with a hostile name) post the same link within seconds, 12 times."""
    chans = {1: ("Calm One", []), 2: (HOSTILE, []), 3: ("Bystander", [])}
    for k in range(12):
        at = BASE_TS + k * 86_400 + 3_600 * (k % 7)
        for cid, lag in ((1, 0), (2, 4)):
            mid = len(chans[cid][1]) + 1
            chans[cid][1].append(desktop_message(mid, f"campaign text {k} with a link https://camp.example/{k}",
                                                 date_unixtime=str(at + lag)))
    for cid, (_, msgs) in chans.items():  # background posts at other times, so each channel has its own rhythm
        for k in range(40):
            mid = len(msgs) + 1
            msgs.append(desktop_message(mid, f"ordinary post {k} of channel {cid}",
                                        date_unixtime=str(BASE_TS + k * 43_200 + 977 * cid)))
    for cid, (name, msgs) in chans.items():
        write_chat(folder / f"c{cid}" / "result.json", msgs, name=name, chat_id=1000 + cid)
    return folder


@pytest.fixture
def store(tmp_path) -> Path:
    db = tmp_path / "c.duckdb"
    assert main(["ingest", str(_exports(tmp_path / "exports")), "--db", str(db), "--json"]) == 0
    return db


@pytest.mark.slow
def test_json_lists_the_group_with_its_evidence(store, capsys):
    capsys.readouterr()
    assert main(["coordination", "--db", str(store), "--nulls", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (group,) = out["groups"]
    assert group["members"] == ["1001", "1002"] and group["significant"]
    assert group["evidence"] and all(e["lag_s"] == 4 for e in group["evidence"])
    assert out["stats"]["nulls"] == 100 and out["edges"][0]["reported"]


@pytest.mark.slow
def test_terminal_output_shows_hostile_names_as_text(store, capsys):
    capsys.readouterr()
    assert main(["coordination", "--db", str(store), "--nulls", "100"]) == 0
    out = capsys.readouterr().out
    assert "Evil [bold red]Chan[/bold red" in out and "\x1b" not in out and "Coordinated groups" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "2 days"], "not a duration"),
    (["--window", "13h"], "12 h"),
    (["--objects", "url,links"], "unknown object kind"),
    (["--objects", "near_duplicate"], "narrascope reuse"),
    (["--exclude-by", "owner"], "set-attributes"),
    (["--sweep-alphas", "a,b"], "--sweep-alphas"),
    (["--alpha", "2"], "between 0 and 1"),
])
@pytest.mark.slow
def test_user_errors_are_one_line_exit_2(store, capsys, args, message):
    capsys.readouterr()
    assert main(["coordination", "--db", str(store), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") <= 2 and "Traceback" not in err


@pytest.mark.slow
def test_report_shows_the_group_after_a_run(store, tmp_path):
    from lxml import html as lhtml

    assert main(["coordination", "--db", str(store), "--nulls", "100", "--sweep", "--json"]) == 0
    out = tmp_path / "r.html"
    assert main(["report", "-o", str(out), "--db", str(store), "--json"]) == 0
    doc = lhtml.fromstring(out.read_text(encoding="utf-8"))
    data = json.loads(doc.get_element_by_id("data-coordination").text)
    assert [g["group_id"] for g in data["groups"]] == ["g1"] and len(data["groups"][0]["evidence"]) == 6
    assert data["groups"][0]["evidence"][0]["first_text"].startswith("campaign text")
    section = doc.xpath("//section[@id='coordination']")[0] if doc.xpath("//section[@id='coordination']") else doc
    text = section.text_content()
    assert "[bold red]Chan[/bold red]" in text and "\x1b" not in text  # escaped, not interpreted
    assert "Sensitivity" in text
