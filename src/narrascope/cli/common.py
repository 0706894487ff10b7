"""Shared CLI plumbing: --db and --json options, error mapping, progress bars, and safe terminal output.

Every string from the data (channel names, texts, file names, error messages quoting them) is hostile: rich markup
(``[/bold] x``) must not be interpreted, and terminal control sequences (set title, clear screen, colours) must not
reach the terminal. All output goes through :func:`out_console` / :data:`err_console` (markup off, every text segment
cleaned at render time, so tables and styled texts are covered wherever they are built), :func:`echo` and
:func:`emit_json`; errors are one line.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
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
from rich.segment import Segment
from rich.text import Text

from ..errors import NarrascopeError

if TYPE_CHECKING:
    from ..store.corpus import Corpus

__all__ = ["ENGINE_OPTION", "MAX_MESSAGE", "SafeConsole", "clean", "db_option", "echo", "emit_json", "err_console", "json_option",
           "message_progress", "one_line", "open_corpus", "out_console", "progress_bar", "run_main"]

F = TypeVar("F", bound=Callable[..., Any])
#: = narrascope.store.corpus.DEFAULT_DB, written out so that parsing arguments does not import the store (DuckDB,
#: polars, pyarrow); tests/cli/test_lazy_imports.py holds the two equal.
DEFAULT_DB = "corpus.duckdb"

# C0 controls except tab and newline, DEL, C1 controls (0x9B is a one-byte CSI on some terminals), lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\n\t]")
#: error messages longer than this are cut (a refused 50,000-way regex once printed a 389 KB line)
MAX_MESSAGE = 2000


def _picture(m: re.Match[str]) -> str:
    """A visible stand-in of the same length (1 character), so highlighted spans keep their offsets."""
    code = ord(m.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␛ for ESC, ␍ for CR, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def clean(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC, CR, BEL, C1, …) shown as visible symbols, newlines
    and tabs kept. Same length as ``text``."""
    return _CONTROL.sub(_picture, text)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cleaned and on one line (newlines and tabs shown as ␊ and ␉), cut to ``limit`` characters."""
    flat = _LINE_BREAKS.sub(_picture, clean(text))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SafeConsole(Console):
    """A rich console for hostile data: no markup, no emoji codes, no highlighting, and every text segment cleaned
    of control characters just before it is written (rich's own styles and cursor controls stay intact)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            seg if seg.control or not seg.text else Segment(clean(seg.text), seg.style, seg.control)
            for seg in buffer
        )


err_console = SafeConsole(stderr=True)


def out_console(**kwargs: Any) -> SafeConsole:
    """The console for a command's results on stdout (``kwargs`` as rich's Console takes them)."""
    return SafeConsole(**kwargs)


def echo(text: str, *, err: bool = False) -> None:
    """Print a plain line (control characters cleaned)."""
    click.echo(clean(text), err=err)


def db_option(f: F) -> F:
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB, show_default=True,
        envvar="NARRASCOPE_DB", show_envvar=True, help="Corpus store (DuckDB file).",
    )(f)


#: --engine on the heavy analyses (= narrascope.engines.ENGINES, written out so that parsing imports nothing).
ENGINE_OPTION = click.option(
    "--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
    help="Where the matching runs: duckdb (embedded) or spark (pip install 'narrascope[spark]'; master from "
         "$NARRASCOPE_SPARK_MASTER, default local[*]; see docs/spark.md). Results are identical.")


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(f)


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# json.dumps escapes C0 controls but leaves DEL, C1 controls and lone surrogates raw: they can only occur inside
# JSON strings, where a \\u escape is valid.
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")


def emit_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_default)
    click.echo(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def open_corpus(db: Path, *, read_only: bool = False, create: bool = False) -> Corpus:
    from ..store.corpus import Corpus

    return Corpus.open(db, read_only=read_only, create=create)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[Path, int, int], None] | None]:
    """A rich progress bar over bytes, per ingest unit; silent when stderr is not a terminal or disabled."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
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
    with Progress(TextColumn(label, markup=False), BarColumn(), CountColumn(),
                  TimeRemainingColumn(), console=err_console, transient=True) as prog:
        task = prog.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total or None)

        yield update


def _usage_line(exc: click.ClickException) -> str:
    """click's usage errors in one line (click prints usage, a hint and the error on three or four)."""
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return f"error: {message}{where}"


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
        err_console.print(one_line(_usage_line(exc)), soft_wrap=True)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except NarrascopeError as exc:
        if debug:
            raise
        err_console.print(one_line(f"error: {exc}"), soft_wrap=True)
        return 2
    except Exception as exc:  # a bug: say so, point to --debug (unless it is DuckDB reporting a damaged file)
        from ..store.health import damage_error  # here: parsing arguments need not import DuckDB

        damaged = damage_error(exc)
        if damaged is not None and not debug:
            err_console.print(one_line(f"error: {damaged}"), soft_wrap=True)
            return 2
        if debug:
            raise
        err_console.print(one_line(
            f"internal error: {type(exc).__name__}: {exc} — this is a narrascope bug; re-run with --debug "
            "and report the traceback"), soft_wrap=True)
        return 1
    return 0
