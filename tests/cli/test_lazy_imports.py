"""Start-up stays fast: `narrascope --help` (and importing the CLI) loads no analysis library; each command's module is
imported when that command runs, and the command list read from the sources matches the commands themselves."""

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
