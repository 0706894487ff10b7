"""Every command run as a user types it: under a pseudo-terminal, where rich draws progress bars and colours.

The in-process CLI tests run without a terminal, so progress display is never drawn there; a crash inside it (a
progress column formatting an unknown total) once broke `frames`, `show` and `trends` for everyone at a terminal.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import click
import pytest

from narrascope.cli import cli, main
from tests.terminal import run_cli, run_in_terminal

# Commands that draw a live display (progress bar or spinner) on a terminal: the display must appear and not crash.
LIVE = {"demo", "ingest", "frames", "show", "trends", "reuse", "network", "coordination"}
HIDE_CURSOR = "\x1b[?25l"  # rich hides the cursor while a live display runs


def _leaf_names(group: click.Group, prefix: str = "") -> list[str]:
    names: list[str] = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        names.extend(_leaf_names(cmd, full + " ") if isinstance(cmd, click.Group) else [full])
    return sorted(names)


@pytest.fixture(scope="module")
def workspace(demo_store, tmp_path_factory):
    """A private copy of the demo store with reuse run, a coded sample and an exported key."""
    db, manifest = demo_store
    work = tmp_path_factory.mktemp("terminal")
    shutil.copy(db, work / "corpus.duckdb")
    shutil.copy(manifest.lexicon_path, work / "lexicon.yaml")
    store = str(work / "corpus.duckdb")
    assert main(["reuse", "--db", store, "--json"]) == 0
    frame = "resistance"
    assert main(["validate", "sample", str(work / "lexicon.yaml"), "--frame", frame, "--n", "40",
                 "-o", str(work / "sample.csv"), "--db", store, "--json"]) == 0
    with open(work / "sample.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):  # a coder who agrees with the lexicon except on every fifth message
        hit = row["dictionary"] == "hit"
        row["label"] = str(int(hit) ^ int(i % 5 == 0))
    with open(work / "coded.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["key", "export", "-o", str(work / "key.txt"), "--db", store, "--json"]) == 0
    channels = json.loads((manifest.folder / "truth" / "truth.json").read_text(encoding="utf-8"))["channels"]
    with open(work / "channels.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["channel_id", "channel", "username", "location"])
        writer.writerows([c["channel_id"], c["name"], c["username"], "abroad" if i % 3 == 0 else "inside"]
                         for i, c in enumerate(channels))
    assert main(["channels", "set-attributes", str(work / "channels.csv"), "--db", store, "--json"]) == 0
    _frames_result_dataset(work)
    _twin_store(work)
    return work, manifest


def _frames_result_dataset(work: Path) -> None:
    """A result dataset of the workspace store's frame hits, as a Spark job writes one (for import-results)."""
    from narrascope import Corpus
    from narrascope.engines.results import ResultManifest, write_result_dataset
    from narrascope.frames import load_lexicon
    from narrascope.frames.corpus_match import frame_hits_key, match_corpus

    lex = load_lexicon(work / "lexicon.yaml")
    with Corpus.open(work / "corpus.duckdb", read_only=True) as corpus:
        hits = match_corpus(corpus, lex)
        manifest = ResultManifest(analysis="frames", key=frame_hits_key(lex, corpus, None, None),
                                  state_token=corpus.state_token(), tables=["frame_hits"])
    write_result_dataset(work / "results", manifest, {"frame_hits": hits})


def _twin_store(work: Path) -> None:
    """A store holding one chat twice with no message in common (an HTML export, then JSON of a later period)."""
    from narrascope.demo.html_export import write_html_export
    from tests.conftest import desktop_message, write_chat

    early = [desktop_message(i) for i in range(1, 4)]
    write_html_export({"name": "Twin", "type": "public_channel", "id": 7, "messages": early}, work / "twin_html")
    write_chat(work / "twin_json" / "result.json", [desktop_message(i) for i in range(10, 13)], name="Twin", chat_id=7)
    assert main(["ingest", str(work / "twin_html"), str(work / "twin_json"), "--db", str(work / "twins.duckdb"),
                 "--json"]) == 0


def _invocations(work: Path, demo_exports: Path) -> dict[str, list[str]]:
    code, out, err = run_cli(["cascades", "--top", "1", "--json", "--db", "corpus.duckdb"], work)
    assert code == 0, err
    cascade_id = json.loads(out)["cascades"][0]["cascade_id"]
    return {
        "demo": ["demo", "--output", "demo2", "--messages", "400"],
        "ingest": ["ingest", str(demo_exports), "--db", "fresh.duckdb"],
        "info": ["info", "--db", "corpus.duckdb"],
        "frames": ["frames", "lexicon.yaml", "--by", "channel", "--db", "corpus.duckdb"],
        "show": ["show", "lexicon.yaml", "--frame", "resistance", "--n", "2", "--db", "corpus.duckdb"],
        "trends": ["trends", "lexicon.yaml", "--db", "corpus.duckdb"],
        "discover": ["discover", "lexicon.yaml", "--frame", "resistance", "--top", "5", "--db", "corpus.duckdb"],
        "reuse": ["reuse", "--refresh", "--db", "corpus.duckdb"],
        "coordination": ["coordination", "--window", "1m", "--nulls", "50", "--sweep", "--sweep-windows", "30s,5m",
                         "--db", "corpus.duckdb"],
        "cascades": ["cascades", "--top", "3", "--db", "corpus.duckdb"],
        "cascade": ["cascade", cascade_id, "--db", "corpus.duckdb"],
        "report": ["report", "-o", "report.html", "--lexicon", "lexicon.yaml", "--db", "corpus.duckdb"],
        "validate sample": ["validate", "sample", "lexicon.yaml", "--frame", "resistance", "--n", "20",
                            "-o", "sample2.csv", "--db", "corpus.duckdb"],
        "validate score": ["validate", "score", "coded.csv"],
        "key export": ["key", "export", "--db", "corpus.duckdb"],
        "key import": ["key", "import", "key.txt", "--db", "other.duckdb"],
        "channels set-attributes": ["channels", "set-attributes", "channels.csv", "--db", "corpus.duckdb"],
        "channels list": ["channels", "list", "--unknown", "--db", "corpus.duckdb"],
        "network": ["network", "--group", "location", "--draws", "50", "--refresh", "-o", "network.gexf",
                    "--db", "corpus.duckdb"],

        # serve runs until Ctrl-C; --check starts it, fetches every page through the socket and stops
        # (tests/web/test_serve_cli.py also runs it under a pty without --check and stops it with SIGINT)
        "serve": ["serve", "--db", "corpus.duckdb", "--port", "0", "--check"],
        "export": ["export", "--parquet", "exported", "--db", "corpus.duckdb"],
        "import-results": ["import-results", "results", "--db", "corpus.duckdb"],
        "merge-channels": ["merge-channels", "name:Twin", "7", "--db", "twins.duckdb"],
    }


@pytest.mark.slow
def test_every_command_has_a_terminal_run(workspace):
    work, manifest = workspace
    defined = set(_invocations(work, manifest.folder / "exports"))
    assert set(_leaf_names(cli)) == defined


@pytest.mark.slow
@pytest.mark.parametrize("command", _leaf_names(cli))
def test_command_runs_in_a_terminal(workspace, command):
    work, manifest = workspace
    args = _invocations(work, manifest.folder / "exports")[command]
    code, output = run_in_terminal(args, work)
    assert "internal error" not in output and "Traceback" not in output, output[-2000:]
    assert code == 0, output[-2000:]
    if command in LIVE:
        assert HIDE_CURSOR in output, f"{command}: no live display drawn on a terminal"


@pytest.mark.slow
def test_frames_draws_its_progress_bar_in_a_terminal(workspace):
    """The crash that reached every user: frames' progress bar with a total not yet known."""
    work, _ = workspace
    code, output = run_in_terminal(["frames", "lexicon.yaml", "--by", "channel", "--db", "corpus.duckdb"], work)
    assert code == 0 and "internal error" not in output, output[-2000:]
    assert HIDE_CURSOR in output
