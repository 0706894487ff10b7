"""Shared CLI plumbing: --db and --json options, error mapping, progress bars, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from ..errors import NarrascopeError

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["db_option", "emit_json", "err_console", "json_option", "message_progress", "open_corpus", "progress_bar",
           "run_main"]

F = TypeVar("F", bound=Callable[..., Any])
#: = narrascope.store.corpus.DEFAULT_DB, written out so that parsing arguments does not import the store (DuckDB,
#: polars, pyarrow); tests/cli/test_lazy_imports.py holds the two equal.
DEFAULT_DB = "corpus.duckdb"
err_console = Console(stderr=True, highlight=False)


def db_option(f: F) -> F:
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
        envvar="NARRASCOPE_DB", help="Corpus store (DuckDB file).",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(f)


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


def open_corpus(db: Path, *, read_only: bool = False, create: bool = False) -> Corpus:
    from ..store.corpus import Corpus

    return Corpus.open(db, read_only=read_only, create=create)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[Path, int, int], None] | None]:
    """A rich progress bar over bytes, per ingest unit; silent when stderr is not a terminal or disabled."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True) as prog:
        tasks: dict[Path, Any] = {}

        def update(path: Path, done: int, total: int) -> None:
            if path not in tasks:
                tasks[path] = prog.add_task(path.name, total=total or None)
            prog.update(tasks[path], completed=done)

        yield update


class CountColumn(ProgressColumn):
    """``done/total messages``, or ``done messages`` while the total is not yet known (rich's total is None)."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        if task.total is None:
            return Text(f"{done:,} messages")
        return Text(f"{done:,}/{int(task.total):,} messages")


@contextmanager
def message_progress(enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar over messages (callback(done, total)); silent off a terminal or when disabled."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    with Progress(TextColumn(label), BarColumn(), CountColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True) as prog:
        task = prog.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total or None)

        yield update


def run_main(group: click.Group, argv: list[str] | None) -> int:
    """Run the click group, mapping NarrascopeError to one line + exit 2 and other errors to exit 1."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = group.main(args=args, prog_name="narrascope", standalone_mode=False)
        if isinstance(code, int):  # click returns an Exit's code instead of raising it when not standalone
            return code
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except NarrascopeError as exc:
        if debug:
            raise
        err_console.print(f"error: {exc}", markup=False, soft_wrap=True)
        return 2
    except Exception as exc:  # a bug: say so, point to --debug
        if debug:
            raise
        err_console.print(
            f"internal error: {type(exc).__name__}: {exc} — this is a narrascope bug; re-run with --debug "
            "and report the traceback", markup=False, soft_wrap=True,
        )
        return 1
    return 0
