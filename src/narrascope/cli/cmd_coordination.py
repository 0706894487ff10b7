"""narrascope coordination — who posts in concert: co-action within a sliding window, tested against null worlds."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..coordination.options import CoordinationOptions, format_window, option_fields, parse_window
from ..engines import get_engine
from ..errors import UsageError
from .common import ENGINE_OPTION, db_option, emit_json, err_console, json_option, open_corpus, out_console

if TYPE_CHECKING:  # the analysis modules are imported when the command runs, not for --help (start-up stays fast)
    from ..coordination import CoordinationResult

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WINDOW_FIELDS = {"window"}
_LIST_FIELDS = {"objects", "exclude_by", "sweep_windows", "sweep_alphas"}


def plain(value: Any, limit: int | None = None) -> Text:
    """A cell from data: never markup, control characters removed, newlines folded."""
    text = _CONTROL.sub(" ", "" if value is None else str(value)).replace("\n", " ")
    return Text(text if limit is None or len(text) <= limit else text[: limit - 1] + "…")


def _click_type(hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if isinstance(hint, types.UnionType) and args else hint
    return {int: int, float: float, str: str, bool: bool}.get(base, str)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _options(f: Callable[..., Any]) -> Callable[..., Any]:
    """One flag per CoordinationOptions field (``--field-name``); lists are comma-separated (or repeated)."""
    for name, hint, default, help_text in reversed(option_fields()):
        flag = name.replace("_", "-")
        if name in _LIST_FIELDS:
            shown = ",".join(format_window(v) if name == "sweep_windows" else str(v) for v in default)
            f = click.option(f"--{flag}", name, multiple=True, help=f"{help_text} [default: {shown or 'none'}]")(f)
        elif name in _WINDOW_FIELDS:
            f = click.option(f"--{flag}", name, default=format_window(default), show_default=True,
                             help=help_text.replace("(seconds)", "(e.g. 30s, 5m, 1h)"))(f)
        elif _click_type(hint) is bool:
            f = click.option(f"--{flag}", name, is_flag=True, default=default, help=help_text)(f)
        else:
            f = click.option(f"--{flag}", name, type=_click_type(hint), default=default, show_default=True,
                             help=help_text)(f)
    return f


def make_options(fields: dict[str, Any]) -> CoordinationOptions:
    """CoordinationOptions from the command line's values (lists split on commas, windows parsed)."""
    values = dict(fields)
    for name in _LIST_FIELDS:
        items = _split(values.pop(name) or ())
        if not items:
            continue
        if name == "sweep_windows":
            values[name] = tuple(parse_window(v) for v in items)
        elif name == "sweep_alphas":
            try:
                values[name] = tuple(float(v) for v in items)
            except ValueError:
                raise UsageError(f"--sweep-alphas {','.join(items)}: give levels such as 0.01,0.05,0.1") from None
        else:
            values[name] = tuple(items)
    values["window"] = parse_window(values["window"])
    return CoordinationOptions(**values)


def summary(result: CoordinationResult, top: int, evidence: int) -> dict[str, Any]:
    """The JSON document: every group with its members and evidence, the notable edges, the sweep."""
    groups = []
    for g in result.groups.iter_rows(named=True):
        rows = result.group(g["group_id"]).sort("lag_s", "posted_a").head(evidence)
        groups.append({**g, "evidence": rows.to_dicts()})
    return {
        "stats": result.stats,
        "groups": groups,
        "edges": result.notable_edges(top).to_dicts(),
        "edges_total": result.edges.height,
        "settings": result.settings.to_dicts(),
        "stability": result.stability.to_dicts(),
    }


def _lag(seconds: Any) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s"


def _print(result: CoordinationResult, options: CoordinationOptions, top: int, evidence: int) -> None:
    out = out_console()
    st = result.stats
    window = format_window(options.window)
    cached = " (cached result)" if st.get("cached") else ""
    out.print(plain(f"{st.get('messages', 0):,} messages of {st.get('actors', 0):,} {options.actors}s · objects "
                    f"{', '.join(options.objects)} · window {window} · {result.edges.height:,} pairs co-acted, "
                    f"{st.get('family_size', 0):,} could have · {options.nulls} null worlds{cached}"))
    groups = result.significant_groups()
    if groups.height == 0:
        out.print(plain(f"no coordinated group at FDR {options.alpha}: no pair co-acted on more objects than its "
                        "null worlds explain (with the filters below)"))
    else:
        table = Table(title=f"Coordinated groups (FDR {options.alpha}, window {window})", title_justify="left")
        for column, justify in (("group", "left"), ("members", "left"), ("objects", "right"), ("messages", "right"),
                                ("median lag", "right"), ("co-action / null", "right"), ("p", "right"),
                                ("stability", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for g in groups.iter_rows(named=True):
            stability = "" if g["stability"] is None else f"{g['stability']:.2f}"
            table.add_row(plain(g["group_id"]), plain(", ".join(g["labels"]), 70), plain(g["objects"]),
                          plain(g["messages"]), plain(_lag(g["median_lag_s"])),
                          plain(f"{g['weight']} / {g['null_mean']:.1f}"), plain(f"{g['p_value']:.3g}"),
                          plain(stability))
        out.print(table)
        labels = dict(zip(result.members["actor"].to_list(), result.members["label"].to_list(), strict=True))
        for g in groups.iter_rows(named=True):
            rows = result.group(g["group_id"]).sort("lag_s", "posted_a").head(evidence)
            ev = Table(title=f"Evidence of {g['group_id']} (fastest {rows.height})", title_justify="left")
            for column in ("object", "first", "then", "lag"):
                ev.add_column(column, overflow="ellipsis", no_wrap=column != "object")
            for r in rows.iter_rows(named=True):
                a, b = labels.get(r["actor_a"], r["actor_a"]), labels.get(r["actor_b"], r["actor_b"])
                first, then = (a, b) if r["leader"] != r["actor_b"] else (b, a)
                when = min(r["posted_a"], r["posted_b"]).strftime("%Y-%m-%d %H:%M:%S")
                ev.add_row(plain(f"{r['kind']}: {r['object'] or ''}", 60), plain(f"{first} {when}", 40),
                           plain(then, 30), plain(_lag(r["lag_s"])))
            out.print(ev)
    _print_notes(out, result, options)


def _print_notes(out: Console, result: CoordinationResult, options: CoordinationOptions) -> None:
    expected = result.expected_pairs()
    if expected.height:
        out.print(plain(f"{expected.height} significant pair(s) are expected co-posting ({', '.join(options.exclude_by)})"
                        " and form no group"))
    hub = result.one_sided_hub(options.min_symmetry)
    if hub is not None:
        pairs = result.one_sided_pairs(options.min_symmetry).height
        out.print(plain(f"{pairs} significant pair(s) are one-sided (symmetry < {options.min_symmetry}): "
                        f"one actor co-acts a little with many — most often {hub[0]} ({hub[1]} pairs; an aggregator? "
                        "tag it with --exclude-by type=aggregator)"))


def register(group: click.Group) -> None:
    @group.command("coordination")
    @db_option
    @_options
    @click.option("--refresh", is_flag=True, help="Recompute even when results for these options are stored.")
    @click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
                  help="Edges listed in --json besides the reported ones.")
    @click.option("--evidence", type=click.IntRange(min=0), default=5, show_default=True,
                  help="Co-actions shown per group (fastest first).")
    @ENGINE_OPTION
    @json_option
    def coordination(db: Path, refresh: bool, top: int, evidence: int, engine: str, as_json: bool,
                     **fields: Any) -> None:
        """Find channels (or authors) that act on the same links, texts or forwards within a sliding window more
        often than null worlds with each actor's times of day shuffled explain; groups of such pairs with their
        evidence, stored in result_coordination_* tables. Tag expected co-posting (aggregators, same owner) with
        --exclude-by and attributes set by `narrascope channels set-attributes`."""
        options = make_options(fields)
        with open_corpus(db) as corpus:
            if not as_json and err_console.is_terminal:
                with err_console.status("objects → co-actions → null worlds → tests …") as status:
                    result = get_engine(engine).coordination(
                        corpus, options, refresh=refresh, progress=lambda stage: status.update(f"coordination: {stage} …"))
            else:
                result = get_engine(engine).coordination(corpus, options, refresh=refresh)
        if as_json:
            emit_json(summary(result, top, evidence))
            return
        _print(result, options, top, evidence)
