"""The ``narrascope`` command: a thin layer over the library.

Each command lives in a module of this package defining ``register(group)``; modules are discovered, so a new
capability adds a file here and nothing else. Commands parse arguments, call one public function, and format.

Start-up is lazy: a command's module (and the analysis libraries it imports — polars, DuckDB, scipy …) is imported
only when that command runs or shows its help. ``narrascope --help`` imports none of them: the command list and
each command's one-line help are read from the modules' source (:mod:`ast`, a few milliseconds) instead.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator, MutableMapping
from functools import cache
from pathlib import Path
from typing import Any

import click

from .._version import __version__
from .common import run_main

__all__ = ["cli", "main"]


@cache
def command_index() -> dict[str, tuple[str, str]]:
    """{command name: (module, short help)} for every top-level command, read from the cmd_* modules' source: the
    functions registered with ``@group.command("name")`` / ``@group.group("name")`` inside ``register(group)``."""
    index: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("cmd_"):
            continue
        tree = ast.parse((Path(__file__).parent / f"{info.name}.py").read_text(encoding="utf-8"))
        register = next((f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "register"), None)
        if register is None or not register.args.args:
            continue
        group = register.args.args[0].arg
        for node in ast.walk(register):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                        and isinstance(deco.func.value, ast.Name) and deco.func.value.id == group
                        and deco.func.attr in ("command", "group") and deco.args
                        and isinstance(deco.args[0], ast.Constant) and isinstance(deco.args[0].value, str)):
                    doc = ast.get_docstring(node) or ""  # the one-line help exactly as click makes it from it
                    index[deco.args[0].value] = (info.name, click.Command(None, help=doc).get_short_help_str(45))
    return index


class _Commands(MutableMapping[str, click.Command]):
    """The group's command mapping, importing a command's module the first time it is looked up or listed."""

    def __init__(self, group: LazyGroup) -> None:
        self._group = group
        self._data: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._data:
            self._group.load(name)
        return self._data[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._data[name] = command

    def __delitem__(self, name: str) -> None:
        del self._data[name]

    def __iter__(self) -> Iterator[str]:
        self._group.load_all()
        return iter(self._data)

    def __len__(self) -> int:
        self._group.load_all()
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in command_index() or name in self._data


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self)
        self._loaded: set[str] = set()

    def load(self, name: str) -> None:
        entry = command_index().get(name)
        if entry is not None:
            self._load_module(entry[0])

    def load_all(self) -> None:
        for module, _ in command_index().values():
            self._load_module(module)

    def _load_module(self, module: str) -> None:
        if module not in self._loaded:
            self._loaded.add(module)
            importlib.import_module(f"{__name__}.{module}").register(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        try:
            return self.commands[cmd_name]
        except KeyError:
            return None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(command_index())

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, short) in sorted(command_index().items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="narrascope")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Measure frames, reuse and spread in Telegram, Instagram and news corpora."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit code (0 ok, 2 user error, 1 bug)."""
    return run_main(cli, argv)
