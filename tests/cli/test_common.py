"""Terminal output is safe whatever the data holds (issue 15): rich markup in names is shown, not interpreted
(``[/bold] x`` once crashed `info` and `frames`), terminal control sequences in names and texts (set title, clear
screen, colours) never reach the terminal, errors are one line (click's own included), long messages are cut."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest

from narrascope.cli import main
from narrascope.cli.common import SafeConsole, clean, emit_json, one_line, run_main
from tests.conftest import desktop_message, write_chat

HOSTILE_NAME = "[/bold] x \x1b]0;pwned\x07 [link=file:///etc/passwd]y[/link]"
HOSTILE_TEXT = "hostile words \x1b[2J\x1b[H cleared \x1b[31mred\x1b[0m [bold]not bold[/bold] \x9b31m :thumbs_up: \rback"
CONTROL = [chr(c) for c in range(0x20) if chr(c) not in "\n\t"] + [chr(c) for c in range(0x7F, 0xA0)]


def _run(args: list[str], capsys: Any) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("hostile")
    first = [desktop_message(i, f"{HOSTILE_TEXT} number {i} " + "shared words of a long copied story " * 6)
             for i in range(1, 6)]
    write_chat(work / "a" / "result.json", first, name=HOSTILE_NAME, chat_id=1001)
    copies = [desktop_message(i, m["text"], from_id="channel2002") for i, m in enumerate(first, start=100)]
    copies += [desktop_message(i, f"calm plain words {i}", from_id="channel2002") for i in range(200, 204)]
    write_chat(work / "b" / "result.json", copies, name="=HYPERLINK(\"http://x\",\"click\")", chat_id=2002)
    lexicon = work / "lexicon.yaml"
    lexicon.write_text("frames:\n  - id: hostile\n    terms:\n      en: [hostile]\n", encoding="utf-8")
    db = work / "c.duckdb"
    assert main(["ingest", str(work / "a"), str(work / "b"), "--db", str(db), "--no-progress", "--json"]) == 0
    assert main(["reuse", "--db", str(db), "--json"]) == 0
    return db, lexicon


def test_clean_shows_control_characters_and_keeps_lengths() -> None:
    text = "a\x1b]0;t\x07b\rc\n\td\x9b\x7f\ud800"
    cleaned = clean(text)
    assert len(cleaned) == len(text) and "\n\t" in cleaned
    assert not any(ch in cleaned for ch in CONTROL)
    assert cleaned.startswith("a␛]0;t␇b␍c")
    assert one_line("x\ny\tz") == "x␊y␉z"
    assert len(one_line("x" * 10_000)) == 2000


def test_safe_console_cleans_tables_and_styled_text(capsys: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=HOSTILE_NAME)
    table.add_column(HOSTILE_NAME)
    table.add_row(HOSTILE_TEXT)
    console = SafeConsole(force_terminal=True, width=200)
    console.print(table)
    console.print(Text(HOSTILE_TEXT, style="bold"))
    console.print(HOSTILE_NAME)
    out = capsys.readouterr().out
    data_only = out.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[3m", "")  # rich's own styles
    assert "\x07" not in data_only and "\x1b]" not in data_only and "\x1b[2J" not in data_only
    assert "[/bold] x" in out and "[bold]not bold[/bold]" in out and ":thumbs_up:" in out


@pytest.mark.parametrize("command", [
    ["info"], ["frames", "{lexicon}", "--by", "channel"], ["show", "{lexicon}", "--frame", "hostile"],
    ["trends", "{lexicon}"], ["cascades"], ["reuse"], ["cascade", "{cascade}"],
    ["discover", "{lexicon}", "--frame", "hostile", "--min-count", "1"],
    ["frames", "{lexicon}", "--reach", "1", "--by", "platform"],
])
@pytest.mark.slow
def test_every_command_prints_hostile_names_and_texts_inert(hostile_store: tuple[Path, Path], capsys: Any,
                                                            command: list[str]) -> None:
    db, lexicon = hostile_store
    cascade = ""
    if "{cascade}" in command:
        code, out, _ = _run(["cascades", "--json", "--db", str(db)], capsys)
        cascade = json.loads(out)["cascades"][0]["cascade_id"]
    args = [a.format(lexicon=lexicon, cascade=cascade) for a in command]
    code, out, err = _run([*args, "--db", str(db)], capsys)
    assert code == 0, err
    for stream in (out, err):
        assert not any(ch in stream for ch in CONTROL), repr(stream[:500])
    assert "internal error" not in err


def test_json_output_escapes_every_control_character(capsys: Any) -> None:
    emit_json({"name": HOSTILE_NAME, "text": HOSTILE_TEXT + "\ud800"})
    out = capsys.readouterr().out
    assert not any(ch in out for ch in CONTROL if ch != "\n")
    assert json.loads(out)["text"].startswith("hostile words \x1b[2J")  # the data itself is intact


@pytest.mark.slow
def test_ingest_report_of_an_odd_file_name_stays_on_its_lines(tmp_path: Path, capsys: Any) -> None:
    path = write_chat(tmp_path / "name\nwith\x1b]0;t\x07 break.json", [desktop_message(1)])
    code, out, err = _run(["ingest", str(path), "--db", str(tmp_path / "c.duckdb"), "--no-progress"], capsys)
    assert code == 0 and len(out.splitlines()) == 2 and "␊" in out and "\x1b" not in out
    bad = tmp_path / "bad\nname.json"
    bad.write_text("{")
    code, out, err = _run(["ingest", str(bad), "--db", str(tmp_path / "c.duckdb"), "--no-progress"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["frames"], ["frames", "x.yaml", "--nope"], ["info", "--db"], ["nosuchcommand"],
                                  ["frames", "missing.yaml"], ["show", "--n", "0"], ["reuse", "--threshold", "abc"]])
def test_click_usage_errors_are_one_line(args: list[str], capsys: Any) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: "), err


@pytest.mark.slow
def test_a_refused_huge_regex_is_not_echoed_whole(tmp_path: Path, hostile_store: tuple[Path, Path], capsys: Any) -> None:
    db, _ = hostile_store
    lexicon = tmp_path / "huge.yaml"
    alternation = "|".join(f"word{i}" for i in range(50_000))
    lexicon.write_text(f"frames:\n  - id: f\n    terms:\n      en:\n        - regex: '{alternation}'\n")
    code, _, err = _run(["frames", str(lexicon), "--db", str(db)], capsys)
    assert code == 2 and len(err) < 1000 and "characters" in err, err[:300]


def test_internal_errors_are_one_line_too(capsys: Any) -> None:
    @click.group()
    def group() -> None:
        pass

    @group.command("boom")
    def boom() -> None:
        raise RuntimeError("first line\nsecond line \x1b[2J")

    assert run_main(group, ["boom"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "\x1b" not in err and "narrascope bug" in err


@pytest.mark.parametrize("args,needle", [
    (["frames", "{lexicon}", "--by", "channel,channel"], "once only"),
    (["frames", "{lexicon}", "--by", "month,week"], "at most one period"),
    (["frames", "{lexicon}", "--by", "nonsense"], "neither a built-in group"),
    (["trends", "{lexicon}", "--compare", "9999y"], "at most 100 years"),
    (["trends", "{lexicon}", "--compare", "0m"], "--compare"),
    (["frames", "{lexicon}", "--since", "yesterday"], "not a date"),
    (["validate", "sample", "{lexicon}", "--frame", "hostile", "--by", "channel,channel", "-o", "{tmp}/s.csv"],
     "once only"),
    (["reuse", "--threshold", "2"], "threshold"),
    (["frames", "{lexicon}", "--csv", "{tmp}/missing/f.csv"], "does not exist"),
])
def test_odd_option_values_are_one_line_usage_errors(hostile_store: tuple[Path, Path], tmp_path: Path, capsys: Any,
                                                     args: list[str], needle: str) -> None:
    db, lexicon = hostile_store
    code, _, err = _run([*(a.format(lexicon=lexicon, tmp=tmp_path) for a in args), "--db", str(db)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and needle in err, err


@pytest.mark.slow
def test_reuse_with_a_date_range_runs(hostile_store: tuple[Path, Path], capsys: Any) -> None:
    """`reuse --since` compared the store's "Etc/UTC" timestamps with a "UTC" literal and crashed."""
    db, _ = hostile_store
    code, _, err = _run(["reuse", "--since", "2020-01-01", "--until", "2030-01-01", "--json", "--db", str(db)], capsys)
    assert code == 0, err


def test_a_store_without_write_permission_is_named_read_only(hostile_store: tuple[Path, Path], tmp_path: Path,
                                                             capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was reported as "not a DuckDB store". Root may write anything, so the refusal is simulated there."""
    import os
    import shutil

    from narrascope.store import health

    db = tmp_path / "ro.duckdb"
    shutil.copy(hostile_store[0], db)
    db.chmod(0o444)
    if os.geteuid() == 0:
        real = os.access
        monkeypatch.setattr(health.os, "access", lambda p, mode: False if Path(p) == db and mode == os.W_OK
                            else real(p, mode))
    export = write_chat(tmp_path / "e" / "result.json", [desktop_message(1)])
    code, _, err = _run(["ingest", str(export), "--db", str(db)], capsys)
    assert code == 2 and "read-only" in err and "not a DuckDB store" not in err
    assert _run(["info", "--db", str(db)], capsys)[0] == 0
