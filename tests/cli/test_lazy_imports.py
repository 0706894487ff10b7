"""Start-up stays fast: `narrascope --help` (and importing the CLI) loads no analysis library; each command's module is
imported when that command runs, and the command list read from the sources matches the commands themselves. Every
command's --help (subcommands too) loads none either (issue 10 §6: `reuse --help` imported scipy)."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from narrascope.cli import cli, command_index
from narrascope.cli.common import DEFAULT_DB

HEAVY = ("scipy", "scipy.stats", "polars", "pyarrow", "duckdb", "numpy", "ruptures", "networkx", "jinja2", "lxml",
         "trafilatura", "narrascope.store.corpus", "narrascope.frames.prevalence", "narrascope.reuse.pipeline")


def _modules_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_and_its_help_load_no_analysis_library() -> None:
    assert _modules_after("import narrascope.cli") == []
    assert _modules_after("from narrascope.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
                          "    pass") == []


def test_a_command_imports_only_what_it_needs() -> None:
    loaded = _modules_after("from narrascope.cli import main\nmain(['validate', '--help'])")
    assert "polars" not in loaded and "scipy.stats" not in loaded


# What no command's --help may import: the analysis libraries that make start-up slow (ingest's --help lists the
# readers, whose record schema is pyarrow's, so pyarrow and numpy are not in this list).
NOT_FOR_HELP = ("scipy", "duckdb", "polars", "trafilatura", "networkit", "networkx", "statsmodels", "hyperscan",
                "ruptures", "sklearn", "lxml", "jinja2", "narrascope.store.corpus")

_EVERY_HELP = f"""
import json, sys
import click
from click.testing import CliRunner
from narrascope.cli import cli

def paths(group, prefix):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from paths(command, [*prefix, name])

def newly_loaded():
    new = [m for m in {NOT_FOR_HELP!r} if m in sys.modules and m not in seen]
    seen.update(new)
    return new

runner, loaded, seen = CliRunner(), {{}}, set()
commands = list(paths(cli, []))  # imports every command module
loaded["(the command modules)"] = newly_loaded()
for path in [[], *commands]:
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, (path, result.output, result.exception)
    loaded[" ".join(path) or "(narrascope)"] = newly_loaded()
print(json.dumps(loaded))
"""


def test_every_commands_help_loads_no_analysis_library() -> None:
    """One interpreter imports every command's module, then shows every command's --help in turn (top-level commands
    and the subcommands of groups such as `channels` and `key`), noting what each step imported first: what any one
    command's --help imports is a part of it."""
    out = subprocess.run([sys.executable, "-c", _EVERY_HELP], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(command_index()) <= set(loaded)  # every top-level command was asked
    assert {"channels list", "channels set-attributes", "key export", "key import"} <= set(loaded)
    assert {command: new for command, new in loaded.items() if new} == {}


def test_the_command_list_read_from_the_sources_is_the_real_one() -> None:
    index = command_index()
    real = {name: cmd for name, cmd in cli.commands.items()}  # imports every command module
    assert set(index) == set(real)
    for name, (_, short) in index.items():
        assert short == real[name].get_short_help_str(45), name


def test_the_default_store_name_is_the_store_modules() -> None:
    from narrascope.store.corpus import DEFAULT_DB as STORE_DEFAULT

    assert DEFAULT_DB == STORE_DEFAULT


def test_unknown_commands_are_still_usage_errors(capsys) -> None:
    from narrascope.cli import main

    assert main(["nonsense"]) == 2
    assert "No such command" in capsys.readouterr().err
    assert isinstance(cli.commands["frames"], click.Command)
