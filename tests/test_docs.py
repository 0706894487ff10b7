"""Docs are tested: every CLI command is documented; the README's commands are the ones CI runs and they work."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from narrascope.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "narrascope") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def test_every_command_is_documented_in_cli_md():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+\s+`?(narrascope[^`\n]*)`?\s*$", doc, flags=re.M))
    missing = [c for c in _commands(cli) if c not in headings]
    assert not missing, f"commands without a heading in docs/cli.md: {missing}"


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    demo_cmd, test_cmd = _readme_commands()
    assert demo_cmd.rstrip().endswith("narrascope demo")
    assert "pytest" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()


@pytest.mark.slow
def test_readme_demo_command_runs(tmp_path, monkeypatch, capsys):
    """The demo part of the first command (the install part is exercised by CI's fresh venv)."""
    from narrascope.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    report = tmp_path / "narrascope-demo" / "report.html"
    assert report.exists() and str(Path("narrascope-demo") / "report.html") in out
    html = report.read_text(encoding="utf-8")
    for section in ("overview", "frames", "reuse", "network", "coordination"):  # the main job ran every analysis
        assert f'<section id="{section}"' in html, section
    # The README quotes the demo's network measurement: it must be what the demo prints.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"# forward: (.+?)\n#\s+(.+?)\n", readme)
    assert quoted, "the README's network example lost its quoted output"
    assert f"network: {quoted.group(1)} {quoted.group(2)}" in out


@pytest.mark.slow
def test_demo_reruns_into_its_own_folder_but_never_clobbers_others(tmp_path, capsys):
    from narrascope.cli import main

    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--messages", "300", "--json"]) == 0
    assert main(["demo", "-o", str(out), "--messages", "300", "--json"]) == 0  # the README command, run twice
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    capsys.readouterr()
    assert main(["demo", "-o", str(other)]) == 2
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert "--force" in capsys.readouterr().err


def _leaves(group: click.Group) -> list[click.Command]:
    out: list[click.Command] = []
    for cmd in group.commands.values():
        out.extend(_leaves(cmd) if isinstance(cmd, click.Group) else [cmd])
    return out


def test_every_command_has_json_output():
    missing = [c.name for c in _leaves(cli) if not any("--json" in p.opts for p in c.params)]
    assert not missing, f"commands without --json: {missing}"


@pytest.mark.parametrize("doc", ["cli.md", "formats.md"])
def test_generated_docs_match_the_code(doc, capsys):
    """docs/cli.md's usage blocks are the commands' --help and docs/formats.md's messages table is the canonical
    schema: `cog -r docs/cli.md docs/formats.md` regenerates them."""
    from cogapp import Cog

    path = ROOT / "docs" / doc
    assert "[[[cog" in path.read_text(encoding="utf-8")
    status = Cog().main(["cog", "--check", str(path)])
    assert status == 0, f"docs/{doc} differs from the code: run `cog -r docs/{doc}`\n{capsys.readouterr().out}"


def test_every_command_has_its_generated_help_in_cli_md():
    from narrascope.docgen import cli_help

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(cli) if cli_help(*c.split()[1:]) not in doc]
    assert not missing, f"commands whose --help is not in docs/cli.md: {missing}"


def test_messages_table_is_the_store_schema(tmp_path):
    from narrascope import Corpus
    from narrascope.docgen import messages_table
    from narrascope.models import MESSAGE_COLUMN_DOCS, MESSAGE_SCHEMA

    assert list(MESSAGE_COLUMN_DOCS) == MESSAGE_SCHEMA.names
    with Corpus.open(tmp_path / "c.duckdb", create=True) as corpus:
        stored = corpus.sql("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'messages' ORDER BY ordinal_position").rows()
    rows = [line.split(" | ")[:2] for line in messages_table().splitlines()[2:]]
    assert [(name.lstrip("| "), kind) for name, kind in rows] == [(n, t.replace("TIMESTAMP WITH TIME ZONE",
                                                                                 "TIMESTAMPTZ")) for n, t in stored]
