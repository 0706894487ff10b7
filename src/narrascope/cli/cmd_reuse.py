"""narrascope reuse / cascades / cascade — find text reuse, list cascades, show one cascade side by side."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from rich.table import Table
from rich.text import Text

from ..engines import get_engine
from ..errors import UsageError
from ..reuse.options import ReuseOptions, option_fields
from .common import ENGINE_OPTION, db_option, emit_json, err_console, json_option, open_corpus, out_console

if TYPE_CHECKING:  # the analysis modules are imported when a command runs, not for --help (start-up stays fast)
    import polars as pl

    from ..reuse import ReuseResult


def _click_type(hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if isinstance(hint, types.UnionType) and args else hint
    return {int: int, float: float, str: str, bool: bool}.get(base, str)


def _reuse_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """One flag per ReuseOptions field (``--field-name``), defaults and help from the dataclass."""
    for name, hint, default, help_text in reversed(option_fields()):
        flag = name.replace("_", "-")
        if _click_type(hint) is bool:
            f = click.option(f"--{flag}/--no-{flag}", name, default=default, show_default=True, help=help_text)(f)
        else:
            f = click.option(f"--{flag}", name, type=_click_type(hint), default=default, show_default=True,
                             help=help_text)(f)
    return f


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _summary(result: ReuseResult, top: int) -> dict[str, Any]:
    return {
        "stats": result.stats,
        "pairs": result.pairs.height,
        "pairs_by_relation": result.pairs_by_relation(),
        "cascades": result.cascades.height,
        "cascade_members": result.members.height,
        "top_cascades": _records(result.cascades.head(top)),
        "boilerplate": _records(result.boilerplate),
        "edges": _records(result.edges.head(top)),
    }


def _cascade_table(cascades: pl.DataFrame, title: str) -> Table:
    from ..reuse.detail import preview

    caption = "relations: forward/copy/near-duplicate/rewrite/partial"
    if cascades.height and cascades["undated"].sum():
        caption += "; ? = origin undetermined (posts without a date)"
    table = Table(title=title, title_justify="left", caption=caption)
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("cascade", "left"), ("size", "right"), ("channels", "right"), ("origin", "left"), ("first (UTC)", "left"),
        ("relations", "left"), ("text", "left"),
    )
    widths = {"cascade": 12, "first (UTC)": 16, "origin": 12}
    for column, justify in columns:
        table.add_column(column, justify=justify, no_wrap=True, min_width=widths.get(column, len(column)),
                         max_width=26 if column == "text" else 16, overflow="ellipsis")
    for row in cascades.iter_rows(named=True):
        first = row["first_at"].strftime("%Y-%m-%d %H:%M") if row["first_at"] else ""
        relations = "/".join(str(row[f"n_{r}"]) for r in ("forward", "copy", "near_duplicate", "rewrite", "partial"))
        table.add_row(*(Text(v) for v in (row["cascade_id"], str(row["size"]), str(row["channels"]),
                                          ("? " if row["undated"] else "")
                                          + str(row["origin_channel"] or row["origin_channel_id"]), first, relations,
                                          preview(row["preview"], 60))))
    return table


def _require(corpus: Any) -> ReuseResult:
    from ..reuse import load_reuse

    result = load_reuse(corpus)
    if result is None:
        raise UsageError(f"no reuse results in {corpus.path}: run `narrascope reuse --db {corpus.path}` first")
    return result


def register(group: click.Group) -> None:
    @group.command("reuse")
    @db_option
    @_reuse_options
    @click.option("--refresh", is_flag=True, help="Recompute even when results for these options are stored.")
    @click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Cascades to list.")
    @ENGINE_OPTION
    @json_option
    def reuse(db: Path, refresh: bool, top: int, engine: str, as_json: bool, **fields: Any) -> None:
        """Find near-duplicates, shared passages, rewrites and forwards; cluster them into cascades and store
        everything in the store (result_reuse_* tables)."""
        options = ReuseOptions(**fields)
        with open_corpus(db) as corpus:
            if not as_json and err_console.is_terminal:
                # stages are not metered one by one: a spinner with elapsed time says it is working
                with err_console.status("finding reuse (shingles → MinHash → LSH → verification → cascades) …"):
                    result = get_engine(engine).reuse(corpus, options, refresh=refresh)
            else:
                result = get_engine(engine).reuse(corpus, options, refresh=refresh)
        summary = _summary(result, top)
        if as_json:
            emit_json(summary)
            return
        out = out_console()
        relations = ", ".join(f"{k} {v}" for k, v in summary["pairs_by_relation"].items()) or "none"
        out.print(f"{result.stats.get('messages', 0)} messages with text · {summary['pairs']} reuse pairs ({relations})"
                  f" · {summary['cascades']} cascades with {summary['cascade_members']} members")
        out.print(f"boilerplate: {result.boilerplate.height} lines, {result.stats.get('boilerplate_ngrams', 0)} "
                  f"n-grams left out of matching" + (" (cached result)" if result.stats.get("cached") else ""))
        if top:
            out.print(_cascade_table(result.cascades.head(top), f"Top {top} cascades"))

    @group.command("cascades")
    @db_option
    @click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Cascades to list.")
    @json_option
    def cascades(db: Path, top: int, as_json: bool) -> None:
        """List the largest cascades of the last `narrascope reuse` run."""
        with open_corpus(db, read_only=True) as corpus:
            result = _require(corpus)
        if as_json:
            emit_json({"cascades": _records(result.cascades.head(top)), "total": result.cascades.height,
                       "edges": _records(result.edges.head(top))})
            return
        out_console().print(_cascade_table(result.cascades.head(top),
                                           f"Cascades (top {top} of {result.cascades.height})"))

    @group.command("cascade")
    @click.argument("cascade_id")
    @db_option
    @click.option("--pairs", "max_pairs", type=click.IntRange(min=0), default=3, show_default=True,
                  help="Member–parent pairs to align side by side.")
    @json_option
    def cascade(cascade_id: str, db: Path, max_pairs: int, as_json: bool) -> None:
        """Show one cascade: its timeline and aligned passages side by side."""
        from ..reuse.detail import cascade_detail, post_label

        with open_corpus(db, read_only=True) as corpus:
            detail = cascade_detail(corpus, cascade_id, max_pairs)
        if as_json:
            emit_json(detail.to_dict())
            return
        out = out_console()
        c = detail.cascade
        origin = c["origin_channel"] or c["origin_channel_id"]
        if c.get("undated"):
            origin = (f"origin undetermined: {c['undated']} of {c['size']} posts have no date "
                      f"({origin} is listed first, not known to be first)")
        else:
            origin = f"origin {origin} at {c['first_at']:%Y-%m-%d %H:%M} UTC"
        out.print(Text(f"cascade {c['cascade_id']}: {c['size']} posts in {c['channels']} channels, {origin}"))
        timeline = Table(title="Timeline", title_justify="left")
        for column in ("posted (UTC)", "post (channel #message id)", "relation", "parent", "lag from origin",
                       "lag from parent"):
            timeline.add_column(column)
        label = {m["uid"]: post_label(m["channel"] or m["channel_id"], m["message_id"])
                 for m in detail.members.iter_rows(named=True)}
        for m in detail.members.iter_rows(named=True):
            when = f"{m['posted_at']:%Y-%m-%d %H:%M}" if m["posted_at"] else "no date"
            parent = label.get(m["parent_uid"], "") if m["parent_uid"] else ""
            timeline.add_row(*(Text(v) for v in (when, label[m["uid"]], m["relation"], parent,
                                                 _lag(m["lag_origin_s"]), _lag(m["lag_parent_s"]))))
        out.print(timeline)
        if detail.pairs:
            out.print(f"{len(detail.pairs)} member–parent pair(s), the most informative relation first "
                      "(one of each kind, then the rest)")
        for pair in detail.pairs:
            side = Table(title=Text(f"{pair.relation}: {pair.parent_label} → {pair.label}"),
                         title_justify="left", show_lines=True)
            side.add_column(Text(f"parent {pair.parent_label}"), ratio=1, overflow="fold")
            side.add_column(Text(f"member {pair.label}"), ratio=1, overflow="fold")
            if pair.passages:
                for p in pair.passages:
                    side.add_row(Text(f"[{p.parent_start}:{p.parent_end}] {p.parent_text}"),
                                 Text(f"[{p.start}:{p.end}] {p.text}"))
            else:
                side.add_row(Text(pair.parent_text), Text(pair.text))
            out.print(side)


def _lag(seconds: Any) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    return (f"{days}d " if days else "") + f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
