"""The ``narrascope`` command: a thin layer over the library.

Each command lives in a module of this package defining ``register(group)``; modules are discovered, so a new
capability adds a file here and nothing else. Commands parse arguments, call one public function, and format.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from .. import __version__
from .common import run_main

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="narrascope")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Measure frames, reuse and spread in Telegram, Instagram and news corpora."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit code (0 ok, 2 user error, 1 bug)."""
    return run_main(cli, argv)
