"""Options that take several values after one flag: ``--validated ann.csv bob.csv`` (what a shell glob such as
``--validated coded_*.csv`` expands to), as well as the repeated form ``--validated ann.csv --validated bob.csv``.

click has no variadic options, so a command class spreads ``--flag a b`` into ``--flag a --flag b`` before click
parses the arguments: every bare word after the flag, up to the next option, is one more value. Positional arguments
therefore go before such an option; when that leaves a required argument missing, the error says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

__all__ = ["ManyValues", "ManyValuesCommand", "spread"]


class ManyValues(click.Option):
    """A repeatable option whose flag may be followed by several values (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True
        super().__init__(*args, **kwargs)


def spread(args: Sequence[str], flags: set[str]) -> tuple[list[str], bool]:
    """``args`` with ``--flag a b`` written as ``--flag a --flag b`` for each of ``flags``; and whether any flag
    took more than one value."""
    out: list[str] = []
    current: str | None = None  # the flag whose extra values are being collected
    expecting = False  # the next word is the flag's own first value
    extra = False
    for i, arg in enumerate(args):
        if arg == "--":
            out.extend(args[i:])
            break
        if arg in flags:
            current, expecting = arg, True
            out.append(arg)
            continue
        flag = next((f for f in flags if arg.startswith(f + "=")), None)
        if flag is not None:
            current, expecting = flag, False
            out.append(arg)
            continue
        if arg.startswith("-") and arg != "-":
            current, expecting = None, False
            out.append(arg)
            continue
        if current is not None and not expecting:
            out += [current, arg]
            extra = True
            continue
        expecting = False
        out.append(arg)
    return out, extra


class ManyValuesCommand(click.Command):
    """A command whose :class:`ManyValues` options take several values after one flag."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        flags = {f for p in self.params if isinstance(p, ManyValues) for f in p.opts}
        spread_args, extra = spread(args, flags)
        try:
            return super().parse_args(ctx, spread_args)
        except click.MissingParameter as exc:
            if extra and isinstance(exc.param, click.Argument):
                name = exc.param.human_readable_name
                raise click.UsageError(
                    f"missing {name}: {', '.join(sorted(flags))} takes every file written after it, so put {name} "
                    f"before it (e.g. narrascope {self.name} {name} {sorted(flags)[0]} a.csv b.csv)", ctx) from None
            raise
