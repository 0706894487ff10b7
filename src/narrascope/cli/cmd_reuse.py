"""narrascope reuse / cascades / cascade — find text reuse, list cascades, show one cascade side by side."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click
import polars as pl
from rich.table import Table
from rich.text import Text

from ..errors import UsageError
from ..reuse import ReuseOptions, ReuseResult, align, find_reuse, load_reuse
from ..reuse.pipeline import option_fields
from .common import db_option, emit_json, err_console, json_option, open_corpus, out_console


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
    by_relation = dict(result.pairs.group_by("relation").len().sort("relation").iter_rows())
    return {
        "stats": result.stats,
        "pairs": result.pairs.height,
        "pairs_by_relation": by_relation,
        "cascades": result.cascades.height,
        "cascade_members": result.members.height,
        "top_cascades": _records(result.cascades.head(top)),
        "boilerplate": _records(result.boilerplate),
        "edges": _records(result.edges.head(top)),
    }


def _cascade_table(cascades: pl.DataFrame, title: str) -> Table:
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
        preview = " ".join(str(row["preview"] or "").split())[:60]
        table.add_row(*(Text(v) for v in (row["cascade_id"], str(row["size"]), str(row["channels"]),
                                          ("? " if row["undated"] else "")
                                          + str(row["origin_channel"] or row["origin_channel_id"]), first, relations,
                                          preview)))
    return table


def _require(corpus: Any) -> ReuseResult:
    result = load_reuse(corpus)
    if result is None:
        raise UsageError(f"no reuse results in {corpus.path}: run `narrascope reuse --db {corpus.path}` first")
    return result


def _texts(corpus: Any, uids: list[str]) -> dict[str, str]:
    if not uids:
        return {}
    marks = ", ".join("?" for _ in uids)
    frame = corpus.sql(f"SELECT uid, text FROM messages WHERE uid IN ({marks})", uids)
    return dict(zip(frame["uid"].to_list(), frame["text"].to_list(), strict=True))


def cascade_detail(corpus: Any, cascade_id: str, max_pairs: int = 3) -> dict[str, Any]:
    """Members of one cascade (prefix of its id accepted) and the aligned passages of up to ``max_pairs``
    member–parent pairs."""
    result = _require(corpus)
    ids = sorted({c for c in result.cascades["cascade_id"].to_list() if c.startswith(cascade_id)})
    if len(ids) != 1:
        hint = "no cascade has that id" if not ids else f"{len(ids)} cascades start with it"
        raise UsageError(f"cascade {cascade_id!r}: {hint}; list them with `narrascope cascades`")
    members = result.cascade(ids[0])
    texts = _texts(corpus, members["uid"].to_list())
    pairs = []
    linked = members.filter(pl.col("direct_parent").fill_null(False))
    for row in linked.head(max_pairs).iter_rows(named=True):
        a, b = texts.get(row["parent_uid"], ""), texts.get(row["uid"], "")
        alignment = align(a, b)
        pairs.append({
            "parent_uid": row["parent_uid"], "uid": row["uid"], "relation": row["relation"],
            "passages": [{"parent_start": p.a_start, "parent_end": p.a_end, "start": p.b_start, "end": p.b_end,
                          "tokens": p.tokens, "parent_text": a[p.a_start : p.a_end], "text": b[p.b_start : p.b_end]}
                         for p in alignment.passages],
            "parent_text": a, "text": b,
        })
    summary = result.cascades.filter(pl.col("cascade_id") == ids[0]).to_dicts()[0]
    return {"cascade": summary, "members": members.to_dicts(), "pairs": pairs}


def register(group: click.Group) -> None:
    @group.command("reuse")
    @db_option
    @_reuse_options
    @click.option("--refresh", is_flag=True, help="Recompute even when results for these options are stored.")
    @click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Cascades to list.")
    @json_option
    def reuse(db: Path, refresh: bool, top: int, as_json: bool, **fields: Any) -> None:
        """Find near-duplicates, shared passages, rewrites and forwards; cluster them into cascades and store
        everything in the store (result_reuse_* tables)."""
        options = ReuseOptions(**fields)
        with open_corpus(db) as corpus:
            if not as_json and err_console.is_terminal:
                # stages are not metered one by one: a spinner with elapsed time says it is working
                with err_console.status("finding reuse (shingles → MinHash → LSH → verification → cascades) …"):
                    result = find_reuse(corpus, options, refresh=refresh)
            else:
                result = find_reuse(corpus, options, refresh=refresh)
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
        with open_corpus(db, read_only=True) as corpus:
            detail = cascade_detail(corpus, cascade_id, max_pairs)
        if as_json:
            emit_json(detail)
            return
        out = out_console()
        c = detail["cascade"]
        origin = c["origin_channel"] or c["origin_channel_id"]
        if c.get("undated"):
            origin = (f"origin undetermined: {c['undated']} of {c['size']} posts have no date "
                      f"({origin} is listed first, not known to be first)")
        else:
            origin = f"origin {origin} at {c['first_at']}"
        out.print(f"cascade {c['cascade_id']}: {c['size']} posts in {c['channels']} channels, {origin}")
        timeline = Table(title="Timeline", title_justify="left")
        for column in ("posted_at", "channel", "message_id", "relation", "lag from origin", "lag from parent"):
            timeline.add_column(column)
        for m in detail["members"]:
            timeline.add_row(*(Text(v) for v in (str(m["posted_at"] or "no date"), str(m["channel"] or m["channel_id"]),
                                                 str(m["message_id"]), m["relation"], _lag(m["lag_origin_s"]),
                                                 _lag(m["lag_parent_s"]))))
        out.print(timeline)
        for pair in detail["pairs"]:
            side = Table(title=Text(f"{pair['relation']}: parent {pair['parent_uid'][:12]} → {pair['uid'][:12]}"),
                         title_justify="left", show_lines=True)
            side.add_column("parent", ratio=1, overflow="fold")
            side.add_column("member", ratio=1, overflow="fold")
            if pair["passages"]:
                for p in pair["passages"]:
                    side.add_row(Text(f"[{p['parent_start']}:{p['parent_end']}] {p['parent_text']}"),
                                 Text(f"[{p['start']}:{p['end']}] {p['text']}"))
            else:
                side.add_row(Text(pair["parent_text"]), Text(pair["text"]))
            out.print(side)


def _lag(seconds: Any) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    return (f"{days}d " if days else "") + f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
